"""Properties of working-day arithmetic that must hold for every date, not only the ones we thought of."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, compute_timeline
from workflows.kinds import KINDS
from workflows.rules import Unit

CAL = WorkingCalendar()
# A few closures so that operator-configured days are exercised too.
CLOSED = WorkingCalendar(closures=[date(2025, 12, 24), date(2026, 3, 4), date(2026, 8, 28)])

days = st.dates(min_value=date(2019, 1, 1), max_value=date(2028, 12, 31))
counts = st.integers(min_value=-120, max_value=120).filter(lambda n: n != 0)
calendars = st.sampled_from([CAL, CLOSED])


def _brute_force_count(cal: WorkingCalendar, start: date, end: date) -> int:
    """Working days in (start, end], or minus those in [end, start): the definition, day by day."""
    if end >= start:
        span = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
        return sum(cal.is_working_day(d) for d in span)
    span = [end + timedelta(days=i) for i in range((start - end).days)]
    return -sum(cal.is_working_day(d) for d in span)


@settings(max_examples=200)
@given(calendars, days, counts)
def test_counting_back_gives_n(cal: WorkingCalendar, day: date, n: int) -> None:
    assert cal.working_days_between(day, cal.add_working_days(day, n)) == n


@settings(max_examples=200)
@given(calendars, days, counts)
def test_round_trip_from_a_working_day(cal: WorkingCalendar, day: date, n: int) -> None:
    start = cal.next_working_day(day)
    assert cal.add_working_days(cal.add_working_days(start, n), -n) == start


@settings(max_examples=200)
@given(calendars, days, st.integers(min_value=-120, max_value=120))
def test_result_is_always_a_working_day_on_the_right_side(cal: WorkingCalendar, day: date, n: int) -> None:
    result = cal.add_working_days(day, n)
    assert cal.is_working_day(result)
    if n > 0:
        assert result > day
    elif n < 0:
        assert result < day
    else:
        assert result >= day


@settings(max_examples=200)
@given(calendars, days, days)
def test_between_matches_the_definition(cal: WorkingCalendar, a: date, b: date) -> None:
    b = a + timedelta(days=(b - a).days % 200) if b > a else a - timedelta(days=(a - b).days % 200)
    assert cal.working_days_between(a, b) == _brute_force_count(cal, a, b)


@settings(max_examples=200)
@given(calendars, days, st.integers(min_value=1, max_value=120))
def test_a_non_working_start_counts_from_the_next_working_day(
    cal: WorkingCalendar, day: date, n: int
) -> None:
    """timelines.md: if X is not a working day, the first working day after X is day 1."""
    if cal.is_working_day(day):
        assert cal.add_working_days(day, n) == cal.add_working_days(
            cal.next_working_day(day + timedelta(days=1)), n - 1
        )
    else:
        assert cal.add_working_days(day, n) == cal.add_working_days(cal.next_working_day(day), n - 1)


@settings(max_examples=200)
@given(calendars, days, days, st.integers(min_value=-60, max_value=60))
def test_later_start_never_gives_an_earlier_result(cal: WorkingCalendar, a: date, b: date, n: int) -> None:
    early, late = sorted((a, b))
    assert cal.add_working_days(early, n) <= cal.add_working_days(late, n)


# 5 January to 13 March 2026: no bank holidays (New Year is before, Easter after).
quiet_weekdays = st.dates(min_value=date(2026, 1, 5), max_value=date(2026, 2, 13)).filter(
    lambda d: d.weekday() < 5
)


@settings(max_examples=200)
@given(quiet_weekdays, st.integers(min_value=1, max_value=20))
def test_without_holidays_only_weekends_are_skipped(day: date, n: int) -> None:
    """Five working days are one calendar week from any weekday; the rest wraps at Friday."""
    weeks, rest = divmod(n, 5)
    expected = day + timedelta(weeks=weeks)
    for _ in range(rest):
        expected += timedelta(days=3 if expected.weekday() == 4 else 1)
    assert CAL.add_working_days(day, n) == expected


@settings(max_examples=200)
@given(days, st.sampled_from(sorted(KINDS)), st.booleans())
def test_every_working_day_deadline_is_a_working_day(start: date, kind_id: str, outcome: bool) -> None:
    kind = KINDS[kind_id]
    dates = CaseDates(
        start=start,
        end=None,
        judgement="inadequate" if outcome and kind.grades else None,
        concerns=outcome and kind.uses_concerns,
    )
    for deadline in compute_timeline(kind, dates, CAL):
        rule = kind.milestone(deadline.key)
        assert rule is not None
        if rule.unit is Unit.WORKING_DAYS and rule.offset != 0:
            assert CAL.is_working_day(deadline.due), deadline
