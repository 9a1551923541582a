"""Who is reminded of which deadline, and when: the reminder policy as data, and the pure functions that
turn a case's timeline and people into wanted reminders placed at a morning of a working day.

The store reconciles these with its outbox in the transaction of every change to a case; nothing here
knows about the database or Telegram.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from workflows.access import Role
from workflows.audience import ROLE_ACTORS, sees
from workflows.calendar import WorkingCalendar
from workflows.changes import Change, ChangeKind, diff
from workflows.deadlines import END_OF_DAY, LONDON, Deadline
from workflows.rules import Actor


class Lead(StrEnum):
    """Which reminder of a deadline: before it, on its morning, or after it was missed."""

    SOON = "soon"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Step:
    """Remind `working_days` from the deadline's last day (negative: before); OVERDUE only if not done."""

    lead: Lead
    working_days: int


#: Default: 2 working days before, on the morning it is due, and the working day after if nothing was
#: recorded. Managers are not sent these: every missed deadline of their cases is counted in their
#: morning digest instead (`digest_day`).
DEFAULT_STEPS: tuple[Step, ...] = (
    Step(Lead.SOON, -2),
    Step(Lead.DUE, 0),
    Step(Lead.OVERDUE, 1),
)

#: Per milestone key, when it differs from DEFAULT_STEPS (an empty tuple: never reminded). None differs
#: today; read-only, so nothing can fill it at run time.
STEPS_BY_MILESTONE: Mapping[str, tuple[Step, ...]] = MappingProxyType({})

#: Whose deadlines each role is reminded of: what `workflows.audience` calls theirs, and Ofsted's own
#: steps on a case (the draft and final reports) for its inspector, who is the one to chase them.
REMINDED_ACTORS: dict[Role, frozenset[Actor]] = {
    **ROLE_ACTORS,
    Role.INSPECTOR: ROLE_ACTORS[Role.INSPECTOR] | {Actor.OFSTED},
}

#: The milestone whose recording tells the provider at once what it is and when their comments are due.
DRAFT_SENT = "draft_report"
PROVIDER_COMMENTS = "provider_comments"

#: Kinds whose guidance says a judgement changed after the verbal feedback is told to the provider
#: before the draft report reaches them, with the line that says so.
JUDGEMENT_CHANGE_TOLD: dict[str, str] = {"ch-full": "000 L1238", "asa-full": "003 L968"}


def judgement_change_told(
    kind_id: str, before: str | None, after: str | None, records: Mapping[str, date]
) -> bool:
    """Whether a case's providers are told at once that its judgement changed: the kind's guidance says
    so, a judgement was recorded (the one given at feedback) and is now another, and the draft report is
    not yet recorded as sent (after that the draft itself says it)."""
    return (
        kind_id in JUDGEMENT_CHANGE_TOLD
        and before is not None
        and after is not None
        and before != after
        and DRAFT_SENT not in records
    )


@dataclass(frozen=True)
class Hours:
    """When messages may go out, in the operator's time zone (INSPECTBOT_REMIND_AT, INSPECTBOT_TZ)."""

    zone: ZoneInfo
    remind_at: time = time(9, 0)
    quiet_from: time = time(20, 0)
    quiet_until: time = time(8, 0)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def quiet(self, moment: datetime) -> bool:
        """Between 20:00 and 08:00: nothing is sent to someone who did not just ask."""
        clock = self.local(moment).time()
        return clock >= self.quiet_from or clock < self.quiet_until

    def reminding(self, moment: datetime, calendar: WorkingCalendar) -> bool:
        """Reminders go on working days, from the reminding hour until the quiet hours."""
        local = self.local(moment)
        return calendar.is_working_day(local.date()) and self.remind_at <= local.time() < self.quiet_from

    def morning(self, day: date) -> datetime:
        """The reminding hour of `day`, as an aware datetime."""
        return datetime.combine(day, self.remind_at, tzinfo=self.zone)

    def next_reminding(self, moment: datetime, calendar: WorkingCalendar) -> datetime:
        """`moment` if reminders may go then, else the next working morning."""
        if self.reminding(moment, calendar):
            return moment
        local = self.local(moment)
        day = local.date()
        if not (calendar.is_working_day(day) and local.time() < self.remind_at):
            day = calendar.next_working_day(day + timedelta(days=1))
        return self.morning(day)

    def next_awake(self, moment: datetime) -> datetime:
        """`moment` if it is outside the quiet hours, else the next 08:00."""
        if not self.quiet(moment):
            return moment
        local = self.local(moment)
        day = local.date() if local.time() < self.quiet_until else local.date() + timedelta(days=1)
        return datetime.combine(day, self.quiet_until, tzinfo=self.zone)


@dataclass(frozen=True)
class Recipient:
    """Someone on the case who may be reminded."""

    person_id: int
    role: Role
    muted: bool = False


@dataclass(frozen=True)
class Wanted:
    """One reminder that should be in the outbox: its de-duplication key names everything it depends on."""

    person_id: int
    key: str
    lead: Lead
    day: date  # the deadline's last day
    due_at: datetime  # when it goes (aware)

    def dedup(self, case_id: int) -> str:
        return f"remind:{case_id}:{self.key}:{self.person_id}:{self.day.isoformat()}:{self.lead.value}"


def steps_for(key: str) -> tuple[Step, ...]:
    return STEPS_BY_MILESTONE.get(key, DEFAULT_STEPS)


def reminds(role: Role, deadline: Deadline) -> bool:
    """Whether `role` is reminded of `deadline`: theirs, and shown to them (providers never see
    Ofsted's internal steps)."""
    return deadline.actor in REMINDED_ACTORS.get(role, frozenset()) and sees(role, deadline)


def planned_at(deadline: Deadline, step: Step, hours: Hours, calendar: WorkingCalendar) -> datetime:
    """The working morning of a step: a day that is not a working day moves to the working day before
    for reminders ahead of the deadline, and after for the overdue one."""
    return step_morning(deadline.last_day, step, hours, calendar)


def step_morning(last_day: date, step: Step, hours: Hours, calendar: WorkingCalendar) -> datetime:
    """`planned_at` for a deadline known by its last day (the outbox's rows carry only that)."""
    day = calendar.add_working_days(last_day, step.working_days) if step.working_days else last_day
    if not calendar.is_working_day(day):
        day = (
            calendar.next_working_day(day)
            if step.lead is Lead.OVERDUE
            else calendar.previous_working_day(day)
        )
    return hours.morning(day)


def told(people: Sequence[Recipient], hidden_from_provider: bool) -> list[Recipient]:
    """Who may be reminded or told of a case's dates: no provider while its visit is kept from them
    (`workflows.visit.hidden_from_provider`: 000 L534; 001 L56; 002 L155-156). Their reminders are
    wanted again, and so written, once the visit has begun."""
    return [p for p in people if not (hidden_from_provider and p.role is Role.PROVIDER)]


def reminder_steps(
    timeline: Sequence[Deadline], now: datetime, hours: Hours, calendar: WorkingCalendar
) -> list[tuple[Deadline, Lead, datetime]]:
    """The reminders a timeline wants now, whoever they are for: (deadline, lead, moment), in the order
    `wanted_reminders` gives them. One whose time has passed is wanted at once (the next reminding
    moment) if its deadline has not passed; once it has, only the overdue one is. The same for every
    case of one timeline (store.outbox works it out once for many)."""
    wanted: list[tuple[Deadline, Lead, datetime]] = []
    for deadline in timeline:
        if deadline.recorded is not None or not deadline.recordable or deadline.extended:
            continue  # an extended deadline has no day to remind of until what it waits for is recorded
        deadline_passed = deadline.due_at() < now
        steps = [
            (step, planned_at(deadline, step, hours, calendar))
            for step in steps_for(deadline.key)
            if step.lead is Lead.OVERDUE or not deadline_passed
        ]
        # Of the steps whose time has passed (a case set up or corrected late), only the latest still
        # says something true: "due today" supersedes "due soon"; it goes at the next reminding moment.
        passed = [step for step, at in steps if at < now]
        for step, at in steps:
            if step in passed[:-1]:
                continue
            wanted.append((deadline, step.lead, hours.next_reminding(now, calendar) if at < now else at))
    return wanted


def wanted_reminders(
    timeline: Sequence[Deadline],
    people: Sequence[Recipient],
    now: datetime,
    hours: Hours,
    calendar: WorkingCalendar,
    *,
    hidden_from_provider: bool = False,
    steps: Sequence[tuple[Deadline, Lead, datetime]] | None = None,
) -> list[Wanted]:
    """Every reminder the case should have now (`reminder_steps`, or `steps` when worked out already for
    this timeline and moment), for each person it reminds. While the visit is hidden from the provider,
    they are reminded of nothing (`told`). Managers who do not own a deadline hear of it only in their
    morning digest (`digest_day`), not row by row here."""
    people = told(people, hidden_from_provider)
    return [
        Wanted(person.person_id, deadline.key, lead, deadline.last_day, at)
        for deadline, lead, at in (reminder_steps(timeline, now, hours, calendar) if steps is None else steps)
        for person in people
        if not person.muted and reminds(person.role, deadline)
    ]


#: The managers' morning digest: one message per manager per working morning that something of their
#: cases is overdue (missed: recordable, not recorded, its last day before today, as `/cases overdue`
#: counts it), saying how many by kind and by inspector and naming the most overdue. Their cases are
#: those they are a manager member of, and those with no manager member (every manager hears of those).
#: Most overdue deadlines named by the digest, and inspectors counted by name before "and N others".
DIGEST_URGENT = 5
DIGEST_INSPECTORS = 8


def digest_day(now: datetime, hours: Hours, calendar: WorkingCalendar) -> date | None:
    """The working day whose morning digest may be written now: today from its reminding hour until the
    quiet hours (a digest names what is overdue *today*, so a missed morning is not caught up later);
    None outside those hours and on days that are not working days."""
    return hours.local(now).date() if hours.reminding(now, calendar) else None


@dataclass(frozen=True)
class Moved:
    """A change to tell one person about: their deadline moved, or the draft report arrived."""

    person_id: int
    change: Change


@dataclass(frozen=True)
class Notices:
    """What to tell people at once after a change, from the timeline before and after it."""

    moved: list[Moved] = field(default_factory=list)
    draft_sent_to: list[int] = field(default_factory=list)  # providers told the draft was sent


def notices(
    before: Sequence[Deadline],
    after: Sequence[Deadline],
    people: Sequence[Recipient],
    calendar: WorkingCalendar,
    today: date,
    *,
    hidden_from_provider: bool = False,
) -> Notices:
    """Each member whose own deadline moved is told what moved (nothing without a timeline before: a new
    case); providers are told when the draft report is recorded as sent, while their comments are still
    to come (also on a case first seen with the draft already recorded). While the visit is hidden from
    the provider, they are told nothing (`told`): a moved deadline would name days counted from it."""
    people = told(people, hidden_from_provider)
    moved: list[Moved] = []
    if before:
        moved = [
            Moved(person.person_id, change)
            for change in diff(before, after, calendar)
            if change.kind is ChangeKind.MOVED
            for person in people
            if not person.muted and reminds(person.role, change.deadline)
        ]
    draft = next((d for d in after if d.key == DRAFT_SENT), None)
    was = next((d for d in before if d.key == DRAFT_SENT), None)
    comments = next((d for d in after if d.key == PROVIDER_COMMENTS), None)
    drafted = (
        draft is not None
        and draft.recorded is not None
        and (was is None or was.recorded != draft.recorded)
        and comments is not None
        and comments.recorded is None
        and comments.last_day >= today
    )
    providers = [p.person_id for p in people if p.role is Role.PROVIDER] if drafted else []
    if drafted:
        moved = [m for m in moved if not (m.person_id in providers and m.change.key == PROVIDER_COMMENTS)]
    return Notices(moved, providers)


def replanned(
    key: str, lead: Lead, last_day: date, now: datetime, hours: Hours, calendar: WorkingCalendar
) -> datetime | None:
    """When a waiting reminder (milestone `key`, its `lead`, the deadline's `last_day`) goes under the
    reminder settings now in force, placed as `wanted_reminders` places it; None when it is no longer
    wanted: its step is gone, its deadline has passed and it is not the overdue one, or a later step's
    time has passed too. Used at start when INSPECTBOT_REMIND_AT, INSPECTBOT_TZ or INSPECTBOT_CLOSURES
    changed. A row does not carry its deadline's time of day, so a deadline counts as passed at the end
    of its last day (Deadline.due_at without a time)."""
    deadline_passed = datetime.combine(last_day, END_OF_DAY, tzinfo=LONDON) < now
    steps = [
        (step, step_morning(last_day, step, hours, calendar))
        for step in steps_for(key)
        if step.lead is Lead.OVERDUE or not deadline_passed
    ]
    passed = [step for step, at in steps if at < now]
    for step, at in steps:
        if step.lead is lead:
            if step in passed[:-1]:
                return None
            return at if at >= now else hours.next_reminding(now, calendar)
    return None
