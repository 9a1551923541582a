"""People: managers named by the operator, inspectors and providers who arrive by invitation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from store import audit, guard, outbox
from store.errors import InvalidInput, PermissionDenied
from store.models import Person, Role
from store.person_rows import (
    COLUMNS,
    clean_display_name,
    find_by_telegram_id,
    insert_person,
    load_person,
    person_from_row,
    reload_person,
    update_person,
)
from store.reads import first_row
from workflows.access import can_manage_people

if TYPE_CHECKING:
    from store.connection import Connection


def _facts(person: Person) -> dict[str, object]:
    """What the trail keeps about a person: never the name or the Telegram id."""
    return {
        "person_id": person.id,
        "role": person.role.value,
        "active": person.active,
        "setting_id": person.setting_id,
    }


class PeopleRepository:
    def __init__(self, db: Connection) -> None:
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
                f"SELECT {COLUMNS} FROM people WHERE role = 'inspector' AND active = 1"
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
