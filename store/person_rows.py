"""A person's row read into a `Person`, and the row writes other modules share (an invitation redeemed).

Low in the store: people, cases, requests, invites, the programme import and the outbox read people by
id or Telegram id, and none of them need the people repository for it.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from store.codec import time_to_text
from store.models import Person, Role

MAX_NAME = 128
COLUMNS = "id, telegram_id, display_name, role, active, setting_id"


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
    rows = list(await conn.execute_fetchall(f"SELECT {COLUMNS} FROM people WHERE id = ?", (person_id,)))
    return person_from_row(rows[0]) if rows else None


async def find_by_telegram_id(conn: aiosqlite.Connection, telegram_id: int) -> Person | None:
    """Active or not: the caller decides what a deactivated person may do."""
    rows = list(
        await conn.execute_fetchall(f"SELECT {COLUMNS} FROM people WHERE telegram_id = ?", (telegram_id,))
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
