"""/programme and /setting, for managers: which settings must next be inspected by when (issue 22).

`/programme` lists the settings whose next inspection is due from now to the end of the next inspection
year, overdue ones first, each with its window, the rule and its seed source; `/programme overdue`,
`/programme kind ch-full` and `/programme March` narrow it. A page is one message with Next / Previous
buttons edited in place, as /cases; a button carries the narrowing and is checked again when pressed.
`/setting NAME|URN` shows one setting's inspections, judgements and next window. Providers and
inspectors are refused: the programme is the managers' planning.
"""

from __future__ import annotations

import string
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Annotated

from pydantic import AfterValidator
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, filters

from handlers.button_fields import Offset
from handlers.buttons import Button
from handlers.context import Handler, InspectContext
from handlers.parsing import command_text
from handlers.people import current_person, reply
from handlers.plan_button import PlanButton
from handlers.render import kind_name
from store.errors import InvalidInput
from store.lists import PAGE_SIZE
from store.models import Person, Role
from store.setting_programme import (
    ProgrammeLine,
    find_settings,
    history,
    inspector_load,
    programme_page,
)
from store.setting_programme import (
    kind_name as setting_kind_name,
)
from workflows.dates import format_date
from workflows.kinds import KINDS
from workflows.programme_windows import SettingKind, inspection_year, year_end

_KIND_LETTERS = frozenset(string.ascii_lowercase + string.digits + "_-")


def _is_digits(text: str, most: int, least: int = 1) -> bool:
    return least <= len(text) <= most and text.isascii() and text.isdecimal()


def _narrowing(code: str) -> str:
    """A narrowing's shape: '' all, 'o' overdue, 'k<kind>', 'm<YYYYMM>', 'i<inspector's person id>'; what
    it names is checked when the button is pressed (`page_pressed`)."""
    head, rest = code[:1], code[1:]
    if (
        code in ("", "o")
        or (head == "k" and 0 < len(rest) <= 24 and set(rest) <= _KIND_LETTERS)
        or (head == "m" and _is_digits(rest, 6, 6))
        or (head == "i" and _is_digits(rest, 9))
    ):
        return code
    raise ValueError("not a narrowing")


class ProgrammePage(Button):
    """« Previous / Next » on /programme: where the page starts and the narrowing ("prg:10:o")."""

    prefix = "prg"
    offset: Offset
    narrowing: Annotated[str, AfterValidator(_narrowing)]


MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (date(2000, number, 1).strftime("%B").lower(), date(2000, number, 1).strftime("%b").lower())
}
MANAGERS_ONLY = "The inspection programme is for managers."
USAGE = (
    "Send /programme for every setting due up to the end of next inspection year, or narrow it: "
    "<i>/programme overdue</i>, <i>/programme kind ch-full</i>, <i>/programme March</i>; "
    "<i>/programme inspector Ann</i>; <i>/programme inspectors</i> shows who carries what, by month."
)


@dataclass(frozen=True)
class Narrow:
    """How the programme is narrowed: what a page button carries."""

    code: str = ""  # '', 'o', 'k<kind>', 'm<YYYYMM>', 'i<person id>'
    title: str = ""  # the inspector's name, for the header of a page narrowed by inspector

    def button(self, offset: int) -> ProgrammePage:
        return ProgrammePage(offset=offset, narrowing=self.code)


def parse_request(text: str, today: date) -> Narrow:
    """The words after /programme as a narrowing; raises InvalidInput with the usage for anything else."""
    words = text.lower().split()
    if not words:
        return Narrow()
    if words == ["overdue"]:
        return Narrow("o")
    if words[0] == "kind" and len(words) == 2:
        kind = words[1]
        if kind not in KINDS and kind not in {k.value for k in SettingKind}:
            kinds = ", ".join([*sorted(KINDS), *(k.value for k in SettingKind)])
            raise InvalidInput(f"I don't know the kind '{escape(words[1])}'. Kinds: {kinds}.")
        return Narrow(f"k{kind}")
    if words[0] in MONTHS and len(words) <= 2:
        month = MONTHS[words[0]]
        if len(words) == 2:
            if not words[1].isdecimal() or not 2000 <= int(words[1]) <= 2100:
                raise InvalidInput(f"'{escape(words[1])}' isn't a year. " + USAGE)
            year = int(words[1])
        else:  # the next such month, this one included
            year = today.year if month >= today.month else today.year + 1
        return Narrow(f"m{year:04d}{month:02d}")
    raise InvalidInput("I didn't understand that. " + USAGE)


def _period(narrow: Narrow, today: date) -> tuple[date | None, date | None, str | None, date | None, str]:
    """(from, to, kind, due before, title) for a narrowing."""
    to_next_year = year_end(inspection_year(today) + 1)
    code = narrow.code
    if code.startswith("i"):
        who = escape(narrow.title) if narrow.title else "that inspector"
        return (
            None,
            to_next_year,
            None,
            None,
            f"Due by {format_date(to_next_year)}, last inspected by or planned with {who}",
        )
    if code == "o":
        return None, None, None, today, "Overdue for inspection"
    if code.startswith("k"):
        kind = code[1:]
        name = kind_name(kind) if kind in KINDS else escape(setting_kind_name(SettingKind(kind)))
        return None, to_next_year, kind, None, f"Due by {format_date(to_next_year)}: {name}"
    if code.startswith("m"):
        year, month = int(code[1:5]), int(code[5:7])
        first, last = date(year, month, 1), date(year, month, monthrange(year, month)[1])
        return first, last, None, None, f"Due in {first:%B %Y}"
    return None, to_next_year, None, None, f"Due by {format_date(to_next_year)}, overdue first"


def line_text(line: ProgrammeLine, today: date) -> str:
    """One setting: its name and URN, the inspection due, its window, the rule and its source."""
    urn = f" ({escape(line.urn)})" if line.urn else ""
    late = " — <b>overdue</b>" if line.overdue(today) else ""
    case = f", last case #{line.latest_ref}" if line.latest_ref is not None else ""  # its last inspection
    return (
        f"• <b>{escape(line.setting)}</b>{urn}: {kind_name(line.kind)}, "
        f"{format_date(line.due_from)} to {format_date(line.due_by)}{late}\n"
        f"  {escape(line.rule.reason)} ({escape(line.rule.source)}){case}"
    )


async def render(
    context: InspectContext, person: Person, narrow: Narrow, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the programme and its page buttons."""
    db = context.services.db
    today = context.services.today()
    date_from, date_to, kind, due_before, title = _period(narrow, today)
    offset = max(0, offset - offset % PAGE_SIZE)
    inspector_id = int(narrow.code[1:]) if narrow.code.startswith("i") else None

    async def page(at: int) -> tuple[list[ProgrammeLine], int]:
        return await programme_page(
            db,
            person,
            date_from=date_from,
            date_to=date_to,
            kind=kind,
            due_before=due_before,
            inspector_id=inspector_id,
            limit=PAGE_SIZE,
            offset=at,
        )

    lines, total = await page(offset)
    if total and offset >= total:  # the programme shrank since the button was made
        offset = (total - 1) // PAGE_SIZE * PAGE_SIZE
        lines, total = await page(offset)
    if not total:
        return f"{title}: no setting.", None
    body = [line_text(line, today) for line in lines]
    if total > PAGE_SIZE:
        body.append(f"\n<i>{offset + 1} to {offset + len(lines)} of {total}</i>")
    buttons = []
    if offset > 0:
        buttons.append(narrow.button(offset - PAGE_SIZE).button("« Previous"))
    if offset + PAGE_SIZE < total:
        buttons.append(narrow.button(offset + PAGE_SIZE).button("Next »"))
    return "\n".join([f"{title} ({total}):", *body]), InlineKeyboardMarkup([buttons]) if buttons else None


async def show_programme(update: Update, context: InspectContext) -> None:
    """/programme [overdue | kind KIND | MONTH [YEAR]]: managers only."""
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    if person.role is not Role.MANAGER:
        await reply(update, MANAGERS_ONLY)
        return
    asked = command_text(update.effective_message.text or "")
    if asked.strip().lower() == "inspectors":
        await reply(update, await inspectors_text(context, person))
        return
    word, _, name = " ".join(asked.split()).partition(" ")
    if word.lower() == "inspector" and name:
        found = await context.services.db.people.inspectors_named(name)
        if len(found) != 1:
            names = ", ".join(escape(p.display_name) for p in found)
            await reply(
                update,
                f"Several inspectors match '{escape(name)}': {names}. Give more of the name."
                if found
                else f"I can't find an inspector called '{escape(name)}'.",
            )
            return
        narrow = Narrow(f"i{found[0].id}", found[0].display_name)
        text, keyboard = await render(context, person, narrow, 0)
        await update.effective_message.reply_text(
            text, parse_mode="HTML", reply_markup=keyboard, do_quote=False
        )
        return
    try:
        narrow = parse_request(asked, context.services.today())
    except InvalidInput as problem:
        await reply(update, str(problem))
        return
    text, keyboard = await render(context, person, narrow, 0)
    await update.effective_message.reply_text(text, parse_mode="HTML", reply_markup=keyboard, do_quote=False)


async def page_pressed(update: Update, context: InspectContext) -> None:
    """Next / Previous: the person checked again, the page read afresh, the message edited in place."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    pressed = ProgrammePage.of(update)
    if person.role is not Role.MANAGER:
        await query.answer(MANAGERS_ONLY, show_alert=True)
        return
    narrow = Narrow(pressed.narrowing)
    if narrow.code.startswith("i"):
        try:
            inspector = await context.services.db.people.get(int(narrow.code[1:]))
        except InvalidInput:  # no such person any more
            await query.answer("That button has expired.", show_alert=True)
            return
        narrow = Narrow(narrow.code, inspector.display_name)
    if narrow.code.startswith("k") and narrow.code[1:] not in {*KINDS, *(k.value for k in SettingKind)}:
        await query.answer("That button has expired.", show_alert=True)
        return
    await query.answer()
    text, keyboard = await render(context, person, narrow, pressed.offset)
    if query.message is not None:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=keyboard)


#: Months shown by `/programme inspectors`, from the current one.
LOAD_MONTHS = 6


async def inspectors_text(context: InspectContext, person: Person) -> str:
    """`/programme inspectors`: each active inspector's open cases by the month their visit starts."""
    today = context.services.today()
    loads = await inspector_load(context.services.db, person, today, LOAD_MONTHS)
    if not loads:
        return "There are no active inspectors yet. Invite one with /invite inspector."
    months = []
    for n in range(LOAD_MONTHS):
        index = today.month - 1 + n
        months.append(date(today.year + index // 12, index % 12 + 1, 1).strftime("%b"))
    lines = [f"Inspections planned per inspector, by month ({' / '.join(months)}):"]
    for load in loads:
        counts = " / ".join(str(count) for count in load.per_month)
        lines.append(f"• {escape(load.name)}: {counts} (total {sum(load.per_month)})")
    return "\n".join(lines)


async def show_setting(update: Update, context: InspectContext) -> None:
    """/setting NAME|URN: a setting's inspections and judgements, and when the next one is due."""
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    if person.role is not Role.MANAGER:
        await reply(update, MANAGERS_ONLY)
        return
    text = " ".join(command_text(update.effective_message.text or "").split()).strip('"')
    db = context.services.db
    try:
        found = await find_settings(db, person, text)
    except InvalidInput as problem:
        await reply(update, escape(str(problem)))
        return
    if not found:
        await reply(update, f"I can't find a setting called '{escape(text)}'. Try its URN, like SC123456.")
        return
    if len(found) > 1:
        choices = [await history(db, person, setting_id) for setting_id in found]
        lines = [f"• {escape(c.name)}: <i>/setting {escape(c.urn)}</i>" for c in choices if c.urn]
        lines += [f"• {escape(c.name)} (no URN)" for c in choices if not c.urn]
        await reply(update, f"{len(found)} settings match. Which one?\n" + "\n".join(lines))
        return
    seen = await history(db, person, found[0])
    today = context.services.today()
    urn = f" ({escape(seen.urn)})" if seen.urn else ""
    out = [f"<b>{escape(seen.name)}</b>{urn}, {escape(setting_kind_name(seen.setting_kind))}"]
    if seen.registered is not None:
        out.append(f"Registered {format_date(seen.registered)}.")
    if seen.provider_contact is not None:  # from the register; /setting is for managers only
        out.append(f"Provider contact: {escape(seen.provider_contact)}")
    out.append("Inspections:" if seen.inspections else "No inspections yet.")
    for inspection in seen.inspections:
        first, last = inspection.start, inspection.end
        days = "no dates"
        if first is not None and last is not None and first != last:
            days = f"{format_date(first)} to {format_date(last)}"
        elif (one := first or last) is not None:
            days = format_date(one)
        judged = (
            escape(inspection.judgement.replace("_", " ")) if inspection.judgement else "no judgement yet"
        )
        out.append(f"• #{inspection.ref} {kind_name(inspection.kind)}, {days}: {judged}")
    if seen.window is None:
        out.append(
            "Next inspection: not known (no inspection and no registration date, or the seeds give no "
            "interval for it)."
        )
    else:
        window = seen.window
        late = " — overdue" if window.overdue(today) else ""
        out.append(
            f"Next inspection ({kind_name(window.kind)}): {format_date(window.due_from)} to "
            f"{format_date(window.due_by)}{late}.\n"
            f"{escape(window.rule.reason)} ({escape(window.rule.source)})."
        )
    # Plan: a planned case from this window, its inspector and days asked (handlers/newcase.py).
    plan = (
        None
        if seen.window is None
        else InlineKeyboardMarkup([[PlanButton(setting_id=seen.setting_id).button("Plan")]])
    )
    await update.effective_message.reply_html("\n".join(out), reply_markup=plan, do_quote=False)


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("programme", show_programme, filters=private),
        CommandHandler("setting", show_setting, filters=private),
        ProgrammePage.handler(page_pressed),
    ]
