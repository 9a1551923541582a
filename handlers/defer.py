"""/defer REF (issue 11): the provider asks the managers to defer a visit, on one of the deferral policy's
grounds with a few words of explanation, said back with Send before it goes; `/defer REF withdraw` (and
the Withdraw button on the confirmation) takes a request still waiting back. The managers decide with
Approve / Decline (handlers/decide.py); this module also says what each deferral event reads."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from handlers.button_fields import Ref, Word
from handlers.buttons import Button
from handlers.context import Handler, InspectContext, Services
from handlers.conversation import conversation, expect_button, expect_text, private_command
from handlers.drafts import Draft
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, drop_buttons, reply
from handlers.render import case_title
from handlers.request_base import (
    NO_DETAILS,
    REFUSED,
    RequestPress,
    said_back,
    send_event,
    typed_then_confirm,
)
from handlers.situation import situation
from handlers.timeline import hidden
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person, Role
from store.requests import Request
from workflows import deferral, visit
from workflows.audience import nothing_dated
from workflows.dates import format_date
from workflows.flows import Refused
from workflows.kinds import KINDS

DEFER_GROUND, DEFER_TEXT, DEFER_CONFIRM = "defer:ground", "defer:text", "defer:confirm"


class AskToDefer(Button):
    """'defer:<ref>': Ask to defer, on the provider's notice: /defer REF."""

    prefix = "defer"
    ref: Ref


class DeferGround(Button):
    """'dfg:<ground id>': the ground chosen."""

    prefix = "dfg"
    ground: Word


class SendDeferral(Button):
    """'dfc:send': Send the request."""

    prefix = "dfc"
    action: Literal["send"] = "send"


class DeferDraft(Draft):
    key = "defer"
    ref: int
    kind: str
    ground: str | None = None
    explanation: str | None = None


def deferrable(services: Services, case: Case) -> bool:
    """Whether the visit can be deferred today (the notice offers Ask to defer only then): before it
    starts, or for a visit without notice (a COVID-19 visit from its call) while it is on."""
    return deferral.last_day_to_ask(situation(services, case)) is not None


def _ground_label(case: Case, ground_id: object) -> str:
    for ground in deferral.grounds(KINDS[case.kind]):
        if ground.id == ground_id:
            return ground.label
    return str(ground_id)


def describe(services: Services, person: Person, request: Request, case: Case, event: str, who: str) -> str:
    """A deferral's event, said to someone on the case who did not do it; the managers are told by
    when to decide, and a provider kept from the visit's days (workflows.audience) is not told them."""
    p = request.payload
    title = case_title(case)
    if event == deferral.APPROVE and hidden(case, person, services.calendar, services.today()):
        # The new days of a visit kept from the provider are not theirs to learn (workflows.audience).
        return (
            f"The deferral of <b>{title}</b> was <b>approved</b> by {who}: the inspection will "
            f"not go ahead as it was. {escape(nothing_dated(KINDS[case.kind]))}"
        )
    if event == deferral.ASK:
        why = f"\nWhy: {escape(str(p['explanation']))}" if p.get("explanation") else ""
        planned = format_date(datetime.fromisoformat(str(p["first_day"])).date())
        said = (
            f"<b>{who}</b> asks to defer <b>{title}</b> (first on-site day {planned}).\n"
            f"Ground: {escape(_ground_label(case, p.get('ground')))}{why}"
        )
        if person.role is Role.MANAGER:
            said += _decide_by(services, case, request)
        return said
    if event == deferral.APPROVE:
        start = format_date(datetime.fromisoformat(str(p["start"])).date())
        return (
            f"The deferral of <b>{title}</b> was <b>approved</b> by {who}: the first on-site day is now "
            f"<b>{start}</b>. Every deadline and reminder has moved with it."
        )
    if event == deferral.DECLINE:
        return (
            f"The deferral of <b>{title}</b> was <b>declined</b> by {who}: "
            f"{escape(str(p.get('reason')))}\n"
            "The inspection goes ahead as planned."
        )
    return f"The request to defer <b>{title}</b> was withdrawn by {who}."


def _decide_by(services: Services, case: Case, request: Request) -> str:
    """The managers' last day to decide (deferral-policy.md section 2)."""
    p = request.payload
    if visit.is_unannounced(KINDS[case.kind]) and p.get("until"):
        # Asked once inspectors arrived (deferral-policy.md section 2): decided while the visit is on.
        last = format_date(datetime.fromisoformat(str(p["until"])).date())
        return f"\nDecide by <b>{last}</b>: once the visit has ended it can't be deferred."
    # The day to decide by, from when the visit begins as asked (so an edit after the decision says it
    # alike); requests from before "begins" was kept have the first on-site day.
    begins = p.get("begins") or p["first_day"]
    until = services.calendar.add_working_days(datetime.fromisoformat(str(begins)).date(), -1)
    return f"\nDecide by <b>{format_date(until)}</b>: once the visit starts it can't be deferred."


# ---------------------------------------------------------------- /defer REF


async def defer_command(update: Update, context: InspectContext) -> str | int:
    """/defer REF, or the Ask to defer button: the provider's grounds, once the visit hasn't started."""
    person = await current_person(update, context)
    if person is None:
        return ConversationHandler.END
    query = update.callback_query
    if query is not None and query.data is not None:
        await query.answer()
        ref = AskToDefer.of(update).ref
    else:
        message = update.effective_message
        text = command_text(message.text or "") if message is not None else ""
        words = text.split()
        withdrawing = len(words) > 1 and words[-1].lower() == "withdraw"
        found = parse_ref(" ".join(words[:-1]) if withdrawing else text)
        if found is None:
            await reply(update, "Which case? Send <code>/defer 12</code>.")
            return ConversationHandler.END
        ref = found
        if withdrawing:
            await withdraw_command(update, context, person, ref)
            return ConversationHandler.END
    if person.role is not Role.PROVIDER:
        await reply(update, "Only the provider of a case can ask to defer it.")
        return ConversationHandler.END
    try:
        case = await context.services.db.cases.get(person, ref)
        deferral.refuse_if_started(situation(context.services, case))
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return ConversationHandler.END
    except Refused as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    DeferDraft(ref=case.ref, kind=case.kind).save(context)
    kind = KINDS[case.kind]
    buttons = [
        # Whole labels: cut at 60 characters they ended mid-word ("serious con"); a client that has too
        # little room shortens a label itself, with an ellipsis.
        [DeferGround(ground=g.id).button(g.label)]
        for g in deferral.grounds(kind)
    ]
    note = f"\n{escape(deferral.SIF_NOT_A_GROUND)}" if kind.id == "la-sif" else ""
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        f"Why do you ask to defer <b>{case_title(case)}</b>? Choose the ground (Ofsted's deferral policy)."
        f"{note}",
        reply_markup=InlineKeyboardMarkup(buttons),
        do_quote=False,
    )
    return DEFER_GROUND


async def ground_pressed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    if query is None:
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    answers = DeferDraft.read(context)
    answers.ground = DeferGround.of(update).ground
    answers.save(context)
    await reply(
        update,
        f"Explain in a few words (up to {deferral.EXPLANATION_LIMIT} characters) what has happened. "
        f"{NO_DETAILS} Or /cancel.",
    )
    return DEFER_TEXT


async def explanation_typed(update: Update, context: InspectContext) -> str | int:
    message = update.effective_message
    answers = DeferDraft.read(context)
    warning = deferral.absence_warning(answers.kind, (message.text or "") if message is not None else "")
    # Before Send, not after: staff absence is not a ground (deferral policy), so the provider may
    # rather press /cancel. Braces doubled: the question is a format string.
    caution = "" if warning is None else "\n\n⚠️ " + escape(warning).replace("{", "{{").replace("}", "}}")

    def keep(text: str) -> tuple[int, list[str]]:
        answers.explanation = text
        answers.save(context)
        return answers.ref, said_back(answers.explanation, answers.ground, answers.kind)

    return await typed_then_confirm(
        update,
        keep,
        SendDeferral().button("Send the request"),
        "Ask the managers to defer case #{ref}?{said}" + caution + "\nPress Send, or /cancel.",
        DEFER_CONFIRM,
        limit=(deferral.EXPLANATION_LIMIT, DEFER_TEXT),
    )


async def defer_confirmed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    answers = DeferDraft.read(context)
    data: dict[str, object] = {"ground": answers.ground, "explanation": answers.explanation}
    DeferDraft.drop(context)
    try:
        sent = await context.services.db.requests.open(person, answers.ref, "deferral", "ask", data)
    except REFUSED as exc:
        await reply(update, escape(str(exc)) + " Nothing was sent; send /defer to start again.")
        return ConversationHandler.END
    assert update.effective_message is not None
    withdraw = RequestPress(request_id=sent.request.id, event="withdraw")
    await update.effective_message.reply_html(
        f"Sent: your request to defer case #{sent.request.case_ref} is with the managers. "
        "I'll tell you here when one decides. Changed your mind? Withdraw it "
        f"(or send <code>/defer {sent.request.case_ref} withdraw</code>).",
        reply_markup=InlineKeyboardMarkup([[withdraw.button("Withdraw the request")]]),
        do_quote=False,
    )
    return ConversationHandler.END


# ---------------------------------------------------------------- /defer REF withdraw


async def withdraw_command(update: Update, context: InspectContext, person: Person, ref: int) -> None:
    """The provider's own deferral of case `ref` still waiting for a decision, withdrawn: the same as the
    Withdraw the request button (the store checks only the provider, only while requested; the managers
    and the inspector are told, and the managers' copies lose Approve / Decline: handlers/request_copies)."""
    if person.role is not Role.PROVIDER:
        await reply(update, "Only the provider who asked to defer a case can withdraw the request.")
        return
    try:
        asked = await context.services.db.requests.for_case(person, ref, "deferral")
    except (InvalidInput, NotFound, PermissionDenied) as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    waiting = [r for r in asked if r.state == deferral.REQUESTED and r.asked_by == person.id]
    if not waiting:
        decided = [r for r in asked if r.asked_by == person.id]
        said = f" Your last one was {decided[-1].state.replace('_', ' ')}." if decided else ""
        await reply(update, f"No request of yours to defer case #{ref} is waiting for a decision.{said}")
        return
    answer = await send_event(context, person, waiting[-1], deferral.WITHDRAW, {})
    await reply(update, answer.text)


def handlers() -> list[Handler]:
    return [
        conversation(
            DeferDraft.key,
            private_command("defer", defer_command),
            {
                DEFER_GROUND: [DeferGround.handler(ground_pressed), expect_button()],
                DEFER_TEXT: [expect_text(explanation_typed)],
                DEFER_CONFIRM: [SendDeferral.handler(defer_confirmed), expect_button()],
            },
            AskToDefer.handler(defer_command),
        ),
    ]
