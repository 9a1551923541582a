"""Invitation codes as pure rules: what they look like, how they are stored, when they stop working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflows import invites

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_codes_are_fresh_link_safe_and_stored_only_as_a_hash() -> None:
    codes = {invites.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert invites.looks_like_code(code)
        assert len(code) <= 64
        digest = invites.hash_code(code)
        assert len(digest) == 64 and code not in digest
    assert invites.hash_code("a" * 20) == invites.hash_code("a" * 20)


@pytest.mark.parametrize(
    "text", ["", "short", "has space in it long", "x" * 65, "semi;colon-123456789", "é" * 20]
)
def test_anything_that_is_not_a_code_is_refused_before_the_database(text: str) -> None:
    assert not invites.looks_like_code(text)


def test_expiry_defaults_to_seven_days_and_refuses_silly_lifetimes() -> None:
    assert invites.expiry(NOW) == NOW + timedelta(days=7)
    assert invites.expiry(NOW, timedelta(days=1)) == NOW + timedelta(days=1)
    for bad in (timedelta(0), timedelta(days=-1), timedelta(days=91)):
        with pytest.raises(ValueError, match="90 days"):
            invites.expiry(NOW, bad)


def test_an_invitation_works_once_and_only_before_it_expires() -> None:
    expires = NOW + timedelta(days=7)
    assert invites.is_usable(expires, None, NOW)
    assert not invites.is_usable(expires, NOW, NOW)
    assert not invites.is_usable(expires, None, expires)
    assert not invites.is_usable(expires, None, expires + timedelta(seconds=1))


def test_deep_link() -> None:
    assert invites.deep_link("@Inspect_bot", "abc") == "https://t.me/Inspect_bot?start=abc"
    with pytest.raises(ValueError, match="not a Telegram bot username"):
        invites.deep_link("no spaces allowed", "abc")
