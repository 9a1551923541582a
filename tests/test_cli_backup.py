"""`inspectbot backup` while another process keeps writing, and `inspectbot restore` under the bot's lock."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.lock import ProcessLock
from store.database import Database

#: Adds notes to case #1 as fast as it can, through the store (each note and its audit entry in one
#: transaction), printing "ready" after the first.
WRITER = """
import asyncio, sys
from store.database import Database

async def write() -> None:
    db = await Database.open(sys.argv[1])
    boss = await db.people.get_by_telegram_id(1)
    n = 0
    while True:
        n += 1
        await db.cases.add_note(boss, 1, f"note {n}")
        if n == 1:
            print("ready", flush=True)

asyncio.run(write())
"""


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "live.sqlite3"
    monkeypatch.setenv("INSPECTBOT_DB", str(path))

    async def seed() -> None:
        async with await Database.open(path) as db:
            await db.people.ensure_admins([1])
            boss = await db.people.get_by_telegram_id(1)
            assert boss is not None
            await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))

    asyncio.run(seed())
    return path


def _note_ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [int(row[0]) for row in conn.execute("SELECT id FROM case_notes ORDER BY id")]


def _notes_past(path: Path, count: int, timeout: float = 30) -> list[int]:
    """The notes once there are more than `count` (the writer is slow on a busy machine, never stuck)."""
    deadline = time.monotonic() + timeout
    while len(ids := _note_ids(path)) <= count:
        assert time.monotonic() < deadline, f"the writer wrote {len(ids)} notes, not more than {count}"
        time.sleep(0.05)
    return ids


def _integrity(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]


def test_backup_while_writing_restores_everything_committed_before_it(
    live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(live)], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        committed_before = _notes_past(live, 10)
        target = tmp_path / "backup.sqlite3"
        assert main(["backup", str(target)]) == 0
        assert capsys.readouterr().out.startswith(f"Backed up {live} to {target} (integrity ok")
        _notes_past(live, len(_note_ids(live)))  # the writer goes on after the backup
        assert writer.poll() is None, "the writer stopped: the backup got in its way"
    finally:
        writer.terminate()
        writer.wait(10)
    written_after = _note_ids(live)
    assert len(written_after) > len(committed_before) > 10  # the writer kept going around the backup

    restored = tmp_path / "restored.sqlite3"
    monkeypatch.setenv("INSPECTBOT_DB", str(restored))
    assert main(["restore", str(target)]) == 0
    assert _integrity(restored) == ["ok"]
    ids = _note_ids(restored)
    assert set(committed_before) <= set(ids)
    assert ids == list(range(1, len(ids) + 1))  # a snapshot: no gap, nothing half-written
    with sqlite3.connect(restored) as conn:  # each note came with its audit entry, in one transaction
        notes_in_audit = conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'case.note'").fetchone()[0]
    assert notes_in_audit == len(ids)


def test_restore_refuses_while_the_bot_holds_the_database(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backup.sqlite3"
    assert main(["backup", str(target)]) == 0
    assert main(["backup", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err

    with sqlite3.connect(live) as conn:
        conn.execute("DELETE FROM case_events")
        conn.execute("UPDATE cases SET planned_start = '2026-05-05'")
    lock = ProcessLock(live).acquire()  # as `inspectbot run` holds it
    try:
        assert main(["restore", str(target)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("inspectbot: another inspectbot (pid ") and err.strip().endswith(
            "stop it first before restoring."
        )
        with sqlite3.connect(live) as conn:
            assert conn.execute("SELECT planned_start FROM cases").fetchone()[0] == "2026-05-05"
    finally:
        lock.release()

    assert main(["restore", str(target)]) == 0
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT planned_start FROM cases").fetchone()[0] == "2026-03-03"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("live.sqlite3.before-restore-")]
    assert len(kept) == 1
    with sqlite3.connect(kept[0]) as conn:
        assert conn.execute("SELECT planned_start FROM cases").fetchone()[0] == "2026-05-05"


def test_restore_refuses_a_file_that_is_not_a_database(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not sqlite" * 500)
    assert main(["restore", str(junk)]) == 1
    assert "is not an inspectbot database" in capsys.readouterr().err
    assert _integrity(live) == ["ok"]


def test_a_backup_is_one_file_that_reads_from_a_read_only_folder(live: Path) -> None:
    """Issue 21 item 8: the backup was left in WAL mode with -wal/-shm files beside it, so a restore from
    a read-only folder failed. The read-only folder is made with mode 0555, read by `nobody` through
    `setpriv` (root would write it anyway)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        target = Path(folder) / "backup.sqlite3"
        assert main(["backup", str(target)]) == 0
        assert sorted(p.name for p in Path(folder).iterdir()) == ["backup.sqlite3"]
        assert target.read_bytes()[18:20] == b"\x01\x01"  # the header's rollback-journal (not WAL) mode
        if os.geteuid() != 0 or shutil.which("setpriv") is None:
            return
        target.chmod(0o444)
        Path(folder).chmod(0o555)
        read = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-c",
                READ,
                str(target),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert read.returncode == 0, read.stderr
        assert read.stdout.strip() == "1"


#: What `inspectbot restore` does first with a backup (bot.cli_backup._verify): open it read-only.
READ = """
import sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0])
"""
