"""Stored deadlines: each case's milestones as `compute_timeline` dates them, one row per milestone.

Written by `refresh` inside the transaction of every change to a case (through `store.derived`), so the
rows always equal what the rules give for the case's current dates; read back as `Deadline`s by
`stored_deadlines`, and queried across cases by `store.lists`. The dates depend on the operator's
closures and on the rules: `Database.open` calls `recalendar`, which works out the open cases again when
the closures or the rules (`rules_fingerprint`) differ from those the rows were written with (a closed
case's rows are worked out again
when it is reopened).
"""

from __future__ import annotations

import gc
import hashlib
import json
from bisect import bisect_left
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Any

import aiosqlite

from store.codec import day_from_text, opt_day, opt_day_text, time_to_text
from store.reads import first_row
from workflows.calendar import WorkingCalendar
from workflows.deadlines import END_OF_DAY, Basis, CaseDates, Deadline, compute_timeline, on_site_days
from workflows.errors import TimelineError
from workflows.kinds import KINDS
from workflows.programme_windows import MILESTONES as WINDOW_MILESTONES_READ
from workflows.rules import END, START, Actor

_COLUMNS_BEFORE_8 = (
    "case_id, key, position, actor, due, due_until, last_day, time, due_at, opens, recorded, recordable,"
    " internal, basis, case_open"
)
_INSERT = f"INSERT INTO case_deadlines ({_COLUMNS_BEFORE_8}, extended) VALUES ({', '.join('?' * 16)})"
#: A row written again in place: every column but its case and key (those last, for the WHERE).
_UPDATE = (
    "UPDATE case_deadlines SET "
    + ", ".join(f"{column} = ?" for column in (*_COLUMNS_BEFORE_8.split(", ")[2:], "extended"))
    + " WHERE case_id = ? AND key = ?"
)
#: Before migration 8 (no `extended` column): migration 5's follow-up writes the rows with this one.
_INSERT_BEFORE_8 = f"INSERT INTO case_deadlines ({_COLUMNS_BEFORE_8}) VALUES ({', '.join('?' * 15)})"
#: Cases worked out per batch when filling or re-dating many cases at once.
BATCH = 2_000
#: Distinct kinds and dates whose rows `refresh_many` keeps while it runs.
SHAPES = 10_000


def due_at_text(last_day: date, at: time | None) -> str:
    """'YYYY-MM-DD HH:MM': the moment a deadline falls due, as text that sorts."""
    return f"{last_day.isoformat()} {(at or END_OF_DAY).strftime('%H:%M')}"


def rows_of(case_id: int, timeline: Sequence[Deadline], case_open: bool) -> list[tuple[Any, ...]]:
    """The table's rows for one case's timeline."""
    return [(case_id, d.key, position, *_row_tail(d, case_open)) for position, d in enumerate(timeline)]


def _row_tail(d: Deadline, case_open: bool) -> tuple[Any, ...]:
    """A deadline's columns after its case, key and position (from `actor` to `extended`)."""
    return (
        d.actor.value,
        d.due.isoformat(),
        opt_day_text(d.due_until),
        d.last_day.isoformat(),
        None if d.time is None else d.time.isoformat(),
        due_at_text(d.last_day, d.time),
        opt_day_text(d.opens),
        opt_day_text(d.recorded),
        int(d.recordable),
        int(d.internal),
        d.basis,
        int(case_open),
        int(d.extended),
    )


def deadline_from_row(kind_id: str, row: aiosqlite.Row | Mapping[str, Any]) -> Deadline:
    """A stored row back as the `Deadline` compute_timeline made (label, rule and source from the kind)."""
    kind = KINDS[kind_id]
    key = row["key"]
    rule = kind.milestone(key)
    if rule is None:
        raise RuntimeError(f"a stored deadline '{key}' is not a milestone of {kind_id}")
    rule_text, source = kind.text_of(key)  # a numbered copy (compliance_visit_2) too
    basis: Basis = "recorded" if row["basis"] == "recorded" else "planned"
    return Deadline(
        key=key,
        label=rule.label,
        due=day_from_text(row["due"]),
        due_until=opt_day(row["due_until"]),
        time=None if row["time"] is None else time.fromisoformat(row["time"]),
        actor=Actor(row["actor"]),
        rule=rule_text,
        source=source,
        recorded=opt_day(row["recorded"]),
        basis=basis,
        notes=rule.notes,
        condition=rule.condition,
        recordable=bool(row["recordable"]),
        internal=bool(row["internal"]),
        opens=opt_day(row["opens"]),
        extended=bool(row["extended"]),
    )


def timeline_of(
    row: aiosqlite.Row | Any, events: dict[str, date], calendar: WorkingCalendar
) -> list[Deadline]:
    """compute_timeline for a `cases` row and its recorded events; none while no on-site day is known
    (a case may be opened before its dates are planned)."""
    dates = CaseDates(
        start=opt_day(row["planned_start"]),
        end=opt_day(row["planned_end"]),
        records=events,
        judgement=row["judgement"],
        concerns=bool(row["concerns"]),
        single_individual=bool(row["single_individual"]),
    )
    if dates.start is None and dates.end is None and START not in events and END not in events:
        return []
    return compute_timeline(KINDS[row["kind"]], dates, calendar)


async def refresh(conn: aiosqlite.Connection, case_id: int, calendar: WorkingCalendar) -> None:
    """Write case `case_id`'s rows again from its current dates (inside the caller's transaction)."""
    row = await first_row(conn, "SELECT * FROM cases WHERE id = ?", (case_id,))
    if row is None:
        raise RuntimeError(f"case id {case_id} vanished inside its own transaction")
    events = {
        r[0]: day_from_text(r[1])
        for r in await conn.execute_fetchall("SELECT key, day FROM case_events WHERE case_id = ?", (case_id,))
    }
    rows = rows_of(case_id, timeline_of(row, events, calendar), row["status"] == "open")
    await conn.execute("DELETE FROM case_deadlines WHERE case_id = ?", (case_id,))
    await conn.executemany(_INSERT, rows)


async def refresh_many(
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
    """Work out again the rows of every case matching `where` (SQL over `cases`), in batches of BATCH
    cases read with two queries each; inside the caller's transaction. With `changed_only`, the stored
    rows are read too and only the cases whose rows differ are written (a new closure moves some cases'
    dates, not all of them). Each distinct set of dates is worked out once (`compute_timeline` is pure:
    many cases share their kind and dates). Returns how many cases were written; their ids are added to
    `written` when given (`recalendar` keeps them for the re-planning of their reminders).
    With `changed_only` and `dated_with`, the calendar the stored rows were worked out with under the
    same rules, the stored rows are not read: they are what the rules give with that calendar (every
    change writes them so), so each shape's rows are worked out with both calendars and compared (with
    the old one only when the new one was asked about a day whose closure changed: `_Watched`); only the
    changed columns of the changed rows are written, and the ids of the cases whose setting's window may
    move (`_ShapeChange.window`) are added to `windows_moved` when given."""
    done = 0
    last_id = 0
    args = list(params)
    timelines: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    texts: dict[tuple[Any, ...], str | None] = {}  # with `changed_only`: `_rows_text` of each shape's rows
    changes: dict[tuple[Any, ...], _ShapeChange] = {}  # with `dated_with`: each shape's change from it
    # With `dated_with`: the new calendar watched (`_shape_change`), both remembering their answers.
    watched = None if dated_with is None else _Watched(calendar.closures)
    if dated_with is not None:
        dated_with = _Remembering(dated_with.closures)
    moved_days = (
        []
        if dated_with is None
        else sorted(day.toordinal() for day in calendar.closures ^ dated_with.closures)
    )
    # Migration 5's follow-up runs before migration 8 added these columns: it writes what they default to.
    current = await _has_column(conn, "cases", "single_individual")
    single = "single_individual" if current else "0 AS single_individual"
    insert = _INSERT if current else _INSERT_BEFORE_8
    while True:
        # NOT INDEXED: by rowid from the last batch on; with `cases_status` SQLite sorted every open case
        # after it again for each batch (quadratic: 0.55 s at 100,000 cases, 11 ms a batch).
        cases = list(
            await conn.execute_fetchall(
                f"SELECT id, kind, planned_start, planned_end, judgement, concerns, {single}, status"
                f" FROM cases NOT INDEXED"
                f" WHERE id > ? AND ({where}) ORDER BY id LIMIT {BATCH}",
                (last_id, *args),
            )
        )
        if not cases:
            return done
        first, last_id = cases[0]["id"], cases[-1]["id"]
        # Each case's events as (key, day text): made into dates only for a shape not yet worked out.
        events: dict[int, list[tuple[str, str]]] = {}
        for case_id, key, day in await conn.execute_fetchall(
            "SELECT case_id, key, day FROM case_events WHERE case_id BETWEEN ? AND ?", (first, last_id)
        ):
            events.setdefault(case_id, []).append((key, day))
        shapes: dict[int, tuple[Any, ...]] = {}
        # This batch's shapes' rows and changes (kept if the caches are cleared mid-batch).
        mine: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        mine_changes: dict[tuple[Any, ...], _ShapeChange] = {}
        for case in cases:
            pairs = events.get(case["id"], [])
            shape = (*tuple(case)[1:], *sorted(pairs))  # all but the id: kind, dates, status, events
            if shape not in timelines:
                known = {key: day_from_text(day) for key, day in pairs}
                if len(timelines) >= SHAPES:
                    timelines.clear()  # bounded memory: a programme's cases come in start order
                    texts.clear()
                    changes.clear()
                    for remembering in (watched, dated_with):
                        if isinstance(remembering, _Remembering):
                            remembering.forget()
                if watched is None or dated_with is None:
                    timelines[shape] = _shape_rows(case, known, calendar, current)
                else:
                    timelines[shape], changes[shape] = _shape_change(
                        case, known, watched, dated_with, moved_days, current
                    )
            mine[shape] = timelines[shape]
            if dated_with is not None:
                mine_changes[shape] = changes[shape]
            shapes[case["id"]] = shape
        # A case's rows are made only if it is written (with `changed_only`, a third of the cases).
        wanted = _Wanted(mine, shapes)
        if changed_only and dated_with is not None:
            # Each shape's rows as stored (under `dated_with`) against its rows now: no stored row read.
            # A changed row has only its changed columns written (one statement for each set of them).
            by_columns: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
            rewritten: dict[int, tuple[Any, ...]] = {}
            for case_id, shape in shapes.items():
                change = mine_changes[shape]
                if change.window and windows_moved is not None:
                    windows_moved.append(case_id)
                if change.rows is None:
                    rewritten[case_id] = shape  # milestones came or went: all its rows written
                    continue
                if not change.rows:
                    continue
                for indexes, values, key in change.rows:
                    by_columns.setdefault(indexes, []).append((*values, case_id, key))
                done += 1
                if written is not None:
                    written.append(case_id)
            for indexes, rows in by_columns.items():
                await conn.executemany(_update_of(indexes), rows)
            wanted = _Wanted(mine, rewritten)
            await conn.executemany(
                "DELETE FROM case_deadlines WHERE case_id = ?", [(i,) for i in wanted.shapes]
            )
        elif changed_only:
            # Each case's stored rows as one text (SQLite writes it), compared with its shape's wanted
            # rows as the same text (worked out once a shape): no tuple per stored row and column.
            columns = _COLUMNS_BEFORE_8.split(", ")[1:] + (["extended"] if current else [])
            row_text = " || char(31) || ".join(f"ifnull({column}, '~')" for column in columns)
            stored = {
                int(r[0]): str(r[1])
                for r in await conn.execute_fetchall(
                    f"SELECT case_id, group_concat({row_text}, char(30)) FROM (SELECT * FROM case_deadlines"
                    " WHERE case_id BETWEEN ? AND ? ORDER BY case_id, position) GROUP BY case_id",
                    (first, last_id),
                )
            }
            for shape in mine.keys() - texts.keys():
                texts[shape] = _rows_text(mine[shape])
            wanted = _Wanted(
                mine,
                {case_id: shape for case_id, shape in shapes.items() if stored.get(case_id) != texts[shape]},
            )
            # A case whose milestones are the same, in the same order, has only its changed rows written
            # again (a closure moves some of a case's dates, not all); any other, all of them.
            updates: list[tuple[Any, ...]] = []
            for case_id in list(wanted.shapes):
                text, new = stored.get(case_id), texts[shapes[case_id]]
                if not current or text is None or new is None:
                    continue
                was, will = text.split("\x1e"), new.split("\x1e")
                if len(was) != len(will) or any(
                    a.split("\x1f", 2)[:2] != b.split("\x1f", 2)[:2] for a, b in zip(was, will, strict=True)
                ):
                    continue
                rows = wanted.rows(case_id)
                updates += [(*row[2:], *row[:2]) for row, a, b in zip(rows, was, will, strict=True) if a != b]
                done += 1
                if written is not None:
                    written.append(case_id)
                del wanted.shapes[case_id]
            await conn.executemany(_UPDATE, updates)
            await conn.executemany(
                "DELETE FROM case_deadlines WHERE case_id = ?", [(i,) for i in wanted.shapes]
            )
        else:
            await conn.execute(
                f"DELETE FROM case_deadlines WHERE case_id IN (SELECT id FROM cases WHERE id BETWEEN ? AND ?"
                f" AND ({where}))",
                (first, last_id, *args),
            )
        await conn.executemany(insert, [row for case_id in wanted.shapes for row in wanted.rows(case_id)])
        done += len(wanted.shapes)
        if written is not None:
            written += wanted.shapes.keys() if changed_only else [int(case["id"]) for case in cases]


def _shape_rows(
    case: Any, known: dict[str, date], calendar: WorkingCalendar, current: bool
) -> list[tuple[Any, ...]]:
    """The rows (but their case id) of a case of this kind, dates and status under `calendar`; without
    the `extended` column before migration 8."""
    rows = [row[1:] for row in rows_of(0, timeline_of(case, known, calendar), case["status"] == "open")]
    return rows if current else [row[:-1] for row in rows]


#: The table's columns in a row as `rows_of` makes it, but its case id (the first).
_ROW_COLUMNS = (*_COLUMNS_BEFORE_8.split(", ")[1:], "extended")
#: The milestones whose dates a setting's next-inspection window reads.
WINDOW_MILESTONES = frozenset(WINDOW_MILESTONES_READ)


@dataclass(frozen=True)
class _ShapeChange:
    """How a shape's rows differ from those it had under the calendar the stored rows were dated with.

    `rows`: for each changed row (its dates, or its place in the timeline), the indexes in `_ROW_COLUMNS`
    of its changed columns, their new values and its key (empty when none changed); None when milestones
    came or went (the case's rows are all written again). `window`: the case's setting's next-inspection
    window may move (its on-site days moved, or the dates of a milestone the window reads)."""

    rows: list[tuple[tuple[int, ...], tuple[Any, ...], str]] | None
    window: bool


_SAME = _ShapeChange([], False)


class _Remembering(WorkingCalendar):
    """A calendar that remembers its answers to `add_working_days` and `next_working_day` (the questions
    a timeline asks), for the many shapes of case re-dated together that ask the same ones."""

    def __init__(self, closures: Iterable[date] = ()) -> None:
        super().__init__(closures)
        self._added: dict[tuple[date, int], date] = {}
        self._next: dict[date, date] = {}

    def forget(self) -> None:
        """Its answers forgotten (bounded memory, with the shapes' caches)."""
        self._added.clear()
        self._next.clear()

    def add_working_days(self, day: date, n: int) -> date:
        found = self._added.get((day, n))
        if found is None:
            found = self._added[day, n] = super().add_working_days(day, n)
        return found

    def next_working_day(self, day: date) -> date:
        found = self._next.get(day)
        if found is None:
            found = self._next[day] = super().next_working_day(day)
        return found


class _Watched(_Remembering):
    """A calendar that keeps the span of days it was asked about since `watch`: an answer depends only on
    whether the days between the day asked from and the day answered are working days, so a calendar
    whose closures differ only outside that span (the bank holidays are the same) answers every
    question the same, and a pure computation (`compute_timeline`) gives the same result with it."""

    def watch(self) -> None:
        self.low, self.high = 10**9, 0

    @property
    def closures(self) -> frozenset[date]:
        """The closures themselves: whoever reads them may depend on any day, so every day is kept."""
        self.low, self.high = 0, 10**9
        return super().closures

    def _saw(self, one: date, other: date) -> None:
        low, high = one.toordinal(), other.toordinal()
        if low > high:
            low, high = high, low
        if low < self.low:
            self.low = low
        if high > self.high:
            self.high = high

    def is_working_day(self, day: date) -> bool:
        self._saw(day, day)
        return super().is_working_day(day)

    def next_working_day(self, day: date) -> date:
        found = super().next_working_day(day)
        self._saw(day, found)
        return found

    def previous_working_day(self, day: date) -> date:
        found = super().previous_working_day(day)
        self._saw(day, found)
        return found

    def add_working_days(self, day: date, n: int) -> date:
        found = super().add_working_days(day, n)
        self._saw(day, found)
        return found

    def working_days_between(self, start: date, end: date) -> int:
        self._saw(start, end)
        return super().working_days_between(start, end)


def _shape_change(
    case: Any,
    known: dict[str, date],
    calendar: _Watched,
    dated_with: WorkingCalendar,
    moved_days: list[int],
    current: bool,
) -> tuple[list[tuple[Any, ...]], _ShapeChange]:
    """How a shape's rows under `calendar` differ from its rows under `dated_with`, the two differing on
    `moved_days` (ordinals, sorted), and its rows when its cases are all written again (else none made).
    Worked out with `dated_with` too only when `calendar` was asked about one of those days: else the
    rows, and the on-site days, are the same. The two timelines are compared deadline by deadline, and
    only a changed deadline is made into its row under each."""
    calendar.watch()
    timeline = timeline_of(case, known, calendar)
    at = bisect_left(moved_days, calendar.low)
    if at == len(moved_days) or moved_days[at] > calendar.high:
        return [], _SAME
    old = timeline_of(case, known, dated_with)
    window = _on_site(case, known, calendar) != _on_site(case, known, dated_with) or _window_dates(
        old
    ) != _window_dates(timeline)
    if timeline == old:
        return [], _ShapeChange([], window)
    case_open = case["status"] == "open"
    was = {d.key: (position, d) for position, d in enumerate(old)}
    if not current or was.keys() != {d.key for d in timeline}:
        rows = [row[1:] for row in rows_of(0, timeline, case_open)]
        return (rows if current else [row[:-1] for row in rows]), _ShapeChange(None, window)
    # The same milestones (perhaps in another order): each changed one has its changed columns written.
    changed: list[tuple[tuple[int, ...], tuple[Any, ...], str]] = []
    for position, d in enumerate(timeline):
        old_position, old_d = was[d.key]
        if position != old_position or old_d != d:
            a = (d.key, old_position, *_row_tail(old_d, case_open))
            b = (d.key, position, *_row_tail(d, case_open))
            columns = tuple(i for i in range(1, len(b)) if a[i] != b[i])
            if columns:
                changed.append((columns, tuple(b[i] for i in columns), d.key))
    return [], _ShapeChange(changed, window)


def _window_dates(timeline: Sequence[Deadline]) -> dict[str, tuple[date, date | None]]:
    """What a setting's next-inspection window reads of a case's rows: the due dates (and window ends) of
    WINDOW_MILESTONES (store.setting_windows.refresh)."""
    return {d.key: (d.due, d.due_until) for d in timeline if d.key in WINDOW_MILESTONES}


def _on_site(case: Any, known: dict[str, date], calendar: WorkingCalendar) -> tuple[date, date] | None:
    """A case's on-site days as a setting's window counts them (store.setting_windows._on_site, before it
    asks whether the case was an inspection), else None."""
    if case["kind"] not in KINDS:
        return None
    dates = CaseDates(opt_day(case["planned_start"]), opt_day(case["planned_end"]), known)
    try:
        return on_site_days(KINDS[case["kind"]], dates, calendar)
    except TimelineError:
        return None


@cache
def _update_of(columns: tuple[int, ...]) -> str:
    """The statement writing these columns (indexes in `_ROW_COLUMNS`) of a row again, by case and key:
    columns left out are left alone, and an index none of them is in is not touched."""
    assignments = ", ".join(f"{_ROW_COLUMNS[i]} = ?" for i in columns)
    return f"UPDATE case_deadlines SET {assignments} WHERE case_id = ? AND key = ?"


@dataclass
class _Wanted:
    """The cases `refresh_many` writes, each by its shape; its rows (case id first) made on demand."""

    timelines: dict[tuple[Any, ...], list[tuple[Any, ...]]]
    shapes: dict[int, tuple[Any, ...]]

    def rows(self, case_id: int) -> list[tuple[Any, ...]]:
        return [(case_id, *row) for row in self.timelines[self.shapes[case_id]]]


def _rows_text(rows: list[tuple[Any, ...]]) -> str | None:
    """A case's rows (but their case id) as `refresh_many` reads them back from SQLite: each row's values
    as text, NULL as '~', apart by char(31), the rows apart by char(30); None for no rows (a case without
    rows has no stored text). A stored row whose text differs (the order of a group, say) is only
    written again."""
    if not rows:
        return None
    return "\x1e".join("\x1f".join("~" if v is None else str(v) for v in row) for row in rows)


async def _has_column(conn: aiosqlite.Connection, table: str, column: str) -> bool:
    """Whether `table` has `column` yet (a follow-up of an earlier migration runs before later ones)."""
    return any(row[1] == column for row in await conn.execute_fetchall(f"PRAGMA table_info({table})"))


async def fill(conn: aiosqlite.Connection) -> int:
    """Migration 5's follow-up: the rows of every case stored before it (plain bank-holiday calendar;
    `recalendar` applies the operator's closures at the bot's start)."""
    count = await refresh_many(conn, "1", (), WorkingCalendar())
    await conn.execute(
        "UPDATE deadline_calendar SET closures = '', rules = ? WHERE id = 1", (rules_fingerprint(),)
    )
    return count


def closures_text(calendar: WorkingCalendar) -> str:
    return ",".join(day.isoformat() for day in sorted(calendar.closures))


def rules_fingerprint() -> str:
    """Changes when any kind's rules change (a new version of workflows/kinds.py)."""
    return hashlib.sha256(repr(sorted(KINDS.items())).encode()).hexdigest()[:16]


async def stored_calendar(conn: aiosqlite.Connection) -> WorkingCalendar:
    """The calendar of the closures the stored deadlines were last worked out with."""
    rows = list(await conn.execute_fetchall("SELECT closures FROM deadline_calendar WHERE id = 1"))
    text = str(rows[0][0]) if rows else ""
    return WorkingCalendar(date.fromisoformat(part) for part in text.split(",") if part)


#: The page cache (KiB) while re-dating or re-planning many cases: the transaction rewrites rows all
#: over the tables and their indexes, which SQLite's default of 2 MB keeps reading again and spilling to
#: the log mid-transaction.
CACHE_KIB = 256 * 1024


@asynccontextmanager
async def large_cache(conn: aiosqlite.Connection) -> AsyncIterator[None]:
    """CACHE_KIB of page cache on `conn` while the block runs, then its own size again."""
    row = await first_row(conn, "PRAGMA cache_size")
    before = -2000 if row is None else int(row[0])
    await conn.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
    try:
        yield
    finally:
        await conn.execute(f"PRAGMA cache_size = {before}")


@contextmanager
def no_collection() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the block runs (then as it was): re-dating or
    re-planning 100,000 cases makes millions of short-lived tuples and keeps large caches, and each
    full collection walks them all, for nothing (nothing they make is cyclic)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: Where `recalendar` keeps the ids of the cases it re-dated (kv_state, a JSON array), until
#: `store.replan` has reconciled them: it then needs no search for the cases whose deadlines moved.
REDATED = ("reminders", "redated")
#: Where `store.replan` keeps the settings the waiting reminders were planned with (kv_state).
PLANNED_WITH = ("reminders", "planned_with")


async def redated(conn: aiosqlite.Connection) -> list[int] | None:
    """The cases re-dated since their reminders were last re-planned, in id order; None when not kept (a
    database re-dated before they were kept)."""
    row = await first_row(conn, "SELECT value FROM kv_state WHERE namespace = ? AND key = ?", REDATED)
    return None if row is None else sorted(int(i) for i in json.loads(row[0]))


async def _keeps_redated(conn: aiosqlite.Connection, dated_with: Any) -> bool:
    """Whether the cases re-dated now, with those kept, are all whose rows moved since the reminders were
    planned: some are kept already, or the reminders were planned with the closures and rules the rows
    were dated with until now. Else (a re-dating before they were kept, not yet re-planned) none are
    kept, and `store.replan` searches for them."""
    if await redated(conn) is not None:
        return True
    row = await first_row(conn, "SELECT value FROM kv_state WHERE namespace = ? AND key = ?", PLANNED_WITH)
    if row is None or dated_with is None:
        return row is None  # nothing planned yet: `store.replan` records the settings, moving nothing
    planned = json.loads(row[0])
    return (planned.get("closures"), planned.get("rules")) == (dated_with[0], dated_with[1])


async def _windows_stale(conn: aiosqlite.Connection, moved: list[int]) -> None:
    """After new closures (same rules): mark stale the next-inspection windows that may move, those of
    the settings of the open cases in `moved` (`refresh_many`'s `windows_moved`) and of the closed cases
    whose on-site days the calendar gives (a first or last day neither recorded nor planned). A window
    reads the calendar only through its cases' on-site days and the stored rows of WINDOW_MILESTONES (a
    closed case's are not re-dated), so every other window is what working it out again would give
    (store.setting_windows.window_of). At 100,000 open cases, a closure on the next working day: 4,151
    of 33,333 settings marked (45 windows moved), where all were worked out again before."""
    await conn.execute(
        "UPDATE settings SET window_stale = 1 WHERE window_stale = 0 AND id IN ("
        " SELECT setting_id FROM cases WHERE id IN (SELECT value FROM json_each(?))"
        " UNION SELECT setting_id FROM cases c WHERE status != 'open' AND ("
        "  (planned_start IS NULL AND NOT EXISTS"
        "   (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.key = ?))"
        "  OR (planned_end IS NULL AND NOT EXISTS"
        "   (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.key = ?))))",
        (json.dumps(moved), START, END),
    )


async def recalendar(conn: aiosqlite.Connection, calendar: WorkingCalendar, now: datetime) -> int:
    """If the stored rows were worked out with other closures or other rules, work out the open cases'
    rows again with these (one transaction); returns how many cases were re-dated. Their ids join those
    kept in REDATED (a start whose re-planning did not run leaves its own there)."""
    wanted = (closures_text(calendar), rules_fingerprint())
    rows = list(await conn.execute_fetchall("SELECT closures, rules FROM deadline_calendar WHERE id = 1"))
    if rows and (rows[0][0], rows[0][1]) == wanted:
        return 0
    await conn.execute("BEGIN IMMEDIATE")
    try:
        async with large_cache(conn):
            with no_collection():
                written: list[int] = []
                windows_moved: list[int] = []
                # Under the same rules, the stored rows are what the closures they were dated with give.
                same_rules = bool(rows) and rows[0][1] == wanted[1]
                count = await refresh_many(
                    conn,
                    "status = 'open'",
                    (),
                    calendar,
                    changed_only=True,
                    written=written,
                    dated_with=await stored_calendar(conn) if same_rules else None,
                    windows_moved=windows_moved,
                )
                if await _keeps_redated(conn, rows[0] if rows else None):
                    was = await redated(conn)
                    await conn.execute(
                        "INSERT INTO kv_state (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (namespace, key)"
                        " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                        (*REDATED, json.dumps(sorted({*written, *(was or ())})), time_to_text(now)),
                    )
        if await _has_column(conn, "settings", "window_stale"):  # the programme's windows read these rows
            if same_rules:
                await _windows_stale(conn, windows_moved)
            else:
                await conn.execute("UPDATE settings SET window_stale = 1 WHERE window_stale = 0")
        await conn.execute(
            "INSERT INTO deadline_calendar (id, closures, rules) VALUES (1, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET closures = excluded.closures, rules = excluded.rules",
            wanted,
        )
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")
    return count


async def stored_deadlines(conn: aiosqlite.Connection, case_id: int) -> list[Deadline]:
    """Case `case_id`'s stored deadlines in timeline order (unchecked: the caller has checked access)."""
    return [
        deadline_from_row(r["kind"], r)
        for r in await conn.execute_fetchall(
            "SELECT c.kind, d.* FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
            " WHERE d.case_id = ? ORDER BY d.position",
            (case_id,),
        )
    ]
