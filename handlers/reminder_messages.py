"""How a reminder, a notice and the managers' morning digest read when they are sent, with their Done /
Snooze / Open case buttons (handlers/reminder_buttons.py: pressed where each belongs).

Every outbox row is a template key and its parameters; `render_lines` turns a group of rows into one
message at send time from the case as it is then, and says which rows are no longer relevant (recorded
meanwhile, or a "due soon" whose deadline has passed while the bot was offline). handlers/outbox_messages.py
picks the renderer by template.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.context import Services
from handlers.reminder_buttons import DigestList, ReminderDone, ReminderOpen, ReminderSnooze
from handlers.render import button_text, case_title, kind_name, relative, rule_line, when
from handlers.rendered import Rendered
from handlers.timeline import deadlines_by_key, hidden
from store import outbox
from store.errors import InvalidInput
from store.models import Case, CaseStatus, Person, Role
from store.outbox import OutboxRow, ReminderConfig
from store.outbox_templates import OutboxTemplate
from store.setting_programme import overdue_count
from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.deadlines import Deadline
from workflows.kinds import get_kind
from workflows.reminders import DIGEST_INSPECTORS, PROVIDER_COMMENTS, Lead

#: A row sent this long after it was due (and could go) is marked late: the bot was offline.
LATE_AFTER = timedelta(minutes=15)
LATE_NOTE = "<i>(this reminder is late: the bot was offline)</i>"
_LEADS = {
    Lead.SOON.value: "due soon",
    Lead.DUE.value: "due today",
    Lead.OVERDUE.value: "overdue",
}

#: Done buttons on one reminder message at most (the rest: /record).
_DONE_BUTTONS = 3


def _is_late(row: OutboxRow, now: datetime, config: ReminderConfig) -> bool:
    """Sent more than LATE_AFTER after the row could first go under the bot's own settings (its database's
    `reminding.config`: INSPECTBOT_REMIND_AT, not a built-in 09:00)."""
    could_go = config.hours.next_reminding(row.due_at, config.calendar)
    return now - could_go > LATE_AFTER


def _day_text(day: str | None, until: str | None) -> str:
    assert day is not None
    text = format_date(date.fromisoformat(day))
    return text if until is None else f"between {text} and {format_date(date.fromisoformat(until))}"


async def render_lines(
    services: Services, person: Person, rows: Sequence[OutboxRow], now: datetime
) -> Rendered:
    """The message for `rows` (one person, one batch of reminders and notices) as things stand now."""
    out = Rendered()
    today = now.astimezone(services.zone).date()
    cases: dict[int, Case | None] = {}
    for row in rows:
        if row.case_id is not None and row.case_id not in cases:
            cases[row.case_id] = await services.db.outbox.case(row.case_id)
    lines_by_case: dict[int | None, list[str]] = {}
    done_rows: list[tuple[OutboxRow, Deadline]] = []
    late = False
    used = 0

    def drop(reason: str, row: OutboxRow) -> None:
        out.drop.setdefault(reason, []).append(row.id)

    for row in rows:
        case = cases.get(row.case_id) if row.case_id is not None else None
        if row.case_id is not None and (case is None or case.status != CaseStatus.OPEN):
            drop("case_closed", row)
            continue
        line = await _line(services, person, row, case, today, now)
        if line is None:
            drop("not_relevant", row)
            continue
        text, deadline = line
        used += len(text) + 1
        if out.send and used > _BUDGET:
            out.later.append(row.id)  # past one message's worth: the next message says it
            continue
        out.send.append(row.id)
        late = late or (row.kind in ("remind", "digest") and _is_late(row, now, services.db.reminding.config))
        lines_by_case.setdefault(row.case_id, []).append(text)
        if row.template == OutboxTemplate.REMIND and deadline is not None and row.kind == "remind":
            done_rows.append((row, deadline))
    if not out.send:
        return out
    first = next(r for r in rows if r.id in out.send)
    parts: list[str] = []
    if first.template == OutboxTemplate.REMIND:
        found = cases.get(first.case_id) if first.case_id is not None else None
        parts += [f"Reminder for <b>{case_title(found) if found else ''}</b>:", *lines_by_case[first.case_id]]
    else:
        parts += [line for lines in lines_by_case.values() for line in lines]
    if late:
        parts += ["", LATE_NOTE]
    out.text = "\n".join(parts)
    out.markup = _buttons(person, first, cases, done_rows)
    return out


async def _line(
    services: Services, person: Person, row: OutboxRow, case: Case | None, today: date, now: datetime
) -> tuple[str, Deadline | None] | None:
    """One row's line, or None when it is no longer worth sending."""
    p = row.params
    if row.template == OutboxTemplate.REPLY:  # a change's confirmation, written when it was made
        text = str(p["text"])
        return (text if p.get("html") else escape(text)), None
    if row.template == OutboxTemplate.UNREACHABLE:
        try:
            who = await services.db.people.get(int(p["person_id"]))
        except InvalidInput:
            return None
        return (
            f"{escape(who.display_name)} can't be reached: they have blocked the bot, so their "
            "reminders have stopped until they unblock it.",
            None,
        )
    if row.template == OutboxTemplate.PROGRAMME_OVERDUE:  # the managers' line on the programme (issue 22)
        if person.role is not Role.MANAGER:  # no longer a manager since it was written
            return None
        count = await overdue_count(services.db, person, today)
        if not count:
            return None
        settings = "setting is" if count == 1 else "settings are"
        return f"{count} {settings} overdue for inspection: /programme overdue", None
    if row.template == OutboxTemplate.MOVED and row.case_id is None:  # a change of settings, every case
        across = await _moved_across(services, person, p, today)
        return None if across is None else (across, None)
    assert case is not None
    if hidden(case, person, services.calendar, today):
        return None  # no reminder names a day of a visit kept from the provider (workflows.audience)
    timeline = deadlines_by_key(case, services.calendar)
    deadline = timeline.get(str(p.get("key", "")))
    if row.template == OutboxTemplate.REMIND:
        if deadline is None or deadline.recorded is not None:
            return None
        if p["lead"] != Lead.OVERDUE.value and deadline.last_day < today:
            return None
        if deadline.last_day.isoformat() != p["day"]:
            return None  # moved since: its new reminders are other rows
        lead = _LEADS.get(str(p["lead"]), "")
        rule = f"\n  {rule_line(deadline.rule, deadline.source, person.role)}"
        return (
            f"• <b>{escape(deadline.label)}</b> ({lead}): {escape(when(deadline))}, "
            f"{relative(deadline.last_day, today, services.calendar)}{rule}",
            deadline,
        )
    if row.template == OutboxTemplate.MOVED:
        # one row a person and change (store.outbox._plan_told); a row written before that holds one move
        moves = p.get("moves", [p])
        return "\n".join(_moved_line(case, move, timeline) for move in moves), None
    if row.template == OutboxTemplate.ASSIGNED:  # store.cases.add_member: put on a case by someone else
        names = await services.db.people.names([int(p["by"])])
        by = escape(names.get(int(p["by"]), "A manager"))
        return (
            f"{by} put you on <b>{case_title(case)}</b> as its {escape(str(p['role']))}. "
            f"Send /case {case.ref} to see it.",
            None,
        )
    if row.template == OutboxTemplate.JUDGEMENT_CHANGED:
        if case.judgement != p["to"]:
            return None  # changed again since: that change has its own notice
        kind = get_kind(case.kind)
        return (
            f"The judgement on <b>{case_title(case)}</b> was changed from "
            f"{escape(kind.grade_label(str(p['from'])))} to <b>{escape(kind.grade_label(str(p['to'])))}</b> "
            "after the feedback you were given. Your inspector will tell you the reasons before the draft "
            "report reaches you.",
            None,
        )
    if row.template == OutboxTemplate.DRAFT_SENT:
        comments = timeline.get(PROVIDER_COMMENTS)
        due = (
            f" Your comments on it are due by <b>{escape(when(comments))}</b> "
            f"({relative(comments.last_day, today, services.calendar)})."
            if comments is not None and comments.recorded is None
            else ""
        )
        return (
            f"The draft inspection report for <b>{case_title(case)}</b> was sent to you on "
            f"{format_date(date.fromisoformat(str(p['sent'])))}: check it for factual accuracy.{due}",
            None,
        )
    return None


#: Why a person's deadlines moved on all their cases at once (store.outbox.SettingsChange).
_ACROSS_WHY = {
    "closures": "The working days have changed (a closure day was added or taken off), so these deadlines"
    " of yours moved:",
    "rules": "This version of the bot counts some deadlines differently, so these deadlines of yours moved:",
}


async def _moved_across(services: Services, person: Person, p: dict[str, Any], today: date) -> str | None:
    """A change of settings' notice (store.outbox._tell_across): each case's moves, a line each, for the
    cases still open and not kept from this person; within one message, with how many more past it."""
    lines: list[str] = []
    used, more = 0, 0
    for case_id, told in p.get("cases", []):
        moves = told.get("moves", [])
        if more:  # past one message's worth: counted, not read
            more += len(moves)
            continue
        case = await services.db.outbox.case(int(case_id))
        if case is None or case.status != CaseStatus.OPEN or hidden(case, person, services.calendar, today):
            continue
        timeline = deadlines_by_key(case, services.calendar)
        for move in moves:
            line = _moved_line(case, move, timeline)
            if more or used + len(line) + 1 > _ACROSS_BUDGET:
                more += 1
                continue
            lines.append(line)
            used += len(line) + 1
    if not lines:
        return None
    tail = [f"… and {more} more: send /cases to see your deadlines."] if more else []
    return "\n".join([_ACROSS_WHY.get(str(p.get("why")), _ACROSS_WHY["closures"]), *lines, *tail])


def _moved_line(case: Case, move: dict[str, Any], timeline: dict[str, Deadline]) -> str:
    """One deadline that moved, as its member is told."""
    deadline = timeline.get(str(move.get("key", "")))
    label = escape(deadline.label) if deadline else escape(str(move["key"]))
    days = int(move.get("working_days") or 0)
    by = f" ({abs(days)} working day{'s' if abs(days) != 1 else ''} {'later' if days > 0 else 'earlier'})"
    frm, to = _day_text(move["from"], move.get("from_until")), _day_text(move["to"], move.get("to_until"))
    return f"A deadline moved on <b>{case_title(case)}</b>: {label}, {frm} → <b>{to}</b>{by if days else ''}."


# ---------------------------------------------------------------- the managers' morning digest

#: Telegram's limit on a message's text, and what the per-row messages above keep within (a title, the
#: late note and the HTML besides).
MESSAGE_LIMIT = 4096
_BUDGET = 3700
#: A change of settings' notice: its lines, within `_BUDGET` with its first line and its last.
_ACROSS_BUDGET = _BUDGET - 300
#: Names in the digest are cut to this many characters (a setting's name may have 200): its size is
#: bounded by the number of kinds, DIGEST_INSPECTORS and DIGEST_URGENT, never by the number of cases.
_DIGEST_NAME = 60


def _clip(text: str, limit: int = _DIGEST_NAME) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def digest_text(morning: outbox.Morning, today: date, calendar: WorkingCalendar) -> str:
    """A manager's morning in one message: how many deadlines are overdue, by kind and by inspector, and
    the most overdue by name; within Telegram's limit however many cases there are."""
    lines = [
        f"<b>Good morning: {_plural(morning.total, 'deadline')} overdue on "
        f"{_plural(morning.cases, 'case')} of yours.</b>",
        "",
        "<b>By kind of inspection</b>",
        *(f"• {kind_name(kind)}: {count}" for kind, count in morning.by_kind),
        "",
        "<b>By inspector</b>",
    ]
    named = [(name, count) for name, count in morning.by_inspector if name is not None]
    lines += [f"• {_clip(name)}: {count}" for name, count in named[:DIGEST_INSPECTORS]]
    others = named[DIGEST_INSPECTORS:]
    if others:
        lines.append(f"• {_plural(len(others), 'other inspector')}: {sum(count for _, count in others)}")
    unassigned = sum(count for name, count in morning.by_inspector if name is None)
    if unassigned:
        lines.append(f"• no inspector: {unassigned}")
    lines += ["", "<b>Most overdue</b>"]
    for item in morning.urgent:
        d = item.deadline
        lines.append(
            f"• <b>#{item.ref} {_clip(item.setting_name)}</b>: {_clip(d.label, 80)}, due {escape(when(d))} "
            f"({relative(d.last_day, today, calendar)})"
        )
    lines += ["", "Record what was done with /record, or open a case with /case."]
    return "\n".join(lines)


def digest_buttons() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [DigestList(which="open").button("Cases with something overdue")],
            [DigestList(which="over").button("Every overdue deadline")],
        ]
    )


async def render_digest(
    services: Services, person: Person, rows: Sequence[OutboxRow], now: datetime
) -> Rendered:
    """A manager's morning digest, one message for the group (`batch` "digest"): what is overdue on
    their cases now (`store.outbox.plan_digests`, `morning`; a day's row and any earlier day's that could
    not go) and the line on settings overdue for inspection (store.setting_programme). A part with nothing
    left to say, or a person no longer a manager, sends nothing. A row of the digest as it was once
    written (one per overdue milestone, template "remind") is dropped: the digest counts its deadline."""
    out = Rendered()
    today = now.astimezone(services.zone).date()
    legacy = [r.id for r in rows if r.template == OutboxTemplate.REMIND]
    if legacy:
        out.drop["digest_replaced"] = legacy
    current = [r for r in rows if r.template != OutboxTemplate.REMIND]
    if current and person.role is not Role.MANAGER:
        out.drop["not_manager"] = [r.id for r in current]
        return out
    mine = [r.id for r in current if r.template == OutboxTemplate.DIGEST]
    blocks: list[str] = []
    if mine:
        morning = await services.db.outbox.morning(person.id, today)
        if morning.total:
            out.send += mine
            out.markup = digest_buttons()
            blocks.append(digest_text(morning, today, services.calendar))
        else:
            out.drop["nothing_overdue"] = mine
    lines: list[str] = []
    for row in current:
        if row.template == OutboxTemplate.DIGEST:
            continue
        line = await _line(services, person, row, None, today, now)  # the programme's line
        if line is None:
            out.drop.setdefault("not_relevant", []).append(row.id)
        else:
            out.send.append(row.id)
            lines.append(line[0])
    if lines:
        blocks.append("\n".join(lines if blocks else ["<b>Good morning.</b>", *lines]))
    out.text = "\n\n".join(blocks)
    return out


def _buttons(
    person: Person,
    first: OutboxRow,
    cases: dict[int, Case | None],
    done_rows: list[tuple[OutboxRow, Deadline]],
) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    if person.role is not Role.PROVIDER:
        rows += [
            [ReminderDone(row=r.id).button(button_text(f"Done: {d.label}"))]
            for r, d in done_rows[:_DONE_BUTTONS]
        ]
    if first.kind == "remind":
        rows.append([ReminderSnooze(row=first.id).button("Snooze")])
    opened = [c for c in cases.values() if c is not None][:5]
    rows += [[ReminderOpen(ref=c.ref).button(f"Open case #{c.ref}")] for c in opened]
    return InlineKeyboardMarkup(rows) if rows else None
