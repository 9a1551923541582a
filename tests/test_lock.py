"""One bot per database file, whatever path leads to it (issue 21 item 6): a symlink to the database, a
symlink to its folder or a hard link is the same file, and a second bot on it refuses to start.

The faults are made with `os.symlink` and `os.link` on a database the first lock (or bot) holds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from bot.lock import AlreadyRunning, ProcessLock
from tests.botprocess import INSPECTBOT, BotProcess


def _database(tmp_path: Path) -> Path:
    db = tmp_path / "data" / "inspectbot.sqlite3"
    db.parent.mkdir()
    db.write_bytes(b"SQLite format 3\0")  # any existing file: the lock does not read it
    return db


def test_a_symlink_to_the_database_meets_the_lock(tmp_path: Path) -> None:
    db = _database(tmp_path)
    link = tmp_path / "link.sqlite3"
    link.symlink_to(db)
    first = ProcessLock(db).acquire()
    try:
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
            ProcessLock(link).acquire()
    finally:
        first.release()
    ProcessLock(link).acquire().release()  # free again once the first lets go


def test_a_symlink_to_the_folder_meets_the_lock(tmp_path: Path) -> None:
    db = _database(tmp_path)
    folder = tmp_path / "elsewhere"
    folder.symlink_to(db.parent, target_is_directory=True)
    first = ProcessLock(folder / db.name).acquire()
    try:
        with pytest.raises(AlreadyRunning, match="already running"):
            ProcessLock(db).acquire()
    finally:
        first.release()


def test_a_hard_link_to_the_database_meets_the_lock(tmp_path: Path) -> None:
    db = _database(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    link = other / "copy.sqlite3"
    os.link(db, link)
    first = ProcessLock(db).acquire()
    try:
        with pytest.raises(AlreadyRunning, match="hard link"):
            ProcessLock(link).acquire()
        assert not (other / "copy.sqlite3.lock").read_text()  # the refused one left no pid behind
    finally:
        first.release()
    second = ProcessLock(link).acquire()  # free again once the first lets go
    second.release()


def test_a_new_database_is_locked_by_its_lock_file_then_by_every_name(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    first = ProcessLock(db).acquire()
    try:
        assert not db.exists()  # the lock never creates the database (an empty file is refused)
        with pytest.raises(AlreadyRunning):
            ProcessLock(db).acquire()
        db.write_bytes(b"SQLite format 3\0")  # the bot has made it
        first.cover_database()
        link = tmp_path / "hard.sqlite3"
        os.link(db, link)
        with pytest.raises(AlreadyRunning, match="hard link"):
            ProcessLock(link).acquire()
    finally:
        first.release()


def test_a_second_bot_on_a_symlink_or_a_hard_link_refuses_to_start(api: FakeBotApi, bot: BotProcess) -> None:
    symlink = bot.workdir / "symlinked.sqlite3"
    symlink.symlink_to(bot.db)
    hard = bot.workdir / "linked" / "hard.sqlite3"
    hard.parent.mkdir()
    os.link(bot.db, hard)
    for path in (symlink, hard):
        second = subprocess.run(
            [INSPECTBOT, "run"],
            env={**bot.env, "INSPECTBOT_DB": str(path)},
            cwd=bot.workdir,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1, second.stderr
        assert second.stderr.strip().count("\n") == 0, second.stderr  # one line for the operator
        assert "already running" in second.stderr
    assert bot.proc is not None and bot.proc.poll() is None  # the first goes on
