"""The store's side of authorisation: load the facts `workflows.access` decides on, and refuse.

Every repository call that touches a case goes through `visible_case` or `editable_case`, inside the same
lock or transaction as the rest of the call, so the decision is made on current data. The person is
re-read from the database each time: a deactivated person or a changed role takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable

import aiosqlite

from store.errors import NotFound, PermissionDenied
from store.models import Person
from workflows.access import OPERATOR, Role, Scope, Subject, can_correct, can_edit, can_view


async def subject_of(conn: aiosqlite.Connection, actor: Person | None) -> Subject:
    """The current facts about `actor`; None is the operator's command line."""
    if actor is None:
        return OPERATOR
    rows = list(
        await conn.execute_fetchall("SELECT role, setting_id, active FROM people WHERE id = ?", (actor.id,))
    )
    row = rows[0] if rows else None
    if row is None:
        return Subject(person_id=actor.id, role=actor.role, setting_id=None, active=False)
    return Subject(
        person_id=actor.id, role=Role(row["role"]), setting_id=row["setting_id"], active=bool(row["active"])
    )


async def scope_of(conn: aiosqlite.Connection, case_id: int, setting_id: int) -> Scope:
    rows = await conn.execute_fetchall(
        "SELECT person_id, role FROM case_members WHERE case_id = ?", (case_id,)
    )
    members = {row["person_id"]: Role(row["role"]) for row in rows}
    return Scope(setting_id=setting_id, members=members)


async def case_row(conn: aiosqlite.Connection, ref: int) -> aiosqlite.Row | None:
    """The case's row with its setting's name and URN (`setting_name`, `setting_urn`), in one round trip."""
    rows = list(
        await conn.execute_fetchall(
            "SELECT c.*, s.name AS setting_name, s.urn AS setting_urn FROM cases c"
            " JOIN settings s ON s.id = c.setting_id WHERE c.ref = ?",
            (ref,),
        )
    )
    return rows[0] if rows else None


async def visible_case(conn: aiosqlite.Connection, actor: Person | None, ref: int) -> aiosqlite.Row:
    """The case row, if `actor` may see it; `NotFound` whether it is missing or hidden."""
    row = await case_row(conn, ref)
    if row is None:
        raise NotFound(ref)
    subject = await subject_of(conn, actor)
    if not can_view(subject, await scope_of(conn, row["id"], row["setting_id"])):
        raise NotFound(ref)
    return row


async def editable_case(conn: aiosqlite.Connection, actor: Person | None, ref: int) -> aiosqlite.Row:
    """The case row, if `actor` may change it; `NotFound` if they can't see it, else `PermissionDenied`."""
    return await _allowed(
        conn, actor, ref, can_edit, f"Only an inspector on case #{ref} or a manager can change it."
    )


async def correctable_case(conn: aiosqlite.Connection, actor: Person | None, ref: int) -> aiosqlite.Row:
    """The case row, if `actor` may correct its kind or name or reopen it (managers); else refuse."""
    return await _allowed(conn, actor, ref, can_correct, f"Only a manager can do that to case #{ref}.")


async def _allowed(
    conn: aiosqlite.Connection,
    actor: Person | None,
    ref: int,
    rule: Callable[[Subject, Scope], bool],
    refusal: str,
) -> aiosqlite.Row:
    row = await visible_case(conn, actor, ref)
    subject = await subject_of(conn, actor)
    if not rule(subject, await scope_of(conn, row["id"], row["setting_id"])):
        raise PermissionDenied(refusal)
    return row
