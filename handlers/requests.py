"""Requests between people in chat (issue 11): /defer, /notify, /complain, and the buttons that decide.

Every message to someone other than the person typing goes through the outbox: the store writes a
`request` row in the transition's transaction (store.outbox.tell_request) and `render_request` turns it
into text at send time, from the request as it then is. Its buttons (`req:<id>:<event>`, under 64 bytes)
are offered only while the request is still at the version the message is about, and every press is
checked again against the request's current state and the presser's part on the case: a stale button, a
button meant for someone else and forged data change nothing. Conversations only gather one person's
typed input (a ground and an explanation, a new first day, a reason, a complaint).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers import review
from handlers import survey as survey_chat
from handlers.comment_documents import document_buttons, documents_text
from handlers.context import Handler, InspectContext, Services
from handlers.conversation import conversation, draft, expect_button, expect_text, private_command
from handlers.newcase import two_dates
from handlers.parsing import REF_DATA, command_text, parse_ref
from handlers.people import current_person, drop_buttons, pressed_case, reply
from handlers.reminders import Rendered
from handlers.render import case_title, quoted, relative, when
from handlers.timeline import hidden
from store.consistency import case_dates
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person, Role
from store.outbox import OutboxRow
from store.requests import Request, Sent
from workflows import comments, complaints, deferral, notification, survey, visit
from workflows.audience import hides_visit, nothing_dated
from workflows.dates import format_date
from workflows.errors import DateParseError
from workflows.flows import Party, Refused, Situation
from workflows.kinds import KINDS
from workflows.request_kinds import get_flow

#: Button data that decides: "req:<request id>:<event>"; parsed strictly.
_PRESS = re.compile(r"^req:([0-9]{1,9}):([a-z_]{1,20})$")
_REFUSED = (InvalidInput, NotFound, PermissionDenied)
#: Said wherever free text is asked for (chat-style.md).
NO_DETAILS = "Please leave out children's names and other personal details."
#: How much of what was typed a confirmation says back.
SAID_LIMIT = 300

_DEFER_DRAFT, _DECIDE_DRAFT, _COMPLAIN_DRAFT, _COMMENTS_DRAFT = "defer", "decide", "complain", "comments"
DEFER_GROUND, DEFER_TEXT, DEFER_CONFIRM = "defer:ground", "defer:text", "defer:confirm"
DECIDE_TEXT = "decide:text"
COMPLAIN_TEXT, COMPLAIN_CONFIRM = "complain:text", "complain:confirm"
COMMENTS_TEXT, COMMENTS_CONFIRM = "comments:text", "comments:confirm"

_BUTTON_LABELS = {
    ("deferral", deferral.APPROVE): "Approve",
    ("deferral", deferral.DECLINE): "Decline",
    ("deferral", deferral.WITHDRAW): "Withdraw the request",
    ("notification", notification.ACKNOWLEDGE): "Acknowledge",
    ("complaint", complaints.RESPOND): "Respond",
    ("comments", comments.SEE): "Mark as seen",
    **{("case_review", event): label for event, label in review.BUTTONS.items()},
}
#: What a withdrawal took back, by kind of request ("Withdrawn: your request to defer Oak House").
_WITHDRAWN = {
    "deferral": "request to defer",
    "complaint": "complaint about",
    "notification": "notification of",
}
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


def situation(services: Services, case: Case) -> Situation:
    """The case as a workflow sees it, today (for the checks made before asking anything)."""
    return Situation(KINDS[case.kind], case_dates(case), services.today(), services.calendar)


async def _who(services: Services, person_id: int | None, label: str) -> str:
    """A person's name for a message to another person on the same case ("the bot" for the system)."""
    if person_id is None:
        return "the operator" if label == "cli" else "the bot"
    try:
        return escape((await services.db.people.get(person_id)).display_name)
    except InvalidInput:
        return "someone"


def _ground_label(case: Case, ground_id: object) -> str:
    for ground in deferral.grounds(KINDS[case.kind]):
        if ground.id == ground_id:
            return ground.label
    return str(ground_id)


# ---------------------------------------------------------------- outbox rows, rendered at send time


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
    if case is None or case.status != "open":
        out.drop.setdefault("case_closed", []).append(row.id)
        return out
    by = row.params.get("by")
    who = await _who(services, None if by is None else int(by), "system")
    if request.kind == survey.MACHINE.kind:  # its own buttons: Start / Not now (handlers.survey)
        event = str(row.params["event"])
        if event == survey.OFFER and await services.db.outbox.unsent(person.id, case.id, "draft_sent", now):
            out.later.append(row.id)  # after the draft's own notice, never before it (issue 20)
            return out
        out.send.append(row.id)
        out.text, out.markup = survey_chat.notice(request, case, event, who)
        return out
    out.send.append(row.id)
    out.text = describe_for(services, person, request, case, str(row.params["event"]), who)
    if request.version > version:  # it moved on before this copy went: say so, offer nothing
        from handlers.request_copies import decided_line

        by_now = await _who(services, request.last_by, request.last_label)
        line = decided_line(request.state, by_now, request.updated_at, services.zone, services.today())
        out.text += f"\n\n{line}"
    buttons: list[list[InlineKeyboardButton]] = []
    if request.version == version:
        for event in await services.db.requests.actions(person, request.id):
            label = _BUTTON_LABELS.get((request.kind, event))
            if label is not None and (request.kind, event) != ("deferral", deferral.WITHDRAW):
                buttons.append([InlineKeyboardButton(label, callback_data=f"req:{request.id}:{event}")])
    if request.kind == "notification" and person.role is Role.PROVIDER and _deferrable(services, case):
        buttons.append([InlineKeyboardButton("Ask to defer", callback_data=f"defer:{case.ref}")])
    buttons += document_buttons(request)
    out.markup = InlineKeyboardMarkup(buttons) if buttons else None
    return out


def _deferrable(services: Services, case: Case) -> bool:
    """Whether the visit can be deferred today (the notice offers Ask to defer only then): before it
    starts, or for a visit without notice (a COVID-19 visit from its call) while it is on."""
    return deferral.last_day_to_ask(situation(services, case)) is not None


#: What a provider is told of a complaint on a case whose visit is kept from them: check_window's words
#: without the day (it would be the planned last on-site day).
NOT_OPEN_YET = (
    "A formal complaint can be made from the end of the inspection. Until then, raise concerns with the "
    "inspector, and with their manager if that doesn't resolve them."
)


def complaint_window(services: Services, role: Role, case: Case) -> complaints.Window:
    """`complaints.check_window` for someone of `role`: while the case's visit is kept from them (a
    provider before an unannounced visit begins, workflows.audience), refused with no day named."""
    facts = situation(services, case)
    if hides_visit(role, facts.kind, facts.dates, facts.today, facts.calendar):
        raise Refused(NOT_OPEN_YET)
    return complaints.check_window(situation(services, case))


def describe_for(
    services: Services, person: Person, request: Request, case: Case, event: str, who: str
) -> str:
    """One request event as `person` reads it: the case review and the survey say it their own way."""
    if request.kind == "case_review":
        return review.describe(request, case, event, who, services.calendar, person.role, services.today())
    if request.kind == survey.MACHINE.kind:
        return survey_chat.notice(request, case, event, who)[0]
    if request.kind == "notification" and event == notification.NOTIFY:
        if hidden(case, person, services.calendar, services.today()):
            # A notice on a kind without notice names no day to its provider (workflows.audience).
            return (
                f"{who} recorded that you were notified of the inspection of <b>{case_title(case)}</b>.\n"
                "Press Acknowledge when you have read this."
            )
        return _notified(situation(services, case), case, who)
    if (
        request.kind == "deferral"
        and event == deferral.APPROVE
        and hidden(case, person, services.calendar, services.today())
    ):
        # The new days of a visit kept from the provider are not theirs to learn (workflows.audience).
        return (
            f"The deferral of <b>{case_title(case)}</b> was <b>approved</b> by {who}: the inspection will "
            f"not go ahead as it was. {escape(nothing_dated(KINDS[case.kind]))}"
        )
    said = _describe(request, case, event, who)
    if request.kind == "deferral" and event == deferral.ASK and person.role is Role.MANAGER:
        p = request.payload
        if visit.is_unannounced(KINDS[case.kind]) and p.get("until"):
            # Asked once inspectors arrived (deferral-policy.md section 2): decided while the visit is on.
            last = format_date(datetime.fromisoformat(str(p["until"])).date())
            said += f"\nDecide by <b>{last}</b>: once the visit has ended it can't be deferred."
            return said
        # The day to decide by, from when the visit begins as asked (so an edit after the decision says it
        # alike); requests from before "begins" was kept have the first on-site day.
        begins = p.get("begins") or p["first_day"]
        until = services.calendar.add_working_days(datetime.fromisoformat(str(begins)).date(), -1)
        said += f"\nDecide by <b>{format_date(until)}</b>: once the visit starts it can't be deferred."
    return said


def _describe(request: Request, case: Case, event: str, who: str) -> str:
    """One request event, said to someone on the case who did not do it."""
    p = request.payload
    title = case_title(case)
    if request.kind == "deferral":
        if event == deferral.ASK:
            why = f"\nWhy: {escape(str(p['explanation']))}" if p.get("explanation") else ""
            planned = format_date(datetime.fromisoformat(str(p["first_day"])).date())
            return (
                f"<b>{who}</b> asks to defer <b>{title}</b> (first on-site day {planned}).\n"
                f"Ground: {escape(_ground_label(case, p.get('ground')))}{why}"
            )
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
    if request.kind == "notification":
        if event == notification.ACKNOWLEDGE:
            return f"{who} acknowledged the notification of <b>{title}</b>."
        return f"The notification of <b>{title}</b> was withdrawn by {who}: it was recorded by mistake."
    if request.kind == "complaint":
        if event == complaints.MAKE:
            return f"<b>{who}</b> made a formal complaint about <b>{title}</b>:\n{escape(str(p.get('text')))}"
        if event == complaints.RESPOND:
            response = f":\n{escape(str(p['response']))}" if p.get("response") else "."
            return f"{who} recorded Ofsted's response to your complaint about <b>{title}</b>{response}"
        return f"The complaint about <b>{title}</b> was withdrawn by {who}."
    if request.kind == "comments" and event == comments.SUBMIT:
        due = format_date(datetime.fromisoformat(str(p["due"])).date())
        late = f" <b>late</b> (they were due by {due})" if p.get("late") else f" (due by {due})"
        documents = documents_text(p)
        return (
            f"<b>{who}</b> sent comments on the draft report of <b>{title}</b>{late}:\n"
            f"{escape(str(p.get('text') or ''))}" + (f"\n{documents}" if documents else "")
        )
    return f"{escape(request.kind)} on <b>{title}</b>: {escape(event)} by {who}."


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


# ---------------------------------------------------------------- pressing a button that decides


async def request_pressed(update: Update, context: InspectContext) -> str | int:
    """A `req:` button: checked against the request now; typed input asked for when the event needs it."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None or query.data is None:
        return ConversationHandler.END
    matched = _PRESS.match(query.data)
    if matched is None:
        await query.answer("That button isn't one I know.", show_alert=True)
        return ConversationHandler.END
    request_id, event = int(matched[1]), matched[2]
    db = context.services.db
    try:
        request = await db.requests.get(person, request_id)
        allowed = await db.requests.actions(person, request_id)
    except _REFUSED as exc:
        await query.answer(str(exc), show_alert=True)
        return ConversationHandler.END
    known = {move.event for move in get_flow(request.kind).machine.moves}
    if event not in allowed:
        if event not in known:
            text = "That button isn't one I know."
        elif request.final:
            who = await _who(context.services, request.last_by, request.last_label)
            text = f"This request was already {request.state.replace('_', ' ')} by {who}. Nothing changed."
        else:
            text = "That is for someone else on the case to do."
        await query.answer(text, show_alert=True)
        return ConversationHandler.END
    await query.answer()
    typed = _TYPED.get((request.kind, event))
    if typed is not None:
        assert context.user_data is not None
        pressed = query.message
        context.user_data[_DECIDE_DRAFT] = {
            "id": request.id,
            "version": request.version,
            "event": event,
            "message": pressed.message_id if pressed is not None else None,
        }
        await reply(update, typed[1])
        return DECIDE_TEXT
    answer = await _send(context, person, request, event, {})
    await reply(update, answer.removeprefix("!"))
    await _mark_pressed(context, person, request, query.message)
    return ConversationHandler.END


async def _mark_pressed(
    context: InspectContext, person: Person, request: Request, pressed: object, message_id: int | None = None
) -> None:
    """The presser's own copy says who decided (handlers/request_copies.py); `message_id` when only
    the id is known (the decision was typed after the press)."""
    from handlers.request_copies import mark_decided

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
    answers = draft(context, _DECIDE_DRAFT)
    db = context.services.db
    try:
        request = await db.requests.get(person, int(answers["id"]))
    except _REFUSED as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    event = str(answers["event"])
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
    answer = await _send(context, person, request, event, data, version=int(answers["version"]))
    if answer.startswith("!"):
        await reply(update, answer[1:] + " Please send it again, or /cancel.")
        return DECIDE_TEXT
    assert context.user_data is not None
    context.user_data.pop(_DECIDE_DRAFT, None)
    await reply(update, answer)
    pressed = answers.get("message")
    await _mark_pressed(context, person, request, None, None if pressed is None else int(pressed))
    return ConversationHandler.END


async def _send(
    context: InspectContext,
    person: Person,
    request: Request,
    event: str,
    data: dict[str, object],
    version: int | None = None,
) -> str:
    """Send the event; the answer for the sender ("!" first: refused, ask again)."""
    db = context.services.db
    try:
        sent: Sent = await db.requests.send(
            person, request.id, event, data, version=version or request.version
        )
    except InvalidInput as exc:
        return "!" + escape(str(exc))
    except (NotFound, PermissionDenied) as exc:
        return escape(str(exc))
    if not sent.applied:
        who = await _who(context.services, sent.request.last_by, sent.request.last_label)
        return (
            f"Too late: {who} already {sent.request.state.replace('_', ' ')} this request. Nothing changed."
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
    return done + (f" {told_line(sent.tell, person)}" if sent.told else "")


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


# ---------------------------------------------------------------- /defer REF


async def defer_command(update: Update, context: InspectContext) -> str | int:
    """/defer REF, or the Ask to defer button: the provider's grounds, once the visit hasn't started."""
    person = await current_person(update, context)
    if person is None:
        return ConversationHandler.END
    query = update.callback_query
    if query is not None and query.data is not None:
        await query.answer()
        ref = int(query.data.split(":")[1])
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
            from handlers.deferral_withdraw import withdraw_command

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
    assert context.user_data is not None
    context.user_data[_DEFER_DRAFT] = {"ref": case.ref, "kind": case.kind}
    kind = KINDS[case.kind]
    buttons = [
        # Whole labels: cut at 60 characters they ended mid-word ("serious con"); a client that has too
        # little room shortens a label itself, with an ellipsis.
        [InlineKeyboardButton(g.label, callback_data=f"dfg:{g.id}")]
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
    if query is None or query.data is None:
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    draft(context, _DEFER_DRAFT)["ground"] = query.data.split(":", 1)[1]
    await reply(
        update,
        f"Explain in a few words (up to {deferral.EXPLANATION_LIMIT} characters) what has happened. "
        f"{NO_DETAILS} Or /cancel.",
    )
    return DEFER_TEXT


async def explanation_typed(update: Update, context: InspectContext) -> str | int:
    message = update.effective_message
    kind = str(draft(context, _DEFER_DRAFT).get("kind", ""))
    warning = deferral.absence_warning(kind, (message.text or "") if message is not None else "")
    # Before Send, not after: staff absence is not a ground (deferral policy), so the provider may
    # rather press /cancel. Braces doubled: the question is a format string.
    caution = "" if warning is None else "\n\n⚠️ " + escape(warning).replace("{", "{{").replace("}", "}}")
    return await _typed_then_confirm(
        update,
        context,
        (_DEFER_DRAFT, "explanation"),
        ("Send the request", "dfc:send"),
        "Ask the managers to defer case #{ref}?{said}" + caution + "\nPress Send, or /cancel.",
        DEFER_CONFIRM,
        limit=(deferral.EXPLANATION_LIMIT, DEFER_TEXT),
    )


async def _typed_then_confirm(
    update: Update,
    context: InspectContext,
    where: tuple[str, str],
    button: tuple[str, str],
    question: str,
    next_step: str,
    *,
    limit: tuple[int, str],
) -> str | int:
    """Keep what was typed in the draft's field, then ask to confirm with one button (the flows that
    gather a person's words before sending a request share this step). Words over the flow's limit
    (`limit`: it and the typing step) are refused as typed, not only on Send: the step stays."""
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
    answers = draft(context, where[0])
    answers[where[1]] = message.text or ""
    # What will be sent, said back: a message typed after another command lands here too.
    said = "".join(f"\n{line}" for line in said_back(answers))
    await message.reply_html(
        question.format(ref=answers["ref"], said=said),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(button[0], callback_data=button[1])]]),
        do_quote=False,
    )
    return next_step


def said_back(answers: dict[str, object]) -> list[str]:
    """The ground and the words a person is about to send, escaped and cut, for them to check."""
    lines = []
    if answers.get("ground"):
        ground = str(answers["ground"])
        kind = KINDS.get(str(answers.get("kind")), KINDS["ch-full"])  # the case's, kept by /defer
        labels = {g.id: g.label for g in deferral.grounds(kind)}
        lines.append(f"Ground: {escape(labels.get(ground, ground))}")
    for key in ("explanation", "text"):
        if answers.get(key):
            lines.append(f"You wrote: “{quoted(str(answers[key]), SAID_LIMIT)}”")
    return lines


async def defer_confirmed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    answers = draft(context, _DEFER_DRAFT)
    data = {"ground": answers.get("ground"), "explanation": answers.get("explanation")}
    assert context.user_data is not None
    context.user_data.pop(_DEFER_DRAFT, None)
    try:
        sent = await context.services.db.requests.open(person, int(answers["ref"]), "deferral", "ask", data)
    except _REFUSED as exc:
        await reply(update, escape(str(exc)) + " Nothing was sent; send /defer to start again.")
        return ConversationHandler.END
    assert update.effective_message is not None
    withdraw = f"req:{sent.request.id}:{deferral.WITHDRAW}"
    await update.effective_message.reply_html(
        f"Sent: your request to defer case #{sent.request.case_ref} is with the managers. "
        "I'll tell you here when one decides. Changed your mind? Withdraw it "
        f"(or send <code>/defer {sent.request.case_ref} withdraw</code>).",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Withdraw the request", callback_data=withdraw)]]
        ),
        do_quote=False,
    )
    return ConversationHandler.END


# ---------------------------------------------------------------- /notify REF [DATE]


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


async def notify_keyboard(services: Services, person: Person, case: Case) -> InlineKeyboardMarkup | None:
    """The case's 'notified today' button, for its inspector while an announced kind's notice is still
    to be recorded and the visit hasn't started (what /help lists as 'notify the provider')."""
    notice = notification.NOTICES.get(case.kind)
    if person.role is not Role.INSPECTOR or notice is None or notice.milestone in case.events:
        return None
    if notification.refusal(situation(services, case)) is not None:
        return None  # nothing to notify: unannounced, or the visit has started (checked again on press)
    if await services.db.requests.for_case(person, case.ref, notification.MACHINE.kind):
        return None
    button = InlineKeyboardButton("I notified the provider today", callback_data=f"ntf:{case.ref}")
    return InlineKeyboardMarkup([[button]])


async def notify_pressed(update: Update, context: InspectContext) -> None:
    """The case's button: /notify REF for today, checked again as the command is."""
    pressed = await pressed_case(update, context)
    if pressed is None:
        return
    await drop_buttons(update)
    await _notify(update, context, *pressed, context.services.today())


async def _notify(update: Update, context: InspectContext, person: Person, ref: int, day: date) -> None:
    try:
        sent = await context.services.db.requests.open(
            person, ref, "notification", notification.NOTIFY, {"day": day.isoformat()}
        )
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    except _REFUSED as exc:
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


async def _provider_case(update: Update, context: InspectContext, command: str, refusal: str) -> Case | None:
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


# ---------------------------------------------------------------- /complain REF


async def complain_command(update: Update, context: InspectContext) -> str | int:
    """/complain REF: the steps of the kind's procedure, then the complaint typed, inside its window."""
    refusal = "Only the provider of a case can make a formal complaint about it."
    case = await _provider_case(update, context, "complain", refusal)
    if case is None:
        return ConversationHandler.END
    kind = KINDS[case.kind]
    steps = "\n".join(f"{n}. {escape(text)}" for n, text in enumerate(complaints.steps_text(kind), 1))
    try:
        found = complaint_window(context.services, Role.PROVIDER, case)  # _provider_case: theirs
    except Refused as exc:
        await reply(update, escape(str(exc)) + (f"\n\nThe steps:\n{steps}" if steps else ""))
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[_COMPLAIN_DRAFT] = {"ref": case.ref}
    until, rule = window_words(context.services, case, found)
    await reply(
        update,
        f"A formal complaint about <b>{case_title(case)}</b> can be made {until}.{rule}\n\n"
        f"The steps:\n{steps}\n\n"
        f"What is the complaint about? Type it (up to {complaints.TEXT_LIMIT} characters), or /cancel. "
        f"{NO_DETAILS}",
    )
    return COMPLAIN_TEXT


def window_words(services: Services, case: Case, found: complaints.Window) -> tuple[str, str]:
    """'until <b>Friday 18 December 2026</b> (15 working days from today)' and the rule's line ("" if
    none), as every date the bot gives (chat-style.md); /complain and 'how do I complain?' share it."""
    today = services.today()
    if found.reopens is not None and today >= found.reopens:  # on receiving the final report (003 L998)
        return (
            "now; the guidance sets no closing day",
            "\nRule: a formal complaint may be lodged when the final report is received.",
        )
    if found.closes is None:
        return "now; the guidance sets no closing day", ""
    distance = relative(found.closes, today, services.calendar)
    rule = KINDS[case.kind].texts.get("complaint_window")
    why = f"\nRule: {escape(rule[0])}." if rule is not None else ""
    return f"until <b>{format_date(found.closes)}</b> ({distance})", why


async def complaint_typed(update: Update, context: InspectContext) -> str | int:
    return await _typed_then_confirm(
        update,
        context,
        (_COMPLAIN_DRAFT, "text"),
        ("Send the complaint", "cpc:send"),
        "Send this formal complaint about case #{ref} to the managers?{said}\nPress Send, or /cancel.",
        COMPLAIN_CONFIRM,
        limit=(complaints.TEXT_LIMIT, COMPLAIN_TEXT),
    )


async def complaint_confirmed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    answers = draft(context, _COMPLAIN_DRAFT)
    assert context.user_data is not None
    context.user_data.pop(_COMPLAIN_DRAFT, None)
    try:
        sent = await context.services.db.requests.open(
            person, int(answers["ref"]), "complaint", complaints.MAKE, {"text": answers.get("text")}
        )
    except _REFUSED as exc:
        await reply(update, escape(str(exc)) + " Nothing was sent; send /complain to start again.")
        return ConversationHandler.END
    await reply(
        update,
        f"Sent: your complaint about case #{sent.request.case_ref} is recorded and the managers are told.",
    )
    return ConversationHandler.END


# ---------------------------------------------------------------- /comments REF


async def comments_command(update: Update, context: InspectContext) -> str | int:
    """/comments REF: the provider's comments on the draft (text or a document), once it was sent, said
    back with Send before they go; late ones are marked late and the inspector is told either way."""
    refusal = "Only the provider of a case sends comments on its draft report."
    case = await _provider_case(update, context, "comments", refusal)
    if case is None:
        return ConversationHandler.END
    if "draft_report" not in case.events:
        await reply(
            update, "Comments open once the draft report has been sent: it hasn't been recorded as sent yet."
        )
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[_COMMENTS_DRAFT] = {"ref": case.ref}
    await reply(
        update,
        f"Type your comments on the draft report of <b>{case_title(case)}</b> "
        f"(up to {comments.TEXT_LIMIT} characters), or send them as a document (PDF, Word...; its caption "
        "counts as the text), or /cancel. Please leave out children's names and other personal details.",
    )
    return COMMENTS_TEXT


async def comments_typed(update: Update, context: InspectContext) -> str | int:
    message = update.effective_message
    text = message.text if message is not None and message.text else ""
    return await _confirm_comments(update, context, {"text": text})


async def comments_document(update: Update, context: InspectContext) -> str | int:
    """A document as comments: Telegram's file id, name and size are kept (never the file); its caption
    is the comments' text. Late ones are marked late like text."""
    message = update.effective_message
    if message is None or message.document is None:
        return COMMENTS_TEXT
    document = message.document
    kept = {"file_id": document.file_id, "name": document.file_name, "size": document.file_size}
    return await _confirm_comments(update, context, {"text": message.caption or "", "documents": [kept]})


async def comments_not_a_document(update: Update, context: InspectContext) -> str | int:
    """A photo, sticker or voice note where comments are wanted: say what is accepted; the step stays."""
    await reply(
        update,
        "I can take comments as typed text or as a document (PDF, Word...), not as a photo, sticker or "
        "voice message. To send a picture, attach it as a file. Or /cancel.",
    )
    return COMMENTS_TEXT


async def _confirm_comments(update: Update, context: InspectContext, data: dict[str, object]) -> str | int:
    """Keep the comments in the draft and say them back before they go: text typed after another command
    lands in this step too, and comments can't be taken back once the inspector has them."""
    text = str(data.get("text") or "")
    if len(text) > comments.TEXT_LIMIT:  # the workflow refuses it too; said now, before the button
        await reply(
            update,
            f"That is {len(text)} characters: please keep comments under {comments.TEXT_LIMIT} (or send "
            "them as a document), or /cancel.",
        )
        return COMMENTS_TEXT
    answers = draft(context, _COMMENTS_DRAFT)
    answers["data"] = data
    lines = [f"Send these comments on the draft report of case #{answers['ref']} to the inspector?"]
    if text:
        lines.append(f"You wrote: “{quoted(text, SAID_LIMIT)}”")
    documents = data.get("documents")
    for document in documents if isinstance(documents, list) else []:
        assert isinstance(document, dict)
        lines.append(f"With the document: {escape(str(document.get('name') or 'unnamed'))}")
    lines.append("Press Send, or /cancel.")
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        "\n".join(lines),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Send the comments", callback_data="cmc:send")]]
        ),
        do_quote=False,
    )
    return COMMENTS_CONFIRM


async def comments_confirmed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    if query is not None:
        await query.answer()
    await drop_buttons(update)
    data = draft(context, _COMMENTS_DRAFT).pop("data", None)
    if not isinstance(data, dict):  # an old Send pressed again: nothing waits to go
        await reply(update, "Those comments have already gone (or were cancelled). Send /comments 12 again.")
        return ConversationHandler.END
    return await _submit_comments(update, context, data)


async def _submit_comments(update: Update, context: InspectContext, data: dict[str, object]) -> str | int:
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    answers = draft(context, _COMMENTS_DRAFT)
    try:
        sent = await context.services.db.requests.open(
            person, int(answers["ref"]), "comments", comments.SUBMIT, data
        )
    except InvalidInput as exc:
        await reply(update, escape(str(exc)) + " Please send them again, or /cancel.")
        return COMMENTS_TEXT
    except (NotFound, PermissionDenied) as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data.pop(_COMMENTS_DRAFT, None)
    warned = "".join(f"\n{escape(w)}" for w in sent.warnings)
    await reply(
        update, f"Sent: your comments on case #{sent.request.case_ref} are with the inspector.{warned}"
    )
    return ConversationHandler.END


# ---------------------------------------------------------------- the table


def handlers() -> list[Handler]:
    return [
        conversation(
            _DEFER_DRAFT,
            private_command("defer", defer_command),
            {
                DEFER_GROUND: [
                    CallbackQueryHandler(ground_pressed, pattern=r"^dfg:[a-z_]{1,30}$"),
                    expect_button(),
                ],
                DEFER_TEXT: [expect_text(explanation_typed)],
                DEFER_CONFIRM: [
                    CallbackQueryHandler(defer_confirmed, pattern=r"^dfc:send$"),
                    expect_button(),
                ],
            },
            CallbackQueryHandler(defer_command, pattern=rf"^defer:{REF_DATA}$"),
        ),
        conversation(
            _COMPLAIN_DRAFT,
            private_command("complain", complain_command),
            {
                COMPLAIN_TEXT: [expect_text(complaint_typed)],
                COMPLAIN_CONFIRM: [
                    CallbackQueryHandler(complaint_confirmed, pattern=r"^cpc:send$"),
                    expect_button(),
                ],
            },
        ),
        conversation(
            _COMMENTS_DRAFT,
            private_command("comments", comments_command),
            {
                COMMENTS_TEXT: [
                    expect_text(comments_typed),
                    MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL, comments_document),
                    MessageHandler(
                        filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.TEXT & ~filters.Document.ALL,
                        comments_not_a_document,
                    ),
                ],
                COMMENTS_CONFIRM: [
                    CallbackQueryHandler(comments_confirmed, pattern=r"^cmc:send$"),
                    expect_button(),
                ],
            },
        ),
        private_command("notify", notify_command),
        CallbackQueryHandler(notify_pressed, pattern=rf"^ntf:{REF_DATA}$"),
        conversation(
            _DECIDE_DRAFT,
            CallbackQueryHandler(request_pressed, pattern=r"^req:"),
            {DECIDE_TEXT: [expect_text(decision_typed)]},
        ),
    ]


#: For handlers/request_copies.py, which says a copy again once its request has moved on.
describe_copy = describe_for
who_is = _who
#: For handlers/deferral_withdraw.py: an event sent as a press would send it.
send_event = _send
