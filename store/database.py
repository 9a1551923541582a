"""The connection to SQLite, its settings, and the one way repositories read and write through it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite

from store import export, migrations, retention
from store.audit import AuditRepository
from store.cases import CaseRepository
from store.codec import utc_now
from store.invites import InviteRepository
from store.people import PeopleRepository
from store.places import SettingRepository
from store.state import StateRepository

#: How long a writer waits for another process's write lock before SQLite gives up (milliseconds).
BUSY_TIMEOUT_MS = 10_000


class Database:
    """One aiosqlite connection (WAL, foreign keys on) shared by every task of the process.

    A single asyncio lock serialises the use of the connection: a task's transaction is never interleaved
    with another task's statements (SQLite has one transaction per connection), and a reader never sees
    another task's half-done write. Between processes, `BEGIN IMMEDIATE` and the busy timeout do the same.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path, clock: Callable[[], datetime]) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self.clock = clock
        self.people = PeopleRepository(self)
        self.settings = SettingRepository(self)
        self.cases = CaseRepository(self)
        self.invites = InviteRepository(self)
        self.audit = AuditRepository(self)
        self.state = StateRepository(self)

    @classmethod
    async def open(cls, path: str | Path, *, clock: Callable[[], datetime] = utc_now) -> Database:
        """Connect, switch on WAL and foreign keys, and bring the schema up to date."""
        db_path = Path(path)
        conn = await aiosqlite.connect(db_path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await migrations.migrate(conn, clock())
        except BaseException:
            await conn.close()
            raise
        return cls(conn, db_path, clock)

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def schema_version(self) -> int:
        async with self.reading() as conn:
            return await migrations.current_version(conn)

    def now(self) -> datetime:
        """The store's clock, checked to be timezone-aware (stored times are UTC)."""
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return moment

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, for reads, while no other task of this process uses it."""
        async with self._lock:
            yield self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: `BEGIN IMMEDIATE` takes SQLite's write lock up front, so read-then-write
        sequences (next case number, redeeming a code) can't race another writer; commit or roll back."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def purge_expired(self, retention_days: int) -> int:
        """Purge the free text of cases closed more than `retention_days` ago; returns how many cases."""
        return await retention.purge_expired(self, retention_days)

    async def export_case(self, ref: int) -> dict[str, Any]:
        """A case's full record, JSON-serialisable, for the operator (subject access, archiving)."""
        return await export.export_case(self, ref)
