"""The demo database of `inspectbot console --demo`: three people, three cases, one message due soon.

Everything is written through the store's own repositories (invitations redeemed, events recorded), so the
cases' deadlines and reminders are the ones the bot would have stored itself. The one hand-placed row is the
message due in about a minute, written with `store.outbox.enqueue` as the store writes every outbox row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from store import deadlines, outbox
from store.codec import utc_now
from store.database import Database
from store.models import Role
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON
from workflows.reminders import Hours, Lead

#: The demo's people (Telegram ids); the console's `/as manager|inspector|provider` finds them by role.
MANAGER, INSPECTOR, PROVIDER = 1001, 2002, 3003
NAMES = {MANAGER: "Maya Manager", INSPECTOR: "Ian Inspector", PROVIDER: "Pat Provider"}


@dataclass(frozen=True)
class Demo:
    """What the welcome text tells: when the demo message goes, and what kind it is."""

    due_at: datetime
    kind: outbox.Kind
    note: str


async def build_demo(
    path: Path,
    *,
    delay: timedelta,
    hours: Hours | None = None,
    calendar: WorkingCalendar | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Demo:
    """Create the demo database at `path` (a new file): the manager, an inspector and a provider who have
    joined, three cases of different kinds at different stages, and a message to the provider due after
    `delay`: a reminder in the reminding hours, else a notice, else (the quiet hours) the notice as a
    reply, the one kind that goes at any hour."""
    hours = hours or Hours(LONDON)
    calendar = calendar or WorkingCalendar()
    async with await Database.open(path, clock=clock, calendar=calendar) as db:
        db.reminding.config = outbox.ReminderConfig(hours, calendar)  # its reminders planned as the bot's
        await db.people.ensure_admins([MANAGER])
        manager = await db.people.get_by_telegram_id(MANAGER)
        assert manager is not None  # ensure_admins just made them
        manager = await db.people.set_display_name(manager, NAMES[MANAGER])
        invite = await db.invites.create(manager, Role.INSPECTOR)
        inspector = await db.invites.redeem(invite.code, INSPECTOR, NAMES[INSPECTOR])

        today = db.now().astimezone(hours.zone).date()
        day = calendar.previous_working_day(today)

        def working(n: int) -> date:
            return calendar.add_working_days(day, n)

        # 1. A full children's home inspection a month ago: the draft report has gone to the provider.
        home = await db.cases.create(
            manager, "ch-full", "Oak Lodge", working(-22), working(-20), urn="SC100001"
        )
        await db.cases.add_member(manager, home.ref, inspector.id, Role.INSPECTOR)
        # Its visit's days recorded, as an inspector does: so it is Oak Lodge's last inspection, and the
        # programme (/programme, /setting Oak Lodge) dates its next one from it (issue 22).
        await db.cases.record_event(inspector, home.ref, "start", working(-22))
        await db.cases.record_event(inspector, home.ref, "end", working(-20))
        await db.cases.record_event(inspector, home.ref, "draft_qa", working(-18))
        await db.cases.record_event(inspector, home.ref, "evidence_upload", working(-16))
        draft_day = working(-2)
        await db.cases.record_event(manager, home.ref, "draft_report", draft_day)
        # 2. An assurance visit last week: nothing recorded yet, so the inspector's draft is due.
        visit = await db.cases.create(manager, "ch-assurance", "Willow House", working(-4), working(-3))
        await db.cases.add_member(manager, visit.ref, inspector.id, Role.INSPECTOR)
        # 3. An adoption support agency inspection planned for the week after next.
        agency = await db.cases.create(
            manager, "asa-full", "Beacon Adoption Support", working(8), working(10), urn="SC100003"
        )
        await db.cases.add_member(manager, agency.ref, inspector.id, Role.INSPECTOR)
        # The provider joins the first case after the draft went, so its notice is the demo's message.
        invite = await db.invites.create(manager, Role.PROVIDER, case_ref=home.ref)
        provider = await db.invites.redeem(invite.code, PROVIDER, NAMES[PROVIDER])

        due_at = db.now() + delay
        async with db.transaction() as conn:
            stored = {d.key: d for d in await deadlines.stored_deadlines(conn, home.id)}
            comments = stored["provider_comments"]  # what the bot itself would remind the provider of
            if hours.reminding(due_at, calendar):
                kind, template = outbox.Kind.REMIND, "remind"
                params: dict[str, object] = {
                    "key": comments.key,
                    "lead": Lead.SOON.value,
                    "day": comments.last_day.isoformat(),
                }
                note = "a reminder of their comments on the draft report"
            else:
                kind = outbox.Kind.REPLY if hours.quiet(due_at) else outbox.Kind.NOTICE
                template, params = "draft_sent", {"sent": draft_day.isoformat()}
                # Said as it is: a reminder now would wait for the reminding hours, so the demo sends a
                # kind that goes now (store.outbox.sendable_kinds).
                reminding = f"working days, {hours.remind_at:%H:%M} to {hours.quiet_from:%H:%M}"
                quiet = f"{hours.quiet_from:%H:%M} to {hours.quiet_until:%H:%M}"
                note = (
                    "the notice that the draft report was sent (not a reminder: reminders go only on"
                    f" {reminding}; a notice goes at any hour outside the quiet hours, {quiet})"
                )
                if kind is outbox.Kind.REPLY:
                    note = (
                        "the notice that the draft report was sent, as a reply: it is the quiet hours"
                        f" ({quiet}), when only replies go, and reminders go only on {reminding}"
                    )
            await outbox.enqueue(
                conn,
                db.reminding,
                db.now(),
                dedup=f"demo:{home.id}:{provider.id}",
                person_id=provider.id,
                case_id=home.id,
                kind=kind,
                batch=f"case:{home.id}" if kind is outbox.Kind.REMIND else f"notice:{home.id}",
                template=template,
                params=params,
                due_at=due_at,
            )
    return Demo(due_at=due_at, kind=kind, note=note)
