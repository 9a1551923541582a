"""/record: what happened on a case (visit ended, draft sent, judgement...), and what that changed.

One-line forms: /record 12 draft_report 2/3/2026, /record 12 judgement inadequate, /record 12 concerns yes;
/record 12 asks what happened on #12, step by step.

What is possible but odd is asked first (handlers.recorder: `ask_first`, its Yes / No buttons).
"""

from __future__ import annotations

from html import escape
from typing import Literal

from pydantic import ConfigDict, Field
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from handlers.button_fields import Ref, Word
from handlers.buttons import Button
from handlers.context import Handler, InspectContext
from handlers.conversation import begin, conversation, expect_button, expect_text, private_command
from handlers.drafts import Draft
from handlers.parsing import ArgumentError, command_text, parse_ref, split_args
from handlers.people import current_person, drop_buttons, reply
from handlers.recorder import ALIASES, Key, RecordNo, RecordYes, apply, ask_first
from handlers.render import button_text, case_keyboard, case_title, quoted, which_case
from store.consistency import case_dates
from store.errors import NotFound
from store.models import Case, Person, Role
from workflows.dates import format_date, parse_date
from workflows.deadlines import on_site_days
from workflows.errors import DateParseError
from workflows.kinds import COMPLAINT_MADE, get_kind
from workflows.recording import CONCERNS, JUDGEMENT, Nature, after_visit, recordable, recordables
from workflows.visit import ended

CHOOSE_CASE, CHOOSE_WHAT, TYPE_DATE, CHOOSE_GRADE = range(4)
_DRAFT = "record"


class RecordCase(Button):
    """Which case (when the person has several open)."""

    prefix = "rec"
    step: Literal["case"] = "case"
    ref: Ref


class RecordWhat(Button):
    """What happened: a recordable key of the case's kind (checked against the kind when pressed)."""

    prefix = "rec"
    step: Literal["what"] = "what"
    key: Key


class RecordDay(Button):
    prefix = "rec"
    step: Literal["day"] = "day"
    day: Literal["today", "yesterday"]


class RecordGrade(Button):
    """The judgement (a grade of the kind) or, for concerns, yes / no."""

    prefix = "rec"
    step: Literal["grade"] = "grade"
    grade: Word  # a grade of the kind (lower case words joined by "_"), or yes / no for concerns


class RecordDraft(Draft):
    """The case chosen, then what happened on it (stored as "key", as before: `Draft.key` is the
    conversation's name, so the field has another)."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, serialize_by_alias=True)

    key = _DRAFT
    ref: int | None = None
    happened: str | None = Field(default=None, alias="key")

    def case_ref(self) -> int:
        """The case chosen (every step after the first has one)."""
        if self.ref is None:
            raise LookupError("the /record draft has no case")
        return self.ref

    def what(self) -> str:
        """What happened (every step after "what happened?" has it)."""
        if self.happened is None:
            raise LookupError("the /record draft has no key")
        return self.happened


_USAGE = (
    "One line: <code>/record 12 draft_report 2/3/2026</code>, <code>/record 12 judgement good</code> or "
    "<code>/record 12 concerns yes</code>. Or send /record on its own and I'll ask."
)


def _chose(context: InspectContext, ref: int) -> None:
    """The case is chosen: the draft starts from it."""
    RecordDraft(ref=ref).save(context)


async def record(update: Update, context: InspectContext) -> int:
    refusal = "Only the inspector on a case or a manager can record what happened."
    message = update.effective_message
    words = command_text((message.text or "") if message is not None else "").split()
    if len(words) == 1 and parse_ref(words[0]) is not None:
        return await _record_on(update, context, refusal, parse_ref(words[0]) or 0)
    person = await begin(update, context, draft_key=_DRAFT, refusal=refusal, one_line=_one_line)
    if person is None:
        return ConversationHandler.END
    assert message is not None
    cases = await context.services.db.lists.pick(person)
    if not cases.total:
        await reply(update, "You have no open cases.")
        return ConversationHandler.END
    if cases.total == 1:
        only = await context.services.db.cases.get(person, cases.items[0].ref)
        _chose(context, only.ref)
        await _ask_what(update, context, only)
        return CHOOSE_WHAT
    await message.reply_text(
        which_case(
            "Which case? (Send /cancel at any time to stop.)",
            cases.items,
            "/record 12 end today",
            cases.total,
        ),
        reply_markup=case_keyboard(cases.items, lambda ref: RecordCase(ref=ref)),
        do_quote=False,
    )
    return CHOOSE_CASE


async def _record_on(update: Update, context: InspectContext, refusal: str, ref: int) -> int:
    """`/record 12` (what /help's "What you can do now" offers): step by step, on that case, from "what
    happened?"."""
    person = await current_person(update, context)
    if person is None:
        return ConversationHandler.END
    if person.role == Role.PROVIDER:
        await reply(update, refusal)
        return ConversationHandler.END
    RecordDraft().save(context)  # a fresh draft, as begin() starts one
    try:
        case = await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return ConversationHandler.END
    _chose(context, case.ref)
    await _ask_what(update, context, case)
    return CHOOSE_WHAT


async def case_chosen(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    try:
        case = await context.services.db.cases.get(person, RecordCase.of(update).ref)
    except NotFound as exc:
        await query.edit_message_text(escape(str(exc)), parse_mode="HTML")
        return ConversationHandler.END
    _chose(context, case.ref)
    await _ask_what(update, context, case)
    return CHOOSE_WHAT


async def _ask_what(update: Update, context: InspectContext, case: Case) -> None:
    """The things that can be recorded now: before the visit has ended, not the report's steps, a
    complaint or the outcome (the store refuses them then too; a forged press is refused there)."""
    kind = get_kind(case.kind)
    services = context.services
    dates = case_dates(case)
    later: set[str] = set()
    if not ended(kind, dates, services.today(), services.calendar):
        later = {*after_visit(kind), COMPLAINT_MADE, JUDGEMENT, CONCERNS}
    rows = [
        [RecordWhat(key=item.key).button(button_text(item.label))]
        for item in recordables(kind)
        # the first on-site day is planned with /edit, or is the day it started
        if item.key != "start" and item.key not in later
    ]
    text = f"What happened on <b>{case_title(case)}</b>?"
    if later:
        last = on_site_days(kind, dates, services.calendar)[1]
        text += (
            "\nThe report's steps, a complaint and the outcome can be recorded once the visit has ended "
            f"(its last on-site day is {format_date(last)})."
        )
    markup = InlineKeyboardMarkup(rows)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_html(text, reply_markup=markup, do_quote=False)


async def what_chosen(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return ConversationHandler.END
    key = RecordWhat.of(update).key
    draft = RecordDraft.read(context)
    try:
        case = await context.services.db.cases.get(person, draft.case_ref())
    except NotFound as exc:
        await query.answer()
        await query.edit_message_text(escape(str(exc)), parse_mode="HTML")
        return ConversationHandler.END
    item = recordable(get_kind(case.kind), key)
    if item is None:
        # Not a button this step offered (a forged press): keep the step, change nothing.
        await query.answer("That button has expired. Please choose again.", show_alert=True)
        return CHOOSE_WHAT
    await query.answer()
    draft.happened = key
    draft.save(context)
    kind = get_kind(case.kind)
    if key == JUDGEMENT:
        rows = [[RecordGrade(grade=g).button(button_text(kind.grade_label(g)))] for g in kind.grades]
        await query.edit_message_text("What was the judgement?", reply_markup=InlineKeyboardMarkup(rows))
        return CHOOSE_GRADE
    if key == CONCERNS:
        rows = [
            [
                RecordGrade(grade="yes").button("Yes, serious or widespread concerns"),
                RecordGrade(grade="no").button("No"),
            ]
        ]
        await query.edit_message_text(
            "Were there serious or widespread concerns?", reply_markup=InlineKeyboardMarkup(rows)
        )
        return CHOOSE_GRADE
    if item.nature is Nature.SET:
        await query.edit_message_text(
            f"{escape(item.label)}: what date was set? Type it (e.g. 15/1/2027).", parse_mode="HTML"
        )
        return TYPE_DATE
    rows = [[RecordDay(day="today").button("Today"), RecordDay(day="yesterday").button("Yesterday")]]
    await query.edit_message_text(
        f"{escape(item.label)}: on what date? Press a button or type it (e.g. 3/3/2026).",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(rows),
    )
    return TYPE_DATE


async def date_typed(update: Update, context: InspectContext) -> int:
    message = update.effective_message
    assert message is not None
    person = await current_person(update, context)
    if person is None:
        return ConversationHandler.END
    try:
        day = parse_date(message.text or "", context.services.today())
    except DateParseError as exc:
        await reply(update, escape(str(exc)))
        return TYPE_DATE
    return await _finish(update, context, person, str(day.isoformat()))


async def day_pressed(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    word = RecordDay.of(update).day
    await drop_buttons(update)
    return await _finish(update, context, person, parse_date(word, context.services.today()).isoformat())


async def grade_pressed(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    return await _finish(update, context, person, RecordGrade.of(update).grade)


async def _finish(update: Update, context: InspectContext, person: Person, value: str) -> int:
    """Apply what the conversation gathered; a refusal keeps the step so the person can correct it."""
    draft = RecordDraft.read(context)
    ref, key = draft.case_ref(), draft.what()
    asked = await ask_first(context, person, ref, key, value)
    if asked is not None:  # the buttons carry what they confirm: the conversation is done
        await _ask(update, context, *asked)
        RecordDraft.drop(context)
        return ConversationHandler.END
    ok, text = await apply(context, person, ref, key, value)
    await reply(update, text)
    if not ok and key not in (JUDGEMENT, CONCERNS):
        return TYPE_DATE
    RecordDraft.drop(context)
    return ConversationHandler.END


async def _one_line(update: Update, context: InspectContext, person: Person, text: str) -> None:
    try:
        words = split_args(text)
    except ArgumentError as exc:
        await reply(update, escape(str(exc)))
        return
    if len(words) < 3:
        await reply(update, f"I need the case, what happened and when (or the grade). {_USAGE}")
        return
    ref = parse_ref(words[0])
    if ref is None:
        await reply(update, f"I couldn't read '{quoted(words[0])}' as a case number. {_USAGE}")
        return
    key = ALIASES.get(words[1].lower(), words[1].lower())
    rest = " ".join(words[2:])
    if key not in (JUDGEMENT, CONCERNS):
        try:
            rest = parse_date(rest, context.services.today()).isoformat()
        except DateParseError as exc:
            await reply(update, escape(str(exc)))
            return
    asked = await ask_first(context, person, ref, key, rest)
    if asked is not None:
        await _ask(update, context, *asked)
        return
    _, message = await apply(context, person, ref, key, rest)
    await reply(update, message)


async def _ask(update: Update, context: InspectContext, text: str, markup: InlineKeyboardMarkup) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML", reply_markup=markup)


async def confirm_pressed(update: Update, context: InspectContext) -> None:
    """Yes: record what the button carries, checked again as any recording."""
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return
    await query.answer()
    yes = RecordYes.of(update)
    _, text = await apply(context, person, yes.ref, yes.key, yes.day.isoformat())
    await query.edit_message_text(text, parse_mode="HTML")


async def declined_pressed(update: Update, context: InspectContext) -> None:
    """No: nothing changes."""
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return
    await query.answer()
    await query.edit_message_text("Not recorded. Nothing was changed.")


def handlers() -> list[Handler]:
    return [
        conversation(
            _DRAFT,
            private_command("record", record),
            {
                CHOOSE_CASE: [RecordCase.handler(case_chosen), expect_button()],
                CHOOSE_WHAT: [RecordWhat.handler(what_chosen), expect_button()],
                TYPE_DATE: [RecordDay.handler(day_pressed), expect_text(date_typed)],
                CHOOSE_GRADE: [RecordGrade.handler(grade_pressed), expect_button()],
            },
        ),
        RecordYes.handler(confirm_pressed),
        RecordNo.handler(declined_pressed),
    ]
