"""Working days in England and Wales: Monday to Friday, minus bank holidays and operator closures.

Bank holidays come from the `holidays` package (GB, subdivision ENG, which covers England and Wales and
includes one-off days such as 2022-09-19 and substitute days). They are loaded one year at a time, on
first use, so a calendar is cheap to build and works for any year.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays

from workflows.dates import FIRST_YEAR, LAST_YEAR, format_date
from workflows.errors import DateOutOfRange

_DAY = timedelta(days=1)

# FIRST_YEAR..LAST_YEAR (workflows.dates) are the years a person may give a date in. Bank holidays are
# known to 2100 (`holidays`' data ends there, and past it Christmas would count as a working day); the
# longest rule (months after an event) stays inside that from any date up to the end of LAST_YEAR.
__all__ = ["FIRST_YEAR", "LAST_YEAR", "WorkingCalendar", "check_in_range"]
#: The years the calendar itself counts in: a deadline may land a little after LAST_YEAR.
_KNOWN_YEARS = range(FIRST_YEAR - 1, 2101)


def check_in_range(day: date) -> date:
    """`day` itself, or DateOutOfRange (one sentence for a person) when the calendar can't count from it."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DateOutOfRange(
            f"I can only work with dates from {FIRST_YEAR} to {LAST_YEAR}, not {format_date(day)}."
        )
    return day


class WorkingCalendar:
    """Counts working days the way Ofsted's guidance does ("within N working days of X")."""

    def __init__(self, closures: Iterable[date] = ()) -> None:
        self._closures = frozenset(closures)
        self._bank_holidays: dict[int, frozenset[date]] = {}

    @property
    def closures(self) -> frozenset[date]:
        """Extra non-working days an operator configured (office closures and the like)."""
        return self._closures

    def bank_holidays(self, year: int) -> frozenset[date]:
        """England and Wales bank holidays in `year`, cached per year."""
        cached = self._bank_holidays.get(year)
        if cached is None:
            if year not in _KNOWN_YEARS:
                raise DateOutOfRange(
                    f"I can't count working days in {year}: bank holidays are known for "
                    f"{_KNOWN_YEARS.start} to {_KNOWN_YEARS.stop - 1} only."
                )
            cached = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))
            self._bank_holidays[year] = cached
        return cached

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._closures and day not in self.bank_holidays(day.year)

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += _DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= _DAY
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The nth working day after `day` (n > 0) or the |n|th before it (n < 0).

        `day` is day 0 even when it is not a working day, so from a Saturday, 1 working day later is
        Monday. n == 0 gives `day` when it is a working day, else the next working day.
        """
        if n == 0:
            return self.next_working_day(day)
        step = _DAY if n > 0 else -_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] when end >= start; minus those in [end, start) when end < start.

        The two half-open ends make it the inverse of `add_working_days`: for n != 0,
        working_days_between(a, add_working_days(a, n)) == n, whatever kind of day `a` is.
        """
        if end >= start:
            return sum(
                1 for offset in range(1, (end - start).days + 1) if self.is_working_day(start + offset * _DAY)
            )
        return -sum(1 for offset in range((start - end).days) if self.is_working_day(end + offset * _DAY))
