"""/newcase: set up an inspection, one question at a time, or in one line for people who type fast.

One-line form: /newcase KIND "SETTING NAME" FIRST-ONSITE-DAY [LAST-ONSITE-DAY] [single]

`single` (adoption support agencies only) says the agency is a single individual, which gets 20 working days'
notice instead of 10 (003 L433, L501); step by step, the question is asked for those kinds only.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any, Literal

from pydantic import field_validator
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from handlers.context import Handler, InspectContext
from handlers.conversation import begin, conversation, draft, expect_button, expect_text, private_command
from handlers.parsing import ArgumentError, split_args, two_dates
from handlers.people import current_person, drop_buttons, reply
from handlers.plan_button import NewcaseButton, PlanButton, RowId
from handlers.render import button_text, case_title, deadline_line, single_individual_line
from handlers.timeline import case_timeline
from store.consistency import case_dates
from store.errors import InvalidInput, PermissionDenied
from store.models import Case, Person, Role
from store.places import NamedSetting, ambiguous
from store.setting_programme import history, inspector_load
from store.setting_programme import kind_name as setting_kind_name
from workflows.audience import is_mine
from workflows.dates import format_date, parse_date
from workflows.deadlines import CaseDates, on_site_days
from workflows.errors import DateParseError, TimelineError
from workflows.kinds import KINDS, get_kind, single_individual_matters
from workflows.planning import planned_warnings
from workflows.start_warnings import timeline_warnings

KIND, SETTING, FIRST_DAY, LAST_DAY, CONFIRM, SINGLE, INSPECTOR, WHICH_SETTING = range(8)
#: The word in the one-line form that says the agency is a single individual.
SINGLE_WORD = "single"
_DRAFT = "newcase"
_NAME_LIMIT = 120
_USAGE = (
    'One line: <code>/newcase ch-full "Oak House" 3/3/2026</code> '
    "(kind, the setting's name in quotes, the first on-site day and, if you know it, the last; for an "
    "adoption support agency run by a single individual, add <code>single</code>)."
)
_NO_NAMES = "Use the name of the home, agency or local authority only: never a child's name."


class KindButton(NewcaseButton):
    """The kind of inspection; only the kinds there are (forged data with another never matches)."""

    step: Literal["kind"] = "kind"
    kind: str

    @field_validator("kind")
    @classmethod
    def _known(cls, kind: str) -> str:
        if kind not in KINDS:
            raise ValueError("not a kind of inspection")
        return kind


class SingleButton(NewcaseButton):
    """Whether the agency is a single individual (003 L433, L501)."""

    step: Literal["single"] = "single"
    answer: Literal["yes", "no"]


class UsualLastButton(NewcaseButton):
    """The usual last on-site day for the kind."""

    step: Literal["last"] = "last"
    which: Literal["usual"] = "usual"


class CreateButton(NewcaseButton):
    step: Literal["create"] = "create"


class CancelButton(NewcaseButton):
    step: Literal["cancel"] = "cancel"


class InspectorButton(NewcaseButton):
    """The inspector of a planned case (a person's id), or none yet."""

    step: Literal["insp"] = "insp"
    inspector: RowId | Literal["none"]


class SettingButton(NewcaseButton):
    """Which of the settings called the typed name the case is on (a setting's id), or a new one."""

    step: Literal["setting"] = "setting"
    choice: RowId | Literal["new"]


def _draft(context: InspectContext) -> dict[str, Any]:
    return draft(context, _DRAFT)


def _kind_keyboard() -> InlineKeyboardMarkup:
    rows = [
        [KindButton(kind=kind.id).button(button_text(kind.name))]
        for kind in sorted(KINDS.values(), key=lambda k: (k.historical, k.name))
    ]
    return InlineKeyboardMarkup(rows)


#: Set by the one-line form when it asks something: the conversation then waits at CONFIRM (its dates need
#: confirming: True, as before) or at WHICH_SETTING (its name is several settings': "which").
_CONFIRMING = "newcase_confirming"
_WHICH = "which"


async def newcase(update: Update, context: InspectContext) -> int:
    refusal = "Only inspectors and managers can set up a case."
    if await begin(update, context, draft_key=_DRAFT, refusal=refusal, one_line=_one_line) is None:
        assert context.user_data is not None
        waiting = context.user_data.pop(_CONFIRMING, False)
        if waiting == _WHICH:
            return WHICH_SETTING
        return CONFIRM if waiting is True else ConversationHandler.END
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "What kind of inspection is it? (Send /cancel at any time to stop.)",
        reply_markup=_kind_keyboard(),
        do_quote=False,
    )
    return KIND


async def kind_chosen(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    kind = get_kind(KindButton.of(update).kind)
    _draft(context)["kind"] = kind.id
    await query.edit_message_text(
        f"Kind: <b>{escape(kind.name)}</b>.\n\nWhat is the setting called (the home, agency or local "
        f"authority)? {_NO_NAMES}",
        parse_mode="HTML",
    )
    return SETTING


async def setting_typed(update: Update, context: InspectContext) -> int:
    message = update.effective_message
    assert message is not None
    name = " ".join((message.text or "").split())
    if not name or len(name) > _NAME_LIMIT or not any(ch.isalnum() for ch in name):
        await reply(update, f"Please send the setting's name in words, up to {_NAME_LIMIT} characters.")
        return SETTING
    if reads_as_question(name):
        await reply(
            update,
            "That reads like a question, not a name. I'm setting up a case: please send the name of the "
            "home, agency or local authority (e.g. Oak House), or /cancel to stop and ask your question.",
        )
        return SETTING
    draft = _draft(context)
    draft["setting"] = name
    found = await context.services.db.settings.named(name)
    if ambiguous(found):
        await _ask_which_setting(update, context, name, found)
        return WHICH_SETTING
    return await _after_setting(update, context)


async def _after_setting(update: Update, context: InspectContext) -> int:
    """The question after the setting's name: single individual (for the kinds it matters to), else the
    first on-site day."""
    draft = _draft(context)
    message = update.effective_message
    assert message is not None
    if single_individual_matters(draft["kind"]):
        markup = InlineKeyboardMarkup(
            [
                [
                    SingleButton(answer="yes").button("Yes, a single individual"),
                    SingleButton(answer="no").button("No"),
                ]
            ]
        )
        await message.reply_text(
            "Is the agency a single individual? (It then gets 20 working days' notice, not 10.)",
            reply_markup=markup,
            do_quote=False,
        )
        return SINGLE
    return await _ask_first_day(update, context)


def _setting_label(setting: NamedSetting) -> str:
    return " · ".join([setting.name, setting.urn or "no URN", setting_kind_name(setting.kind)])


async def _ask_which_setting(
    update: Update, context: InspectContext, name: str, found: list[NamedSetting]
) -> None:
    """Settings already called `name`: which one the case is on, rather than a guess or a twin (issue 22).

    A new setting of that name is offered only when none of them lacks a URN (that one would be joined)."""
    draft = _draft(context)
    draft["choices"] = [[setting.id, setting.name, setting.urn] for setting in found]
    rows = [
        [SettingButton(choice=setting.id).button(button_text(_setting_label(setting)))] for setting in found
    ]
    if all(setting.urn is not None for setting in found):
        rows.append([SettingButton(choice="new").button(button_text(f"A new setting called {name}"))])
    question = (
        f"A setting called <b>{escape(name)}</b> is already known. Is this case on it?"
        if len(found) == 1
        else f"{len(found)} settings are called <b>{escape(name)}</b>. Which one is this case on?"
    )
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, question, parse_mode="HTML", reply_markup=InlineKeyboardMarkup(rows)
    )


async def setting_chosen(update: Update, context: InspectContext) -> int:
    """The setting pressed (one of those offered, else the button is stale); then on as after a name."""
    query = update.callback_query
    assert query is not None
    choice = SettingButton.of(update).choice
    draft = _draft(context)
    offered = {row[0]: row for row in draft.get("choices", [])}
    new_offered = bool(offered) and all(row[2] is not None for row in offered.values())
    if (choice == "new" and not new_offered) or (choice != "new" and choice not in offered):
        await query.answer("That button has expired: press one of the last question's.", show_alert=True)
        return WHICH_SETTING
    await query.answer()
    draft.pop("choices", None)
    if choice == "new":
        draft["urn"] = None
        await query.edit_message_text(f"Setting: a new one called {escape(draft['setting'])}.")
    else:
        _, draft["setting"], draft["urn"] = offered[choice]
        urn = f" ({escape(draft['urn'])})" if draft["urn"] else ""
        await query.edit_message_text(f"Setting: {escape(draft['setting'])}{urn}.")
    if draft.pop("one_line", False):
        person = await current_person(update, context)
        if person is None:
            return ConversationHandler.END
        return await _settle(update, context, person, draft)
    return await _after_setting(update, context)


async def single_chosen(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    single = SingleButton.of(update).answer == "yes"
    _draft(context)["single"] = single
    await query.edit_message_text(f"Single individual: {'yes' if single else 'no'}.")
    return await _ask_first_day(update, context)


async def _ask_first_day(update: Update, context: InspectContext) -> int:
    start = escape(get_kind(_draft(context)["kind"]).start_text)
    await reply(update, f"What is {start}? For example 3/3/2026, 3 March 2026 or today.")
    return FIRST_DAY


async def first_day_typed(update: Update, context: InspectContext) -> int:
    message = update.effective_message
    assert message is not None
    try:
        first = parse_date(message.text or "", context.services.today())
    except DateParseError as exc:
        await reply(update, escape(str(exc)))
        return FIRST_DAY
    draft = _draft(context)
    draft["start"] = first.isoformat()
    kind = get_kind(draft["kind"])
    if kind.onsite_days > 1:
        # The same planned end a case given only its start gets (la-sif: Thursday of week four).
        usual = on_site_days(kind, CaseDates(start=first, end=None), context.services.calendar)[1]
        span = (
            f"the usual {kind.fieldwork_weeks[1].text}"
            if kind.fieldwork_weeks
            else f"the usual {kind.onsite_days} days on site"
        )
        markup = InlineKeyboardMarkup([[UsualLastButton().button(f"Usual: {format_date(usual)}")]])
        await message.reply_text(
            "What is the last on-site day (the day of feedback)? Type a date, or press the button for "
            f"{span}.",
            reply_markup=markup,
            do_quote=False,
        )
        return LAST_DAY
    draft["end"] = None
    return await _confirm(update, context)


async def last_day_typed(update: Update, context: InspectContext) -> int:
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    try:
        last = parse_date(message.text or "", context.services.today())
    except DateParseError as exc:
        await reply(update, escape(str(exc)))
        return LAST_DAY
    if last < date.fromisoformat(draft["start"]):
        await reply(update, "The last on-site day can't be before the first. Please send it again.")
        return LAST_DAY
    draft["end"] = last.isoformat()
    return await _confirm(update, context)


async def last_day_usual(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    _draft(context)["end"] = None
    await drop_buttons(update)
    return await _confirm(update, context)


async def _duplicates(context: InspectContext, person: Person, draft: dict[str, Any]) -> list[int]:
    """Open cases with the same kind, name and dates as the draft (store.cases.duplicates)."""
    end = date.fromisoformat(draft["end"]) if draft.get("end") else None
    return await context.services.db.cases.duplicates(
        person, draft["kind"], draft["setting"], date.fromisoformat(draft["start"]), end
    )


async def _confirm(update: Update, context: InspectContext) -> int:
    draft = _draft(context)
    kind = get_kind(draft["kind"])
    services = context.services
    start = date.fromisoformat(draft["start"])
    end = date.fromisoformat(draft["end"]) if draft.get("end") else None
    warnings = planned_warnings(kind, start, end, services.today(), services.calendar)
    person = await current_person(update, context)
    same = [] if person is None else await _duplicates(context, person, draft)
    if same:  # asked first: a second case for one inspection splits its deadlines and reminders
        refs = ", ".join(f"#{ref}" for ref in same)
        warnings.insert(
            0,
            f"An open case with the same kind, name and dates is already set up: {refs}. "
            "Set up another one anyway?",
        )
    lines = [
        *(["<b>Please check:</b>", *[f"⚠️ {escape(w)}" for w in warnings], ""] if warnings else []),
        "Set up this case?",
        f"• {escape(kind.name)}",
        f"• {escape(draft['setting'])}",
        f"• First on-site day: {format_date(date.fromisoformat(draft['start']))}",
    ]
    if draft.get("end"):
        lines.append(f"• Last on-site day: {format_date(date.fromisoformat(draft['end']))}")
    if single_individual_matters(kind.id):
        lines.append(f"• {single_individual_line(bool(draft.get('single')))}")
    yes, no = ("Yes, set up another", "No") if same else ("Set it up", "Cancel")
    markup = InlineKeyboardMarkup([[CreateButton().button(yes), CancelButton().button(no)]])
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, "\n".join(lines), parse_mode="HTML", reply_markup=markup
    )
    return CONFIRM


async def create_pressed(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    assert query is not None
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None:
        return ConversationHandler.END
    await query.answer()
    draft = _draft(context)
    end = date.fromisoformat(draft["end"]) if draft.get("end") else None
    text = await _create(
        context,
        person,
        draft["kind"],
        draft["setting"],
        date.fromisoformat(draft["start"]),
        end,
        bool(draft.get("single")),
        urn=draft.get("urn"),
        inspector_id=draft.get("inspector"),
    )
    assert context.user_data is not None
    context.user_data.pop(_DRAFT, None)
    await query.edit_message_text(text, parse_mode="HTML")
    return ConversationHandler.END


async def cancel_pressed(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    assert context.user_data is not None
    context.user_data.pop(_DRAFT, None)
    await query.edit_message_text("Cancelled. Nothing was saved.")
    return ConversationHandler.END


async def _create(
    context: InspectContext,
    person: Person,
    kind: str,
    setting: str,
    first: date,
    last: date | None,
    single: bool = False,
    *,
    urn: str | None = None,
    inspector_id: int | None = None,
) -> str:
    """Create the case and say its reference and first deadlines; a refusal comes back as the text.

    From a programme line's Plan button: on the setting's URN, with the inspector chosen put on it.
    """
    services = context.services
    try:
        case = await services.db.cases.create(
            person, kind, setting, first, last, urn=urn, single_individual=single
        )
        if inspector_id is not None:
            case = await services.db.cases.add_member(person, case.ref, inspector_id, Role.INSPECTOR)
    except (InvalidInput, PermissionDenied, TimelineError) as exc:
        return escape(str(exc))
    return created_text(case, person, context)


def created_text(case: Case, person: Person, context: InspectContext) -> str:
    services = context.services
    today = services.today()
    pending = [d for d in case_timeline(case, services.calendar) if d.recorded is None][:4]
    lines = [
        f"Case <b>{case_title(case)}</b> is set up. Its reference is <b>#{case.ref}</b>.",
        *([single_individual_line(case.single_individual)] if single_individual_matters(case.kind) else []),
        "",
        "First deadlines:",
    ]
    lines += [deadline_line(d, today, services.calendar, is_mine(person.role, d)) for d in pending]
    notes = timeline_warnings(get_kind(case.kind), case_dates(case), services.calendar)
    lines += ["", *[f"⚠️ {escape(note)}" for note in notes]] if notes else []
    lines += ["", f"Invite the provider with <code>/invite provider {case.ref}</code>."]
    return "\n".join(lines)


async def _one_line(update: Update, context: InspectContext, person: Person, text: str) -> None:
    try:
        kind, setting, first, last, single = _parse_one_line(text, context.services.today())
    except (ArgumentError, DateParseError, TimelineError) as exc:
        await reply(update, f"{escape(str(exc))}\n{_USAGE}")
        return
    asked: dict[str, Any] = {
        "kind": kind,
        "setting": setting,
        "start": first.isoformat(),
        "end": None if last is None else last.isoformat(),
        "single": single,
    }
    assert context.user_data is not None
    found = await context.services.db.settings.named(setting)
    if ambiguous(found):
        context.user_data[_DRAFT] = {**asked, "one_line": True}
        context.user_data[_CONFIRMING] = _WHICH
        await _ask_which_setting(update, context, setting, found)
        return
    if await _settle(update, context, person, asked) == CONFIRM:
        context.user_data[_CONFIRMING] = True


async def _settle(update: Update, context: InspectContext, person: Person, asked: dict[str, Any]) -> int:
    """A one-line case whose setting is known: its dates confirmed first when they need it (CONFIRM, the
    draft kept), else set up at once (END)."""
    services = context.services
    kind, first = asked["kind"], date.fromisoformat(asked["start"])
    last = date.fromisoformat(asked["end"]) if asked.get("end") else None
    try:
        same = await _duplicates(context, person, asked)
    except PermissionDenied as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    if same or planned_warnings(get_kind(kind), first, last, services.today(), services.calendar):
        assert context.user_data is not None
        context.user_data[_DRAFT] = asked
        await _confirm(update, context)
        return CONFIRM
    assert context.user_data is not None
    context.user_data.pop(_DRAFT, None)
    text = await _create(
        context, person, kind, asked["setting"], first, last, bool(asked.get("single")), urn=asked.get("urn")
    )
    await reply(update, text)
    return ConversationHandler.END


_QUESTION_WORDS = frozenset(
    [
        "when",
        "what",
        "whats",
        "what's",
        "how",
        "who",
        "why",
        "where",
        "which",
        "is",
        "are",
        "can",
        "could",
        "do",
        "does",
        "did",
        "will",
        "should",
    ]
)


def reads_as_question(text: str) -> bool:
    """'when is the draft due' is a question typed in the wrong place, not a setting's name."""
    words = text.lower().split()
    return "?" in text or (len(words) >= 3 and words[0] in _QUESTION_WORDS)


def _parse_one_line(text: str, today: date) -> tuple[str, str, date, date | None, bool]:
    """(kind, setting, first day, last day, single individual) from the one-line form."""
    words = split_args(text)
    if len(words) < 3:
        raise ArgumentError("I need the kind, the setting's name and the first on-site day.")
    kind = get_kind(words[0].lower()).id
    setting = " ".join(words[1].split())
    if not setting or len(setting) > _NAME_LIMIT:
        raise ArgumentError(f"The setting's name must be 1 to {_NAME_LIMIT} characters.")
    rest = [word for word in words[2:] if word.lower() != SINGLE_WORD]
    single = len(rest) < len(words) - 2
    if single and not single_individual_matters(kind):
        raise ArgumentError(
            f"'{SINGLE_WORD}' is for an adoption support agency run by a single individual; "
            f"{get_kind(kind).a_name} has no such rule."
        )
    if not rest:
        raise ArgumentError("I need the first on-site day.")
    first, last = two_dates(rest, today)
    if last is not None and last < first:
        raise ArgumentError("The last on-site day can't be before the first.")
    return kind, setting, first, last, single


async def plan_pressed(update: Update, context: InspectContext) -> int:
    """Plan (managers): the case's kind, setting and URN come from the setting's next window; the
    inspector is asked, then the days as /newcase asks them (with its warnings about the visit's days)."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    if person.role is not Role.MANAGER:
        await query.answer("Only managers plan inspections from the programme.", show_alert=True)
        return ConversationHandler.END
    try:
        seen = await history(context.services.db, person, PlanButton.of(update).setting_id)
    except InvalidInput as problem:
        await query.answer(str(problem), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    kind = seen.window.kind if seen.window is not None else None
    if kind is None:
        await reply(update, "That setting has no next window to plan from: use /newcase.")
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[_DRAFT] = {"kind": kind, "setting": seen.name, "urn": seen.urn}
    loads = await inspector_load(context.services.db, person, context.services.today(), 1)
    rows = [[InspectorButton(inspector=load.person_id).button(button_text(load.name))] for load in loads]
    rows.append([InspectorButton(inspector="none").button("No inspector yet")])
    await reply(
        update,
        f"Planning <b>{escape(get_kind(kind).name)}</b> at <b>{escape(seen.name)}</b>. Which inspector? "
        "(Send /cancel at any time to stop.)",
    )
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Inspector:", reply_markup=InlineKeyboardMarkup(rows), do_quote=False
    )
    return INSPECTOR


async def inspector_chosen(update: Update, context: InspectContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    chosen = InspectorButton.of(update).inspector
    _draft(context)["inspector"] = None if chosen == "none" else chosen
    await query.edit_message_text("Inspector: none yet." if chosen == "none" else "Inspector chosen.")
    return await _ask_first_day(update, context)


def handlers() -> list[Handler]:
    return [
        conversation(
            _DRAFT,
            private_command("newcase", newcase),
            {
                KIND: [KindButton.handler(kind_chosen), expect_button()],
                SETTING: [expect_text(setting_typed)],
                WHICH_SETTING: [SettingButton.handler(setting_chosen), expect_button()],
                SINGLE: [SingleButton.handler(single_chosen), expect_button()],
                FIRST_DAY: [expect_text(first_day_typed)],
                LAST_DAY: [UsualLastButton.handler(last_day_usual), expect_text(last_day_typed)],
                CONFIRM: [
                    CreateButton.handler(create_pressed),
                    CancelButton.handler(cancel_pressed),
                    expect_button(),
                ],
                INSPECTOR: [InspectorButton.handler(inspector_chosen), expect_button()],
            },
            PlanButton.handler(plan_pressed),
        ),
    ]
