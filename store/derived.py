"""What the store keeps derived from a case, refreshed in the same transaction as every change to it.

Every repository method that changes a case (created, recorded, undone, corrected, closed, reopened,
someone joining it) calls `case_changed` inside its transaction, so derived rows are never stale and a
change and what follows from it commit together. Each kind of derived row has its own module, called here
in order: the stored deadlines first (the "fast at any size" issue), then the reminders computed from them.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from store import outbox


async def case_changed(conn: aiosqlite.Connection, case_id: int, now: datetime) -> None:
    """Bring every derived row of case `case_id` up to date, inside the caller's transaction."""
    await outbox.reconcile_case(conn, case_id, now)
