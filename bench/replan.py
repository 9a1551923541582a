"""`python -m bench replan`: re-planning the waiting reminders at start (store.replan, issue 24).

A database of 100,000 open cases (bench/_world.py, their starts spread over the 60 days around today so
nearly all are open), migrated and with every open case's reminders planned at 09:00 as the store plans
them (store.outbox.reconcile, case by case: the anchor, what re-planning by reconciling every case would
cost). Then, in the bot's process as at its start:

- `replan.hour_s`: INSPECTBOT_REMIND_AT changed to 11:30: every waiting reminder and digest moved in one
  transaction. Target: under 30 s.
- `replan.closure_s`: a closure added on the next working day (the open cases re-dated first, as at the
  bot's start: `replan.recalendar_s`), then the reminders re-planned: the cases whose deadlines moved are
  reconciled in full, the others moved in bulk.

Run it once: it writes a database of a few GB in a temporary folder and takes several minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

from bench._world import build
from store import outbox, replan
from store.database import Database
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON
from workflows.reminders import Hours

TARGET_S = 30.0


async def _plan_all(db: Database) -> tuple[float, int]:
    """Every open case reconciled at 09:00 (the anchor); returns (seconds, cases)."""
    outbox.configure(outbox.ReminderConfig(Hours(LONDON), db.calendar))
    async with db.reading() as conn:
        ids = [int(r[0]) for r in await conn.execute_fetchall("SELECT id FROM cases WHERE status = 'open'")]
    began = time.perf_counter()
    for first in range(0, len(ids), 2_000):
        async with db.transaction(counted=False) as conn:
            for case_id in ids[first : first + 2_000]:
                await outbox.reconcile_case(conn, case_id, db.now())
    assert await replan.replan(db) is None  # records the settings they were planned with
    return time.perf_counter() - began, len(ids)


async def _waiting(db: Database) -> int:
    async with db.reading() as conn:
        rows = await conn.execute_fetchall(
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND kind IN ('remind', 'digest')"
        )
    return int(list(rows)[0][0])


async def _measure(path: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    began = time.perf_counter()
    async with await Database.open(path, calendar=WorkingCalendar()) as db:
        figures["migrate_s"] = time.perf_counter() - began
        figures["plan_all_s"], cases = await _plan_all(db)
        figures["open_cases"] = cases
        figures["waiting_rows"] = await _waiting(db)
        outbox.configure(outbox.ReminderConfig(Hours(LONDON, clock_time(11, 30)), db.calendar))
        began = time.perf_counter()
        done = await replan.replan(db)
        figures["hour_s"] = time.perf_counter() - began
        assert done is not None
        figures["hour_moved"] = done.moved
        figures["hour_cancelled"] = done.cancelled
        today = db.now().astimezone(LONDON).date()
    closed = WorkingCalendar([WorkingCalendar().next_working_day(today + timedelta(days=1))])
    began = time.perf_counter()
    async with await Database.open(path, calendar=closed) as db:
        figures["recalendar_s"] = time.perf_counter() - began
        outbox.configure(outbox.ReminderConfig(Hours(LONDON, clock_time(11, 30)), closed))
        began = time.perf_counter()
        done = await replan.replan(db)
        figures["closure_s"] = time.perf_counter() - began
        assert done is not None
        figures["closure_moved"] = done.moved
        figures["closure_cases"] = done.cases
    return figures


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench replan")
    parser.add_argument("--cases", type=int, default=100_000, help="cases written (nearly all open)")
    parser.add_argument("--span-days", type=int, default=60, help="days their starts are spread over")
    options = parser.parse_args(args)
    with tempfile.TemporaryDirectory(prefix="bench-replan-") as folder:
        path = Path(folder) / "inspectbot.sqlite3"
        began = time.perf_counter()
        world = build(path, options.cases, span_days=options.span_days)
        print(
            f"replan: {world.cases:,} cases ({world.open_cases:,} open) written in {time.perf_counter() - began:.1f}s"
        )
        figures = asyncio.run(_measure(path))
    per_case_ms = 1000 * figures["plan_all_s"] / max(1, figures["open_cases"])
    print(f"replan.migrate_s: {figures['migrate_s']:.1f} s")
    print(
        f"replan.plan_all_s: {figures['plan_all_s']:.1f} s ({figures['open_cases']:,.0f} open cases reconciled"
        f" one by one, {per_case_ms:.2f} ms a case: the anchor), {figures['waiting_rows']:,.0f} waiting rows"
    )
    print(
        f"replan.hour_s: {figures['hour_s']:.2f} s ({figures['hour_s'] / figures['plan_all_s']:.2f}x the anchor;"
        f" {figures['hour_moved']:,.0f} moved, {figures['hour_cancelled']:,.0f} no longer wanted)"
    )
    print(f"replan.recalendar_s: {figures['recalendar_s']:.1f} s (the open cases re-dated for the closure)")
    print(
        f"replan.closure_s: {figures['closure_s']:.2f} s ({figures['closure_cases']:,.0f} cases reconciled in"
        f" full, {figures['closure_moved']:,.0f} rows moved in bulk)"
    )
    met = figures["hour_s"] < TARGET_S
    print(
        f"replan: {figures['open_cases']:,.0f} open cases re-planned in {figures['hour_s']:.1f} s (target {TARGET_S:.0f} s): {'met' if met else 'NOT met'}"
    )
    return 0
