"""Working days in England and Wales: Monday to Friday, minus bank holidays and operator closures.

Bank holidays come from the `holidays` package (GB, subdivision ENG, which covers England and Wales and
includes one-off days such as 2022-09-19 and substitute days). They are loaded one year at a time, on
first use, so a calendar is cheap to build and works for any year.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays

_DAY = timedelta(days=1)


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
