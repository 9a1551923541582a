"""The audit trail: every change through the repositories is recorded; nothing can rewrite it."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import store
from store.database import Database
from store.models import Person, Role


def clock() -> datetime:
    return datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # after the dates the tests record


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "store.sqlite3", clock=clock)
    yield database
    await database.close()


async def boss_of(db: Database) -> Person:
    await db.people.ensure_admins([1])
    found = await db.people.get_by_telegram_id(1)
    assert found is not None
    return found


async def count(db: Database) -> int:
    return len(await db.audit.all())


async def test_every_change_through_the_repositories_adds_one_entry(db: Database) -> None:
    boss = await boss_of(db)
    inspector = await db.invites.redeem((await db.invites.create(boss, Role.INSPECTOR)).code, 2, "Ins")
    case = await db.cases.create(inspector, "ch-full", "Oak House", date(2026, 3, 3))
    ref = case.ref
    changes = [
        ("case.event", db.cases.record_event(inspector, ref, "end", date(2026, 3, 4))),
        ("case.event", db.cases.record_event(inspector, ref, "end", date(2026, 3, 5))),
        ("case.event", db.cases.clear_event(inspector, ref, "end")),
        # Good, not inadequate: an inadequate judgement also opens the case review (its own entry).
        ("case.outcome", db.cases.set_outcome(inspector, ref, judgement="good")),
        ("case.planned", db.cases.set_planned(inspector, ref, date(2026, 3, 3), date(2026, 3, 4))),
        ("case.note", db.cases.add_note(inspector, ref, "Planning: arrive 9am")),
        ("invite.create", db.invites.create(inspector, Role.PROVIDER, case_ref=ref)),
        ("case.close", db.cases.close(inspector, ref)),
        ("case.reopen", db.cases.reopen(boss, ref)),
        ("person.rename", db.people.set_display_name(inspector, "Ins Pector")),
    ]
    for action, change in changes:
        before = await count(db)
        await change
        entries = await db.audit.all()
        assert len(entries) == before + 1, action
        assert entries[-1].action == action
        assert entries[-1].at == clock()
    trail = await db.audit.for_case(inspector, ref)
    assert trail[0].action == "case.create" and trail[0].actor_id == inspector.id
    assert trail[0].actor_label == f"inspector:{inspector.id}"
    moved = [e for e in trail if e.action == "case.event"]
    assert [(e.before, e.after) for e in moved] == [
        ({"key": "end", "day": None}, {"key": "end", "day": "2026-03-04"}),
        ({"key": "end", "day": "2026-03-04"}, {"key": "end", "day": "2026-03-05"}),
        ({"key": "end", "day": "2026-03-05"}, {"key": "end", "day": None}),
    ]


async def test_repeating_a_change_that_changes_nothing_adds_nothing(db: Database) -> None:
    boss = await boss_of(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    await db.cases.record_event(boss, case.ref, "end", date(2026, 3, 4))
    await db.cases.set_outcome(boss, case.ref, judgement="good")
    before = await count(db)
    await db.cases.record_event(boss, case.ref, "end", date(2026, 3, 4))
    await db.cases.set_outcome(boss, case.ref, judgement="good")
    await db.cases.clear_event(boss, case.ref, "draft_report")
    await db.people.ensure_admins([1])
    assert await count(db) == before


async def test_free_text_never_enters_the_trail(db: Database) -> None:
    boss = await boss_of(db)
    case = await db.cases.create(boss, "ch-full", "Secret Lane Home", date(2026, 3, 3))
    await db.cases.add_note(boss, case.ref, "Child J.S. disclosed something")
    await db.invites.redeem(
        (await db.invites.create(boss, Role.PROVIDER, case_ref=case.ref)).code, 5, "Pat Q"
    )
    await db.people.set_display_name(boss, "Mrs Manager")
    text = repr(await db.audit.all())
    for secret in ("Secret Lane", "J.S.", "Pat Q", "Mrs Manager"):
        assert secret not in text
    note = next(e for e in await db.audit.all() if e.action == "case.note")
    assert note.after == {"note_id": 1, "length": len("Child J.S. disclosed something")}


async def test_the_table_refuses_update_and_delete(db: Database) -> None:
    await boss_of(db)
    with sqlite3.connect(db.path) as raw:
        for statement in ("UPDATE audit SET action = 'x'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(statement)
        assert raw.execute("SELECT COUNT(*) FROM audit").fetchone() == (1,)
    raw.close()


def test_no_repository_has_sql_that_changes_the_trail() -> None:
    """The repositories only ever INSERT into `audit`; the triggers are the second line."""
    sources = Path(store.__file__).parent.glob("*.py")
    changing = re.compile(
        r"(UPDATE\s+audit\b|DELETE\s+FROM\s+audit\b|DROP\s+\w+\s+audit|REPLACE\s+INTO\s+audit)", re.I
    )
    offenders = [path.name for path in sources if changing.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
    from store.audit import AuditRepository

    public = {name for name in vars(AuditRepository) if not name.startswith("_")}
    assert public == {"for_case", "all"}
