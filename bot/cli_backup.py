"""`inspectbot backup PATH` and `inspectbot restore PATH`: a copy of the database and putting one back.

Backups use SQLite's online backup API in one step, which reads one consistent snapshot (WAL lets the
running bot keep writing meanwhile), so a backup holds exactly what was committed when it began. It is
written beside its destination and renamed into place only once `PRAGMA integrity_check` passes, so a
half-written file never carries the backup's name. A backup is one file, out of WAL mode (no `-wal` or
`-shm` beside it), so it can be read from a read-only folder; the bot switches it back to WAL at start.

A restore replaces the database the bot uses, so it takes the bot's own lock (`bot.lock`): while a bot
runs on the file the restore refuses, and while the restore runs no bot can start. The database it
replaces is kept first as `<database>.before-restore-<time>`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli_base import db_path


class _Refused(Exception):
    """The command can't go ahead; the message is the one line printed."""


def _verify(path: Path) -> int:
    """Integrity and schema of a database file; returns its schema version."""
    import sqlite3

    from store.migrations import LATEST

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
            row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise _Refused(f"{path} is not an inspectbot database ({error}).") from error
    if verdict != ["ok"]:
        raise _Refused(f"{path} fails SQLite's integrity check: {verdict[0]}.")
    version = int(row[0])
    if version > LATEST:
        raise _Refused(f"{path} is at schema {version}, newer than this inspectbot ({LATEST}).")
    return version


def _copy(source: Path, target: Path, *, one_file: bool = False) -> None:
    """SQLite's backup API, all pages in one step: one read snapshot of `source`, whatever writes it.
    `one_file`: out of WAL mode (a backup), else as the source (a restore into the bot's database)."""
    import sqlite3

    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            if one_file:
                # The copy takes the source's WAL mode, and a WAL file can't be opened read-only where
                # its -shm can't be made (a read-only backup folder): a rollback journal leaves no files.
                dst.execute("PRAGMA journal_mode = DELETE")
            else:
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()


def backup(source: Path, target: Path) -> int:
    """Write a checked copy of `source` to `target` (which must not exist); returns its schema version."""
    if not source.is_file():
        raise _Refused(f"There is no database at {source}: set INSPECTBOT_DB.")
    if target.exists():
        raise _Refused(f"{target} already exists: choose a new file name for the backup.")
    if not target.parent.is_dir():
        raise _Refused(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial, one_file=True)
        version = _verify(partial)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return version


def restore(backup_file: Path, database: Path) -> Path | None:
    """Put `backup_file` in place of `database` under the bot's lock; returns where the old one was kept."""
    from bot.lock import AlreadyRunning, ProcessLock

    if not backup_file.is_file():
        raise _Refused(f"There is no backup at {backup_file}.")
    _verify(backup_file)
    try:
        lock = ProcessLock(database).acquire()
    except AlreadyRunning as error:
        raise _Refused(f"{error} before restoring.") from None
    try:
        kept: Path | None = None
        if database.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = database.with_name(f"{database.name}.before-restore-{stamp}")
            _copy(database, kept)
        _copy(backup_file, database)
        _verify(database)
        return kept
    finally:
        lock.release()


def _backup(args: argparse.Namespace) -> int:
    import sqlite3

    source, target = db_path(), Path(args.path)
    try:
        version = backup(source, target)
    except (_Refused, sqlite3.Error, OSError) as error:
        print(f"inspectbot: {error}", file=sys.stderr)
        return 1
    print(f"Backed up {source} to {target} (integrity ok, schema {version}).")
    return 0


def _restore(args: argparse.Namespace) -> int:
    import sqlite3

    database, source = db_path(), Path(args.path)
    try:
        kept = restore(source, database)
    except (_Refused, sqlite3.Error, OSError) as error:
        print(f"inspectbot: {error}", file=sys.stderr)
        return 1
    print(f"Restored {database} from {source}.")
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `backup` and `restore`."""
    parser = subparsers.add_parser("backup", help="copy the database to PATH (safe while the bot runs)")
    parser.add_argument("path", metavar="PATH", help="the new backup file (must not exist)")
    parser.set_defaults(handler=_backup)
    parser = subparsers.add_parser("restore", help="replace the database with the backup at PATH")
    parser.add_argument("path", metavar="PATH", help="a file written by 'inspectbot backup'")
    parser.set_defaults(handler=_restore)
