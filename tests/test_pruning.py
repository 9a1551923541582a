"""A year of use (issue 21 items 4 and 5): the inbox, finished outbox rows, used or expired invitations
and failed codes are pruned at start and every night, and an open case's reminder rows stay (their dedup
key keeps a still-wanted reminder from being sent again). Time passes by the tests' settable clock."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.app import build_application, prune
from bot.settings import Settings, load_settings
from handlers.context import InspectContext
from store import outbox
from store.codec import time_to_text
from store.database import Database
from store.errors import InviteInvalid
from store.inbox import InboxItem
from store.models import Role
from store.pruning import Periods
from tests.storefixtures import Clock, first_manager


def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:a")
    monkeypatch.setenv("INSPECTBOT_DB", str(tmp_path / "bot.sqlite3"))
    return load_settings()


async def _outbox_row(db: Database, dedup: str, person_id: int, case_id: int | None, kind: str) -> None:
    """A row as the sender leaves it once sent (written directly: the planner's rules are not the point)."""
    now = time_to_text(db.now())
    async with db.transaction(counted=False) as conn:
        await conn.execute(
            "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at, state,"
            " created_at, sent_at) VALUES (?, ?, ?, ?, 'b', 'remind', '{}', ?, 'sent', ?, ?)",
            (dedup, person_id, case_id, kind, now, now, now),
        )


async def _count(db: Database, sql: str) -> int:
    async with db.reading() as conn:
        rows = list(await conn.execute_fetchall(sql))
    return int(rows[0][0])


async def test_prune_runs_at_start_and_nightly_with_the_periods_as_settings(
    db: Database, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSPECTBOT_KEEP_SENT_DAYS", "30")
    application = build_application(_settings(tmp_path, monkeypatch), db)
    assert application.job_queue is not None
    jobs = [job for job in application.job_queue.jobs() if job.name == "prune"]
    assert len(jobs) == 2  # once soon after start (catching up), then every night
    periods = jobs[0].data
    assert isinstance(periods, Periods)
    assert periods.outbox == timedelta(days=30) and periods.inbox == timedelta(days=3)

    boss = await first_manager(db)
    open_case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    closed_case = await db.cases.create(boss, "ch-full", "Elm House", date(2026, 3, 3))
    await db.cases.close(boss, closed_case.ref)
    async with db.reading() as conn:
        ids = {int(r[1]): int(r[0]) for r in await conn.execute_fetchall("SELECT id, ref FROM cases")}
    async with db.transaction(counted=False) as conn:  # a row still waiting (a manager gets no reminder
        await outbox.enqueue(  # rows of a case they are not on: their morning digest counts its deadlines)
            conn,
            db.reminding,
            db.now(),
            dedup="remind:waiting",
            person_id=boss.id,
            case_id=ids[open_case.ref],
            kind="remind",
            batch="b",
            template="remind",
            params={},
            due_at=db.now() + timedelta(days=365),
        )
    pending = await _count(db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'")  # the planner's
    await _outbox_row(db, "remind:open", boss.id, ids[open_case.ref], "remind")
    await _outbox_row(db, "remind:closed", boss.id, ids[closed_case.ref], "remind")
    await _outbox_row(db, "digest:closed", boss.id, ids[closed_case.ref], "digest")
    await _outbox_row(db, "reply:1", boss.id, None, "reply")
    # Raw updates holding what people wrote (a complaint's words), handled.
    await db.inbox.store([InboxItem(n, f'{{"text": "complaint words {n}"}}') for n in (1, 2, 3)])
    for n in (1, 2, 3):
        await db.inbox.mark_done(n)
    used = await db.invites.create(boss, Role.INSPECTOR)
    await db.invites.redeem(used.code, 501, "Ian")
    await db.invites.create(boss, Role.INSPECTOR, ttl=timedelta(days=1))  # left to expire
    with pytest.raises(InviteInvalid):
        await db.invites.redeem("not-a-code", 777, "Mallory")  # a failed code

    clock.now += timedelta(days=20)
    await db.invites.create(boss, Role.INSPECTOR, ttl=timedelta(days=30))  # expires on day 50
    await prune(InspectContext.from_job(jobs[0], application))
    assert await _count(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == 4  # not 30 days yet
    assert await _count(db, "SELECT COUNT(*) FROM inbox") == 1  # after 3 days; the newest stays (offset)
    assert await _count(db, "SELECT COUNT(*) FROM inbox WHERE body LIKE '%complaint%' AND update_id < 3") == 0
    assert await _count(db, "SELECT COUNT(*) FROM invite_failures") == 0

    clock.now += timedelta(days=80)
    await prune(InspectContext.from_job(jobs[1], application))
    async with db.reading() as conn:
        kept = [
            str(r[0]) for r in await conn.execute_fetchall("SELECT dedup FROM outbox WHERE state = 'sent'")
        ]
    assert kept == ["remind:open"]  # an open case's rows stay; a closed case's and replies go
    assert await _count(db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") <= pending  # never pruned
    assert await _count(db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") > 0
    async with db.reading() as conn:
        invites = [int(r[0]) for r in await conn.execute_fetchall("SELECT COUNT(*) FROM invites")]
    assert invites == [1]  # used or expired over 90 days ago went; the one expired on day 50 stays
