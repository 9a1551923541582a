"""Each seed's printed timeline table, reproduced day by day.

Table day 1 is the preparation or notification day: the first on-site day minus one working day. A due
date's table day is working_days_between(day 1, due) + 1. The start used here, Tuesday 6 January 2026, has
no bank holiday for the next twelve weeks, so the table's weekday column can be checked too.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

import pytest

from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, Deadline, compute_timeline, day_of_week
from workflows.errors import TimelineError
from workflows.kinds import KINDS, event_keys, get_kind
from workflows.rules import Condition, MilestoneRule, Unit, WeekDay

CAL = WorkingCalendar()
START = date(2026, 1, 6)  # a Tuesday
DAY_1 = date(2026, 1, 5)  # a Monday
MON, TUE, WED, THU, FRI = range(5)


def _timeline(kind_id: str, judgement: str | None = None, concerns: bool = False) -> dict[str, Deadline]:
    dates = CaseDates(start=START, end=None, judgement=judgement, concerns=concerns)
    return {d.key: d for d in compute_timeline(get_kind(kind_id), dates, CAL)}


def table_day(due: date) -> int:
    return CAL.working_days_between(DAY_1, due) + 1


def test_the_chosen_weeks_have_no_bank_holidays() -> None:
    """Otherwise the weekday checks below would prove nothing about the table's weekday column."""
    assert not [d for d in CAL.bank_holidays(2026) if DAY_1 <= d <= date(2026, 3, 31)]


@pytest.mark.parametrize(
    ("key", "day"),
    [
        ("draft_report", 21),  # 000 L624
        ("provider_comments", 26),  # 000 L625
        ("final_report", 33),  # 000 L626
        ("complaint_window", 38),  # 000 L627
        ("publication", 41),  # 000 L628
        ("evidence_upload", 8),  # 000 L1034: end (day 3) + 5
        ("case_review", 8),  # 000 L1117
    ],
)
def test_ch_full_table(key: str, day: int) -> None:
    timeline = _timeline("ch-full", judgement="inadequate")
    assert table_day(timeline[key].due) == day


def test_ch_full_ends_on_table_day_3() -> None:
    kind = get_kind("ch-full")
    assert table_day(CAL.add_working_days(START, kind.onsite_days - 1)) == 3


@pytest.mark.parametrize(
    ("key", "day"),
    [
        ("draft_report", 20),  # 000 L1278
        ("provider_comments", 25),  # 000 L1279
        ("final_report", 32),  # 000 L1280
        ("complaint_window", 37),  # 000 L1281
        ("publication", 40),  # 000 L1282
        ("dcs_email", 3),  # 000 L1344: the next working day after day 2
        ("case_review", 7),  # 000 L1340
    ],
)
def test_ch_assurance_table(key: str, day: int) -> None:
    assert table_day(_timeline("ch-assurance", concerns=True)[key].due) == day


@pytest.mark.parametrize(
    ("key", "day"),
    [
        ("ofsted_contact", 5),  # 003 L860: the working day after day 4
        ("draft_report", 22),  # 003 L507
        ("provider_comments", 27),  # 003 L508
        ("complaint_window", 27),  # 003 L508, L1188
        ("final_report", 34),  # 003 L509
        ("publication", 39),  # 003 L510
        ("case_review", 9),  # 003 L912
    ],
)
def test_asa_full_table(key: str, day: int) -> None:
    assert table_day(_timeline("asa-full", judgement="inadequate")[key].due) == day


def test_asa_full_notice_is_ten_working_days_before_the_first_on_site_day() -> None:
    notice = _timeline("asa-full")["notice"].due
    assert CAL.working_days_between(notice, START) == 10  # 003 L431, L501
    assert notice == date(2025, 12, 18)  # back over New Year's Day, Christmas and Boxing Day 2025


@pytest.mark.parametrize(
    ("key", "day", "at"),
    [
        ("notification", 1, time(9, 0)),  # 002 L74-76, L155
        ("annex_a_form", 1, time(14, 0)),  # 002 L172
        ("draft_qa", 3, None),  # 002 L82-84
        ("dcs_email", 3, None),  # 002 L237-238
        ("case_review", 7, None),  # 002 L232-234
        ("draft_report", 20, None),  # 002 L89: day 2 + 18
        ("provider_comments", 25, None),  # 002 L91
        ("final_report", 32, None),  # 002 L92
        ("complaint_window", 37, None),  # 002 L93
        ("publication", 40, None),  # 002 L94-95
    ],
)
def test_covid_assurance_table(key: str, day: int, at: time | None) -> None:
    deadline = _timeline("covid-assurance", concerns=True)[key]
    assert (table_day(deadline.due), deadline.time) == (day, at)


@pytest.mark.parametrize(
    ("key", "day", "weekday", "at"),
    [
        ("notification", 1, MON, time(9, 30)),  # 004 L58-61
        ("annex_a", 5, FRI, None),  # 004 L99-104
        ("case_audits", 8, WED, None),  # 004 L121-127
        ("draft_report", 39, THU, time(17, 0)),  # 004 L245-250
        ("provider_comments", 45, FRI, time(9, 30)),  # 004 L251, L263
        ("prepublication_report", 53, WED, time(17, 0)),  # 004 L324-331
        ("publication", 55, FRI, None),  # 004 L337-343
        ("evidence_notebooks", 60, FRI, None),  # 004 L348-350
    ],
)
def test_la_sif_table(key: str, day: int, weekday: int, at: time | None) -> None:
    deadline = _timeline("la-sif")[key]
    assert (table_day(deadline.due), deadline.due.weekday(), deadline.time) == (day, weekday, at)


def test_la_sif_fieldwork_runs_from_day_2_to_day_19() -> None:
    end = CAL.add_working_days(START, get_kind("la-sif").onsite_days - 1)
    assert (table_day(START), table_day(end), end.weekday()) == (2, 19, THU)  # 004 L191-200


def test_la_sif_improvement_plan_is_70_working_days_after_publication() -> None:
    timeline = _timeline("la-sif")
    assert CAL.working_days_between(timeline["publication"].due, timeline["improvement_plan"].due) == 70


def test_ch_interim_2014_publication_within_20_working_days() -> None:
    timeline = _timeline("ch-interim-2014")
    assert CAL.working_days_between(START, timeline["publication"].due) == 20  # 001 L69 (a one-day visit)


@pytest.mark.parametrize("kind_id", ["ch-full", "ch-interim-2014"])
def test_return_visit_is_a_six_to_eight_week_window(kind_id: str) -> None:
    deadline = _timeline(kind_id, judgement="inadequate")["return_visit"]
    end = CAL.add_working_days(START, get_kind(kind_id).onsite_days - 1) if kind_id == "ch-full" else START
    assert (deadline.due - end).days == 42
    assert deadline.due_until is not None and (deadline.due_until - end).days == 56
    assert deadline.rule.startswith("6 to 8 weeks after")


# --- The kinds as data --------------------------------------------------------------------------


def test_all_six_kinds() -> None:
    assert set(KINDS) == {
        "ch-full",
        "ch-assurance",
        "asa-full",
        "covid-assurance",
        "la-sif",
        "ch-interim-2014",
    }
    assert [k.id for k in KINDS.values() if k.historical] == ["covid-assurance", "ch-interim-2014"]


def test_unknown_kind() -> None:
    with pytest.raises(TimelineError, match="no kind of inspection called 'x'"):
        get_kind("x")


def test_graded_kinds_use_the_shared_grade_ids() -> None:
    """The four-point scale, except the 2014 interim inspection's progress scale (001 L395)."""
    progress = ("inadequate_progress", "limited_progress", "good_progress")
    for kind in KINDS.values():
        scale = (
            progress
            if kind.id == "ch-interim-2014"
            else ("outstanding", "good", "requires_improvement", "inadequate")
        )
        assert kind.grades in ((), scale)
        assert kind.uses_concerns == (not kind.grades)
        if any(rule.condition is Condition.INADEQUATE for rule in kind.milestones):
            assert kind.inadequate_grade in kind.grades
        if any(rule.condition is Condition.CONCERNS for rule in kind.milestones):
            assert kind.uses_concerns


def test_event_keys() -> None:
    assert event_keys("ch-full") >= {"start", "end", "draft_report", "case_review", "compliance_date"}
    assert "compliance_date" not in event_keys("la-sif")
    assert "notification" in event_keys("la-sif")


@pytest.mark.parametrize(
    ("kind_id", "key", "text"),
    [
        ("ch-full", "draft_report", "18 working days after the end of the inspection"),
        ("ch-full", "provider_comments", "5 working days after the draft report is sent"),
        ("ch-full", "return_visit", "6 to 8 weeks after the end of the inspection"),
        ("la-sif", "draft_report", "by 5pm, 20 working days after the end of fieldwork"),
        ("la-sif", "provider_comments", "by 9:30am, 6 working days after the draft report is sent"),
        ("la-sif", "notification", "by 9:30am, the working day before the start of fieldwork"),
        (
            "asa-full",
            "notice",
            "10 working days before the first on-site day (20 when the agency is a single individual)",
        ),
        ("asa-full", "reinspection", "6 to 12 months after the end of the inspection"),
        ("covid-assurance", "annex_a_form", "by 2pm, on the day of the announcement call"),
        ("covid-assurance", "dcs_email", "the next working day after the end of the visit"),
        (
            "ch-full",
            "compliance_visit",
            "5 working days after the compliance date set in the compliance notice",
        ),
    ],
)
def test_rule_text(kind_id: str, key: str, text: str) -> None:
    kind = get_kind(kind_id)
    rule = kind.milestone(key)
    assert rule is not None
    assert rule.rule_text(kind) == text


def test_source_text() -> None:
    rule = get_kind("ch-full").milestone("draft_report")
    assert rule is not None
    assert str(rule.source) == "SCCIF children's homes, Timeframe (seed 000 L624, L1240)"
    sif = get_kind("la-sif").milestone("prepublication_report")
    assert sif is not None
    assert sif.source.citation == "004 L327, L329-331"


def test_decisions_show_the_other_reading() -> None:
    """timelines.md **Decision** items: the reading not chosen is a note on the milestone."""
    expected = {
        ("la-sif", "draft_report"): "21 working days",
        ("la-sif", "publication"): "35 working days",
        ("la-sif", "improvement_plan"): "004 L907",
        ("asa-full", "complaint_window"): "003 L998",
        ("asa-full", "publication"): "5 days (003 L510)",
    }
    for (kind_id, key), fragment in expected.items():
        rule = get_kind(kind_id).milestone(key)
        assert rule is not None
        assert any(fragment in note for note in rule.notes), (kind_id, key)


def test_every_window_and_unit_is_consistent() -> None:
    for kind in KINDS.values():
        for rule in kind.milestones:
            if rule.window_offset is not None:
                # a window is whole days: its ends have no time of day
                assert rule.time is None, (kind.id, rule.key)
            if rule.time is not None:
                # a time of day goes with a counted or a named day (Wednesday morning of week four)
                assert rule.unit in (Unit.WORKING_DAYS, Unit.WEEK_DAY), (kind.id, rule.key)


def test_a_named_day_of_a_week_is_one_real_day_of_week_one_or_later() -> None:
    """Unit.WEEK_DAY ('Thursday of week two', 004 L426) needs its weekday, and nothing else has one."""
    rule = get_kind("la-sif").milestone("tracked_cases_named")
    assert (
        rule is not None
        and rule.unit is Unit.WEEK_DAY
        and rule.rule_text(get_kind("la-sif"))
        == ("Thursday of week two, counting the week of the start of fieldwork as week one")
    )
    bad: list[dict[str, object]] = [
        {"offset": 2, "unit": Unit.WEEK_DAY},  # no weekday
        {"offset": 0, "unit": Unit.WEEK_DAY, "weekday": 3},  # week zero
        {"offset": 2, "unit": Unit.WEEK_DAY, "weekday": 7},  # no such weekday
        {"offset": 2, "unit": Unit.WEEK_DAY, "weekday": 3, "window_offset": 3},  # not a window
        {"offset": 2, "unit": Unit.WORKING_DAYS, "weekday": 3},  # a weekday on another unit
    ]
    for fields in bad:
        with pytest.raises(ValueError, match=r"weekday|day of a week"):
            MilestoneRule("x", "X", "start", actor=rule.actor, source=rule.source, **fields)  # type: ignore[arg-type]


def test_a_named_day_that_is_a_bank_holiday_moves_to_the_next_working_day() -> None:
    """Week one is the calendar week of the anchor: from Wednesday 20 May 2026, the Monday of week two is
    the 25 May bank holiday, so Tuesday 26 May; the Thursday of week four is 11 June."""
    anchor = date(2026, 5, 20)
    assert day_of_week(anchor, WeekDay(2, 0), CAL) == date(2026, 5, 26)
    assert day_of_week(anchor, WeekDay(4, 3), CAL) == date(2026, 6, 11)
    assert day_of_week(anchor, WeekDay(1, 0), CAL) == date(2026, 5, 18)  # before the anchor, same week


def test_hours_are_whole_days_at_the_events_own_time() -> None:
    """Unit.HOURS (004 L774's 24 hours): an event recorded by its day can only be counted in whole days,
    and a time of day of the rule's own would contradict 'the same time'."""
    kind = get_kind("la-sif")
    rule = kind.milestone("category_one_response")
    assert rule is not None and rule.unit is Unit.HOURS and rule.offset == 24 and rule.time is None
    for offset, at in ((36, None), (0, None), (24, time(9, 0))):
        with pytest.raises(ValueError, match="hours are whole days"):
            MilestoneRule("x", "X", "start", offset, Unit.HOURS, rule.actor, rule.source, time=at)


# --- Every cited line exists in its seed ----------------------------------------------------------

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
CITATION = re.compile(r"\b(00\d) (L\d+(?:-\d+)?(?:, L\d+(?:-\d+)?)*)")


def _seed_lines(seed: str) -> list[str]:
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    return path.read_text(encoding="utf-8").splitlines()


def _cited() -> list[tuple[str, int, str]]:
    """(seed, line, where) for every Source line and every '(000 L123)' inside a note."""
    found: list[tuple[str, int, str]] = []
    for kind in KINDS.values():
        texts = list(kind.notes)
        for rule in kind.milestones:
            found += [(rule.source.seed, line, f"{kind.id}.{rule.key}") for line in rule.source.lines]
            texts += rule.notes
        for text in texts:
            for seed, refs in CITATION.findall(text):
                for ref in refs.split(", "):
                    first, _, last = ref[1:].partition("-")
                    found += [
                        (seed, n, f"{kind.id}: {text[:40]}")
                        for n in range(int(first), int(last or first) + 1)
                    ]
    return found


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds live beside the repository, in ../shared/seeds")
def test_every_cited_line_exists_in_its_seed() -> None:
    lines = {seed: _seed_lines(seed) for seed in ("000", "001", "002", "003", "004")}
    for seed, number, where in _cited():
        assert 1 <= number <= len(lines[seed]), (seed, number, where)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds live beside the repository, in ../shared/seeds")
def test_every_offset_appears_on_its_cited_lines() -> None:
    """The number in each rule is written on one of the lines it cites.

    la-sif is left out: its offsets are differences of the table's day numbers (day 39 - day 19 = 20),
    which test_la_sif_table checks instead.
    """
    for kind in KINDS.values():
        if kind.id == "la-sif":
            continue
        for rule in kind.milestones:
            text = " ".join(_seed_lines(rule.source.seed)[n - 1] for n in rule.source.lines)
            numbers = set(re.findall(r"\d+", text)) | _number_words(text)
            offset = abs(rule.offset)
            if rule.unit is Unit.WORKING_DAYS and rule.window_offset is not None:
                continue  # table days "5 to 8" less the end's day: test_draft_qa_windows checks them
            if offset in (0, 1) or rule.unit is Unit.CALENDAR_DAYS:
                continue  # "the same day", "the next working day", "6 to 8 weeks": checked by rule text
            assert str(offset) in numbers, (kind.id, rule.key)


def _number_words(text: str) -> set[str]:
    words = {"five": "5", "six": "6", "ten": "10", "twenty": "20"}
    return {digit for word, digit in words.items() if word in text.lower()}
