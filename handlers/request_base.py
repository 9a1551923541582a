"""What the request workflows (issue 11: /defer, /notify, /complain, /comments, and their buttons) share:
the button that decides, sending an event and what its sender is told, who did it, who hears of it, the
line a decided copy ends with, and the steps that gather a person's words before a request is sent.

Every press is checked again against the request's current state and the presser's part on the case: a
stale button, a button meant for someone else and forged data change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Literal, TypeGuard, get_args
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from handlers.button_fields import Ref
from handlers.buttons import Button
from handlers.context import InspectContext, Services
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, reply
from handlers.render import case_title, quoted
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person, Role
from store.requests import Request
from workflows import case_review, comments, complaints, deferral, notification, survey
from workflows.dates import format_date
from workflows.flows import Party
from workflows.kinds import KINDS

REFUSED = (InvalidInput, NotFound, PermissionDenied)
#: Said wherever free text is asked for (chat-style.md).
NO_DETAILS = "Please leave out children's names and other personal details."
#: How much of what was typed a confirmation says back.
SAID_LIMIT = 300

#: The events a `req:` button of a deferral, notification, complaint or comments sends (a case review's
#: Debrief and Decide are `req:` buttons of their own: handlers.review.ReviewStep).
PressedEvent = Literal["approve", "decline", "withdraw", "acknowledge", "respond", "see"]


def is_pressed_event(event: str) -> TypeGuard[PressedEvent]:
    return event in get_args(PressedEvent)


class RequestPress(Button):
    """'req:<request id>:<event>': a button that decides (Approve, Decline, Withdraw, Acknowledge,
    Respond, Mark as seen)."""

    prefix = "req"
    request_id: Ref
    event: PressedEvent


@dataclass(frozen=True)
class Done:
    """The event was applied: what its sender is told."""

    text: str


@dataclass(frozen=True)
class NotDone:
    """Nothing changed and there is nothing to send again (not found, not theirs, decided meanwhile)."""

    text: str


@dataclass(frozen=True)
class InputRefused:
    """The store refused what was sent (a new first day, a reason): the sender may send it again."""

    text: str


Answer = Done | NotDone | InputRefused

#: What a withdrawal took back, by kind of request ("Withdrawn: your request to defer Oak House").
_WITHDRAWN = {
    "deferral": "request to defer",
    "complaint": "complaint about",
    "notification": "notification of",
}


async def display_name(services: Services, person_id: int | None, label: str) -> str:
    """A person's name for a message to another person on the same case ("the bot" for the system)."""
    if person_id is None:
        return "the operator" if label == "cli" else "the bot"
    try:
        return escape((await services.db.people.get(person_id)).display_name)
    except InvalidInput:
        return "someone"


async def send_event(
    context: InspectContext,
    person: Person,
    request: Request,
    event: str,
    data: dict[str, object],
    version: int | None = None,
) -> Answer:
    """Send the event with the version the person saw (a lost race is told, nothing changes)."""
    db = context.services.db
    try:
        sent = await db.requests.send(person, request.id, event, data, version=version or request.version)
    except InvalidInput as exc:
        return InputRefused(escape(str(exc)))
    except (NotFound, PermissionDenied) as exc:
        return NotDone(escape(str(exc)))
    if not sent.applied:
        by = await display_name(context.services, sent.request.last_by, sent.request.last_label)
        return NotDone(
            f"Too late: {by} already {sent.request.state.replace('_', ' ')} this request. Nothing changed."
        )
    case = sent.case
    title = case_title(case) if case is not None else f"#{request.case_ref}"
    done = {
        deferral.APPROVE: f"Approved: the first on-site day of <b>{title}</b> is now "
        f"<b>{format_date(case.planned_start) if case and case.planned_start else ''}</b>; every date moved.",
        deferral.DECLINE: f"Declined the deferral of <b>{title}</b>.",
        notification.ACKNOWLEDGE: f"Thank you: the notification of <b>{title}</b> is acknowledged.",
        comments.SEE: f"Marked as seen: the comments on the draft report of <b>{title}</b>.",
        complaints.RESPOND: f"Recorded Ofsted's response to the complaint about <b>{title}</b>.",
        deferral.WITHDRAW: f"Withdrawn: your {_WITHDRAWN.get(request.kind, escape(request.kind))} "
        f"<b>{title}</b>.",
    }.get(event, f"Done: {escape(event)} on <b>{title}</b>.")
    return Done(done + (f" {told_line(sent.tell, person)}" if sent.told else ""))


def told_line(parties: Sequence[Party], person: Person) -> str:
    """Who hears of it, as the sender reads it: 'The provider is told.' (not 'everyone' when it isn't)."""
    managers = "the other managers" if person.role is Role.MANAGER else "the managers"
    names = {Party.PROVIDER: "the provider", Party.INSPECTOR: "the inspector", Party.MANAGER: managers}
    said = [names[party] for party in parties if party in names]
    if not said:
        return ""
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    verb = "is" if said == ["the provider"] or said == ["the inspector"] else "are"
    return f"{listed[:1].upper()}{listed[1:]} {verb} told."


#: How the decided line names each state a request moves to.
_DONE = {
    deferral.APPROVED: "Approved",
    deferral.DECLINED: "Declined",
    deferral.WITHDRAWN: "Withdrawn",
    complaints.RESPONDED: "Responded to",
    notification.ACKNOWLEDGED: "Acknowledged",
    comments.SEEN: "Marked as seen",
    case_review.DEBRIEFED: "Debriefed",
    case_review.DECIDED: "Decided",
    survey.OFFERED: "Offered again with the final report",  # the only move into it after the first
    survey.ANSWERING: "Started",
    survey.DONE: "Finished",
    survey.DECLINED: "Declined",
}


def decided_line(state: str, who: str, at: datetime, zone: ZoneInfo, today: date) -> str:
    """ "Approved by Sam Smith, 10:42." (the day too when it was not today); `who` is escaped HTML."""
    local = at.astimezone(zone)
    when = f"{local:%H:%M}" if local.date() == today else f"{local:%H:%M} on {format_date(local.date())}"
    done = _DONE.get(state, state.replace("_", " ").capitalize())
    return f"<i>{done} by {who}, {when}.</i>"


# ---------------------------------------------------------------- gathering a person's words


async def provider_case(update: Update, context: InspectContext, command: str, refusal: str) -> Case | None:
    """The opening /complain and /comments share: the provider, and the case named after the command."""
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return None
    ref = parse_ref(command_text(message.text or ""))
    if ref is None:
        await reply(update, f"Which case? Send <code>/{command} 12</code>.")
        return None
    if person.role is not Role.PROVIDER:
        await reply(update, refusal)
        return None
    try:
        return await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return None


async def typed_then_confirm(
    update: Update,
    keep: Callable[[str], tuple[int, list[str]]],
    button: InlineKeyboardButton,
    question: str,
    next_step: str,
    *,
    limit: tuple[int, str],
) -> str | int:
    """Keep what was typed in the draft (`keep` stores it and gives the case and the lines said back),
    then ask to confirm with one button (the flows that gather a person's words before sending a request
    share this step). Words over the flow's limit (`limit`: it and the typing step) are refused as typed,
    not only on Send: the step stays."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    length = len(" ".join((message.text or "").split()))  # as workflows.flows.text_field counts
    if length > limit[0]:
        await message.reply_html(
            f"That is {length:,} characters: keep it under {limit[0]:,}. Nothing was sent. Send it again, "
            "shorter, or /cancel.",
            do_quote=False,
        )
        return limit[1]
    ref, lines = keep(message.text or "")
    # What will be sent, said back: a message typed after another command lands here too.
    said = "".join(f"\n{line}" for line in lines)
    await message.reply_html(
        question.format(ref=ref, said=said),
        reply_markup=InlineKeyboardMarkup([[button]]),
        do_quote=False,
    )
    return next_step


def said_back(words: str | None, ground: str | None = None, kind: str | None = None) -> list[str]:
    """The ground and the words a person is about to send, escaped and cut, for them to check."""
    lines = []
    if ground:
        found = KINDS.get(str(kind), KINDS["ch-full"])  # the case's, kept by /defer
        labels = {g.id: g.label for g in deferral.grounds(found)}
        lines.append(f"Ground: {escape(labels.get(ground, ground))}")
    if words:
        lines.append(f"You wrote: “{quoted(words, SAID_LIMIT)}”")
    return lines
