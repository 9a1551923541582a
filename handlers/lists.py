"""Lists across cases, one message each: a page of rows (soonest first), a count, and Next / Previous
buttons that edit the message in place.

A page button's data says which list, which page and how it was narrowed ("pg:open:10:i42"), in under 64
bytes; every press is checked again (the person, their right to narrow, the kind) and the page is read
afresh from the store, whose queries apply the access rules (store/lists.py).

A base module for the features that page a list (/cases, the questions, the digest's buttons): it imports
none of them.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from html import escape
from typing import Annotated

from pydantic import AfterValidator
from telegram import InlineKeyboardMarkup, Update

from handlers import time_answers
from handlers.button_fields import Offset
from handlers.buttons import Button
from handlers.context import Handler, InspectContext
from handlers.people import current_person
from handlers.reminder_buttons import DigestList
from handlers.render import case_title, closed_because, deadline_line, kind_name, relative, when
from store.errors import InvalidInput, NotFound
from store.lists import PAGE_SIZE, CaseFilter
from store.models import Case, Person, Role
from workflows.audience import is_mine
from workflows.dates import format_date
from workflows.kinds import KINDS
from workflows.questions import MAX_PERIOD_DAYS, week_of


class ListName(StrEnum):
    """The lists a page button can name (its value is what the data carries)."""

    OPEN = "open"
    CLOSED = "closed"
    OVERDUE = "over"
    THIS_WEEK = "wk0"
    NEXT_WEEK = "wk1"
    DUE = "due"
    INSPECTION = "insp"
    DEFER = "defer"
    TODO = "todo"


#: Lists of one answer per open case (handlers.time_answers), in /cases order.
PER_CASE = frozenset({ListName.INSPECTION, ListName.DEFER, ListName.TODO})

_KIND_LETTERS = frozenset(string.ascii_lowercase + string.digits + "-")


def _is_digits(text: str, count: int) -> bool:
    return 0 < len(text) <= count and text.isascii() and text.isdecimal()


def _narrowing(code: str) -> str:
    """The narrowing's shape: '' (none), 'o' (overdue), 'i<inspector id>', 'k<kind>' or 'd<first>.<last>'
    (the days of a "due" list, as YYYYMMDD); what it means is checked by `ListSpec.of`."""
    head, rest = code[:1], code[1:]
    first, dot, last = rest.partition(".")
    if (
        code in ("", "o")
        or (head == "i" and _is_digits(rest, 9))
        or (head == "k" and 0 < len(rest) <= 24 and set(rest) <= _KIND_LETTERS)
        or (head == "d" and dot and len(first) == len(last) == 8 and _is_digits(first + last, 16))
    ):
        return code
    raise ValueError("not a narrowing")


class PageButton(Button):
    """« Previous / Next »: which list, where the page starts, and how it was narrowed ("pg:open:10:i42")."""

    prefix = "pg"
    name: ListName
    offset: Offset
    narrowing: Annotated[str, AfterValidator(_narrowing)]


@dataclass(frozen=True)
class ListSpec:
    """Which list, narrowed how: what a page button carries."""

    name: ListName
    narrow: CaseFilter = field(default_factory=CaseFilter)
    span: tuple[date, date] | None = None  # the "due" list's first and last days

    def button(self, offset: int) -> PageButton:
        """The page button for the page starting at `offset`."""
        narrow = self.narrow
        if self.span is not None:
            first, last = self.span
            code = f"d{first:%Y%m%d}.{last:%Y%m%d}"
        elif narrow.inspector_id is not None:
            code = f"i{narrow.inspector_id}"
        elif narrow.kind is not None:
            code = f"k{narrow.kind}"
        else:
            code = "o" if narrow.overdue else ""
        return PageButton(name=self.name, offset=offset, narrowing=code)

    @classmethod
    def of(cls, button: PageButton) -> tuple[ListSpec, int] | None:
        """The list a page button names and where its page starts; None when the narrowing does not fit the
        list (a "due" list always carries its days, the others never; per-case lists are not narrowed)."""
        name, offset, code = button.name, button.offset, button.narrowing
        if (name is ListName.DUE) != code.startswith("d") or (name in PER_CASE and code):
            return None
        if code.startswith("d"):
            try:
                first, last = (datetime.strptime(part, "%Y%m%d").date() for part in code[1:].split("."))
            except ValueError:
                return None
            if not first <= last or (last - first).days > MAX_PERIOD_DAYS:
                return None
            return cls(name, span=(first, last)), offset
        narrow = CaseFilter()
        if code.startswith("i"):
            narrow = CaseFilter(inspector_id=int(code[1:]))
        elif code.startswith("k"):
            narrow = CaseFilter(kind=code[1:])
        elif code == "o":
            narrow = CaseFilter(overdue=True)
        return cls(name, narrow), offset

    @classmethod
    def parse(cls, data: str) -> tuple[ListSpec, int] | None:
        button = PageButton.parse(data)
        return None if button is None else cls.of(button)


def week_window(today: date, week: int) -> tuple[date, date]:
    """This week: today to Sunday; next week: Monday to Sunday; on a weekend both are the coming week
    (workflows.questions.week_of)."""
    return week_of(today, week)


def describe(first: date, last: date, today: date) -> str:
    """The days of a "due" list as a header says them: 'today, Sunday 6 December 2026', 'in March 2027,
    Monday 1 March 2027 to Wednesday 31 March 2027', 'from ... to ...'. From the days alone, so a page
    button (which carries only the days) heads its page as the question's answer was headed."""
    if first == last:
        word = {today: "today, ", today + timedelta(days=1): "tomorrow, "}.get(first, "on ")
        return word + format_date(first)
    span = f"{format_date(first)} to {format_date(last)}"
    month_end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    whole_month = last == month_end and first.month == last.month and first.year == last.year
    if whole_month and (first.day == 1 or first == today):
        return f"in {last:%B %Y}, {span}"
    return f"from {span}"


def describe_without_days(first: date, last: date, today: date) -> str:
    """The same span for a provider, naming no day: a day named back could be a planned day of a visit
    kept from them (workflows.audience); each line of the list carries its own date anyway."""
    if first == last:
        return {today: "today", today + timedelta(days=1): "tomorrow"}.get(
            first, "on the day you asked about"
        )
    month_end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if last == month_end and first.month == last.month and first.year == last.year:
        return f"in {last:%B %Y}"
    return "in the days you asked about"


async def _case_answer(context: InspectContext, person: Person, case: Case, name: ListName) -> str:
    """One case's answer on a per-case list (`PER_CASE`), by handlers.time_answers."""
    services = context.services
    if name is ListName.INSPECTION:
        return time_answers.inspection_text(services, person, case)
    if name is ListName.DEFER:
        return await time_answers.defer_text(services, person, case)
    return await time_answers.todo_text(services, person, case)


def refusal(spec: ListSpec, person: Person) -> str | None:
    """Why `person` may not have this list, or None. Only managers narrow by inspector or kind."""
    narrow = spec.narrow
    if (narrow.inspector_id is not None or narrow.kind is not None) and person.role is not Role.MANAGER:
        return "Only managers can narrow the list by inspector or kind."
    if narrow.kind is not None and narrow.kind not in KINDS:
        return f"I don't know the kind of inspection '{escape(narrow.kind)}'."
    return None


async def render(
    context: InspectContext, person: Person, spec: ListSpec, offset: int, title: str = ""
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the list as a message and its page buttons (none when it fits on one page)."""
    services = context.services
    lists = services.db.lists
    today = services.today()
    calendar = services.calendar
    offset = max(0, offset - offset % PAGE_SIZE)
    lines: list[str]
    if spec.name is ListName.OPEN:
        cases = await lists.open_cases(person, today, offset, narrow=spec.narrow)
        if cases.total and offset >= cases.total:  # the list shrank since the button was made
            offset = (cases.total - 1) // PAGE_SIZE * PAGE_SIZE
            cases = await lists.open_cases(person, today, offset, narrow=spec.narrow)
        start, total = cases.offset, cases.total
        if not total:
            if spec.narrow != CaseFilter():
                return "No open cases match.", None
            hint = " Start one with /newcase." if person.role != Role.PROVIDER else ""
            return "You have no open cases." + hint, None
        lines = []
        for line in cases.items:
            tail = "nothing left to do"
            if line.hidden:  # its visit is kept from this provider: no date, as with none planned
                tail = "no dates yet"
            elif line.chase is not None:
                away = relative(line.chase.last_day, today, calendar)
                tail = f"next: {escape(line.chase.label)}, {escape(when(line.chase))} ({away})"
            lines.append(f"• <b>{case_title(line.case)}</b>, {kind_name(line.case.kind)}: {tail}")
        header = f"{title or 'Your open cases'} ({total}):"
    elif spec.name is ListName.CLOSED:
        closed = await lists.closed_cases(person, offset)
        if closed.total and offset >= closed.total:
            offset = (closed.total - 1) // PAGE_SIZE * PAGE_SIZE
            closed = await lists.closed_cases(person, offset)
        start, total = closed.offset, closed.total
        if not total:
            return "You have no closed cases.", None
        lines = [f"• <b>{case_title(c)}</b>, {kind_name(c.kind)}: {closed_because(c)}" for c in closed.items]
        header = f"Closed cases ({total}):"
    elif spec.name in PER_CASE:
        cases = await lists.open_cases(person, today, offset)
        if cases.total and offset >= cases.total:
            offset = (cases.total - 1) // PAGE_SIZE * PAGE_SIZE
            cases = await lists.open_cases(person, today, offset)
        start, total = cases.offset, cases.total
        if not total:
            return "You have no open cases.", None
        lines = []
        for line in cases.items:
            try:
                case = await services.db.cases.get(person, line.case.ref)
            except NotFound:
                continue  # closed or left since the page was read
            lines.append(await _case_answer(context, person, case, spec.name))
        header = {
            ListName.INSPECTION: "The inspection visits of your open cases",
            ListName.DEFER: "Deferring the inspection, on your open cases",
            ListName.TODO: "What you can do now, on your open cases",
        }[spec.name] + f" ({total}):"
        lines = _within_budget([text + "\n" for text in lines], header)
    else:
        if spec.name is ListName.OVERDUE:
            rows = await lists.overdue(person, today, offset)
            if rows.total and offset >= rows.total:
                offset = (rows.total - 1) // PAGE_SIZE * PAGE_SIZE
                rows = await lists.overdue(person, today, offset)
            if not rows.total:
                return "Nothing is overdue.", None
            header = f"Overdue ({rows.total}):"
        elif spec.name is ListName.DUE and spec.span is not None:
            first, last = spec.span
            rows = await lists.due_between(person, today, first, last, offset)
            if rows.total and offset >= rows.total:
                offset = (rows.total - 1) // PAGE_SIZE * PAGE_SIZE
                rows = await lists.due_between(person, today, first, last, offset)
            said = (describe_without_days if person.role is Role.PROVIDER else describe)(first, last, today)
            if not rows.total:
                return f"Nothing is due {said}.", None
            header = f"Due {said} ({rows.total}):"
        else:
            week = 0 if spec.name is ListName.THIS_WEEK else 1
            first, last = week_window(today, week)
            rows = await lists.due_between(person, today, first, last, offset)
            if rows.total and offset >= rows.total:
                offset = (rows.total - 1) // PAGE_SIZE * PAGE_SIZE
                rows = await lists.due_between(person, today, first, last, offset)
            name = "this week" if week == 0 else "next week"
            # A provider is not given the week's days: one of them could be a planned day of a visit kept
            # from them (workflows.audience), and every line of theirs carries its own date anyway.
            span = "" if person.role is Role.PROVIDER else f"{format_date(first)} to {format_date(last)}"
            if not rows.total:
                return f"Nothing is due {name}" + (f" ({span})." if span else "."), None
            header = f"Due {name}" + (f", {span}" if span else "") + f" ({rows.total}):"
        start, total = rows.offset, rows.total
        lines = [
            f"<b>{case_title(r.case)}</b> "
            + deadline_line(r.deadline, today, calendar, is_mine(person.role, r.deadline))
            for r in rows.items
        ]
    shown_to = start + len(lines)
    if total > PAGE_SIZE:
        lines.append(f"\n<i>{start + 1} to {shown_to} of {total}</i>")
    return "\n".join([header, *lines]), _keyboard(spec, start, total)


#: What a page of per-case answers may take of Telegram's 4,096 characters (the header and count besides).
_BUDGET = 3700


def _within_budget(blocks: list[str], header: str) -> list[str]:
    """As many whole blocks as fit in one message, and a line saying how to see the rest of one."""
    kept: list[str] = []
    used = len(header)
    for block in blocks:
        if used + len(block) + 1 > _BUDGET:
            left = len(blocks) - len(kept)
            kept.append(f"({left} more on this page: ask about one case, for example <i>… for #12?</i>)")
            break
        kept.append(block)
        used += len(block) + 1
    return kept


def _keyboard(spec: ListSpec, offset: int, total: int) -> InlineKeyboardMarkup | None:
    buttons = []
    if offset > 0:
        buttons.append(spec.button(offset - PAGE_SIZE).button("« Previous"))
    if offset + PAGE_SIZE < total:
        buttons.append(spec.button(offset + PAGE_SIZE).button("Next »"))
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def send(
    update: Update, context: InspectContext, person: Person, spec: ListSpec, title: str = ""
) -> None:
    """The first page of a list, as a new message."""
    text, keyboard = await render(context, person, spec, 0, title)
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, parse_mode="HTML", reply_markup=keyboard, do_quote=False)


async def page_pressed(update: Update, context: InspectContext) -> None:
    """Next / Previous: check the button again and show that page in the same message."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    parsed = ListSpec.of(PageButton.of(update))
    if parsed is None:
        await query.answer("That button has expired.", show_alert=True)
        return
    spec, offset = parsed
    why = refusal(spec, person)
    if why is not None:
        await query.answer(why, show_alert=True)
        return
    await query.answer()
    title = ""
    if spec.name is ListName.OPEN and spec.narrow != CaseFilter():
        title = await narrowed_title(context, spec.narrow)
    text, keyboard = await render(context, person, spec, offset, title)
    if query.message is not None:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=keyboard)


async def narrowed_title(context: InspectContext, narrow: CaseFilter) -> str:
    """'Open cases of Ann Smith', 'Open ch-full cases', 'Open cases with something overdue'."""
    if narrow.inspector_id is not None:
        try:
            inspector = await context.services.db.people.get(narrow.inspector_id)
        except InvalidInput:  # no such person: the list (empty) still shows
            return "Open cases of that inspector"
        return f"Open cases of {escape(inspector.display_name)}"
    if narrow.kind is not None:
        return f"Open cases: {kind_name(narrow.kind)}"
    return "Open cases with something overdue"


async def digest_list_pressed(update: Update, context: InspectContext) -> None:
    """A digest's list button: the first page of `/cases overdue` (or of every overdue deadline) as a new
    message, so the digest stays; its own Next / Previous page in place."""
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return
    await query.answer()
    if DigestList.of(update).which == "open":
        narrow = CaseFilter(overdue=True)
        await send(
            update, context, person, ListSpec(ListName.OPEN, narrow), await narrowed_title(context, narrow)
        )
    else:
        await send(update, context, person, ListSpec(ListName.OVERDUE))


def handlers() -> list[Handler]:
    return [PageButton.handler(page_pressed), DigestList.handler(digest_list_pressed)]
