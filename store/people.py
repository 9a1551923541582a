"""People: managers named by the operator, inspectors and providers who arrive by invitation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import aiosqlite

from store import audit, guard, outbox
from store.codec import time_to_text
from store.errors import InvalidInput, PermissionDenied
from store.models import Person, Role
from store.reads import first_row
from workflows.access import can_manage_people

if TYPE_CHECKING:
    from store.database import Database

MAX_NAME = 128
_COLUMNS = "id, telegram_id, display_name, role, active, setting_id"


def clean_display_name(name: str) -> str:
    """Telegram names are free text: collapse whitespace and cap the length; never empty."""
    cleaned = " ".join(name.split())[:MAX_NAME]
    return cleaned or "Telegram user"


def person_from_row(row: aiosqlite.Row) -> Person:
    return Person(
        id=row["id"],
        telegram_id=row["telegram_id"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        active=bool(row["active"]),
        setting_id=row["setting_id"],
    )


async def load_person(conn: aiosqlite.Connection, person_id: int) -> Person | None:
    rows = list(await conn.execute_fetchall(f"SELECT {_COLUMNS} FROM people WHERE id = ?", (person_id,)))
    return person_from_row(rows[0]) if rows else None


async def find_by_telegram_id(conn: aiosqlite.Connection, telegram_id: int) -> Person | None:
    """Active or not: the caller decides what a deactivated person may do."""
    rows = list(
        await conn.execute_fetchall(f"SELECT {_COLUMNS} FROM people WHERE telegram_id = ?", (telegram_id,))
    )
    return person_from_row(rows[0]) if rows else None


async def reload_person(conn: aiosqlite.Connection, person_id: int) -> Person:
    """A person known to exist (written in this transaction)."""
    person = await load_person(conn, person_id)
    if person is None:
        raise RuntimeError(f"person {person_id} vanished inside a transaction")
    return person


async def insert_person(
    conn: aiosqlite.Connection,
    now: datetime,
    telegram_id: int,
    display_name: str,
    role: Role,
    setting_id: int | None,
) -> Person:
    cursor = await conn.execute(
        "INSERT INTO people (telegram_id, display_name, role, active, setting_id, created_at)"
        " VALUES (?, ?, ?, 1, ?, ?)",
        (telegram_id, clean_display_name(display_name), role.value, setting_id, time_to_text(now)),
    )
    person_id = cursor.lastrowid
    if person_id is None:
        raise RuntimeError("SQLite gave no id for a new person")
    return await reload_person(conn, person_id)


async def update_person(
    conn: aiosqlite.Connection, person_id: int, *, role: Role, active: bool, setting_id: int | None
) -> None:
    await conn.execute(
        "UPDATE people SET role = ?, active = ?, setting_id = ? WHERE id = ?",
        (role.value, int(active), setting_id, person_id),
    )


def _facts(person: Person) -> dict[str, object]:
    """What the trail keeps about a person: never the name or the Telegram id."""
    return {
        "person_id": person.id,
        "role": person.role.value,
        "active": person.active,
        "setting_id": person.setting_id,
    }


class PeopleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ensure_admins(self, telegram_ids: Iterable[int]) -> None:
        """Make every listed Telegram id an active manager (run on start; doing it twice changes nothing)."""
        ids = sorted(set(telegram_ids))
        if any(tid <= 0 for tid in ids):
            raise InvalidInput("A Telegram user id is a positive whole number.")
        async with self._db.transaction() as conn:
            now = self._db.now()
            for tid in ids:
                existing = await find_by_telegram_id(conn, tid)
                if existing is None:
                    person = await insert_person(conn, now, tid, f"Manager {tid}", Role.MANAGER, None)
                    await audit.record(
                        conn, now, None, "person.create", None, None, _facts(person), system=True
                    )
                elif existing.role is not Role.MANAGER or not existing.active:
                    await update_person(conn, existing.id, role=Role.MANAGER, active=True, setting_id=None)
                    after = await reload_person(conn, existing.id)
                    await audit.record(
                        conn, now, None, "person.update", None, _facts(existing), _facts(after), system=True
                    )

    async def get_by_telegram_id(self, telegram_id: int) -> Person | None:
        """The active person with this Telegram id, or None (unknown or deactivated)."""
        async with self._db.reading() as conn:
            person = await find_by_telegram_id(conn, telegram_id)
        return person if person is not None and person.active else None

    async def inspectors_named(self, text: str, limit: int = 6) -> list[Person]:
        """Active inspectors whose display name contains `text` (any letter case), for a manager's
        `/cases inspector NAME`; an exact match alone when there is one."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        async with self._db.reading() as conn:
            found = [
                person_from_row(row)
                for row in await conn.execute_fetchall(
                    "SELECT * FROM people WHERE role = 'inspector' AND active = 1"
                    " AND display_name LIKE ? ESCAPE '\\' ORDER BY display_name, id LIMIT ?",
                    (pattern, limit),
                )
            ]
        exact = [p for p in found if p.display_name.casefold() == text.strip().casefold()]
        return exact or found

    async def inspector_numbered(self, number: int) -> Person | None:
        """The active inspector with this number: their id in the bot, else their Telegram id (a manager's
        `/assign 12 inspector 2002`)."""
        async with self._db.reading() as conn:
            row = await first_row(
                conn,
                f"SELECT {_COLUMNS} FROM people WHERE role = 'inspector' AND active = 1"
                " AND (id = ? OR telegram_id = ?) ORDER BY id = ? DESC LIMIT 1",
                (number, number, number),
            )
        return None if row is None else person_from_row(row)

    async def names(self, person_ids: Iterable[int]) -> dict[int, str]:
        """Display names by people id, in one query: for a case's history, where the trail keeps only
        role and id. Unknown ids are left out."""
        ids = sorted(set(person_ids))
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        async with self._db.reading() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT id, display_name FROM people WHERE id IN ({marks})", ids
            )
        return {int(row["id"]): str(row["display_name"]) for row in rows}

    async def get(self, person_id: int) -> Person:
        async with self._db.reading() as conn:
            person = await load_person(conn, person_id)
        if person is None:
            raise InvalidInput("I can't find that person.")
        return person

    async def set_display_name(self, person: Person, display_name: str) -> Person:
        """Keep the name a person shows in Telegram; the trail records only that it changed."""
        async with self._db.transaction() as conn:
            current = await load_person(conn, person.id)
            if current is None:
                raise InvalidInput("I can't find that person.")
            name = clean_display_name(display_name)
            if name == current.display_name:
                return current
            await conn.execute("UPDATE people SET display_name = ? WHERE id = ?", (name, person.id))
            await audit.record(
                conn,
                self._db.now(),
                current,
                "person.rename",
                None,
                {"person_id": person.id, "length": len(current.display_name)},
                {"person_id": person.id, "length": len(name)},
            )
            updated = await reload_person(conn, person.id)
        return updated

    async def deactivate(self, actor: Person | None, person_id: int) -> Person:
        """Remove someone's access (managers and the operator only); their history stays."""
        async with self._db.transaction() as conn:
            if not can_manage_people(await guard.subject_of(conn, actor)):
                raise PermissionDenied("Only a manager can remove someone's access.")
            target = await load_person(conn, person_id)
            if target is None:
                raise InvalidInput("I can't find that person.")
            if not target.active:
                return target
            await update_person(conn, person_id, role=target.role, active=False, setting_id=target.setting_id)
            await outbox.cancel_person(conn, person_id, "deactivated")
            after = await reload_person(conn, person_id)
            await audit.record(
                conn, self._db.now(), actor, "person.deactivate", None, _facts(target), _facts(after)
            )
        return after
