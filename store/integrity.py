"""Is the database file one the bot can run on, and why can't it be written? One line each (issue 21).

SQLite opens a zero-length file as a new empty database, reads a file whose last pages were lost until a
statement reaches them, and opens a file it may not write read-only without a word: each would surface
later, mid-conversation, as "something went wrong" on an update then marked done. `file_problem` finds
them before the bot takes an update (`inspectbot run`) and `inspectbot check` names them the same way;
`storage_failure` turns a failed write while running (a full disk, a read-only file, an I/O error, a
damaged page) into the one line the bot stops with.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

#: SQLite's primary result codes (the low byte of an extended code) that mean the file can't be used.
_FULL, _READONLY, _IOERR, _CORRUPT, _CANTOPEN, _NOTADB = 13, 8, 10, 11, 14, 26

#: Free space below which the bot does not start (bytes): it could take updates but save none of them,
#: and a service manager restarting it would have it tell the same people the same thing again.
MIN_FREE = 1 << 20

#: A write that changes nothing (no row matches) but still needs SQLite's write lock on the file.
WRITE_PROBE = "UPDATE schema_version SET version = version WHERE 0"


def storage_failure(error: BaseException | None) -> str | None:
    """Why the database can't be written or read, for the operator; None when `error` (or what caused it)
    is not about the database file or its disk."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        reason = _reason(error)
        if reason is not None:
            return reason
        error = error.__cause__ or error.__context__
    return None


def _reason(error: BaseException) -> str | None:
    said = str(error).rstrip(".")
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF
        if code == _FULL:
            return f"the disk holding the database is full ({said}): free some space, then start again"
        if code == _READONLY:
            return f"the database is read-only ({said}): let the bot's user write the file and its folder"
        if code == _IOERR:
            return f"the disk holding the database failed to read or write ({said})"
        if code in (_CORRUPT, _NOTADB):
            return f"the database is damaged ({said}): restore it from a backup"
        if code == _CANTOPEN:
            return f"the database can't be opened ({said})"
        return None
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return f"the disk holding the database is full ({error.strerror}): free some space, then start again"
    return None


def file_problem(path: Path, *, write: bool = True) -> str | None:
    """One line saying why the bot must not start on `path`, or None (a missing file is a new database).

    Besides `shallow_problem`: `PRAGMA quick_check` finds lost or damaged pages (it reads the whole file),
    and with `write` a full disk (under `MIN_FREE`) and, by a write that changes nothing, a file the bot's
    user may not write (root passes `os.access` on any file). Opening never creates the file."""
    if not path.exists():
        return None
    problem = shallow_problem(path)
    if problem is not None:
        return problem
    if write:
        space = os.statvfs(path.parent)
        free = space.f_bavail * space.f_frsize
        if free < MIN_FREE:
            return (
                f"the disk holding {path} is full ({free // 1024} KB free): free some space, then start again"
            )
    try:
        conn = sqlite3.connect(f"file:{path}?mode={'rw' if write else 'ro'}", uri=True, timeout=10)
    except sqlite3.Error as error:
        return f"{path} can't be opened: {error}"
    try:
        verdict = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
        if verdict != ["ok"]:
            # One row may hold several lines ("*** in database main ***\nPage 53: ..."): the message is one.
            first = " ".join(verdict[0].split())
            return f"{path} is damaged ({first}; {len(verdict)} problem(s)): restore it from a backup"
        if write and _has_schema(conn):
            conn.execute(WRITE_PROBE)
    except sqlite3.Error as error:
        reason = storage_failure(error)
        return f"{path}: {reason}" if reason else f"{path} can't be read: {error}"
    finally:
        conn.close()
    return None


def shallow_problem(path: Path) -> str | None:
    """What the file system says, without opening it: not a file, zero-length (SQLite would silently
    start a new database on it), or read-only for this user."""
    if not path.is_file():
        return f"{path} is not a file"
    if path.stat().st_size == 0:
        return (
            f"{path} is empty (0 bytes), not an inspectbot database: restore it from a backup, "
            "or remove it to start a new one"
        )
    if not os.access(path, os.W_OK):
        return f"{path} is read-only for this user: the bot could not save anything"
    return None


def _has_schema(conn: sqlite3.Connection) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    return found.fetchone() is not None
