"""/due and questions in plain words: 'when is the draft due?', 'is anything overdue?'."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.cases import list_cases
from handlers.context import Handler, InspectContext
from handlers.parsing import REF_DATA, command_text, parse_ref
from handlers.people import current_person, drop_buttons, reply
from handlers.render import (
    case_keyboard,
    case_title,
    deadline_answer,
    deadline_line,
    is_mine,
    paginate,
    which_case,
)
from handlers.start import help_text
from handlers.timeline import case_timeline, late
from store.errors import NotFound
from store.models import Case, Person
from workflows.kinds import get_kind
from workflows.questions import Intent, Question, parse_question

_EXAMPLES = (
    "You can ask things like <i>when is the draft due?</i>, <i>what's the complaint deadline for #12?</i> "
    "or <i>is anything overdue?</i>, or send /help."
)
#: Button data: "due:<ref>" shows a case's deadlines, "ask:<key>:<ref>" answers one milestone,
#: "qcase:<ref>" picks the case for the question kept in user_data under _PENDING.
_DUE = "due"
_ASK = "ask"
_CASE_FOR_QUESTION = "qcase"
_PENDING = "pending_question"


async def _open_cases(person: Person, context: InspectContext) -> list[Case]:
    return [c for c in await context.services.db.cases.list_for(person) if c.status == "open"]


async def due_command(update: Update, context: InspectContext) -> None:
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    text = command_text(update.effective_message.text or "").strip()
    if text:
        ref = parse_ref(text)
        if ref is None:
            await reply(
                update, f"I couldn't read '{escape(text[:40])}' as a case number. Try <code>/due 12</code>."
            )
            return
        await _send_due(update, context, person, ref)
        return
    cases = await _open_cases(person, context)
    if not cases:
        await reply(update, "You have no open cases.")
    elif len(cases) == 1:
        await _send_due(update, context, person, cases[0].ref)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            which_case("Which case?", cases, "/due 12"),
            reply_markup=case_keyboard(cases, _DUE),
            do_quote=False,
        )


async def due_pressed(update: Update, context: InspectContext) -> None:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None or query.data is None:
        return
    await query.answer()
    await _send_due(update, context, person, int(query.data.split(":")[1]), edit=True)


async def _send_due(
    update: Update, context: InspectContext, person: Person, ref: int, edit: bool = False
) -> None:
    services = context.services
    try:
        case = await services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    today = services.today()
    rows = [d for d in case_timeline(case, services.calendar) if d.recorded is None]
    if not rows:
        pages = [f"Nothing is left to do on {case_title(case)}."]
    else:
        lines = [deadline_line(d, today, services.calendar, is_mine(d, person.role)) for d in rows]
        pages = paginate(lines, f"Deadlines still to come on <b>{case_title(case)}</b>:")
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        await query.edit_message_text(pages[0], parse_mode="HTML")
        pages = pages[1:]
    for page in pages:
        await reply(update, page)


async def question(update: Update, context: InspectContext) -> None:
    """Free text: work out what is asked and about which case; ask back with buttons when unsure."""
    message = update.effective_message
    if message is None or not message.text:
        return
    person = await current_person(update, context)
    if person is None:
        return
    asked = parse_question(message.text)
    if asked.intent == Intent.HELP:
        await reply(update, help_text(person))
    elif asked.intent == Intent.CASES:
        await list_cases(update, context)
    elif asked.intent == Intent.OVERDUE:
        await _overdue(update, context, person, asked.case_ref)
    elif asked.intent in (Intent.DEADLINE, Intent.NEXT):
        await _deadline_question(update, context, person, asked, message.text)
    else:
        await reply(update, "I didn't catch that. " + _EXAMPLES)


async def _deadline_question(
    update: Update, context: InspectContext, person: Person, asked: Question, text: str
) -> None:
    if asked.case_ref is not None:
        try:
            case = await context.services.db.cases.get(person, asked.case_ref)
        except NotFound as exc:
            await reply(update, escape(str(exc)) + " Send /cases to see yours.")
            return
        cases = [case]
    else:
        cases = await _open_cases(person, context)
    if not cases:
        await reply(update, "You have no open cases to ask about.")
        return
    if len(cases) > 1:
        assert context.user_data is not None and update.effective_message is not None
        context.user_data[_PENDING] = text[:500]  # answered once the person picks the case
        await update.effective_message.reply_text(
            which_case("Which case do you mean?", cases, "when is the draft due for #12?"),
            reply_markup=case_keyboard(cases, _CASE_FOR_QUESTION),
            do_quote=False,
        )
        return
    await _about_case(update, context, person, cases[0], text)


async def case_for_question(update: Update, context: InspectContext) -> None:
    """The case was picked from buttons: answer the question that was waiting for it."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None or query.data is None:
        return
    assert context.user_data is not None
    text = context.user_data.pop(_PENDING, None)
    if text is None:
        await query.answer("That question has already been answered. Please ask again.", show_alert=True)
        return
    await query.answer()
    try:
        case = await context.services.db.cases.get(person, int(query.data.split(":")[1]))
    except NotFound as exc:
        await reply(update, escape(str(exc)))
        return
    await drop_buttons(update)
    await _about_case(update, context, person, case, str(text))


async def _about_case(update: Update, context: InspectContext, person: Person, case: Case, text: str) -> None:
    """Answer a deadline question about one case, or offer the likely meanings when unsure."""
    asked = parse_question(text)
    keys = {m.key for m in get_kind(case.kind).milestones}
    narrowed = parse_question(text, keys)
    if narrowed.intent == Intent.NEXT or not narrowed.matches:
        if narrowed.unavailable:
            missing = " or ".join(key.replace("_", " ") for key in narrowed.unavailable)
            await reply(
                update,
                f"There is no {escape(missing)} deadline in a {escape(get_kind(case.kind).name.lower())} "
                f"({case_title(case)}). Send <code>/due {case.ref}</code> to see the deadlines it has.",
            )
            return
        if asked.intent == Intent.DEADLINE and not narrowed.matches:
            await reply(
                update, f"That isn't a deadline for {case_title(case)}'s kind of inspection. " + _EXAMPLES
            )
            return
        await _answer(update, context, person, case, None)
    elif narrowed.confident:
        await _answer(update, context, person, case, narrowed.matches[0].key)
    else:
        labels = {m.key: m.label for m in get_kind(case.kind).milestones}
        rows = [
            [InlineKeyboardButton(labels[m.key], callback_data=f"{_ASK}:{m.key}:{case.ref}")]
            for m in narrowed.matches[:4]
        ]
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Which do you mean?", reply_markup=InlineKeyboardMarkup(rows), do_quote=False
        )


async def ask_pressed(update: Update, context: InspectContext) -> None:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None or query.data is None:
        return
    await query.answer()
    _, key, ref = query.data.split(":")
    try:
        case = await context.services.db.cases.get(person, int(ref))
    except NotFound as exc:
        await reply(update, escape(str(exc)))
        return
    await _answer(update, context, person, case, key or None, edit=True)


async def _answer(
    update: Update, context: InspectContext, person: Person, case: Case, key: str | None, edit: bool = False
) -> None:
    """One deadline (or, with no key, the next one) in one short message."""
    services = context.services
    today = services.today()
    timeline = case_timeline(case, services.calendar)
    if key is None:
        pending = [d for d in timeline if d.recorded is None]
        mine = [d for d in pending if is_mine(d, person.role)]
        chosen = (mine or pending)[:1]
        if not chosen:
            text = f"Nothing is left to do on {case_title(case)}."
        else:
            text = deadline_answer(case, chosen[0], today, services.calendar)
    else:
        found = [d for d in timeline if d.key == key]
        if found:
            text = deadline_answer(case, found[0], today, services.calendar)
        else:
            labels = {m.key: m.label for m in get_kind(case.kind).milestones}
            text = (
                f"There is no {escape(labels.get(key, key).lower())} deadline for {case_title(case)} as "
                "things stand: it applies only after a particular outcome (for example an inadequate "
                "judgement)."
            )
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        await query.edit_message_text(text, parse_mode="HTML")
    else:
        await reply(update, text)


async def _overdue(update: Update, context: InspectContext, person: Person, ref: int | None) -> None:
    services = context.services
    today = services.today()
    if ref is not None:
        try:
            cases = [await services.db.cases.get(person, ref)]
        except NotFound as exc:
            await reply(update, escape(str(exc)))
            return
    else:
        cases = await _open_cases(person, context)
    lines = []
    for case in cases:
        for d in late(case, services.calendar, today):
            lines.append(
                f"<b>{case_title(case)}</b> "
                + deadline_line(d, today, services.calendar, is_mine(d, person.role))
            )
    if not lines:
        await reply(update, "Nothing is overdue.")
        return
    for page in paginate(lines, f"Overdue ({len(lines)}):"):
        await reply(update, page)


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("due", due_command, filters=private),
        CallbackQueryHandler(due_pressed, pattern=rf"^{_DUE}:{REF_DATA}$"),
        CallbackQueryHandler(ask_pressed, pattern=rf"^{_ASK}:[a-z_]*:{REF_DATA}$"),
        CallbackQueryHandler(case_for_question, pattern=rf"^{_CASE_FOR_QUESTION}:{REF_DATA}$"),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, question),
    ]
