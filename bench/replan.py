"""`python -m bench replan`: re-planning the waiting reminders at start (store.replan, issue 24).

A database of 100,000 open cases (bench/_world.py, their starts spread over the 60 days around today so
nearly all are open), migrated and with every open case's reminders planned at 09:00 as the store plans
them (store.outbox.reconcile, case by case: the anchor, what re-planning by reconciling every case would
cost). Then, in the bot's process as at its start:

- `replan.hour_s`: INSPECTBOT_REMIND_AT changed to 11:30: every waiting reminder and digest moved in one
  transaction. Target: under 30 s.
- `replan.zone_s`: then INSPECTBOT_TZ changed (London to Paris, the hour kept): every row moved again, to
  11:30 in Paris. Target: under 30 s.
- `replan.closure_s`: a closure added on the next working day (the open cases re-dated first, as at the
  bot's start: `replan.recalendar_s`, writing only the cases whose dates changed), then the reminders
  re-planned: the cases whose deadlines moved are reconciled in full in batches
  (`store.outbox.reconcile_many`), the others' rows moved in bulk. Target for the two together (the
  start-up path of a closure change): under 30 s.

Each figure is printed with the load average when it was taken (the machine is shared), the CPU seconds
it took (the bot's process, its database thread included: less sensitive to the load than the wall time)
and its ratio to the hour change of the same run.

Run it once: it writes a database of a few GB in a temporary folder and takes several minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench._world import build
from store import outbox, replan
from store.database import Database
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON
from workflows.reminders import Hours

TARGET_S = 30.0
#: The time zone the zone change moves to.
PARIS = ZoneInfo("Europe/Paris")


def _load() -> float:
    """The one-minute load average now."""
    return os.getloadavg()[0]


async def _plan_all(db: Database) -> tuple[float, int]:
    """Every open case reconciled at 09:00 (the anchor); returns (seconds, cases). Each case gets a
    manager member first (one of the managers in turn), so its overdue items go to that manager's digest
    rather than to every manager's."""
    async with db.transaction(counted=False) as conn:
        await conn.execute(
            "INSERT INTO case_members (case_id, person_id, role, added_at) SELECT c.id,"
            " 1 + c.id % (SELECT COUNT(*) FROM people WHERE role = 'manager'), 'manager', c.created_at"
            " FROM cases c"  # bench/_world.py writes the managers first: ids 1 to their number
        )
    db.reminding.config = outbox.ReminderConfig(Hours(LONDON), db.calendar)
    async with db.reading() as conn:
        ids = [int(r[0]) for r in await conn.execute_fetchall("SELECT id FROM cases WHERE status = 'open'")]
    began = time.perf_counter()
    for first in range(0, len(ids), 2_000):
        async with db.transaction(counted=False) as conn:
            for case_id in ids[first : first + 2_000]:
                await outbox.reconcile_case(conn, db.reminding, case_id, db.now())
    assert await replan.replan(db) is None  # records the settings they were planned with
    return time.perf_counter() - began, len(ids)


async def _waiting(db: Database) -> int:
    async with db.reading() as conn:
        rows = await conn.execute_fetchall(
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND kind IN ('remind', 'digest')"
        )
    return int(next(iter(rows))[0])


async def _measure(path: Path, closure: bool) -> dict[str, float]:
    figures: dict[str, float] = {}
    began = time.perf_counter()
    async with await Database.open(path, calendar=WorkingCalendar()) as db:
        figures["migrate_s"] = time.perf_counter() - began
        figures["plan_all_s"], cases = await _plan_all(db)
        figures["open_cases"] = cases
        figures["waiting_rows"] = await _waiting(db)
        db.reminding.config = outbox.ReminderConfig(Hours(LONDON, clock_time(11, 30)), db.calendar)
        began, cpu = time.perf_counter(), time.process_time()
        done = await replan.replan(db)
        figures["hour_s"], figures["hour_cpu"] = time.perf_counter() - began, time.process_time() - cpu
        assert done is not None
        figures["hour_moved"], figures["hour_cancelled"] = done.moved, done.cancelled
        figures["hour_load"] = _load()
        db.reminding.config = outbox.ReminderConfig(Hours(PARIS, clock_time(11, 30)), db.calendar)
        began, cpu = time.perf_counter(), time.process_time()
        done = await replan.replan(db)
        figures["zone_s"], figures["zone_cpu"] = time.perf_counter() - began, time.process_time() - cpu
        assert done is not None
        figures["zone_moved"], figures["zone_load"] = done.moved, _load()
        today = db.now().astimezone(LONDON).date()
    if not closure:
        return figures
    closed = WorkingCalendar([WorkingCalendar().next_working_day(today + timedelta(days=1))])
    began, cpu = time.perf_counter(), time.process_time()
    async with await Database.open(path, calendar=closed) as db:
        figures["recalendar_s"] = time.perf_counter() - began
        db.reminding.config = outbox.ReminderConfig(Hours(PARIS, clock_time(11, 30)), closed)
        began = time.perf_counter()
        done = await replan.replan(db)
        figures["closure_s"] = time.perf_counter() - began
        figures["closure_cpu"] = time.process_time() - cpu  # re-dating and re-planning
        assert done is not None
        figures["closure_moved"], figures["closure_cases"] = done.moved, done.cases
        figures["closure_load"] = _load()
    return figures


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench replan")
    parser.add_argument("--cases", type=int, default=100_000, help="cases written (nearly all open)")
    parser.add_argument("--span-days", type=int, default=60, help="days their starts are spread over")
    parser.add_argument("--closure", action="store_true", help="also add a closure and re-plan for it")
    options = parser.parse_args(args)
    with tempfile.TemporaryDirectory(prefix="bench-replan-") as folder:
        path = Path(folder) / "inspectbot.sqlite3"
        began = time.perf_counter()
        world = build(path, options.cases, span_days=options.span_days)
        built = time.perf_counter() - began
        print(f"replan: {world.cases:,} cases ({world.open_cases:,} open) written in {built:.1f}s")
        f = asyncio.run(_measure(path, options.closure))
    cases = f["open_cases"]
    print(f"replan.migrate_s: {f['migrate_s']:.1f} s")
    print(
        f"replan.plan_all_s: {f['plan_all_s']:.1f} s ({cases:,.0f} open cases reconciled one by one,"
        f" {1000 * f['plan_all_s'] / max(1, cases):.2f} ms a case: the anchor);"
        f" {f['waiting_rows']:,.0f} waiting rows"
    )
    hour = f["hour_s"]
    print(
        f"replan.hour_s: {hour:.2f} s ({hour / f['plan_all_s']:.2f}x the anchor;"
        f" {f['hour_moved']:,.0f} moved, {f['hour_cancelled']:,.0f} no longer wanted;"
        f" {f['hour_cpu']:.1f} s of CPU; load {f['hour_load']:.1f})"
    )
    print(
        f"replan.zone_s: {f['zone_s']:.2f} s ({f['zone_s'] / hour:.2f}x the hour change;"
        f" {f['zone_moved']:,.0f} moved; {f['zone_cpu']:.1f} s of CPU; load {f['zone_load']:.1f})"
    )
    if options.closure:
        print(f"replan.recalendar_s: {f['recalendar_s']:.1f} s (the open cases re-dated for the closure)")
        print(
            f"replan.closure_s: {f['closure_s']:.2f} s ({f['closure_cases']:,.0f} cases whose deadlines"
            f" moved reconciled in full, {f['closure_moved']:,.0f} rows moved in bulk)"
        )
    met = "met" if max(hour, f["zone_s"]) < TARGET_S else "NOT met"
    print(
        f"replan: {cases:,.0f} open cases re-planned in {hour:.1f} s (hour), {f['zone_s']:.1f} s (zone)"
        f" (target {TARGET_S:.0f} s): {met}"
    )
    if options.closure:
        total = f["recalendar_s"] + f["closure_s"]
        met = "met" if total < TARGET_S else "NOT met"
        print(
            f"replan: a closure's start-up path (re-dated, then re-planned) for {cases:,.0f} open cases"
            f" in {total:.1f} s ({total / hour:.2f}x the hour change; {f['closure_cpu']:.1f} s of CPU in this"
            f" process and its database thread; load {f['closure_load']:.1f})"
            f" (target {TARGET_S:.0f} s): {met}"
        )
    return 0
