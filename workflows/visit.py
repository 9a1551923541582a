"""When a visit begins and ends, and whether a provider may be told its planned days yet.

Children's homes are inspected without notice (000 L534; 001 L56): until inspectors arrive, nothing a
provider can reach may name the planned days or any date worked out from them. A COVID-19 assurance visit
is announced by a call on the working day before its on-site day (002 L155-156): it is secret until then.
Inspectors and managers always see everything.
"""

from __future__ import annotations

from datetime import date

from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, on_site_days
from workflows.rules import END, START, InspectionKind

#: Kinds inspected without notice (000 L534; 001 L56): the provider learns of the visit when it starts.
UNANNOUNCED_KINDS = frozenset({"ch-full", "ch-assurance", "ch-interim-2014"})

#: Kinds announced by a call shortly before the visit (002 L155-156): secret until the call.
ANNOUNCED_BY_CALL = frozenset({"covid-assurance"})

#: The milestone that is the announcement call, for ANNOUNCED_BY_CALL kinds.
CALL = "notification"


def is_unannounced(kind: InspectionKind) -> bool:
    """True for kinds whose planned days are kept from the provider until the visit begins."""
    return kind.id in UNANNOUNCED_KINDS or kind.id in ANNOUNCED_BY_CALL


def begins(kind: InspectionKind, dates: CaseDates, calendar: WorkingCalendar) -> date:
    """The day the visit starts (or started): the first on-site day, recorded or planned.

    A COVID-19 visit is live from the announcement call (002 L155-156): the recorded call, else the
    working day before its on-site day (the kind's `notification` rule).
    """
    first = on_site_days(kind, dates, calendar)[0]
    if kind.id in ANNOUNCED_BY_CALL:
        call = dates.records.get(CALL)
        first = call if call is not None else calendar.add_working_days(first, -1)
    if START in dates.records:
        first = min(first, dates.records[START])
    return first


def started(kind: InspectionKind, dates: CaseDates, today: date, calendar: WorkingCalendar) -> bool:
    """True once the visit has begun by `today` (a recorded start, or its first day has come)."""
    return START in dates.records or begins(kind, dates, calendar) <= today


def ended(kind: InspectionKind, dates: CaseDates, today: date, calendar: WorkingCalendar) -> bool:
    """True once the visit is over: its end is recorded, or its last on-site day has come.

    The last on-site day is the feedback day, so the visit counts as ended on it: what follows the
    inspection (the draft, comments, complaints) may be recorded from then on.
    """
    return END in dates.records or on_site_days(kind, dates, calendar)[1] <= today


def hidden_from_provider(
    kind: InspectionKind, dates: CaseDates, today: date, calendar: WorkingCalendar
) -> bool:
    """True while a provider must not learn the planned days, nor anything counted from them."""
    return is_unannounced(kind) and not started(kind, dates, today, calendar)
