"""Working days in England and Wales, checked against dates worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.calendar import WorkingCalendar

CAL = WorkingCalendar()


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 12, 25),
        date(2026, 12, 28),  # Boxing Day falls on a Saturday: substitute Monday
        date(2021, 12, 27),  # Christmas Day on a Saturday: substitute
        date(2021, 12, 28),  # Boxing Day on a Sunday: substitute
        date(2022, 1, 3),  # New Year's Day on a Saturday: substitute
        date(2020, 5, 8),  # early May bank holiday moved for VE Day
        date(2022, 6, 2),  # spring bank holiday moved
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 9, 19),  # State Funeral of Queen Elizabeth II
        date(2023, 5, 8),  # Coronation of King Charles III
    ],
)
def test_bank_holidays_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 5, 4),  # no early May bank holiday on the first Monday in 2020
        date(2022, 5, 30),  # nor a spring bank holiday on the last Monday of May 2022
        date(2026, 3, 3),
        date(2026, 3, 30),  # the Monday after the clocks go forward
        date(2026, 10, 26),  # the Monday after they go back
    ],
)
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert CAL.is_working_day(day)


def test_weekends_are_not_working_days() -> None:
    assert not CAL.is_working_day(date(2026, 3, 7))
    assert not CAL.is_working_day(date(2026, 3, 8))


def test_closures_are_not_working_days() -> None:
    closed = WorkingCalendar(closures=[date(2026, 3, 4)])
    assert not closed.is_working_day(date(2026, 3, 4))
    assert closed.add_working_days(date(2026, 3, 3), 1) == date(2026, 3, 5)
    assert CAL.add_working_days(date(2026, 3, 3), 1) == date(2026, 3, 4)
    assert closed.closures == frozenset({date(2026, 3, 4)})


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 3, 3), 1, date(2026, 3, 4)),
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 = Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # from a Saturday, day 1 is Monday
        (date(2026, 3, 8), 5, date(2026, 3, 13)),
        (date(2026, 3, 3), 0, date(2026, 3, 3)),
        (date(2026, 3, 7), 0, date(2026, 3, 9)),
        (date(2026, 3, 9), -1, date(2026, 3, 6)),
        (date(2026, 3, 7), -1, date(2026, 3, 6)),
        (date(2026, 3, 3), -10, date(2026, 2, 17)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 4, 1), 5, date(2026, 4, 10)),
        (date(2026, 4, 7), -1, date(2026, 4, 2)),
        # Christmas 2026: 25 Friday, Boxing Day substitute Monday 28, New Year Friday 1 January
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 24), 4, date(2027, 1, 4)),
        # Christmas 2021: both days at a weekend, substitutes 27 and 28; New Year substitute 3 January
        (date(2021, 12, 24), 1, date(2021, 12, 29)),
        (date(2021, 12, 31), 1, date(2022, 1, 4)),
        (date(2020, 5, 7), 1, date(2020, 5, 11)),
        (date(2022, 6, 1), 1, date(2022, 6, 6)),
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
        (date(2023, 5, 5), 1, date(2023, 5, 9)),
        # the clocks go forward on Sunday 29 March 2026: no effect on counting days
        (date(2026, 3, 27), 1, date(2026, 3, 30)),
        (date(2026, 10, 23), 1, date(2026, 10, 26)),
    ],
)
def test_add_working_days(day: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(day, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 3, 3), date(2026, 3, 3), 0),
        (date(2026, 3, 3), date(2026, 3, 4), 1),
        (date(2026, 3, 6), date(2026, 3, 9), 1),
        (date(2026, 3, 6), date(2026, 3, 8), 0),
        (date(2026, 4, 2), date(2026, 4, 7), 1),  # over Easter
        (date(2026, 3, 4), date(2026, 3, 3), -1),
        (date(2026, 3, 9), date(2026, 3, 6), -1),
        (date(2026, 3, 3), date(2026, 2, 17), -10),
        (date(2022, 9, 14), date(2022, 10, 11), 18),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert CAL.working_days_between(start, end) == expected


def test_next_and_previous_working_day() -> None:
    assert CAL.next_working_day(date(2026, 4, 3)) == date(2026, 4, 7)
    assert CAL.next_working_day(date(2026, 4, 7)) == date(2026, 4, 7)
    assert CAL.previous_working_day(date(2026, 4, 6)) == date(2026, 4, 2)


def test_any_year_works_and_is_loaded_once() -> None:
    cal = WorkingCalendar()
    assert not cal.is_working_day(date(2099, 12, 25))
    assert cal.bank_holidays(2099) is cal.bank_holidays(2099)
    assert date(2099, 12, 25) in cal.bank_holidays(2099)
