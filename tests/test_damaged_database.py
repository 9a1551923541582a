"""A damaged, empty or read-only database is found at start and named in one line, by `run` and `check`
(issue 21 item 3); a write the disk refuses is named the same way (`store.integrity.storage_failure`).

How each fault is made: a zero-length file (`touch`), a file whose last three pages are overwritten with
zeros, and a file made read-only (mode 0444) opened by the unprivileged user `nobody` through `setpriv`
(root would write it anyway). A full disk is SQLite's own SQLITE_FULL, from `PRAGMA max_page_count`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from store.integrity import file_problem, shallow_problem, storage_failure
from tests.botprocess import INSPECTBOT

PAGE = 4096


def _cli(command: str, db: Path, *, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INSPECTBOT_"))}
    env = {
        **clean,
        "TELEGRAM_BOT_TOKEN": "1:a",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",  # never reached: the database is refused first
        "INSPECTBOT_DB": str(db),
    }
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if as_nobody else []
    return subprocess.run(
        [*prefix, INSPECTBOT, command], env=env, cwd=db.parent, capture_output=True, text=True, timeout=60
    )


def _migrated(tmp_path: Path) -> Path:
    db = tmp_path / "inspectbot.sqlite3"
    made = _cli("migrate", db)
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file
    return db


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_zero_length_file_is_not_started_as_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "inspectbot.sqlite3"
    db.touch()
    line = _one_line(_cli("run", db))
    assert line.startswith(f"inspectbot: Can't start: {db} is empty (0 bytes), not an inspectbot database")
    assert db.stat().st_size == 0  # left as it was, for the operator to look at
    checked = _cli("check", db)
    assert f"database: FAILED - {db} is empty (0 bytes)" in checked.stdout


def test_a_file_with_its_last_pages_zeroed_is_found_damaged_at_start(tmp_path: Path) -> None:
    db = _migrated(tmp_path)
    size = db.stat().st_size
    with db.open("r+b") as file:
        file.seek(size - 3 * PAGE)
        file.write(b"\0" * 3 * PAGE)
    line = _one_line(_cli("run", db))
    # Which check finds it (opening, or the quick check's pages) depends on what the last pages held.
    assert line.startswith(f"inspectbot: Can't start: {db}") and " damaged " in line, line
    assert line.endswith("restore it from a backup.")
    checked = _cli("check", db)
    assert "database: FAILED" in checked.stdout and "malformed" in checked.stdout


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to run the bot as nobody"
)
def test_a_read_only_file_is_one_line_not_a_traceback() -> None:
    # pytest's tmp_path sits below a folder only root may enter: this one is in /tmp, open to `nobody`.
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        where = Path(folder)
        db = _migrated(where)
        db.chmod(0o444)
        where.chmod(0o777)  # the folder stays writable: only the file is read-only
        line = _one_line(_cli("run", db, as_nobody=True))
        assert line == (
            f"inspectbot: Can't start: {db} is read-only for this user: the bot could not save anything."
        )
        checked = _cli("check", db, as_nobody=True)
        assert f"database: FAILED - {db} is read-only for this user" in checked.stdout


def test_a_healthy_or_missing_file_has_no_problem(tmp_path: Path) -> None:
    assert file_problem(tmp_path / "new.sqlite3") is None
    assert file_problem(_migrated(tmp_path)) is None
    assert shallow_problem(tmp_path) == f"{tmp_path} is not a file"


def test_a_full_disk_and_other_failures_are_named(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "small.sqlite3")
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.execute("PRAGMA max_page_count = 3")  # SQLite's own "disk full" once the file would grow
    with pytest.raises(sqlite3.OperationalError) as full:
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 50)
    conn.close()
    reason = storage_failure(full.value)
    assert reason is not None and reason.startswith("the disk holding the database is full")
    wrapped = RuntimeError("while handling")
    wrapped.__cause__ = full.value
    assert storage_failure(wrapped) == reason  # found through what caused it
    assert storage_failure(OSError(28, "No space left on device")) is not None
    assert storage_failure(sqlite3.IntegrityError("UNIQUE constraint failed")) is None
    assert storage_failure(ValueError("bad input")) is None
