"""Reads of a whole result in one round trip to the connection's thread.

Each aiosqlite call is a hop to its thread and back (tens of microseconds of CPU, against about one for
the query itself), and `async with conn.execute(...) as cur: await cur.fetchone()` makes three: the
execute, the fetch and the cursor's close. `conn.execute_fetchall` reads every row in one; `first_row` is
its counterpart for a query that wants one row (a key lookup, an aggregate).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiosqlite


async def first_row(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
    """The query's first row, or None when it has none: one round trip. The query is read whole, so it
    should give one row or a few (say `LIMIT 1` when more may match)."""
    for row in await conn.execute_fetchall(sql, params):
        return row
    return None
