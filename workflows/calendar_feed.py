"""What goes into a person's calendar file for a case, and what a timeline picture shows: no I/O.

`calendar_entries` picks the person's own deadlines still to come (a manager, who oversees the case,
gets every deadline they are shown), each with a UID that depends only on the case and the milestone,
so importing an updated file moves an event instead of adding a second one. A deadline of theirs that is
done, or that applied under an earlier outcome of the case and no longer does, comes out cancelled under
the same UID: a calendar that imported an earlier file then cancels the event instead of keeping it
(RFC 5545 STATUS:CANCELLED; the file's SEQUENCE, `sequence_of`, grows with every change to the case).
Alarms are at the reminder times (the reminder policy of `workflows.reminders`, at the configured
reminding hour, `Hours.remind_at`, in its zone), relative to the event's start.

`chart_points` classifies each milestone for the picture: done, due, or overdue, and the days that are
not working days in the range shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from workflows.access import Role
from workflows.audience import is_mine, shown
from workflows.calendar import WorkingCalendar
from workflows.deadlines import Deadline
from workflows.reminders import Hours, steps_for


@dataclass(frozen=True)
class CalendarEntry:
    """One event: an all-day one (`at` None; `last_day` for a window) or one at a time of day."""

    uid: str
    key: str
    label: str
    owner: str
    rule: str
    first_day: date
    last_day: date
    at: time | None
    alarms: tuple[timedelta, ...]  # relative to the event's start (negative: before it; an all-day
    # event starts at midnight, so 9am on the day is +9 hours)
    cancelled: bool = False  # done, or no longer applying: the event is withdrawn, not dropped

    def starts(self, zone: ZoneInfo) -> datetime:
        return datetime.combine(self.first_day, self.at or time(0, 0), zone)


def entry_uid(ref: int, key: str, domain: str) -> str:
    """The same for a case's milestone whatever changes, so calendars replace the event."""
    return f"case-{ref}-{key}@{domain}"


def _alarms(
    deadline: Deadline, at: time | None, calendar: WorkingCalendar, hours: Hours
) -> tuple[timedelta, ...]:
    """The reminder policy's steps before or on the deadline (workflows.reminders, counted from its last
    day), as offsets from the event's start, each at the reminding hour (`hours`, INSPECTBOT_REMIND_AT):
    the alarm rings when the chat would remind; never after a deadline with a time of day."""
    start = datetime.combine(deadline.due, at or time(0, 0), hours.zone)
    offsets: list[timedelta] = []
    for step in steps_for(deadline.key):
        if step.working_days > 0:  # "overdue" reminders come after the event: no alarm for them
            continue
        day = deadline.last_day
        remind_day = calendar.add_working_days(day, step.working_days) if step.working_days else day
        offset = hours.morning(remind_day) - start
        if at is not None and offset > timedelta(0):  # due before the reminder time: remind at the time
            offset = timedelta(0)
        offsets.append(offset)
    return tuple(sorted(set(offsets)))


#: SEQUENCE is this plus the id of the case's newest audit entry. The base keeps it above the minutes
#: since 1970 that files made before carried (about 29.9 million late in 2026, a number they would reach
#: 100 million with only in 2160), so a calendar holding such a file still takes the next one; it leaves
#: two billion audit entries within RFC 5545's 32-bit INTEGER.
SEQUENCE_BASE = 100_000_000


def sequence_of(last_audit_id: int) -> int:
    """The SEQUENCE of every event in a file, from the case's newest audit entry (0 when it has none).

    Every change to a case commits with its audit entry (docs/architecture.md), and audit ids only
    grow (AUTOINCREMENT; triggers refuse to delete entries): so re-exporting an unchanged case gives the
    same number however often and whenever it is done, and any change (a record, an outcome, new dates,
    an undo) gives a higher one, which makes a calendar take the newer event, or its cancellation, over
    the one it holds. The audit id, not its time: two changes in the same second (or under a clock held
    still) still count."""
    return SEQUENCE_BASE + last_audit_id


def _theirs(role: Role, timeline: Sequence[Deadline]) -> list[Deadline]:
    """The deadlines of `timeline` that belong in this person's calendar: their own, or (for a manager,
    who oversees the case) every one they are shown."""
    seen = shown(role, timeline)
    return seen if role is Role.MANAGER else [d for d in seen if is_mine(role, d)]


def _entry(
    ref: int, d: Deadline, calendar: WorkingCalendar, hours: Hours, domain: str, cancelled: bool
) -> CalendarEntry:
    at = None if d.due_until is not None else d.time
    return CalendarEntry(
        uid=entry_uid(ref, d.key, domain),
        key=d.key,
        label=d.label,
        owner=d.actor.label,
        rule=d.rule,
        first_day=d.due,
        last_day=d.due_until or d.due,
        at=at,
        alarms=() if cancelled else _alarms(d, at, calendar, hours),
        cancelled=cancelled,
    )


def calendar_entries(
    ref: int,
    role: Role,
    timeline: Sequence[Deadline],
    today: date,
    calendar: WorkingCalendar,
    hours: Hours,
    domain: str,
    earlier: Sequence[Sequence[Deadline]] = (),
) -> list[CalendarEntry]:
    """The person's deadlines on case `ref` not yet done (a window until it ends), then, cancelled, those
    done since the case opened and those of `earlier` timelines (the case under outcomes it had before)
    that no longer apply; each in date order. Alarms ring at `hours`' reminding hour, in its zone."""
    mine = _theirs(role, timeline)
    coming = [_entry(ref, d, calendar, hours, domain, False) for d in mine if d.open_on(today)]
    withdrawn = {d.key: d for d in mine if d.done}
    now_keys = {d.key for d in timeline}
    for before in earlier:
        for d in _theirs(role, before):
            if d.key not in now_keys and d.recorded is None:
                withdrawn.setdefault(d.key, d)
    cancelled = [_entry(ref, d, calendar, hours, domain, True) for d in withdrawn.values()]

    def order(e: CalendarEntry) -> tuple[date, time, str]:
        return (e.first_day, e.at or time(0, 0), e.key)

    return sorted(coming, key=order) + sorted(cancelled, key=order)


class Status(StrEnum):
    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ChartPoint:
    label: str
    day: date  # when it was done, else when it is due
    last_day: date  # the end of a window, else `day`
    status: Status


@dataclass(frozen=True)
class ChartData:
    points: list[ChartPoint]
    first: date  # the range shown, a few days either side of the points and today
    last: date
    closed_days: list[date]  # weekends, bank holidays and closures in the range
    today: date


def chart_points(
    timeline: Sequence[Deadline], role: Role, today: date, calendar: WorkingCalendar
) -> ChartData:
    """The milestones `role` is shown, each done, due or overdue, with the days that are not working days."""
    points: list[ChartPoint] = []
    for d in shown(role, timeline):
        if d.recorded is not None:
            points.append(ChartPoint(d.label, d.recorded, d.recorded, Status.DONE))
        elif d.missed_on(today):
            points.append(ChartPoint(d.label, d.due, d.last_day, Status.OVERDUE))
        elif d.open_on(today):
            points.append(ChartPoint(d.label, d.due, d.last_day, Status.DUE))
    days = [p.day for p in points] + [p.last_day for p in points] + [today]
    first, last = min(days) - timedelta(days=3), max(days) + timedelta(days=3)
    closed = [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if not calendar.is_working_day(first + timedelta(days=n))
    ]
    return ChartData(sorted(points, key=lambda p: (p.day, p.label)), first, last, closed, today)
