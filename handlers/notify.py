"""/notify REF [DATE] (issue 11): the inspector records that the provider was told of the inspection; the
provider gets the dates, what to prepare and Acknowledge / Ask to defer through the outbox, and this
module says what that message reads."""

from __future__ import annotations

from datetime import date
from html import escape

from telegram import Update

from handlers.context import Handler, InspectContext, Services
from handlers.conversation import private_command
from handlers.notify_button import NotifiedToday
from handlers.parsing import command_text, parse_ref, two_dates
from handlers.people import current_person, drop_buttons, reply
from handlers.render import case_title, when
from handlers.request_base import REFUSED
from handlers.situation import situation
from handlers.timeline import hidden
from store.errors import NotFound
from store.models import Case, Person, Role
from store.requests import Request
from workflows import deferral, notification
from workflows.dates import format_date
from workflows.errors import DateParseError
from workflows.flows import Situation


def describe(services: Services, person: Person, request: Request, case: Case, event: str, who: str) -> str:
    """A notification's event, said to someone on the case who did not do it."""
    title = case_title(case)
    if event == notification.NOTIFY:
        if hidden(case, person, services.calendar, services.today()):
            # A notice on a kind without notice names no day to its provider (workflows.audience).
            return (
                f"{who} recorded that you were notified of the inspection of <b>{title}</b>.\n"
                "Press Acknowledge when you have read this."
            )
        return _notified(situation(services, case), case, who)
    if event == notification.ACKNOWLEDGE:
        return f"{who} acknowledged the notification of <b>{title}</b>."
    return f"The notification of <b>{title}</b> was withdrawn by {who}: it was recorded by mistake."


def _notified(facts: Situation, case: Case, who: str) -> str:
    """The provider's notice: the on-site days, and what to prepare with the deadline each has."""
    first, last = facts.first_day(), facts.last_day()
    until = "" if last == first else f" and the last <b>{format_date(last)}</b>"
    lines = [
        f"{who} recorded that you were notified of the inspection of <b>{case_title(case)}</b>: "
        f"the first on-site day is <b>{format_date(first)}</b>{until}."
    ]
    prepare = notification.PREPARATION.get(facts.kind.id, ())
    if prepare:
        lines.append("What to prepare:")
    for item in prepare:
        due = None if item.milestone is None else facts.deadline(item.milestone)
        by = "" if due is None else f", by <b>{when(due)}</b>"
        lines.append(f"• {escape(item.label)}{by}")  # for the provider: no seed lines (workflows.audience)
    defer = ", or Ask to defer" if deferral.last_day_to_ask(facts) is not None else ""
    lines.append(f"Press Acknowledge when you have read this{defer}.")
    return "\n".join(lines)


async def notify_command(update: Update, context: InspectContext) -> None:
    """The inspector records that the provider was told (today, or the date given); the provider gets the
    dates, what to prepare and Acknowledge / Ask to defer through the outbox."""
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return
    if person.role is Role.PROVIDER:
        await reply(update, "Only the inspector on a case or a manager records the notification.")
        return
    words = command_text(message.text or "").split()
    ref = parse_ref(words[0]) if words else None
    if ref is None:
        await reply(update, "Which case? Send <code>/notify 12</code>, or <code>/notify 12 9/3/2026</code>.")
        return
    day = context.services.today()
    if len(words) > 1:
        try:
            day, _ = two_dates(words[1:], day)
        except DateParseError as exc:
            await reply(update, escape(str(exc)))
            return
    await _notify(update, context, person, ref, day)


async def notify_pressed(update: Update, context: InspectContext) -> None:
    """The case's button: /notify REF for today, checked again as the command is."""
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return
    await query.answer()
    await drop_buttons(update)
    await _notify(update, context, person, NotifiedToday.of(update).ref, context.services.today())


async def _notify(update: Update, context: InspectContext, person: Person, ref: int, day: date) -> None:
    try:
        sent = await context.services.db.requests.open(
            person, ref, "notification", notification.NOTIFY, {"day": day.isoformat()}
        )
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    except REFUSED as exc:
        await reply(update, escape(str(exc)))
        return
    told = (
        " I'm telling the provider, with the dates and what to prepare."
        if sent.told
        else f" No provider has joined case #{ref} yet: invite them with <code>/invite provider {ref}</code>,"
        " and they are sent it when they join."
    )
    warned = "".join(f"\n⚠️ {escape(w)}" for w in sent.warnings)
    await reply(
        update, f"Recorded: the provider of case #{ref} was notified on {format_date(day)}.{told}{warned}"
    )


def handlers() -> list[Handler]:
    return [private_command("notify", notify_command), NotifiedToday.handler(notify_pressed)]
