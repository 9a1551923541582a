"""Warnings about when an inspection starts: things the guidance says do not usually happen.

They are not deadlines and never refuse a case: the chat and the command line show them beside the
timeline, so a person can check the date they gave. Each cites the seed line it comes from.
"""

from __future__ import annotations

from datetime import date

from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.deadlines import CaseDates, on_site_days
from workflows.kinds import COVID_DOC, SIF_DOC
from workflows.rules import START, InspectionKind, Source

#: "Inspections will not usually commence in August or over the Christmas and New Year period."
SIF_NO_START = Source("004", (13,), SIF_DOC, "Scheduling and team deployment")
#: Visits during the inspection year ending 31 March 2021, under guidance applicable from 1 September 2020.
COVID_PERIOD = Source("002", (34, 35, 39), COVID_DOC, "Further guidance")
#: Day 1 is the announcement call, day 2 the visit (002 L74-80); the visit is live from the call.
COVID_DAYS = Source("002", (74, 76, 78, 80, 155, 156), COVID_DOC, "Timeframe; The start of the visit")

WARNING_SOURCES = (SIF_NO_START, COVID_PERIOD, COVID_DAYS)

COVID_FIRST_DAY = date(2020, 9, 1)
COVID_LAST_DAY = date(2021, 3, 31)


def in_christmas_and_new_year(day: date) -> bool:
    """24 December to 1 January: the bot's reading of 'the Christmas and New Year period' (no dates given)."""
    return (day.month, day.day) >= (12, 24) or (day.month, day.day) == (1, 1)


def planned_start_warnings(kind: InspectionKind, start: date, calendar: WorkingCalendar) -> list[str]:
    """What to say about a first on-site day the guidance does not expect; empty when it is usual."""
    warnings: list[str] = []
    if kind.id == "la-sif":
        call = calendar.add_working_days(start, -1)
        for label, day in (("The start of fieldwork", start), ("The notification call", call)):
            if day.month == 8:
                season = "in August"
            elif in_christmas_and_new_year(day):
                season = "over Christmas and New Year (24 December to 1 January)"
            else:
                continue
            warnings.append(
                f"{label} falls {season}, on {format_date(day)}: SIF inspections do not usually start "
                f"then (seed {SIF_NO_START.citation}). The timeline is worked out all the same."
            )
            break
    if kind.id == "covid-assurance" and not COVID_FIRST_DAY <= start <= COVID_LAST_DAY:
        warnings.append(
            f"COVID-19 assurance visits applied from {format_date(COVID_FIRST_DAY)} during the inspection "
            f"year ending {format_date(COVID_LAST_DAY)} (seed {COVID_PERIOD.citation}); this visit is on "
            f"{format_date(start)}. The timeline is worked out all the same."
        )
    return warnings


def timeline_warnings(kind: InspectionKind, dates: CaseDates, calendar: WorkingCalendar) -> list[str]:
    """Every warning for a case: its first day as planned or recorded, and the days it has recorded."""
    start, _ = on_site_days(kind, dates, calendar)
    warnings = planned_start_warnings(kind, start, calendar)
    call = dates.records.get("notification")
    if kind.id == "covid-assurance" and call is not None and call >= start:
        basis = "recorded" if START in dates.records else "planned"
        warnings.append(
            f"The on-site day is {basis} as {format_date(start)}, not after the announcement call on "
            f"{format_date(call)}: the call is day 1 and the visit day 2 (seed {COVID_DAYS.citation}). "
            "Record the on-site day as the start."
        )
    return warnings
