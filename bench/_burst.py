"""A burst of reminders written straight into a migrated database: N providers, each on an open case of
their own setting, each with one due reminder of their comments, for `python -m bench reminders`. A copy of
tests/outbox_world.py (which the crash test uses): bench/ does not import tests/ (issue 19 item 8).

Direct SQL in one transaction, because making 5,000 people through invitations would take minutes; the rows
are what the store itself writes for a provider on a case (store.outbox.reconcile), so the bot renders and
sends them as it would any reminder.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

#: The case ends on Tuesday 24 February 2026, so the provider's comments are due on Friday 27 March 2026.
#: The visit began more than 14 days before NOW: the bot's daily reveal (store.outbox.reveal_begun)
#: reconciles unannounced visits begun in the last 14 days, which would cancel these hand-written rows
#: at the start and leave no burst (tests/outbox_world.py's dates, 10 March, are within them).
END = date(2026, 2, 24)
COMMENTS_DUE = date(2026, 3, 27)
#: A working morning after the inspection, when the burst is due (the bot's test clock is set to it).
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
PARAMS = json.dumps({"day": COMMENTS_DUE.isoformat(), "key": "provider_comments", "lead": "soon"})


def write_burst(db: Path, people: int, *, first_id: int = 10_001, stored: int = 0) -> list[int]:
    """Add `people` providers, each on a case with a due reminder; and `stored` old rows (the history a
    long-running bot keeps) for the last of them. Returns the providers' Telegram ids."""
    now_text = NOW.isoformat(timespec="microseconds")
    due = (NOW - timedelta(minutes=1)).isoformat(timespec="microseconds")
    ids = list(range(first_id, first_id + people))
    case_id: int | None = None
    person: int | None = None
    with sqlite3.connect(db) as conn:
        for tid in ids:
            conn.execute(
                "INSERT INTO settings (name, urn, created_at) VALUES (?, ?, ?)",
                (f"Home {tid}", f"SC{tid}", now_text),
            )
            setting = conn.execute("SELECT MAX(id) FROM settings").fetchone()[0]
            ref = conn.execute("SELECT COALESCE(MAX(ref), 0) + 1 FROM cases").fetchone()[0]
            cur = conn.execute(
                "INSERT INTO cases (ref, kind, setting_id, planned_start, planned_end, status, concerns,"
                " created_at) VALUES (?, 'ch-full', ?, ?, ?, 'open', 0, ?)",
                (ref, setting, (END - timedelta(days=1)).isoformat(), END.isoformat(), now_text),
            )
            case_id = cur.lastrowid
            cur = conn.execute(
                "INSERT INTO people (telegram_id, display_name, role, active, setting_id, created_at)"
                " VALUES (?, ?, 'provider', 1, ?, ?)",
                (tid, f"Provider {tid}", setting, now_text),
            )
            person = cur.lastrowid
            conn.execute(
                "INSERT INTO case_members (case_id, person_id, role, added_at) VALUES (?, ?, 'provider', ?)",
                (case_id, person, now_text),
            )
            conn.execute(
                "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at,"
                " created_at) VALUES (?, ?, ?, 'remind', ?, 'remind', ?, ?, ?)",
                (
                    f"remind:{case_id}:provider_comments:{person}:{COMMENTS_DUE}:soon",
                    person,
                    case_id,
                    f"case:{case_id}",
                    PARAMS,
                    due,
                    now_text,
                ),
            )
        if stored:
            # History: nine in ten sent a month ago, one in ten pending for next year (never due here).
            first = ids[0]
            person = conn.execute("SELECT id FROM people WHERE telegram_id = ?", (first,)).fetchone()[0]
            old = (NOW - timedelta(days=30)).isoformat(timespec="microseconds")
            later = (NOW + timedelta(days=365)).isoformat(timespec="microseconds")
            conn.executemany(
                "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at,"
                " created_at, state, sent_at, message_id) VALUES (?, ?, ?, 'remind', ?, 'remind', ?, ?, ?,"
                " ?, ?, ?)",
                (
                    (
                        f"old:{i}",
                        person,
                        case_id,
                        f"case:{case_id}",
                        PARAMS,
                        later if i % 10 == 0 else old,
                        old,
                        "pending" if i % 10 == 0 else "sent",
                        None if i % 10 == 0 else old,
                        None if i % 10 == 0 else i,
                    )
                    for i in range(stored)
                ),
            )
    return ids
