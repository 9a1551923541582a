"""The case review in chat (issue 11): `/review REF` for managers, what the review's outbox messages say,
and its two steps, Debrief (the recommendation typed) and Decide (a decision chosen by button; a
compliance notice then asks for its compliance date, recorded on the case with the decision).

The bot opens a review itself when an outcome that calls for one is recorded (store.reviews), and the
managers' prompt goes through the outbox like every request message (handlers.request_messages asks
`describe` for the text). Each step starts from a `req:<id>:<event>` button (`ReviewStep`) checked against
the review as it is now; the decision is sent with the version the person was shown, so a stale or second
press changes nothing. Conversations here only gather typed text and the chosen decision.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from handlers.button_fields import Ref, Word
from handlers.buttons import Button
from handlers.context import Handler, InspectContext, Services
from handlers.conversation import conversation, expect_button, expect_text, private_command
from handlers.drafts import Draft
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, drop_buttons, reply
from handlers.render import case_title, cited, relative
from handlers.timeline import case_timeline
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person, Role
from store.requests import Request
from workflows import case_review, notices
from workflows.calendar import WorkingCalendar
from workflows.dates import format_date, parse_date
from workflows.errors import DateParseError
from workflows.kinds import COMPLIANCE_DATE, KINDS
from workflows.rules import InspectionKind

DEBRIEF_TEXT, CHOOSE_DECISION, COMPLIANCE_TEXT = "review:debrief", "review:decision", "review:date"
_REFUSED = (InvalidInput, NotFound, PermissionDenied)

#: The buttons of a review's steps (handlers.request_messages shows them on the outbox messages too).
BUTTONS = {case_review.DEBRIEF: "Debrief", case_review.DECIDE: "Decide"}


class ReviewStep(Button):
    """'req:<request id>:debrief|decide': a review's step (the other requests' `req:` buttons send other
    events: handlers.request_base.RequestPress)."""

    prefix = "req"
    request_id: Ref
    action: Literal["debrief", "decide"]


class ReviewDecision(Button):
    """'rvd:<request id>:<version shown>:<decision id>': a decision chosen (the id is checked against
    case_review.DECISIONS on the press, so a forged one is told it isn't known)."""

    prefix = "rvd"
    request_id: Ref
    version: Ref
    decision: Word


class ReviewDraft(Draft):
    key = "review"
    id: int
    version: int
    decision: str | None = None


_WHY = {
    case_review.INADEQUATE: "an inadequate judgement was recorded",
    case_review.CONCERNS: "serious or widespread concerns were recorded",
}
_STATE = {
    case_review.OPEN: "waiting for the debrief",
    case_review.DEBRIEFED: "debriefed, waiting for the decision",
    case_review.DECIDED: "decided",
}
_NEXT = {
    case_review.OPEN: "Next: the debrief between the inspector and their manager, with its recommendation "
    "(press Debrief).",
    case_review.DEBRIEFED: "Next: a manager decides what action to take (press Decide).",
}


def _day(text: object) -> str:
    return format_date(date.fromisoformat(str(text)))


def _rule(kind: InspectionKind, key: str) -> str:
    """ " Rule: 5 working days after the end of the inspection." for a milestone of the kind."""
    rule = next((m for m in kind.milestones if m.key == key), None)
    return "" if rule is None else f" Rule: {escape(rule.rule_text(kind))}."


def _decision_label(decision_id: object) -> str:
    found = next((d for d in case_review.DECISIONS if d.id == decision_id), None)
    return escape(found.label if found is not None else str(decision_id))


def _compliance_visit(case: Case, calendar: WorkingCalendar, day: object) -> str:
    """The monitoring visit the notice with compliance date `day` brings (a case may have several notices,
    each with its own visit: workflows.notices), with its rule, from the case's timeline."""
    key = notices.visit_key(KINDS[case.kind], case.events, date.fromisoformat(str(day)))
    visit = next((d for d in case_timeline(case, calendar) if d.key == key), None)
    if visit is None:
        return ""
    due = format_date(visit.last_day)
    return f" The monitoring visit to check it is due by <b>{due}</b>. Rule: {escape(visit.rule)}."


def summary(request: Request, case: Case, calendar: WorkingCalendar, role: Role, today: date) -> str:
    """What a review stands at: why, when it is due, the checklist with its sources, and the next step.
    On assurance kinds the inspector is told to email the directors of children's services, and by when."""
    p = request.payload
    kind = KINDS[case.kind]
    lines = [f"Why: {_WHY.get(str(p.get('trigger')), 'started by a manager')}."]
    if p.get("due"):
        due = date.fromisoformat(str(p["due"]))
        late = f" ({relative(due, today, calendar)})" if request.state != case_review.DECIDED else ""
        lines.append(f"Due by <b>{format_date(due)}</b>{late}.{_rule(kind, 'case_review')}")
    if p.get("dcs_email_due"):
        email_due = date.fromisoformat(str(p["dcs_email_due"]))
        pending = "dcs_email" not in case.events and request.state != case_review.DECIDED
        away = f" ({relative(email_due, today, calendar)})" if pending else ""
        by = f"by <b>{format_date(email_due)}</b>{away}."
        lines.append(
            f"Email the directors of children's services {by} Then call them; the email is forwarded to "
            "the provider."
            if role is Role.INSPECTOR
            else f"The inspector emails the directors of children's services {by}"
        )
        lines[-1] += _rule(kind, "dcs_email")
    if p.get("recommendation"):
        lines.append(f"The debrief's recommendation: {escape(str(p['recommendation']))}")
    if p.get("decision"):
        decided = f"Decision: <b>{_decision_label(p['decision'])}</b>."
        if p.get("compliance_date"):
            decided += f" Compliance date: <b>{_day(p['compliance_date'])}</b>." + _compliance_visit(
                case, calendar, p["compliance_date"]
            )
        lines.append(decided)
    items = case_review.checklist(kind)
    if items:
        lines.append("Checklist:")
        lines += [f"• {escape(item.text)}<i>{cited(item.source, Role.MANAGER)}</i>" for item in items]
    lines.append(_NEXT.get(request.state, "The review is decided."))
    return "\n".join(lines)


def describe(
    request: Request, case: Case, event: str, who: str, calendar: WorkingCalendar, role: Role, today: date
) -> str:
    """One review event, said to someone on the case who did not do it (an outbox message)."""
    title = case_title(case)
    if event == case_review.START:
        head = (
            f"A case review of <b>{title}</b> is due at once."
            if request.last_label == "system"
            else f"{who} started a case review of <b>{title}</b>."
        )
    elif event == case_review.DEBRIEF:
        head = f"{who} recorded the debrief for the case review of <b>{title}</b>."
    else:
        head = f"{who} decided the case review of <b>{title}</b>."
    return head + "\n" + summary(request, case, calendar, role, today)


async def _buttons(services: Services, person: Person, request: Request) -> InlineKeyboardMarkup | None:
    """The steps this person may take on the review now, as `req:` buttons."""
    rows = [
        [step_button(request, event)]
        for event in await services.db.requests.actions(person, request.id)
        if event in BUTTONS
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def step_button(request: Request, event: str) -> InlineKeyboardButton:
    """Debrief or Decide on `request` (one of BUTTONS' events)."""
    action: Literal["debrief", "decide"] = "debrief" if event == case_review.DEBRIEF else "decide"
    return ReviewStep(request_id=request.id, action=action).button(BUTTONS[event])


async def _answer(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, reply_markup=markup, do_quote=False)


async def _who(services: Services, request: Request) -> str:
    if request.last_by is None:
        return "the bot" if request.last_label == "system" else "the operator"
    try:
        return escape((await services.db.people.get(request.last_by)).display_name)
    except InvalidInput:
        return "someone"


# ---------------------------------------------------------------- /review REF


async def review_command(update: Update, context: InspectContext) -> str | int:
    """/review REF: the case's open review with its state and next step, or a new one if none is open."""
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    ref = parse_ref(command_text(message.text or ""))
    if ref is None:
        await reply(update, "Which case? Send <code>/review 12</code>.")
        return ConversationHandler.END
    if person.role is Role.PROVIDER:  # an inspector may look up an open one (store.reviews decides)
        await reply(update, "Only managers start or look up case reviews.")
        return ConversationHandler.END
    services = context.services
    try:
        request, new = await services.db.reviews.start(person, ref)
        case = await services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see the cases.")
        return ConversationHandler.END
    except _REFUSED as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    head = (
        f"Started a case review of <b>{case_title(case)}</b>; the other managers are told."
        if new
        else f"The case review of <b>{case_title(case)}</b> is open: {_STATE[request.state]}."
    )
    markup = await _buttons(services, person, request)
    said = summary(request, case, services.calendar, person.role, services.today())
    await _answer(update, head + "\n" + said, markup)
    return ConversationHandler.END


# ---------------------------------------------------------------- Debrief and Decide


async def step_pressed(update: Update, context: InspectContext) -> str | int:
    """Debrief or Decide: checked against the review now; then the recommendation, or the decisions."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    pressed = ReviewStep.of(update)
    services = context.services
    try:
        request = await services.db.requests.get(person, pressed.request_id)
        if request.kind != case_review.MACHINE.kind:
            raise InvalidInput("That button isn't one I know.")
        allowed = await services.db.requests.actions(person, request.id)
        case = await services.db.cases.get(person, request.case_ref)
    except _REFUSED as exc:
        await query.answer(str(exc), show_alert=True)
        return ConversationHandler.END
    event = pressed.action
    if event not in allowed:
        offered_in = {m.source for m in case_review.MACHINE.moves if m.event == event}
        if request.final:
            text = (
                f"This case review was already decided by {await _who(services, request)}. Nothing changed."
            )
        elif request.state in offered_in:
            text = "That is for someone else on the case to do."
        else:
            text = f"That can't be done now: the case review is {_STATE[request.state]}. Nothing changed."
        await query.answer(text, show_alert=True)
        return ConversationHandler.END
    await query.answer()
    ReviewDraft(id=request.id, version=request.version).save(context)
    if event == case_review.DEBRIEF:
        await reply(
            update,
            f"What is the debrief's recommendation for further action on <b>{case_title(case)}</b> "
            "(future inspections, compliance or enforcement action)? Type it (up to "
            f"{case_review.TEXT_LIMIT} characters; please don't include children's names), or /cancel.",
        )
        return DEBRIEF_TEXT
    kind = KINDS[case.kind]
    rows = [
        [ReviewDecision(request_id=request.id, version=request.version, decision=d.id).button(d.label)]
        for d in case_review.DECISIONS
        if d.id != "compliance_notice" or COMPLIANCE_DATE in kind.triggers
    ]
    await _answer(
        update,
        f"What is decided on <b>{case_title(case)}</b>? Choose one, or /cancel.",
        InlineKeyboardMarkup(rows),
    )
    return CHOOSE_DECISION


async def debrief_typed(update: Update, context: InspectContext) -> str | int:
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    answers = ReviewDraft.read(context)
    return await _send(update, context, case_review.DEBRIEF, {"recommendation": message.text or ""}, answers)


async def decision_chosen(update: Update, context: InspectContext) -> str | int | None:
    """A decision pressed: sent at once, or for a compliance notice, its compliance date asked first."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    chosen = ReviewDecision.parse(query.data)
    if chosen is None or chosen.decision not in {d.id for d in case_review.DECISIONS}:
        await query.answer("That button isn't one I know.", show_alert=True)
        return None  # forged data: the conversation stays where it was
    try:
        request = await context.services.db.requests.get(person, chosen.request_id)
    except _REFUSED as exc:
        await query.answer(str(exc), show_alert=True)
        return ConversationHandler.END
    if request.version != chosen.version:  # decided (or moved on) since these choices were shown
        who = await _who(context.services, request)
        shown = "decided" if request.final else request.state
        await query.answer(
            f"Too late: {who} already {shown} this case review. Nothing changed.", show_alert=True
        )
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    answers = ReviewDraft(id=request.id, version=request.version, decision=chosen.decision)
    answers.save(context)
    if chosen.decision == "compliance_notice":
        await reply(
            update,
            "What is the compliance date set in the notice? For example 30/6/2026. Or /cancel.",
        )
        return COMPLIANCE_TEXT
    return await _send(update, context, case_review.DECIDE, {"decision": chosen.decision}, answers)


async def compliance_date_typed(update: Update, context: InspectContext) -> str | int:
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    answers = ReviewDraft.read(context)
    try:
        day = parse_date(message.text or "", context.services.today())
    except DateParseError as exc:
        await reply(update, escape(str(exc)) + " Please send it again, or /cancel.")
        return COMPLIANCE_TEXT
    data: dict[str, object] = {"decision": "compliance_notice", "compliance_date": day.isoformat()}
    return await _send(update, context, case_review.DECIDE, data, answers)


async def _send(
    update: Update,
    context: InspectContext,
    event: str,
    data: dict[str, object],
    answers: ReviewDraft,
) -> str | int:
    """Send the step with the version the person was shown; a refusal keeps the step to try again."""
    person = await current_person(update, context)
    if person is None:
        return ConversationHandler.END
    services = context.services
    again = {case_review.DEBRIEF: DEBRIEF_TEXT}.get(event, COMPLIANCE_TEXT)
    try:
        sent = await services.db.requests.send(person, answers.id, event, data, version=answers.version)
    except InvalidInput as exc:
        if "compliance_date" not in data and event == case_review.DECIDE:
            await reply(update, escape(str(exc)))
            return ConversationHandler.END
        await reply(update, escape(str(exc)) + " Please send it again, or /cancel.")
        return again
    except (NotFound, PermissionDenied) as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    ReviewDraft.drop(context)
    if not sent.applied:
        who = await _who(services, sent.request)
        shown = "decided" if sent.request.final else sent.request.state
        await reply(update, f"Too late: {who} already {shown} this case review. Nothing changed.")
        return ConversationHandler.END
    case = sent.case
    assert case is not None
    title = case_title(case)
    if event == case_review.DEBRIEF:
        text = f"Recorded the debrief for the case review of <b>{title}</b>; the managers are told."
    else:
        text = f"Decided for the case review of <b>{title}</b>: <b>{_decision_label(data['decision'])}</b>."
        if "compliance_date" in data:
            text += (
                f" The compliance date {_day(data['compliance_date'])} is recorded on the case."
                + _compliance_visit(case, services.calendar, data["compliance_date"])
            )
        text += " The inspector and the managers are told."
    await _answer(update, text, await _buttons(services, person, sent.request))
    return ConversationHandler.END


# ---------------------------------------------------------------- the table


def handlers() -> list[Handler]:
    return [
        conversation(
            ReviewDraft.key,
            private_command("review", review_command),
            {
                DEBRIEF_TEXT: [expect_text(debrief_typed)],
                CHOOSE_DECISION: [ReviewDecision.handler(decision_chosen), expect_button()],
                COMPLIANCE_TEXT: [expect_text(compliance_date_typed)],
            },
            ReviewStep.handler(step_pressed),
            ReviewDecision.handler(decision_chosen),  # a stale choice is told "too late"
        ),
    ]
