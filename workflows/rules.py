"""The shape of a rule: what is due, counted from what, by whom, and which line of which document says so.

Kinds of inspection (workflows/kinds.py) are plain data built from these types, so a rule can be read,
cited and tested without running anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from functools import cached_property

from workflows.dates import format_time

#: Anchors every kind has: the first and the last on-site day.
START = "start"
END = "end"


class Unit(StrEnum):
    """How an offset is counted."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"


class Actor(StrEnum):
    """Who owns a deadline: the person or body that must act by then."""

    INSPECTOR = "inspector"
    PROVIDER = "provider"
    MANAGER = "manager"
    OFSTED = "ofsted"
    LOCAL_AUTHORITY = "local_authority"
    DCS = "dcs"

    @property
    def label(self) -> str:
        return _ACTOR_LABELS[self]


_ACTOR_LABELS = {
    Actor.INSPECTOR: "Inspector",
    Actor.PROVIDER: "Provider",
    Actor.MANAGER: "Inspector's manager",
    Actor.OFSTED: "Ofsted",
    Actor.LOCAL_AUTHORITY: "Local authority",
    Actor.DCS: "Director of children's services",
}


class Condition(StrEnum):
    """When a milestone applies at all."""

    ALWAYS = "always"
    INADEQUATE = "inadequate"  # judged inadequate overall
    CONCERNS = "concerns"  # serious or widespread concerns (assurance kinds)
    RECORDED = "recorded"  # only once its anchor (a trigger such as a compliance date) is recorded

    @property
    def label(self) -> str:
        return _CONDITION_LABELS[self]


_CONDITION_LABELS = {
    Condition.ALWAYS: "always",
    Condition.INADEQUATE: "only if judged inadequate",
    Condition.CONCERNS: "only with serious or widespread concerns",
    Condition.RECORDED: "only once the date it counts from is recorded",
}


def _line_ranges(lines: tuple[int, ...]) -> str:
    """(329, 330, 331, 343) -> 'L329-331, L343'."""
    parts: list[str] = []
    ordered = sorted(set(lines))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(f"L{ordered[i]}" if i == j else f"L{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(parts)


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: seed file number, 1-based lines, and the document's own names."""

    seed: str
    lines: tuple[int, ...]
    document: str
    section: str

    @property
    def citation(self) -> str:
        """'000 L624, L1240', the form used across the project."""
        return f"{self.seed} {_line_ranges(self.lines)}"

    def __str__(self) -> str:
        return f"{self.document}, {self.section} (seed {self.citation})"


@dataclass(frozen=True)
class Trigger:
    """A date outside the inspection that starts a deadline, e.g. the compliance date in a notice."""

    key: str
    label: str
    event: str  # as it reads after "after": "the compliance date set in the notice"


@dataclass(frozen=True)
class MilestoneRule:
    """One deadline: `offset` units after (or, negative, before) the `anchor` event."""

    key: str
    label: str
    anchor: str  # START, END, an earlier milestone's key, or a trigger's key
    offset: int
    unit: Unit
    actor: Actor
    source: Source
    time: time | None = None  # the time of day it is due by; None = the end of the day
    condition: Condition = Condition.ALWAYS
    window_offset: int | None = None  # the far end of a window ("6 to 8 weeks"), same unit
    notes: tuple[str, ...] = ()  # the other reading, where a seed contradicts itself
    event: str = ""  # how this milestone reads as an anchor: "the draft report is sent"
    #: False for a window or a step nobody reports as done (the complaint window, a return visit Ofsted
    #: plans): it keeps showing until it ends, and what can be recorded is the event inside it instead.
    recordable: bool = True

    def __post_init__(self) -> None:
        if self.window_offset is not None and self.window_offset <= self.offset:
            raise ValueError(f"{self.key}: a window must end after it starts")

    @property
    def event_text(self) -> str:
        return self.event or f"the {self.label[:1].lower()}{self.label[1:]}"

    def rule_text(self, kind: InspectionKind) -> str:
        """The rule in words: '18 working days after the end of the inspection'."""
        after = kind.event_text(self.anchor)
        if self.unit is Unit.WORKING_DAYS:
            text = _working_days_text(self.offset, after)
        else:
            text = f"{_period_text(self.offset, self.window_offset, self.unit)} after {after}"
        if self.time is not None:
            text = f"by {format_time(self.time)}, {text}"
        return text


def _working_days_text(offset: int, after: str) -> str:
    if offset == 0:
        return f"on the day of {after}"
    if offset == 1:
        return f"the next working day after {after}"
    if offset == -1:
        return f"the working day before {after}"
    direction = "after" if offset > 0 else "before"
    return f"{abs(offset)} working days {direction} {after}"


def _period_text(offset: int, window: int | None, unit: Unit) -> str:
    """'6 to 8 weeks', '28 days', '6 to 12 months'."""
    if unit is Unit.MONTHS:
        name, low, high = "months", offset, window
    elif offset % 7 == 0 and (window is None or window % 7 == 0):
        name, low, high = "weeks", offset // 7, None if window is None else window // 7
    else:
        name, low, high = "days", offset, window
    if high is None:
        return f"{low} {name[:-1] if low == 1 else name}"
    return f"{low} to {high} {name}"


@dataclass(frozen=True)
class InspectionKind:
    """A kind of inspection: its judgements, how long it is on site, and its milestones in order."""

    id: str
    name: str
    document: str
    grades: tuple[str, ...]  # empty for kinds judged by serious or widespread concerns instead
    uses_concerns: bool
    onsite_days: int  # first on-site day to last, inclusive, in working days
    milestones: tuple[MilestoneRule, ...]
    notes: tuple[str, ...] = ()
    historical: bool = False
    start_event: str = "the first on-site day"
    end_event: str = "the end of the inspection"
    triggers: tuple[Trigger, ...] = ()

    def __post_init__(self) -> None:
        """Catch a mistyped anchor or key when the module loads, not when a person asks."""
        if self.onsite_days < 1:
            raise ValueError(f"{self.id}: onsite_days must be at least 1")
        trigger_keys = {trigger.key for trigger in self.triggers}
        seen: dict[str, MilestoneRule] = {}
        for rule in self.milestones:
            if rule.key in seen or rule.key in (START, END) or rule.key in trigger_keys:
                raise ValueError(f"{self.id}: milestone key {rule.key!r} is used twice")
            if rule.anchor in trigger_keys:
                if rule.condition is not Condition.RECORDED:
                    raise ValueError(
                        f"{self.id}: {rule.key} counts from a trigger, so its condition is RECORDED"
                    )
            elif rule.anchor in seen:
                anchor_condition = seen[rule.anchor].condition
                if anchor_condition not in (Condition.ALWAYS, rule.condition):
                    raise ValueError(f"{self.id}: {rule.key} counts from {rule.anchor}, which may not apply")
            elif rule.anchor not in (START, END):
                raise ValueError(f"{self.id}: {rule.key} counts from unknown or later event {rule.anchor!r}")
            seen[rule.key] = rule

    @cached_property
    def texts(self) -> Mapping[str, tuple[str, str]]:
        """Each milestone's rule in words and its source, by key: worked out once, shown in every timeline."""
        return {rule.key: (rule.rule_text(self), str(rule.source)) for rule in self.milestones}

    @property
    def graded(self) -> bool:
        return bool(self.grades)

    def milestone(self, key: str) -> MilestoneRule | None:
        return next((rule for rule in self.milestones if rule.key == key), None)

    def event_text(self, anchor: str) -> str:
        """How an anchor reads after 'after': 'the end of the inspection', 'the draft report is sent'."""
        if anchor == START:
            return self.start_event
        if anchor == END:
            return self.end_event
        for trigger in self.triggers:
            if trigger.key == anchor:
                return trigger.event
        rule = self.milestone(anchor)
        if rule is None:
            raise KeyError(anchor)
        return rule.event_text
