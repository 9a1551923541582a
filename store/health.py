"""What an operator watches, read from the database: the last update handled and the outbox's queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from store.codec import time_from_text, time_to_text

if TYPE_CHECKING:
    from store.connection import Connection


@dataclass(frozen=True)
class Health:
    last_handled: datetime | None
    #: Outbox rows due and not yet sent (pending or being sent), by kind.
    waiting: dict[str, int]
    oldest_due: datetime | None

    def oldest_age(self, now: datetime) -> float:
        """Seconds the oldest waiting row has been due (0 when none waits)."""
        return 0.0 if self.oldest_due is None else max(0.0, (now - self.oldest_due).total_seconds())


async def read(db: Connection, now: datetime) -> Health:
    """Indexed reads on a reading connection (the outbox's partial indexes, the inbox's key)."""
    stamp = time_to_text(now)
    async with db.reading() as conn:
        last = await conn.execute_fetchall(  # the newest handled update, by the key (no scan)
            "SELECT done_at FROM inbox WHERE done_at IS NOT NULL ORDER BY update_id DESC LIMIT 1"
        )
        rows = await conn.execute_fetchall(
            "SELECT kind, COUNT(*), MIN(due_at) FROM ("
            " SELECT kind, due_at FROM outbox WHERE state = 'pending' AND due_at <= ?"  # outbox_due
            " UNION ALL SELECT kind, due_at FROM outbox WHERE state = 'sending'"  # outbox_sending
            ") GROUP BY kind",
            (stamp,),
        )
    last_done = next(iter(last), None)
    oldest = min((str(r[2]) for r in rows), default=None)
    return Health(
        last_handled=None if last_done is None or last_done[0] is None else time_from_text(str(last_done[0])),
        waiting={str(r[0]): int(r[1]) for r in rows},
        oldest_due=None if oldest is None else time_from_text(oldest),
    )
