"""The bot's own schedule: the retention purge runs after start and nightly, through PTB's job queue."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.app import build_application, purge_expired
from bot.settings import Settings
from handlers.context import InspectContext
from store.database import Database
from tests.storefixtures import Clock


def _settings(tmp_path: Path, days: int) -> Settings:
    return Settings(
        TELEGRAM_BOT_TOKEN="1:a", INSPECTBOT_DB=tmp_path / "bot.sqlite3", INSPECTBOT_RETENTION_DAYS=days
    )


async def test_retention_jobs_are_scheduled_and_purge(db: Database, clock: Clock, tmp_path: Path) -> None:
    application = build_application(_settings(tmp_path, 30), db)
    assert application.job_queue is not None
    jobs = [job for job in application.job_queue.jobs() if job.name == "retention"]
    assert len(jobs) == 2  # once soon after start (catch-up), then daily

    await db.people.ensure_admins([1])
    boss = await db.people.get_by_telegram_id(1)
    assert boss is not None
    case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    await db.cases.add_note(boss, case.ref, "Planning note")
    await db.cases.close(boss, case.ref)
    clock.now += timedelta(days=31)

    await purge_expired(InspectContext.from_job(jobs[0], application))
    assert (await db.cases.get(boss, case.ref)).purged_at == clock.now
    assert [note.text for note in await db.cases.notes(boss, case.ref)] == [None]
