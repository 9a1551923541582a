"""/cases (my cases, each with its next deadline) and /case REF (everything recorded on one case)."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.context import Handler, InspectContext
from handlers.parsing import REF_DATA, command_text, parse_ref
from handlers.people import current_person, drop_buttons, reply
from handlers.render import (
    case_keyboard,
    case_title,
    deadline_line,
    event_label,
    is_mine,
    kind_name,
    paginate,
    relative,
    when,
    which_case,
)
from handlers.timeline import case_timeline, upcoming
from store.errors import NotFound
from store.models import Case, Person
from workflows.dates import format_date
from workflows.kinds import get_kind

#: Button data "case:<ref>" shows one case.
_PREFIX = "case"


async def list_cases(update: Update, context: InspectContext) -> None:
    person = await current_person(update, context)
    if person is None:
        return
    services = context.services
    cases = await services.db.cases.list_for(person)
    if not cases:
        await reply(
            update,
            "You have no cases yet." + (" Start one with /newcase." if person.role != "provider" else ""),
        )
        return
    today = services.today()
    lines = []
    for case in cases:
        nxt = upcoming(case, services.calendar, today)
        tail = "nothing left to do"
        if nxt is not None:
            away = relative(nxt.due_until or nxt.due, today, services.calendar)
            tail = f"next: {escape(nxt.label)}, {escape(when(nxt))} ({away})"
        status = " (closed)" if case.status == "closed" else ""
        lines.append(f"• <b>{case_title(case)}</b>{status}, {kind_name(case.kind)}: {tail}")
    for page in paginate(lines, f"Your cases ({len(cases)}):"):
        await reply(update, page)


def describe_case(case: Case, person: Person, context: InspectContext) -> list[str]:
    """Everything recorded on a case, then its whole timeline, as lines."""
    services = context.services
    today = services.today()
    kind = get_kind(case.kind)
    lines = [f"<b>{case_title(case)}</b>", f"Inspection: {escape(kind.name)}"]
    if case.setting.urn:
        lines.append(f"URN: {escape(case.setting.urn)}")
    if case.planned_start:
        lines.append(f"Planned on site from: {format_date(case.planned_start)}")
    if case.planned_end:
        lines.append(f"Planned last on-site day: {format_date(case.planned_end)}")
    lines.append(f"Status: {escape(case.status)}")
    if case.judgement:
        lines.append(f"Judgement: {escape(case.judgement.replace('_', ' '))}")
    if kind.uses_concerns:
        lines.append(f"Serious or widespread concerns: {'yes' if case.concerns else 'no'}")
    if case.members:
        people = ", ".join(f"{escape(m.display_name)} ({escape(str(m.role))})" for m in case.members)
        lines.append(f"People: {people}")
    if case.events:
        lines.append("")
        lines.append("<b>Recorded</b>")
        lines += [
            f"• {escape(event_label(case.kind, key))}: {format_date(day)}"
            for key, day in sorted(case.events.items(), key=lambda kv: kv[1])
        ]
    lines.append("")
    lines.append("<b>Deadlines</b>")
    for deadline in case_timeline(case, services.calendar):
        lines.append(deadline_line(deadline, today, services.calendar, is_mine(deadline, person.role)))
        lines.append(f"   <i>{escape(deadline.rule)}</i>")
    return lines


async def show_case(update: Update, context: InspectContext) -> None:
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    text = command_text(update.effective_message.text or "")
    if not text.strip():
        await _ask_which(update, context, person)
        return
    ref = parse_ref(text)
    if ref is None:
        await reply(
            update, "Which case? Send /case followed by its number, for example <code>/case 12</code>."
        )
        return
    await _send_case(update, context, person, ref)


async def _ask_which(update: Update, context: InspectContext, person: Person) -> None:
    """/case on its own: one case is shown at once, several are offered as buttons."""
    cases = await context.services.db.cases.list_for(person)
    if not cases:
        await reply(update, "You have no cases yet.")
        return
    if len(cases) == 1:
        await _send_case(update, context, person, cases[0].ref)
        return
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        which_case("Which case?", cases, "/case 12"),
        reply_markup=case_keyboard(cases, _PREFIX),
        do_quote=False,
    )


async def case_pressed(update: Update, context: InspectContext) -> None:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None or query.data is None:
        return
    await query.answer()
    await drop_buttons(update)
    await _send_case(update, context, person, int(query.data.split(":")[1]))


async def _send_case(update: Update, context: InspectContext, person: Person, ref: int) -> None:
    try:
        case = await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    for page in paginate(describe_case(case, person, context)):
        await reply(update, page)


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("cases", list_cases, filters=private),
        CommandHandler("case", show_case, filters=private),
        CallbackQueryHandler(case_pressed, pattern=rf"^{_PREFIX}:{REF_DATA}$"),
    ]
