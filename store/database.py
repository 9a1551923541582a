"""Opening the SQLite database (WAL, migrations, the stored deadlines brought up to date) and the
`Database` that composes the repositories on its connections."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite

from store import deadlines, derived, export, migrations, retention, setting_windows
from store.audit import AuditRepository
from store.cases import CaseRepository
from store.codec import utc_now
from store.connection import Connection
from store.errors import StoreError
from store.inbox import InboxRepository
from store.invites import InviteRepository
from store.lists import ListRepository
from store.outbox import OutboxRepository
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


class Database(Connection):
    """The store's entry point for bot/ and handlers/: the connections (`store.connection`) and the
    repositories built on them (`db.cases`, `db.outbox`, ...).

    No repository imports it (only the jobs over the whole store do: `pruning`, `replan`,
    `setting_programme`): each repository takes the `Connection` alone, and the few that act on another
    are handed it here (requests apply their case changes through `cases`; a review opens a
    request; what follows a case change in other repositories is `store.derived.AfterChange`).
    """

    def __init__(
        self,
        conn: aiosqlite.Connection,
        path: Path,
        clock: Callable[[], datetime],
        readers: list[aiosqlite.Connection] | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        super().__init__(conn, path, clock, readers, calendar)
        self.people = PeopleRepository(self)
        self.settings = SettingRepository(self)
        # What follows a case change in requests and reviews, which are built after cases (requests apply
        # their case changes through it): looked up when a change happens, not now.
        self.cases = CaseRepository(
            self,
            derived.AfterChange(
                offer_survey=lambda conn, row: self.requests.offer_survey_on(conn, row),
                prompt_review=lambda conn, ref: self.reviews.prompt_on(conn, ref),
            ),
        )
        self.invites = InviteRepository(self)
        self.audit = AuditRepository(self)
        self.inbox = InboxRepository(self)
        self.state = StateRepository(self, self.inbox)
        self.lists = ListRepository(self)
        self.outbox = OutboxRepository(self)
        self.requests = RequestRepository(self, self.cases)
        self.reviews = ReviewRepository(self, self.requests)

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
            await deadlines.recalendar(conn, calendar, clock())
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

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def schema_version(self) -> int:
        async with self.reading() as conn:
            return await migrations.current_version(conn)

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
