"""What each role is shown of a timeline, and which deadlines are theirs: rules, not handler conditions.

Providers see the deadlines that concern them and Ofsted's public steps, without seed citations or
Ofsted-internal steps (case reviews, emails to the DCS, quality assurance, inspectors' evidence handling);
inspectors and managers see everything, with the rule's source.

Children's homes are inspected without notice (000 L534; 001 L56) and a COVID-19 visit is secret until
its call (002 L155-156): until such a visit begins (`workflows.visit.hidden_from_provider`), a provider's
view of the case has no planned days and no deadline at all, as a case with no visit planned would
(`hides_visit`, `timeline_for`, `planned_for`). Every surface a provider reaches goes through these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

from workflows import visit
from workflows.access import Role
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates
from workflows.errors import TimelineError
from workflows.rules import END, START, Actor, InspectionKind

#: Steps inside Ofsted that a provider is not shown.
INTERNAL_KEYS = frozenset({"case_review", "dcs_email", "draft_qa", "evidence_upload", "evidence_notebooks"})

#: Which deadline owners each role answers for ("your" deadlines).
ROLE_ACTORS: dict[Role, frozenset[Actor]] = {
    Role.INSPECTOR: frozenset({Actor.INSPECTOR}),
    Role.PROVIDER: frozenset({Actor.PROVIDER, Actor.DCS, Actor.LOCAL_AUTHORITY}),
    Role.MANAGER: frozenset({Actor.MANAGER}),
}


class _Milestone(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def actor(self) -> Actor: ...

    @property
    def internal(self) -> bool: ...


def sees_sources(role: Role) -> bool:
    """Seed and line citations are for Ofsted staff."""
    return role is not Role.PROVIDER


#: A rule's source as the kinds write it ends with its seed lines: "(seed 003 L507, L970)".
_SEED_LINES = re.compile(r"\s*\(seed [^()]*\)\s*$")


def source_for(role: Role, source: str) -> str | None:
    """The one wording of a rule's source: for staff the framework's short name and its section ("SCCIF
    adoption support agencies, Timeframe"), without seed lines (those are for the project's own
    checks); nothing for providers."""
    if not sees_sources(role):
        return None
    return _SEED_LINES.sub("", source) or None


def sees(role: Role, milestone: _Milestone) -> bool:
    """Providers are not shown Ofsted's internal steps: those a rule marks internal, and INTERNAL_KEYS."""
    return role is not Role.PROVIDER or not (milestone.internal or milestone.key in INTERNAL_KEYS)


M = TypeVar("M", bound=_Milestone)


def shown(role: Role, milestones: Iterable[M]) -> list[M]:
    """The milestones `role` is shown, in their order."""
    return [m for m in milestones if sees(role, m)]


def is_mine(role: Role, milestone: _Milestone) -> bool:
    """A deadline this role owns (shown as "yours" and, later, reminded of)."""
    return milestone.actor in ROLE_ACTORS.get(role, frozenset())


def hides_visit(
    role: Role | None, kind: InspectionKind, dates: CaseDates, today: date, calendar: WorkingCalendar
) -> bool:
    """True while `role` may not learn the case's planned days nor anything counted from them: a
    provider, on a visit kept from them until it begins (000 L534; 001 L56; 002 L155-156). A case with
    no on-site day yet has nothing to keep; one whose days can't be worked out is kept (fails closed)."""
    if role is not Role.PROVIDER or not visit.is_unannounced(kind):
        return False
    known = dates.start is not None or dates.end is not None
    if not known and START not in dates.records and END not in dates.records:
        return False
    try:
        return visit.hidden_from_provider(kind, dates, today, calendar)
    except TimelineError:
        return True


def timeline_for(
    role: Role | None,
    kind: InspectionKind,
    dates: CaseDates,
    today: date,
    calendar: WorkingCalendar,
    timeline: Iterable[M],
) -> list[M]:
    """The deadlines `role` is shown of a case's `timeline`: `shown`, and none at all while the visit is
    hidden from them. Every deadline of a kind kept from providers counts from the visit or from an
    Ofsted visit after a recorded date (a compliance visit, the inspection after a manager left), which
    would give the visit away as well: so nothing is kept."""
    if hides_visit(role, kind, dates, today, calendar):
        return []
    return [m for m in timeline if role is None or sees(role, m)]


def planned_for(
    role: Role | None, kind: InspectionKind, dates: CaseDates, today: date, calendar: WorkingCalendar
) -> tuple[date | None, date | None]:
    """The planned first and last on-site days `role` may be told: (None, None) while hidden."""
    if hides_visit(role, kind, dates, today, calendar):
        return None, None
    return dates.start, dates.end


def nothing_dated(kind: InspectionKind) -> str:
    """What a provider is told instead of dates while the visit is hidden: true of every case of the kind,
    so it says nothing about whether, or when, a visit is planned."""
    if kind.id in visit.ANNOUNCED_BY_CALL:
        why = "COVID-19 assurance visits are announced by a call from the inspector"
    else:
        why = "Inspections of children's homes are unannounced"
    return f"No dates to show yet. {why}: deadlines appear here once the visit begins."
