"""What every repository needs from the database: the writing connection and its lock, the reading
connections, the clock, the calendar and the outbox's settings (`reminding`).

Repositories take a `Connection` and never the `store.database.Database` that composes them, so no
repository reaches another through the database object (issue 19 item 7): the one effect of a change on
another repository, what follows a case change, goes through `store.derived`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from store import changes
from store.codec import time_to_text
from store.reads import direct, first_row, in_one_trip
from store.reminding import ReminderConfig, Reminding
from workflows.calendar import WorkingCalendar

T = TypeVar("T")


class Connection:
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
        #: Write transactions this process has finished (committed or not): a read made when it was N
        #: is still current while it is N, but for other processes' writes (`bot.polling`'s people).
        self.generation = 0
        #: The calendar the stored deadlines are worked out with (bank holidays and the operator's closures).
        self.calendar = calendar or WorkingCalendar()
        #: The outbox's settings and write count (store.reminding.Reminding), passed down to what writes rows:
        #: London at 09:00 with this calendar until the bot (bot/app.py) or a planning command sets its
        #: settings' here, before any update is handled.
        self.reminding = Reminding(ReminderConfig(calendar=self.calendar))

    async def close(self) -> None:
        async with self._lock:
            for _ in self._all_readers:
                await (await self._readers.get()).close()
            await self._conn.close()

    def now(self) -> datetime:
        """The store's clock, checked to be timezone-aware (stored times are UTC)."""
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return moment

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection for reads, while no other task uses it; several reads run at once. Inside
        `read_together`/`write_together`, the connection of that one trip."""
        inside = direct()
        if inside is not None:
            yield inside
            return
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
        if direct() is not None:
            raise RuntimeError("a transaction can't run inside a read done in one trip")
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
                self.generation += 1
                await self._conn.execute("ROLLBACK")
                raise
            self.generation += 1
            await self._conn.execute("ROLLBACK" if step is not None and step.replay else "COMMIT")

    async def write_alone(self, sql: str, params: tuple[Any, ...]) -> None:
        """One statement on the writing connection, its own transaction (SQLite commits a lone statement
        by itself): for bookkeeping that needs no `BEGIN IMMEDIATE` ... `COMMIT` round trips."""
        inside = direct()
        if inside is not None:  # in `write_together`, which holds the lock
            await inside.execute(sql, params)
            return
        async with self._lock:
            await self._conn.execute(sql, params)

    def write_soon(
        self, write: Callable[[sqlite3.Connection], object], on_failure: Callable[[BaseException], object]
    ) -> bool:
        """Hand `write` (bookkeeping statements, each committing by itself, on plain sqlite3) to the writing
        connection's thread and return at once: nobody waits for it, so its end wakes nothing (a hand-off's
        way back, a thread waking the event loop, costs about as much CPU as its way there: issue 23). What
        it raises goes to `on_failure`, on the event loop. Statements handed to the thread run in order, so
        it runs before any transaction begun after it.

        False, and nothing handed over, while a task holds the writing connection (a transaction must not
        take these statements in) or once it is closed: the caller writes the usual way then."""
        conn = self._conn
        # aiosqlite's own queue to its thread (0.22: a `(future or None, function)` pair); a version
        # without these parts makes every mark take the waited way.
        plain, running, queue = (getattr(conn, name, None) for name in ("_connection", "_running", "_tx"))
        if self._lock.locked() or direct() is not None or not running or plain is None or queue is None:
            return False
        loop = asyncio.get_running_loop()

        def run() -> None:
            try:
                write(plain)
            except BaseException as exc:
                loop.call_soon_threadsafe(on_failure, exc)

        queue.put_nowait((None, run))
        return True

    async def write_alone_returning(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        """`write_alone` for a statement with `RETURNING`: the rows it gives, read in the same round trip."""
        inside = direct()
        if inside is not None:  # in `write_together`, which holds the lock
            return list(await inside.execute_fetchall(sql, params))
        async with self._lock:
            return list(await self._conn.execute_fetchall(sql, params))

    async def read_together(self, read: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run `read`, store reads and the Python deciding between them, in one round trip to a reading
        connection's thread (`store.reads.in_one_trip`): a question reading its person's cases and then
        the case it names makes one hand-off, not three (issue 23)."""
        async with self.reading() as conn:
            return await in_one_trip(conn, read)

    async def write_together(self, write: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """`read_together` on the writing connection, for bookkeeping `write_alone` statements and the
        reads that go with them (the inbox's store and the senders' people: `bot.polling`). Each
        statement commits by itself; no transaction may be opened inside."""
        async with self._lock:
            return await in_one_trip(self._conn, write)
