"""Warnings about a start the guidance does not expect: said beside the timeline, never a refusal."""

from __future__ import annotations

import argparse
import io
import json
from datetime import date

import pytest

from bot import cli_timeline
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates
from workflows.kinds import get_kind
from workflows.start_warnings import in_christmas_and_new_year, planned_start_warnings, timeline_warnings

CAL = WorkingCalendar()


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="inspectbot")
    cli_timeline.register(parser.add_subparsers())
    args = parser.parse_args(["timeline", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = args.handler(args, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("start", "season"),
    [
        (date(2026, 8, 4), "in August"),  # 004 L13
        (date(2026, 9, 1), "in August"),  # the call is on Friday 28 August (31st: bank holiday)
        (date(2026, 12, 29), "over Christmas and New Year"),
        (
            date(2027, 1, 4),
            "over Christmas and New Year",
        ),  # called Thursday 31 December (1 January is a holiday)
        (date(2026, 1, 2), "over Christmas and New Year"),  # called on Wednesday 31 December 2025
    ],
)
def test_sif_start_in_august_or_over_christmas_warns(start: date, season: str) -> None:
    (warning,) = planned_start_warnings(get_kind("la-sif"), start, CAL)
    assert season in warning and "do not usually start" in warning and "004 L13" in warning


@pytest.mark.parametrize("start", [date(2026, 1, 6), date(2026, 7, 28), date(2026, 12, 22)])
def test_sif_start_at_other_times_is_quiet(start: date) -> None:
    assert planned_start_warnings(get_kind("la-sif"), start, CAL) == []


def test_only_sif_has_the_august_rule() -> None:
    assert planned_start_warnings(get_kind("ch-full"), date(2026, 8, 4), CAL) == []


def test_christmas_and_new_year_is_24_december_to_1_january() -> None:
    days = [date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)]
    assert [in_christmas_and_new_year(day) for day in days] == [False, True, True, True, False]


@pytest.mark.parametrize(
    ("start", "warned"),
    [
        (date(2020, 8, 28), True),
        (date(2020, 9, 1), False),  # 002 L39: applicable from 1 September 2020
        (date(2021, 3, 31), False),  # 002 L34-35: the inspection year ending 31 March 2021
        (date(2021, 4, 1), True),
        (date(2026, 3, 3), True),
    ],
)
def test_covid_visit_outside_its_period_is_accepted_with_a_note(start: date, warned: bool) -> None:
    warnings = planned_start_warnings(get_kind("covid-assurance"), start, CAL)
    assert bool(warnings) == warned
    assert all("002 L34-35, L39" in w and "worked out all the same" in w for w in warnings)


def test_covid_on_site_day_on_or_before_the_recorded_call_warns() -> None:
    kind = get_kind("covid-assurance")
    same_day = CaseDates(
        start=None, end=None, records={"start": date(2020, 10, 6), "notification": date(2020, 10, 6)}
    )
    (warning,) = timeline_warnings(kind, same_day, CAL)
    assert "the call is day 1 and the visit day 2" in warning and "Record the on-site day" in warning
    after = CaseDates(start=date(2020, 10, 6), end=None, records={"notification": date(2020, 10, 5)})
    assert timeline_warnings(kind, after, CAL) == []


def test_the_cli_shows_warnings_in_the_text_and_on_stderr_for_json() -> None:
    code, out, err = run("la-sif", "--start", "4/8/2026", "--today", "1/8/2026")
    assert (code, err) == (0, "")
    assert any(
        line.startswith("Warning: The start of fieldwork falls in August") for line in out.splitlines()
    )
    code, out, err = run("la-sif", "--start", "4/8/2026", "--format", "json")
    assert code == 0 and isinstance(json.loads(out), list)
    assert err.startswith("inspectbot: warning: The start of fieldwork falls in August")
    assert err.count("\n") == 1


def test_the_cli_says_what_start_means_for_covid_visits() -> None:
    code, out, _ = run("covid-assurance", "--start", "6/10/2020", "--today", "1/10/2020")
    assert code == 0
    assert "Start means the on-site day (day 2), the working day after the 9am announcement call" in out
    _, listing, _ = run("--list", "--format", "json")
    kinds = {k["id"]: k for k in json.loads(listing)}
    assert kinds["covid-assurance"]["start_means"].startswith("the on-site day (day 2)")
    assert kinds["ch-full"]["start_means"] == "the first on-site day"
    assert (
        kinds["ch-interim-2014"]["grade_labels"]["inadequate_progress"]
        == "Inadequate progress and/or declined"
    )
