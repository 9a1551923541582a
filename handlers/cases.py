"""/cases (my cases, each with its next deadline) and /case REF (everything recorded on one case)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.buttons import CaseButton
from handlers.context import Handler, InspectContext
from handlers.lists import ListName, ListSpec, narrowed_title, send
from handlers.notify_button import notify_keyboard
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, drop_buttons, pressed_case, reply
from handlers.reminder_buttons import ReminderOpen
from handlers.render import (
    case_keyboard,
    case_title,
    closed_because,
    deadline_line,
    event_label,
    history_line,
    history_people,
    paginate,
    quoted,
    rule_line,
    single_individual_line,
    which_case,
)
from handlers.timeline import hidden, visible_timeline
from store.consistency import case_dates
from store.errors import NotFound
from store.lists import CaseFilter, CaseRef
from store.models import AuditEntry, Case, CaseStatus, Person, Role
from workflows.audience import is_mine, nothing_dated, planned_for, sees_sources
from workflows.dates import format_date
from workflows.kinds import KINDS, get_kind, single_individual_matters
from workflows.names import typed, words
from workflows.start_warnings import timeline_warnings


class ShowCase(CaseButton):
    """A case picked from a keyboard: everything recorded on it ("case:<ref>")."""

    prefix = "case"


async def list_cases(update: Update, context: InspectContext) -> None:
    """/cases: one page of open cases with what to chase next, soonest first; `/cases closed`; and
    `/cases overdue`, a manager's `/cases inspector NAME` and `/cases kind KIND` to narrow it."""
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    text = " ".join(command_text(update.effective_message.text or "").split())
    word, _, rest = text.partition(" ")
    word = word.lower()
    spec = ListSpec(ListName.OPEN)
    title = ""
    if word == "closed" and not rest:
        spec = ListSpec(ListName.CLOSED)
    elif word == "overdue" and not rest:
        spec = ListSpec(ListName.OPEN, CaseFilter(overdue=True))
    elif word in ("inspector", "kind") and rest:
        if person.role is not Role.MANAGER:
            await reply(update, "Only managers can narrow the list by inspector or kind.")
            return
        if word == "kind":
            kind = rest.lower()
            if kind not in KINDS:
                await reply(
                    update, f"I don't know the kind '{quoted(rest)}'. Kinds: {', '.join(sorted(KINDS))}."
                )
                return
            spec = ListSpec(ListName.OPEN, CaseFilter(kind=kind))
        else:
            found = await context.services.db.people.inspectors_named(rest)
            if not found:
                await reply(update, f"I can't find an inspector called '{quoted(rest)}'.")
                return
            if len(found) > 1:
                names = ", ".join(escape(p.display_name) for p in found)
                await reply(
                    update, f"Several inspectors match '{quoted(rest)}': {names}. Give more of the name."
                )
                return
            spec = ListSpec(ListName.OPEN, CaseFilter(inspector_id=found[0].id))
    elif word:
        await reply(
            update,
            f"I can list your open cases (/cases), closed ones (/cases closed) or those with something "
            f"overdue (/cases overdue), not '{quoted(text)}'."
            + (
                " Managers can also narrow by inspector or kind: <code>/cases inspector Ann</code>, "
                "<code>/cases kind ch-full</code>."
                if person.role is Role.MANAGER
                else ""
            ),
        )
        return
    if spec.name is ListName.OPEN and spec.narrow != CaseFilter():
        title = await narrowed_title(context, spec.narrow)
    await send(update, context, person, spec, title)


async def find_cases(context: InspectContext, person: Person, text: str) -> list[CaseRef]:
    """A case by its number ('12', '#12') or by its setting's name among the person's open cases: the
    names are narrowed in SQL (every typed word in the name), then matched by workflows.names."""
    ref = parse_ref(text)
    if ref is not None:
        try:
            case = await context.services.db.cases.get(person, ref)
        except NotFound:
            return []
        return [CaseRef(case.id, case.ref, case.kind, case.setting.name, case.status)]
    candidates = await context.services.db.lists.named(person, words(text), every=True)
    refs = set(typed(text, {c.ref: c.setting_name for c in candidates}))
    return [c for c in candidates if c.ref in refs]


def describe_case(
    case: Case,
    person: Person,
    context: InspectContext,
    history: list[AuditEntry] | None = None,
    names: Mapping[int, str] | None = None,
) -> list[str]:
    """Everything recorded on a case, then its whole timeline, as lines."""
    services = context.services
    today = services.today()
    kind = get_kind(case.kind)
    lines = [f"<b>{case_title(case)}</b>", f"Inspection: {escape(kind.name)}"]
    if case.setting.urn:
        lines.append(f"URN: {escape(case.setting.urn)}")
    # A provider is not told the planned days of a visit kept from them (workflows.audience).
    concealed = hidden(case, person, services.calendar, today)
    start, end = planned_for(person.role, kind, case_dates(case), today, services.calendar)
    if start:
        lines.append(f"Planned on site from: {format_date(start)}")
    if end:
        lines.append(f"Planned last on-site day: {format_date(end)}")
    lines.append("Status: " + (closed_because(case) if case.status == CaseStatus.CLOSED else "open"))
    if case.judgement:
        lines.append(f"Judgement: {escape(case.judgement.replace('_', ' '))}")
    if kind.uses_concerns:
        lines.append(f"Serious or widespread concerns: {'yes' if case.concerns else 'no'}")
    if single_individual_matters(case.kind):
        lines.append(single_individual_line(case.single_individual))
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
    if concealed:
        lines.append(escape(nothing_dated(kind)))
    for deadline in visible_timeline(case, person, services.calendar, today):
        lines.append(deadline_line(deadline, today, services.calendar, is_mine(person.role, deadline)))
        lines.append(f"   <i>{rule_line(deadline.rule, deadline.source, person.role)}</i>")
    notes = timeline_warnings(get_kind(case.kind), case_dates(case), services.calendar)
    if notes and sees_sources(person.role):  # they cite seed lines: for Ofsted staff
        lines += ["", *[f"⚠️ {escape(note)}" for note in notes]]
    if history and sees_sources(person.role):
        lines += ["", "<b>History</b>", *[history_line(case, entry, names) for entry in history[-10:]]]
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
    if ref is not None:
        await _send_case(update, context, person, ref)
        return
    cases = await find_cases(context, person, text)
    if not cases:
        await reply(
            update,
            f"I can't find an open case called '{quoted(text)}'. Send /case followed by its number, for "
            "example <code>/case 12</code>, or /cases closed for closed ones.",
        )
    elif len(cases) == 1:
        await _send_case(update, context, person, cases[0].ref)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            which_case("Which one?", cases, "/case 12"),
            reply_markup=case_keyboard(cases, ShowCase.at),
            do_quote=False,
        )


async def _ask_which(update: Update, context: InspectContext, person: Person) -> None:
    """/case on its own: one case is shown at once, several are offered as buttons."""
    cases = await context.services.db.lists.pick(person)
    if not cases.total:
        await reply(update, "You have no open cases. Send <code>/case 12</code> for a closed one.")
        return
    if cases.total == 1:
        await _send_case(update, context, person, cases.items[0].ref)
        return
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        which_case("Which case?", cases.items, "/case 12", cases.total),
        reply_markup=case_keyboard(cases.items, ShowCase.at),
        do_quote=False,
    )


async def case_pressed(update: Update, context: InspectContext) -> None:
    pressed = await pressed_case(update, context, ShowCase)
    if pressed is None:
        return
    await drop_buttons(update)
    await _send_case(update, context, *pressed)


async def reminder_open_pressed(update: Update, context: InspectContext) -> None:
    """A reminder's Open case button: the case as /case shows it, the reminder left as it is."""
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return
    await query.answer()
    await _send_case(update, context, person, ReminderOpen.of(update).ref)


async def _send_case(update: Update, context: InspectContext, person: Person, ref: int) -> None:
    try:
        case = await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    history = await context.services.db.audit.for_case(person, ref)
    names = await context.services.db.people.names(history_people(history[-10:]))
    pages = paginate(describe_case(case, person, context, history, names))
    for page in pages[:-1]:
        await reply(update, page)
    # The inspector's 'notified today' button, under the last page.
    assert update.effective_message is not None
    markup = await notify_keyboard(context.services, person, case)
    await update.effective_message.reply_html(pages[-1], reply_markup=markup, do_quote=False)


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("cases", list_cases, filters=private),
        CommandHandler("case", show_case, filters=private),
        ShowCase.handler(case_pressed),
        ReminderOpen.handler(reminder_open_pressed),
    ]
