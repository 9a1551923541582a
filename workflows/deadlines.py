"""Trigger dates + a kind's rules -> dated deadlines, chaining from what actually happened when known.

A milestone counts from its anchor's recorded date when there is one, else from the anchor's planned
date (timelines.md, "Chaining"). Recording or changing any date and calling compute_timeline again
recomputes every later deadline.
"""

from __future__ import annotations

import calendar as _months
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.errors import TimelineError
from workflows.kinds import event_keys
from workflows.rules import END, START, Actor, Condition, InspectionKind, MilestoneRule, Unit

#: All deadlines are Europe/London wall-clock times (timelines.md, "Counting").
LONDON = ZoneInfo("Europe/London")
#: A deadline with no time of day is due by the end of that day.
END_OF_DAY = time(23, 59)

Basis = Literal["planned", "recorded"]


@dataclass(frozen=True)
class CaseDates:
    """What is known about one inspection: planned on-site days, what actually happened, the outcome."""

    start: date | None  # planned first on-site day
    end: date | None  # planned last on-site (feedback) day
    records: Mapping[str, date] = field(default_factory=dict)  # "start", "end", milestone or trigger keys
    judgement: str | None = None  # a grade of the kind, e.g. "inadequate"
    concerns: bool = False  # serious or widespread concerns (assurance kinds)


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

    @property
    def done(self) -> bool:
        return self.recorded is not None

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
        if trigger.key in records:
            known[trigger.key] = (records[trigger.key], True)
    deadlines: list[Deadline] = []
    texts = kind.texts
    for rule in kind.milestones:
        recorded = records.get(rule.key)
        if rule.anchor not in known or (recorded is None and not _applies(rule.condition, dates)):
            continue
        anchor_day, anchor_recorded = known[rule.anchor]
        if recorded is not None and anchor_recorded and rule.offset > 0 and recorded < anchor_day:
            raise TimelineError(
                f"{rule.label} can't have happened on {format_date(recorded)}: that is before "
                f"{kind.event_text(rule.anchor)} ({format_date(anchor_day)})."
            )
        due, due_until = _due(rule, anchor_day, calendar)
        known[rule.key] = (recorded if recorded is not None else due, recorded is not None)
        rule_text, source = texts[rule.key]
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
            )
        )
    deadlines.sort(key=lambda deadline: (deadline.due, deadline.time or END_OF_DAY))
    return deadlines


def on_site_days(kind: InspectionKind, dates: CaseDates, calendar: WorkingCalendar) -> tuple[date, date]:
    """The first and last on-site days: recorded beats planned; a missing one follows from onsite_days."""
    start = dates.records.get(START, dates.start)
    end = dates.records.get(END, dates.end)
    span = kind.onsite_days - 1
    if start is None and end is None:
        raise TimelineError("Give the first on-site day or the last on-site day of the inspection.")
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


def next_deadline(deadlines: Sequence[Deadline], today: date) -> Deadline | None:
    """The first deadline not yet done that can still be met today or later."""
    return next((d for d in deadlines if d.recorded is None and d.last_day >= today), None)


def overdue(deadlines: Sequence[Deadline], today: date) -> list[Deadline]:
    """Deadlines not done whose last day has passed."""
    return [d for d in deadlines if d.recorded is None and d.last_day < today]


def _validate(kind: InspectionKind, dates: CaseDates) -> None:
    allowed = event_keys(kind.id) if dates.records else frozenset()
    for key in dates.records:
        if key not in allowed:
            raise TimelineError(
                f"You can't record '{key}' for a {kind.name.lower()}; "
                f"you can record {', '.join(sorted(allowed))}."
            )
    if dates.judgement is not None:
        if not kind.grades:
            raise TimelineError(
                f"A {kind.name.lower()} is not graded; "
                "say whether there were serious or widespread concerns instead."
            )
        if dates.judgement not in kind.grades:
            raise TimelineError(
                f"'{dates.judgement}' is not a judgement for a {kind.name.lower()}; "
                f"use one of {', '.join(kind.grades)}."
            )
    if dates.concerns and not kind.uses_concerns:
        raise TimelineError(
            f"A {kind.name.lower()} is graded, not judged on serious or widespread concerns; "
            "give the judgement instead."
        )


def _applies(condition: Condition, dates: CaseDates) -> bool:
    if condition is Condition.INADEQUATE:
        return dates.judgement == "inadequate"
    if condition is Condition.CONCERNS:
        return dates.concerns
    # ALWAYS, and RECORDED (whose anchor is only known once recorded: compute_timeline checks that).
    return True


def _due(rule: MilestoneRule, anchor: date, calendar: WorkingCalendar) -> tuple[date, date | None]:
    """The due date (and the end of a window) counted from the anchor's date."""
    if rule.unit is Unit.WORKING_DAYS:
        # "Within 0 working days of X" is the day of X itself, whatever kind of day that is.
        return (calendar.add_working_days(anchor, rule.offset) if rule.offset else anchor), None
    shift = _add_months if rule.unit is Unit.MONTHS else _add_days
    until = None if rule.window_offset is None else shift(anchor, rule.window_offset)
    return shift(anchor, rule.offset), until


def _add_days(day: date, n: int) -> date:
    return day + timedelta(days=n)


def _add_months(day: date, n: int) -> date:
    """Calendar months, clamped to the end of a shorter month (31 August + 6 months = 28 February)."""
    index = day.month - 1 + n
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))
