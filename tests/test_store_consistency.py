"""The store refuses any change after which a case's deadlines could not be worked out."""

from __future__ import annotations

from datetime import date

import pytest

from store.database import Database
from store.errors import InvalidInput
from tests.storefixtures import first_manager


async def _rows(db: Database) -> tuple[object, ...]:
    async with db.reading() as conn, conn.execute("SELECT COUNT(*) FROM audit") as cur:
        audit = await cur.fetchone()
    boss = await first_manager(db)
    return (await db.cases.get(boss, 1), audit)


async def test_a_milestone_before_the_recorded_event_it_follows_is_refused(db: Database) -> None:
    boss = await first_manager(db)
    await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    await db.cases.record_event(boss, 1, "end", date(2026, 3, 4))
    before = await _rows(db)
    # A report step before the visit's last day: the order of steps (workflows.recording) says so first.
    with pytest.raises(InvalidInput, match="can't be on Monday 2 March 2026: it comes after the visit"):
        await db.cases.record_event(boss, 1, "draft_report", date(2026, 3, 2))
    assert await _rows(db) == before
    # Comments before the draft they answer: the timeline's own check.
    await db.cases.record_event(boss, 1, "draft_report", date(2026, 3, 10))
    before = await _rows(db)
    with pytest.raises(InvalidInput, match="can't have happened on Thursday 5 March 2026"):
        await db.cases.record_event(boss, 1, "provider_comments", date(2026, 3, 5))
    assert await _rows(db) == before


async def test_an_end_before_the_start_is_refused_however_it_comes_about(db: Database) -> None:
    boss = await first_manager(db)
    await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    with pytest.raises(InvalidInput, match="is before the first"):
        await db.cases.record_event(boss, 1, "end", date(2026, 3, 2))
    await db.cases.record_event(boss, 1, "start", date(2026, 2, 23))
    await db.cases.record_event(boss, 1, "end", date(2026, 2, 24))
    before = await _rows(db)
    with pytest.raises(InvalidInput, match="is before the first"):
        await db.cases.clear_event(boss, 1, "start")  # the planned start (3 March) would come back
    assert await _rows(db) == before


async def test_concerns_on_a_graded_kind_are_refused(db: Database) -> None:
    boss = await first_manager(db)
    await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    before = await _rows(db)
    with pytest.raises(InvalidInput, match="graded, not judged on serious or widespread concerns"):
        await db.cases.set_outcome(boss, 1, concerns=True)
    assert await _rows(db) == before
    await db.cases.create(boss, "ch-assurance", "Ash Court", date(2026, 3, 3))
    assert (await db.cases.set_outcome(boss, 2, concerns=True)).concerns
