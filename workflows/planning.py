"""Checks on planned on-site days that ask a person to confirm rather than refuse: a start long ago (a
typo in the year?), a day nobody works, or a visit longer than its kind allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.flows import cite
from workflows.rules import InspectionKind, Source

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


@dataclass(frozen=True)
class LongestVisit:
    """The most working days on site (first to last, inclusive) the guidance expects for a kind."""

    working_days: int
    why: str
    source: Source


#: Longer than the kind's usual days where the guidance says so; other kinds: their usual days.
LONGEST_VISIT: dict[str, LongestVisit] = {
    "ch-full": LongestVisit(
        4, "for a multi-building home", cite("000", "Length of inspection", 592, 594, 596, 621)
    ),
    "ch-assurance": LongestVisit(2, "for a multi-building home", cite("000", "Length of inspection", 598)),
    "asa-full": LongestVisit(
        3, "2 days on site spread over 3", cite("003", "Length of inspection", 481, 483)
    ),
    "covid-assurance": LongestVisit(1, "the day after the call", cite("002", "Timeline", (74, 80))),
}


def longest_visit(kind: InspectionKind) -> int:
    """The most working days on site the guidance expects for `kind`."""
    longest = LONGEST_VISIT.get(kind.id)
    return kind.onsite_days if longest is None else max(longest.working_days, kind.onsite_days)


def visit_length_warning(
    kind: InspectionKind, first: date, last: date | None, calendar: WorkingCalendar
) -> str | None:
    """A warning when the visit, first to last on-site day, is longer than `kind` allows; else None.

    Possible (the manager may agree more days, 003 L483), so it is confirmed, not refused.
    """
    if last is None or last < first:
        return None
    days = calendar.working_days_between(first, last) + (1 if calendar.is_working_day(first) else 0)
    allowed = longest_visit(kind)
    if days <= allowed:
        return None
    longest = LONGEST_VISIT.get(kind.id)
    plural = "s" if allowed != 1 else ""
    why = f" ({longest.why}; {longest.source.citation})" if longest is not None else ""
    return (
        f"{format_date(first)} to {format_date(last)} is {days} working days on site; {kind.a_name} "
        f"usually has at most {allowed} working day{plural} on site{why}."
    )


def planned_warnings(
    kind: InspectionKind, start: date, end: date | None, today: date, calendar: WorkingCalendar
) -> list[str]:
    """Every reason to confirm planned days before they are saved: `start_warnings` and the length."""
    warnings = start_warnings(start, end, today, calendar)
    long = visit_length_warning(kind, start, end, calendar)
    return warnings if long is None else [*warnings, long]
