"""Re-dating at open for new closures (`deadlines.recalendar`) takes shortcuts; each gives what working
every case out again gives:

- a shape of case (kind, dates, events) is worked out under the old closures only when the new calendar
  was asked about a day whose closure changed (`deadlines._Watched`): else its rows are the same;
- a changed row has only its changed columns written;
- only the settings' next-inspection windows a closure can move are marked stale (open cases whose
  on-site days or window milestones moved; closed cases whose on-site days the calendar gives).

Checked on worlds of open and closed cases (bench/_world.py) whose closures are added, moved and taken
away, against every open case's rows and every setting's window worked out again in the same database.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench._world import build
from store import deadlines, setting_windows
from store.consistency import case_dates
from store.database import Database
from tests.storefixtures import Clock, first_manager
from workflows.calendar import WorkingCalendar
from workflows.deadlines import Deadline, compute_timeline
from workflows.kinds import get_kind

DAY = date(2026, 12, 3)
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
_WINDOW = "SELECT id, next_kind, due_from, due_by, due_rule, inspected_case_id, window_stale FROM settings"


def clock() -> datetime:
    return NOW


def _world(path: Path, seed: int) -> tuple[list[date], list[date]]:
    """A world over the 500 days before DAY (closed cases and open ones), with variety added before its
    first open fills the stored rows and windows: some closed cases lose their recorded last on-site day
    (the calendar gives it), some open cases their first. Returns the second on-site day of the open
    inspections and of the closed cases whose last on-site day the calendar gives (a closure there moves
    that day, and the next window of a setting whose latest inspection it is, when the window counts from
    it: a return or second inspection of a children's home, an agency judged less than good)."""
    build(path, 600, span_days=500, seed=seed, day=DAY)
    rng = random.Random(seed)
    plain = WorkingCalendar()
    with sqlite3.connect(path) as conn:
        closed = [int(r[0]) for r in conn.execute("SELECT id FROM cases WHERE status = 'closed'")]
        opened = [int(r[0]) for r in conn.execute("SELECT id FROM cases WHERE status = 'open'")]
        assert len(closed) > 100 and len(opened) > 50
        conn.executemany(
            "DELETE FROM case_events WHERE case_id = ? AND key = 'end'",
            [(i,) for i in rng.sample(closed, len(closed) // 4)],
        )
        conn.executemany(
            "DELETE FROM case_events WHERE case_id = ? AND key = 'start'",
            [(i,) for i in rng.sample(opened, len(opened) // 5)],
        )
        second_days = {
            status: sorted(
                {
                    plain.add_working_days(date.fromisoformat(r[0]), 1)
                    for r in conn.execute(
                        "SELECT planned_start FROM cases c WHERE status = ?"
                        " AND (judgement IS NOT NULL OR status = 'closed') AND NOT EXISTS"
                        " (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.key = 'end')",
                        (status,),
                    )
                }
            )
            for status in ("open", "closed")
        }
    conn.close()
    return second_days["open"], second_days["closed"]


async def _worked_out_again(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every case's rows and every setting's window as they are, and as working every open case and every
    window out again gives (rolled back): the two must be equal."""
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        conn.row_factory = aiosqlite.Row
        calendar = await deadlines.stored_calendar(conn)
        rows = "SELECT * FROM case_deadlines ORDER BY case_id, key"
        now = (
            [tuple(r) for r in await conn.execute_fetchall(rows)],
            [tuple(r) for r in await conn.execute_fetchall(f"{_WINDOW} ORDER BY id")],
        )
        await conn.execute("BEGIN")
        for (case_id,) in await conn.execute_fetchall("SELECT id FROM cases WHERE status = 'open'"):
            await deadlines.refresh(conn, int(case_id), calendar)
        await setting_windows.refresh(conn, "1")
        again = (
            [tuple(r) for r in await conn.execute_fetchall(rows)],
            [tuple(r) for r in await conn.execute_fetchall(f"{_WINDOW} ORDER BY id")],
        )
        await conn.execute("ROLLBACK")
    assert now[0] == again[0]
    assert now[1] == again[1]
    return now


@pytest.mark.parametrize("kept", [deadlines.SHAPES, 7])
async def test_re_dating_for_closures_added_moved_and_taken_away_gives_what_working_all_out_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int
) -> None:
    """With the shapes' caches (and the calendars' answers) kept whole, and cleared every 7 shapes."""
    monkeypatch.setattr(deadlines, "SHAPES", kept)
    path = tmp_path / "world.sqlite3"
    opened, closed = await asyncio.to_thread(_world, path, 7)  # it runs its own loop
    steps = [
        sorted({*opened[::2], *closed}),  # added (from none)
        sorted(set(opened[1::2])),  # moved: those taken away, others added
        sorted({*opened[1::4], *closed}),  # most taken away, some added again
        [],  # none left
    ]
    async with await Database.open(path, clock=clock, calendar=WorkingCalendar()):
        pass
    seen = [await _worked_out_again(path)]
    for closures in steps:
        async with await Database.open(path, clock=clock, calendar=WorkingCalendar(closures)):
            pass
        seen.append(await _worked_out_again(path))
    # What the comparison covered: rows re-dated, windows moved (not all of them) at every step.
    for before, after in pairwise(seen):
        assert before[0] != after[0]
        moved = [a for a, b in zip(before[1], after[1], strict=True) if a != b]
        assert 0 < len(moved) < len(after[1])


async def test_a_closure_after_every_case_s_counting_moves_no_row_and_no_open_case_s_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closure years after the cases' counting: no row moves and no open case is said to move its
    setting's window (the closed cases whose last on-site day the calendar gives still mark theirs)."""
    path = tmp_path / "world.sqlite3"
    await asyncio.to_thread(_world, path, 3)
    async with await Database.open(path, clock=clock, calendar=WorkingCalendar()):
        pass
    before = await _worked_out_again(path)
    marked: list[list[int]] = []
    real = deadlines._windows_stale

    async def spy(conn: aiosqlite.Connection, moved: list[int]) -> None:
        marked.append(list(moved))
        await real(conn, moved)

    monkeypatch.setattr(deadlines, "_windows_stale", spy)
    far = WorkingCalendar().next_working_day(DAY + timedelta(days=4 * 365))
    async with await Database.open(path, clock=clock, calendar=WorkingCalendar([far])):
        pass
    assert marked == [[]]
    assert await _worked_out_again(path) == before


_days = st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 3, 31))


@given(
    start=_days,
    n=st.integers(min_value=-40, max_value=40),
    closures=st.sets(_days, max_size=4),
    other=_days,
    ask=st.sampled_from(["add", "next", "previous", "between", "is"]),
)
def test_a_calendar_differing_outside_the_days_it_was_asked_about_answers_the_same(
    start: date, n: int, closures: set[date], other: date, ask: str
) -> None:
    """`_Watched` answers as the plain calendar does, and a closure added or taken away outside the span
    it kept changes no answer."""
    watched = deadlines._Watched(closures)
    changed = WorkingCalendar(closures ^ {other})
    end = start + timedelta(days=n)
    questions = {
        "add": lambda c: c.add_working_days(start, n),
        "next": lambda c: c.next_working_day(start),
        "previous": lambda c: c.previous_working_day(start),
        "between": lambda c: c.working_days_between(start, end),
        "is": lambda c: c.is_working_day(start),
    }
    watched.watch()
    answer = questions[ask](watched)
    assert answer == questions[ask](WorkingCalendar(closures))
    if not watched.low <= other.toordinal() <= watched.high:
        assert questions[ask](changed) == answer


def _case(kind: str, start: date) -> dict[str, object]:
    """A `cases` row as `refresh_many` reads it: planned start only, not judged, open."""
    return {
        "kind": kind,
        "planned_start": start.isoformat(),
        "planned_end": None,
        "judgement": None,
        "concerns": 0,
        "single_individual": 0,
        "status": "open",
    }


def test_a_case_whose_on_site_days_move_flags_its_setting_s_window_though_no_row_it_reads_moves() -> None:
    """A children's home inspection planned from Monday 2 March 2026, its last on-site day counted in
    working days: a closure on Tuesday moves it (Wednesday to Thursday), and with it a window that counts
    from it, though the case has no row a window reads; a one-day assurance visit is not moved."""
    start, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    moved = [tuesday.toordinal()]
    rows, change = deadlines._shape_change(
        _case("ch-full", start), {}, deadlines._Watched([tuesday]), WorkingCalendar(), moved, True
    )
    assert change.rows and change.window
    assert not {row[0] for row in rows} & deadlines.WINDOW_MILESTONES
    _, same = deadlines._shape_change(
        _case("ch-assurance", start), {}, deadlines._Watched([tuesday]), WorkingCalendar(), moved, True
    )
    assert not same.window


def test_reading_the_closures_themselves_counts_as_asking_about_every_day() -> None:
    watched = deadlines._Watched([date(2026, 12, 8)])
    watched.watch()
    assert watched.closures == frozenset({date(2026, 12, 8)})
    assert watched.low <= date(1, 1, 1).toordinal() and watched.high >= date(9999, 12, 31).toordinal()


async def test_cases_of_the_same_dates_whose_events_differ_are_re_dated_each_by_its_own_events(
    tmp_path: Path,
) -> None:
    """Three children's home inspections planned from Monday 2 March 2026: one with nothing recorded,
    one whose visit began a day late (Tuesday), one whose visit ended on the Tuesday. A closure on
    Wednesday 4 March moves each differently (a shape is its kind, dates and events), and each case's
    rows are then what its own timeline gives."""
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path, clock=Clock()) as db:
        boss = await first_manager(db)
        refs = [(await db.cases.create(boss, "ch-full", f"Home {n}", date(2026, 3, 2))).ref for n in range(3)]
        await db.cases.record_event(boss, refs[1], "start", date(2026, 3, 3))
        await db.cases.record_event(boss, refs[2], "end", date(2026, 3, 3))
        before = [await _rows(db, ref) for ref in refs]
    closed = WorkingCalendar([date(2026, 3, 4)])
    async with await Database.open(path, clock=Clock(), calendar=closed) as db:
        boss = await first_manager(db)
        after = [await _rows(db, ref) for ref in refs]
        for ref, rows in zip(refs, after, strict=True):
            case = await db.cases.get(boss, ref)
            assert rows == compute_timeline(get_kind(case.kind), case_dates(case), closed)
    assert all(a != b for a, b in zip(before, after, strict=True))
    assert len({tuple(rows) for rows in after}) == 3


async def _rows(db: Database, ref: int) -> list[Deadline]:
    async with db.reading() as conn:
        case_id = next(iter(await conn.execute_fetchall("SELECT id FROM cases WHERE ref = ?", (ref,))))[0]
        return await deadlines.stored_deadlines(conn, int(case_id))
