"""The inbox keeps updates until handled; a change made while handling an update is made once."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta

import pytest

from store import changes
from store.database import Database
from store.errors import InvalidInput
from store.inbox import InboxItem
from tests.storefixtures import Clock, first_manager


async def test_updates_are_kept_once_and_pending_until_done(db: Database) -> None:
    assert await db.inbox.next_offset() is None
    assert await db.inbox.store([InboxItem(7, '{"a": 1}'), InboxItem(5, "{}")]) == [7, 5]
    assert await db.inbox.store([InboxItem(7, '{"a": 2}'), InboxItem(9, "{}")]) == [9]  # 7 again: ignored
    assert [(i.update_id, i.body) for i in await db.inbox.pending()] == [
        (5, "{}"),
        (7, '{"a": 1}'),
        (9, "{}"),
    ]
    assert await db.inbox.next_offset() == 10
    await db.inbox.mark_done(7)
    await db.state.write_batch([("ns", "k", "v")], done_update_id=5)
    assert [i.update_id for i in await db.inbox.pending()] == [9]
    assert await db.inbox.is_done(5) and await db.state.get_all("ns") == {"k": "v"}


async def test_a_batch_of_updates_is_stored_in_one_statement(db: Database) -> None:
    statements: list[str] = []
    async with db.transaction(counted=False) as conn:  # the writing connection
        await conn.set_trace_callback(statements.append)
    assert await db.inbox.store([InboxItem(i, "{}") for i in range(250)]) == list(range(250))
    assert sum(s.startswith("INSERT OR IGNORE INTO inbox") for s in statements) == 3  # 100 a statement
    assert await db.inbox.store([InboxItem(4, "{}"), InboxItem(300, "{}"), InboxItem(300, "{}")]) == [300]


async def test_marks_handed_over_without_waiting_are_written_in_order_together(db: Database) -> None:
    """`mark_done_soon` (issue 23): the marks go to the writing connection's thread in one statement, before
    anything handed to it later; while a transaction holds that connection, nothing is handed over."""
    statements: list[str] = []
    async with db.transaction(counted=False) as conn:  # the writing connection
        await conn.set_trace_callback(statements.append)
        assert not db.inbox.mark_done_soon(1, lambda exc: pytest.fail(str(exc)))  # would land inside it
    await db.inbox.store([InboxItem(i, "{}") for i in (1, 2, 3, 4)])
    statements.clear()
    failures: list[BaseException] = []
    assert all(db.inbox.mark_done_soon(i, failures.append) for i in (1, 2, 3))
    await db.inbox.mark_done(4)  # handed over after them: written after them
    assert [i.update_id for i in await db.inbox.pending()] == []
    marks = [s for s in statements if s.startswith("UPDATE inbox SET done_at")]
    assert 2 <= len(marks) <= 4 and marks[-1].endswith("IN (4)"), marks
    assert not failures


async def test_a_mark_that_fails_on_the_thread_is_reported_on_the_event_loop(db: Database) -> None:
    await db.inbox.store([InboxItem(1, "{}")])
    await db.write_alone("PRAGMA query_only = ON", ())  # every write on the writing connection now fails
    reported = asyncio.get_running_loop().create_future()
    assert db.inbox.mark_done_soon(1, reported.set_result)
    failure = await asyncio.wait_for(reported, 5)
    await db.write_alone("PRAGMA query_only = OFF", ())
    assert isinstance(failure, sqlite3.OperationalError)
    assert [i.update_id for i in await db.inbox.pending()] == [1]  # handled again at the next start


async def test_prune_forgets_old_handled_updates_but_keeps_the_offset(db: Database, clock: Clock) -> None:
    await db.inbox.store([InboxItem(1, "{}"), InboxItem(2, "{}"), InboxItem(3, "{}")])
    await db.inbox.mark_done(1)
    await db.inbox.mark_done(3)
    clock.now += timedelta(days=2)
    assert await db.inbox.prune(timedelta(days=1)) == 1  # 3 is the newest: kept for the offset
    assert await db.inbox.next_offset() == 4
    assert [i.update_id for i in await db.inbox.pending()] == [2]


async def test_a_second_newcase_from_one_update_makes_no_second_case(db: Database) -> None:
    manager = await first_manager(db)
    with changes.handling(42):
        first = await db.cases.create(manager, "ch-full", "Oak House", date(2026, 3, 3))
    with changes.handling(42):  # the same update handled again after a crash
        again = await db.cases.create(manager, "ch-full", "Oak House", date(2026, 3, 3))
    assert again.ref == first.ref
    assert [c.ref for c in await db.cases.list_for(manager)] == [first.ref]
    with changes.handling(43):  # a new update is a new case
        other = await db.cases.create(manager, "ch-full", "Elm Lodge", date(2026, 3, 3))
    assert other.ref == first.ref + 1


async def test_a_replayed_change_is_not_made_twice_and_answers_with_the_state(db: Database) -> None:
    manager = await first_manager(db)
    case = await db.cases.create(manager, "ch-full", "Oak House", date(2026, 3, 3))
    with changes.handling(50):
        await db.cases.add_note(manager, case.ref, "first")
    with changes.handling(50):
        await db.cases.add_note(manager, case.ref, "first")
    assert [n.text for n in await db.cases.notes(manager, case.ref)] == ["first"]
    trail = [e.action for e in await db.audit.for_case(manager, case.ref)]
    assert trail.count("case.note") == 1


async def test_writes_outside_an_update_are_not_recorded(db: Database) -> None:
    manager = await first_manager(db)
    await db.cases.create(manager, "ch-full", "Oak House", date(2026, 3, 3))
    async with db.reading() as conn, conn.execute("SELECT COUNT(*) FROM update_changes") as cur:
        row = await cur.fetchone()
    assert row is not None and row[0] == 0


async def test_a_replayed_close_reopen_or_undo_answers_as_the_first_time_did(db: Database) -> None:
    """The process died after the change but before the update was marked done: the replay gets the same
    answer (the user sees "closed", not "already closed"), and nothing is done twice."""
    manager = await first_manager(db)
    case = await db.cases.create(manager, "ch-full", "Oak House", date(2026, 3, 3))
    await db.cases.record_event(manager, case.ref, "start", date(2026, 3, 3))
    await db.cases.record_event(manager, case.ref, "end", date(2026, 3, 5))
    entry = await db.cases.last_recorded(manager, case.ref)
    assert entry is not None
    for _ in range(2):
        with changes.handling(60):
            undone, taken = await db.cases.undo(manager, case.ref, entry.id)
        assert taken.id == entry.id and "end" not in undone.events
    for _ in range(2):
        with changes.handling(61):
            closed = await db.cases.close(manager, case.ref, "completed")
        assert closed.status == "closed"
    for _ in range(2):
        with changes.handling(62):
            reopened = await db.cases.reopen(manager, case.ref)
        assert reopened.status == "open"
    trail = [e.action for e in await db.audit.for_case(manager, case.ref)]
    assert (trail.count("case.undo"), trail.count("case.close"), trail.count("case.reopen")) == (1, 1, 1)
    with changes.handling(63):  # a new update is told the truth
        await db.cases.close(manager, case.ref, "completed")
    with changes.handling(64), pytest.raises(InvalidInput, match="already closed"):
        await db.cases.close(manager, case.ref, "completed")
