"""Reading case references and one-line command words."""

from __future__ import annotations

import pytest

from handlers.parsing import ArgumentError, command_text, parse_ref, split_args


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("#12", 12),
        ("12", 12),
        (" case 7 ", 7),
        ("Case #3", 3),
        ("# 4", 4),
        ("twelve", None),
        ("", None),
        ("12a", None),
        ("-1", None),
        ("#", None),
    ],
)
def test_parse_ref(text: str, ref: int | None) -> None:
    assert parse_ref(text) == ref


def test_split_args_keeps_quoted_names_and_curly_quotes() -> None:
    assert split_args('ch-full "Oak House" 3/3/2026') == ["ch-full", "Oak House", "3/3/2026"]
    assert split_args("ch-full \u201cOak House\u201d 3/3/2026") == ["ch-full", "Oak House", "3/3/2026"]


def test_split_args_unclosed_quote_is_a_clear_error() -> None:
    with pytest.raises(ArgumentError, match="quote is not closed"):
        split_args('ch-full "Oak House 3/3/2026')


def test_command_text() -> None:
    assert command_text("/due 12") == "12"
    assert command_text("/due@inspectbot  #12 ") == "#12 "
    assert command_text("/due") == ""
