"""Several store reads in one round trip to a connection's thread (`Database.read_together`,
`write_together`: issue 23), and the people read with the inbox's write standing only while nothing was
written since (`handlers.context.PeopleRead`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
import pytest

from handlers.context import PeopleRead
from store.database import Database
from store.inbox import InboxItem
from store.models import Person
from tests.storefixtures import first_manager


def _count_hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    made = [0]
    handing_off: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made[0] += 1
        return await handing_off(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return made


async def test_reads_together_are_one_hand_off_and_read_the_same(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = await first_manager(db)
    made = _count_hand_offs(monkeypatch)
    apart = (await db.people.get_by_telegram_id(1), await db.lists.pick(manager))
    assert made[0] >= 3  # the person, and the picker's subject, count and page

    async def both() -> tuple[Person | None, object]:
        return await db.people.get_by_telegram_id(1), await db.lists.pick(manager)

    made[0] = 0
    assert await db.read_together(both) == apart
    assert made[0] == 1


async def test_the_inbox_write_and_a_read_are_one_hand_off(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await first_manager(db)
    made = _count_hand_offs(monkeypatch)

    async def store_and_read() -> tuple[list[int], Person | None]:
        return await db.inbox.store(
            [InboxItem(3, "{}"), InboxItem(4, "{}")]
        ), await db.people.get_by_telegram_id(1)

    fresh, person = await db.write_together(store_and_read)
    assert made[0] == 1
    assert fresh == [3, 4] and person is not None and person.telegram_id == 1
    assert [i.update_id for i in await db.inbox.pending()] == [3, 4]  # committed


async def test_a_read_that_waits_or_writes_is_refused_and_the_connection_goes_on(db: Database) -> None:
    async def waits() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="waited for something other than the database"):
        await db.read_together(waits)

    async def writes() -> None:
        async with db.transaction():
            pass

    with pytest.raises(RuntimeError, match="transaction can't run inside"):
        await db.read_together(writes)
    assert await db.people.get_by_telegram_id(99) is None  # the connections still answer


async def test_a_person_read_with_the_batch_stands_until_something_is_written(db: Database) -> None:
    manager = await first_manager(db)
    read = PeopleRead()
    read.keep(10, db.generation, manager)
    read.keep(11, db.generation, manager)
    assert read.take(10, db.generation) == (True, manager)
    assert read.take(10, db.generation) == (False, None)  # taken once
    await db.people.ensure_admins([1, 2])  # a write transaction of this process
    assert read.take(11, db.generation) == (False, None)  # read again from the database
    read.keep(12, db.generation, None)
    read.forget(12)
    assert read.take(12, db.generation) == (False, None)


async def test_done_marks_asked_for_at_once_share_a_statement(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db.inbox.store([InboxItem(i, "{}") for i in range(1, 11)])
    made = _count_hand_offs(monkeypatch)
    await asyncio.gather(*(db.inbox.mark_done(i) for i in range(1, 11)))
    assert made[0] == 2  # the first alone, the nine that waited for it together
    assert await db.inbox.pending() == []


async def test_a_done_mark_that_fails_fails_every_caller_waiting_and_the_next_goes_on(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db.inbox.store([InboxItem(i, "{}") for i in range(1, 5)])
    writing: Callable[..., Awaitable[None]] = Database.write_alone

    async def full(self: Database, sql: str, params: tuple[Any, ...]) -> None:
        raise aiosqlite.OperationalError("database or disk is full")

    monkeypatch.setattr(Database, "write_alone", full)
    failed = await asyncio.gather(*(db.inbox.mark_done(i) for i in range(1, 4)), return_exceptions=True)
    assert [type(f) for f in failed] == [aiosqlite.OperationalError] * 3
    monkeypatch.setattr(Database, "write_alone", writing)
    await db.inbox.mark_done(4)
    assert [i.update_id for i in await db.inbox.pending()] == [1, 2, 3]
