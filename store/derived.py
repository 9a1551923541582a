"""What the store keeps derived from a case, refreshed in the same transaction as every change to it.

Every repository method that changes a case (created, recorded, undone, corrected, closed, reopened,
someone joining it) calls `case_changed` inside its transaction, so derived rows are never stale and a
change and what follows from it commit together. Each kind of derived row has its own module, called here
in order: the stored deadlines first (`store.deadlines`), then the reminders computed from them (the
outbox's issue: read a case's rows with `deadlines_of`).
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from store import deadlines, outbox
from workflows.calendar import WorkingCalendar
from workflows.deadlines import Deadline


async def case_changed(
    conn: aiosqlite.Connection, case_id: int, now: datetime, calendar: WorkingCalendar
) -> None:
    """Bring every derived row of case `case_id` up to date, inside the caller's transaction."""
    await deadlines.refresh(conn, case_id, calendar)
    await outbox.reconcile_case(conn, case_id, now)


async def deadlines_of(conn: aiosqlite.Connection, case_id: int) -> list[Deadline]:
    """Case `case_id`'s stored deadlines, in timeline order, as written by its last change (closed cases
    keep theirs; the case's `status` says whether it is open). Unchecked: for callers inside the store."""
    return await deadlines.stored_deadlines(conn, case_id)
