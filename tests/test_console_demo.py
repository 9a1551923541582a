"""The demo database of `inspectbot console --demo`: its people, its cases, and the one message due soon,
whose kind follows the hours messages may go."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.console_demo import INSPECTOR, MANAGER, PROVIDER, build_demo

# Tuesday 1 December 2026 (London is on UTC in winter).
WORKING_MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TUESDAY_NIGHT = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


@pytest.mark.parametrize(
    ("now", "kind"), [(WORKING_MORNING, "remind"), (SATURDAY_NOON, "notice"), (TUESDAY_NIGHT, "reply")]
)
async def test_demo_people_cases_and_the_message_due_soon(tmp_path: Path, now: datetime, kind: str) -> None:
    db = tmp_path / "demo.sqlite3"
    demo = await build_demo(db, delay=timedelta(seconds=60), clock=lambda: now)

    people = _rows(db, "SELECT telegram_id, role FROM people WHERE active = 1 ORDER BY telegram_id")
    assert people == [(MANAGER, "manager"), (INSPECTOR, "inspector"), (PROVIDER, "provider")]
    cases = _rows(db, "SELECT kind FROM cases ORDER BY ref")
    assert len({k for (k,) in cases}) == 3
    members = _rows(db, "SELECT case_id, COUNT(*) FROM case_members GROUP BY case_id ORDER BY case_id")
    assert members == [(1, 2), (2, 1), (3, 1)]  # the provider joined the first case; the inspector is on all
    recorded = _rows(db, "SELECT COUNT(DISTINCT case_id) FROM case_events")
    assert recorded == [(1,)]  # only the first case has moved on

    assert demo.kind == kind and demo.due_at == now + timedelta(seconds=60)
    [(row_kind, template, params, due_at, person)] = _rows(
        db,
        "SELECT o.kind, o.template, o.params, o.due_at, p.telegram_id FROM outbox o"
        " JOIN people p ON p.id = o.person_id WHERE o.dedup LIKE 'demo:%'",
    )
    assert (row_kind, person) == (kind, PROVIDER)
    assert datetime.fromisoformat(str(due_at)) == now + timedelta(seconds=60)
    if kind == "remind":
        # The reminder is of a deadline the case really has on that day, or the bot would drop it.
        [(due,)] = _rows(
            db, "SELECT last_day FROM case_deadlines WHERE case_id = 1 AND key = 'provider_comments'"
        )
        assert json.loads(str(params)) == {"key": "provider_comments", "lead": "soon", "day": due}
    else:
        assert template == "draft_sent"
        # The note says what really happens: the message goes now, as the kind that may go now.
        assert "outside the hours reminders go" not in demo.note
        assert ("as a reply" in demo.note) == (kind == "reply")
        assert "reminders go only on working days, 09:00 to 20:00" in demo.note
