"""Working days in England and Wales: Monday to Friday, minus bank holidays and operator closures.

Bank holidays come from the `holidays` package (GB, subdivision ENG, which covers England and Wales and
includes one-off days such as 2022-09-19 and substitute days). They are loaded one year at a time, on
first use (the package itself too, so that a command that never counts a working day does not load it),
so a calendar is cheap to build and works for any year.

Counting is arithmetic, not a walk: whole weeks give the weekdays between two dates, and a sorted list of
the weekdays that are not working days (bank holidays and closures), searched with bisect, gives those to
take away. A deadline costs the same whether it is 5 or 500 working days away.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, timedelta

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


def _nth_weekday(k: int) -> int:
    """The ordinal of the kth Monday-to-Friday day from 1 January of year 1 (k >= 1)."""
    weeks, rest = divmod(k - 1, 5)
    return 7 * weeks + rest + 1


class WorkingCalendar:
    """Counts working days the way Ofsted's guidance does ("within N working days of X")."""

    def __init__(self, closures: Iterable[date] = ()) -> None:
        self._closures = frozenset(closures)
        self._bank_holidays: dict[int, frozenset[date]] = {}
        # Ordinals of the weekdays that are not working days, sorted: every closure, and the bank
        # holidays of the years in _counted_years (all a count touches are loaded before it looks).
        self._off: list[int] = sorted({d.toordinal() for d in self._closures if d.weekday() < 5})
        self._counted_years: set[int] = set()
        # Ordinals of a run of whole counted years (empty at first): spans inside it skip the loading.
        self._ready_from, self._ready_to = 1, 0

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
            import holidays

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
        if n > 0:
            return date.fromordinal(self._forward(day.toordinal(), n))
        return date.fromordinal(self._backward(day.toordinal(), -n))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] when end >= start; minus those in [end, start) when end < start.

        The two half-open ends make it the inverse of `add_working_days`: for n != 0,
        working_days_between(a, add_working_days(a, n)) == n, whatever kind of day `a` is.
        """
        if end >= start:
            return self._count(start.toordinal() + 1, end.toordinal())
        return -self._count(end.toordinal(), start.toordinal() - 1)

    # Each count below first loads the bank holidays of every year with a weekday in the span it
    # counts over, so a year outside _KNOWN_YEARS raises DateOutOfRange exactly when it matters. The
    # helpers are inlined by hand where it pays: a timeline makes several of these calls.

    def _count(self, first: int, last: int) -> int:
        """Working days among the ordinals first..last, inclusive (0 when the span is empty)."""
        weeks, rest = divmod(first - 1, 7)
        before = 5 * weeks + (rest if rest < 5 else 5)
        weeks, rest = divmod(last, 7)
        through = 5 * weeks + (rest if rest < 5 else 5)
        if through <= before:
            return 0
        if not (self._ready_from <= first and last <= self._ready_to):
            self._load_years(_nth_weekday(before + 1), _nth_weekday(through))
        off = self._off
        return through - before - (bisect_right(off, last) - bisect_left(off, first))

    def _forward(self, day: int, n: int) -> int:
        """The ordinal of the nth working day after ordinal `day` (n > 0)."""
        weeks, rest = divmod(day, 7)
        k = 5 * weeks + (rest if rest < 5 else 5) + n  # the kth weekday, were no weekday a holiday
        weeks, rest = divmod(k - 1, 5)
        low, high = day, 7 * weeks + rest + 1
        if not (self._ready_from <= day and high <= self._ready_to):
            self._load_years(_nth_weekday(k - n + 1), high)
        off = self._off
        skipped = bisect_right(off, high) - bisect_right(off, low)
        while skipped:  # each holiday in (low, high] pushes the answer one weekday further
            k += skipped
            low, high = high, _nth_weekday(k)
            self._load_years(_nth_weekday(k - skipped + 1), high)
            off = self._off
            skipped = bisect_right(off, high) - bisect_right(off, low)
        return high

    def _backward(self, day: int, n: int) -> int:
        """The ordinal of the nth working day before ordinal `day` (n > 0)."""
        weeks, rest = divmod(day - 1, 7)
        k = 5 * weeks + (rest if rest < 5 else 5) - n + 1  # the kth weekday, were no weekday a holiday
        weeks, rest = divmod(k - 1, 5)
        low, high = 7 * weeks + rest + 1, day
        if not (self._ready_from <= low and day <= self._ready_to):
            self._load_years(low, _nth_weekday(k + n - 1))
        off = self._off
        skipped = bisect_left(off, high) - bisect_left(off, low)
        while skipped:  # each holiday in [low, high) pulls the answer one weekday earlier
            k -= skipped
            low, high = _nth_weekday(k), low
            self._load_years(low, _nth_weekday(k + skipped - 1))
            off = self._off
            skipped = bisect_left(off, high) - bisect_left(off, low)
        return low

    def _load_years(self, first: int, last: int) -> None:
        """Merge into the sorted list the bank holidays of the years of ordinals first..last (weekdays)."""
        if self._ready_from <= first and last <= self._ready_to:
            return
        first_year = date.fromordinal(first).year
        for year in range(first_year, date.fromordinal(last).year + 1):
            if year not in self._counted_years:
                weekdays = {d.toordinal() for d in self.bank_holidays(year) if d.weekday() < 5}
                self._off = sorted(weekdays.union(self._off))
                self._counted_years.add(year)
        # The run of counted years around this span: any span inside it needs no loading.
        low, high = first_year, first_year
        while low - 1 in self._counted_years:
            low -= 1
        while high + 1 in self._counted_years:
            high += 1
        self._ready_from, self._ready_to = date(low, 1, 1).toordinal(), date(high, 12, 31).toordinal()
