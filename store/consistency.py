"""A case's dates and outcome must always give a timeline: the store refuses a change that would not.

Checked inside the writing transaction, so no caller (chat, command line, a future import) can store a
case whose deadlines can't be worked out, which would break every view of it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from store.errors import InvalidInput
from store.models import Case
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, compute_timeline
from workflows.errors import TimelineError
from workflows.kinds import get_kind

#: Whether dates are consistent never depends on closures: an end derived from the start is never before
#: it, and a record is compared only with recorded dates. So the plain bank-holiday calendar will do.
CALENDAR = WorkingCalendar()


def case_dates(case: Case) -> CaseDates:
    """What the rules need to know about a stored case."""
    return CaseDates(
        start=case.planned_start,
        end=case.planned_end,
        records=dict(case.events),
        judgement=case.judgement,
        concerns=case.concerns,
        single_individual=case.single_individual,
    )


def check(case: Case, dates: CaseDates, kind: str | None = None) -> None:
    """Raise InvalidInput with the rules' own sentence if `dates` can't give `case` a timeline."""
    try:
        compute_timeline(get_kind(kind or case.kind), dates, CALENDAR)
    except TimelineError as exc:
        raise InvalidInput(str(exc)) from exc


def check_event(case: Case, key: str, day: date) -> None:
    dates = case_dates(case)
    check(case, replace(dates, records={**dates.records, key: day}))


def check_without_event(case: Case, key: str) -> None:
    dates = case_dates(case)
    check(case, replace(dates, records={k: v for k, v in dates.records.items() if k != key}))


def check_outcome(case: Case, judgement: str | None, concerns: bool) -> None:
    check(case, replace(case_dates(case), judgement=judgement, concerns=concerns))


def check_planned(case: Case, start: date | None, end: date | None) -> None:
    check(case, replace(case_dates(case), start=start, end=end))


def check_kind(case: Case, kind: str) -> None:
    check(case, case_dates(case), kind)
