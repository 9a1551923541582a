"""A case's life after it is set up: /close (with a reason), /reopen, /undo the last thing recorded, /edit.

One-line forms: /close 12 completed|mistake|withdrawn, /close 12 other TEXT, /reopen 12, /undo 12,
/edit 12 name "Oak House", /edit 12 days 3/3/2027 [4/3/2027], /edit 12 kind ch-assurance, /edit 12 single yes.
Buttons that decide carry the case (and, for undo, the change) and are checked again on every press.
What is possible but odd is asked first with Yes / No: closing as completed while steps are still open
(`clsok:REF`), planned days longer than the kind allows (`edok:REF:FIRST:LAST`); No changes nothing.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, filters

from handlers.button_fields import Ref, RowId
from handlers.buttons import Button
from handlers.context import Handler, InspectContext
from handlers.conversation import conversation, expect_text
from handlers.drafts import Draft
from handlers.parsing import ArgumentError, command_text, parse_ref, split_args, two_dates
from handlers.people import current_person, drop_buttons, reply
from handlers.render import (
    CLOSE_REASONS,
    case_keyboard,
    case_title,
    change_line,
    history_line,
    history_people,
    quoted,
    which_case,
)
from handlers.timeline import case_timeline
from store.cases import CLOSE_NOTE_LIMIT
from store.consistency import case_dates
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, CloseReason, Person, Role
from workflows.changes import diff
from workflows.dates import format_date
from workflows.errors import DateParseError, TimelineError
from workflows.kinds import KINDS, get_kind, single_individual_matters
from workflows.planning import visit_length_warning
from workflows.recording import open_at_close

OTHER_TEXT, EDIT_VALUE = "close:other_text", "edit:value"
_CLOSE_DRAFT, _EDIT_DRAFT = "close", "edit"
#: What /edit corrects, as its buttons and its one-line form name them.
Field = Literal["days", "name", "kind", "single", "urn"]
_FIELDS: tuple[Field, ...] = ("days", "name", "kind", "single", "urn")


#: The commands that offer a case picker when sent alone.
Command = Literal["close", "reopen", "undo", "edit"]


class Picked(Button):
    """A case chosen for /close, /reopen, /undo or /edit sent alone."""

    prefix = "lc"
    command: Command
    ref: Ref


class CloseFor(Button):
    """Why the case is closed."""

    prefix = "close"
    ref: Ref
    reason: CloseReason


class CloseAnyway(Button):
    """Yes on "close it as completed anyway?" (steps still open)."""

    prefix = "clsok"
    ref: Ref


class KeepOpen(Button):
    prefix = "clsno"
    ref: Ref


class UndoIt(Button):
    """Take back the audit entry the button names (the store checks it is still the last)."""

    prefix = "undo"
    ref: Ref
    entry: RowId


class KeepIt(Button):
    prefix = "undo"
    ref: Ref
    keep: Literal["keep"] = "keep"


class EditField(Button):
    """What to correct on /edit's menu."""

    prefix = "edit"
    ref: Ref
    what: Field


class DaysAnyway(Button):
    """Yes on "plan these days anyway?" (longer than the kind allows): the days it confirms."""

    prefix = "edok"
    ref: Ref
    first: date
    last: date


class DaysAsThey(Button):
    prefix = "edno"
    ref: Ref


class CloseDraft(Draft):
    """/close's other reason: the case, while its few words are typed."""

    key = _CLOSE_DRAFT
    ref: int | None = None


class EditDraft(Draft):
    """/edit: the case and the field, while its value is typed."""

    key = _EDIT_DRAFT
    ref: int | None = None
    what: Field | None = None

    def chosen(self) -> tuple[int, Field]:
        """The case and the field (set by the step that asks for the value)."""
        if self.ref is None or self.what is None:
            raise LookupError("the /edit draft has no case or field")
        return self.ref, self.what


_REFUSED = (NotFound, PermissionDenied, InvalidInput, TimelineError)
_CLOSE_USAGE = (
    "One line: <code>/close 12 completed</code>, <code>/close 12 mistake</code>, "
    "<code>/close 12 withdrawn</code> or <code>/close 12 other why</code>. "
    "Or send <code>/close 12</code> and press a reason."
)
_EDIT_USAGE = (
    'One line: <code>/edit 12 name "Oak House"</code>, <code>/edit 12 days 3/3/2027 4/3/2027</code>, '
    "<code>/edit 12 kind ch-assurance</code> or <code>/edit 12 urn 1234567</code>; for an adoption support "
    "agency, "
    "<code>/edit 12 single yes</code> or <code>no</code> (a single individual gets 20 working days' "
    "notice). Or send <code>/edit 12</code> and choose."
)


def _reason(word: str) -> CloseReason | None:
    """The close reason `word` names, or None (CLOSE_REASONS holds their words)."""
    return next((r for r in CloseReason if r == word), None)


def _field(word: str) -> Field | None:
    """The /edit field `word` names, or None."""
    return next((f for f in _FIELDS if f == word), None)


def _refusal(exc: Exception) -> str:
    text = escape(str(exc))
    return text + " Send /cases to see yours." if isinstance(exc, NotFound) else text


async def _case_from_args(
    update: Update,
    context: InspectContext,
    person: Person,
    usage: str,
    picking: Command,
    *,
    closed: bool = False,
) -> tuple[Case | None, list[str]]:
    """The case named first on the command line and the words after it; replies itself when it can't."""
    message = update.effective_message
    text = command_text((message.text or "") if message is not None else "")
    try:
        words = split_args(text)
    except ArgumentError as exc:
        await reply(update, escape(str(exc)))
        return None, []
    if not words:
        cases = await context.services.db.lists.pick(person, closed=closed)
        if not cases.total:
            await reply(update, "You have no closed cases." if closed else "You have no open cases.")
        elif message is not None:
            command = (message.text or "/close").split()[0].lstrip("/").split("@")[0]
            await message.reply_text(
                which_case("Which case?", cases.items, f"/{command} 12", cases.total),
                reply_markup=case_keyboard(cases.items, lambda ref: Picked(command=picking, ref=ref)),
                do_quote=False,
            )
        return None, []
    ref = parse_ref(words[0])
    if ref is None:
        await reply(update, f"I couldn't read '{quoted(words[0])}' as a case number. {usage}")
        return None, []
    try:
        return await context.services.db.cases.get(person, ref), words[1:]
    except NotFound as exc:
        await reply(update, _refusal(exc))
        return None, []


async def _staff_case(
    update: Update, context: InspectContext, refusal: str, usage: str, picking: Command
) -> tuple[Person, Case, list[str]] | None:
    """The opening /close, /undo and /edit share: an inspector or manager, and the case named first."""
    person = await current_person(update, context)
    if person is None:
        return None
    if person.role is Role.PROVIDER:
        await reply(update, refusal)
        return None
    case, rest = await _case_from_args(update, context, person, usage, picking)
    return None if case is None else (person, case, rest)


# --- /close -------------------------------------------------------------------------------------------


def _reason_keyboard(ref: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [CloseFor(ref=ref, reason=reason).button(CLOSE_REASONS[reason].capitalize())]
            for reason in CloseReason
        ]
    )


async def close_command(update: Update, context: InspectContext) -> None:
    refusal = "Only the inspector on a case or a manager can close it."
    found = await _staff_case(update, context, refusal, _CLOSE_USAGE, "close")
    if found is None:
        return
    person, case, rest = found
    if not rest:
        await _ask_reason(update, case)
        return
    reason = _reason(rest[0].lower())
    if reason is None:
        await reply(update, f"'{quoted(rest[0].lower())}' isn't a reason I know. {_CLOSE_USAGE}")
        return
    asked = _ask_completed(context, case) if reason is CloseReason.COMPLETED else None
    if asked is not None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(asked[0], reply_markup=asked[1], do_quote=False)
        return
    await reply(update, await _close(context, person, case.ref, reason, " ".join(rest[1:]) or None))


#: How many open steps the question lists before "and N more".
_OPEN_SHOWN = 5


def _ask_completed(context: InspectContext, case: Case) -> tuple[str, InlineKeyboardMarkup] | None:
    """Closing as completed while steps are still to be recorded: the question and its Yes / No."""
    services = context.services
    still = open_at_close(get_kind(case.kind), case_dates(case), services.calendar)
    if not still:
        return None
    lines = [f"<b>Please check:</b> these steps on <b>{case_title(case)}</b> are not recorded yet:"]
    lines += [f"• {escape(d.label)} (due {format_date(d.last_day)})" for d in still[:_OPEN_SHOWN]]
    if len(still) > _OPEN_SHOWN:
        lines.append(f"• and {len(still) - _OPEN_SHOWN} more")
    lines += ["", "Close it as completed anyway? Its reminders stop."]
    markup = InlineKeyboardMarkup(
        [
            [
                CloseAnyway(ref=case.ref).button("Yes, close it"),
                KeepOpen(ref=case.ref).button("No, keep it open"),
            ]
        ]
    )
    return "\n".join(lines), markup


async def completed_confirmed(update: Update, context: InspectContext) -> None:
    """Yes closes as completed (checked again by the store: who, still open)."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    await query.answer()
    ref = CloseAnyway.of(update).ref
    text = await _close(context, person, ref, CloseReason.COMPLETED, None)
    await query.edit_message_text(text, parse_mode="HTML")


async def kept_open(update: Update, context: InspectContext) -> None:
    """No: nothing changes."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    await query.answer()
    await query.edit_message_text("Kept open. Nothing was changed.")


async def _ask_reason(update: Update, case: Case) -> None:
    text = f"Why is <b>{case_title(case)}</b> being closed?"
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=_reason_keyboard(case.ref))
    elif update.effective_message is not None:
        await update.effective_message.reply_html(
            text, reply_markup=_reason_keyboard(case.ref), do_quote=False
        )


async def reason_pressed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    pressed = CloseFor.of(update)
    ref, reason = pressed.ref, pressed.reason
    if reason is CloseReason.OTHER:
        await drop_buttons(update)
        CloseDraft(ref=ref).save(context)
        await reply(
            update, f"In a few words (up to {CLOSE_NOTE_LIMIT} characters), why is it closed? Or /cancel."
        )
        return OTHER_TEXT
    if reason is CloseReason.COMPLETED:
        try:
            case = await context.services.db.cases.get(person, ref)
        except NotFound as exc:
            await query.edit_message_text(_refusal(exc), parse_mode="HTML")
            return ConversationHandler.END
        asked = _ask_completed(context, case)
        if asked is not None:
            await query.edit_message_text(asked[0], parse_mode="HTML", reply_markup=asked[1])
            return ConversationHandler.END
    text = await _close(context, person, ref, reason, None)
    await query.edit_message_text(text, parse_mode="HTML")
    return ConversationHandler.END


async def other_typed(update: Update, context: InspectContext) -> str | int:
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    ref = CloseDraft.read(context).ref
    if ref is None:
        raise LookupError("the /close draft has no case")
    text = await _close(context, person, ref, CloseReason.OTHER, message.text or "")
    if text.startswith("Closed"):
        CloseDraft.drop(context)
        await reply(update, text)
        return ConversationHandler.END
    await reply(update, text + " Please send it again, or /cancel.")
    return OTHER_TEXT


async def _close(
    context: InspectContext, person: Person, ref: int, reason: CloseReason, note: str | None
) -> str:
    try:
        case = await context.services.db.cases.close(person, ref, reason, note)
    except _REFUSED as exc:
        return _refusal(exc)
    why = escape(CLOSE_REASONS[reason])
    return (
        f"Closed <b>#{case.ref} {escape(case.setting.name)}</b>: {why}. It has left /cases and the "
        f"overdue list; <code>/case {case.ref}</code> still shows it."
        + (
            f" A manager can reopen it with <code>/reopen {case.ref}</code>."
            if person.role != Role.MANAGER
            else f" Reopen it with <code>/reopen {case.ref}</code>."
        )
    )


# --- /reopen ------------------------------------------------------------------------------------------


async def reopen_command(update: Update, context: InspectContext) -> None:
    person = await current_person(update, context)
    if person is None:
        return
    if person.role is not Role.MANAGER:
        await reply(update, "Only a manager can reopen a case. Ask your regulatory inspection manager.")
        return
    usage = "Send <code>/reopen 12</code>."
    case, _ = await _case_from_args(update, context, person, usage, "reopen", closed=True)
    if case is not None:
        await reply(update, await _reopen(context, person, case.ref))


async def _reopen(context: InspectContext, person: Person, ref: int) -> str:
    try:
        case = await context.services.db.cases.reopen(person, ref)
    except _REFUSED as exc:
        return _refusal(exc)
    return f"Reopened <b>{case_title(case)}</b>: it is back in /cases, questions and reminders."


# --- /undo --------------------------------------------------------------------------------------------


async def undo_command(update: Update, context: InspectContext) -> None:
    refusal = "Only the inspector on a case or a manager can undo what was recorded."
    found = await _staff_case(update, context, refusal, "Send <code>/undo 12</code>.", "undo")
    if found is not None:
        person, case, _ = found
        await _offer_undo(update, context, person, case)


async def _offer_undo(update: Update, context: InspectContext, person: Person, case: Case) -> None:
    entry = await context.services.db.cases.last_recorded(person, case.ref)
    if entry is None:
        await reply(update, f"Nothing recorded on {case_title(case)} is left to undo.")
        return
    markup = InlineKeyboardMarkup(
        [
            [
                UndoIt(ref=case.ref, entry=entry.id).button("Undo it"),
                KeepIt(ref=case.ref).button("Keep it"),
            ]
        ]
    )
    names = await context.services.db.people.names(history_people([entry]))
    text = (
        f"The last thing recorded on <b>{case_title(case)}</b>:\n{history_line(case, entry, names)}"
        "\n\nTake it back?"
    )
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    elif update.effective_message is not None:
        await update.effective_message.reply_html(text, reply_markup=markup, do_quote=False)


async def undo_pressed(update: Update, context: InspectContext) -> None:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    await query.answer()
    pressed = UndoIt.of(update)
    services = context.services
    try:
        before = await services.db.cases.get(person, pressed.ref)
        after, _ = await services.db.cases.undo(person, pressed.ref, pressed.entry)
    except _REFUSED as exc:
        await query.edit_message_text(_refusal(exc), parse_mode="HTML")
        return
    changes = diff(
        case_timeline(before, services.calendar), case_timeline(after, services.calendar), services.calendar
    )
    lines = [f"Taken back on <b>{case_title(after)}</b>."]
    lines += ["", "What changed:", *[change_line(c) for c in changes]] if changes else []
    await query.edit_message_text("\n".join(lines), parse_mode="HTML")


async def kept(update: Update, context: InspectContext) -> None:
    """Keep it: nothing changes."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    await query.answer()
    await query.edit_message_text("Kept. Nothing was changed.")


# --- /edit --------------------------------------------------------------------------------------------


def _edit_keyboard(ref: int, person: Person, kind: str) -> InlineKeyboardMarkup:
    rows = [[EditField(ref=ref, what="days").button("Planned on-site days")]]
    if single_individual_matters(kind):
        rows.append([EditField(ref=ref, what="single").button("Single individual or not")])
    if person.role is Role.MANAGER:
        rows.append([EditField(ref=ref, what="name").button("Setting's name")])
        rows.append([EditField(ref=ref, what="kind").button("Kind of inspection")])
        rows.append([EditField(ref=ref, what="urn").button("URN")])
    return InlineKeyboardMarkup(rows)


_INSPECTOR_EDIT_USAGE = (
    "One line: <code>/edit 12 days 3/3/2027 4/3/2027</code> (the planned on-site days); for an adoption "
    "support agency, <code>/edit 12 single yes</code> or <code>no</code>. Or send <code>/edit 12 days</code> "
    "and I'll ask for them. A manager corrects the setting's name or the kind."
)
#: What each field of /edit asks for when it is named without a value (`/edit 12 days`).
_PROMPTS = {
    "days": "Send the first on-site day and, if you know it, the last (e.g. 3/3/2027 4/3/2027).",
    "name": "Send the setting's correct name (the home, agency or local authority, never a child).",
    "kind": "Send the kind: " + ", ".join(f"<code>{k}</code>" for k in KINDS) + ".",
    "urn": "Send the setting's URN (Ofsted's unique reference number, like SC123456 or 1234567).",
    "single": "Is the agency a single individual (20 working days' notice, not 10)? Send yes or no.",
}


def _edit_usage(person: Person) -> str:
    """The one-line forms this person may use: inspectors correct the days (and single individual) only."""
    return _EDIT_USAGE if person.role is Role.MANAGER else _INSPECTOR_EDIT_USAGE


def _editable(person: Person, kind: str) -> tuple[str, ...]:
    """The fields this person may correct on a case of `kind` (as _edit_keyboard offers them)."""
    fields = ("days", "single") if single_individual_matters(kind) else ("days",)
    return (*fields, "name", "kind", "urn") if person.role is Role.MANAGER else fields


async def edit_command(update: Update, context: InspectContext) -> str | int:
    """`/edit 12` offers the fields; `/edit 12 days` asks for the days; `/edit 12 days 3/3/2027` corrects."""
    refusal = "Only the inspector on a case or a manager can correct it."
    person = await current_person(update, context)
    usage = _EDIT_USAGE if person is None else _edit_usage(person)
    found = await _staff_case(update, context, refusal, usage, "edit")
    if found is None:
        return ConversationHandler.END
    person, case, rest = found
    if not rest:
        assert update.effective_message is not None
        await update.effective_message.reply_html(
            f"What do you want to correct on <b>{case_title(case)}</b>?",
            reply_markup=_edit_keyboard(case.ref, person, case.kind),
            do_quote=False,
        )
        return ConversationHandler.END
    what = _field(rest[0].lower())
    if what is None:
        await reply(update, f"'{quoted(rest[0])}' isn't something I can correct. {usage}")
        return ConversationHandler.END
    if len(rest) < 2:
        if what not in _editable(person, case.kind):
            await reply(update, _not_editable(person, what, case))
            return ConversationHandler.END
        EditDraft(ref=case.ref, what=what).save(context)
        await reply(update, f"Correcting <b>{case_title(case)}</b>. {_PROMPTS[what]} Or /cancel.")
        return EDIT_VALUE
    asked = _ask_days(context, case, rest[1:]) if what == "days" else None
    if asked is not None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(asked[0], reply_markup=asked[1], do_quote=False)
        return ConversationHandler.END
    await reply(update, await _edit(context, person, case.ref, what, rest[1:]))
    return ConversationHandler.END


def _not_editable(person: Person, what: str, case: Case) -> str:
    if what == "single":
        return f"<b>{case_title(case)}</b> is not an adoption support agency: there is no single individual."
    return f"Only a manager can correct the setting's name or the kind. {_edit_usage(person)}"


async def edit_pressed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    pressed = EditField.of(update)
    EditDraft(ref=pressed.ref, what=pressed.what).save(context)
    await query.edit_message_text(_PROMPTS[pressed.what] + " Or /cancel.", parse_mode="HTML")
    return EDIT_VALUE


async def value_typed(update: Update, context: InspectContext) -> str | int:
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    ref, what = EditDraft.read(context).chosen()
    words = (message.text or "").split() if what != "name" else [message.text or ""]
    if what == "days":
        try:
            case = await context.services.db.cases.get(person, ref)
        except NotFound as exc:
            await reply(update, _refusal(exc))
            return EDIT_VALUE
        asked = _ask_days(context, case, words)
        if asked is not None:  # the buttons carry the days: this conversation is done
            EditDraft.drop(context)
            await message.reply_html(asked[0], reply_markup=asked[1], do_quote=False)
            return ConversationHandler.END
    text = await _edit(context, person, ref, what, words)
    if text.startswith("Corrected"):
        EditDraft.drop(context)
        await reply(update, text)
        return ConversationHandler.END
    await reply(update, text + " Please send it again, or /cancel.")
    return EDIT_VALUE


async def _edit(
    context: InspectContext,
    person: Person,
    ref: int,
    what: str,
    words: list[str],
    *,
    planned: tuple[date, date | None] | None = None,
) -> str:
    """Make the correction (`planned`: days already read, from a confirming button) and say what moved."""
    services = context.services
    db = services.db
    try:
        before = await db.cases.get(person, ref)
        if what == "name":
            after = await db.cases.rename_setting(person, ref, " ".join(" ".join(words).split()))
        elif what == "kind":
            after = await db.cases.set_kind(person, ref, words[0].lower() if words else "")
        elif what == "urn":
            after = await db.cases.set_urn(person, ref, " ".join(words))
        elif what == "single":
            after = await db.cases.set_single_individual(person, ref, _yes_or_no(words))
        else:
            start, end = planned or _days(words, services.today())
            after = await db.cases.set_planned(person, ref, start, end)
    except (*_REFUSED, DateParseError, ArgumentError) as exc:
        return _refusal(exc)
    changes = diff(
        case_timeline(before, services.calendar), case_timeline(after, services.calendar), services.calendar
    )
    lines = [f"Corrected <b>{case_title(after)}</b>."]
    lines += ["", "What changed:", *[change_line(c) for c in changes]] if changes else ["No deadline moved."]
    return "\n".join(lines)


def _yes_or_no(words: list[str]) -> bool:
    """'yes' or 'no' (whether the agency is a single individual); anything else is refused."""
    answer = words[0].lower() if len(words) == 1 else ""
    if answer in ("yes", "y"):
        return True
    if answer in ("no", "n"):
        return False
    raise ArgumentError("Say yes or no: is the agency a single individual?")


def _ask_days(
    context: InspectContext, case: Case, words: list[str]
) -> tuple[str, InlineKeyboardMarkup] | None:
    """Planned days longer than the kind allows: the question and its Yes / No, else None (and None when
    the days don't read: `_edit` says why)."""
    try:
        first, last = _days(words, context.services.today())
    except (DateParseError, ArgumentError):
        return None
    warning = visit_length_warning(get_kind(case.kind), first, last, context.services.calendar)
    if warning is None or last is None:
        return None
    text = (
        f"<b>Please check:</b>\n⚠️ {escape(warning)}\n\nPlan <b>{case_title(case)}</b> for "
        f"{format_date(first)} to {format_date(last)} anyway?"
    )
    markup = InlineKeyboardMarkup(
        [
            [
                DaysAnyway(ref=case.ref, first=first, last=last).button("Yes, change the days"),
                DaysAsThey(ref=case.ref).button("No"),
            ]
        ]
    )
    return text, markup


async def days_confirmed(update: Update, context: InspectContext) -> None:
    """Yes plans the days the button carries (checked again by the store)."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    await query.answer()
    yes = DaysAnyway.of(update)
    text = await _edit(context, person, yes.ref, "days", [], planned=(yes.first, yes.last))
    await query.edit_message_text(text, parse_mode="HTML")


async def days_kept(update: Update, context: InspectContext) -> None:
    """No: nothing changes."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    await query.answer()
    await query.edit_message_text("Not changed. The planned days are as they were.")


def _days(words: list[str], today: date) -> tuple[date, date | None]:
    if not words:
        raise ArgumentError("Send the first on-site day, and the last if you know it.")
    first, last = two_dates(words, today)
    return first, last


# --- buttons from a case picker (/close, /reopen, /undo, /edit sent alone) ----------------------------


async def picked(update: Update, context: InspectContext) -> None:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    await query.answer()
    pressed = Picked.of(update)
    command = pressed.command
    try:
        case = await context.services.db.cases.get(person, pressed.ref)
    except NotFound as exc:
        await query.edit_message_text(_refusal(exc), parse_mode="HTML")
        return
    if command == "close":
        await _ask_reason(update, case)
    elif command == "reopen":
        await query.edit_message_text(await _reopen(context, person, case.ref), parse_mode="HTML")
    elif command == "undo":
        await _offer_undo(update, context, person, case)
    else:
        await query.edit_message_text(
            f"What do you want to correct on <b>{case_title(case)}</b>?",
            parse_mode="HTML",
            reply_markup=_edit_keyboard(case.ref, person, case.kind),
        )


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        conversation(
            _CLOSE_DRAFT, CloseFor.handler(reason_pressed), {OTHER_TEXT: [expect_text(other_typed)]}
        ),
        conversation(
            _EDIT_DRAFT,
            EditField.handler(edit_pressed),
            {EDIT_VALUE: [expect_text(value_typed)]},
            CommandHandler("edit", edit_command, filters=private),  # `/edit 12 days` asks for them
        ),
        CommandHandler("close", close_command, filters=private),
        CommandHandler("reopen", reopen_command, filters=private),
        CommandHandler("undo", undo_command, filters=private),
        UndoIt.handler(undo_pressed),
        KeepIt.handler(kept),
        Picked.handler(picked),
        CloseAnyway.handler(completed_confirmed),
        KeepOpen.handler(kept_open),
        DaysAnyway.handler(days_confirmed),
        DaysAsThey.handler(days_kept),
    ]
