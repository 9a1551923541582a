"""`python -m bench morning`: a manager's morning digest at 1,000, 10,000 and 100,000 cases (issue 23).

A database as bench/_world.py writes it (no case has a manager member, so every manager's digest counts
every missed deadline: the largest digest there is), migrated in this process. On the next working
morning, in the bot's process as the sender does it:

- `plan_ms`: `store.outbox.plan_digests` writes the day's rows (one per manager with something overdue);
- `render_ms`: `handlers.reminder_messages.render_digest` turns one manager's row into its message (the SQL
  aggregate and the text), median and slowest of `--repeat`; target: under 50 ms at 100,000 cases;
- `rows`: digest rows written for the day, `overdue`: the missed deadlines counted, `chars`: the text.

Before this (issue 23): 6,001 rows for one manager at 100,000 cases, rendered in 829 ms into 1.12 million
characters (275 messages).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from bench._world import build
from handlers.context import Services
from handlers.reminder_messages import render_digest
from store import outbox
from store.database import Database
from store.deadlines import timeline_of
from store.outbox import OutboxRow
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON
from workflows.errors import TimelineError
from workflows.reminders import Hours

TARGET_MS = 50.0


def _drop_refused_events(path: Path) -> int:
    """bench/_world.py records some milestones on days the rules refuse (an SEA's week one before its
    fieldwork starts); the bot would never have stored those, and they stop the migration's fill. Such a
    case keeps its planned days and loses its recorded ones. Returns the cases changed."""
    calendar = WorkingCalendar()
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        events: dict[int, dict[str, date]] = {}
        for r in conn.execute("SELECT case_id, key, day FROM case_events"):
            events.setdefault(r["case_id"], {})[r["key"]] = date.fromisoformat(r["day"])
        refused = []
        for case in conn.execute("SELECT *, 0 AS single_individual FROM cases"):
            try:
                timeline_of(case, events.get(case["id"], {}), calendar)
            except TimelineError:
                refused.append((case["id"],))
        conn.executemany("DELETE FROM case_events WHERE case_id = ?", refused)
        conn.commit()
    finally:
        conn.close()
    return len(refused)


async def _measure(path: Path, repeat: int) -> dict[str, float]:
    calendar = WorkingCalendar()
    hours = Hours(LONDON)
    day = calendar.next_working_day(datetime.now(LONDON).date() + timedelta(days=1))
    now = hours.morning(day) + timedelta(minutes=1)
    figures: dict[str, float] = {}
    async with await Database.open(path, calendar=calendar, clock=lambda: now) as db:
        db.reminding.config = outbox.ReminderConfig(hours, calendar)
        began = time.perf_counter()
        figures["rows"] = await db.outbox.plan_digests(now)
        figures["plan_ms"] = (time.perf_counter() - began) * 1000
        async with db.reading() as conn:
            rows = await conn.execute_fetchall(
                "SELECT id, person_id FROM outbox WHERE kind = 'digest' ORDER BY id LIMIT 1"
            )
        row_id, person_id = next(iter(rows))
        person = await db.outbox.person(int(person_id))
        assert person is not None
        row = OutboxRow(int(row_id), person.id, None, outbox.Kind.DIGEST, "digest", "digest", {}, now, 1)
        services = Services(db=db, calendar=calendar, zone=LONDON, bot_username="b", clock=lambda: now)
        samples = []
        text = ""
        for _ in range(repeat):
            began = time.perf_counter()
            rendered = await render_digest(services, person, [row], now)
            samples.append((time.perf_counter() - began) * 1000)
            text = rendered.text
        figures["render_ms"] = statistics.median(samples)
        figures["render_max_ms"] = max(samples)
        figures["chars"] = len(text)
        figures["overdue"] = (await db.outbox.morning(person.id, day)).total
    return figures


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench morning")
    parser.add_argument("--sizes", default="1000,10000,100000", help="case counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=9, help="renders timed at each size")
    options = parser.parse_args(args)
    worst = 0.0
    for size in (int(s) for s in options.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix=f"bench-morning-{size}-") as tmp:
            path = Path(tmp) / "inspectbot.sqlite3"
            began = time.perf_counter()
            world = build(path, size)
            refused = _drop_refused_events(path)
            build_s = time.perf_counter() - began
            figures = asyncio.run(_measure(path, options.repeat))
        worst = max(worst, figures["render_ms"])
        print(
            f"morning.{size}: {world.open_cases} open cases, {len(world.managers)} managers,"
            f" {figures['overdue']:.0f} overdue; plan {figures['plan_ms']:.1f} ms"
            f" ({figures['rows']:.0f} rows); render {figures['render_ms']:.1f} ms median,"
            f" {figures['render_max_ms']:.1f} ms slowest,"
            f" {figures['chars']:.0f} chars (build {build_s:.0f} s;"
            f" {refused} cases' refused events dropped)",
            flush=True,
        )
    print(f"morning.render_ms: worst median {worst:.1f} ms (target under {TARGET_MS:.0f} ms)")
    return 0 if worst < TARGET_MS else 1
