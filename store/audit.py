"""The append-only audit trail: who did what to which case, when, with the values before and after.

Free text never enters the trail. Where a change touches a note, a name or another typed value, the
trail records that it changed and its length (`{"note_id": 4, "length": 120}`), so a retention purge
really removes the text while the trail still shows that it existed. The table refuses UPDATE and DELETE
by trigger; this module only ever inserts.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from store import guard
from store.codec import time_from_text, time_to_text
from store.models import AuditEntry, Person
from store.reads import first_row

if TYPE_CHECKING:
    from store.connection import Connection

CLI_LABEL = "cli"
SYSTEM_LABEL = "system"


def label_for(actor: Person | None, *, system: bool = False) -> str:
    """How the actor appears in the trail: role and id, never a name (names are purged, the trail is not)."""
    if actor is None:
        return SYSTEM_LABEL if system else CLI_LABEL
    return f"{actor.role}:{actor.id}"


async def record(
    conn: aiosqlite.Connection,
    at: datetime,
    actor: Person | None,
    action: str,
    case_ref: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    system: bool = False,
) -> None:
    """Append one entry, inside the caller's transaction so the change and its record commit together."""
    await conn.execute(
        "INSERT INTO audit (at, actor_id, actor_label, action, case_ref, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            time_to_text(at),
            None if actor is None else actor.id,
            label_for(actor, system=system),
            action,
            case_ref,
            _dump(before),
            _dump(after),
        ),
    )


def _dump(values: dict[str, Any] | None) -> str | None:
    return None if values is None else json.dumps(values, sort_keys=True, default=str)


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _entry(row: aiosqlite.Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=time_from_text(row["at"]),
        actor_id=row["actor_id"],
        actor_label=row["actor_label"],
        action=row["action"],
        case_ref=row["case_ref"],
        before=_load(row["before"]),
        after=_load(row["after"]),
    )


_COLUMNS = "id, at, actor_id, actor_label, action, case_ref, before, after"


async def entries_for_case(conn: aiosqlite.Connection, ref: int) -> list[AuditEntry]:
    """Unchecked: for callers that have already checked access (export, the repository below)."""
    return [
        _entry(row)
        for row in await conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM audit WHERE case_ref = ? ORDER BY id", (ref,)
        )
    ]


async def entry(conn: aiosqlite.Connection, entry_id: int) -> AuditEntry | None:
    """Unchecked, like `entries_for_case`: one entry by its id."""
    row = await first_row(conn, f"SELECT {_COLUMNS} FROM audit WHERE id = ?", (entry_id,))
    return None if row is None else _entry(row)


class AuditRepository:
    """Reading the trail. There is deliberately no method that changes it."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def for_case(self, actor: Person, ref: int) -> list[AuditEntry]:
        """The trail of one case, for someone who may see the case (else `NotFound`)."""
        async with self._db.reading() as conn:
            await guard.visible_case(conn, actor, ref)
            return await entries_for_case(conn, ref)

    async def all(self) -> list[AuditEntry]:
        """The whole trail, oldest first: for operators and tests."""
        async with self._db.reading() as conn:
            return [
                _entry(row)
                for row in await conn.execute_fetchall(f"SELECT {_COLUMNS} FROM audit ORDER BY id")
            ]
