"""`inspectbot migrate`, `invite`, `export`, `purge`: real database file, no Telegram token needed."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from store.database import Database
from store.migrations import LATEST
from store.models import Role


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("INSPECTBOT_DB", str(path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("INSPECTBOT_BOT_USERNAME", raising=False)
    monkeypatch.delenv("INSPECTBOT_RETENTION_DAYS", raising=False)
    return path


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("inspectbot: ") and "Traceback" not in err
    return lines[0]


async def seed_case(path: Path) -> int:
    db = await Database.open(path)
    try:
        await db.people.ensure_admins([1])
        boss = await db.people.get_by_telegram_id(1)
        assert boss is not None
        case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
        await db.cases.add_note(boss, case.ref, "a note")
        return case.ref
    finally:
        await db.close()


def test_migrate_creates_the_database(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert f"schema version {LATEST}" in capsys.readouterr().out
    assert db_file.is_file()
    assert main(["migrate"]) == 0  # again: nothing to do


def test_migrate_into_a_missing_directory_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSPECTBOT_DB", str(tmp_path / "nowhere" / "db.sqlite3"))
    assert main(["migrate"]) == 1
    assert "does not exist" in one_error_line(capsys)


def test_a_database_that_cannot_be_opened_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "garbage.sqlite3").write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("INSPECTBOT_DB", str(tmp_path / "garbage.sqlite3"))
    assert main(["export", "--case", "1"]) == 1
    assert "database problem" in one_error_line(capsys)


def test_invite_prints_a_deep_link_that_works_once(
    db_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = asyncio.run(seed_case(db_file))
    monkeypatch.setenv("INSPECTBOT_BOT_USERNAME", "@InspectBot")
    assert main(["invite", "provider", "--case", f"#{ref}", "--days", "3"]) == 0
    link = capsys.readouterr().out.splitlines()[0]
    prefix = "https://t.me/InspectBot?start="
    assert link.startswith(prefix)
    code = link.removeprefix(prefix)

    async def redeem() -> None:
        db = await Database.open(db_file)
        try:
            person = await db.invites.redeem(code, 7, "Pat")
            assert (person.role, person.setting_id) == (Role.PROVIDER, 1)
            entry = [e for e in await db.audit.all() if e.action == "invite.create"][-1]
            assert (entry.actor_id, entry.actor_label, entry.case_ref) == (None, "cli", ref)
        finally:
            await db.close()

    asyncio.run(redeem())


def test_invite_takes_the_username_from_an_option(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["invite", "inspector", "--bot-username", "Other_bot"]) == 0
    assert capsys.readouterr().out.startswith("https://t.me/Other_bot?start=")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["invite", "inspector"], "INSPECTBOT_BOT_USERNAME"),
        (["invite", "boss", "--bot-username", "InspectBot"], "not a role"),
        (["invite", "provider", "--bot-username", "InspectBot"], "--case"),
        (["invite", "inspector", "--bot-username", "InspectBot", "--days", "0"], "--days"),
        (["invite", "inspector", "--bot-username", "InspectBot", "--days", "x"], "--days"),
        (["invite", "inspector", "--bot-username", "not a name"], "not a Telegram bot username"),
        (["invite", "provider", "--case", "99", "--bot-username", "InspectBot"], "I can't find case #99."),
        (["invite", "provider", "--case", "twelve", "--bot-username", "InspectBot"], "not a case number"),
        (["export", "--case", "99"], "I can't find case #99."),
        (["export", "--case", "#0"], "not a case number"),
        (["purge", "--days", "-3"], "whole number"),
    ],
)
def test_bad_input_is_one_clear_line(
    db_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(argv) == 1
    assert message in one_error_line(capsys)


def test_commands_other_than_migrate_need_an_existing_database(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--case", "1"]) == 1
    assert "There is no database" in one_error_line(capsys)
    assert not db_file.exists()


def test_export_prints_the_case_as_json(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = asyncio.run(seed_case(db_file))
    assert main(["export", "--case", str(ref)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["case"]["ref"] == ref
    assert record["setting"]["name"] == "Oak House"
    assert [n["text"] for n in record["notes"]] == ["a note"]


def test_purge_uses_the_configured_retention(
    db_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = asyncio.run(seed_case(db_file))

    async def close() -> None:
        db = await Database.open(db_file)
        try:
            boss = await db.people.get_by_telegram_id(1)
            assert boss is not None
            await db.cases.close(boss, ref)
        finally:
            await db.close()

    asyncio.run(close())
    assert main(["purge"]) == 0  # default 365 days: too early
    assert "of 0 case(s)" in capsys.readouterr().out
    monkeypatch.setenv("INSPECTBOT_RETENTION_DAYS", "0")
    assert main(["purge"]) == 0
    assert "of 1 case(s)" in capsys.readouterr().out


def test_reminders_lists_the_outbox_as_json_rows_with_local_times(
    db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.outbox_world import write_burst

    monkeypatch.delenv("INSPECTBOT_TZ", raising=False)
    assert main(["migrate"]) == 0
    (provider,) = write_burst(db_file, 1)
    capsys.readouterr()
    assert main(["reminders", "--case", "1", "--person", str(provider), "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {
            "id": 1,
            "case": 1,
            "person": provider,
            "kind": "remind",
            "template": "remind",
            "milestone": "provider_comments",
            "lead": "soon",
            "due_at": "2026-03-11T09:59:00+00:00",
            "state": "pending",
            "sent_at": None,
            "reason": None,
        }
    ]
    assert main(["reminders", "--state", "sent"]) == 0
    assert capsys.readouterr().out.strip() == "0 message(s)."
    assert main(["reminders", "--state", "late"]) == 1
    assert "--state is one of pending" in one_error_line(capsys)


def test_export_includes_the_case_requests(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = asyncio.run(seed_case(db_file))

    async def review() -> None:
        db = await Database.open(db_file)
        try:
            boss = await db.people.get_by_telegram_id(1)
            assert boss is not None
            await db.requests.open(boss, ref, "case_review", "start")
        finally:
            await db.close()

    asyncio.run(review())
    assert main(["export", "--case", str(ref)]) == 0
    requests = json.loads(capsys.readouterr().out)["requests"]
    assert [(r["kind"], r["state"], r["payload"]["trigger"]) for r in requests] == [
        ("case_review", "open", "manual")
    ]
