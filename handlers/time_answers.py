"""Answers about one case to the questions of time in plain words that are not one milestone: "when is the
inspection?", "can I defer?", "what do I need to do?", and a span of days ("what's due in March for #3?").

Each is one short block of HTML for one case; handlers.lists pages them across the person's open cases
like /cases, and handlers.due sends one when the question names its case. The rules are the workflows':
the visit's days (workflows.visit, workflows.deadlines.on_site_days), the deferral's last day or why not
(workflows.deferral), and what /help's "What you can do now" offers (workflows.actions). A provider is
told nothing dated of a visit kept from them (`workflows.visit.hidden_from_provider`): they get the
answer a case with no visit planned would get.
"""

from __future__ import annotations

from html import escape

from handlers.context import Services
from handlers.render import action_line, case_title, deadline_line, relative
from handlers.situation import situation
from handlers.timeline import case_timeline
from store.consistency import case_dates
from store.models import Case, Person, Role
from workflows import deferral, visit
from workflows.actions import PARTY_BY_ROLE, Waiting, available
from workflows.audience import is_mine, shown
from workflows.dates import format_date
from workflows.deadlines import on_site_days
from workflows.errors import TimelineError
from workflows.flows import Refused
from workflows.kinds import get_kind
from workflows.questions import Period
from workflows.request_kinds import get_flow
from workflows.rules import END, START

#: What a provider hears of a visit they may not know of yet, and of a case with no visit planned.
NO_VISIT = "No inspection visit is planned that I can tell you about."


def kept_from(person: Person, case: Case, services: Services) -> bool:
    """True while `person` is a provider who may not learn the case's planned days (000 L534; 001 L56;
    002 L155-156): `workflows.visit.hidden_from_provider`."""
    if person.role is not Role.PROVIDER:
        return False
    kind = get_kind(case.kind)
    return visit.hidden_from_provider(kind, case_dates(case), services.today(), services.calendar)


def _span(first_day: str, last_day: str) -> str:
    return first_day if first_day == last_day else f"from {first_day} to {last_day}"


def inspection_text(services: Services, person: Person, case: Case) -> str:
    """When the visit is (or was): its on-site days, recorded ones beating planned ones."""
    title = f"<b>{case_title(case)}</b>"
    if kept_from(person, case, services):
        return f"{title}: {NO_VISIT}"
    kind, dates, today = get_kind(case.kind), case_dates(case), services.today()
    try:
        first, last = on_site_days(kind, dates, services.calendar)
    except TimelineError:
        return f"{title}: {NO_VISIT}"
    days = _span(format_date(first), format_date(last))
    if END in dates.records or last < today:
        return f"{title}: the inspection visit was {days}."
    if START in dates.records or first <= today:
        away = relative(last, today, services.calendar)
        return (
            f"{title}: the inspection visit began on {format_date(first)}; its last on-site day is "
            f"{format_date(last)} ({away})."
        )
    away = relative(first, today, services.calendar)
    return f"{title}: the inspection visit is planned {days} (it starts {away})."


async def defer_text(services: Services, person: Person, case: Case) -> str:
    """Whether the visit can still be deferred, until when, or why not (workflows.deferral)."""
    title = f"<b>{case_title(case)}</b>"
    if kept_from(person, case, services):
        return (
            f"{title}: {NO_VISIT} If inspectors arrive and you need the visit deferred, ask at once with "
            f"<code>/defer {case.ref}</code> (Ofsted's deferral policy)."
        )
    now = situation(services, case)
    requests = await services.db.requests.for_case(person, case.ref, deferral.MACHINE.kind)
    waiting = any(r.state == deferral.REQUESTED for r in requests)
    until = deferral.last_day_to_ask(now)
    if until is None:
        try:
            deferral.refuse_if_started(now)
        except Refused as exc:
            return f"{title}: {escape(str(exc))}"
        return f"{title}: it can't be deferred now."
    if waiting:
        decided_by = "a manager decides" if person.role is not Role.MANAGER else "you decide"
        return (
            f"{title}: a request to defer is waiting; {decided_by} by {format_date(until)} "
            "(after that the visit goes ahead as planned)."
        )
    ground = " " + escape(deferral.SIF_NOT_A_GROUND) if case.kind == "la-sif" else ""
    if person.role is Role.PROVIDER:
        return (
            f"{title}: yes, you can ask to defer until {format_date(until)}, on a ground Ofsted's deferral "
            f"policy allows: <code>/defer {case.ref}</code> shows them.{ground}"
        )
    return f"{title}: the provider can ask to defer until {format_date(until)}; a manager decides.{ground}"


async def todo_text(services: Services, person: Person, case: Case) -> str:
    """What the person can do now on the case, as /help's "What you can do now" says it."""
    title = f"<b>{case_title(case)}</b>"
    party = PARTY_BY_ROLE.get(person.role)
    if party is None:
        return f"{title}: nothing for you to do."
    requests = await services.db.requests.for_case(person, case.ref)
    waiting = [
        Waiting(r.kind, get_flow(r.kind).machine.events(r.state, party)) for r in requests if not r.final
    ]
    actions = available(situation(services, case), party, case.ref, waiting)
    if kept_from(person, case, services):  # nothing dated: every day of it counts from the hidden visit
        actions = [a for a in actions if a.last_day is None]
    if not actions:
        return f"{title}: nothing for you to do now."
    return title + "\n" + "\n".join(f"• {action_line(a)}" for a in actions)


def period_lines(services: Services, person: Person, case: Case, period: Period) -> list[str]:
    """The case's deadlines still open whose last day is in the period, as `person` is shown them."""
    today = services.today()
    if kept_from(person, case, services):
        return []
    return [
        f"<b>{case_title(case)}</b> " + deadline_line(d, today, services.calendar, is_mine(person.role, d))
        for d in shown(person.role, case_timeline(case, services.calendar))
        if d.open_on(today) and period.first <= d.last_day <= period.last
    ]
