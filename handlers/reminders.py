"""Reminders in chat: the Done (and its day) and Snooze buttons of a reminder (how it reads is
handlers/reminder_messages.py's; Open case is handlers.cases', the digest's lists handlers.lists'), and
/reminders, /mute REF, /unmute REF and managers' /status.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ChatMemberHandler, CommandHandler, filters

from handlers.context import Handler, InspectContext
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, drop_buttons, reply
from handlers.recorder import apply, ask_first
from handlers.reminder_buttons import ReminderDid, ReminderDone, ReminderSnooze
from handlers.render import case_title
from handlers.timeline import deadlines_by_key, hidden
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person, Role
from store.outbox import OutboxRow
from workflows.dates import format_date, format_time
from workflows.deadlines import Deadline
from workflows.reminders import Lead

#: How /reminders labels a coming reminder, by its lead: what it will say when it goes.
_COMING = {
    Lead.SOON.value: "reminder: due soon",
    Lead.DUE.value: "reminder: due that day",
    Lead.OVERDUE.value: "sent if it is still not done, as overdue",
}


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
    deadline = deadlines_by_key(case, context.services.calendar).get(key)
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
                None
                if concealed
                else (case_title(case), deadlines_by_key(case, services.calendar))
                if case
                else ("", {})
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
    if change.new_chat_member.status == ChatMemberStatus.BANNED:
        await db.outbox.mark_unreachable(person.id, context.services.clock())
    elif change.new_chat_member.status == ChatMemberStatus.MEMBER:
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
