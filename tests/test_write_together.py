"""`Database.write_together` (issue 23): done on the event loop's own connection when the database is free
(no hand-off to a thread), on the writer's thread when it is not, which waits its turn; a write that fails
on the loop is rolled back there and done again on the thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import aiosqlite
import pytest

from store.database import Database
from store.inbox import InboxItem


class HandOffs:
    """The calls handed to any aiosqlite connection's thread while it counts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        handed = aiosqlite.Connection._execute

        async def counted(conn: aiosqlite.Connection, fn: object, *args: object, **kwargs: object) -> object:
            self.count += 1
            return await handed(conn, fn, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)


def committed(db: Database) -> list[int]:
    """The inbox as another process sees it."""
    with sqlite3.connect(db.path) as conn:
        return [int(r[0]) for r in conn.execute("SELECT update_id FROM inbox ORDER BY update_id")]


async def test_a_free_database_is_written_on_the_loop_without_a_hand_off(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    hand_offs = HandOffs(monkeypatch)
    stored = await db.write_together(lambda: db.inbox.store([InboxItem(1, "{}"), InboxItem(2, "{}")]))
    assert stored == [1, 2] and hand_offs.count == 0
    assert committed(db) == [1, 2]


async def test_a_database_another_connection_writes_is_written_on_the_thread_once_free(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop's connection does not wait (busy timeout 0): the writer's thread waits its turn."""
    locked, release = threading.Event(), threading.Event()

    def other_process() -> None:
        with sqlite3.connect(db.path, isolation_level=None) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO inbox (update_id, body, received_at) VALUES (9, '{}', 't')")
            locked.set()
            release.wait(5)
            conn.execute("COMMIT")

    holder = threading.Thread(target=other_process)
    holder.start()
    assert locked.wait(5)
    hand_offs = HandOffs(monkeypatch)
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, release.set)
    stored = await db.write_together(lambda: db.inbox.store([InboxItem(1, "{}")]))
    holder.join(5)
    assert stored == [1] and hand_offs.count == 1 and release.is_set()
    assert committed(db) == [1, 9]


async def test_a_write_that_fails_on_the_loop_is_rolled_back_and_done_on_the_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries = 0

    async def store_then_fail_once() -> list[int]:
        nonlocal tries
        tries += 1
        stored = await db.inbox.store([InboxItem(tries, "{}")])
        if tries == 1:
            raise sqlite3.OperationalError("disk I/O error")  # after its first statement
        return stored

    hand_offs = HandOffs(monkeypatch)
    assert await db.write_together(store_then_fail_once) == [2]
    assert tries == 2 and hand_offs.count == 1
    assert committed(db) == [2]  # the loop's try left nothing


async def test_while_this_process_writes_it_waits_its_turn_on_the_thread(db: Database) -> None:
    """A transaction holds the writer: the store waits for it (the loop's connection is not tried)."""
    order: list[str] = []

    async def change() -> None:
        async with db.transaction(counted=False) as conn:
            await asyncio.sleep(0.1)
            await conn.execute("INSERT INTO inbox (update_id, body, received_at) VALUES (5, '{}', 't')")
            order.append("change")

    async def store() -> None:
        await asyncio.sleep(0.02)
        await db.write_together(lambda: db.inbox.store([InboxItem(6, "{}")]))
        order.append("store")

    await asyncio.gather(change(), store())
    assert order == ["change", "store"] and committed(db) == [5, 6]
