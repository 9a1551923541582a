"""Migrations against a real SQLite file: from empty, from every earlier version, and all at once."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite
import pytest

from store import migrations
from store.database import Database
from store.migrations import LATEST, MIGRATIONS, Migration, migrate, split_statements
from store.models import Role

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T = "2026-03-02T09:00:00.000000+00:00"


def schema(path: Path) -> list[tuple[str, str, str]]:
    """Every table, index and trigger with its SQL, as SQLite itself reports them."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()
        columns = [
            (table, str(info), "column")
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            for info in conn.execute(f"PRAGMA table_info('{table}')").fetchall()
        ]
    conn.close()
    return [*rows, *columns]


async def at_version(path: Path, version: int) -> None:
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, NOW, target=version)
        assert await migrations.current_version(conn) == version


SEED_V1 = [
    ("INSERT INTO settings (id, name, urn, created_at) VALUES (1, 'Oak House', 'SC1', ?)", (T,)),
    (
        "INSERT INTO people (id, telegram_id, display_name, role, active, setting_id, created_at)"
        " VALUES (1, 100, 'Manager', 'manager', 1, NULL, ?), (2, 200, 'Ann', 'provider', 1, 1, ?)",
        (T, T),
    ),
    (
        "INSERT INTO cases (id, ref, kind, setting_id, planned_start, planned_end, status, judgement,"
        " concerns, created_at)"
        " VALUES (1, 1, 'ch-full', 1, '2026-03-02', '2026-03-03', 'open', 'good', 0, ?)",
        (T,),
    ),
    ("INSERT INTO case_members VALUES (1, 2, 'provider', ?)", (T,)),
    ("INSERT INTO case_events VALUES (1, 'end', '2026-03-03', ?)", (T,)),
    (
        "INSERT INTO audit (at, actor_id, actor_label, action, case_ref, before, after)"
        " VALUES (?, 1, 'manager:1', 'case.create', 1, NULL, '{}')",
        (T,),
    ),
]


async def test_from_empty_reaches_the_latest_version_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3", clock=lambda: NOW)
    try:
        assert await db.schema_version() == LATEST >= 2
        async with db.reading() as conn:
            async with conn.execute("PRAGMA journal_mode") as cur:
                assert (await cur.fetchone())[0] == "wal"  # type: ignore[index]
            async with conn.execute("PRAGMA foreign_keys") as cur:
                assert (await cur.fetchone())[0] == 1  # type: ignore[index]
            async with conn.execute("SELECT version, name FROM schema_version ORDER BY version") as cur:
                applied = [tuple(row) for row in await cur.fetchall()]
        assert applied == [(m.version, m.name) for m in MIGRATIONS]
    finally:
        await db.close()
    again = await Database.open(tmp_path / "db.sqlite3")  # reopening applies nothing twice
    assert await again.schema_version() == LATEST
    await again.close()


@pytest.mark.parametrize("start", range(LATEST))
async def test_from_every_earlier_version_gives_the_same_schema(tmp_path: Path, start: int) -> None:
    fresh, upgraded = tmp_path / "fresh.sqlite3", tmp_path / "upgraded.sqlite3"
    await (await Database.open(fresh)).close()
    await at_version(upgraded, start)
    db = await Database.open(upgraded)
    assert await db.schema_version() == LATEST
    await db.close()
    assert schema(upgraded) == schema(fresh)


async def test_data_written_at_version_1_survives_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await at_version(path, 1)
    async with aiosqlite.connect(path) as conn:
        for sql, params in SEED_V1:
            await conn.execute(sql, params)
        await conn.commit()
    db = await Database.open(path, clock=lambda: NOW)
    try:
        manager = await db.people.get_by_telegram_id(100)
        provider = await db.people.get_by_telegram_id(200)
        assert manager is not None and manager.role is Role.MANAGER
        assert provider is not None and provider.setting_id == 1
        case = await db.cases.get(provider, 1)
        assert (case.setting.name, case.judgement, case.purged_at) == ("Oak House", "good", None)
        assert case.events == {"end": date(2026, 3, 3)}
        assert await db.cases.notes(manager, 1) == []  # notes arrived in version 2
        assert [e.action for e in await db.audit.for_case(manager, 1)] == ["case.create"]
        await db.state.put("bot", "k", "v")  # so did the key-value state
        assert await db.state.get_all("bot") == {"k": "v"}
    finally:
        await db.close()


async def test_two_processes_starting_at_once_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first, second = await asyncio.gather(Database.open(path), Database.open(path))
    try:
        assert await first.schema_version() == await second.schema_version() == LATEST
        async with first.reading() as conn, conn.execute("SELECT COUNT(*) FROM schema_version") as cur:
            assert (await cur.fetchone())[0] == LATEST  # type: ignore[index]
    finally:
        await first.close()
        await second.close()


async def test_a_failing_migration_leaves_the_database_at_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Migration(LATEST + 1, "broken", ("CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL"))
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "LATEST", LATEST + 1)
    path = tmp_path / "db.sqlite3"
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(path)
    monkeypatch.undo()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (LATEST,)
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    conn.close()


async def test_no_target_beyond_the_latest(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "db.sqlite3", isolation_level=None) as conn:
        with pytest.raises(ValueError, match="no schema version"):
            await migrate(conn, NOW, target=LATEST + 1)


def test_statements_split_with_trigger_bodies_whole() -> None:
    script = """
-- a comment
CREATE TABLE a (x TEXT); -- trailing
CREATE TRIGGER t BEFORE DELETE ON a
BEGIN
    SELECT RAISE(ABORT, 'no; really');
END;
"""
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(ValueError, match="unterminated"):
        split_statements("CREATE TABLE b (x TEXT)")


async def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    """A downgrade must not run old code on a newer schema: one sentence, and nothing written."""
    from store.errors import SchemaTooNew

    path = tmp_path / "newer.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
        conn.execute("INSERT INTO schema_version VALUES (?, 'future', 'x')", (LATEST + 1,))
    with pytest.raises(SchemaTooNew, match=f"schema version {LATEST + 1}, newer than this inspectbot"):
        await Database.open(path)
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"schema_version"}
