"""Retention: once a case has been closed longer than the retention period, its free text goes.

What is purged, and why only this:
- the text of the case's notes (the free text people typed; the rows stay, text NULL, so counts and
  dates survive), and the words given with an "other" reason for closing it;
- the free text in the case's requests (a deferral's explanation, comments and their file names, a
  complaint, survey answers in words, a review's recommendation): set to null in the payload, whose
  states, dates, ratings and flags stay;
- when every case of a setting has been purged: the setting's name and URN (they identify the home, which
  published reports never do), replaced by "Setting <id> (removed)";
- then the providers linked to that setting: their Telegram display name becomes "Former provider" and
  they are deactivated (they have nothing left to see; an invitation brings them back).
Dates, kind, outcome and the audit trail stay: they hold no free text (the trail records lengths, never
text) and they are the record of what the inspection did. Each purge is itself an audit entry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from store import audit
from store.codec import time_to_text
from store.errors import InvalidInput
from store.reads import first_row
from store.requests import purge_case_requests

if TYPE_CHECKING:
    from store.connection import Connection

FORMER_PROVIDER = "Former provider"


async def purge_expired(db: Connection, retention_days: int) -> int:
    """Purge every case closed more than `retention_days` days ago and not purged yet; returns how many."""
    if retention_days < 0:
        raise InvalidInput("The retention period can't be negative.")
    async with db.transaction() as conn:
        now = db.now()
        now_text = time_to_text(now)
        due = list(
            await conn.execute_fetchall(
                "SELECT id, ref, setting_id FROM cases"
                " WHERE status = 'closed' AND purged_at IS NULL AND closed_at <= ? ORDER BY ref",
                (time_to_text(now - timedelta(days=retention_days)),),
            )
        )
        for case in due:
            cursor = await conn.execute(
                "UPDATE case_notes SET text = NULL WHERE case_id = ? AND text IS NOT NULL", (case["id"],)
            )
            await conn.execute(
                "UPDATE cases SET purged_at = ?, close_note = NULL WHERE id = ?", (now_text, case["id"])
            )
            requests_purged = await purge_case_requests(conn, case["id"], now)
            await audit.record(
                conn,
                now,
                None,
                "case.purge",
                case["ref"],
                None,
                {
                    "notes_purged": cursor.rowcount,
                    "requests_purged": requests_purged,
                    "retention_days": retention_days,
                },
                system=True,
            )
        for setting_id in sorted({case["setting_id"] for case in due}):
            remaining = await first_row(
                conn, "SELECT COUNT(*) FROM cases WHERE setting_id = ? AND purged_at IS NULL", (setting_id,)
            )
            if remaining is None or remaining[0] > 0:
                continue
            await conn.execute(
                "UPDATE settings SET name = ?, urn = NULL, provider_contact = NULL WHERE id = ?",
                (f"Setting {setting_id} (removed)", setting_id),
            )
            # A provider on further settings (issue 20) stays, with the first of those instead; only
            # providers of this setting alone are let go.
            await conn.execute("DELETE FROM provider_settings WHERE setting_id = ?", (setting_id,))
            await conn.execute(
                "UPDATE people SET setting_id = (SELECT MIN(ps.setting_id) FROM provider_settings ps"
                " WHERE ps.person_id = people.id) WHERE role = 'provider' AND setting_id = ?"
                " AND EXISTS (SELECT 1 FROM provider_settings ps WHERE ps.person_id = people.id)",
                (setting_id,),
            )
            await conn.execute(
                "DELETE FROM provider_settings WHERE EXISTS (SELECT 1 FROM people p"
                " WHERE p.id = provider_settings.person_id AND p.setting_id = provider_settings.setting_id)"
            )
            cursor = await conn.execute(
                "UPDATE people SET display_name = ?, active = 0 WHERE role = 'provider' AND setting_id = ?",
                (FORMER_PROVIDER, setting_id),
            )
            await audit.record(
                conn,
                now,
                None,
                "setting.purge",
                None,
                None,
                {"setting_id": setting_id, "providers_purged": cursor.rowcount},
                system=True,
            )
    return len(due)
