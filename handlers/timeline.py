"""A stored case's deadlines: the case's dates handed to the rules in `workflows`."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from store.consistency import case_dates
from store.models import Case, Person
from workflows.audience import hides_visit, timeline_for
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, Deadline, compute_timeline
from workflows.kinds import get_kind


def case_timeline(case: Case, calendar: WorkingCalendar) -> list[Deadline]:
    """The case's deadlines from its kind and dates (`compute_timeline`), kept for the next question on
    the same dates (~50 µs each: a case is asked about again and again, by each of its people)."""
    dates = case_dates(case)
    return list(
        _timeline(
            case.kind,
            dates.start,
            dates.end,
            tuple(sorted(dates.records.items())),
            dates.judgement,
            dates.concerns,
            dates.single_individual,
            calendar,
        )
    )


@lru_cache(maxsize=4_096)
def _timeline(
    kind: str,
    start: date | None,
    end: date | None,
    records: tuple[tuple[str, date], ...],
    judgement: str | None,
    concerns: bool,
    single_individual: bool,
    calendar: WorkingCalendar,
) -> tuple[Deadline, ...]:
    """`compute_timeline` by every input it reads (the key holds `calendar` itself: a calendar is never
    taken for another); a `Deadline` is frozen, so one kept tuple serves every caller."""
    dates = CaseDates(start, end, dict(records), judgement, concerns, single_individual)
    return tuple(compute_timeline(get_kind(kind), dates, calendar))


def deadlines_by_key(case: Case, calendar: WorkingCalendar) -> dict[str, Deadline]:
    """The case's deadlines by key ({} when its dates no longer make a timeline: a reminder or its button
    about such a case then has nothing to say)."""
    try:
        return {d.key: d for d in case_timeline(case, calendar)}
    except ValueError:
        return {}


def hidden(case: Case, person: Person, calendar: WorkingCalendar, today: date) -> bool:
    """True while the case's visit is kept from `person` (a provider, before an unannounced visit
    begins: workflows.audience.hides_visit): nothing dated may be shown to them."""
    return hides_visit(person.role, get_kind(case.kind), case_dates(case), today, calendar)


def visible_timeline(case: Case, person: Person, calendar: WorkingCalendar, today: date) -> list[Deadline]:
    """The case's deadlines as `person`'s role is shown them today (workflows.audience.timeline_for):
    none while its visit is kept from them."""
    kind = get_kind(case.kind)
    return timeline_for(person.role, kind, case_dates(case), today, calendar, case_timeline(case, calendar))
