"""Reads of a whole result in one round trip to the connection's thread.

Each aiosqlite call is a hop to its thread and back (tens of microseconds of CPU, against about one for
the query itself), and `async with conn.execute(...) as cur: await cur.fetchone()` makes three: the
execute, the fetch and the cursor's close. `conn.execute_fetchall` reads every row in one; `first_row` is
its counterpart for a query that wants one row (a key lookup, an aggregate).
"""

from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Callable, Coroutine, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar, cast

import aiosqlite

T = TypeVar("T")


async def first_row(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
    """The query's first row, or None when it has none: one round trip. The query is read whole, so it
    should give one row or a few (say `LIMIT 1` when more may match)."""
    for row in await conn.execute_fetchall(sql, params):
        return row
    return None


#: The connection's own `sqlite3.Connection`, while `in_one_trip` runs a read on its thread: every
#: `Database.reading()` inside yields it (wrapped as `_Direct`) instead of taking another connection.
_DIRECT: ContextVar[aiosqlite.Connection | None] = ContextVar("direct_connection", default=None)


def direct() -> aiosqlite.Connection | None:
    """The connection of the `in_one_trip` running in this thread, or None (the usual case)."""
    return _DIRECT.get()


class _Direct:
    """What store code calls on a connection, answered at once by plain sqlite3 on the connection's own
    thread: no hand-off, so a coroutine awaiting only these finishes in one step (`_drive`). Reads go
    through `execute_fetchall` (and `first_row`); `execute` is for `write_alone`'s statements and gives a
    plain sqlite3 cursor. Anything else an aiosqlite connection has fails loudly here (AttributeError)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, tuple(parameters)).fetchall()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, tuple(parameters))


def _drive(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never really waits to its end, here and now; one that waits is refused."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    coroutine.close()
    raise RuntimeError("a read done in one trip waited for something other than the database")


async def in_one_trip(conn: aiosqlite.Connection, read: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `read` (store code, several queries and the Python between them) on `conn`'s thread in one
    hand-off: one round trip where each query would be one (22-24 µs of CPU each measured alone, against
    4-5 µs in plain sqlite3, and two thread wake-ups: bench/RESULTS.md, issue 23). Inside,
    `Database.reading()` and the `write_alone` calls use `conn`; `read` must await nothing else (a lock,
    a sleep, Telegram): that is refused with a RuntimeError.

    The caller holds `conn` (a reading connection, or the writing one under the database's lock)."""

    def run() -> T:
        _DIRECT.set(cast(aiosqlite.Connection, _Direct(conn._conn)))  # this thread's context alone
        return _drive(read())

    return cast(T, await conn._execute(contextvars.copy_context().run, run))  # type: ignore[no-untyped-call]
