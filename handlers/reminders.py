"""Reminders in chat: how an outbox message reads when it is sent, its Done / Snooze / Open case buttons,
and /reminders, /mute REF, /unmute REF and managers' /status.

Every outbox row is a template key and its parameters; `render` turns a group of rows into one message at
send time from the case as it is then, and says which rows are no longer relevant (recorded meanwhile, or
a "due soon" whose deadline has passed while the bot was offline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ChatMemberHandler, CommandHandler, filters

from handlers.context import Handler, InspectContext, Services
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, drop_buttons, reply
from handlers.recorder import apply, ask_first
from handlers.reminder_buttons import ReminderDid, ReminderDone, ReminderSnooze
from handlers.render import button_text, case_title, kind_name, relative, rule_line, when
from handlers.timeline import hidden
from store import outbox
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person, Role
from store.outbox import OutboxRow, ReminderConfig
from store.setting_programme import OVERDUE_TEMPLATE, overdue_count
from workflows.calendar import WorkingCalendar
from workflows.dates import format_date, format_time
from workflows.deadlines import Deadline
from workflows.kinds import get_kind
from workflows.reminders import DIGEST_INSPECTORS, PROVIDER_COMMENTS, Lead

#: Button data: "rem:done:<row>", "rem:did:<row>:today|yesterday", "rem:snooze:<row>", "rem:open:<ref>",
#: "rem:list:open|over" (the digest's lists).
_PREFIX = "rem"
#: A row sent this long after it was due (and could go) is marked late: the bot was offline.
LATE_AFTER = timedelta(minutes=15)
LATE_NOTE = "<i>(this reminder is late: the bot was offline)</i>"
_LEADS = {
    Lead.SOON.value: "due soon",
    Lead.DUE.value: "due today",
    Lead.OVERDUE.value: "overdue",
}
#: How /reminders labels a coming reminder, by its lead: what it will say when it goes.
_COMING = {
    Lead.SOON.value: "reminder: due soon",
    Lead.DUE.value: "reminder: due that day",
    Lead.OVERDUE.value: "sent if it is still not done, as overdue",
}
#: Done buttons on one reminder message at most (the rest: /record).
_DONE_BUTTONS = 3


@dataclass
class Rendered:
    """One message for a group of rows, and the rows that turned out not to be worth sending."""

    text: str = ""
    markup: InlineKeyboardMarkup | None = None
    send: list[int] = field(default_factory=list)
    drop: dict[str, list[int]] = field(default_factory=dict)  # reason -> row ids
    #: The message to edit into `text` and `markup` instead of sending a new one (a decided request).
    edit: int | None = None
    #: Rows to look at again shortly (an edit whose message is still being sent).
    later: list[int] = field(default_factory=list)

    def one_of(self, rows: Sequence[OutboxRow]) -> OutboxRow:
        """For a batch that makes one message from its first row (a request's, an edit's): that row, the
        others dropped as duplicates."""
        for other in rows[1:]:
            self.drop.setdefault("duplicate", []).append(other.id)
        return rows[0]


def _timeline(case: Case, services: Services) -> dict[str, Deadline]:
    from handlers.timeline import case_timeline

    try:
        return {d.key: d for d in case_timeline(case, services.calendar)}
    except ValueError:
        return {}


def _is_late(row: OutboxRow, now: datetime, config: ReminderConfig) -> bool:
    """Sent more than LATE_AFTER after the row could first go under the bot's own settings (its database's
    `reminding.config`: INSPECTBOT_REMIND_AT, not a built-in 09:00)."""
    could_go = config.hours.next_reminding(row.due_at, config.calendar)
    return now - could_go > LATE_AFTER


def _day_text(day: str | None, until: str | None) -> str:
    assert day is not None
    text = format_date(date.fromisoformat(day))
    return text if until is None else f"between {text} and {format_date(date.fromisoformat(until))}"


async def render(services: Services, person: Person, rows: Sequence[OutboxRow], now: datetime) -> Rendered:
    """The message for `rows` (one person, one batch) as things stand now."""
    if rows and rows[0].template == "request":
        from handlers.requests import render_request

        return await render_request(services, person, rows, now)
    if rows and rows[0].template == "request_edit":
        from handlers.request_copies import render_edit

        return await render_edit(services, person, rows, now)
    if rows and rows[0].kind == "digest":
        return await render_digest(services, person, rows, now)
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
        if row.case_id is not None and (case is None or case.status != "open"):
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
        if row.template == "remind" and deadline is not None and row.kind == "remind":
            done_rows.append((row, deadline))
    if not out.send:
        return out
    first = next(r for r in rows if r.id in out.send)
    parts: list[str] = []
    if first.template == "remind":
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
    if row.template == "reply":  # a change's confirmation, written when it was made
        text = str(p["text"])
        return (text if p.get("html") else escape(text)), None
    if row.template == "unreachable":
        try:
            who = await services.db.people.get(int(p["person_id"]))
        except InvalidInput:
            return None
        return (
            f"{escape(who.display_name)} can't be reached: they have blocked the bot, so their "
            "reminders have stopped until they unblock it.",
            None,
        )
    if row.template == OVERDUE_TEMPLATE:  # the managers' line on the programme (issue 22), counted now
        if person.role is not Role.MANAGER:  # no longer a manager since it was written
            return None
        count = await overdue_count(services.db, person, today)
        if not count:
            return None
        settings = "setting is" if count == 1 else "settings are"
        return f"{count} {settings} overdue for inspection: /programme overdue", None
    assert case is not None
    if hidden(case, person, services.calendar, today):
        return None  # no reminder names a day of a visit kept from the provider (workflows.audience)
    timeline = _timeline(case, services)
    deadline = timeline.get(str(p.get("key", "")))
    if row.template == "remind":
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
    if row.template == "moved":
        label = escape(deadline.label) if deadline else escape(str(p["key"]))
        days = int(p.get("working_days") or 0)
        by = f" ({abs(days)} working day{'s' if abs(days) != 1 else ''} {'later' if days > 0 else 'earlier'})"
        return (
            f"A deadline moved on <b>{case_title(case)}</b>: {label}, "
            f"{_day_text(p['from'], p.get('from_until'))} → <b>{_day_text(p['to'], p.get('to_until'))}</b>"
            f"{by if days else ''}.",
            None,
        )
    if row.template == "assigned":  # store.cases.add_member: put on a case by someone else
        names = await services.db.people.names([int(p["by"])])
        by = escape(names.get(int(p["by"]), "A manager"))
        return (
            f"{by} put you on <b>{case_title(case)}</b> as its {escape(str(p['role']))}. "
            f"Send /case {case.ref} to see it.",
            None,
        )
    if row.template == "judgement_changed":
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
    if row.template == "draft_sent":
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


# ---------------------------------------------------------------- the managers' morning digest

#: Telegram's limit on a message's text, and what the per-row messages above keep within (a title, the
#: late note and the HTML besides).
MESSAGE_LIMIT = 4096
_BUDGET = 3700
#: Names in the digest are cut to this many characters (a setting's name may have 200): its size is
#: bounded by the number of kinds, DIGEST_INSPECTORS and DIGEST_URGENT, never by the number of cases.
_DIGEST_NAME = 60
#: The digest's buttons: "rem:list:open" (/cases overdue) and "rem:list:over" (every overdue deadline).
_DIGEST_LISTS = ("open", "over")


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
            [InlineKeyboardButton("Cases with something overdue", callback_data=f"{_PREFIX}:list:open")],
            [InlineKeyboardButton("Every overdue deadline", callback_data=f"{_PREFIX}:list:over")],
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
    legacy = [r.id for r in rows if r.template == "remind"]
    if legacy:
        out.drop["digest_replaced"] = legacy
    current = [r for r in rows if r.template != "remind"]
    if current and person.role is not Role.MANAGER:
        out.drop["not_manager"] = [r.id for r in current]
        return out
    mine = [r.id for r in current if r.template == "digest"]
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
        if row.template == "digest":
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
            [InlineKeyboardButton(button_text(f"Done: {d.label}"), callback_data=f"{_PREFIX}:done:{r.id}")]
            for r, d in done_rows[:_DONE_BUTTONS]
        ]
    if first.kind == "remind":
        rows.append([InlineKeyboardButton("Snooze", callback_data=f"{_PREFIX}:snooze:{first.id}")])
    opened = [c for c in cases.values() if c is not None][:5]
    rows += [
        [InlineKeyboardButton(f"Open case #{c.ref}", callback_data=f"{_PREFIX}:open:{c.ref}")] for c in opened
    ]
    return InlineKeyboardMarkup(rows) if rows else None


# ---------------------------------------------------------------- buttons (handlers/reminder_buttons.py)


async def _pressed_row(
    update: Update, context: InspectContext, row_id: int
) -> tuple[Person, OutboxRow, Case] | None:
    """A button on a reminder: the presser's own outbox row and its case, checked now; the press is
    answered (with the refusal, when there is one)."""
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return None
    try:
        row = await context.services.db.outbox.get_for(person, row_id)
        case = await _case_of(context, person, row)
    except (InvalidInput, NotFound) as exc:
        await query.answer(str(exc), show_alert=True)
        return None
    await query.answer()
    return person, row, case


async def done_pressed(update: Update, context: InspectContext) -> None:
    """Done: ask which day it happened (today by default); checked again on the answer."""
    pressed = await _pressed_row(update, context, ReminderDone.of(update).row)
    if pressed is None or update.effective_message is None:
        return
    _, row, case = pressed
    key = str(row.params.get("key"))
    deadline = _timeline(case, context.services).get(key)
    label = escape(deadline.label) if deadline else escape(key)
    buttons = InlineKeyboardMarkup(
        [
            [
                ReminderDid(row=row.id, day="today").button("Today"),
                ReminderDid(row=row.id, day="yesterday").button("Yesterday"),
            ]
        ]
    )
    await update.effective_message.reply_html(
        f"When was <b>{label}</b> done for {case_title(case)}? Today, yesterday, or send "
        f"<code>/record {case.ref} {escape(key)} DATE</code>.",
        reply_markup=buttons,
        do_quote=False,
    )


async def did_pressed(update: Update, context: InspectContext) -> None:
    """Record the reminder's milestone on the day pressed (the store checks who may), through the same
    checks as /record: what is possible but odd (a final report before the comments deadline,
    workflows.recording.record_warnings) is asked first, with /record's Yes / No buttons."""
    did = ReminderDid.of(update)
    pressed = await _pressed_row(update, context, did.row)
    if pressed is None:
        return
    person, row, case = pressed
    await drop_buttons(update)
    day = context.services.today() - timedelta(days=1 if did.day == "yesterday" else 0)
    key = str(row.params.get("key"))
    asked = await ask_first(context, person, case.ref, key, day.isoformat())
    if asked is not None:
        text, markup = asked
        if update.effective_message is not None:
            await update.effective_message.reply_html(text, reply_markup=markup, do_quote=False)
        return
    _, text = await apply(context, person, case.ref, key, day.isoformat())
    await reply(update, text)


async def snooze_pressed(update: Update, context: InspectContext) -> None:
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return
    try:
        at = await context.services.db.outbox.snooze(person, ReminderSnooze.of(update).row)
    except InvalidInput as exc:
        await query.answer(str(exc), show_alert=True)
        return
    local = at.astimezone(context.services.zone)
    await query.answer(
        f"I'll remind you again at {format_time(local.time())} on {format_date(local.date())}."
    )


async def _case_of(context: InspectContext, person: Person, row: OutboxRow) -> Case:
    """The row's case, if `person` may still see it (NotFound otherwise)."""
    case = await context.services.db.outbox.case(row.case_id) if row.case_id is not None else None
    if case is None:
        raise NotFound(0)
    return await context.services.db.cases.get(person, case.ref)


# ---------------------------------------------------------------- commands


async def reminders_command(update: Update, context: InspectContext) -> None:
    """What this person will be sent, soonest first."""
    person = await current_person(update, context)
    if person is None:
        return
    rows = await context.services.db.outbox.coming(person)
    if not rows:
        await reply(update, "No reminders are waiting for you. Send /cases to see your deadlines.")
        return
    services = context.services
    lines = ["Your coming reminders:"]
    cases: dict[int, tuple[str, dict[str, Deadline]] | None] = {}
    refs: list[int] = []  # the cases named, for a /mute that works as shown
    for row in rows:
        if row.case_id is not None and row.case_id not in cases:
            case = await services.db.outbox.case(row.case_id)
            concealed = case is not None and hidden(case, person, services.calendar, services.today())
            # Nothing of a visit kept from the provider is listed, not even when it would be sent.
            cases[row.case_id] = (
                None if concealed else (case_title(case), _timeline(case, services)) if case else ("", {})
            )
            refs += [case.ref] if case and not concealed else []
        if row.kind == "digest":
            local = row.due_at.astimezone(context.services.zone)
            lines.append(
                f"• {format_date(local.date())}, {format_time(local.time())}: "
                "your morning digest of what is overdue"
            )
            continue
        found = cases.get(row.case_id or 0, ("", {}))
        if found is None:
            continue
        title, timeline = found
        local = row.due_at.astimezone(context.services.zone)
        key = str(row.params.get("key", row.template))
        what = escape(timeline[key].label) if key in timeline else escape(key.replace("_", " "))
        # Each is sent on its day: a future reminder is one *for when* it is overdue, not overdue now.
        lead = _COMING.get(str(row.params.get("lead")), "news")
        lines.append(f"• {format_date(local.date())}, {format_time(local.time())}: {title}, {what} ({lead})")
    if len(lines) == 1:
        await reply(update, "No reminders are waiting for you. Send /cases to see your deadlines.")
        return
    if refs:
        ref = refs[0]
        lines.append(f"\n/mute {ref} stops the reminders of case #{ref}; /unmute {ref} brings them back.")
    await reply(update, "\n".join(lines))


async def _mute(update: Update, context: InspectContext, muted: bool) -> None:
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    name = "mute" if muted else "unmute"
    ref = parse_ref(command_text(update.effective_message.text or ""))
    if ref is None:
        await reply(update, f"Which case? Send <code>/{name} 12</code>.")
        return
    try:
        was_muted = await context.services.db.outbox.is_muted(person, ref)
        case = await context.services.db.outbox.set_muted(person, ref, muted)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    if muted:
        extra = (
            " Managers still get overdue items in their morning digest."
            if person.role is Role.MANAGER
            else ""
        )
        await reply(update, f"Reminders for {case_title(case)} are off. /unmute {ref} turns them on.{extra}")
    elif was_muted:
        await reply(update, f"Reminders for {case_title(case)} are on again.")
    else:
        await reply(
            update, f"Reminders for {case_title(case)} were not muted: they are on. /mute {ref} stops them."
        )


async def mute_command(update: Update, context: InspectContext) -> None:
    await _mute(update, context, True)


async def unmute_command(update: Update, context: InspectContext) -> None:
    await _mute(update, context, False)


async def status_command(update: Update, context: InspectContext) -> None:
    """Managers: messages pending, sent today, failed, and people who can't be reached."""
    person = await current_person(update, context)
    if person is None:
        return
    try:
        status = await context.services.db.outbox.status(person)
    except (InvalidInput, PermissionDenied) as exc:
        await reply(update, escape(str(exc)))
        return
    lines = [
        "<b>Messages</b>",
        f"Waiting to be sent: {status.pending}",
        f"Sent today: {status.sent_today}",
        f"Failed: {status.failed}",
    ]
    if status.unreachable:
        names = ", ".join(escape(n) for n in status.unreachable[:20])
        lines.append(f"Can't be reached (blocked the bot): {names}")
    else:
        lines.append("Everyone can be reached.")
    await reply(update, "\n".join(lines))


async def member_status(update: Update, context: InspectContext) -> None:
    """Telegram tells the bot when a person blocks it (their reminders stop, their managers are told)
    or unblocks it (their reminders come back)."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    db = context.services.db
    person = await db.people.get_by_telegram_id(change.chat.id)
    if person is None:
        return
    if change.new_chat_member.status == "kicked":
        await db.outbox.mark_unreachable(person.id, context.services.clock())
    elif change.new_chat_member.status == "member":
        await db.outbox.reachable_again(person.id)


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        ChatMemberHandler(member_status, ChatMemberHandler.MY_CHAT_MEMBER),
        CommandHandler("reminders", reminders_command, filters=private),
        CommandHandler("mute", mute_command, filters=private),
        CommandHandler("unmute", unmute_command, filters=private),
        CommandHandler("status", status_command, filters=private),
        # Open case and the digest's lists are handled by handlers.cases and handlers.lists.
        ReminderDone.handler(done_pressed),
        ReminderDid.handler(did_pressed),
        ReminderSnooze.handler(snooze_pressed),
    ]
