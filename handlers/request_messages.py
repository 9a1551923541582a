"""The outbox's `request` messages (issue 11): every message to someone other than the person acting goes
through the outbox; the store writes a `request` row in the transition's transaction
(store.outbox.tell_request) and `render_request` turns it into text at send time, from the request as it
then is. Its buttons are offered only while the request is still at the version the message is about.

What each kind of request says is its workflow module's (`describe` in handlers/defer.py, notify.py,
complain.py, comment.py, review.py, survey.py); this module sits above them and picks by kind, for the
messages and for the copies edited once a request is decided (handlers/request_copies.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import comment, complain, defer, notify, review
from handlers import survey as survey_chat
from handlers.context import Services
from handlers.render import case_title
from handlers.rendered import Rendered
from handlers.request_base import RequestPress, decided_line, display_name, is_pressed_event
from store.errors import InvalidInput
from store.models import Case, CaseStatus, Person, Role
from store.outbox import OutboxRow
from store.requests import Request
from workflows import case_review, comments, complaints, deferral, notification, survey

#: What one kind of request says of one of its events to `person` (None: the generic line says it).
Describe = Callable[[Services, Person, Request, Case, str, str], "str | None"]


def _review(services: Services, person: Person, request: Request, case: Case, event: str, who: str) -> str:
    return review.describe(request, case, event, who, services.calendar, person.role, services.today())


def _survey(services: Services, person: Person, request: Request, case: Case, event: str, who: str) -> str:
    return survey_chat.notice(request, case, event, who)[0]


#: By kind of request (workflows.request_kinds.FLOWS).
_DESCRIBE: dict[str, Describe] = {
    deferral.MACHINE.kind: defer.describe,
    notification.MACHINE.kind: notify.describe,
    complaints.MACHINE.kind: complain.describe,
    comments.MACHINE.kind: comment.describe,
    case_review.MACHINE.kind: _review,
    survey.MACHINE.kind: _survey,
}

#: The buttons that decide, by kind of request and event (a deferral's Withdraw is on the provider's
#: own confirmation only, not on the messages).
_BUTTON_LABELS: dict[tuple[str, str], str] = {
    (deferral.MACHINE.kind, "approve"): "Approve",
    (deferral.MACHINE.kind, "decline"): "Decline",
    (notification.MACHINE.kind, "acknowledge"): "Acknowledge",
    (complaints.MACHINE.kind, "respond"): "Respond",
    (comments.MACHINE.kind, "see"): "Mark as seen",
}


def describe_for(
    services: Services, person: Person, request: Request, case: Case, event: str, who: str
) -> str:
    """One request event as `person` reads it: each kind says it its own way."""
    describe = _DESCRIBE.get(request.kind)
    said = describe(services, person, request, case, event, who) if describe is not None else None
    if said is not None:
        return said
    return f"{escape(request.kind)} on <b>{case_title(case)}</b>: {escape(event)} by {who}."


def _buttons(request: Request, events: Sequence[str]) -> list[list[InlineKeyboardButton]]:
    """The steps `events` (what the person may do now) as buttons: a review's own, or those that decide."""
    if request.kind == case_review.MACHINE.kind:
        return [[review.step_button(request, event)] for event in events if event in review.BUTTONS]
    rows = []
    for event in events:
        label = _BUTTON_LABELS.get((request.kind, event))
        if label is not None and is_pressed_event(event):
            rows.append([RequestPress(request_id=request.id, event=event).button(label)])
    return rows


async def render_request(
    services: Services, person: Person, rows: Sequence[OutboxRow], now: datetime
) -> Rendered:
    """The message of a `request` row (one per batch): what happened, and the buttons still current."""
    out = Rendered()
    row = out.one_of(rows)
    request_id, version = int(row.params["request_id"]), int(row.params["version"])
    try:
        request = await services.db.requests.get(person, request_id)
    except InvalidInput:
        out.drop.setdefault("not_visible", []).append(row.id)
        return out
    case = await services.db.outbox.case(row.case_id) if row.case_id is not None else None
    if case is None or case.status != CaseStatus.OPEN:
        out.drop.setdefault("case_closed", []).append(row.id)
        return out
    by = row.params.get("by")
    by_name = await display_name(services, None if by is None else int(by), "system")
    if request.kind == survey.MACHINE.kind:  # its own buttons: Start / Not now (handlers.survey)
        event = str(row.params["event"])
        if event == survey.OFFER and await services.db.outbox.unsent(person.id, case.id, "draft_sent", now):
            out.later.append(row.id)  # after the draft's own notice, never before it (issue 20)
            return out
        out.send.append(row.id)
        out.text, out.markup = survey_chat.notice(request, case, event, by_name)
        return out
    out.send.append(row.id)
    out.text = describe_for(services, person, request, case, str(row.params["event"]), by_name)
    if request.version > version:  # it moved on before this copy went: say so, offer nothing
        by_now = await display_name(services, request.last_by, request.last_label)
        line = decided_line(request.state, by_now, request.updated_at, services.zone, services.today())
        out.text += f"\n\n{line}"
    buttons: list[list[InlineKeyboardButton]] = []
    if request.version == version:
        buttons += _buttons(request, await services.db.requests.actions(person, request.id))
    if (
        request.kind == notification.MACHINE.kind
        and person.role is Role.PROVIDER
        and defer.deferrable(services, case)
    ):
        buttons.append([defer.AskToDefer(ref=case.ref).button("Ask to defer")])
    buttons += comment.document_buttons(request)
    out.markup = InlineKeyboardMarkup(buttons) if buttons else None
    return out
