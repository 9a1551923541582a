"""The calendar's arithmetic (whole weeks, bisect over holidays) against the definition, walked day by day.

The reference below is the calendar as it was first written: step one day at a time and count the
working days. Both must give the same date or count, or both must refuse the same input with
DateOutOfRange (a year whose bank holidays are unknown), across weekends, bank holidays, closures,
year ends, the edges of the known years, and negative counts.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import WorkingCalendar
from workflows.errors import DateOutOfRange

_DAY = timedelta(days=1)
# Known years are 1999 to 2100; these reach a little past both ends.
_FIRST, _LAST = date(1998, 11, 1), date(2101, 2, 28)


def _working(cal: WorkingCalendar, day: date) -> bool:
    """The definition: a weekday that is neither a closure nor a bank holiday of its year."""
    return day.weekday() < 5 and day not in cal.closures and day not in cal.bank_holidays(day.year)


def _walk_add(cal: WorkingCalendar, day: date, n: int) -> date:
    if n == 0:
        while not _working(cal, day):
            day += _DAY
        return day
    step, remaining = (_DAY if n > 0 else -_DAY), abs(n)
    while remaining:
        day += step
        if _working(cal, day):
            remaining -= 1
    return day


def _walk_between(cal: WorkingCalendar, start: date, end: date) -> int:
    if end >= start:
        return sum(_working(cal, start + i * _DAY) for i in range(1, (end - start).days + 1))
    return -sum(_working(cal, end + i * _DAY) for i in range((start - end).days))


def _outcome(compute: object) -> object:
    """The value, or the refusal, so that both kinds of answer can be compared."""
    assert callable(compute)
    try:
        return compute()
    except DateOutOfRange:
        return DateOutOfRange


def _near(day: date, days: int) -> st.SearchStrategy[date]:
    return st.dates(min_value=day - timedelta(days=days), max_value=day + timedelta(days=days))


# Mostly ordinary dates, with extra weight on Christmas and New Year, Easter-ish springs and both ends
# of the known years (where a count may need 1998 or 2101 and must refuse).
days = st.one_of(
    st.dates(min_value=_FIRST, max_value=_LAST),
    st.integers(min_value=1999, max_value=2100).flatmap(lambda year: _near(date(year, 12, 28), 10)),
    st.integers(min_value=2015, max_value=2030).flatmap(lambda year: _near(date(year, 4, 10), 25)),
    _near(date(1999, 1, 4), 40),
    _near(date(2100, 12, 24), 40),
)
counts = st.one_of(
    st.integers(min_value=-12, max_value=12),
    st.integers(min_value=-400, max_value=400),
    st.integers(min_value=-3000, max_value=3000),
)


@st.composite
def calendars(draw: st.DrawFn, around: date) -> WorkingCalendar:
    """A fresh calendar (nothing loaded yet) with a few closures within 60 days of `around`.

    Closures stay inside the known years: the reference looks at closures before bank holidays, so it
    would accept a closed weekday in 2101 that the arithmetic refuses, a difference no operator meets.
    """
    near = _near(around, 60).filter(lambda d: 1999 <= d.year <= 2100)
    return WorkingCalendar(closures=draw(st.lists(near, max_size=6)))


_SHARED = WorkingCalendar(closures=[date(2025, 12, 24), date(2026, 3, 4), date(2026, 12, 29)])


@settings(max_examples=400, deadline=None)
@given(st.data(), days, counts)
def test_add_working_days_matches_the_walk(data: st.DataObject, day: date, n: int) -> None:
    cal = data.draw(st.one_of(st.just(_SHARED), calendars(day)))
    assert _outcome(lambda: cal.add_working_days(day, n)) == _outcome(
        lambda: _walk_add(WorkingCalendar(cal.closures), day, n)
    ), (day, n, sorted(cal.closures))


@settings(max_examples=400, deadline=None)
@given(st.data(), days, st.integers(min_value=-1200, max_value=1200))
def test_working_days_between_matches_the_walk(data: st.DataObject, start: date, span: int) -> None:
    cal = data.draw(st.one_of(st.just(_SHARED), calendars(start)))
    end = start + timedelta(days=span)
    assert _outcome(lambda: cal.working_days_between(start, end)) == _outcome(
        lambda: _walk_between(WorkingCalendar(cal.closures), start, end)
    ), (start, end, sorted(cal.closures))


def test_christmas_and_new_year_across_a_year_end() -> None:
    """From Thursday 24 December 2026: Christmas (Fri), Boxing Day (Sat, so Monday 28th), 29th closed."""
    cal = WorkingCalendar(closures=[date(2026, 12, 29)])
    assert cal.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 30)
    assert cal.add_working_days(date(2026, 12, 24), 3) == date(2027, 1, 4)  # 1 January is a Friday
    assert cal.add_working_days(date(2027, 1, 4), -3) == date(2026, 12, 24)
    assert cal.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 3
    assert cal.working_days_between(date(2027, 1, 4), date(2026, 12, 24)) == -3


def test_counting_into_an_unknown_year_is_refused_only_when_it_gets_there() -> None:
    cal = WorkingCalendar()
    assert cal.add_working_days(date(2100, 12, 30), 1) == date(2100, 12, 31)  # a Friday
    with pytest.raises(DateOutOfRange, match="2101"):
        cal.add_working_days(date(2100, 12, 30), 2)
    with pytest.raises(DateOutOfRange, match="1998"):
        cal.add_working_days(date(1999, 1, 4), -1)
    with pytest.raises(DateOutOfRange, match="2101"):
        cal.working_days_between(date(2100, 12, 1), date(2101, 1, 3))
    with pytest.raises(DateOutOfRange, match="1998"):  # only Thursday 31 December 1998 needs 1998
        cal.working_days_between(date(1999, 1, 2), date(1998, 12, 31))
    # A weekend in an unknown year needs no bank holidays: Saturday 1 and Sunday 2 January 2101.
    assert cal.working_days_between(date(2100, 12, 31), date(2101, 1, 2)) == 0
    # Nothing was half-loaded by the refusals.
    assert cal.add_working_days(date(2100, 12, 24), 1) == date(2100, 12, 29)  # 27th, 28th substitutes
