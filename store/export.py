"""A case's full record as JSON-ready data, for the operator: subject access requests and archiving."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store import audit, guard
from store.case_rows import build_case, notes_of
from store.codec import opt_day_text, time_to_text
from store.errors import NotFound
from store.requests import requests_of

if TYPE_CHECKING:
    from store.connection import Connection


def _opt_time(value: Any) -> str | None:
    return None if value is None else str(value)


async def export_case(db: Connection, ref: int) -> dict[str, Any]:
    """Everything stored about case `ref`: case, setting, members, events, notes, invites, requests, trail.

    Operator-level (no person is asked): the command line calls it. `NotFound` if there is no such case.
    """
    async with db.reading() as conn:
        row = await guard.case_row(conn, ref)
        if row is None:
            raise NotFound(ref)
        case = await build_case(conn, row)
        notes = await notes_of(conn, case.id, ref)
        entries = await audit.entries_for_case(conn, ref)
        requests = await requests_of(conn, case.id)
        invites = [
            {
                "id": r["id"],
                "role": r["role"],
                "created_by": r["created_by"],
                "created_at": r["created_at"],
                "expires_at": r["expires_at"],
                "redeemed_at": _opt_time(r["redeemed_at"]),
                "redeemed_by": r["redeemed_by"],
            }
            for r in await conn.execute_fetchall(
                "SELECT id, role, created_by, created_at, expires_at, redeemed_at, redeemed_by FROM invites"
                " WHERE case_id = ? ORDER BY id",
                (case.id,),
            )
        ]
    return {
        "exported_at": time_to_text(db.now()),
        "case": {
            "ref": case.ref,
            "kind": case.kind,
            "status": case.status,
            "planned_start": opt_day_text(case.planned_start),
            "planned_end": opt_day_text(case.planned_end),
            "judgement": case.judgement,
            "concerns": case.concerns,
            "single_individual": case.single_individual,
            "created_at": time_to_text(case.created_at),
            "closed_at": None if case.closed_at is None else time_to_text(case.closed_at),
            "close_reason": case.close_reason,
            "close_note": case.close_note,
            "purged_at": None if case.purged_at is None else time_to_text(case.purged_at),
        },
        "setting": {"id": case.setting.id, "name": case.setting.name, "urn": case.setting.urn},
        "members": [
            {"person_id": m.person_id, "display_name": m.display_name, "role": m.role.value}
            for m in case.members
        ],
        "events": {key: day.isoformat() for key, day in sorted(case.events.items())},
        "notes": [
            {"id": n.id, "author_id": n.author_id, "at": time_to_text(n.at), "text": n.text} for n in notes
        ],
        "invites": invites,
        "requests": [
            {
                "id": r.id,
                "kind": r.kind,
                "state": r.state,
                "asked_by": r.asked_by,
                "decider": None if r.decider is None else r.decider.value,
                "last_by": r.last_by,
                "last_label": r.last_label,
                "payload": r.payload,
                "version": r.version,
                "created_at": time_to_text(r.created_at),
                "updated_at": time_to_text(r.updated_at),
                "purged_at": None if r.purged_at is None else time_to_text(r.purged_at),
            }
            for r in requests
        ],
        "audit": [
            {
                "id": e.id,
                "at": time_to_text(e.at),
                "actor_id": e.actor_id,
                "actor_label": e.actor_label,
                "action": e.action,
                "before": e.before,
                "after": e.after,
            }
            for e in entries
        ],
    }
