"""`inspectbot check`: settings, database, Telegram; one line each, exit 1 when any part fails."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.localapi import FakeBotApi
from store.database import Database
from store.migrations import LATEST


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated database and no settings from the machine running the tests."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "INSPECTBOT_ADMINS", "INSPECTBOT_TZ"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("INSPECTBOT_DB", str(path))

    async def create() -> None:
        await (await Database.open(path)).close()

    asyncio.run(create())
    return path


def _lines(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert "Traceback" not in out.err
    assert len(lines) == 3, lines
    return {line.split(":", 1)[0]: line for line in lines}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_all_well(
    env: Path, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in api.env().items():
        monkeypatch.setenv(name, value)
    assert main(["check"]) == 0
    lines = _lines(capsys)
    assert lines["settings"] == "settings: ok - loaded"
    assert lines["database"] == f"database: ok - {env}, integrity ok, schema {LATEST} (latest)"
    assert lines["telegram"] == f"telegram: ok - @{api.username} at {api.api_root}"
    assert [call.method for call in api.calls()] == ["getMe"]


def test_bad_token(
    env: Path, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in api.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:WRONG")
    assert main(["check"]) == 1
    lines = _lines(capsys)
    assert lines["database"].startswith("database: ok")
    assert lines["telegram"] == (
        "telegram: FAILED - Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather"
    )


def test_unreachable_api(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:a")
    monkeypatch.setenv("TELEGRAM_API_URL", url)
    assert main(["check"]) == 1
    assert _lines(capsys)["telegram"].startswith(f"telegram: FAILED - can't reach {url} (")


def test_missing_settings_still_check_the_database(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 1
    lines = _lines(capsys)
    assert lines["settings"] == (
        "settings: FAILED - TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather)"
    )
    assert lines["database"].startswith("database: ok")
    assert lines["telegram"].startswith("telegram: FAILED - not checked")


def test_corrupt_database(
    env: Path, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in api.env().items():
        monkeypatch.setenv(name, value)
    with sqlite3.connect(env) as conn:  # fold the WAL in, so the damage below is to the only copy
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    assert pages > 3
    with env.open("r+b") as handle:  # overwrite pages 2.. (b-tree pages of tables) with garbage
        handle.seek(page_size)
        handle.write(b"\xa5" * page_size * 2)
    assert main(["check"]) == 1
    line = _lines(capsys)["database"]
    assert line.startswith(f"database: FAILED - {env} ")
    assert "damaged" in line or "can't be read" in line


def test_garbage_file_and_old_schema(
    env: Path, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in api.env().items():
        monkeypatch.setenv(name, value)
    with sqlite3.connect(env) as conn:
        conn.execute("DELETE FROM schema_version WHERE version = ?", (LATEST,))
    assert main(["check"]) == 1
    assert _lines(capsys)["database"] == (
        f"database: FAILED - {env} is at schema {LATEST - 1} of {LATEST} (run 'inspectbot migrate')"
    )
    other = env.with_name("other.sqlite3")
    other.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("INSPECTBOT_DB", str(other))
    assert main(["check"]) == 1
    assert _lines(capsys)["database"].startswith(f"database: FAILED - {other} can't be read: file is not a")
    monkeypatch.setenv("INSPECTBOT_DB", str(env.with_name("missing.sqlite3")))
    assert main(["check"]) == 1
    assert "there is no database at" in _lines(capsys)["database"]
