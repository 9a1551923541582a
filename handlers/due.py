"""/due and questions in plain words: 'when is the draft due?', 'is anything overdue?', 'what's due this
week?', 'if the draft comes on 24/12/2026 when are my comments due?'."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from html import escape
from typing import Annotated

from pydantic import AfterValidator
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from handlers import time_answers
from handlers.button_fields import Ref
from handlers.buttons import Button, CaseButton
from handlers.cases import find_cases, list_cases
from handlers.complaint_steps import complain_question
from handlers.context import Handler, InspectContext
from handlers.conversation import user_store
from handlers.lists import ListName, ListSpec, describe, send
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, drop_buttons, pressed_case, reply
from handlers.render import (
    CASE_BUTTON_LIMIT,
    button_text,
    case_keyboard,
    case_title,
    deadline_answer,
    deadline_line,
    paginate,
    quoted,
    relative,
    when,
    which_case,
)
from handlers.start import help_command
from handlers.timeline import hidden, visible_timeline
from store.consistency import case_dates
from store.database import Database
from store.errors import NotFound
from store.lists import CaseRef, Page
from store.models import Case, Person
from workflows.audience import is_mine, nothing_dated
from workflows.dates import find_date, format_date
from workflows.deadlines import Deadline
from workflows.errors import DateParseError, TimelineError
from workflows.kinds import get_kind
from workflows.names import in_text, search_words
from workflows.questions import Intent, Question, named_part, parse_question
from workflows.recording import recordables
from workflows.whatif import recompute, split, supposed_event

_EXAMPLES = (
    "You can ask things like <i>when is the draft due?</i>, <i>what's the complaint deadline for #12?</i>, "
    "<i>what's due this week?</i>, <i>what's due in March?</i>, <i>when is the inspection?</i>, "
    "<i>can I defer?</i>, <i>what do I need to do?</i> or <i>is anything overdue?</i>, or send /help."
)


class DueButton(CaseButton):
    """A case picked after /due: its deadlines still to come ("due:<ref>")."""

    prefix = "due"


class QuestionCase(CaseButton):
    """The case picked for the question kept waiting (`_keep_question`), which it then answers."""

    prefix = "qcase"


_KEY_LETTERS = frozenset(string.ascii_lowercase + "_")


def _milestone_key(key: str) -> str:
    """A milestone's key as a button carries it: lower-case letters and underscores ('' for the next)."""
    if not set(key) <= _KEY_LETTERS:
        raise ValueError("not a milestone key")
    return key


class AskButton(Button):
    """One of the likely milestones offered when a question is unsure ("ask:<key>:<ref>")."""

    prefix = "ask"
    key: Annotated[str, AfterValidator(_milestone_key)]
    ref: Ref


class Unsure(Enum):
    """A question that names several milestones about equally: ask back which, with buttons."""

    ASK_BACK = "ask back"


#: Where a question waiting for its case is kept in user_data (persisted: plain text).
_PENDING = "pending_question"


def _keep_question(context: InspectContext, text: str) -> None:
    """Keep the question until the person picks its case (`QuestionCase`)."""
    user_store(context)[_PENDING] = text[:500]


def _take_question(context: InspectContext) -> str | None:
    """The question kept for a picked case, taken (it is answered once); None when there is none."""
    text = user_store(context).pop(_PENDING, None)
    return None if text is None else str(text)


async def due_command(update: Update, context: InspectContext) -> None:
    """/due 12, /due oak house, or /due alone (one case at once; several offered as buttons)."""
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    text = command_text(update.effective_message.text or "").strip()
    ref = parse_ref(text)
    if ref is not None:
        try:
            case = await context.services.db.cases.get(person, ref)
        except NotFound as exc:
            await reply(update, escape(str(exc)) + " Send /cases to see yours.")
            return
        await _send_due(update, context, person, case)
        return
    if text:
        found = await find_cases(context, person, text)
        cases, total = found[:CASE_BUTTON_LIMIT], len(found)
    else:
        page = await context.services.db.lists.pick(person)
        cases, total = page.items, page.total
    if text and not cases:
        await reply(
            update, f"I can't find a case '{quoted(text)}' among yours. Try <code>/due 12</code> or /cases."
        )
    elif not cases:
        await reply(update, "You have no open cases.")
    elif total == 1:
        await _send_due(update, context, person, await context.services.db.cases.get(person, cases[0].ref))
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            which_case("Which case?", cases, "/due 12", total),
            reply_markup=case_keyboard(cases, DueButton.at),
            do_quote=False,
        )


async def due_pressed(update: Update, context: InspectContext) -> None:
    pressed = await pressed_case(update, context, DueButton)
    if pressed is None:
        return
    person, ref = pressed
    try:
        case = await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    await _send_due(update, context, person, case, edit=True)


async def _send_due(
    update: Update, context: InspectContext, person: Person, case: Case, edit: bool = False
) -> None:
    services = context.services
    today = services.today()
    rows = [d for d in visible_timeline(case, person, services.calendar, today) if d.open_on(today)]
    if hidden(case, person, services.calendar, today):
        pages = [f"{case_title(case)}: {escape(nothing_dated(get_kind(case.kind)))}"]
    elif not rows:
        pages = [f"Nothing is left to do on {case_title(case)}."]
    else:
        lines = [deadline_line(d, today, services.calendar, is_mine(person.role, d)) for d in rows]
        pages = paginate(lines, f"Deadlines still to come on <b>{case_title(case)}</b>:")
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        await query.edit_message_text(pages[0], parse_mode="HTML")
        pages = pages[1:]
    for page in pages:
        await reply(update, page)


#: Intents that a case number in the question ("#12") answers for that case alone.
_ONE_CASE = frozenset(
    {
        Intent.DEADLINE,
        Intent.NEXT,
        Intent.OVERDUE,
        Intent.PERIOD,
        Intent.WEEK,
        Intent.INSPECTION,
        Intent.DEFER,
        Intent.TODO,
    }
)
#: The per-case lists (handlers.lists.PER_CASE) answering a question across the person's cases.
_PER_CASE_LIST = {
    Intent.INSPECTION: ListName.INSPECTION,
    Intent.DEFER: ListName.DEFER,
    Intent.TODO: ListName.TODO,
}


async def question(update: Update, context: InspectContext) -> None:
    """Free text: work out what is asked and about which case; ask back with buttons when unsure."""
    message = update.effective_message
    if message is None or not message.text:
        return
    services = context.services
    asked = parse_question(message.text, today=services.today(), calendar=services.calendar)
    if asked.intent in _ONE_CASE and asked.case_ref is not None:
        found = await _asker_and_case(update, context, asked.case_ref)
        if found is None:
            return
        asker, case = found
        await _answer_for_case(update, context, asker, case, message.text, asked)
        return
    person = await current_person(update, context)
    if person is None:
        return
    if asked.intent == Intent.HELP:
        await help_command(update, context)
    elif asked.intent == Intent.CASES:
        await list_cases(update, context)
    elif asked.intent == Intent.OVERDUE:
        await _overdue(update, context, person, asked.case_ref)
    elif asked.intent == Intent.COMPLAIN:
        await complain_question(update, context, person, asked.case_ref)
    elif asked.problem:
        await reply(update, escape(asked.problem))
    elif asked.intent in (Intent.WEEK, Intent.PERIOD, *_PER_CASE_LIST):
        await _across_cases(update, context, person, message.text, asked)
    elif asked.intent in (Intent.DEADLINE, Intent.NEXT):
        await _deadline_question(update, context, person, message.text, asked)
    else:
        await reply(update, "I didn't catch that. " + _EXAMPLES)


@dataclass(frozen=True)
class _Asked:
    """What a question naming no case by number needs from the database, read in one round trip
    (`Database.read_together`, issue 23): the open cases it names, or the words that looked like a name
    when it names none of them (`missing`), the picker's page when it names none, and the cases to
    answer for (with `gone`, a case that closed or left since the list was read)."""

    named: list[CaseRef]
    missing: str | None
    page: Page[CaseRef] | None
    cases: list[Case]
    gone: NotFound | None = None


async def _named(db: Database, person: Person, text: str) -> tuple[list[CaseRef], str | None]:
    """The open cases the question names by their setting's name, and, when it names none of them, the
    words that looked like a name ("... for willow?": "willow"), else None."""
    candidates = await db.lists.named(person, search_words(text), every=False)
    named = in_text(text, {c.ref: c.setting_name for c in candidates})
    if named:
        return [c for c in candidates if c.ref in named], None
    return [], named_part(text)


async def _read_named(db: Database, person: Person, text: str) -> _Asked:
    """For a question across cases: the cases it names, read whole (those closed or left meanwhile
    skipped); the picker's page only when a name matches none."""
    named, missing = await _named(db, person, text)
    cases: list[Case] = []
    for ref in named[:CASE_BUTTON_LIMIT]:
        try:
            cases.append(await db.cases.get(person, ref.ref))
        except NotFound:  # closed or left since the list was read
            continue
    page = await db.lists.pick(person) if missing is not None else None
    return _Asked(named, missing, page, cases)


async def _read_one(db: Database, person: Person, text: str) -> _Asked:
    """For a deadline question: the cases it names, else the picker's page; and the case, read whole, when
    there is exactly one to answer for."""
    named, missing = await _named(db, person, text)
    page = None if named else await db.lists.pick(person)
    refs, total = (named, len(named)) if named or page is None else (page.items, page.total)
    if missing is not None or total != 1:
        return _Asked(named, missing, page, [])
    try:
        return _Asked(named, missing, page, [await db.cases.get(person, refs[0].ref)])
    except NotFound as exc:  # closed or left since the list was read
        return _Asked(named, missing, page, [], exc)


async def _no_such_name(
    update: Update, context: InspectContext, text: str, name: str, page: Page[CaseRef] | None
) -> None:
    """A name that matches none of the person's cases: say so, and ask which case they mean (the question
    is answered once they pick), rather than answer for another case. `page`: the picker's, read with the
    names (always, when a name matched none)."""
    assert page is not None
    said = f"No case of yours is called '{quoted(name)}'."
    if not page.total:
        await reply(update, said + " You have no open cases.")
        return
    assert update.effective_message is not None
    _keep_question(context, text)
    await update.effective_message.reply_text(
        said
        + " "
        + which_case("Which case do you mean?", page.items, "when is the draft due for #12?", page.total),
        reply_markup=case_keyboard(page.items, QuestionCase.at),
        do_quote=False,
    )


async def _across_cases(
    update: Update, context: InspectContext, person: Person, text: str, asked: Question
) -> None:
    """A time question naming no case by number: for the cases it names, else across every open case the
    person may see, one message paged like /cases (handlers.lists)."""
    db = context.services.db
    read = await db.read_together(lambda: _read_named(db, person, text))
    if read.missing is not None:
        await _no_such_name(update, context, text, read.missing, read.page)
        return
    if read.named:
        for case in read.cases:
            await _answer_for_case(update, context, person, case, text, asked)
        return
    if asked.intent == Intent.WEEK:
        await _week(update, context, person, asked.week or 0)
    elif asked.intent in _PER_CASE_LIST:
        await send(update, context, person, ListSpec(_PER_CASE_LIST[asked.intent]))
    elif asked.period is not None:
        await send(
            update, context, person, ListSpec(ListName.DUE, span=(asked.period.first, asked.period.last))
        )
    else:  # a span read without today: never from question(), which always gives it
        await reply(update, "I didn't catch that. " + _EXAMPLES)


async def _answer_for_case(
    update: Update, context: InspectContext, person: Person, case: Case, text: str, asked: Question
) -> None:
    """A question about one case, by the intent read from it."""
    services = context.services
    if asked.problem:
        await reply(update, escape(asked.problem))
    elif asked.intent == Intent.OVERDUE:
        await _overdue_on_case(update, context, person, case)
    elif asked.intent in (Intent.PERIOD, Intent.WEEK) and asked.period is not None:
        period = asked.period
        span = describe(period.first, period.last, services.today())
        lines = time_answers.period_lines(services, person, case, period)
        if not lines:
            await reply(update, f"Nothing is due on {case_title(case)} {span}.")
            return
        for page in paginate(lines, f"Due on {case_title(case)} {span} ({len(lines)}):"):
            await reply(update, page)
    elif asked.intent == Intent.INSPECTION:
        await reply(update, time_answers.inspection_text(services, person, case))
    elif asked.intent == Intent.DEFER:
        await reply(update, await time_answers.defer_text(services, person, case))
    elif asked.intent == Intent.TODO:
        await reply(update, await time_answers.todo_text(services, person, case))
    else:
        await _about_case(update, context, person, case, text, asked)


async def _asker_and_case(update: Update, context: InspectContext, ref: int) -> tuple[Person, Case] | None:
    """For a question naming its case (#12): who asks (read once for the update) and the case. None, once
    answered, when they aren't invited or the case can't be shown to them."""
    person = await current_person(update, context)
    if person is None:
        return None
    try:
        return person, await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return None


async def _deadline_question(
    update: Update, context: InspectContext, person: Person, text: str, asked: Question
) -> None:
    """A deadline question naming no case by number: by its setting's name, the only case, or ask back.
    `asked` is the reading of `text`, used when the case is known at once (a picked case reads it again)."""
    db = context.services.db
    # Cases named in the question: narrowed in SQL by the question's words, then matched by workflows.names;
    # the picker's page and the one case, read in the same round trip.
    read = await db.read_together(lambda: _read_one(db, person, text))
    if read.missing is not None:
        await _no_such_name(update, context, text, read.missing, read.page)
        return
    cases: Sequence[CaseRef]
    if read.named or read.page is None:
        cases, total = read.named, len(read.named)
    else:
        cases, total = read.page.items, read.page.total
    if not total:
        await reply(update, "You have no open cases to ask about.")
        return
    if total > 1:
        assert update.effective_message is not None
        _keep_question(context, text)  # answered once the person picks the case
        await update.effective_message.reply_text(
            which_case("Which case do you mean?", cases, "when is the draft due for #12?", total),
            reply_markup=case_keyboard(cases, QuestionCase.at),
            do_quote=False,
        )
        return
    if read.gone is not None:  # closed or left since the list was read
        await reply(update, escape(str(read.gone)))
        return
    await _about_case(update, context, person, read.cases[0], text, asked)


async def case_for_question(update: Update, context: InspectContext) -> None:
    """The case was picked from buttons: answer the question that was waiting for it."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    ref = QuestionCase.of(update).ref
    text = _take_question(context)
    if text is None:
        await query.answer("That question has already been answered. Please ask again.", show_alert=True)
        return
    await query.answer()
    try:
        case = await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)))
        return
    await drop_buttons(update)
    services = context.services
    asked = parse_question(text, today=services.today(), calendar=services.calendar)
    await _answer_for_case(update, context, person, case, text, asked)


async def _about_case(
    update: Update,
    context: InspectContext,
    person: Person,
    case: Case,
    text: str,
    asked: Question | None = None,
) -> None:
    """Answer a deadline question about one case, or offer the likely meanings when unsure.

    A date in the question is never ignored: it is a "what if", or the answer says it is not one.
    `asked` is the reading of `text` when the caller has one (None: read it here); the case's timeline is
    worked out once here and shared by the steps below. While the case's visit is kept from the
    person, nothing is worked out from its dates, a what-if included: the answer names no day.
    """
    if hidden(case, person, context.services.calendar, context.services.today()):
        await reply(update, f"{case_title(case)}: {escape(nothing_dated(get_kind(case.kind)))}")
        return
    try:
        found = find_date(text, context.services.today())
    except DateParseError as exc:
        await reply(update, escape(str(exc)))
        return
    if found is not None:
        day, start, end = found
        dated = split(text, day, start, end)
        if dated.condition is not None:
            await _what_if(update, context, person, case, dated.condition, day, dated.asked)
            return
        if dated.asked != text:  # the date was taken out: the reading was of other words
            asked = None
        text = dated.asked
    reading = asked if asked is not None else parse_question(text)
    timeline = visible_timeline(case, person, context.services.calendar, context.services.today())
    key, reason = _which_milestone(case, person, context, text, reading, timeline)
    if reason:
        await reply(update, reason)
        return
    if key is Unsure.ASK_BACK:
        await _offer_choices(update, case, person, context, text, reading, timeline)
        return
    answer = _answer_text(context, person, case, key, timeline)
    if found is not None:
        answer += (
            f"\n\n(I answered from the dates recorded on the case, not from {format_date(found[0])}. To ask "
            "what would follow from a date, say for example <i>if the draft is sent on 24/12/2026, when are "
            "comments due?</i>)"
        )
    await reply(update, answer)


def _which_milestone(
    case: Case,
    person: Person,
    context: InspectContext,
    text: str,
    reading: Question | None = None,
    timeline: Sequence[Deadline] | None = None,
) -> tuple[str | Unsure | None, str]:
    """The milestone asked about (None: the next one; `Unsure.ASK_BACK`: ask back), or a reason there is
    none.

    `reading` (of `text`) and `timeline` (the case's, as `person` sees it) are worked out here when not
    given; a caller that has them passes them so neither is worked out twice.
    """
    kind = get_kind(case.kind)
    if reading is None:
        reading = parse_question(text)
    if timeline is None:
        timeline = visible_timeline(case, person, context.services.calendar, context.services.today())
    narrowed = reading.narrowed([d.key for d in timeline])
    if narrowed.intent == Intent.DEADLINE and narrowed.matches:
        return (narrowed.matches[0].key, "") if narrowed.confident else (Unsure.ASK_BACK, "")
    if narrowed.intent != Intent.DEADLINE:
        return None, ""
    wider = reading.narrowed([m.key for m in kind.milestones])
    if wider.matches:
        label = kind.milestone(wider.matches[0].key)
        what = escape(label.label.lower()) if label else "such a"
        return None, (
            f"There is no {what} deadline for {case_title(case)} as things stand: it applies only after "
            "a particular outcome or date (for example an inadequate judgement or a compliance notice)."
        )
    if wider.unavailable:
        missing = " or ".join(key.replace("_", " ") for key in wider.unavailable)
        return None, (
            f"There is no {escape(missing)} deadline in {escape(kind.a_name)} "
            f"({case_title(case)}). Send <code>/due {case.ref}</code> to see the deadlines it has."
        )
    return None, f"That isn't a deadline for {case_title(case)}'s kind of inspection. " + _EXAMPLES


async def _offer_choices(
    update: Update,
    case: Case,
    person: Person,
    context: InspectContext,
    text: str,
    reading: Question,
    timeline: Sequence[Deadline],
) -> None:
    """Up to four likely milestones of the case as buttons; `reading` is of `text`."""
    labels = {m.key: m.label for m in get_kind(case.kind).milestones}
    rows = [
        [AskButton(key=m.key, ref=case.ref).button(button_text(labels[m.key]))]
        for m in reading.narrowed([d.key for d in timeline]).matches[:4]
    ]
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Which do you mean?", reply_markup=InlineKeyboardMarkup(rows), do_quote=False
    )


async def _what_if(
    update: Update,
    context: InspectContext,
    person: Person,
    case: Case,
    condition: str,
    day: date,
    asked_text: str,
) -> None:
    """'If the draft comes on 24/12/2026, when are my comments due?': recompute from that date, say so."""
    services = context.services
    kind = get_kind(case.kind)
    key, reason = _which_milestone(case, person, context, asked_text)
    if reason or key is None or key is Unsure.ASK_BACK:
        await reply(
            update,
            reason
            or "Ask about one deadline with the date, for example <i>if the draft is sent on 24/12/2026, "
            "when are comments due?</i>",
        )
        return
    rule = kind.milestone(key)
    event = supposed_event(condition, kind, [r.key for r in recordables(kind)])
    if event is None and rule is not None:
        event = rule.anchor
    if event is None or event == key:
        await reply(update, f"Which event do you mean happens on {format_date(day)}? " + _EXAMPLES)
        return
    try:
        timeline = recompute(kind, case_dates(case), services.calendar, event, day)
    except TimelineError as exc:
        await reply(update, escape(str(exc)))
        return
    found = [d for d in timeline if d.key == key]
    if not found:
        await reply(update, f"That date would leave no {escape(key.replace('_', ' '))} deadline.")
        return
    deadline = found[0]
    head = (
        f"If {escape(kind.event_text(event))} on {format_date(day)}, {escape(deadline.label.lower())} for "
        f"{case_title(case)} would be due <b>{escape(when(deadline))}</b> "
        f"({relative(deadline.last_day, services.today(), services.calendar)})."
    )
    text = deadline_answer(case, deadline, services.today(), services.calendar, person.role, head=head)
    await reply(update, text + "\n\nThis is a what-if: nothing was recorded on the case.")


async def ask_pressed(update: Update, context: InspectContext) -> None:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    button = AskButton.of(update)
    await query.answer()
    try:
        case = await context.services.db.cases.get(person, button.ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)))
        return
    text = _answer_text(context, person, case, button.key or None)
    if query.message is not None:
        await query.edit_message_text(text, parse_mode="HTML")


def _answer_text(
    context: InspectContext,
    person: Person,
    case: Case,
    key: str | None,
    timeline: Sequence[Deadline] | None = None,
) -> str:
    """One deadline (or, with no key, the next one: theirs first) in one short message. `timeline` is the
    case's as `person` sees it, worked out here when the caller has not already (a button press)."""
    services = context.services
    today = services.today()
    if hidden(case, person, services.calendar, today):
        return f"{case_title(case)}: {escape(nothing_dated(get_kind(case.kind)))}"
    if timeline is None:
        timeline = visible_timeline(case, person, services.calendar, today)
    if key is None:
        pending = [d for d in timeline if d.open_on(today)]
        chosen = ([d for d in pending if is_mine(person.role, d)] or pending)[:1]
        if not chosen:
            return f"Nothing is left to do on {case_title(case)}."
        return deadline_answer(case, chosen[0], today, services.calendar, person.role)
    kind = get_kind(case.kind)
    found = [d for d in timeline if d.key == key]
    if found and kind.occurrence_of(key) == (key, 1):
        # A repeating milestone (a monitoring visit for each compliance notice, 000 L1397-1399) asked by
        # its plain name: each notice's, in order, not the first alone.
        found += [d for d in timeline if d.key != key and kind.occurrence_of(d.key)[0] == key]
    if found:
        return "\n\n".join(deadline_answer(case, d, today, services.calendar, person.role) for d in found)
    labels = {m.key: m.label for m in kind.milestones}
    return (
        f"There is no {escape(labels.get(key, key).lower())} deadline for {case_title(case)} as things "
        "stand: it applies only after a particular outcome (for example an inadequate judgement)."
    )


async def _overdue(update: Update, context: InspectContext, person: Person, ref: int | None) -> None:
    """One case's missed deadlines, or a page of every open case's the person may see (handlers.lists)."""
    services = context.services
    if ref is None:
        await send(update, context, person, ListSpec(ListName.OVERDUE))
        return
    try:
        case = await services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    await _overdue_on_case(update, context, person, case)


async def _overdue_on_case(update: Update, context: InspectContext, person: Person, case: Case) -> None:
    services = context.services
    today = services.today()
    lines = [
        f"<b>{case_title(case)}</b> " + deadline_line(d, today, services.calendar, is_mine(person.role, d))
        for d in visible_timeline(case, person, services.calendar, services.today())
        if d.missed_on(today)
    ]
    if not lines:
        await reply(update, "Nothing is overdue.")
        return
    for page in paginate(lines, f"Overdue ({len(lines)}):"):
        await reply(update, page)


async def _week(update: Update, context: InspectContext, person: Person, week: int) -> None:
    """Every deadline of every open case the person may see that falls in the week, soonest first,
    one page at a time."""
    await send(update, context, person, ListSpec(ListName.THIS_WEEK if week == 0 else ListName.NEXT_WEEK))


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("due", due_command, filters=private),
        DueButton.handler(due_pressed),
        AskButton.handler(ask_pressed),
        QuestionCase.handler(case_for_question),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, question),
    ]
