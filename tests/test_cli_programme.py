"""`inspectbot import FILE.csv` (all rows or none, every bad line named) and `inspectbot export --all`."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from store.database import Database
from store.models import Role
from workflows.programme import ALL_COLUMNS, COLUMNS, read_programme

INSPECTOR_TID = 500
BOT = "inspectbot_test_bot"


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with a manager (Telegram id 1), an inspector (500) and one case already open."""
    path = tmp_path / "programme.sqlite3"
    monkeypatch.setenv("INSPECTBOT_DB", str(path))
    monkeypatch.delenv("INSPECTBOT_BOT_USERNAME", raising=False)

    async def seed() -> None:
        async with await Database.open(path) as db:
            await db.people.ensure_admins([1])
            invite = await db.invites.create(None, Role.INSPECTOR)
            await db.invites.redeem(invite.code, INSPECTOR_TID, "Ian")
            boss = await db.people.get_by_telegram_id(1)
            assert boss is not None
            await db.cases.create(
                boss, "ch-full", "Elm Lodge", date(2026, 1, 12), date(2026, 1, 14), "SC000001"
            )

    asyncio.run(seed())
    return path


def _snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    tables = ["cases", "settings", "case_members", "invites", "audit", "people"]
    with closing(sqlite3.connect(path)) as conn:
        return {table: list(conn.execute(f"SELECT * FROM {table} ORDER BY 1")) for table in tables}


GOOD = f"""kind,setting,urn,first_day,last_day,inspector
ch-full,Oak House,SC123456,2026-03-03,2026-03-05,{INSPECTOR_TID}
la-sif,Northshire County Council,,2026-04-13,2026-04-24,
asa-full,"Fostering Partners, North",SC765432,2026-05-11,,{INSPECTOR_TID}
ch-assurance,Oak House,SC123456,2026-06-01,2026-06-02,
"""


def test_a_good_file_round_trips(db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "programme.csv"
    source.write_text(GOOD, encoding="utf-8")
    assert main(["import", str(source), "--bot-username", BOT]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Imported 4 case(s), #2 to #5."
    assert [line.split(":")[0] for line in out[1:]] == ["line 3, case #3", "line 5, case #5"]
    assert all(f"https://t.me/{BOT}?start=" in line for line in out[1:])

    with closing(sqlite3.connect(db_file)) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit WHERE case_ref > 1 ORDER BY id")]
        settings = conn.execute("SELECT COUNT(*) FROM settings WHERE name = 'Oak House'").fetchone()[0]
        labels = {r[0] for r in conn.execute("SELECT actor_label FROM audit WHERE case_ref > 1")}
    # as for any case opened in chat: a case.create each, the inspector on it or an invitation for one
    assert actions.count("case.create") == 4
    assert actions.count("case.member") == 2 and actions.count("invite.create") == 2
    assert settings == 1 and labels == {"cli"}

    assert main(["export", "--all"]) == 0
    exported = capsys.readouterr().out
    assert exported.startswith("\ufeff")  # issue 21: the byte order mark Excel reads UTF-8 by
    exported = exported.removeprefix("\ufeff")
    assert exported.splitlines()[0] == ",".join(ALL_COLUMNS)  # with single_individual, blank for "no"
    # the case opened in chat first (#1, no inspector on it: a manager opened it), then the file's rows
    assert exported.splitlines()[1] == "ch-full,Elm Lodge,SC000001,2026-01-12,2026-01-14,,"
    assert exported.splitlines()[2:] == [f"{line}," for line in GOOD.splitlines()[1:]]

    # and what was exported reads again without a problem
    rows, problems = read_programme(exported, date(2026, 1, 1))
    assert problems == [] and len(rows) == 5


def _big_file(bad: dict[int, str]) -> str:
    """1,000 data rows (lines 2..1001); the lines in `bad` replaced."""
    lines = [",".join(COLUMNS)]
    for n in range(1, 1001):
        line_number = n + 1
        if line_number in bad:
            lines.append(bad[line_number])
            continue
        day = date(2026, 3, 2).toordinal() + n % 200
        first = date.fromordinal(day)
        inspector = str(INSPECTOR_TID) if n % 2 else ""
        lines.append(f"ch-full,Home {n},SC{n:06d},{first.isoformat()},{first.isoformat()},{inspector}")
    return "\n".join(lines) + "\n"


def test_a_thousand_rows_with_three_bad_writes_nothing_and_names_them(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {
        42: "ch-fulll,Home 41,SC000041,2026-03-05,2026-03-06,",  # unknown kind
        500: "ch-full,Home 499,SC000499,2026-03-09,2026-03-02,500",  # last day before the first
        977: "ch-full,Home 976,SC000976,2026-03-09,2026-03-10,1",  # Telegram id 1 is a manager
    }
    source = tmp_path / "big.csv"
    source.write_text(_big_file(bad), encoding="utf-8")
    before = _snapshot(db_file)
    assert main(["import", str(source), "--bot-username", BOT]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert [line.split(": ")[1] for line in err[:-1]] == ["line 42", "line 500", "line 977"]
    assert "unknown kind 'ch-fulll'" in err[0]
    assert "last_day is before first_day" in err[1]
    assert "no active inspector has Telegram id 1" in err[2]
    assert err[-1] == f"inspectbot: 3 row(s) with problems in {source}: nothing was written."
    assert _snapshot(db_file) == before

    good = tmp_path / "fixed.csv"
    good.write_text(_big_file({}), encoding="utf-8")
    assert main(["import", str(good), "--bot-username", BOT]) == 0
    assert capsys.readouterr().out.startswith("Imported 1000 case(s), #2 to #1001.")
    with closing(sqlite3.connect(db_file)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 1001


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind,setting\nch-full,Oak\n", "line 1: the first line must be the header"),
        (f"{','.join(COLUMNS)}\nch-full,Oak,SC1,3/3/2026\n", "line 2: expected 6 columns"),
        (f"{','.join(COLUMNS)}\nch-full,Oak,S-1,3/3/2026,,\n", "line 2: 'S-1' doesn't look like a URN"),
        (
            f"{','.join(COLUMNS)}\n\nch-full,,SC1,someday,,x\n",
            "line 3: the setting's name is empty; first_day",
        ),
    ],
)
def test_each_problem_is_one_line_with_its_number(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    source = tmp_path / "odd.csv"
    source.write_text(text, encoding="utf-8")
    assert main(["import", str(source), "--bot-username", BOT]) == 1
    err = capsys.readouterr().err
    assert f"{source}: {message}" in err and "Traceback" not in err


def test_rows_needing_an_invitation_need_the_bot_username(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "programme.csv"
    source.write_text(GOOD, encoding="utf-8")
    before = _snapshot(db_file)
    assert main(["import", str(source)]) == 1
    assert "INSPECTBOT_BOT_USERNAME" in capsys.readouterr().err
    assert _snapshot(db_file) == before


def test_a_single_individual_column_imports_and_exports_the_20_day_notice_003_L433(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The optional column says an adoption support agency is a single individual (003 L433, L501): its
    notice is 20 working days before the first on-site day, and the export writes the column back."""
    source = tmp_path / "programme.csv"
    source.write_text(
        f"{','.join(ALL_COLUMNS)}\nasa-full,Sole Adoption Support,SC765432,2026-03-03,,{INSPECTOR_TID},yes\n",
        encoding="utf-8",
    )
    assert main(["import", str(source), "--bot-username", BOT]) == 0
    capsys.readouterr()
    with closing(sqlite3.connect(db_file)) as conn:
        single = conn.execute("SELECT single_individual FROM cases WHERE ref = 2").fetchone()[0]
        notice = conn.execute(
            "SELECT due FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
            " WHERE c.ref = 2 AND key = 'notice'"
        ).fetchone()[0]
    assert single == 1
    assert notice == "2026-02-03"  # 20 working days before Tuesday 3 March 2026 (10 would be 17 February)
    assert main(["export", "--all"]) == 0
    assert capsys.readouterr().out.splitlines()[2].endswith(",yes")


def test_single_individual_on_another_kind_or_a_bad_word_is_refused_003_L433(tmp_path: Path) -> None:
    """Only an adoption support agency's notice depends on it; anything but yes, no or blank is named."""
    text = (
        f"{','.join(ALL_COLUMNS)}\n"
        "ch-full,Oak House,SC123456,2026-03-03,,,yes\n"
        "asa-full,Sole,SC765432,2026-03-03,,,perhaps\n"
        "asa-full,Sole,SC765432,2026-03-03,,,no\n"
    )
    rows, problems = read_programme(text, date(2026, 1, 1))
    assert [str(p) for p in problems] == [
        "line 2: single_individual is for adoption support agencies only, not ch-full",
        "line 3: single_individual 'perhaps' is not yes, no or blank",
    ]
    assert len(rows) == 1 and rows[0].single_individual is False


CAFE = f"""kind,setting,urn,first_day,last_day,inspector
ch-full,Café Lodge,SC222222,2026-03-03,2026-03-05,{INSPECTOR_TID}
"""


def _names(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [str(r[0]) for r in conn.execute("SELECT name FROM settings ORDER BY id")]


def test_excel_files_read_and_the_export_opens_in_excel(
    db_file: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Issue 21 item 9: Excel's "CSV (Comma delimited)" is Windows-1252 (é is the byte 0xE9), its "CSV
    UTF-8" starts with a byte order mark; both import. The export starts with the mark, so Excel shows
    "Café Lodge", not "CafÃ© Lodge"."""
    excel = tmp_path / "excel.csv"
    excel.write_bytes(CAFE.replace("\n", "\r\n").encode("cp1252"))
    assert b"\xe9" in excel.read_bytes()
    assert main(["import", str(excel)]) == 0
    assert "read as Windows-1252" in capsysbinary.readouterr().err.decode()
    assert "Café Lodge" in _names(db_file)

    assert main(["export", "--all"]) == 0
    exported = capsysbinary.readouterr().out
    assert exported.startswith(b"\xef\xbb\xbf") and "Café Lodge".encode() in exported
    marked = tmp_path / "utf8.csv"
    marked.write_bytes(exported)  # as Excel's "CSV UTF-8" saves it: with the mark
    assert main(["import", str(marked), "--dry-run"]) == 1  # every row is open already (below)


def test_importing_a_file_twice_is_refused_and_a_dry_run_writes_nothing(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 21 item 9: the same file imported twice opened every case twice, without a word."""
    source = tmp_path / "programme.csv"
    source.write_text(GOOD, encoding="utf-8")
    before = _snapshot(db_file)
    assert main(["import", str(source), "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Dry run: 4 case(s) would be imported, #2 to #5 (2 with an invitation link); nothing was written."
    )
    assert _snapshot(db_file) == before  # no username needed, nothing written

    assert main(["import", str(source), "--bot-username", BOT]) == 0
    capsys.readouterr()
    after = _snapshot(db_file)
    assert main(["import", str(source), "--bot-username", BOT]) == 1
    err = capsys.readouterr().err
    assert f"{source}: line 2: case #2 is already open for this setting, kind and first day" in err
    assert "4 row(s) with problems" in err and "nothing was written" in err
    assert _snapshot(db_file) == after


def test_an_import_plans_reminders_with_the_bots_settings(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from store.codec import time_from_text
    from workflows.deadlines import LONDON

    monkeypatch.setenv("INSPECTBOT_REMIND_AT", "08:00")  # the bot's: not the built-in 09:00
    monkeypatch.setenv("INSPECTBOT_TZ", "Europe/London")
    first = date.today() + timedelta(days=60)
    first += timedelta(days=(7 - first.weekday()) % 7)  # a Monday, two months ahead
    source = tmp_path / "programme.csv"
    source.write_text(
        f"kind,setting,urn,first_day,last_day,inspector\nch-full,Ash House,SC222222,{first},"
        f"{first + timedelta(days=2)},{INSPECTOR_TID}\n",
        encoding="utf-8",
    )
    assert main(["import", str(source)]) == 0
    with closing(sqlite3.connect(db_file)) as conn:
        due = [
            time_from_text(r[0]).astimezone(LONDON)
            for r in conn.execute(
                "SELECT o.due_at FROM outbox o JOIN cases c ON c.id = o.case_id"
                " WHERE c.ref = 2 AND o.kind = 'remind' AND o.state = 'pending'"
            )
        ]
    assert due and {moment.strftime("%H:%M") for moment in due} == {"08:00"}
    # A bad reminder setting is one line, and nothing is written.
    monkeypatch.setenv("INSPECTBOT_REMIND_AT", "07:00")
    before = _snapshot(db_file)
    capsys.readouterr()
    assert main(["import", str(source)]) == 1
    err = capsys.readouterr().err.strip()
    assert "INSPECTBOT_REMIND_AT should be a time between 08:00 and 20:00" in err and "\n" not in err
    assert _snapshot(db_file) == before


def test_a_name_without_a_urn_that_settings_share_is_refused_naming_their_urns(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 22: a row's setting by name alone, when settings with URNs have that name, is not guessed
    (nor made again without a URN): the row is refused naming the URNs, and nothing is written."""
    first = tmp_path / "first.csv"
    first.write_text(
        f"{','.join(COLUMNS)}\nch-full,Oak House,SC1,2026-03-03,,{INSPECTOR_TID}\n"
        f"ch-full,oak house,SC2,2026-03-10,,{INSPECTOR_TID}\n",
        encoding="utf-8",
    )
    assert main(["import", str(first), "--bot-username", BOT]) == 0
    capsys.readouterr()
    before = _snapshot(db_file)
    source = tmp_path / "by_name.csv"
    source.write_text(
        f"{','.join(COLUMNS)}\nch-full,Elm Lodge,,2026-04-07,,{INSPECTOR_TID}\n"
        f"ch-assurance,Oak House,,2026-04-14,,{INSPECTOR_TID}\n",
        encoding="utf-8",
    )
    assert main(["import", str(source), "--bot-username", BOT]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3, err
    assert "line 2: a setting called 'Elm Lodge' has URN SC000001: put it in the urn column" in err[0]
    assert "line 3: 2 settings are called 'Oak House' (SC1, SC2): put the URN of the one" in err[1]
    assert _snapshot(db_file) == before
    # With the URN the row is taken, on that setting.
    source.write_text(
        f"{','.join(COLUMNS)}\nch-assurance,Oak House,sc2,2026-04-14,,{INSPECTOR_TID}\n", encoding="utf-8"
    )
    assert main(["import", str(source), "--bot-username", BOT]) == 0
    with closing(sqlite3.connect(db_file)) as conn:
        assert conn.execute(
            "SELECT s.urn, s.name FROM cases c JOIN settings s ON s.id = c.setting_id ORDER BY c.id DESC"
        ).fetchone() == ("SC2", "oak house")
