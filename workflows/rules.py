"""The shape of a rule: what is due, counted from what, by whom, and which line of which document says so.

Kinds of inspection (workflows/kinds.py) are plain data built from these types, so a rule can be read,
cited and tested without running anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from enum import StrEnum
from functools import cached_property

from workflows.dates import format_time

#: Anchors every kind has: the first and the last on-site day.
START = "start"
END = "end"

#: "compliance_date_2" -> ("compliance_date", "2"): the n-th (2 or more) of a repeating trigger's dates.
_NUMBERED = re.compile(r"(.+)_([2-9]|[1-9][0-9]+)")


def numbered(key: str, n: int) -> str:
    """The key of the n-th occurrence: the first keeps the plain key (as stored before there could be
    several), the others get their number: compliance_date, compliance_date_2, compliance_date_3."""
    return key if n == 1 else f"{key}_{n}"


def split_numbered(key: str) -> tuple[str, int]:
    """numbered() backwards, for any key: ('compliance_date', 2), or (key, 1) when it ends in no number."""
    match = _NUMBERED.fullmatch(key)
    return (match[1], int(match[2])) if match else (key, 1)


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)
_WEEK_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight")


def week_name(week: int) -> str:
    """4 -> 'week four', as the seeds write it."""
    return f"week {_WEEK_WORDS[week - 1]}" if 1 <= week <= len(_WEEK_WORDS) else f"week {week}"


@dataclass(frozen=True)
class WeekDay:
    """A named day of a numbered week of the inspection: WeekDay(4, THURSDAY) = Thursday of week four.

    Week one is the calendar week (Monday to Sunday) of the event it counts from (la-sif: the start of
    fieldwork). A named day that is not a working day (a bank holiday) moves to the next working day:
    nobody works on it, and counting in timelines.md likewise starts from the next working day.
    """

    week: int
    weekday: int  # 0 = Monday

    def __post_init__(self) -> None:
        if self.week < 1 or not 0 <= self.weekday <= 6:
            raise ValueError(f"{self}: weeks count from 1 and weekdays are 0 (Monday) to 6")

    @property
    def text(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} of {week_name(self.week)}"


class Unit(StrEnum):
    """How an offset is counted."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"
    #: Ofsted's inspection periods, 1 April to 31 March: `offset` periods after the anchor's, on the
    #: rule's `period_day` (for example 31 March, the last day of the anchor's own period).
    INSPECTION_PERIODS = "inspection_periods"
    #: A named day of a numbered week, a calendar rule: `offset` is the week (1 = the anchor's own week,
    #: Monday to Sunday) and the rule's `weekday` the day ("Thursday of week two", 004 L426).
    WEEK_DAY = "week_day"
    #: Hours after an event recorded by its day: a whole number of days on, by the same time of day as
    #: the event (the bot knows the day, not the hour, so the deadline is shown as that later day).
    HOURS = "hours"


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
    REQUIRES_IMPROVEMENT = "requires_improvement"  # judged requires improvement to be good
    #: judged requires improvement or inadequate between 1 January and 31 March (counted on the end day)
    LAST_QUARTER_RI_OR_INADEQUATE = "last_quarter_ri_or_inadequate"
    #: a formal complaint was made before the final report was sent (it must be answered first)
    COMPLAINT_BEFORE_FINAL = "complaint_before_final"

    @property
    def label(self) -> str:
        return _CONDITION_LABELS[self]


_CONDITION_LABELS = {
    Condition.ALWAYS: "always",
    Condition.INADEQUATE: "only if judged inadequate",
    Condition.CONCERNS: "only with serious or widespread concerns",
    Condition.RECORDED: "only once the date it counts from is recorded",
    Condition.REQUIRES_IMPROVEMENT: "only if judged requires improvement to be good",
    Condition.LAST_QUARTER_RI_OR_INADEQUATE: (
        "only if judged requires improvement or inadequate between 1 January and 31 March"
    ),
    Condition.COMPLAINT_BEFORE_FINAL: "only if a formal complaint is made before the final report is sent",
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
    #: For a date that may be set more than once (several compliance notices, each with its own date and
    #: its own monitoring visit, 000 L1397-1399): how the n-th (n >= 2) reads, with "{n}". Empty: once only.
    numbered_label: str = ""
    numbered_event: str = ""

    @property
    def repeats(self) -> bool:
        return bool(self.numbered_label)

    def occurrence(self, n: int) -> Trigger:
        """The n-th date of a repeating trigger, under its own key (`numbered`)."""
        if n == 1:
            return self
        return Trigger(
            numbered(self.key, n), self.numbered_label.format(n=n), self.numbered_event.format(n=n)
        )


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
    #: An Ofsted-internal step (quality assurance): shown to inspectors and managers, not to providers.
    internal: bool = False
    #: The event from which the action may already be taken, when that is before `offset` (a complaint
    #: may be raised at any time from the end of the inspection, not only once the final report is sent).
    opens_from: str | None = None
    #: (month, day) inside the inspection period, for Unit.INSPECTION_PERIODS: (3, 31) = 31 March.
    period_day: tuple[int, int] | None = None
    #: For a milestone counting from a repeating trigger: how its copy for the n-th date reads, with "{n}"
    #: ("Monitoring visit to check compliance notice {n}"); each date brings its own copy.
    numbered_label: str = ""

    def occurrence(self, n: int) -> MilestoneRule:
        """This milestone's copy counting from the n-th date of its (repeating) trigger."""
        if n == 1:
            return self
        return replace(
            self,
            key=numbered(self.key, n),
            label=self.numbered_label.format(n=n),
            anchor=numbered(self.anchor, n),
            numbered_label="",
        )

    #: The offset instead of `offset` when the provider is a single individual (an adoption support
    #: agency run by one person gets 20 working days' notice, not 10: 003 L433, L501).
    single_individual_offset: int | None = None
    #: An earlier milestone this one waits for when that one applies: until it is recorded this deadline
    #: is extended with no fixed day (the final report waits for the answer to a formal complaint, "longer
    #: if there has been a complaint": 003 L509, L1190-1191); once recorded, it is due no earlier than it.
    waits_for: str | None = None
    #: The day of the week, for Unit.WEEK_DAY (0 = Monday): WEEK_DAY, 4, weekday=THURSDAY.
    weekday: int | None = None

    def __post_init__(self) -> None:
        if self.window_offset is not None and self.window_offset <= self.offset:
            raise ValueError(f"{self.key}: a window must end after it starts")
        if (self.unit is Unit.INSPECTION_PERIODS) != (self.period_day is not None):
            raise ValueError(f"{self.key}: a day in the inspection period goes with INSPECTION_PERIODS only")
        if self.unit is Unit.INSPECTION_PERIODS and (self.offset < 0 or self.window_offset is not None):
            raise ValueError(f"{self.key}: an inspection-period deadline is a day in this or a later period")
        if self.unit is Unit.HOURS and (
            self.offset <= 0 or self.offset % 24 or self.window_offset is not None or self.time is not None
        ):
            raise ValueError(f"{self.key}: hours are whole days after the event, at its own time of day")
        if (self.unit is Unit.WEEK_DAY) != (self.weekday is not None):
            raise ValueError(f"{self.key}: a weekday goes with WEEK_DAY only")
        if self.weekday is not None and (
            self.window_offset is not None or self.offset < 1 or not 0 <= self.weekday <= 6
        ):
            raise ValueError(f"{self.key}: a day of a week is week 1 or later, one day, not a window")

    @property
    def week_day(self) -> WeekDay | None:
        """The named day of a Unit.WEEK_DAY rule, None for every other unit."""
        if self.unit is not Unit.WEEK_DAY or self.weekday is None:
            return None
        return WeekDay(self.offset, self.weekday)

    @property
    def event_text(self) -> str:
        return self.event or f"the {self.label[:1].lower()}{self.label[1:]}"

    def rule_text(self, kind: InspectionKind) -> str:
        """The rule in words: '18 working days after the end of the inspection'."""
        after = kind.event_text(self.anchor)
        if self.unit is Unit.WORKING_DAYS:
            if self.window_offset is not None:
                text = f"{self.offset} to {self.window_offset} working days after {after}"
            else:
                text = _working_days_text(self.offset, after)
        elif self.unit is Unit.INSPECTION_PERIODS:
            assert self.period_day is not None
            text = _inspection_period_text(self.offset, self.period_day, after)
        elif self.unit is Unit.HOURS:
            days = "the next day" if self.offset == 24 else f"{self.offset // 24} days later"
            text = f"{self.offset} hours after {after}: by the same time {days}"
        elif self.week_day is not None:
            text = f"{self.week_day.text}, counting the week of {after} as week one"
        else:
            text = f"{_period_text(self.offset, self.window_offset, self.unit)} after {after}"
        if self.time is not None:
            text = f"by {format_time(self.time)}, {text}"
        if self.opens_from is not None:
            text = f"from {kind.event_text(self.opens_from)} until {text}"
        if self.single_individual_offset is not None:
            text = f"{text} ({abs(self.single_individual_offset)} when the agency is a single individual)"
        if self.waits_for is not None:
            after_that = kind.event_text(self.waits_for)
            text = f"{text}; later if a formal complaint is made first: once {after_that}"
        return text


_MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def _inspection_period_text(offset: int, period_day: tuple[int, int], after: str) -> str:
    """'by 31 March, the end of the inspection period (1 April to 31 March) of the end of the inspection'."""
    month, day = period_day
    when = f"{day} {_MONTH_NAMES[month - 1]}"
    if offset == 0 and period_day == (3, 31):
        return f"by 31 March, the end of the inspection period (1 April to 31 March) of {after}"
    period = "the inspection period (1 April to 31 March)"
    if offset == 0:
        return f"by {when} in {period} of {after}"
    if offset == 1:
        return f"by {when} in {period} after that of {after}"
    return f"by {when}, {offset} inspection periods (1 April to 31 March) after that of {after}"


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
    #: The grade that counts as inadequate for Condition.INADEQUATE (a progress scale names it otherwise).
    inadequate_grade: str = "inadequate"
    #: (grade, how it reads) where the id alone says too little: ("inadequate_progress", "Inadequate ...").
    grade_labels: tuple[tuple[str, str], ...] = ()
    #: (former id, grade): judgements stored or typed before the kind's grades changed still count.
    grade_aliases: tuple[tuple[str, str], ...] = ()
    #: What the first day ("start") means, said wherever a person gives it; empty = `start_event`.
    start_meaning: str = ""
    #: When set, the last on-site day follows from the first (and back) by these named days of week one
    #: and week N, a calendar rule, instead of `onsite_days` working days (la-sif: Tuesday of week one to
    #: Thursday of week four, so a bank holiday inside the four weeks does not move the end).
    fieldwork_weeks: tuple[WeekDay, WeekDay] | None = None

    def __post_init__(self) -> None:
        """Catch a mistyped anchor or key when the module loads, not when a person asks."""
        if self.onsite_days < 1:
            raise ValueError(f"{self.id}: onsite_days must be at least 1")
        if self.fieldwork_weeks is not None and self.fieldwork_weeks[0].week != 1:
            raise ValueError(f"{self.id}: fieldwork starts in week one")
        if self.grades and self.inadequate_grade not in self.grades:
            raise ValueError(f"{self.id}: the inadequate grade must be one of its grades")
        for grade, _ in (*self.grade_labels, *((new, old) for old, new in self.grade_aliases)):
            if grade not in self.grades:
                raise ValueError(f"{self.id}: {grade!r} is not one of its grades")
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
            if rule.opens_from is not None and rule.opens_from not in (START, END, *seen):
                raise ValueError(f"{self.id}: {rule.key} opens from an unknown or later event")
            if rule.waits_for is not None and rule.waits_for not in seen:
                raise ValueError(f"{self.id}: {rule.key} waits for an unknown or later milestone")
            seen[rule.key] = rule
        self._check_repeating(seen)

    def _check_repeating(self, rules: Mapping[str, MilestoneRule]) -> None:
        """A repeating trigger's milestones are copied per date: each needs its numbered label, nothing
        may count from them (a copy would need copies), and no other key may look like a copy's."""
        repeating = {trigger.key for trigger in self.triggers if trigger.repeats}
        copied = {rule.key for rule in rules.values() if rule.anchor in repeating}
        for rule in rules.values():
            if rule.key in copied and "{n}" not in rule.numbered_label:
                raise ValueError(f"{self.id}: {rule.key} counts from a repeating date: give numbered_label")
            if rule.key not in copied and rule.numbered_label:
                raise ValueError(f"{self.id}: {rule.key} has a numbered_label but is never copied")
            if rule.anchor in copied or rule.opens_from in copied:
                raise ValueError(f"{self.id}: {rule.key} counts from {rule.anchor}, which is copied per date")
        for key in (*rules, *(trigger.key for trigger in self.triggers)):
            base, n = split_numbered(key)
            if n > 1 and base in repeating | copied:
                raise ValueError(f"{self.id}: {key!r} reads as a numbered copy of a repeating date")

    @cached_property
    def texts(self) -> Mapping[str, tuple[str, str]]:
        """Each milestone's rule in words and its source, by key: worked out once, shown in every timeline."""
        return {rule.key: (rule.rule_text(self), str(rule.source)) for rule in self.milestones}

    @property
    def graded(self) -> bool:
        return bool(self.grades)

    @property
    def a_name(self) -> str:
        """The name inside a sentence, with its article: 'an adoption support agency: full inspection'
        (only the first letter lowered, so 'COVID-19' and '(SIF)' keep their capitals)."""
        name = self.name[:1].lower() + self.name[1:]
        return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"

    @property
    def a_name_opening(self) -> str:
        """`a_name` opening a sentence: 'An adoption support agency: full inspection'."""
        return self.a_name[:1].upper() + self.a_name[1:]

    @property
    def start_text(self) -> str:
        """What to give as the first day: 'the on-site day (day 2), the day after the announcement call'."""
        return self.start_meaning or self.start_event

    def grade(self, judgement: str) -> str | None:
        """The grade id a judgement means (a former id maps to its grade), or None if it is not one."""
        if judgement in self.grades:
            return judgement
        return dict(self.grade_aliases).get(judgement)

    def grade_label(self, grade: str) -> str:
        """How a grade reads: 'Requires improvement', 'Inadequate progress and/or declined'."""
        return dict(self.grade_labels).get(grade) or grade.replace("_", " ").capitalize()

    def milestone(self, key: str) -> MilestoneRule | None:
        """The rule with this key; for a numbered key ('compliance_visit_2'), the copy of a milestone
        counting from a repeating trigger's n-th date."""
        rule = next((rule for rule in self.milestones if rule.key == key), None)
        if rule is not None:
            return rule
        base, n = split_numbered(key)
        rule = next((rule for rule in self.milestones if rule.key == base), None)
        if n == 1 or rule is None or not rule.numbered_label:
            return None
        return rule.occurrence(n)

    def trigger(self, key: str) -> Trigger | None:
        """The trigger with this key; for a numbered key ('compliance_date_2'), a repeating one's date."""
        base, n = split_numbered(key)
        for trigger in self.triggers:
            if trigger.key == key:
                return trigger
            if n > 1 and trigger.key == base and trigger.repeats:
                return trigger.occurrence(n)
        return None

    def occurrence_of(self, key: str) -> tuple[str, int]:
        """('compliance_date', 2) for the second compliance date or its visit; (key, 1) for any other key."""
        if not key[-1:].isdigit():  # most keys: no regex on compute_timeline's path
            return key, 1
        base, n = split_numbered(key)
        return (base, n) if n > 1 and base in self._repeating else (key, 1)

    @cached_property
    def _repeating(self) -> frozenset[str]:
        """The keys that come numbered: repeating triggers' and the milestones copied for each date."""
        triggers = {trigger.key for trigger in self.triggers if trigger.repeats}
        return frozenset(triggers | {rule.key for rule in self.milestones if rule.numbered_label})

    def text_of(self, key: str) -> tuple[str, str]:
        """A milestone's rule in words and its source, also for a numbered copy (worked out when asked)."""
        found = self.texts.get(key)
        if found is not None:
            return found
        rule = self.milestone(key)
        if rule is None:
            raise KeyError(key)
        return rule.rule_text(self), str(rule.source)

    def event_text(self, anchor: str) -> str:
        """How an anchor reads after 'after': 'the end of the inspection', 'the draft report is sent'."""
        if anchor == START:
            return self.start_event
        if anchor == END:
            return self.end_event
        trigger = self.trigger(anchor)
        if trigger is not None:
            return trigger.event
        rule = self.milestone(anchor)
        if rule is None:
            raise KeyError(anchor)
        return rule.event_text
