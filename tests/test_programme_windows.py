"""The programme's windows (workflows/programme_windows.py), checked against the seed lines they cite."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, compute_timeline
from workflows.kinds import KINDS
from workflows.programme_windows import (
    RULES,
    Inspection,
    SettingKind,
    inspection_year,
    next_window,
    setting_kind_of,
)

CH = SettingKind.CHILDRENS_HOME
ASA = SettingKind.ADOPTION_SUPPORT_AGENCY
LA = SettingKind.LOCAL_AUTHORITY
D = date


def _i(kind: str, end: date, judgement: str | None) -> Inspection:
    return Inspection(kind, end, end, judgement)


# (case, setting kind, registered, inspections, manager left, (due_from, due_by), rule key, cited source)
TABLE: list[
    tuple[str, SettingKind, date | None, list[Inspection], date | None, tuple[date, date], str, str]
] = [
    (
        "home judged good in June 2025: the next full inspection in 2026-27",
        CH,
        None,
        [_i("ch-full", D(2025, 6, 12), "good")],
        None,
        (D(2026, 4, 1), D(2027, 3, 31)),
        "ch_yearly",
        "000 L507, L565",
    ),
    (
        "home judged good in February 2026 (inspection year 2025-26): the next in 2026-27",
        CH,
        None,
        [_i("ch-full", D(2026, 2, 5), "good")],
        None,
        (D(2026, 4, 1), D(2027, 3, 31)),
        "ch_yearly",
        "000 L507, L565",
    ),
    (
        "inspection year 2028-29 starts on Saturday 1 April 2028: windows are calendar dates, not moved",
        CH,
        None,
        [_i("ch-full", D(2027, 10, 7), "outstanding")],
        None,
        (D(2028, 4, 1), D(2029, 3, 31)),
        "ch_yearly",
        "000 L507, L565",
    ),
    (
        "home judged requires improvement in June: a second inspection by 31 March",
        CH,
        None,
        [_i("ch-full", D(2025, 6, 12), "requires_improvement")],
        None,
        (D(2025, 6, 13), D(2026, 3, 31)),
        "ch_second",
        "000 L511",
    ),
    (
        "home inspected twice in one year (RI in June, assurance in November): next full the year after",
        CH,
        None,
        [_i("ch-full", D(2025, 6, 12), "requires_improvement"), _i("ch-assurance", D(2025, 11, 20), None)],
        None,
        (D(2026, 4, 1), D(2027, 3, 31)),
        "ch_yearly",
        "000 L507, L565",
    ),
    (
        "home with two full inspections in one year (both good): the next in the year after",
        CH,
        None,
        [_i("ch-full", D(2025, 5, 1), "good"), _i("ch-full", D(2026, 1, 15), "good")],
        None,
        (D(2026, 4, 1), D(2027, 3, 31)),
        "ch_yearly",
        "000 L507, L565",
    ),
    (
        "January-March rule: RI in February 2026, no second inspection: full inspection before 30 June 2026",
        CH,
        None,
        [_i("ch-full", D(2026, 2, 5), "requires_improvement")],
        None,
        (D(2026, 4, 1), D(2026, 6, 29)),
        "ch_by_june",
        "000 L513-515",
    ),
    (
        "January-March rule, with a second inspection in March: back to the yearly rule",
        CH,
        None,
        [_i("ch-full", D(2026, 1, 8), "requires_improvement"), _i("ch-assurance", D(2026, 3, 20), None)],
        None,
        (D(2026, 4, 1), D(2027, 3, 31)),
        "ch_yearly",
        "000 L507, L565",
    ),
    (
        "home judged inadequate: a return visit in 6 to 8 weeks",
        CH,
        None,
        [_i("ch-full", D(2025, 9, 10), "inadequate")],
        None,
        (D(2025, 10, 22), D(2025, 11, 5)),
        "ch_return",
        "000 L1127, L1372",
    ),
    (
        "inadequate in February, an assurance return visit (good) in April, the next inspection year: "
        "no second inspection that year, so the full inspection before 30 June still stands",
        CH,
        None,
        [_i("ch-full", D(2026, 2, 10), "inadequate"), _i("ch-assurance", D(2026, 4, 1), "good")],
        None,
        (D(2026, 4, 1), D(2026, 6, 29)),
        "ch_by_june",
        "000 L513-515",
    ),
    (
        "new home registered in May: first inspection between 1 October and 31 March",
        CH,
        D(2025, 5, 20),
        [],
        None,
        (D(2025, 10, 1), D(2026, 3, 31)),
        "ch_new_summer",
        "000 L578",
    ),
    (
        "new home registered in November: first inspection 1 April to 30 September of the next year",
        CH,
        D(2025, 11, 3),
        [],
        None,
        (D(2026, 4, 1), D(2026, 9, 30)),
        "ch_new_winter",
        "000 L578",
    ),
    (
        "new home registered in February: the next inspection year starts 1 April of the same calendar year",
        CH,
        D(2026, 2, 3),
        [],
        None,
        (D(2026, 4, 1), D(2026, 9, 30)),
        "ch_new_winter",
        "000 L578",
    ),
    (
        "new home whose manager left before its first inspection: within 4 weeks of the notification",
        CH,
        D(2025, 5, 20),
        [],
        D(2025, 8, 4),
        (D(2025, 8, 4), D(2025, 9, 1)),
        "ch_manager_left",
        "000 L584",
    ),
    (
        "agency inspected June 2021 (seed's example year 2021-22): cycle 1 April 2022 to 31 March 2025",
        ASA,
        None,
        [_i("asa-full", D(2021, 6, 17), "good")],
        None,
        (D(2022, 4, 1), D(2025, 3, 31)),
        "asa_cycle",
        "003 L456-460",
    ),
    (
        "agency inspected March 2022, the same example's other end: the same cycle",
        ASA,
        None,
        [_i("asa-full", D(2022, 3, 3), "outstanding")],
        None,
        (D(2022, 4, 1), D(2025, 3, 31)),
        "asa_cycle",
        "003 L456-460",
    ),
    (
        "agency judged inadequate: within 6 to 12 months",
        ASA,
        None,
        [_i("asa-full", D(2025, 8, 31), "inadequate")],
        None,
        (D(2026, 2, 28), D(2026, 8, 31)),
        "asa_inadequate",
        "003 L462",
    ),
    (
        "agency judged requires improvement: within 12 to 18 months",
        ASA,
        None,
        [_i("asa-full", D(2025, 5, 14), "requires_improvement")],
        None,
        (D(2026, 5, 14), D(2026, 11, 14)),
        "asa_requires_improvement",
        "003 L462",
    ),
    (
        "agency's first inspection: 7 to 12 months after registration",
        ASA,
        D(2025, 7, 31),
        [],
        None,
        (D(2026, 2, 28), D(2026, 7, 31)),
        "asa_new",
        "003 L464",
    ),
    (
        "local authority judged inadequate: re-inspection 12 to 24 months after the action plan",
        LA,
        None,
        [
            Inspection(
                "la-sif",
                D(2025, 1, 7),
                D(2025, 1, 30),
                "inadequate",
                {"reinspection": (D(2026, 6, 1), D(2027, 6, 1))},
            )
        ],
        None,
        (D(2026, 6, 1), D(2027, 6, 1)),
        "la_reinspection",
        "004 L907",
    ),
]


@pytest.mark.parametrize(
    ("kind", "registered", "inspections", "manager_left", "window", "rule", "source"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_window_table(
    kind: SettingKind,
    registered: date | None,
    inspections: list[Inspection],
    manager_left: date | None,
    window: tuple[date, date],
    rule: str,
    source: str,
) -> None:
    found = next_window(kind, registered, inspections, manager_left)
    assert found is not None
    assert (found.due_from, found.due_by) == window
    assert found.rule.key == rule
    assert found.source == source


def test_a_saturday_year_start_is_not_moved() -> None:
    """1 April 2028 is a Saturday and 1 April 2029 a Sunday: the year still starts on 1 April."""
    assert D(2028, 4, 1).weekday() == 5 and D(2029, 4, 1).weekday() == 6
    found = next_window(CH, None, [_i("ch-full", D(2028, 4, 3), "good")])
    assert found is not None and found.due_from == D(2029, 4, 1)


def test_no_window_without_a_history_or_a_registration() -> None:
    assert next_window(CH, None, []) is None
    assert next_window(ASA, None, []) is None
    assert next_window(LA, None, [_i("la-sif", D(2025, 1, 30), "good")]) is None


def test_every_rule_cites_a_seed_line() -> None:
    for rule in RULES.values():
        assert rule.source[:3] in {"000", "003", "004"} and " L" in rule.source, rule.key


def test_setting_kind_from_inspections() -> None:
    assert setting_kind_of(["covid-assurance", "ch-assurance"]) is CH
    assert setting_kind_of(["asa-full"]) is ASA
    assert setting_kind_of(["covid-assurance"]) is None


def test_inspection_year() -> None:
    assert inspection_year(D(2026, 3, 31)) == 2025
    assert inspection_year(D(2026, 4, 1)) == 2026


def _timeline_windows(kind: str, end: date, judgement: str) -> dict[str, tuple[date, date | None]]:
    dates = CaseDates(start=end, end=end, records={"start": end, "end": end}, judgement=judgement)
    timeline = compute_timeline(KINDS[kind], dates, WorkingCalendar())
    return {deadline.key: (deadline.due, deadline.due_until) for deadline in timeline}


@pytest.mark.parametrize(
    ("setting", "kind", "end", "judgement"),
    [
        (CH, "ch-full", D(2025, 9, 10), "inadequate"),
        (CH, "ch-full", D(2025, 6, 12), "requires_improvement"),
        (CH, "ch-full", D(2026, 2, 5), "requires_improvement"),
        (CH, "ch-full", D(2026, 2, 5), "inadequate"),
        (ASA, "asa-full", D(2021, 6, 17), "good"),
        (ASA, "asa-full", D(2025, 8, 31), "inadequate"),
        (ASA, "asa-full", D(2025, 5, 14), "requires_improvement"),
    ],
)
def test_computed_windows_agree_with_the_case_timeline(
    setting: SettingKind, kind: str, end: date, judgement: str
) -> None:
    """The programme reads a case's own milestones when it has them; computed, the days are the same."""
    milestones = _timeline_windows(kind, end, judgement)
    from_timeline = next_window(setting, None, [Inspection(kind, end, end, judgement, milestones)])
    computed = next_window(setting, None, [Inspection(kind, end, end, judgement)])
    assert from_timeline is not None and computed is not None
    assert from_timeline.rule.milestone in milestones
    assert (from_timeline.due_from, from_timeline.due_by, from_timeline.rule) == (
        computed.due_from,
        computed.due_by,
        computed.rule,
    )
