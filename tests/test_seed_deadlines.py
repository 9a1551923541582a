"""The deadlines added from issue 13, each reproduced from its seed line twice: through compute_timeline and
through `inspectbot timeline --format json`, which must agree.

Dates: first on-site day Tuesday 6 January 2026, so table day 1 is Monday 5 January and no bank holiday
falls in the weeks the tables count (test_kinds_tables checks that).
"""

from __future__ import annotations

import argparse
import io
import json
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import pytest

from bot import cli_timeline
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, Deadline, compute_timeline, for_providers
from workflows.errors import TimelineError
from workflows.kinds import get_kind

CAL = WorkingCalendar()
START = date(2026, 1, 6)  # Tuesday; table day 2
DAY_1 = date(2026, 1, 5)  # Monday; table day 1


def table_day(day: date) -> int:
    return CAL.working_days_between(DAY_1, day) + 1


@dataclass(frozen=True)
class Case:
    """One inspection, given to both the engine and the command line."""

    kind: str
    start: date | None = START
    end: date | None = None
    judgement: str | None = None
    concerns: bool = False
    records: dict[str, date] = field(default_factory=dict)

    def engine(self) -> dict[str, Deadline]:
        dates = CaseDates(self.start, self.end, self.records, self.judgement, self.concerns)
        return {d.key: d for d in compute_timeline(get_kind(self.kind), dates, CAL)}

    def cli(self) -> tuple[dict[str, dict[str, Any]], str]:
        argv = ["timeline", self.kind, "--format", "json", "--today", "2026-01-01"]
        argv += ["--start", self.start.isoformat()] if self.start else ["--end", str(self.end)]
        if self.start and self.end:
            argv += ["--record", f"end={self.end.isoformat()}"]
        argv += ["--judgement", self.judgement] if self.judgement else []
        argv += ["--concerns"] if self.concerns else []
        for key, day in self.records.items():
            argv += ["--record", f"{key}={day.isoformat()}"]
        parser = argparse.ArgumentParser(prog="inspectbot")
        cli_timeline.register(parser.add_subparsers())
        args = parser.parse_args(argv)
        out, err = io.StringIO(), io.StringIO()
        assert args.handler(args, out, err) == 0, err.getvalue()
        return {row["key"]: row for row in json.loads(out.getvalue())}, err.getvalue()

    def both(self, key: str) -> tuple[Deadline, dict[str, Any]]:
        """The milestone from the engine and from the CLI, after checking they agree."""
        deadline, row = self.engine()[key], self.cli()[0][key]
        assert row["due"] == deadline.due.isoformat()
        assert row["due_until"] == (deadline.due_until.isoformat() if deadline.due_until else None)
        assert row["time"] == (deadline.time.strftime("%H:%M") if deadline.time else None)
        assert row["internal"] == deadline.internal
        assert row["rule"] == deadline.rule
        return deadline, row

    def milestone_keys(self) -> set[str]:
        engine, cli = set(self.engine()), set(self.cli()[0])
        assert engine == cli
        return engine


# --- Children's homes (seed 000) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [
        (
            "ch-full",
            5,
            8,
        ),  # 000 L623: "5 to 8 Inspection evidence and report submitted for quality assurance"
        ("ch-assurance", 3, 7),  # 000 L1277: "3 to 7 ..."
        ("asa-full", 5, 8),  # 003 L506: "5 to 8 Report writing, ... submitted for quality assurance"
    ],
)
def test_quality_assurance_is_a_window_of_table_days(kind: str, first: int, last: int) -> None:
    deadline, row = Case(kind).both("draft_qa")
    assert deadline.due_until is not None
    assert (table_day(deadline.due), table_day(deadline.due_until)) == (first, last)
    assert deadline.internal and row["internal"] is True
    assert "to" in deadline.rule and "working days after the end" in deadline.rule


def test_quality_assurance_is_not_shown_to_providers() -> None:
    deadlines = list(Case("ch-full").engine().values())
    shown = {d.key for d in for_providers(deadlines)}
    assert "draft_qa" not in shown
    assert {"draft_report", "provider_comments", "complaint_window"} <= shown


@pytest.mark.parametrize("kind", ["ch-full", "ch-assurance"])
def test_a_complaint_is_open_from_the_end_of_the_inspection(kind: str) -> None:
    """000 L1264: any time before the final report is published; L1266: until 5 WD after receiving it."""
    case = Case(kind)
    deadline, row = case.both("complaint_window")
    end = CAL.add_working_days(START, get_kind(kind).onsite_days - 1)
    assert deadline.opens == end and row["opens"] == end.isoformat()
    assert CAL.working_days_between(case.engine()["final_report"].due, deadline.due) == 5
    assert deadline.rule.startswith("from the end of the inspection until 5 working days after")


@pytest.mark.parametrize(
    ("end", "judgement", "second", "june"),
    [
        # 000 L511: requires improvement -> again in the same inspection period (1 April to 31 March)
        (date(2026, 6, 4), "requires_improvement", date(2027, 3, 31), None),
        (date(2026, 12, 31), "requires_improvement", date(2027, 3, 31), None),
        # 000 L513-515: judged between 1 January and 31 March -> full inspection before 30 June
        (date(2026, 2, 10), "requires_improvement", date(2026, 3, 31), date(2026, 6, 29)),
        (date(2026, 3, 31), "inadequate", None, date(2026, 6, 29)),
        (date(2026, 1, 6), "inadequate", None, date(2026, 6, 29)),
        (date(2026, 4, 1), "inadequate", None, None),
        (date(2026, 2, 10), "good", None, None),
    ],
)
def test_second_inspection_in_the_period_and_the_30_june_full_inspection(
    end: date, judgement: str, second: date | None, june: date | None
) -> None:
    case = Case("ch-full", start=None, end=end, judgement=judgement)
    keys = case.milestone_keys()
    assert ("second_inspection" in keys) == (second is not None)
    assert ("full_inspection_by_june" in keys) == (june is not None)
    if second is not None:
        deadline, _ = case.both("second_inspection")
        assert deadline.due == second and not deadline.due_until
    if june is not None:
        deadline, _ = case.both("full_inspection_by_june")
        assert deadline.due == june


def test_manager_left_first_inspection_within_4_weeks() -> None:
    """000 L584: 'within 4 weeks of the notification'."""
    assert "first_inspection_after_manager_left" not in Case("ch-full").milestone_keys()
    case = Case("ch-full", records={"manager_left": date(2026, 1, 5)})
    deadline, _ = case.both("first_inspection_after_manager_left")
    assert deadline.due == date(2026, 2, 2)
    assert deadline.rule == "4 weeks after Ofsted is told the manager has left"


# --- Adoption support agencies (seed 003) --------------------------------------------------------


def test_asa_requires_improvement_return_is_12_to_18_months() -> None:
    """003 L462: 'return to inspect agencies that require improvement within 12 to 18 months'."""
    case = Case("asa-full", judgement="requires_improvement")
    deadline, _ = case.both("return_inspection")
    end = date(2026, 1, 8)  # the feedback day, table day 4
    assert (deadline.due, deadline.due_until) == (date(2027, 1, 8), date(2027, 7, 8))
    assert deadline.rule == "12 to 18 months after the end of the inspection"
    assert table_day(end) == 4
    assert "reinspection" not in case.milestone_keys()


def test_asa_inadequate_reinspection_is_6_to_12_months() -> None:
    """003 L462: 'reinspect agencies that are inadequate within 6 to 12 months'."""
    case = Case("asa-full", judgement="inadequate")
    deadline, _ = case.both("reinspection")
    assert (deadline.due, deadline.due_until) == (date(2026, 7, 8), date(2027, 1, 8))
    assert "return_inspection" not in case.milestone_keys()


# --- Local authority SIF (seed 004) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "day", "at"),
    [
        ("child_data_on_arrival", 2, time(9, 0)),  # L69-70: fields 1-7 on arrival; inspectors by 9am
        ("child_data_lists_8_11", 2, None),  # L70: fields 8-11 by the end of the day
        ("child_data_list_2", 4, time(12, 0)),  # L1018: Week One (Thursday am)
        ("child_data_stage_2_lists_4_7", 5, None),  # L1027: Week One (end of Friday)
        ("child_data_remainder", 7, None),  # L118, L1049: end of Tuesday, week two
        ("observation_list", 7, None),  # L393: by the end of Tuesday of Week Two
        ("consents", 10, None),  # L394: by the end of week 2
    ],
)
def test_la_sif_information_requests(key: str, day: int, at: time | None) -> None:
    deadline, row = Case("la-sif").both(key)
    assert (table_day(deadline.due), deadline.time) == (day, at)
    assert row["actor"] == "local_authority"


@pytest.mark.parametrize(
    ("key", "day", "weekday", "at", "internal"),
    [
        ("missing_children_overview", 3, 2, None, False),  # 004 L88, L1201: Wednesday of week one
        ("sea_week_one", 4, 3, None, True),  # 004 L805: by the end of week one on site
        ("tracked_cases_named", 9, 3, None, False),  # 004 L426: by Thursday of week two
        ("tracked_case_documents", 11, 0, None, False),  # 004 L426: on the Monday of week three
        ("sea_complete", 18, 2, time(12, 0), True),  # 004 L805: by the morning of Wednesday, week four
    ],
)
def test_la_sif_named_days_of_the_weeks(
    key: str, day: int, weekday: int, at: time | None, internal: bool
) -> None:
    deadline, row = Case("la-sif").both(key)
    assert (table_day(deadline.due), deadline.due.weekday(), deadline.time) == (day, weekday, at)
    assert deadline.internal is internal and row["internal"] is internal
    assert "of week" in deadline.rule and "counting the week of the start of fieldwork" in deadline.rule


def test_la_sif_sea_entries_within_two_days_of_the_evidence() -> None:
    """004 L805: after week one, SEA entries within two days of collecting the evidence (a note: the
    bot has no date of each piece of evidence to count from)."""
    deadlines = Case("la-sif").engine()
    assert any(
        "within two days of collecting the evidence (004 L805)" in n for n in deadlines["sea_week_one"].notes
    )
    assert any(
        "within two days of collecting the evidence (004 L805)" in n for n in deadlines["sea_complete"].notes
    )


def test_la_sif_named_day_on_a_bank_holiday_moves_to_the_next_working_day() -> None:
    """Fieldwork from Tuesday 12 May 2026: the Monday of week three is the 25 May bank holiday, so the
    tracked cases' documents (004 L426) are due on Tuesday 26 May; the other named days keep theirs."""
    case = Case("la-sif", start=date(2026, 5, 12))
    assert case.both("tracked_case_documents")[0].due == date(2026, 5, 26)
    assert case.both("tracked_cases_named")[0].due == date(2026, 5, 21)  # Thursday of week two
    assert case.both("sea_complete")[0].due == date(2026, 6, 3)  # Wednesday of week four


def test_la_sif_category_one_case_reported_back_within_24_hours() -> None:
    """004 L774: 'usually not longer than 24 hours'."""
    assert "category_one_response" not in Case("la-sif").milestone_keys()
    case = Case("la-sif", records={"category_one_case": date(2026, 1, 16)})  # a Friday
    deadline, row = case.both("category_one_response")
    assert deadline.due == date(2026, 1, 17)  # 24 hours are hours, weekend or not
    # Counted in hours; the case is recorded by its day, so the time is the hour it was raised, said in
    # words, and the day shown is the next one (its end: the bot cannot know the hour).
    assert deadline.rule == "24 hours after a category-one case is raised: by the same time the next day"
    assert deadline.time is None and row["time"] is None
    assert any("records the day a case is raised, not the hour" in note for note in deadline.notes)


def test_la_sif_inadequate_action_plan_and_reinspection() -> None:
    """004 L907: action plan within 70 WD of receiving the pre-publication report; re-inspection within
    two years of it. The improvement plan of L355 (70 WD after publication) is shown beside it."""
    assert {"action_plan", "reinspection"}.isdisjoint(Case("la-sif", judgement="good").milestone_keys())
    case = Case("la-sif", judgement="inadequate")
    plan, _ = case.both("action_plan")
    prepublication = case.engine()["prepublication_report"].due
    assert CAL.working_days_between(prepublication, plan.due) == 70
    improvement, _ = case.both("improvement_plan")
    assert plan.due < improvement.due
    assert any("applies instead" in note for note in improvement.notes)
    reinspection, _ = case.both("reinspection")
    # A window: not before the fourth quarterly visit (a year, 004 L907), within two years of the plan.
    assert reinspection.due == date(plan.due.year + 1, plan.due.month, plan.due.day)
    assert reinspection.due_until == date(plan.due.year + 2, plan.due.month, plan.due.day)
    assert any("(004 L990)" in note for note in reinspection.notes)  # still inadequate: visits go on


def _months_after(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, day.day)


def test_la_sif_inadequate_quarterly_monitoring_visits() -> None:
    """004 L907: 'between four and six quarterly monitoring visits' before a re-inspection; L908: none
    once Ofsted decides to re-inspect. Each a quarter's window, counted from the action plan."""
    keys = {f"monitoring_visit_{n}" for n in range(1, 7)}
    assert keys.isdisjoint(Case("la-sif", judgement="requires_improvement").milestone_keys())
    case = Case("la-sif", judgement="inadequate")
    plan = case.engine()["action_plan"].due
    assert plan == date(2026, 6, 30)  # quarters after it land on the 30th of each month
    for n in range(1, 7):
        visit, row = case.both(f"monitoring_visit_{n}")
        assert (visit.due, visit.due_until) == (_months_after(plan, 3 * (n - 1)), _months_after(plan, 3 * n))
        assert visit.actor.value == row["actor"] == "ofsted" and not visit.recordable and not visit.internal
        assert "004 L907" in visit.source
        assert (n > 4) == any("(004 L908)" in note for note in visit.notes)
    assert case.engine()["reinspection"].due == case.engine()["monitoring_visit_4"].due_until


def test_la_sif_action_plan_counts_from_the_recorded_prepublication_report() -> None:
    sent = date(2026, 3, 20)
    case = Case("la-sif", judgement="inadequate", records={"prepublication_report": sent})
    plan, row = case.both("action_plan")
    assert CAL.working_days_between(sent, plan.due) == 70 and row["basis"] == "recorded"


# --- Interim inspections, 2014 proposals (seed 001) ----------------------------------------------


def test_interim_is_judged_on_the_progress_scale() -> None:
    """001 L395: 'inadequate progress and/or declined' or 'limited progress' or 'good progress'."""
    kind = get_kind("ch-interim-2014")
    assert kind.grades == ("inadequate_progress", "limited_progress", "good_progress")
    assert kind.grade_label("inadequate_progress") == "Inadequate progress and/or declined"
    assert kind.grade_label("limited_progress") == "Limited progress"
    deadline, _ = Case("ch-interim-2014", judgement="inadequate_progress").both("return_visit")
    assert (deadline.due - START).days == 42
    assert "return_visit" not in Case("ch-interim-2014", judgement="limited_progress").milestone_keys()


def test_interim_still_reads_a_judgement_recorded_on_the_four_point_scale() -> None:
    old = Case("ch-interim-2014", judgement="inadequate").engine()
    assert "return_visit" in old
    with pytest.raises(TimelineError, match="'satisfactory_progress' is not a judgement"):
        Case("ch-interim-2014", judgement="satisfactory_progress").engine()


# --- COVID-19 assurance visits (seed 002) --------------------------------------------------------


def test_covid_start_is_the_on_site_day_after_the_call() -> None:
    """002 L74-80: day 1 the call (the visit is live from it), day 2 the visit."""
    kind = get_kind("covid-assurance")
    assert "day after the 9am announcement call" in kind.start_text
    call, _ = Case("covid-assurance", start=date(2020, 10, 6)).both("notification")
    assert call.due == date(2020, 10, 5) and call.time == time(9, 0)
    # A recorded call keeps its own day: the Annex A form counts from it, not from the start.
    recorded = Case("covid-assurance", start=date(2020, 10, 6), records={"notification": date(2020, 10, 2)})
    form, _ = recorded.both("annex_a_form")
    assert form.due == date(2020, 10, 2)


@pytest.mark.parametrize(
    ("key", "day"),
    [
        ("final_report_agreed", 46),  # 004 L277: by the end of the day on Monday (day 46)
        ("final_report_qar", 47),  # 004 L286: QAR clears report by close on day 47
        ("final_report_regional_director", 48),  # 004 L296
        ("final_report_cleared", 49),  # 004 L306: by the end of the day on Thursday, day 49
    ],
)
def test_la_sif_internal_sign_off_days(key: str, day: int) -> None:
    deadline, row = Case("la-sif").both(key)
    assert table_day(deadline.due) == day
    assert deadline.internal and row["internal"] is True


@pytest.mark.parametrize(
    ("end", "last_day"),
    [
        # 003 L460: "for agencies inspected between April 2021 and March 2022, a new 3-year cycle begins
        # on 1 April 2022", so it ends on 31 March 2025
        (date(2021, 4, 1), date(2025, 3, 31)),
        (date(2022, 3, 31), date(2025, 3, 31)),
        (date(2022, 4, 1), date(2026, 3, 31)),
    ],
)
def test_asa_next_inspection_in_the_3_year_period_from_the_next_1_april(end: date, last_day: date) -> None:
    deadline, _ = Case("asa-full", start=None, end=end).both("next_inspection")
    assert deadline.due == last_day


def test_la_sif_childrens_home_visits_before_the_end_of_week_three() -> None:
    """004 L601: 'This will always be before the end of Week Three' (table day 15, a Friday)."""
    deadline, row = Case("la-sif").both("childrens_home_visits")
    assert (table_day(deadline.due), deadline.due.weekday()) == (15, 4)
    assert row["actor"] == "ofsted"
