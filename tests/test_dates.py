"""Reading and writing dates the British way (chat-style.md)."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.dates import format_date, format_time, parse_date
from workflows.errors import DateParseError

TODAY = date(2026, 3, 3)


def test_format_date_is_govuk_style() -> None:
    assert format_date(date(2026, 3, 3)) == "Tuesday 3 March 2026"
    assert format_date(date(2026, 12, 25)) == "Friday 25 December 2026"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (time(9, 30), "9:30am"),
        (time(17, 0), "5pm"),
        (time(12, 0), "midday"),
        (time(0, 0), "midnight"),
        (time(12, 30), "12:30pm"),
        (time(14, 0), "2pm"),
        (time(9, 5), "9:05am"),
    ],
)
def test_format_time(moment: time, text: str) -> None:
    assert format_time(moment) == text


@pytest.mark.parametrize(
    "text",
    [
        "3/3/2026",
        "03/03/2026",
        "03/03/26",
        "3-3-2026",
        "3.3.2026",
        "3 March 2026",
        "3 Mar 2026",
        "3 mar 26",
        "3rd March 2026",
        "Tuesday 3 March 2026",
        "tue 3 mar 2026",
        "2026-03-03",
        "  3 MARCH 2026 ",
    ],
)
def test_parse_date_accepts_british_forms(text: str) -> None:
    assert parse_date(text, TODAY) == date(2026, 3, 3)


def test_day_comes_first() -> None:
    assert parse_date("4/3/2026", TODAY) == date(2026, 3, 4)
    assert parse_date("12/1/2026", TODAY) == date(2026, 1, 12)


@pytest.mark.parametrize(("text", "shift"), [("today", 0), ("Tomorrow", 1), (" yesterday ", -1)])
def test_relative_words(text: str, shift: int) -> None:
    assert parse_date(text, TODAY).toordinal() - TODAY.toordinal() == shift


def test_september_abbreviations() -> None:
    assert parse_date("19 Sept 2022", TODAY) == date(2022, 9, 19)
    assert parse_date("19 Sep 2022", TODAY) == date(2022, 9, 19)


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2026",
        "next tuesday",
        "03/13/2026",  # US order: there is no 13th month
        "29/02/2025",
        "Wednesday 3 March 2026",  # 3 March 2026 is a Tuesday
        "3 Marchember 2026",
        "2026-02-30",
        "",
        "3/3",
        "3 March",
    ],
)
def test_rejects_with_the_chat_style_message(text: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date(text, TODAY)
    assert str(caught.value) == f"I couldn't read '{text.strip()}' as a date. Try 3/3/2026 or 3 March 2026."


def test_message_keeps_what_was_typed_unescaped() -> None:
    with pytest.raises(DateParseError, match="I couldn't read '<b>31/02</b>' as a date"):
        parse_date("<b>31/02</b>", TODAY)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(days)
def test_what_we_write_we_can_read(day: date) -> None:
    assert parse_date(format_date(day), TODAY) == day
    assert parse_date(day.isoformat(), TODAY) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}", TODAY) == day
    assert parse_date(day.strftime("%d/%m/%y"), TODAY) == day
