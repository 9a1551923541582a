"""Each setting's next-inspection window, kept on its row and refreshed with every change to its cases.

The window is worked out by `workflows.programme_windows.next_window` from the setting's kind and
registration date and the inspections its cases record, reading the latest case's stored milestones
(`case_deadlines`) where the timeline already dates the same thing. Storing it makes the programme one
indexed query over `settings` (issue 22: under 200 ms for 20,000 settings). Rows marked stale (after
migration 11, or after the rules changed) are worked out again, in batches, before the programme is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import aiosqlite

from store.codec import day_from_text, opt_day
from store.deadlines import stored_calendar
from store.models import CloseReason
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, on_site_days
from workflows.errors import TimelineError
from workflows.kinds import KINDS, MANAGER_LEFT
from workflows.programme_windows import (
    MILESTONES,
    Inspection,
    SettingKind,
    Window,
    next_window,
    setting_kind_of,
)
from workflows.rules import END, START

#: Settings worked out per round of queries when many are stale.
BATCH = 500
#: A case closed as a mistake or withdrawn was no inspection.
NOT_INSPECTED = (CloseReason.MISTAKE, CloseReason.WITHDRAWN)


def was_inspection(judgement: str | None, ended: bool, close_reason: str | None) -> bool:
    """Whether a case was an inspection that happened (issue 22): judged, its visit's end recorded, or
    closed as completed; never one closed as a mistake or withdrawn. A case only planned is not."""
    if close_reason in NOT_INSPECTED:
        return False
    return judgement is not None or ended or close_reason == CloseReason.COMPLETED


def _on_site(
    case: aiosqlite.Row, events: dict[str, date], calendar: WorkingCalendar
) -> tuple[date, date] | None:
    """The first and last on-site days of a case that was an inspection (`was_inspection`), as its
    timeline counts them, else None: a planned or cancelled case is not part of the history."""
    if case["kind"] not in KINDS or not was_inspection(
        case["judgement"], END in events, case["close_reason"]
    ):
        return None
    dates = CaseDates(opt_day(case["planned_start"]), opt_day(case["planned_end"]), events)
    try:
        return on_site_days(KINDS[case["kind"]], dates, calendar)
    except TimelineError:  # no day known at all: nothing to count from (the case shows the same)
        return None


def window_of(
    kind: SettingKind | None,
    registered: date | None,
    cases: Sequence[aiosqlite.Row],
    events: dict[int, dict[str, date]],
    milestones: dict[int, dict[str, tuple[date, date | None]]],
    calendar: WorkingCalendar,
) -> tuple[SettingKind | None, Window | None, int | None]:
    """A setting's kind (given, else shown by its cases), next window and latest case that was an
    inspection (its id; None when none was), from its rows (cases by id)."""
    inspections: list[Inspection] = []
    manager_left: date | None = None
    inspected: int | None = None
    for case in cases:
        case_events = events.get(case["id"], {})
        manager_left = case_events.get(MANAGER_LEFT.key, manager_left)
        days = _on_site(case, case_events, calendar)
        if days is None:
            continue
        inspected = case["id"]
        inspections.append(
            Inspection(case["kind"], days[0], days[1], case["judgement"], milestones.get(case["id"], {}))
        )
    found_kind = kind or setting_kind_of([case["kind"] for case in cases])
    if found_kind is None:
        return None, None, inspected
    return found_kind, next_window(found_kind, registered, inspections, manager_left), inspected


async def refresh(conn: aiosqlite.Connection, where: str, params: Sequence[Any] = ()) -> int:
    """Work out again the window of every setting matching `where` (SQL over `settings`), inside the
    caller's transaction; returns how many."""
    done, last_id = 0, 0
    calendar = await stored_calendar(conn)
    while True:
        settings = list(
            await conn.execute_fetchall(
                f"SELECT id, kind, registered FROM settings"
                f" WHERE id > ? AND ({where}) ORDER BY id LIMIT {BATCH}",
                (last_id, *params),
            )
        )
        if not settings:
            return done
        ids = [row["id"] for row in settings]
        last_id = ids[-1]
        marks = ",".join("?" * len(ids))
        by_setting: dict[int, list[aiosqlite.Row]] = {}
        for case in await conn.execute_fetchall(
            f"SELECT id, setting_id, kind, planned_start, planned_end, judgement, close_reason FROM cases"
            f" WHERE setting_id IN ({marks}) ORDER BY id",
            ids,
        ):
            by_setting.setdefault(case["setting_id"], []).append(case)
        case_ids = [case["id"] for cases in by_setting.values() for case in cases]
        events: dict[int, dict[str, date]] = {}
        milestones: dict[int, dict[str, tuple[date, date | None]]] = {}
        for start in range(0, len(case_ids), BATCH):
            chunk = case_ids[start : start + BATCH]
            case_marks = ",".join("?" * len(chunk))
            for case_id, key, day in await conn.execute_fetchall(
                f"SELECT case_id, key, day FROM case_events WHERE case_id IN ({case_marks})"
                f" AND key IN (?, ?, ?)",
                (*chunk, START, END, MANAGER_LEFT.key),
            ):
                events.setdefault(case_id, {})[key] = day_from_text(day)
            keys = ",".join("?" * len(MILESTONES))
            for case_id, key, due, until in await conn.execute_fetchall(
                f"SELECT case_id, key, due, due_until FROM case_deadlines WHERE case_id IN ({case_marks})"
                f" AND key IN ({keys})",
                (*chunk, *MILESTONES),
            ):
                milestones.setdefault(case_id, {})[key] = (day_from_text(due), opt_day(until))
        updates: list[tuple[Any, ...]] = []
        for setting in settings:
            given = None if setting["kind"] is None else SettingKind(setting["kind"])
            _, window, inspected = window_of(
                given,
                opt_day(setting["registered"]),
                by_setting.get(setting["id"], []),
                events,
                milestones,
                calendar,
            )
            updates.append(
                (None, None, None, None, inspected, setting["id"])
                if window is None
                else (
                    window.kind,
                    window.due_from.isoformat(),
                    window.due_by.isoformat(),
                    window.rule.key,
                    inspected,
                    setting["id"],
                )
            )
        await conn.executemany(
            "UPDATE settings SET next_kind = ?, due_from = ?, due_by = ?, due_rule = ?,"
            " inspected_case_id = ?, window_stale = 0 WHERE id = ?",
            updates,
        )
        done += len(settings)


async def setting_changed(conn: aiosqlite.Connection, setting_id: int) -> None:
    """Work out setting `setting_id`'s window again, inside the caller's transaction."""
    await refresh(conn, "id = ?", (setting_id,))


async def case_changed(conn: aiosqlite.Connection, case_id: int) -> None:
    """Work out again the window of the setting of case `case_id` (after its deadlines were refreshed)."""
    rows = list(await conn.execute_fetchall("SELECT setting_id FROM cases WHERE id = ?", (case_id,)))
    if rows:
        await setting_changed(conn, rows[0][0])


async def mark_all_stale(conn: aiosqlite.Connection) -> None:
    """After the rules changed: every window is worked out again before the programme is next read."""
    await conn.execute("UPDATE settings SET window_stale = 1 WHERE window_stale = 0")


async def refresh_stale(conn: aiosqlite.Connection) -> int:
    """Work out every stale window (inside the caller's transaction); returns how many."""
    return await refresh(conn, "window_stale = 1")


async def refresh_stale_at_open(conn: aiosqlite.Connection) -> int:
    """At open, after migration 11 or a change of rules: work out the stale windows in one transaction, so
    the first /programme is as fast as the next. Returns how many (an indexed probe when none is)."""
    stale = list(await conn.execute_fetchall("SELECT id FROM settings WHERE window_stale = 1 LIMIT 1"))
    if not stale:
        return 0
    await conn.execute("BEGIN IMMEDIATE")
    try:
        count = await refresh_stale(conn)
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")
    return count
