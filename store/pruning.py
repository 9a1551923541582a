"""A year of use: what the bot keeps only for a while, pruned at start and every night (bot.app).

- The inbox: handled updates (raw, with what people wrote) and their change records, after
  `inbox` (a replay only concerns the last few minutes; a few days leave room to look into a problem).
- The outbox: rows sent, cancelled or failed more than `outbox` ago, of replies and other rows of no
  case, and of cases no longer open. An open case's rows stay: their `dedup` key is what keeps a
  reminder that is still wanted (an overdue milestone's) from being written and sent again, and a sent
  request copy's row is how it is edited later. A closed case's rows are never read again.
- Invitations redeemed or expired more than `invites` ago (the audit trail keeps who invited whom).
- Failed invitation codes once outside the throttle's window (`store.invites.FAILURE_WINDOW`).
- The reminders' shared basis texts no case names any more (`store.reminder_bases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from store import reminder_bases
from store.codec import time_to_text
from store.invites import FAILURE_WINDOW

if TYPE_CHECKING:
    from store.database import Database


@dataclass(frozen=True)
class Periods:
    """How long each kind of row is kept once it is done with (settings: INSPECTBOT_KEEP_*_DAYS)."""

    inbox: timedelta = timedelta(days=3)
    outbox: timedelta = timedelta(days=90)
    invites: timedelta = timedelta(days=90)


async def prune(db: Database, periods: Periods) -> dict[str, int]:
    """Delete what `Periods` no longer keeps; returns the rows deleted by table (counts only)."""
    counts = {"inbox": await db.inbox.prune(periods.inbox)}
    now = db.now()
    async with db.transaction(counted=False) as conn:
        cursor = await conn.execute(
            "DELETE FROM outbox WHERE state IN ('sent', 'cancelled', 'failed')"
            " AND COALESCE(sent_at, created_at) < ?"
            " AND (case_id IS NULL OR case_id IN (SELECT id FROM cases WHERE status <> 'open'))",
            (time_to_text(now - periods.outbox),),
        )
        counts["outbox"] = cursor.rowcount
        cursor = await conn.execute(
            "DELETE FROM invites WHERE COALESCE(redeemed_at, expires_at) < ?",
            (time_to_text(now - periods.invites),),
        )
        counts["invites"] = cursor.rowcount
        cursor = await conn.execute(
            "DELETE FROM invite_failures WHERE at <= ?", (time_to_text(now - FAILURE_WINDOW),)
        )
        counts["invite_failures"] = cursor.rowcount
        counts["reminder_bases"] = await reminder_bases.prune(conn)
    return counts
