"""What a year of use leaves in the database beside the cases (issue 23), and a manager's morning measured.

bench/_world.py writes settings, people, cases, members and recorded events. A bot in use also keeps:

- the outbox: the pending reminders of every open case, written here by the store's own
  `store.outbox.reconcile_case` (what every change to a case runs), so the managers' digest rows are the
  ones the bot would send; and the sent rows of the last KEEP_OUTBOX_DAYS (pruning keeps that long):
  two reminders a member a recorded milestone (ahead and on the day);
- the audit trail (append-only, kept for ever): a case's creation, each member joining, each event
  recorded, its judgement and its closing, each entry with the before and after as JSON;
- the inbox of the last KEEP_INBOX_DAYS: UPDATES_A_CASE updates over a case's life at CASES_A_YEAR cases a
  year, each with its JSON body and, for one in four, the write it made (update_changes);
- requests: a notification for every case, comments on the draft for graded kinds, a survey for every
  case past publication (its answers as JSON), a complaint for one case in twenty, a deferral for one
  in thirty.

Rows are written with direct SQL in one transaction, like the world, in the shape the store writes them.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from bot.limits import MESSAGE, split
from handlers.context import Services
from handlers.outbox_messages import render
from store import outbox
from store.codec import time_to_text
from store.database import Database
from workflows.calendar import WorkingCalendar
from workflows.reminders import Hours

KEEP_OUTBOX_DAYS = 90  # store/pruning.py's default for sent and cancelled outbox rows
KEEP_INBOX_DAYS = 3  # and for handled updates
CASES_A_YEAR = 5_000
UPDATES_A_CASE = 40
_LONDON = ZoneInfo("Europe/London")


def _stamp(day: date, hour: int = 9) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat(timespec="microseconds")


@dataclass
class History:
    """Rows written (the outbox's pending rows come from `reconcile_open`)."""

    outbox_sent: int
    audit: int
    inbox: int
    requests: int
    seconds: float


def write(path: Path, today: date, seed: int = 8) -> History:
    """Add a year of use's audit, sent outbox, inbox and request rows to the world at `path`."""
    began = time.perf_counter()
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        cases = conn.execute(
            "SELECT id, ref, kind, status, planned_start, judgement, created_at, closed_at FROM cases"
            " ORDER BY id"
        ).fetchall()
        members: dict[int, list[tuple[int, str]]] = {}
        for case_id, person_id, role in conn.execute("SELECT case_id, person_id, role FROM case_members"):
            members.setdefault(case_id, []).append((person_id, role))
        events: dict[int, list[tuple[str, str]]] = {}
        for case_id, key, day in conn.execute("SELECT case_id, key, day FROM case_events"):
            events.setdefault(case_id, []).append((key, day))
        audit_rows: list[tuple[object, ...]] = []
        sent_rows: list[tuple[object, ...]] = []
        request_rows: list[tuple[object, ...]] = []
        kept_since = (today - timedelta(days=KEEP_OUTBOX_DAYS)).isoformat()
        for case_id, ref, kind, status, start, judgement, created, closed_at in cases:
            on_case = members.get(case_id, [])
            recorded = events.get(case_id, [])
            label = f"inspector:{on_case[0][0]}" if on_case else "cli"
            actor = on_case[0][0] if on_case else None
            after = {"ref": ref, "kind": kind, "planned_start": start, "status": "open", "setting": "Setting"}
            audit_rows.append((created, actor, label, "case_created", ref, None, json.dumps(after)))
            for person_id, role in on_case:
                change = {"person_id": person_id, "role": role}
                audit_rows.append((created, actor, label, "member_added", ref, None, json.dumps(change)))
            for key, day in recorded:
                change = {"key": key, "day": day}
                audit_rows.append(
                    (
                        _stamp(date.fromisoformat(day)),
                        actor,
                        label,
                        "event_recorded",
                        ref,
                        None,
                        json.dumps(change),
                    )
                )
            if judgement is not None:
                audit_rows.append(
                    (created, actor, label, "judgement", ref, None, json.dumps({"judgement": judgement}))
                )
            if status == "closed":
                audit_rows.append(
                    (
                        closed_at,
                        None,
                        "system",
                        "closed",
                        ref,
                        json.dumps({"status": "open"}),
                        json.dumps({"status": "closed"}),
                    )
                )
            # Reminders sent for what was recorded lately: pruning keeps the last 90 days' of them.
            for key, day in recorded:
                if day < kept_since or key in ("start", "end"):
                    continue
                for person_id, _role in on_case:
                    for lead, days_before in (("soon", 5), ("today", 0)):
                        sent = date.fromisoformat(day) - timedelta(days=days_before)
                        params = json.dumps({"day": day, "key": key, "lead": lead}, sort_keys=True)
                        sent_rows.append(
                            (
                                f"remind:{case_id}:{key}:{person_id}:{day}:{lead}",
                                person_id,
                                case_id,
                                "remind",
                                f"case:{case_id}",
                                "remind",
                                params,
                                _stamp(sent, 7),
                                "sent",
                                1,
                                _stamp(sent - timedelta(days=30)),
                                _stamp(sent, 7),
                                rng.randrange(1, 10**6),
                            )
                        )
            # Requests: what passes between the people on a case.
            past = date.fromisoformat(start) < today
            wanted: list[tuple[str, str, dict[str, object]]] = [
                ("notification", "acknowledged", {"note": "Notified by telephone at 10:05."})
            ]
            if past and judgement is not None:
                wanted.append(
                    (
                        "comments",
                        "answered" if status == "closed" else "open",
                        {"text": "Paragraph 12 names the wrong home; the manager started in May. " * 2},
                    )
                )
            if status == "closed":
                answers: dict[str, object] = {f"q{i}": rng.randint(1, 5) for i in range(1, 13)}
                answers["comment"] = "The inspector was clear about what would happen next and when."
                wanted.append(("survey", "answered", answers))
            if rng.random() < 0.05:
                wanted.append(
                    (
                        "complaint",
                        "closed" if status == "closed" else "open",
                        {"text": "We disagree with the judgement on leadership. " * 4},
                    )
                )
            if rng.random() < 0.03:
                wanted.append(
                    ("deferral", "refused", {"reason": "The registered manager is on leave that week."})
                )
            asker = next((p for p, role in on_case if role == "provider"), actor)
            for request_kind, state, payload in wanted:
                request_rows.append(
                    (
                        request_kind,
                        case_id,
                        state,
                        asker,
                        None,
                        asker,
                        label,
                        json.dumps(payload),
                        created,
                        closed_at or created,
                    )
                )
                audit_rows.append(
                    (
                        created,
                        asker,
                        label,
                        f"request_{request_kind}",
                        ref,
                        None,
                        json.dumps({"state": state}),
                    )
                )
        # The inbox: a few days of updates at the rate the bot gets them.
        per_day = CASES_A_YEAR * UPDATES_A_CASE // 365
        inbox_rows, change_rows = [], []
        people = [row[0] for row in conn.execute("SELECT telegram_id FROM people")]
        for n in range(per_day * KEEP_INBOX_DAYS):
            update_id = 400_000_000 + n  # older than the fake server's first (500,000,001)
            at = datetime.combine(today - timedelta(days=n % KEEP_INBOX_DAYS), datetime.min.time(), UTC)
            uid = rng.choice(people)
            body = {
                "update_id": update_id,
                "message": {
                    "message_id": n + 1,
                    "date": int(at.timestamp()),
                    "chat": {"id": uid, "type": "private", "first_name": f"P{uid}"},
                    "from": {"id": uid, "is_bot": False, "first_name": f"P{uid}", "language_code": "en"},
                    "text": f"when is the draft due for #{rng.randrange(1, len(cases) + 1)}?",
                },
            }
            stamp = at.isoformat(timespec="microseconds")
            inbox_rows.append((update_id, json.dumps(body), stamp, stamp))
            if n % 4 == 0:
                change_rows.append((update_id, 1, None, stamp))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO audit (at, actor_id, actor_label, action, case_ref, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            audit_rows,
        )
        conn.executemany(
            "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at, state,"
            " attempts, created_at, sent_at, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sent_rows,
        )
        conn.executemany(
            "INSERT INTO requests (kind, case_id, state, asked_by, decider, last_by, last_label, payload,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            request_rows,
        )
        conn.executemany(
            "INSERT INTO inbox (update_id, body, received_at, done_at) VALUES (?, ?, ?, ?)", inbox_rows
        )
        conn.executemany(
            "INSERT INTO update_changes (update_id, step, result, at) VALUES (?, ?, ?, ?)", change_rows
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return History(
        len(sent_rows), len(audit_rows), len(inbox_rows), len(request_rows), time.perf_counter() - began
    )


def morning(today: date, calendar: WorkingCalendar) -> datetime:
    """9:00 in London on the first working day from `today`: when the managers' digest goes."""
    day = calendar.next_working_day(today)
    return datetime(day.year, day.month, day.day, 9, tzinfo=_LONDON).astimezone(UTC)


async def _reconcile_open(path: Path, now: datetime) -> int:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    reminding = outbox.Reminding(outbox.ReminderConfig())  # London at 09:00, no closures: the bot's defaults
    try:
        ids = [row[0] for row in await conn.execute_fetchall("SELECT id FROM cases WHERE status = 'open'")]
        await conn.execute("BEGIN")
        for case_id in ids:
            await outbox.reconcile_case(conn, reminding, case_id, now)
        await conn.execute("COMMIT")
        rows = await conn.execute_fetchall("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
        return int(next(iter(rows))[0])
    finally:
        await conn.close()


def reconcile_open(path: Path, now: datetime) -> tuple[int, float]:
    """Every open case's reminders written by the store itself as of `now`: (pending rows, seconds)."""
    began = time.perf_counter()
    pending = asyncio.run(_reconcile_open(path, now))
    return pending, time.perf_counter() - began


@dataclass
class Morning:
    """One manager's digest as the sender would plan and render it."""

    rows: int
    cases: int
    render_s: float
    characters: int
    messages: int


async def _morning(path: Path, telegram_id: int, now: datetime, repeat: int) -> Morning:
    calendar = WorkingCalendar()
    db = await Database.open(path, clock=lambda: now)
    try:
        services = Services(
            db=db, calendar=calendar, zone=_LONDON, bot_username="inspectbot_test_bot", clock=lambda: now
        )
        person = await db.people.get_by_telegram_id(telegram_id)
        assert person is not None, f"no person {telegram_id}"
        # The morning's digest rows, as the sender plans them on its first pass after the reminder hour
        # (one row per manager per morning: store.outbox.plan_digests), then rendered as it sends them.
        db.reminding.config = outbox.ReminderConfig(Hours(_LONDON), calendar)
        await db.outbox.plan_digests(now)
        async with db.reading() as conn:
            found = await conn.execute_fetchall(
                f"SELECT {outbox._ROW_COLUMNS} FROM outbox WHERE person_id = ? AND batch = 'digest'"
                " AND state = 'pending' AND due_at <= ? ORDER BY due_at, id",
                (person.id, time_to_text(now)),
            )
            rows = [outbox._row(r) for r in found]
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            rendered = await render(services, person, rows, now)
            times.append(time.perf_counter() - began)
        text = rendered.text
        return Morning(
            len(rows),
            len({r.case_id for r in rows}),
            sorted(times)[len(times) // 2],
            len(text),
            len(split(text, MESSAGE, html=True)) if text else 0,
        )
    finally:
        await db.close()


def manager_morning(path: Path, telegram_id: int, now: datetime, repeat: int = 3) -> Morning:
    """Render the manager's digest rows due by `now` as the outbox sender would (outbox_messages.render, on
    the event loop) `repeat` times: the median time, its characters and the messages it splits into."""
    return asyncio.run(_morning(path, telegram_id, now, repeat))
