"""How deadlines and cases read in chat: HTML, answer first, the rule on its own line (chat-style.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from store.models import Case, Role
from workflows.calendar import WorkingCalendar
from workflows.dates import format_date, format_time
from workflows.deadlines import Deadline
from workflows.kinds import KINDS, get_kind
from workflows.rules import Actor

#: Telegram refuses longer messages; pages stay a little under it.
MESSAGE_LIMIT = 4096
_PAGE_BUDGET = 3800

#: Which deadline owners each role answers for ("your" deadlines).
ROLE_ACTORS: dict[Role, frozenset[Actor]] = {
    Role.INSPECTOR: frozenset({Actor.INSPECTOR}),
    Role.PROVIDER: frozenset({Actor.PROVIDER, Actor.DCS, Actor.LOCAL_AUTHORITY}),
    Role.MANAGER: frozenset({Actor.MANAGER}),
}


def case_title(case: Case) -> str:
    return f"#{case.ref} {escape(case.setting.name)}"


def kind_name(kind_id: str) -> str:
    kind = KINDS.get(kind_id)
    return escape(kind.name if kind else kind_id)


def relative(due: date, today: date, calendar: WorkingCalendar) -> str:
    """'4 working days from today', 'today', '2 working days late'."""
    if due == today:
        return "today"
    days = calendar.working_days_between(today, due)
    if due > today:
        if days == 0:  # a weekend or bank holiday before the next working day
            return "before the next working day"
        return f"{days} working day{'s' if days != 1 else ''} from today"
    late = calendar.working_days_between(due, today)  # working days since, not counting the due day
    if late == 0:  # due on Friday, asked at the weekend
        return "overdue"
    return f"{late} working day{'s' if late != 1 else ''} late"


def when(deadline: Deadline) -> str:
    """The date (and time, and window) as a person says it."""
    text = format_date(deadline.due)
    if deadline.due_until is not None:
        return f"between {text} and {format_date(deadline.due_until)}"
    if deadline.time is not None:
        return f"{format_time(deadline.time)} on {text}"
    return text


def deadline_answer(case: Case, deadline: Deadline, today: date, calendar: WorkingCalendar) -> str:
    """One short message: the answer, who owns it, the rule, any note where the guidance disagrees."""
    label = escape(deadline.label)
    if deadline.recorded is not None:
        head = f"{label} for {case_title(case)}: done on <b>{format_date(deadline.recorded)}</b>."
    else:
        due = deadline.due_until or deadline.due
        head = (
            f"{label} for {case_title(case)} is due <b>{escape(when(deadline))}</b> "
            f"({relative(due, today, calendar)})."
        )
    lines = [
        head,
        f"Owner: {escape(deadline.actor.label)}",
        f"Rule: {escape(deadline.rule)} ({escape(deadline.source)})",
    ]
    lines += [f"Note: {escape(note)}" for note in deadline.notes]
    return "\n".join(lines)


def deadline_line(deadline: Deadline, today: date, calendar: WorkingCalendar, mine: bool) -> str:
    """One row of a list: date first, then what, whose, how far away."""
    marker = " <i>(yours)</i>" if mine else ""
    if deadline.recorded is not None:
        return f"✓ {escape(deadline.label)}: done {format_date(deadline.recorded)}"
    due = deadline.due_until or deadline.due
    return (
        f"• <b>{escape(when(deadline))}</b>: {escape(deadline.label)}{marker}, "
        f"{escape(deadline.actor.label)} ({relative(due, today, calendar)})"
    )


def is_mine(deadline: Deadline, role: Role) -> bool:
    return deadline.actor in ROLE_ACTORS.get(role, frozenset())


def paginate(lines: Iterable[str], header: str = "") -> list[str]:
    """Split lines into messages under Telegram's limit, never cutting a line (or HTML tag) in two."""
    pages: list[str] = []
    current = header
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > _PAGE_BUDGET and current:
            pages.append(current)
            current = line
        else:
            current = candidate
    if current:
        pages.append(current)
    return pages


def bullet_list(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


#: A keyboard longer than this is hard to use on a phone; further cases are reached by typing their number.
CASE_BUTTON_LIMIT = 20

_EVENT_LABELS = {"start": "First on-site day", "end": "Visit ended (feedback given)"}


def case_keyboard(cases: Sequence[Case], prefix: str) -> InlineKeyboardMarkup:
    """One button per case, its data '<prefix>:<ref>'."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(f"#{c.ref} {c.setting.name}"[:60], callback_data=f"{prefix}:{c.ref}")]
            for c in cases[:CASE_BUTTON_LIMIT]
        ]
    )


def which_case(question: str, cases: Sequence[Case], typed_form: str) -> str:
    """The question above a case keyboard, saying so when some cases are not on it."""
    if len(cases) <= CASE_BUTTON_LIMIT:
        return question
    return (
        f"{question} (The first {CASE_BUTTON_LIMIT} of your {len(cases)} cases are shown; for another, "
        f"type its number, for example {typed_form}.)"
    )


def event_label(case_kind: str, key: str) -> str:
    """What a recordable key is called in chat: 'Visit ended (feedback given)', 'Draft report sent...'."""
    labels = {m.key: m.label for m in get_kind(case_kind).milestones}
    return _EVENT_LABELS.get(key) or labels.get(key) or key.replace("_", " ").capitalize()
