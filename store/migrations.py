"""Numbered schema migrations, read from `store/migrations/NNNN_name.sql` and applied in order.

Each migration runs in its own `BEGIN IMMEDIATE` transaction together with the row that records it in
`schema_version`, so a crash leaves the database at one version or the next, never in between, and two
processes starting at once apply each migration exactly once.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import aiosqlite

from store import deadlines, reminder_bases
from store.codec import time_to_text
from store.errors import SchemaTooNew
from store.reads import first_row

_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(script: str) -> tuple[str, ...]:
    """Split a script into statements, keeping trigger bodies (which contain `;`) whole."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"unterminated SQL statement: {pending.strip()[:60]}")
    return tuple(statements)


def load() -> tuple[Migration, ...]:
    """Every migration shipped with the package, checked to be numbered 1, 2, 3... without gaps."""
    found: list[Migration] = []
    for entry in resources.files("store").joinpath("migrations").iterdir():
        match = _NAME.fullmatch(entry.name)
        if match is None:
            continue
        found.append(Migration(int(match[1]), match[2], split_statements(entry.read_text(encoding="utf-8"))))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return tuple(found)


MIGRATIONS = load()
LATEST = MIGRATIONS[-1].version

#: What SQL can't do, run in Python right after a migration's statements, in the same transaction:
#: 5 fills the stored deadlines of the cases that existed before it (compute_timeline for each); 13 moves
#: each case's reminder basis into the shared texts (a digest each: SQL has no hash).
FOLLOW_UPS: dict[int, Callable[[aiosqlite.Connection], Awaitable[object]]] = {
    5: deadlines.fill,
    13: reminder_bases.share,
}
#: Follow-ups that take a while on a big database: the bot refuses to start with these pending and more
#: than `Database.open`'s `fill_limit` cases (`inspectbot migrate` runs them instead).
SLOW_FOLLOW_UPS = frozenset({5})


async def current_version(conn: aiosqlite.Connection) -> int:
    """The version the database is at; 0 for an empty database."""
    await conn.execute(_VERSION_TABLE)
    row = await first_row(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version")
    return 0 if row is None else int(row[0])


async def migrate(conn: aiosqlite.Connection, now: datetime, target: int | None = None) -> list[int]:
    """Apply every pending migration up to `target` (default: all); returns the versions applied.

    `conn` must be in autocommit mode (`isolation_level=None`) so the transactions here are the only ones.
    """
    goal = LATEST if target is None else target
    if not 0 <= goal <= LATEST:
        raise ValueError(f"there is no schema version {goal}; the latest is {LATEST}")
    await conn.execute(_VERSION_TABLE)
    found = await current_version(conn)
    if found > LATEST:
        raise SchemaTooNew(
            f"The database is at schema version {found}, newer than this inspectbot knows ({LATEST}): "
            "upgrade inspectbot, or restore a backup made by this version."
        )
    applied: list[int] = []
    for migration in MIGRATIONS[:goal]:
        await conn.execute("BEGIN IMMEDIATE")
        try:
            # Read inside the write lock: another process may have just applied this one.
            if migration.version <= await current_version(conn):
                await conn.rollback()
                continue
            for statement in migration.statements:
                await conn.execute(statement)
            follow_up = FOLLOW_UPS.get(migration.version)
            if follow_up is not None:
                await follow_up(conn)
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, time_to_text(now)),
            )
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        applied.append(migration.version)
    return applied
