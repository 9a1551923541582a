"""Trigger dates + a kind's rules -> dated deadlines, chaining from what actually happened when known.

A milestone counts from its anchor's recorded date when there is one, else from the anchor's planned
date (timelines.md, "Chaining"). Recording or changing any date and calling compute_timeline again
recomputes every later deadline.
"""

from __future__ import annotations

import calendar as _months
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.errors import TimelineError
from workflows.kinds import COMPLAINT_MADE, FINAL_REPORT, event_keys
from workflows.rules import (
    END,
    START,
    Actor,
    Condition,
    InspectionKind,
    MilestoneRule,
    Unit,
    WeekDay,
    numbered,
)

#: All deadlines are Europe/London wall-clock times (timelines.md, "Counting").
LONDON = ZoneInfo("Europe/London")
#: A deadline with no time of day is due by the end of that day.
END_OF_DAY = time(23, 59)

Basis = Literal["planned", "recorded"]
#: The grade id of "requires improvement to be good" (GRADES in workflows/kinds.py).
REQUIRES_IMPROVEMENT = "requires_improvement"


@dataclass(frozen=True)
class CaseDates:
    """What is known about one inspection: planned on-site days, what actually happened, the outcome."""

    start: date | None  # planned first on-site day
    end: date | None  # planned last on-site (feedback) day
    records: Mapping[str, date] = field(default_factory=dict)  # "start", "end", milestone or trigger keys
    judgement: str | None = None  # a grade of the kind, e.g. "inadequate"
    concerns: bool = False  # serious or widespread concerns (assurance kinds)
    #: The provider is a single individual: a longer notice where the kind says so (003 L433, L501).
    single_individual: bool = False


@dataclass(frozen=True)
class Deadline:
    """One dated milestone of one inspection, with its owner and the rule and source behind it."""

    key: str
    label: str
    due: date
    due_until: date | None  # the end of a window ("6 to 8 weeks"), else None
    time: time | None  # due by this time of day (London); None = the end of the day
    actor: Actor
    rule: str
    source: str
    recorded: date | None  # the date it actually happened
    basis: Basis  # "recorded" when the date it counts from actually happened, else "planned"
    notes: tuple[str, ...]
    condition: Condition = Condition.ALWAYS
    recordable: bool = True  # False for a window or an Ofsted visit nobody reports as done
    internal: bool = False  # an Ofsted-internal step: for inspectors and managers, not providers
    opens: date | None = None  # the first day it may already be done, when that is well before `due`
    #: Extended with no fixed day: it waits for an event not yet recorded (the final report for the answer
    #: to a formal complaint, 003 L509, L1190-1191); `due` is then the day it would normally have had.
    extended: bool = False

    @property
    def done(self) -> bool:
        return self.recorded is not None

    def open_on(self, today: date) -> bool:
        """Still something to show as coming or missed: not done, and a window only until it ends."""
        return self.recorded is None and (self.recordable or self.extended or self.last_day >= today)

    def missed_on(self, today: date) -> bool:
        """Overdue: something someone had to do, not done, past its last day. A window just ends, and an
        extended deadline has no last day yet."""
        return self.recorded is None and self.recordable and not self.extended and self.last_day < today

    @property
    def last_day(self) -> date:
        """The last day it can be met on: the end of a window, else the due date."""
        return self.due_until or self.due

    def due_at(self) -> datetime:
        """The moment it falls due, as an aware Europe/London datetime (end of day when no time is given)."""
        return datetime.combine(self.last_day, self.time or END_OF_DAY, tzinfo=LONDON)


def compute_timeline(kind: InspectionKind, dates: CaseDates, calendar: WorkingCalendar) -> list[Deadline]:
    """Every milestone of `kind` that applies, dated, sorted by due date (then time of day)."""
    _validate(kind, dates)
    start, end = on_site_days(kind, dates, calendar)
    records = dates.records
    # For each event: the date later milestones count from, and whether that date actually happened.
    known: dict[str, tuple[date, bool]] = {START: (start, START in records), END: (end, END in records)}
    for trigger in kind.triggers:
        for n in occurrences(kind, trigger.key, records) if trigger.repeats else (1,):
            key = numbered(trigger.key, n)
            if key in records:
                known[key] = (records[key], True)
    grade = None if dates.judgement is None else kind.grade(dates.judgement)
    deadlines: list[Deadline] = []
    texts = kind.texts
    #: Milestones that apply but wait, undated, for an event (and what counts from them waits too).
    extended: set[str] = set()
    applied: set[str] = set()
    for base in kind.milestones:
        applies = _applies(base.condition, kind, grade, dates.concerns, end) and (
            base.condition is not Condition.COMPLAINT_BEFORE_FINAL or _complaint_before_final(records)
        )
        # A milestone counting from a repeating trigger comes once per date recorded (000 L1399).
        copies = (
            [base.occurrence(n) for n in occurrences(kind, base.anchor, records)]
            if base.numbered_label
            else (base,)
        )
        for rule in copies:
            recorded = records.get(rule.key)
            if rule.anchor not in known or (recorded is None and not applies):
                continue
            if dates.single_individual and rule.single_individual_offset is not None:
                rule = replace(rule, offset=rule.single_individual_offset)
            anchor_day, anchor_recorded = known[rule.anchor]
            if recorded is not None and anchor_recorded and rule.offset > 0 and recorded < anchor_day:
                raise TimelineError(
                    f"{rule.label} can't have happened on {format_date(recorded)}: that is before "
                    f"{kind.event_text(rule.anchor)} ({format_date(anchor_day)})."
                )
            due, due_until = _due(rule, anchor_day, calendar)
            waiting = recorded is None and rule.anchor in extended
            if rule.waits_for is not None and rule.waits_for in applied and recorded is None:
                answered = records.get(rule.waits_for)
                if answered is None:
                    waiting = True
                elif answered > due:  # "longer if there has been a complaint": no earlier than the answer
                    due, due_until = answered, None
            if waiting:
                extended.add(rule.key)
            applied.add(rule.key)
            known[rule.key] = (recorded if recorded is not None else due, recorded is not None)
            rule_text, source = texts[rule.key] if rule.key == base.key else kind.text_of(rule.key)
            deadlines.append(
                Deadline(
                    key=rule.key,
                    label=rule.label,
                    due=due,
                    due_until=due_until,
                    time=rule.time,
                    actor=rule.actor,
                    rule=rule_text,
                    source=source,
                    recorded=recorded,
                    basis="recorded" if anchor_recorded else "planned",
                    notes=rule.notes,
                    condition=rule.condition,
                    recordable=rule.recordable,
                    internal=rule.internal,
                    opens=None if rule.opens_from is None else known[rule.opens_from][0],
                    extended=waiting,
                )
            )
    deadlines.sort(key=lambda deadline: (deadline.due, deadline.time or END_OF_DAY))
    return deadlines


def _complaint_before_final(records: Mapping[str, date]) -> bool:
    """A formal complaint was made before the final report was sent (or the report is not sent yet); one
    made on receiving the final report (003 L998) comes after it and holds nothing up."""
    made = records.get(COMPLAINT_MADE)
    if made is None:
        return False
    sent = records.get(FINAL_REPORT)
    return sent is None or made < sent


def on_site_days(kind: InspectionKind, dates: CaseDates, calendar: WorkingCalendar) -> tuple[date, date]:
    """The first and last on-site days: recorded beats planned; a missing one follows from the other, by
    the kind's fieldwork weeks when it has them (la-sif: Thursday of week four, 004 L202, L753, L756),
    else by onsite_days working days."""
    start = dates.records.get(START, dates.start)
    end = dates.records.get(END, dates.end)
    span = kind.onsite_days - 1
    if start is None and end is None:
        raise TimelineError("Give the first on-site day or the last on-site day of the inspection.")
    if kind.fieldwork_weeks is not None and (start is None or end is None):
        first, last = kind.fieldwork_weeks
        if end is None:
            assert start is not None
            end = day_of_week(start, last, calendar)
        else:
            # The week `last.week - 1` weeks before the end's is week one.
            week_one = _monday(end) - timedelta(weeks=last.week - 1)
            start = day_of_week(week_one, first, calendar)
    if end is None:
        assert start is not None
        end = calendar.add_working_days(start, span) if span else start
    if start is None:
        start = calendar.add_working_days(end, -span) if span else end
    if end < start:
        raise TimelineError(
            f"The last on-site day ({format_date(end)}) is before the first ({format_date(start)})."
        )
    return start, end


def occurrences(kind: InspectionKind, trigger_key: str, records: Mapping[str, date]) -> list[int]:
    """Which dates of a repeating trigger are recorded, by number (1 for the plain key), in order; for
    any other trigger [1] when it is recorded. An undone first notice leaves [2]: numbers never shift."""
    numbers = [kind.occurrence_of(key) for key in records]
    return sorted(n for key, n in numbers if key == trigger_key)


def next_deadline(deadlines: Sequence[Deadline], today: date) -> Deadline | None:
    """The first deadline not yet done that can still be met today or later."""
    return next((d for d in deadlines if d.recorded is None and d.last_day >= today), None)


def overdue(deadlines: Sequence[Deadline], today: date) -> list[Deadline]:
    """Deadlines someone had to meet, not done, whose last day has passed (a window that ended is not)."""
    return [d for d in deadlines if d.missed_on(today)]


def for_providers(deadlines: Sequence[Deadline]) -> list[Deadline]:
    """What a provider (or local authority) is shown: everything but Ofsted's internal steps.

    The chat asks workflows.audience, which also hides the internal steps named by key there.
    """
    return [d for d in deadlines if not d.internal]


def _validate(kind: InspectionKind, dates: CaseDates) -> None:
    if dates.single_individual and not any(r.single_individual_offset is not None for r in kind.milestones):
        raise TimelineError(
            f"Only an adoption support agency's notice depends on whether it is a single individual; "
            f"{kind.a_name} has no such rule."
        )
    allowed = event_keys(kind.id) if dates.records else frozenset()
    for key in dates.records:
        if kind.occurrence_of(key)[0] not in allowed:
            raise TimelineError(
                f"You can't record '{key}' for {kind.a_name}; you can record {', '.join(sorted(allowed))}."
            )
    if dates.judgement is not None:
        if not kind.grades:
            raise TimelineError(
                f"{kind.a_name_opening} is not graded; "
                "say whether there were serious or widespread concerns instead."
            )
        if kind.grade(dates.judgement) is None:
            raise TimelineError(
                f"'{dates.judgement}' is not a judgement for {kind.a_name}; "
                f"use one of {', '.join(kind.grades)}."
            )
    if dates.concerns and not kind.uses_concerns:
        raise TimelineError(
            f"{kind.a_name_opening} is graded, not judged on serious or widespread concerns; "
            "give the judgement instead."
        )


def _applies(
    condition: Condition, kind: InspectionKind, grade: str | None, concerns: bool, end: date
) -> bool:
    if condition is Condition.INADEQUATE:
        return grade is not None and grade == kind.inadequate_grade
    if condition is Condition.REQUIRES_IMPROVEMENT:
        return grade == REQUIRES_IMPROVEMENT
    if condition is Condition.LAST_QUARTER_RI_OR_INADEQUATE:
        # Judged at the end of the inspection (the feedback day) in January, February or March.
        return grade in (REQUIRES_IMPROVEMENT, kind.inadequate_grade) and end.month <= 3
    if condition is Condition.CONCERNS:
        return concerns
    # ALWAYS, and RECORDED (whose anchor is only known once recorded: compute_timeline checks that).
    return True


def _due(rule: MilestoneRule, anchor: date, calendar: WorkingCalendar) -> tuple[date, date | None]:
    """The due date (and the end of a window) counted from the anchor's date."""
    if rule.unit is Unit.WORKING_DAYS:
        # "Within 0 working days of X" is the day of X itself, whatever kind of day that is.
        due = calendar.add_working_days(anchor, rule.offset) if rule.offset else anchor
        if rule.window_offset is None:
            return due, None
        return due, calendar.add_working_days(anchor, rule.window_offset)
    if rule.unit is Unit.INSPECTION_PERIODS:
        assert rule.period_day is not None
        return _in_inspection_period(anchor, rule.offset, rule.period_day), None
    if rule.week_day is not None:
        return day_of_week(anchor, rule.week_day, calendar), None
    if rule.unit is Unit.HOURS:
        # The anchor is a day, not an hour: the deadline is the day the hours end on (rules.Unit.HOURS).
        return _add_days(anchor, rule.offset // 24), None
    shift = _add_months if rule.unit is Unit.MONTHS else _add_days
    until = None if rule.window_offset is None else shift(anchor, rule.window_offset)
    return shift(anchor, rule.offset), until


def day_of_week(anchor: date, when: WeekDay, calendar: WorkingCalendar) -> date:
    """The named day of week `when.week`, counting the anchor's own week (Monday to Sunday) as week one;
    a day that is not a working day (a bank holiday) moves to the next working day (WeekDay says why)."""
    day = _monday(anchor) + timedelta(weeks=when.week - 1, days=when.weekday)
    return calendar.next_working_day(day)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _in_inspection_period(day: date, periods: int, period_day: tuple[int, int]) -> date:
    """The (month, day) of the inspection period (1 April to 31 March) `periods` after the one of `day`."""
    first_year = (day.year if day.month >= 4 else day.year - 1) + periods
    month, day_of_month = period_day
    return date(first_year if month >= 4 else first_year + 1, month, day_of_month)


def _add_days(day: date, n: int) -> date:
    return day + timedelta(days=n)


def _add_months(day: date, n: int) -> date:
    """Calendar months, clamped to the end of a shorter month (31 August + 6 months = 28 February)."""
    index = day.month - 1 + n
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))
