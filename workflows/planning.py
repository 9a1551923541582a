"""Checks on planned on-site days that ask a person to confirm rather than refuse: a start long ago (a
typo in the year?) or on a day nobody works."""

from __future__ import annotations

from datetime import date, timedelta

from workflows.calendar import WorkingCalendar
from workflows.dates import format_date

#: A first on-site day further back than this is probably a typo (last year instead of this).
FAR_PAST = timedelta(days=365)


def start_warnings(start: date, end: date | None, today: date, calendar: WorkingCalendar) -> list[str]:
    """Why these planned days should be confirmed before a case is set up; empty when they look right."""
    warnings: list[str] = []
    if start < today - FAR_PAST:
        warnings.append(f"{format_date(start)} is more than a year ago.")
    for label, day in (("first", start), ("last", end)):
        if day is None or calendar.is_working_day(day):
            continue
        why = "a weekend" if day.weekday() >= 5 else "a bank holiday or closure"
        warnings.append(f"The {label} on-site day, {format_date(day)}, is not a working day ({why}).")
    return warnings
