"""A settable clock and the first manager, shared by the tests that open a real database."""

from __future__ import annotations

from datetime import UTC, datetime

from store.database import Database
from store.models import Person


class Clock:
    """Time that only moves when a test moves it, for expiry and retention."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # after the dates the tests record

    def __call__(self) -> datetime:
        return self.now


async def first_manager(db: Database, telegram_id: int = 1) -> Person:
    """The manager INSPECTBOT_ADMINS would create on start."""
    await db.people.ensure_admins([telegram_id])
    found = await db.people.get_by_telegram_id(telegram_id)
    assert found is not None
    return found
