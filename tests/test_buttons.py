"""The typed button base: what it packs it unpacks, and it refuses what is not its own."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest

from handlers.buttons import MAX_DATA_BYTES, Button, ButtonDataError


class Close(Button):
    prefix = "t_close"
    ref: int
    reason: Literal["done", "withdrawn"]


class Invite(Button):
    prefix = "t_inv"
    role: Literal["inspector", "manager"]
    ref: int | None = None


class Day(Button):
    prefix = "t_day"
    ref: int
    day: date
    sure: bool


def test_packs_and_unpacks_every_field_with_its_type() -> None:
    button = Day(ref=12, day=date(2026, 3, 4), sure=True)
    assert button.pack() == "t_day:12:2026-03-04:1"
    assert Day.unpack("t_day:12:2026-03-04:1") == button


def test_a_trailing_none_is_left_out_and_read_back_as_none() -> None:
    assert Invite(role="manager").pack() == "t_inv:manager"
    assert Invite.unpack("t_inv:manager") == Invite(role="manager")
    assert Invite.unpack("t_inv:inspector:7").ref == 7


@pytest.mark.parametrize(
    "data",
    ["t_close:12", "t_close:12:maybe", "t_close:x:done", "t_close:1:done:more", "other:1:done", 12, None],
)
def test_what_is_not_its_own_does_not_match(data: object) -> None:
    assert not Close.matches(data)
    assert Close.parse(data) is None


def test_the_64_byte_limit_and_the_separator_are_checked_when_packing() -> None:
    with pytest.raises(ButtonDataError):
        Close(ref=10 ** (MAX_DATA_BYTES), reason="done").pack()
    assert Close.parse("t_close:" + "1" * 80 + ":done") is None


def test_its_handler_matches_only_its_data() -> None:
    handler = Close.handler(lambda update, context: None)
    assert handler.pattern is not None
    assert callable(handler.pattern)
    assert handler.pattern("t_close:3:withdrawn") and not handler.pattern("t_inv:manager")
