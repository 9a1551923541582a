"""`python -m bench year [--cases 5000] [--people 200] [--days 365]`: a year of a busy region (issue 21).

Through the store's own methods, a day at a time by a settable clock: 20 managers (every manager sees
every case, as INSPECTBOT_ADMINS makes them) and inspectors joined by invitation (one invitation in ten
left to expire, one failed code a week); each working day its share of the year's new cases, each with an
inspector, eight raw updates a case (the conversation that made it, about 600 bytes each) stored in the
inbox and handled; each case closed four months after it started. The sender is simulated: every row due
is marked sent each morning. Each night the retention purge and the pruning run (store.pruning, with the
default periods). At the end of each quarter it prints the database's size and every table's rows, so a
table that keeps growing shows; the target is under 200 MB after the year, with the inbox, the outbox
and the invitations levelling off.

Not simulated: recorded events (the milestones of open cases go overdue, so the managers' digests are
as many as they can be), requests, and the bot's own process (the bench times the store, not Telegram).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from store import pruning
from store.codec import time_to_text
from store.database import Database
from store.errors import InviteInvalid
from store.inbox import InboxItem
from store.models import Person, Role
from workflows.calendar import WorkingCalendar

MANAGERS = 20
UPDATES_A_CASE = 8
CLOSED_AFTER = timedelta(days=120)
START = date(2027, 1, 4)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _body(update_id: int, person: int, rng: random.Random) -> str:
    words = " ".join(rng.choice(("visit", "report", "draft", "home", "staff", "plan")) for _ in range(60))
    return (
        f'{{"update_id":{update_id},"message":{{"message_id":{update_id},"date":0,'
        f'"chat":{{"id":{person},"type":"private","first_name":"P"}},'
        f'"from":{{"id":{person},"is_bot":false,"first_name":"P"}},"text":"{words}"}}}}'
    )


def _tables(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: int(conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}


def _size_mb(path: Path) -> float:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size / 1e6


async def simulate(
    path: Path, cases: int, people: int, days: int, *, prune: bool = True, seed: int = 21
) -> dict[str, int]:
    rng = random.Random(seed)
    clock = Clock(datetime.combine(START, datetime.min.time(), UTC).replace(hour=8))
    calendar = WorkingCalendar()
    db = await Database.open(path, clock=clock, calendar=calendar)
    try:
        await db.people.ensure_admins(range(1, MANAGERS + 1))
        boss = await db.people.get_by_telegram_id(1)
        assert boss is not None
        inspectors: list[Person] = []
        for n in range(people - MANAGERS):
            invite = await db.invites.create(boss, Role.INSPECTOR)
            inspectors.append(await db.invites.redeem(invite.code, 1000 + n, f"Inspector {n}"))
        working = [
            START + timedelta(days=d)
            for d in range(days)
            if calendar.is_working_day(START + timedelta(days=d))
        ]
        per_day = cases / max(1, len(working))
        made: list[tuple[date, int]] = []  # (started, ref) of open cases, oldest first
        update_id = 0
        owed = 0.0
        quarter = max(1, days // 4)
        periods = pruning.Periods()
        began = time.perf_counter()
        for d in range(days):
            today = START + timedelta(days=d)
            clock.now = datetime.combine(today, datetime.min.time(), UTC).replace(hour=9)
            if calendar.is_working_day(today):
                owed += per_day
                while owed >= 1:
                    owed -= 1
                    start = calendar.add_working_days(today, 10)
                    case = await db.cases.create(boss, "ch-full", f"Home {len(made) + 1}", start)
                    helper = rng.choice(inspectors)
                    await db.cases.add_member(boss, case.ref, helper.id, Role.INSPECTOR)
                    items = []
                    for _ in range(UPDATES_A_CASE):
                        update_id += 1
                        items.append(InboxItem(update_id, _body(update_id, helper.telegram_id, rng)))
                    await db.inbox.store(items)
                    for item in items:
                        await db.inbox.mark_done(item.update_id)
                    made.append((today, case.ref))
                while made and made[0][0] + CLOSED_AFTER <= today:
                    await db.cases.close(boss, made.pop(0)[1])
                if d % 10 == 0:  # a few invitations a month, one in ten left to expire, a failed code
                    invite = await db.invites.create(boss, Role.INSPECTOR)
                    if rng.random() > 0.1:
                        await db.invites.redeem(invite.code, 900_000 + d, "Late joiner")
                    with contextlib.suppress(InviteInvalid):  # the failed code is the point
                        await db.invites.redeem("not-a-code", 800_000 + d, "Mallory")
            async with db.transaction(counted=False) as conn:  # the sender: whatever is due goes
                stamp = time_to_text(clock.now)
                await conn.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = due_at"
                    " WHERE state = 'pending' AND due_at <= ?",
                    (stamp,),
                )
            clock.now = datetime.combine(today, datetime.min.time(), UTC).replace(hour=23)
            await db.purge_expired(365)
            if prune:
                await pruning.prune(db, periods)
            if (d + 1) % quarter == 0 or d == days - 1:
                await db.close()
                rows = _tables(path)
                print(
                    f"day {d + 1:>3} ({time.perf_counter() - began:,.0f} s): {_size_mb(path):.1f} MB; "
                    + " ".join(f"{t}={n:,}" for t, n in rows.items() if n),
                    flush=True,
                )
                db = await Database.open(path, clock=clock, calendar=calendar)
        return _tables(path)
    finally:
        await db.close()


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench year")
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--no-prune", action="store_true", help="the anchor: the same year without pruning")
    parsed = parser.parse_args(args)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "year.sqlite3"
        began = time.perf_counter()
        rows = asyncio.run(
            simulate(path, parsed.cases, parsed.people, parsed.days, prune=not parsed.no_prune)
        )
        size = _size_mb(path)
        print(
            f"after {parsed.days} days, {parsed.cases:,} cases, {parsed.people} people: {size:.1f} MB "
            f"({time.perf_counter() - began:,.0f} s)"
        )
        for table, count in sorted(rows.items(), key=lambda kv: -kv[1]):
            print(f"  {table:<24} {count:>10,}")
        print(f"target: under 200 MB -> {'met' if size < 200 else 'NOT met'}")
    return 0
