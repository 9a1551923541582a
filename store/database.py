"""The connection to SQLite, its settings, and the one way repositories read and write through it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite

from store import changes, deadlines, export, migrations, retention, setting_windows
from store.audit import AuditRepository
from store.cases import CaseRepository
from store.codec import time_to_text, utc_now
from store.errors import StoreError
from store.inbox import InboxRepository
from store.invites import InviteRepository
from store.lists import ListRepository
from store.outbox import OutboxRepository, ReminderConfig, Reminding
from store.people import PeopleRepository
from store.places import SettingRepository
from store.reads import first_row
from store.requests import RequestRepository
from store.reviews import ReviewRepository
from store.state import StateRepository
from workflows.calendar import WorkingCalendar

#: How long a writer waits for another process's write lock before SQLite gives up (milliseconds).
BUSY_TIMEOUT_MS = 10_000

#: The bot fills stored deadlines at start for at most this many cases; more need `inspectbot migrate`.
FILL_AT_START = 5_000

#: Connections kept for reads, so reads run beside each other and beside the one writer (WAL).
READERS = 3


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        await conn.close()
        raise
    return conn


class MigrationNeeded(StoreError):
    """A big database whose pending migrations take long: `inspectbot migrate` runs them, not the bot."""


async def _check_fill(conn: aiosqlite.Connection, limit: int) -> None:
    version = await migrations.current_version(conn)
    if version == 0 or not any(v > version for v in migrations.SLOW_FOLLOW_UPS):
        return
    row = await first_row(conn, "SELECT COUNT(*) FROM cases")
    count = 0 if row is None else int(row[0])
    if count > limit:
        raise MigrationNeeded(
            f"the database holds {count:,} cases whose stored deadlines are still to be worked out: "
            "run `inspectbot migrate` once (about 15 seconds for 100,000 cases), then start the bot again"
        )


class Database:
    """One aiosqlite connection for writes (WAL, foreign keys on) and a few for reads.

    An asyncio lock serialises the writing connection: a task's transaction is never interleaved with
    another task's statements (SQLite has one transaction per connection). Reads take one of the reading
    connections: WAL gives each read a committed snapshot, so a reader never sees another task's half-done
    write and never waits behind it. Between processes, `BEGIN IMMEDIATE` and the busy timeout serialise
    writers.
    """

    def __init__(
        self,
        conn: aiosqlite.Connection,
        path: Path,
        clock: Callable[[], datetime],
        readers: list[aiosqlite.Connection] | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers = list(readers or [])
        for reader in self._all_readers:
            self._readers.put_nowait(reader)
        self.path = path
        self.clock = clock
        #: The calendar the stored deadlines are worked out with (bank holidays and the operator's closures).
        self.calendar = calendar or WorkingCalendar()
        #: The outbox's settings and write count (store.outbox.Reminding), passed down to what writes rows:
        #: London at 09:00 with this calendar until the bot (bot/app.py) or a planning command sets its
        #: settings' here, before any update is handled.
        self.reminding = Reminding(ReminderConfig(calendar=self.calendar))
        self.people = PeopleRepository(self)
        self.settings = SettingRepository(self)
        self.cases = CaseRepository(self)
        self.invites = InviteRepository(self)
        self.audit = AuditRepository(self)
        self.state = StateRepository(self)
        self.inbox = InboxRepository(self)
        self.lists = ListRepository(self)
        self.outbox = OutboxRepository(self)
        self.requests = RequestRepository(self)
        self.reviews = ReviewRepository(self)

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        clock: Callable[[], datetime] = utc_now,
        calendar: WorkingCalendar | None = None,
        fill_limit: int | None = None,
    ) -> Database:
        """Connect, switch on WAL and foreign keys, and bring the schema up to date.

        The stored deadlines are worked out with `calendar` (the bot passes its settings' closures); when
        the database's were worked out with other closures, its open cases are worked out again here.
        Without one (the command line, tests), the closures recorded with the stored deadlines are used,
        so a command run beside the bot dates a change as the bot does. A new version whose rules differ
        re-dates the open cases too. With
        `fill_limit` (the bot's start), a database of more cases than that whose stored deadlines have
        still to be filled is refused with `MigrationNeeded`, so the start stays quick: the operator runs
        `inspectbot migrate` first.
        """
        db_path = Path(path)
        conn = await aiosqlite.connect(db_path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await _switch_to_wal(conn)
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            if fill_limit is not None:
                await _check_fill(conn, fill_limit)
            await migrations.migrate(conn, clock())
            if calendar is None:  # the command line: the closures the stored deadlines were dated with
                calendar = await deadlines.stored_calendar(conn)
            # Re-date the open cases if the bot's closures or the rules changed since they were dated.
            await deadlines.recalendar(conn, calendar)
            # ... and the settings' next-inspection windows read from them (issue 22).
            await setting_windows.refresh_stale_at_open(conn)
        except BaseException:
            await conn.close()
            raise
        readers: list[aiosqlite.Connection] = []
        try:
            for _ in range(READERS):
                readers.append(await _connect(db_path))
        except BaseException:
            for reader in readers:
                await reader.close()
            await conn.close()
            raise
        return cls(conn, db_path, clock, readers, calendar)

    async def close(self) -> None:
        async with self._lock:
            for _ in self._all_readers:
                await (await self._readers.get()).close()
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
        """A connection for reads, while no other task uses it; several reads run at once."""
        if not self._all_readers:
            async with self._lock:
                yield self._conn
            return
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    @asynccontextmanager
    async def transaction(self, *, counted: bool = True) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: `BEGIN IMMEDIATE` takes SQLite's write lock up front, so read-then-write
        sequences (next case number, redeeming a code) can't race another writer; commit or roll back.

        Inside an update's handling (`store.changes`), a counted transaction is recorded against the
        update; if it was already made the first time the update was handled, it is rolled back instead
        of committed (the caller still gets what its body read). Bookkeeping (the inbox, conversation
        state) passes `counted=False`.
        """
        step = changes.next_step() if counted else None
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                if step is not None:
                    row = await first_row(
                        self._conn,
                        "SELECT result FROM update_changes WHERE update_id = ? AND step = ?",
                        (step.update_id, step.number),
                    )
                    if row is not None:
                        step.replay, step.prior = True, row[0]
                with changes.in_step(step):
                    yield self._conn
                if step is not None and not step.replay:
                    await self._conn.execute(
                        "INSERT INTO update_changes (update_id, step, result, at) VALUES (?, ?, ?, ?)",
                        (step.update_id, step.number, step.result, time_to_text(self.now())),
                    )
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("ROLLBACK" if step is not None and step.replay else "COMMIT")

    async def write_alone(self, sql: str, params: tuple[Any, ...]) -> None:
        """One statement on the writing connection, its own transaction (SQLite commits a lone statement
        by itself): for bookkeeping that needs no `BEGIN IMMEDIATE` ... `COMMIT` round trips."""
        async with self._lock:
            await self._conn.execute(sql, params)

    async def write_alone_returning(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        """`write_alone` for a statement with `RETURNING`: the rows it gives, read in the same round trip."""
        async with self._lock:
            return list(await self._conn.execute_fetchall(sql, params))

    async def purge_expired(self, retention_days: int) -> int:
        """Purge the free text of cases closed more than `retention_days` ago; returns how many cases."""
        return await retention.purge_expired(self, retention_days)

    async def export_case(self, ref: int) -> dict[str, Any]:
        """A case's full record, JSON-serialisable, for the operator (subject access, archiving)."""
        return await export.export_case(self, ref)


async def _switch_to_wal(conn: aiosqlite.Connection) -> None:
    """Switch to WAL, waiting for another process doing the same on a new file.

    Changing the journal mode needs the file to itself, and SQLite answers "database is locked" at once
    (without waiting for busy_timeout) while another connection holds it: two processes starting together on
    a new database met that. Try again for up to the busy timeout.
    """
    waited = 0.0
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or waited >= BUSY_TIMEOUT_MS / 1000:
                raise
        await asyncio.sleep(0.05)
        waited += 0.05
