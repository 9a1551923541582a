"""`inspectbot programme [--from D] [--to D] [--format csv|json]`: the settings due, as the rules say."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from store.database import Database


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Oak House judged requires improvement in June 2025, Elm Lodge good in February 2026, Ash View planned;
    today is 1 May 2026 by the test clock."""
    path = tmp_path / "programme.sqlite3"
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-05-01T09:00:00+01:00", encoding="utf-8")
    monkeypatch.setenv("INSPECTBOT_DB", str(path))
    monkeypatch.setenv("INSPECTBOT_TESTING", "1")
    monkeypatch.setenv("INSPECTBOT_TEST_CLOCK_FILE", str(clock))

    async def seed() -> None:
        async with await Database.open(path) as db:
            await db.people.ensure_admins([1])
            boss = await db.people.get_by_telegram_id(1)
            assert boss is not None
            oak = await db.cases.create(
                boss, "ch-full", "Oak House", date(2025, 6, 10), date(2025, 6, 11), "SC1"
            )
            await db.cases.set_outcome(boss, oak.ref, judgement="requires_improvement")
            elm = await db.cases.create(
                boss, "ch-full", "Elm Lodge", date(2026, 2, 4), date(2026, 2, 5), "SC2"
            )
            await db.cases.set_outcome(boss, elm.ref, judgement="good")
            await db.cases.create(boss, "ch-full", "Ash View", date(2026, 7, 1), date(2026, 7, 2), "SC3")

    asyncio.run(seed())
    return path


def test_json_lists_overdue_first_with_iso_dates(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["setting"], r["urn"], r["kind"], r["due_from"], r["due_by"], r["overdue"]) for r in rows] == [
        ("Oak House", "SC1", "ch-assurance", "2025-06-12", "2026-03-31", True),
        ("Elm Lodge", "SC2", "ch-full", "2026-04-01", "2027-03-31", False),
    ]
    assert rows[0]["source"] == "000 L511" and "second inspection" in rows[0]["reason"]
    assert rows[1]["source"] == "000 L507, L565" and rows[1]["latest_case"] == 2


def test_from_and_to_pick_the_windows_that_meet_the_period(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["programme", "--from", "2026-04-01", "--to", "2026-12-31", "--format", "json"]) == 0
    assert [r["setting"] for r in json.loads(capsys.readouterr().out)] == ["Elm Lodge"]
    assert main(["programme", "--to", "2026-03-01", "--format", "json"]) == 0
    assert [r["setting"] for r in json.loads(capsys.readouterr().out)] == ["Oak House"]


def test_csv_has_a_header_and_a_row_per_setting(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["setting"], r["due_by"], r["overdue"]) for r in rows] == [
        ("Oak House", "2026-03-31", "True"),
        ("Elm Lodge", "2027-03-31", "False"),
    ]


def test_bad_dates_are_refused_with_a_clear_line(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "--from", "31/02/2026"]) == 1
    assert "inspectbot:" in capsys.readouterr().err
    assert main(["programme", "--from", "2026-06-01", "--to", "2026-05-01"]) == 1
    assert "is after --to" in capsys.readouterr().err


def test_no_database_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSPECTBOT_DB", str(tmp_path / "none.sqlite3"))
    assert main(["programme"]) == 1
    assert "There is no database" in capsys.readouterr().err


def _register(tmp_path: Path, text: str) -> str:
    source = tmp_path / "register.csv"
    source.write_text(text, encoding="utf-8")
    return str(source)


def test_a_register_adds_and_updates_settings_and_their_windows(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _register(
        tmp_path,
        "kind,name,urn,registered\n"
        "children's home,Ash View,SC3,2025-11-03\n"  # the planned case's setting, by URN: updated
        "adoption_support_agency,Help Agency,SC9,31/07/2025\n"
        "local_authority,Shire County Council,,\n",
    )
    assert main(["settings", "import", source]) == 0
    assert "2 added, 1 updated" in capsys.readouterr().out
    assert main(["programme", "--format", "json"]) == 0
    rows = {r["setting"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows["Ash View"]["due_from"], rows["Ash View"]["due_by"]) == ("2026-04-01", "2026-09-30")
    assert rows["Ash View"]["source"] == "000 L578"
    assert (rows["Help Agency"]["due_from"], rows["Help Agency"]["due_by"]) == ("2026-02-28", "2026-07-31")
    assert rows["Help Agency"]["setting_kind"] == "adoption_support_agency"
    assert "Shire County Council" not in rows  # no inspection: the seeds give it no window


def test_a_register_with_bad_lines_writes_nothing_and_names_each(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _register(
        tmp_path,
        "kind,name,urn,registered\n"
        "children's home,Good Home,SC7,2025-05-01\n"
        "prison,Bad Kind,SC8,\n"
        "childrens_home,Bad Date,SC10,31/02/2025\n"
        "childrens_home,Bad Urn,S C!,\n"
        "childrens_home,Twice,SC7,\n",
    )
    assert main(["settings", "import", source]) == 1
    err = capsys.readouterr().err
    for line in (3, 4, 5, 6):
        assert f"line {line}:" in err, err
    assert "line 2:" not in err and "nothing was written" in err
    assert main(["programme", "--format", "json"]) == 0
    assert "Good Home" not in capsys.readouterr().out


def _contacts(db_file: Path) -> dict[str, str | None]:
    with closing(sqlite3.connect(db_file)) as conn:
        return dict(conn.execute("SELECT urn, provider_contact FROM settings WHERE urn IS NOT NULL"))


def test_a_register_carries_the_providers_contact_kept_until_a_register_with_that_column_changes_it(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 22's register: kind, name, URN, registration date, provider contact (one line, optional)."""
    source = _register(
        tmp_path,
        "kind,name,urn,registered,provider_contact\n"
        'childrens_home,Ash View,SC3,2025-11-03,"Ash Care Ltd,  0161 496 0000"\n'
        "childrens_home,Oak House,SC1,,\n",
    )
    assert main(["settings", "import", source]) == 0
    assert "0 added, 2 updated" in capsys.readouterr().out
    assert _contacts(db_file) == {"SC1": None, "SC2": None, "SC3": "Ash Care Ltd, 0161 496 0000"}
    # A register without the column leaves the contacts kept as they are.
    source = _register(tmp_path, "kind,name,urn,registered\nchildrens_home,Ash View,SC3,2025-11-03\n")
    assert main(["settings", "import", source]) == 0
    assert _contacts(db_file)["SC3"] == "Ash Care Ltd, 0161 496 0000"
    with closing(sqlite3.connect(db_file)) as conn:
        [details] = [
            row[0] for row in conn.execute("SELECT after FROM audit WHERE action = 'settings.import'")
        ][:1]
    assert "Ash Care" not in details and '"contacts": 1' in details  # the trail keeps counts only
    capsys.readouterr()
    # Two lines in one cell, or a bad header, is refused with its line; nothing is written.
    source = _register(
        tmp_path,
        'kind,name,urn,registered,provider_contact\nchildrens_home,Ash View,SC3,,"Ash Care\nLtd"\n',
    )
    assert main(["settings", "import", source]) == 1
    assert "line 3: provider_contact must be one line of text" in capsys.readouterr().err
    source = _register(tmp_path, "kind,name,urn,registered,contact\nchildrens_home,Ash View,SC3,,x\n")
    assert main(["settings", "import", source]) == 1
    assert "line 1: the first line must be the header" in capsys.readouterr().err
    assert _contacts(db_file)["SC3"] == "Ash Care Ltd, 0161 496 0000"
