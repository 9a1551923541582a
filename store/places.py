"""Settings: the inspected places (a children's home, an agency, a local authority), found by name and URN."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import aiosqlite

from store import audit, guard
from store.codec import time_to_text
from store.errors import InvalidInput
from store.models import Person, Setting
from store.reads import first_row
from workflows.access import can_view_setting
from workflows.programme_windows import SettingKind, setting_kind_of

if TYPE_CHECKING:
    from store.connection import Connection

MAX_NAME = 200
_URN = re.compile(r"[A-Za-z0-9]{1,12}")


class SettingNotFound(InvalidInput):
    """No setting with that id that this person may see."""

    def __init__(self) -> None:
        super().__init__("I can't find that setting.")


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("Give the name of the home, agency or local authority.")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"That name is too long: keep it under {MAX_NAME} characters.")
    return cleaned


def clean_urn(urn: str | None) -> str | None:
    """Ofsted URNs are short letters and digits (e.g. SC123456); empty means none."""
    if urn is None or not urn.strip():
        return None
    cleaned = urn.strip().upper()
    if _URN.fullmatch(cleaned) is None:
        raise InvalidInput(
            f"'{urn.strip()}' doesn't look like a URN. It is letters and digits, like SC123456."
        )
    return cleaned


def setting_from_row(row: aiosqlite.Row) -> Setting:
    return Setting(id=row["id"], name=row["name"], urn=row["urn"])


async def load_setting(conn: aiosqlite.Connection, setting_id: int) -> Setting | None:
    rows = list(await conn.execute_fetchall("SELECT id, name, urn FROM settings WHERE id = ?", (setting_id,)))
    return setting_from_row(rows[0]) if rows else None


async def find_or_create(
    conn: aiosqlite.Connection, now: datetime, actor: Person | None, name: str, urn: str | None
) -> Setting:
    """The setting a new case is on, created if there is none yet (issue 22: a setting keeps its history).

    The one with this name (any letter case) and URN; else, given a URN, the setting with that URN whatever
    its name (a URN is Ofsted's identity of a setting). Without a URN, a name never joins a setting that
    has one: its providers would see the new case.
    """
    clean, clean_u = clean_name(name), clean_urn(urn)
    row = await first_row(
        conn,
        "SELECT id, name, urn FROM settings WHERE name = ? COLLATE NOCASE AND COALESCE(urn, '') = ?",
        (clean, clean_u or ""),
    )
    if row is None and clean_u is not None:
        row = await first_row(
            conn, "SELECT id, name, urn FROM settings WHERE urn = ? ORDER BY id", (clean_u,)
        )
    if row is not None:
        return setting_from_row(row)
    cursor = await conn.execute(
        "INSERT INTO settings (name, urn, created_at) VALUES (?, ?, ?)", (clean, clean_u, time_to_text(now))
    )
    if cursor.lastrowid is None:
        raise RuntimeError("SQLite gave no id for a new setting")
    setting = Setting(id=cursor.lastrowid, name=clean, urn=clean_u)
    # The name identifies the home, which published reports never do: the trail keeps only its length.
    await audit.record(
        conn,
        now,
        actor,
        "setting.create",
        None,
        None,
        {"setting_id": setting.id, "name_length": len(clean), "has_urn": clean_u is not None},
    )
    return setting


@dataclass(frozen=True)
class NamedSetting:
    """A setting that a typed name may mean: what a person needs to tell it from another of that name."""

    id: int
    name: str
    urn: str | None
    kind: SettingKind | None


async def named(conn: aiosqlite.Connection, name: str) -> list[NamedSetting]:
    """Every setting called `name` (any letter case), those with a URN first, by URN; its kind as the
    register gives it, else as its latest case's kind shows (`setting_kind_of`)."""
    rows = await conn.execute_fetchall(
        "SELECT s.id, s.name, s.urn, s.kind,"
        " (SELECT group_concat(c.kind, ' ')"
        "  FROM (SELECT kind FROM cases WHERE setting_id = s.id ORDER BY id) c) AS case_kinds"
        " FROM settings s WHERE s.name = ? COLLATE NOCASE ORDER BY s.urn IS NULL, s.urn, s.id",
        (clean_name(name),),
    )
    return [
        NamedSetting(
            row["id"],
            row["name"],
            row["urn"],
            SettingKind(row["kind"]) if row["kind"] else setting_kind_of((row["case_kinds"] or "").split()),
        )
        for row in rows
    ]


def ambiguous(found: Sequence[NamedSetting]) -> bool:
    """Whether a name alone, without a URN, leaves open which setting a case is on (issue 22): it does
    whenever a setting of that name has a URN, as `find_or_create` would then make a twin without one (or
    join the one without a URN, though another of the name has one). One setting without a URN is clear."""
    return bool(found) and not (len(found) == 1 and found[0].urn is None)


class SettingRepository:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def named(self, name: str) -> list[NamedSetting]:
        """The settings called `name`, for staff choosing which one a new case is on (`places.named`)."""
        async with self._db.reading() as conn:
            return await named(conn, name)

    async def get(self, actor: Person | None, setting_id: int) -> Setting:
        """A setting, for its own providers, managers and anyone who may see one of its cases."""
        async with self._db.reading() as conn:
            setting = await load_setting(conn, setting_id)
            if setting is None:
                raise SettingNotFound()
            subject = await guard.subject_of(conn, actor)
            case_ids = [
                row["id"]
                for row in await conn.execute_fetchall(
                    "SELECT id FROM cases WHERE setting_id = ?", (setting_id,)
                )
            ]
            scopes = [await guard.scope_of(conn, case_id, setting_id) for case_id in case_ids]
        if not can_view_setting(subject, setting_id, scopes):
            raise SettingNotFound()
        return setting
