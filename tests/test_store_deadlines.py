"""Stored deadlines (store/deadlines.py, migration 5): always what compute_timeline gives for the case's
current dates, after any sequence of changes; filled for cases stored before the migration; worked out
again when the operator's closures change; and a big unfilled database is left to `inspectbot migrate`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import deadlines, derived, migrations
from store.consistency import case_dates
from store.database import Database, MigrationNeeded
from store.errors import InvalidInput, PermissionDenied
from store.models import Person
from tests.storefixtures import Clock, first_manager
from workflows.calendar import WorkingCalendar
from workflows.deadlines import Deadline, compute_timeline
from workflows.kinds import KINDS, event_keys, get_kind

CLOSED_DAY = date(2026, 3, 5)  # an operator's closure among the dates the tests use
KIND_IDS = sorted(KINDS)


async def expected(db: Database, boss: Person, ref: int) -> list[Deadline]:
    case = await db.cases.get(boss, ref)
    if case.planned_start is None and case.planned_end is None and not {"start", "end"} & set(case.events):
        return []
    return compute_timeline(get_kind(case.kind), case_dates(case), db.calendar)


async def stored(db: Database, boss: Person, ref: int) -> tuple[list[Deadline], set[int]]:
    """The case's stored deadlines, and the case_open marks on its rows."""
    case = await db.cases.get(boss, ref)
    async with db.reading() as conn:
        rows = await derived.deadlines_of(conn, case.id)
        async with conn.execute(
            "SELECT DISTINCT case_open FROM case_deadlines WHERE case_id = ?", (case.id,)
        ) as cur:
            marks = {r[0] for r in await cur.fetchall()}
    return rows, marks


async def assert_all_equal(db: Database, boss: Person) -> None:
    for case in await db.cases.list_for(boss, limit=1000):
        rows, marks = await stored(db, boss, case.ref)
        assert rows == await expected(db, boss, case.ref), f"case #{case.ref}"
        assert marks <= {int(case.status == "open")}


days = st.dates(min_value=date(2026, 2, 2), max_value=date(2026, 5, 29))
any_key = st.sampled_from(sorted(set().union(*(event_keys(k) for k in KIND_IDS))))
action = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(KIND_IDS), days, st.booleans()),
    st.tuples(st.just("record"), st.integers(1, 3), any_key, days),
    st.tuples(st.just("clear"), st.integers(1, 3), any_key),
    st.tuples(st.just("undo"), st.integers(1, 3)),
    st.tuples(st.just("kind"), st.integers(1, 3), st.sampled_from(KIND_IDS)),
    st.tuples(st.just("days"), st.integers(1, 3), days, st.integers(0, 4)),
    st.tuples(st.just("close"), st.integers(1, 3)),
    st.tuples(st.just("single"), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("reopen"), st.integers(1, 3)),
    st.tuples(
        st.just("outcome"),
        st.integers(1, 3),
        st.sampled_from([None, "inadequate", "requires_improvement", "good", "outstanding"]),
        st.sampled_from([None, True, False]),
    ),
)


async def apply(db: Database, boss: Person, step: tuple[object, ...]) -> None:
    """One change through the store; refusals (a date that doesn't fit, a closed case) change nothing."""
    op, *args = step
    cases = db.cases
    try:
        if op == "create":
            kind, start, planned = args
            assert isinstance(kind, str) and isinstance(start, date)
            await cases.create(boss, kind, f"Home {kind}", start if planned else None)
        elif op == "record":
            ref, key, day = args
            await cases.record_event(boss, int(str(ref)), str(key), day)  # type: ignore[arg-type]
        elif op == "clear":
            await cases.clear_event(boss, int(str(args[0])), str(args[1]))
        elif op == "undo":
            entry = await cases.last_recorded(boss, int(str(args[0])))
            if entry is not None:
                await cases.undo(boss, int(str(args[0])), entry.id)
        elif op == "kind":
            await cases.set_kind(boss, int(str(args[0])), str(args[1]))
        elif op == "days":
            ref, start, span = args
            assert isinstance(start, date) and isinstance(span, int)
            await cases.set_planned(boss, int(str(ref)), start, start + timedelta(days=span))
        elif op == "close":
            await cases.close(boss, int(str(args[0])))
        elif op == "single":
            await cases.set_single_individual(boss, int(str(args[0])), bool(args[1]))
        elif op == "reopen":
            await cases.reopen(boss, int(str(args[0])))
        elif op == "outcome":
            _, judgement, concerns = args
            await cases.set_outcome(
                boss,
                int(str(step[1])),
                judgement=judgement if isinstance(judgement, str) else None,
                concerns=concerns if isinstance(concerns, bool) else None,
            )
    except (InvalidInput, PermissionDenied):
        pass  # refused as a person would be told; the invariant must hold all the same
    except Exception as exc:  # a missing case is NotFound, also a refusal
        if type(exc).__name__ != "NotFound":
            raise


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(action, min_size=1, max_size=14))
def test_stored_deadlines_always_equal_compute_timeline(steps: list[tuple[object, ...]]) -> None:
    async def run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            db = await Database.open(
                Path(tmp) / "db.sqlite3", clock=Clock(), calendar=WorkingCalendar([CLOSED_DAY])
            )
            try:
                boss = await first_manager(db)
                await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 2))
                for step in steps:
                    await apply(db, boss, step)
                    await assert_all_equal(db, boss)
            finally:
                await db.close()

    asyncio.run(run())


async def test_a_closed_case_keeps_its_rows_marked_closed_and_reopening_opens_them(db: Database) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 2))
    await db.cases.close(boss, case.ref)
    rows, marks = await stored(db, boss, case.ref)
    assert rows and marks == {0}
    await db.cases.reopen(boss, case.ref)
    assert (await stored(db, boss, case.ref))[1] == {1}


async def test_an_open_complaint_leaves_the_asa_final_report_extended_and_never_overdue_003_L509(
    db: Database,
) -> None:
    """Stored as `extended` (migration 8), so lists across cases never call it overdue (003 L509, L1191)
    until the complaint is answered (003 L1190); then it is dated again, no earlier than the answer."""
    boss = await first_manager(db)
    case = await db.cases.create(boss, "asa-full", "Willow Adoption Support", date(2026, 3, 3))
    for key, day in (("end", date(2026, 3, 5)), ("draft_report", date(2026, 3, 31))):
        await db.cases.record_event(boss, case.ref, key, day)
    today = date(2026, 6, 1)  # the store's clock: the final report's normal day, 20 April, has passed

    async def overdue_keys() -> set[str]:
        return {line.deadline.key for line in (await db.lists.overdue(boss, today)).items}

    assert "final_report" in await overdue_keys()
    await db.cases.record_event(boss, case.ref, "complaint", date(2026, 4, 8))
    rows = {d.key: d for d in (await stored(db, boss, case.ref))[0]}
    assert rows["final_report"].extended and rows["publication"].extended
    assert {"final_report", "publication"}.isdisjoint(await overdue_keys())
    assert "complaint_response" in await overdue_keys()  # the managers' answer is what is late
    await db.cases.record_event(boss, case.ref, "complaint_response", date(2026, 5, 6))
    rows = {d.key: d for d in (await stored(db, boss, case.ref))[0]}
    assert not rows["final_report"].extended and rows["final_report"].due == date(2026, 5, 6)
    assert "final_report" in await overdue_keys()


NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


async def _at_version_4_with_cases(path: Path, count: int) -> None:
    """A database from before migration 5, with `count` cases of which some have recorded dates."""
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrations.migrate(conn, NOW, target=4)
    with sqlite3.connect(path) as conn:
        t = NOW.isoformat()
        conn.execute(
            "INSERT INTO settings (id, name, urn, created_at) VALUES (1, 'Oak House', NULL, ?)", (t,)
        )
        for i in range(1, count + 1):
            start = date(2026, 1, 5) + timedelta(days=i % 90)
            conn.execute(
                "INSERT INTO cases (id, ref, kind, setting_id, planned_start, status, concerns, created_at)"
                " VALUES (?, ?, ?, 1, ?, ?, 0, ?)",
                (i, i, KIND_IDS[i % len(KIND_IDS)], start.isoformat(), "closed" if i % 3 == 0 else "open", t),
            )
            if i % 2:
                conn.execute(
                    "INSERT INTO case_events (case_id, key, day, recorded_at) VALUES (?, 'start', ?, ?)",
                    (i, start.isoformat(), t),
                )
    conn.close()


async def test_migration_5_fills_the_rows_of_cases_stored_before_it(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _at_version_4_with_cases(path, deadlines.BATCH + 7)  # more than one batch
    db = await Database.open(path, clock=Clock())
    try:
        boss = await first_manager(db)
        await assert_all_equal(db, boss)
        async with (
            db.reading() as conn,
            conn.execute("SELECT COUNT(DISTINCT case_id) FROM case_deadlines") as cur,
        ):
            assert (await cur.fetchone())[0] == deadlines.BATCH + 7  # type: ignore[index]
    finally:
        await db.close()


async def test_a_big_unfilled_database_is_left_to_inspectbot_migrate(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _at_version_4_with_cases(path, 30)
    with pytest.raises(MigrationNeeded, match="inspectbot migrate"):
        await Database.open(path, fill_limit=29)
    with sqlite3.connect(path) as conn:  # refused before anything was changed
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (4,)
    conn.close()
    async with await Database.open(path, fill_limit=30):
        pass
    async with await Database.open(path, fill_limit=0):  # filled: nothing left to refuse
        pass


async def test_new_closures_date_the_open_cases_again_at_open(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path, clock=Clock()) as db:
        boss = await first_manager(db)
        case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 2))
        plain, _ = await stored(db, boss, case.ref)
    async with await Database.open(path, clock=Clock(), calendar=WorkingCalendar([CLOSED_DAY])) as db:
        boss = await first_manager(db)
        moved, _ = await stored(db, boss, case.ref)
        assert moved != plain
        assert moved == await expected(db, boss, case.ref)


async def test_opening_without_a_calendar_keeps_the_closures_the_rows_were_dated_with(tmp_path: Path) -> None:
    """The command line (invite, export, migrate) opens the bot's database beside it: its changes are
    dated with the bot's closures, and it re-dates nothing."""
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path, clock=Clock(), calendar=WorkingCalendar([CLOSED_DAY])) as db:
        boss = await first_manager(db)
        case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 2))
        dated, _ = await stored(db, boss, case.ref)
    async with await Database.open(path, clock=Clock()) as db:
        assert db.calendar.closures == frozenset({CLOSED_DAY})
        boss = await first_manager(db)
        assert (await stored(db, boss, case.ref))[0] == dated
        await db.cases.record_event(boss, case.ref, "start", date(2026, 3, 2))
        assert (await stored(db, boss, case.ref))[0] == await expected(db, boss, case.ref)


async def test_a_new_version_of_the_rules_dates_the_open_cases_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path, clock=Clock()) as db:
        boss = await first_manager(db)
        case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 2))
        right, _ = await stored(db, boss, case.ref)
    with sqlite3.connect(path) as conn:  # rows as an older version of the rules would have left them
        conn.execute("UPDATE case_deadlines SET due = '2026-01-01'")
    conn.close()
    async with await Database.open(path, clock=Clock()) as db:  # same rules: nothing is worked out again
        assert (await stored(db, (await first_manager(db)), case.ref))[0] != right
    monkeypatch.setattr(deadlines, "rules_fingerprint", lambda: "a-new-version")
    async with await Database.open(path, clock=Clock()) as db:
        assert (await stored(db, (await first_manager(db)), case.ref))[0] == right
