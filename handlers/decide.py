"""Pressing a button that decides a request (issue 11): Approve, Decline, Withdraw, Acknowledge, Respond,
Mark as seen (`req:<request id>:<event>`, handlers.request_base.RequestPress). Every press is checked
against the request now and the presser's part on the case; an event that needs words first (a new first
day, a reason, Ofsted's response) asks for them, and they are sent with the version the person saw, so a
lost race is told and changes nothing. The presser's own copy then says who decided
(handlers/request_copies.py), which is why this sits above the copies."""

from __future__ import annotations

from html import escape

from telegram import Message, Update
from telegram.ext import ConversationHandler

from handlers.context import Handler, InspectContext
from handlers.conversation import conversation, expect_text
from handlers.drafts import Draft
from handlers.parsing import two_dates
from handlers.people import current_person, reply
from handlers.request_base import (
    NO_DETAILS,
    REFUSED,
    InputRefused,
    RequestPress,
    display_name,
    send_event,
)
from handlers.request_copies import mark_decided
from store.models import Person
from store.requests import Request
from workflows import complaints, deferral
from workflows.errors import DateParseError
from workflows.request_kinds import get_flow

DECIDE_TEXT = "decide:text"

#: Events that need typed input first: the payload key and the question.
_TYPED = {
    ("deferral", deferral.APPROVE): (
        "start",
        "What is the new first on-site day? For example 13/4/2026, or two dates for the first and last. "
        "Or /cancel.",
    ),
    ("deferral", deferral.DECLINE): (
        "reason",
        f"Why is it declined? In a few words (up to {deferral.REASON_LIMIT} characters). {NO_DETAILS} "
        "Or /cancel.",
    ),
    ("complaint", complaints.RESPOND): (
        "response",
        "What is Ofsted's response? Type it as the provider should read it "
        f"(up to {complaints.RESPONSE_LIMIT} characters), or /cancel. {NO_DETAILS}",
    ),
}


class DecideDraft(Draft):
    """The request and the version the person was shown, the event pressed and the pressed message."""

    key = "decide"
    id: int
    version: int
    event: str
    message: int | None = None


async def request_pressed(update: Update, context: InspectContext) -> str | int:
    """A `req:` button: checked against the request now; typed input asked for when the event needs it."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    pressed = RequestPress.of(update)
    event = pressed.event
    db = context.services.db
    try:
        request = await db.requests.get(person, pressed.request_id)
        allowed = await db.requests.actions(person, pressed.request_id)
    except REFUSED as exc:
        await query.answer(str(exc), show_alert=True)
        return ConversationHandler.END
    known = {move.event for move in get_flow(request.kind).machine.moves}
    if event not in allowed:
        if event not in known:
            text = "That button isn't one I know."
        elif request.final:
            who = await display_name(context.services, request.last_by, request.last_label)
            text = f"This request was already {request.state.replace('_', ' ')} by {who}. Nothing changed."
        else:
            text = "That is for someone else on the case to do."
        await query.answer(text, show_alert=True)
        return ConversationHandler.END
    await query.answer()
    typed = _TYPED.get((request.kind, event))
    if typed is not None:
        shown = query.message
        message = shown.message_id if shown is not None else None
        DecideDraft(id=request.id, version=request.version, event=event, message=message).save(context)
        await reply(update, typed[1])
        return DECIDE_TEXT
    answer = await send_event(context, person, request, event, {})
    await reply(update, answer.text)
    await _mark_pressed(context, person, request, query.message)
    return ConversationHandler.END


async def _mark_pressed(
    context: InspectContext, person: Person, request: Request, pressed: object, message_id: int | None = None
) -> None:
    """The presser's own copy says who decided (handlers/request_copies.py); `message_id` when only
    the id is known (the decision was typed after the press)."""
    shown = pressed if isinstance(pressed, Message) else None
    found = shown.message_id if shown is not None else message_id
    if found is not None:
        await mark_decided(context, person, request, person.telegram_id, found, shown)


async def decision_typed(update: Update, context: InspectContext) -> str | int:
    """The new first day, or the reason: sent with the version the person saw (a lost race is told)."""
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    answers = DecideDraft.read(context)
    db = context.services.db
    try:
        request = await db.requests.get(person, answers.id)
    except REFUSED as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    event = answers.event
    key, _ = _TYPED[(request.kind, event)]
    text = message.text or ""
    data: dict[str, object] = {key: text}
    if key == "start":
        try:
            first, last = two_dates(text.split(), context.services.today())
        except DateParseError as exc:
            await reply(update, escape(str(exc)) + " Please send it again, or /cancel.")
            return DECIDE_TEXT
        data = {"start": first.isoformat(), "end": None if last is None else last.isoformat()}
    answer = await send_event(context, person, request, event, data, version=answers.version)
    if isinstance(answer, InputRefused):
        await reply(update, answer.text + " Please send it again, or /cancel.")
        return DECIDE_TEXT
    DecideDraft.drop(context)
    await reply(update, answer.text)
    await _mark_pressed(context, person, request, None, answers.message)
    return ConversationHandler.END


def handlers() -> list[Handler]:
    return [
        conversation(
            DecideDraft.key,
            RequestPress.handler(request_pressed),
            {DECIDE_TEXT: [expect_text(decision_typed)]},
        ),
    ]
