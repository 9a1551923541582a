"""A closure change re-plans in bulk (`outbox.reconcile_many`, `deadlines.recalendar` writing only the
cases whose rows changed) exactly as reconciling each case would: the same outbox rows and the same bases,
on a few hundred random cases (bench/_world.py: kinds, starts around today, recorded events, providers)
with mutes, manager members, sent rows and unannounced visits put off again after they had begun (their
provider's pending rows are cancelled as hidden), for a closure on the next working day but one and for
random closure days (`closure_days`). Both paths move a waiting reminder with its deadline's day.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bench._world import build
from store import deadlines, outbox, replan
from store.database import Database
from workflows.calendar import WorkingCalendar

#: A fixed day, not the real one: which rows a closure cancels (and so what the comparison covers) depends
#: on the day, and a test must not pass on one day and fail on the next.
DAY = date(2026, 12, 3)
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def today() -> date:
    return DAY


def clock() -> datetime:
    return NOW


async def planned(path: Path, rng: random.Random) -> None:
    """Every case reconciled case by case with the plain calendar, after some variety is added."""
    calendar = WorkingCalendar()
    stamp = "2026-01-01T00:00:00+00:00"
    async with await Database.open(path, clock=clock, calendar=calendar) as db:
        async with db.transaction(counted=False) as conn:
            cases = [int(r[0]) for r in await conn.execute_fetchall("SELECT id FROM cases ORDER BY id")]
            members = [
                tuple(r) for r in await conn.execute_fetchall("SELECT case_id, person_id FROM case_members")
            ]
            managers = [
                int(r[0]) for r in await conn.execute_fetchall("SELECT id FROM people WHERE role = 'manager'")
            ]
            await conn.executemany(
                "INSERT INTO reminder_mutes (person_id, case_id, at) VALUES (?, ?, ?)",
                [(p, c, stamp) for c, p in rng.sample(members, len(members) // 10)],
            )
            await conn.executemany(
                "INSERT INTO case_members (case_id, person_id, role, added_at) VALUES (?, ?, 'manager', ?)",
                [(c, rng.choice(managers), stamp) for c in rng.sample(cases, len(cases) // 3)],
            )
            # Unannounced visits first planned as begun (their provider reminded), then put off again to
            # their own start: re-dated, not yet reconciled.
            put_off = {
                int(r[0]): str(r[1])
                for r in await conn.execute_fetchall(
                    "SELECT c.id, c.planned_start FROM cases c"
                    " WHERE c.kind IN ('ch-full', 'ch-assurance') AND c.planned_start > ?"
                    " AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)"
                    " AND EXISTS (SELECT 1 FROM case_members m"
                    "  WHERE m.case_id = c.id AND m.role = 'provider')",
                    (today().isoformat(),),
                )
            }
            assert len(put_off) > 5
            begun = calendar.add_working_days(today(), -3).isoformat()
            for case_id, start in put_off.items():
                await conn.execute("UPDATE cases SET planned_start = ? WHERE id = ?", (begun, case_id))
                await deadlines.refresh(conn, case_id, calendar)
                await outbox.reconcile_case(conn, db.reminding, case_id, NOW)
                await conn.execute("UPDATE cases SET planned_start = ? WHERE id = ?", (start, case_id))
                await deadlines.refresh(conn, case_id, calendar)
            for case_id in cases:
                if case_id not in put_off:
                    await outbox.reconcile_case(conn, db.reminding, case_id, NOW)
            pending = [
                int(r[0])
                for r in await conn.execute_fetchall("SELECT id FROM outbox WHERE state = 'pending'")
            ]
            await conn.executemany(
                "UPDATE outbox SET state = 'sent', sent_at = ? WHERE id = ?",
                [(stamp, i) for i in rng.sample(pending, len(pending) // 10)],
            )
        assert await replan.replan(db) is None  # records what they were planned with
        async with db.transaction(counted=False) as conn:  # as the re-dating that moved them would keep them
            await conn.execute(
                "INSERT INTO kv_state (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)",
                (*deadlines.REDATED, json.dumps(sorted(put_off)), stamp),
            )


async def each_case(
    conn: aiosqlite.Connection,
    reminding: outbox.Reminding,
    case_ids: Sequence[int],
    now: datetime,
    *,
    why: str = "",
) -> int:
    """The per-case path `reconcile_many` stands for."""
    for case_id in case_ids:
        await outbox.reconcile_case(conn, reminding, case_id, now)
    return len(case_ids)


_refresh_many = deadlines.refresh_many


async def every_case(
    conn: aiosqlite.Connection,
    where: str,
    params: Iterable[Any],
    calendar: WorkingCalendar,
    *,
    changed_only: bool = False,
    written: list[int] | None = None,
    dated_with: WorkingCalendar | None = None,
    windows_moved: list[int] | None = None,
) -> int:
    """`deadlines.refresh_many` rewriting every case, changed or not (keeping no re-dated cases: the
    re-planning searches for the cases whose deadlines moved; every case's setting's window may move)."""
    return await _refresh_many(conn, where, params, calendar, written=windows_moved)


async def none_kept(conn: aiosqlite.Connection) -> None:
    """`deadlines.redated` of a database that kept no re-dated cases."""
    return None


def closure_days(seed: int) -> list[date]:
    """The closures of a run: the next working day but one; for seeds past 20, one to three working days
    drawn from the next 30 days (a day inside some cases' counts, or beyond them)."""
    plain = WorkingCalendar()
    if seed <= 20:
        return [plain.next_working_day(today() + timedelta(days=2))]
    rng = random.Random(seed)
    days = {
        plain.next_working_day(today() + timedelta(days=rng.randint(1, 30))) for _ in range(rng.randint(1, 3))
    }
    return sorted(days)


async def replanned_for_a_closure(path: Path, days: list[date]) -> replan.Replanned | None:
    """The bot's start with closures on `days`: re-dated, then re-planned."""
    closed = WorkingCalendar(days)
    async with await Database.open(path, clock=clock, calendar=closed) as db:
        return await replan.replan(db)


def contents(
    path: Path,
) -> tuple[dict[str, tuple[object, ...]], dict[int, str], dict[int, list[tuple[object, ...]]]]:
    """The outbox by de-duplication key (row ids depend on the order rows were added), the bases, and the
    stored deadlines."""
    with sqlite3.connect(path) as conn:
        rows = {
            str(r[0]): tuple(r[1:])
            for r in conn.execute(
                "SELECT dedup, person_id, case_id, kind, batch, template, params, due_at, state, reason,"
                " created_at, sent_at FROM outbox"
            )
        }
        bases = {
            int(r[0]): str(r[1])
            for r in conn.execute(
                "SELECT b.case_id, r.deadlines FROM case_bases b JOIN reminder_bases r ON r.digest = b.digest"
            )
        }
        stored: dict[int, list[tuple[object, ...]]] = {}
        for r in conn.execute("SELECT * FROM case_deadlines ORDER BY case_id, position"):
            stored.setdefault(int(r[0]), []).append(tuple(r))
    return rows, bases, stored


#: What the notices of moved deadlines say, person by person and case by case:
#: (person, case, moves, due, state).
Told = set[tuple[object, object, str, object, object]]


def _is_told(dedup: str, row: tuple[object, ...]) -> bool:
    """A notice of moved deadlines written by this re-planning (not one from before it)."""
    return row[4] == "moved" and row[9] == NOW_TEXT


def told_across(rows: dict[str, tuple[object, ...]]) -> Told:
    found: Told = set()
    for dedup, row in rows.items():
        if _is_told(dedup, row):
            assert row[1] is None and str(row[3]).startswith("notice:settings:"), (dedup, row)
            for case_id, moves in json.loads(str(row[5]))["cases"]:
                found.add((row[0], case_id, json.dumps(moves, sort_keys=True), row[6], row[7]))
    return found


def told_case_by_case(rows: dict[str, tuple[object, ...]]) -> Told:
    return {
        (row[0], row[1], json.dumps(json.loads(str(row[5])), sort_keys=True), row[6], row[7])
        for dedup, row in rows.items()
        if _is_told(dedup, row)
    }


def others(rows: dict[str, tuple[object, ...]]) -> dict[str, tuple[object, ...]]:
    return {dedup: row for dedup, row in rows.items() if not _is_told(dedup, row)}


NOW_TEXT = "2026-12-03T10:00:00.000000+00:00"


@pytest.mark.parametrize("seed", [3, 11, 29, 41])
async def test_a_closure_re_plans_in_bulk_as_case_by_case(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "world.sqlite3"
    await asyncio.to_thread(build, path, 300, span_days=60, seed=seed, day=DAY)  # it runs its own loop
    await planned(path, random.Random(seed))
    copy = tmp_path / "each.sqlite3"
    shutil.copy(path, copy)
    days = closure_days(seed)
    bulk = await replanned_for_a_closure(path, days)
    monkeypatch.setattr(outbox, "reconcile_many", each_case)
    monkeypatch.setattr(deadlines, "refresh_many", every_case)
    monkeypatch.setattr(deadlines, "redated", none_kept)  # the search `deadlines.redated` spares
    each = await replanned_for_a_closure(copy, days)
    assert bulk is not None and each is not None
    assert bulk.cases == each.cases > 50  # enough cases whose deadlines moved to mean something
    before, after = contents(path), contents(copy)
    assert before[1] == after[1] and before[2] == after[2]
    # A person is told what moved on all their cases in a few rows (`outbox._tell_across`), not a row a
    # case: the same moves, told at the same moment.
    bulk_told, each_told = told_across(before[0]), told_case_by_case(after[0])
    assert bulk_told == each_told and len(bulk_told) > 20
    assert others(before[0]) == others(after[0])
    states = {row[7] for row in before[0].values()}
    reasons = {row[8] for row in before[0].values()}
    templates = {row[4] for row in before[0].values()}
    # What the comparison covered: sent rows kept, rows cancelled as no longer wanted and as hidden, notices.
    # (A closure drawn from the next 30 days may cancel nothing as not wanted on some days: seeds past 20.)
    covered = {"not_wanted", "hidden"} if seed <= 20 else {"hidden"}
    assert {"pending", "sent", "cancelled"} <= states and covered <= reasons
    assert {"remind", "moved"} <= templates


async def kept(path: Path) -> list[int] | None:
    async with await Database.open(path, clock=clock) as db, db.reading() as conn:
        return await deadlines.redated(conn)


async def test_the_re_dated_cases_are_kept_until_their_reminders_are_re_planned(tmp_path: Path) -> None:
    path = tmp_path / "world.sqlite3"
    await asyncio.to_thread(build, path, 150, span_days=60, seed=5)
    await planned(path, random.Random(5))
    put_off = await kept(path)
    assert put_off
    days = closure_days(5)
    async with await Database.open(path, clock=clock, calendar=WorkingCalendar(days)) as db:
        async with db.reading() as conn:
            redated = await deadlines.redated(conn)
            searched = await replan._cases_whose_deadlines_moved(conn)
        assert redated is not None and set(put_off) < set(redated)
        assert redated == searched  # what the search it spares finds
        done = await replan.replan(db)
    assert done is not None and done.cases == len(redated)
    assert await kept(path) is None


async def test_a_database_re_dated_before_they_were_kept_is_searched(tmp_path: Path) -> None:
    path = tmp_path / "world.sqlite3"
    await asyncio.to_thread(build, path, 150, span_days=60, seed=5)
    await planned(path, random.Random(5))
    first, second = closure_days(5), closure_days(25)
    opened = await Database.open(path, clock=clock, calendar=WorkingCalendar(first))
    async with opened as db, db.transaction(counted=False) as conn:  # as a version that kept none left it
        await conn.execute("DELETE FROM kv_state WHERE namespace = ? AND key = ?", deadlines.REDATED)
    async with await Database.open(path, clock=clock, calendar=WorkingCalendar(first + second)) as db:
        async with db.reading() as conn:
            assert await deadlines.redated(conn) is None  # it would miss the first re-dating's cases
            searched = await replan._cases_whose_deadlines_moved(conn)
        done = await replan.replan(db)
    assert done is not None and done.cases == len(searched) > 0
