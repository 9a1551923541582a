"""The reminders' bases are kept once per distinct text (issue 24): migration 13 moves each case's basis
into the shared texts without changing one, and texts no case names any more are pruned."""

from __future__ import annotations

import json
from pathlib import Path

import aiosqlite

from store import reminder_bases
from store.database import Database
from tests.test_store_migrations import NOW, SEED_V1, T, at_version

A = json.dumps([{"key": "draft_report", "due": "2026-03-20"}])
B = json.dumps([{"key": "draft_report", "due": "2026-03-23"}])


async def three_cases_at_version_12(path: Path, bases: list[tuple[int, str]]) -> Database:
    """A database left at version 12 with cases 1 to 3 and these `reminder_basis` rows, opened (so
    migrated) by this version."""
    await at_version(path, 12)
    async with aiosqlite.connect(path) as conn:
        for sql, params in SEED_V1:  # case 1
            await conn.execute(sql, params)
        await conn.executemany(
            "INSERT INTO cases (id, ref, kind, setting_id, planned_start, planned_end, status, concerns,"
            " created_at) VALUES (?, ?, 'ch-full', 1, '2026-03-02', '2026-03-03', 'open', 0, ?)",
            [(case_id, case_id, T) for case_id in (2, 3)],
        )
        await conn.executemany("INSERT INTO reminder_basis (case_id, deadlines) VALUES (?, ?)", bases)
        await conn.commit()
    return await Database.open(path, clock=lambda: NOW)


async def test_migration_13_keeps_each_cases_basis_and_each_text_once(tmp_path: Path) -> None:
    db = await three_cases_at_version_12(tmp_path / "db.sqlite3", [(1, A), (2, B), (3, A)])
    try:
        async with db.reading() as conn:
            assert [await reminder_bases.of_case(conn, c) for c in (1, 2, 3, 4)] == [A, B, A, None]
            texts = await conn.execute_fetchall("SELECT deadlines FROM reminder_bases ORDER BY deadlines")
            assert [r[0] for r in texts] == sorted([A, B])
            gone = await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE name = 'reminder_basis'")
            assert list(gone) == []
    finally:
        await db.close()


async def test_a_text_no_case_names_is_pruned_and_the_others_stay(tmp_path: Path) -> None:
    db = await three_cases_at_version_12(tmp_path / "db.sqlite3", [])
    try:
        async with db.transaction(counted=False) as conn:
            await reminder_bases.write(
                conn, {A}, [(1, reminder_bases.digest_of(A)), (2, reminder_bases.digest_of(A))]
            )
            await reminder_bases.write(conn, {B}, [(2, reminder_bases.digest_of(B))])  # case 2 planned again
            assert await reminder_bases.prune(conn) == 0  # both named
            await reminder_bases.write(conn, {B}, [(1, reminder_bases.digest_of(B))])  # and case 1
            assert await reminder_bases.prune(conn) == 1  # A: named by no case
            assert await reminder_bases.of_case(conn, 1) == B == await reminder_bases.of_case(conn, 2)
            left = await conn.execute_fetchall("SELECT deadlines FROM reminder_bases")
            assert [r[0] for r in left] == [B]
    finally:
        await db.close()
