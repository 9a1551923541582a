"""/record: what happened on a case (visit ended, draft sent, judgement...), and what that changed.

One-line forms: /record 12 draft_report 2/3/2026, /record 12 judgement inadequate, /record 12 concerns yes;
/record 12 asks what happened on #12, step by step.

What is possible but odd (a final report before the comments deadline, a visit longer than its kind
allows) is asked first: Yes / No buttons carry the case, the key and the date they confirm
(`rec:ok:REF:KEY:DATE`), and the recording is checked again as any other when Yes is pressed.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from handlers.context import Handler, InspectContext
from handlers.conversation import begin, conversation, draft, expect_button, expect_text, private_command
from handlers.parsing import REF_DATA, ArgumentError, command_text, parse_ref, split_args
from handlers.people import current_person, drop_buttons, reply
from handlers.render import (
    button_text,
    case_keyboard,
    case_title,
    change_line,
    event_label,
    quoted,
    which_case,
)
from handlers.timeline import case_timeline
from store.consistency import case_dates
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person, Role
from workflows import notices
from workflows.changes import diff
from workflows.dates import format_date, parse_date
from workflows.deadlines import on_site_days
from workflows.errors import DateParseError, TimelineError
from workflows.kinds import COMPLAINT_MADE, get_kind
from workflows.recording import (
    CONCERNS,
    JUDGEMENT,
    Nature,
    after_visit,
    check_record,
    record_warnings,
    recordable,
    recordables,
)
from workflows.visit import ended

CHOOSE_CASE, CHOOSE_WHAT, TYPE_DATE, CHOOSE_GRADE = range(4)
_DRAFT = "record"
_PREFIX = "rec"
_USAGE = (
    "One line: <code>/record 12 draft_report 2/3/2026</code>, <code>/record 12 judgement good</code> or "
    "<code>/record 12 concerns yes</code>. Or send /record on its own and I'll ask."
)
#: Words people use for what happened, mapped to the keys the rules use.
ALIASES = {
    "visit_ended": "end",
    "ended": "end",
    "feedback": "end",
    "started": "start",
    "draft": "draft_report",
    "draft_sent": "draft_report",
    "comments": "provider_comments",
    "comments_received": "provider_comments",
    "final": "final_report",
    "final_sent": "final_report",
    "published": "publication",
    "grade": JUDGEMENT,
    "concern": CONCERNS,
}


def _draft(context: InspectContext) -> dict[str, Any]:
    return draft(context, _DRAFT)


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
        _draft(context)["ref"] = only.ref
        await _ask_what(update, context, only)
        return CHOOSE_WHAT
    await message.reply_text(
        which_case(
            "Which case? (Send /cancel at any time to stop.)",
            cases.items,
            "/record 12 end today",
            cases.total,
        ),
        reply_markup=case_keyboard(cases.items, f"{_PREFIX}:case"),
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
    assert context.user_data is not None
    context.user_data[_DRAFT] = {}  # a fresh draft, as begin() starts one
    try:
        case = await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return ConversationHandler.END
    _draft(context)["ref"] = case.ref
    await _ask_what(update, context, case)
    return CHOOSE_WHAT


async def case_chosen(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    assert query is not None and query.data is not None
    if person is None:
        return ConversationHandler.END
    await query.answer()
    try:
        case = await context.services.db.cases.get(person, int(query.data.rsplit(":", 1)[1]))
    except NotFound as exc:
        await query.edit_message_text(escape(str(exc)), parse_mode="HTML")
        return ConversationHandler.END
    _draft(context)["ref"] = case.ref
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
        [InlineKeyboardButton(button_text(item.label), callback_data=f"{_PREFIX}:what:{item.key}")]
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
    assert query is not None and query.data is not None
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None:
        return ConversationHandler.END
    key = query.data.split(":", 2)[2]
    draft = _draft(context)
    try:
        case = await context.services.db.cases.get(person, int(draft["ref"]))
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
    draft["key"] = key
    kind = get_kind(case.kind)
    if key == JUDGEMENT:
        rows = [
            [InlineKeyboardButton(button_text(kind.grade_label(g)), callback_data=f"{_PREFIX}:grade:{g}")]
            for g in kind.grades
        ]
        await query.edit_message_text("What was the judgement?", reply_markup=InlineKeyboardMarkup(rows))
        return CHOOSE_GRADE
    if key == CONCERNS:
        rows = [
            [
                InlineKeyboardButton(
                    "Yes, serious or widespread concerns", callback_data=f"{_PREFIX}:grade:yes"
                ),
                InlineKeyboardButton("No", callback_data=f"{_PREFIX}:grade:no"),
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
    rows = [
        [
            InlineKeyboardButton("Today", callback_data=f"{_PREFIX}:day:today"),
            InlineKeyboardButton("Yesterday", callback_data=f"{_PREFIX}:day:yesterday"),
        ]
    ]
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
    assert query is not None and query.data is not None
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None:
        return ConversationHandler.END
    await query.answer()
    word = query.data.rsplit(":", 1)[1]
    await drop_buttons(update)
    return await _finish(update, context, person, parse_date(word, context.services.today()).isoformat())


async def grade_pressed(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None:
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    return await _finish(update, context, person, query.data.rsplit(":", 1)[1])


async def _finish(update: Update, context: InspectContext, person: Person, value: str) -> int:
    """Apply what the conversation gathered; a refusal keeps the step so the person can correct it."""
    draft = _draft(context)
    asked = await ask_first(context, person, int(draft["ref"]), str(draft["key"]), value)
    if asked is not None:  # the buttons carry what they confirm: the conversation is done
        await _ask(update, context, *asked)
        assert context.user_data is not None
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    ok, text = await apply(context, person, int(draft["ref"]), str(draft["key"]), value)
    await reply(update, text)
    if not ok and draft["key"] not in (JUDGEMENT, CONCERNS):
        return TYPE_DATE
    assert context.user_data is not None
    context.user_data.pop(_DRAFT, None)
    return ConversationHandler.END


async def apply(context: InspectContext, person: Person, ref: int, key: str, value: str) -> tuple[bool, str]:
    """Record one thing and say what it changed downstream. Returns (done, message)."""
    services = context.services
    db = services.db
    key = ALIASES.get(key.lower(), key.lower())
    try:
        before_case = await db.cases.get(person, ref)
        before = case_timeline(before_case, services.calendar)
        outcome = key in (JUDGEMENT, CONCERNS)
        reviews = len(await db.requests.for_case(person, ref, "case_review")) if outcome else 0
        notice = ""
        if key == JUDGEMENT and not get_kind(before_case.kind).grades:
            return False, _no_judgement(before_case)
        if key == JUDGEMENT:
            grade = "_".join(value.lower().split())
            after_case = await db.cases.set_outcome(person, ref, judgement=grade)
            unchanged = before_case.judgement == grade
            what = f"judgement: {escape(get_kind(after_case.kind).grade_label(grade).lower())}"
        elif key == CONCERNS:
            flag = _yes_no(value)
            after_case = await db.cases.set_outcome(person, ref, concerns=flag)
            unchanged = before_case.concerns == flag
            what = "serious or widespread concerns" if flag else "no serious or widespread concerns"
        else:
            day = date.fromisoformat(value)
            after_case = await db.cases.record_event(person, ref, key, day)
            key, notice = _notice(before_case, after_case, key, day)  # compliance_date may be notice 2
            unchanged = before_case.events.get(key) == day
            what = f"{escape(event_label(before_case.kind, key).lower())} on {format_date(day)}"
    except NotFound as exc:
        return False, escape(str(exc)) + " Send /cases to see yours."
    except (PermissionDenied, InvalidInput, TimelineError, ArgumentError) as exc:
        return False, escape(str(exc))
    after = case_timeline(after_case, services.calendar)
    changes = [change_line(c) for c in diff(before, after, services.calendar) if c.key != key]
    lines = [f"Recorded for <b>{case_title(after_case)}</b>: {what}."]
    if notice == _SAME_NOTICE:
        lines = [f"Already recorded for <b>{case_title(after_case)}</b>: {what}. {notice}"]
    elif unchanged:  # said as such, or /undo would seem to skip it: nothing was added to undo
        return True, f"Already recorded for <b>{case_title(after_case)}</b>: {what}. Nothing changed."
    elif notice:
        lines.append(notice)
    lines += ["", "What changed:", *changes] if changes else ["No other deadline moved."]
    if outcome and len(await db.requests.for_case(person, ref, "case_review")) > reviews:
        lines.append("The managers are prompted for the case review.")
    return True, "\n".join(lines)


def _no_judgement(case: Case) -> str:
    """A kind without grades (an assurance visit): say so, and what can be recorded instead."""
    kind = get_kind(case.kind)
    instead = (
        f" You can record whether there were serious or widespread concerns: "
        f"<code>/record {case.ref} concerns yes</code> or <code>no</code>."
        if kind.uses_concerns
        else f" Send <code>/record {case.ref}</code> to see what can be recorded."
    )
    return f"{escape(kind.name)} ({case_title(case)}) has no judgement to record.{instead}"


#: A compliance date recorded again: the same notice (or another with that date, which its visit checks).
_SAME_NOTICE = "Nothing changed: notices that share a compliance date share a monitoring visit (000 L1399)."


def _notice(before: Case, after: Case, key: str, day: date) -> tuple[str, str]:
    """The key a date went under (a further compliance date becomes compliance_date_2, workflows.notices)
    and, for a compliance notice, a line on what that means: empty for any other date."""
    kind = get_kind(after.kind)
    stored = notices.key_for(kind, key, day, after.events)
    base, n = kind.occurrence_of(stored)
    trigger = kind.trigger(base)
    if trigger is None or not trigger.repeats:
        return stored, ""
    if before.events.get(stored) == day:
        return stored, _SAME_NOTICE
    if n > 1 and stored not in before.events:
        return stored, (
            "That is a further notice: the earlier ones and their monitoring visits stay. To correct a "
            f"notice's date, record its key with the right date: <code>/record {after.ref} {stored} DATE"
            f"</code> ({base}_1 for the first)."
        )
    return stored, ""


def _yes_no(value: str) -> bool:
    word = value.strip().lower()
    if word in {"yes", "y", "true"}:
        return True
    if word in {"no", "n", "false"}:
        return False
    raise ArgumentError(f"I couldn't read '{value.strip()[:20]}' as yes or no.")  # escaped by the caller


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


async def ask_first(
    context: InspectContext, person: Person, ref: int, key: str, value: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The question to ask before recording `key` on `value` when it is possible but odd, else None.

    None too when it would be refused anyway: `apply` then says why, and nothing is asked for nothing.
    """
    services = context.services
    key = ALIASES.get(key.lower(), key.lower())
    if key in (JUDGEMENT, CONCERNS):
        return None
    try:
        day = date.fromisoformat(value)
        case = await services.db.cases.get(person, ref)
        kind = get_kind(case.kind)
        dates = case_dates(case)
        check_record(kind, key, day, services.today(), dates, services.calendar)
        warnings = record_warnings(kind, key, day, dates, services.calendar)
    except (ValueError, NotFound):  # TimelineError is a ValueError: the refusal is apply's to give
        return None
    if not warnings:
        return None
    what = f"{escape(event_label(case.kind, key).lower())} on {format_date(day)}"
    lines = ["<b>Please check:</b>", *[f"⚠️ {escape(w)}" for w in warnings], ""]
    lines.append(f"Record {what} for <b>{case_title(case)}</b> anyway?")
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Yes, record it", callback_data=f"{_PREFIX}:ok:{ref}:{key}:{day.isoformat()}"
                ),
                InlineKeyboardButton("No", callback_data=f"{_PREFIX}:no:{ref}"),
            ]
        ]
    )
    return "\n".join(lines), markup


async def _ask(update: Update, context: InspectContext, text: str, markup: InlineKeyboardMarkup) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML", reply_markup=markup)


async def confirm_pressed(update: Update, context: InspectContext) -> None:
    """Yes: record what the button carries, checked again as any recording; No: nothing changes."""
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None or query.data is None:
        return
    await query.answer()
    parts = query.data.split(":")
    if parts[1] == "no":
        await query.edit_message_text("Not recorded. Nothing was changed.")
        return
    _, _, ref_text, key, day_text = parts
    try:
        date.fromisoformat(day_text)
    except ValueError:  # forged data: the pattern lets through only what looks like a date
        await query.edit_message_text("That button has expired. Nothing was changed.")
        return
    _, text = await apply(context, person, int(ref_text), key, day_text)
    await query.edit_message_text(text, parse_mode="HTML")


def handlers() -> list[Handler]:
    return [
        conversation(
            _DRAFT,
            private_command("record", record),
            {
                CHOOSE_CASE: [
                    CallbackQueryHandler(case_chosen, pattern=rf"^{_PREFIX}:case:{REF_DATA}$"),
                    expect_button(),
                ],
                CHOOSE_WHAT: [
                    CallbackQueryHandler(what_chosen, pattern=rf"^{_PREFIX}:what:[a-z_]+$"),
                    expect_button(),
                ],
                TYPE_DATE: [
                    CallbackQueryHandler(day_pressed, pattern=rf"^{_PREFIX}:day:(today|yesterday)$"),
                    expect_text(date_typed),
                ],
                CHOOSE_GRADE: [
                    CallbackQueryHandler(grade_pressed, pattern=rf"^{_PREFIX}:grade:[a-z_]+$"),
                    expect_button(),
                ],
            },
        ),
        CallbackQueryHandler(
            confirm_pressed,
            pattern=rf"^{_PREFIX}:(ok:{REF_DATA}:[a-z_]{{1,40}}:[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|no:{REF_DATA})$",
        ),
    ]
