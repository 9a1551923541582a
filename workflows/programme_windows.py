"""When a setting's next inspection falls due: the programme's rules as data, each with its seed lines.

A setting (a children's home, an adoption support agency, a local authority) is inspected again and again;
the rules below say when next, from its kind, its registration date and its past inspections. Windows are
calendar dates (an inspection year starts on 1 April whatever day that is), never working days.

Where the latest inspection's case timeline already dates the same milestone (`return_visit`,
`second_inspection`, `full_inspection_by_june`, `next_inspection`, `reinspection`, `return_inspection`,
`first_inspection_after_manager_left`, in workflows/kinds.py), its stored dates are used, so the programme
and the case never disagree; they are computed here only for a case without a stored timeline (and
tests/test_programme_windows.py checks that both give the same days).
"""

from __future__ import annotations

import calendar as _months
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class SettingKind(StrEnum):
    """What kind of place a setting is; it decides which rules apply."""

    CHILDRENS_HOME = "childrens_home"
    ADOPTION_SUPPORT_AGENCY = "adoption_support_agency"
    LOCAL_AUTHORITY = "local_authority"


SETTING_KIND_NAMES: Mapping[SettingKind, str] = {
    SettingKind.CHILDRENS_HOME: "children's home",
    SettingKind.ADOPTION_SUPPORT_AGENCY: "adoption support agency",
    SettingKind.LOCAL_AUTHORITY: "local authority",
}

#: The inspection kinds (workflows/kinds.py ids) that tell what a setting is. A COVID-19 assurance visit
#: (002) was made to several kinds of setting, so it says nothing.
KIND_OF_INSPECTION: Mapping[str, SettingKind] = {
    "ch-full": SettingKind.CHILDRENS_HOME,
    "ch-assurance": SettingKind.CHILDRENS_HOME,
    "ch-interim-2014": SettingKind.CHILDRENS_HOME,
    "asa-full": SettingKind.ADOPTION_SUPPORT_AGENCY,
    "la-sif": SettingKind.LOCAL_AUTHORITY,
}

#: Inspections of a home that are full inspections (the yearly one, 000 L507); an assurance inspection is
#: the "second inspection" of L511.
CH_FULL_KINDS = frozenset({"ch-full", "ch-interim-2014"})

INADEQUATE = "inadequate"
REQUIRES_IMPROVEMENT = "requires_improvement"
#: A return visit after inadequate: 6 to 8 weeks (000 L1127, L1372), calendar days as in workflows/kinds.py.
RETURN_VISIT_DAYS = (42, 56)
#: A first inspection after the manager left: usually within 4 weeks of the notification (000 L584).
MANAGER_LEFT_DAYS = 28


@dataclass(frozen=True)
class Rule:
    """One programme rule: what it says, which inspection kind it calls for, and its seed lines."""

    key: str
    kind: str  # the inspection kind (workflows/kinds.py id) that is due
    reason: str
    source: str
    #: The case timeline's milestone that dates the same thing, when there is one.
    milestone: str | None = None


RULES: Mapping[str, Rule] = {
    rule.key: rule
    for rule in (
        Rule(
            "ch_yearly",
            "ch-full",
            "A full inspection in each inspection year (1 April to 31 March): the next in the year after "
            "the last one",
            "000 L507, L565",
        ),
        Rule(
            "ch_second",
            "ch-assurance",
            "Judged requires improvement: a second inspection (usually assurance) in the same inspection "
            "year",
            "000 L511",
            "second_inspection",
        ),
        Rule(
            "ch_by_june",
            "ch-full",
            "Judged requires improvement or inadequate between 1 January and 31 March, no second inspection "
            "that year: the full inspection before 30 June",
            "000 L513-515",
            "full_inspection_by_june",
        ),
        Rule(
            "ch_return",
            "ch-full",
            "Judged inadequate: a return visit (monitoring visit or full inspection) in 6 to 8 weeks",
            "000 L1127, L1372",
            "return_visit",
        ),
        Rule(
            "ch_new_summer",
            "ch-full",
            "Registered between 1 April and 30 September: the first inspection between 1 October and "
            "31 March",
            "000 L578",
        ),
        Rule(
            "ch_new_winter",
            "ch-full",
            "Registered between 1 October and 31 March: the first inspection between 1 April and "
            "30 September of the next inspection year",
            "000 L578",
        ),
        Rule(
            "ch_manager_left",
            "ch-full",
            "The manager left before the first inspection: the first full inspection within 4 weeks",
            "000 L584",
            "first_inspection_after_manager_left",
        ),
        Rule(
            "asa_cycle",
            "asa-full",
            "A rolling 3-year cycle beginning on the 1 April after the inspection",
            "003 L456-460",
            "next_inspection",
        ),
        Rule(
            "asa_inadequate",
            "asa-full",
            "Judged inadequate: reinspected within 6 to 12 months",
            "003 L462",
            "reinspection",
        ),
        Rule(
            "asa_requires_improvement",
            "asa-full",
            "Judged requires improvement: inspected again within 12 to 18 months",
            "003 L462",
            "return_inspection",
        ),
        Rule(
            "asa_new",
            "asa-full",
            "A new agency: first inspected 7 to 12 months after registration",
            "003 L464",
        ),
        Rule(
            "la_reinspection",
            "la-sif",
            "Judged inadequate: re-inspection within two years of the action plan, after 4 to 6 quarterly "
            "monitoring visits",
            "004 L907",
            "reinspection",
        ),
    )
}


@dataclass(frozen=True)
class Inspection:
    """One past inspection of a setting: its kind, on-site days and judgement, and the windows its case
    timeline already dates (milestone key -> (due, due_until)), when it has a stored timeline."""

    kind: str
    start: date
    end: date
    judgement: str | None = None
    milestones: Mapping[str, tuple[date, date | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """When a setting's next inspection is due: from `due_from` to `due_by` (calendar days, inclusive)."""

    due_from: date
    due_by: date
    rule: Rule

    @property
    def reason(self) -> str:
        return self.rule.reason

    @property
    def source(self) -> str:
        return self.rule.source

    @property
    def kind(self) -> str:
        return self.rule.kind

    def overdue(self, today: date) -> bool:
        return self.due_by < today


#: The case timeline milestones whose dates a window reads (store.setting_windows reads them; a re-dating
#: that moves one moves the window: store.deadlines).
MILESTONES = tuple(sorted({rule.milestone for rule in RULES.values() if rule.milestone is not None}))


def inspection_year(day: date) -> int:
    """The calendar year in which the inspection year (1 April to 31 March) holding `day` begins."""
    return day.year if day.month >= 4 else day.year - 1


def year_start(year: int) -> date:
    return date(year, 4, 1)


def year_end(year: int) -> date:
    return date(year + 1, 3, 31)


def add_months(day: date, n: int) -> date:
    """Calendar months, clamped to the end of a shorter month (as workflows.deadlines counts them)."""
    index = day.month - 1 + n
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


def setting_kind_of(inspection_kinds: Sequence[str]) -> SettingKind | None:
    """The kind of setting its inspections show (the latest that says), or None when none does."""
    for kind in reversed(inspection_kinds):
        found = KIND_OF_INSPECTION.get(kind)
        if found is not None:
            return found
    return None


def next_window(
    kind: SettingKind,
    registered: date | None,
    inspections: Sequence[Inspection],
    manager_left: date | None = None,
) -> Window | None:
    """The window in which the setting's next inspection falls due, or None when the seeds give none
    (no inspection and no registration date; a local authority not judged inadequate)."""
    done = sorted(inspections, key=lambda inspection: (inspection.end, inspection.start))
    if kind is SettingKind.CHILDRENS_HOME:
        return _childrens_home(registered, [i for i in done if i.kind in KIND_OF_INSPECTION], manager_left)
    if kind is SettingKind.ADOPTION_SUPPORT_AGENCY:
        return _agency(registered, [i for i in done if i.kind == "asa-full"])
    return _local_authority([i for i in done if i.kind == "la-sif"])


def _window(rule_key: str, latest: Inspection | None, computed: tuple[date, date]) -> Window:
    """The rule's window, taking the latest case timeline's dates for the same milestone when it has them."""
    rule = RULES[rule_key]
    due_from, due_by = computed
    if latest is not None and rule.milestone is not None and rule.milestone in latest.milestones:
        due, until = latest.milestones[rule.milestone]
        if until is not None:  # a window milestone: 6 to 8 weeks, 6 to 12 months...
            due_from, due_by = due, until
        elif rule_key == "asa_cycle":  # dated by the cycle's last day: it began three years before
            due_from, due_by = year_start(inspection_year(due) - 2), due
        else:  # dated by its last day; the first is when it may begin
            due_by = due
    return Window(due_from, due_by, rule)


def _childrens_home(
    registered: date | None, done: Sequence[Inspection], manager_left: date | None
) -> Window | None:
    fulls = [inspection for inspection in done if inspection.kind in CH_FULL_KINDS]
    if not fulls:
        if manager_left is not None:
            return _window(
                "ch_manager_left", None, (manager_left, manager_left + timedelta(days=MANAGER_LEFT_DAYS))
            )
        if registered is None:
            return None
        year = inspection_year(registered)
        if 4 <= registered.month <= 9:
            return _window("ch_new_summer", None, (date(registered.year, 10, 1), year_end(year)))
        return _window("ch_new_winter", None, (year_start(year + 1), date(year + 1, 9, 30)))
    latest = done[-1]
    if latest.judgement == INADEQUATE:
        days = RETURN_VISIT_DAYS
        return _window(
            "ch_return",
            latest,
            (latest.end + timedelta(days=days[0]), latest.end + timedelta(days=days[1])),
        )
    full = fulls[-1]
    year = inspection_year(full.end)
    if full.judgement in (REQUIRES_IMPROVEMENT, INADEQUATE):
        second = any(
            inspection.end > full.end and inspection_year(inspection.end) == year for inspection in done
        )
        if not second and full.end.month <= 3:
            return _window("ch_by_june", full, (year_start(year + 1), date(year + 1, 6, 29)))
        if not second and full.judgement == REQUIRES_IMPROVEMENT:
            return _window("ch_second", full, (full.end + timedelta(days=1), year_end(year)))
    return _window("ch_yearly", None, (year_start(year + 1), year_end(year + 1)))


def _agency(registered: date | None, done: Sequence[Inspection]) -> Window | None:
    if not done:
        if registered is None:
            return None
        return _window("asa_new", None, (add_months(registered, 7), add_months(registered, 12)))
    latest = done[-1]
    if latest.judgement == INADEQUATE:
        return _window("asa_inadequate", latest, (add_months(latest.end, 6), add_months(latest.end, 12)))
    if latest.judgement == REQUIRES_IMPROVEMENT:
        return _window(
            "asa_requires_improvement", latest, (add_months(latest.end, 12), add_months(latest.end, 18))
        )
    year = inspection_year(latest.end)
    return _window("asa_cycle", latest, (year_start(year + 1), year_end(year + 3)))


def _local_authority(done: Sequence[Inspection]) -> Window | None:
    """Only the re-inspection of an inadequate authority is dated by the seeds (004 L907); it counts from
    the action plan, which only the case's timeline dates (70 working days after the pre-publication
    report, or the day it was sent), so without that timeline there is no window."""
    if not done or done[-1].judgement != INADEQUATE:
        return None
    latest = done[-1]
    if "reinspection" not in latest.milestones:
        return None
    due, until = latest.milestones["reinspection"]
    return Window(due, until if until is not None else due, RULES["la_reinspection"])
