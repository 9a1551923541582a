"""`inspectbot timeline`: tables for people, JSON for programs, one clear line for mistakes."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from typing import Any

import pytest

from bot import cli_timeline


def run(*argv: str) -> tuple[int, str, str]:
    """Run the subcommand through its own parser, as bot.cli does, capturing both streams."""
    parser = argparse.ArgumentParser(prog="inspectbot")
    cli_timeline.register(parser.add_subparsers())
    args = parser.parse_args(["timeline", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = args.handler(args, out, err)
    return code, out.getvalue(), err.getvalue()


def as_json(*argv: str) -> list[dict[str, Any]]:
    code, out, err = run(*argv, "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert isinstance(data, list)
    return data


def test_list_names_every_kind() -> None:
    code, out, _ = run("--list")
    assert code == 0
    for kind_id in ("ch-full", "ch-assurance", "asa-full", "covid-assurance", "la-sif", "ch-interim-2014"):
        assert kind_id in out
    assert "(historical)" in out


def test_list_as_json() -> None:
    kinds = {item["id"]: item for item in as_json("--list")}
    assert kinds["ch-assurance"]["grades"] == []
    assert kinds["ch-assurance"]["uses_concerns"] is True


def test_json_has_the_promised_fields() -> None:
    rows = {row["key"]: row for row in as_json("la-sif", "--start", "6/1/2026", "--today", "5/1/2026")}
    draft = rows["draft_report"]
    assert draft["due"] == "2026-02-26"
    assert draft["time"] == "17:00"
    assert draft["actor"] == "ofsted"
    assert draft["rule"] == "by 5pm, 20 working days after the end of fieldwork"
    assert draft["source"] == "SIF inspector guidance, Timeframe (seed 004 L248, L250)"
    assert draft["working_days_from_today"] == 38
    assert draft["recorded"] is None and draft["basis"] == "planned"
    assert any("21 working days" in note for note in draft["notes"])
    assert rows["provider_comments"]["time"] == "09:30"
    assert rows["publication"]["time"] is None


def test_json_is_sorted_by_due_date() -> None:
    dues = [row["due"] for row in as_json("ch-full", "--end", "2026-03-04")]
    assert dues == sorted(dues)


def test_record_chains_later_deadlines() -> None:
    rows = {
        row["key"]: row
        for row in as_json("ch-full", "--end", "4 March 2026", "--record", "draft_report=20/3/2026")
    }
    assert rows["draft_report"]["recorded"] == "2026-03-20"
    assert rows["provider_comments"]["due"] == "2026-03-27"
    assert rows["provider_comments"]["basis"] == "recorded"


def test_judgement_and_concerns_add_their_milestones() -> None:
    graded = {row["key"] for row in as_json("ch-full", "--end", "2026-03-04", "--judgement", "Inadequate")}
    assert {"case_review", "return_visit"} <= graded
    ri = {
        row["key"] for row in as_json("ch-full", "--end", "2026-03-04", "--judgement", "requires improvement")
    }
    assert "case_review" not in ri
    worried = {row["key"] for row in as_json("ch-assurance", "--end", "2026-03-04", "--concerns")}
    assert "dcs_email" in worried


def test_text_is_a_table_a_person_reads() -> None:
    code, out, err = run("ch-full", "--start", "3/3/2026", "--today", "2/3/2026")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Children's home: full inspection (ch-full)"
    assert "On site Tuesday 3 March 2026 to Wednesday 4 March 2026 (planned)" in lines[1]
    header = next(line for line in lines if line.startswith("Due"))
    assert all(column in header for column in ("Time", "From today", "Who", "Milestone"))
    draft = next(line for line in lines if "Draft report sent to the provider" in line)
    assert draft.startswith("Monday 30 March 2026")
    assert "20 working days" in draft and "Ofsted" in draft
    assert "    Rule: 18 working days after the end of the inspection" in lines
    assert "    Source: SCCIF children's homes, Timeframe (seed 000 L624, L1240)" in lines


def test_text_shows_done_late_today_and_windows() -> None:
    code, out, _ = run(
        "ch-full",
        "--end",
        "4/3/2026",
        "--judgement",
        "inadequate",
        "--record",
        "evidence_upload=2026-03-06",
        "--today",
        "2026-03-31",
    )
    assert code == 0
    assert "done Friday 6 March 2026" in out
    assert "14 working days late" in next(line for line in out.splitlines() if "Case review" in line)
    assert "    Window: Wednesday 15 April 2026 to Wednesday 29 April 2026" in out.splitlines()
    code, out, _ = run("ch-full", "--end", "4/3/2026", "--today", "30/3/2026")
    assert "today" in next(line for line in out.splitlines() if "Draft report" in line)


def test_times_are_written_the_govuk_way() -> None:
    _, out, _ = run("la-sif", "--start", "6/1/2026", "--today", "5/1/2026")
    assert any(line.startswith("Thursday 26 February 2026  5pm") for line in out.splitlines())
    assert any("9:30am" in line and "factual accuracy" in line for line in out.splitlines())


def test_closures_move_deadlines() -> None:
    rows = {r["key"]: r for r in as_json("ch-full", "--end", "4/3/2026", "--closure", "5/3/2026")}
    assert rows["evidence_upload"]["due"] == "2026-03-12"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("x", "--start", "3/3/2026"), "inspectbot: unknown kind 'x' (try 'inspectbot timeline --list')"),
        (
            ("ch-full", "--start", "31/02/2026"),
            "inspectbot: I couldn't read '31/02/2026' as a date. Try 3/3/2026 or 3 March 2026.",
        ),
        (("ch-full", "--start", "next tuesday"), "inspectbot: I couldn't read 'next tuesday' as a date."),
        (("ch-full", "--start", "3/3/2026", "--record", "end=1/3/2026"), "is before the first"),
        (("ch-full", "--start", "3/3/2026", "--record", "draft=2026-03-02"), "can't record 'draft'"),
        (("ch-full", "--start", "3/3/2026", "--record", "draft_report"), "--record needs KEY=DATE"),
        (
            ("ch-full", "--start", "3/3/2026", "--record", "draft_report=31/2/2026"),
            "couldn't read '31/2/2026'",
        ),
        (("ch-full", "--start", "3/3/2026", "--judgement", "great"), "'great' is not a judgement"),
        (("ch-full", "--start", "3/3/2026", "--concerns"), "is graded"),
        (("ch-assurance", "--start", "3/3/2026", "--judgement", "good"), "is not graded"),
        (("ch-full",), "give --start (the first on-site day) or --end (the last on-site day)"),
        ((), "name a kind of inspection"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("inspectbot: ")
    assert message in err
    assert "Traceback" not in err


def test_through_the_real_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["timeline", "asa-full", "--end", "2026-03-05", "--format", "json"]) == 0
    rows = {row["key"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["publication"]["due"] == CAL_PUBLICATION
    assert main(["timeline", "nope", "--end", "2026-03-05"]) == 2
    assert capsys.readouterr().err == "inspectbot: unknown kind 'nope' (try 'inspectbot timeline --list')\n"


def test_start_and_end_together_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["timeline", "ch-full", "--start", "3/3/2026", "--end", "4/3/2026"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not allowed with argument --start" in err


# asa-full ending Thursday 5 March 2026: final report 30 working days later (Monday 20 April, over
# Easter), published 5 working days after that.
CAL_PUBLICATION = "2026-04-27"


def test_listing_the_kinds_loads_neither_the_store_nor_the_bot() -> None:
    """`timeline --list` starts fast because each subcommand imports what it needs when it runs."""
    probe = (
        "import contextlib, io, sys\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): code = main(['timeline', '--list'])\n"
        "heavy = {'store', 'handlers', 'pydantic', 'pydantic_settings', 'holidays', 'telegram', 'asyncio',\n"
        "         'aiosqlite', 'sqlite3', 'httpx', 'aiohttp'}\n"
        "print(code, sorted({name.split('.')[0] for name in sys.modules} & heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == "0 []\n"


def test_single_individual_and_an_open_complaint_in_the_cli_003_L433_L509() -> None:
    """--single-individual: 20 working days' notice (003 L433); a complaint recorded before the final
    report leaves it extended (003 L509, L1190-1191); another kind refuses the flag."""
    rows = {r["key"]: r for r in as_json("asa-full", "--start", "3/3/2026", "--single-individual")}
    assert rows["notice"]["due"] == "2026-02-03"
    complained = {
        r["key"]: r
        for r in as_json(
            "asa-full", "--start", "3/3/2026", "--record", "end=5/3/2026", "--record", "complaint=8/4/2026"
        )
    }
    assert (
        complained["final_report"]["extended"] is True and complained["final_report"]["due"] == "2026-04-20"
    )
    assert complained["complaint_response"]["actor"] == "manager"
    code, _, err = run("ch-full", "--start", "3/3/2026", "--single-individual")
    assert code != 0 and "Only an adoption support agency" in err
