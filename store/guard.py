"""The store's side of authorisation: load the facts `workflows.access` decides on, and refuse.

Every repository call that touches a case goes through `visible_case` or `editable_case`, inside the same
lock or transaction as the rest of the call, so the decision is made on current data. The person is
re-read from the database each time: a deactivated person or a changed role takes effect at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import aiosqlite

from store.errors import NotFound, PermissionDenied
from store.models import Person
from store.reads import first_row
from workflows.access import OPERATOR, Role, Scope, Subject, can_correct, can_edit, can_view


async def subject_of(conn: aiosqlite.Connection, actor: Person | None) -> Subject:
    """The current facts about `actor`; None is the operator's command line."""
    if actor is None:
        return OPERATOR
    row = await first_row(
        conn,
        f"SELECT role, setting_id, active, {_MORE_SETTINGS} AS more FROM people p WHERE id = ?",
        (actor.id,),
    )
    if row is None:
        return Subject(person_id=actor.id, role=actor.role, setting_id=None, active=False)
    return Subject(
        person_id=actor.id,
        role=Role(row["role"]),
        setting_id=row["setting_id"],
        active=bool(row["active"]),
        more_settings=_settings(row["more"]),
    )


#: A provider's further settings (store/migrations/0009), as a JSON array, for person row `p`.
_MORE_SETTINGS = (
    "(SELECT json_group_array(ps.setting_id) FROM provider_settings ps WHERE ps.person_id = p.id)"
)


def _settings(text: str | None) -> frozenset[int]:
    return frozenset(int(s) for s in json.loads(text or "[]"))


async def scope_of(conn: aiosqlite.Connection, case_id: int, setting_id: int) -> Scope:
    rows = await conn.execute_fetchall(
        "SELECT person_id, role FROM case_members WHERE case_id = ?", (case_id,)
    )
    members = {row["person_id"]: Role(row["role"]) for row in rows}
    return Scope(setting_id=setting_id, members=members)


async def case_row(conn: aiosqlite.Connection, ref: int) -> aiosqlite.Row | None:
    """The case's row with its setting's name and URN (`setting_name`, `setting_urn`), in one round trip."""
    return await first_row(
        conn,
        "SELECT c.*, s.name AS setting_name, s.urn AS setting_urn FROM cases c"
        " JOIN settings s ON s.id = c.setting_id WHERE c.ref = ?",
        (ref,),
    )


#: The case row (with its setting's name and URN), who is on it in which role, and the asker's current
#: facts, in one round trip: every read of a case checks access first, and each aiosqlite round trip is a
#: hop to its thread and back (a question's case read went from five trips to two with `build_case`).
_CHECKED_CASE = (
    "SELECT c.*, s.name AS setting_name, s.urn AS setting_urn,{extra}"
    " (SELECT json_group_array(json_array(m.person_id, m.role)) FROM case_members m WHERE m.case_id = c.id)"
    " AS guard_members,"
    " p.id AS guard_person, p.role AS guard_role, p.setting_id AS guard_setting, p.active AS guard_active,"
    " (SELECT json_group_array(ps.setting_id) FROM provider_settings ps WHERE ps.person_id = p.id)"
    " AS guard_more_settings"
    " FROM cases c JOIN settings s ON s.id = c.setting_id LEFT JOIN people p ON p.id = ?"
    " WHERE c.ref = ?"
)


async def checked_case(
    conn: aiosqlite.Connection, actor: Person | None, ref: int, extra: str = ""
) -> tuple[aiosqlite.Row, Subject, Scope]:
    """The case row and the facts access is decided on, read together (`subject_of`, `scope_of` as one
    query); `NotFound` when there is no such case. `extra`: more columns for the row, in the same query
    (SQL text of the caller's, with `c` the case: not user input)."""
    row = await _checked_row(conn, None if actor is None else actor.id, ref, extra)
    if actor is None:
        subject = OPERATOR
    elif row["guard_person"] is None:
        subject = Subject(person_id=actor.id, role=actor.role, setting_id=None, active=False)
    else:
        subject = _subject(row)
    return row, subject, _scope(row)


async def _checked_row(
    conn: aiosqlite.Connection, asker_id: int | None, ref: int, extra: str
) -> aiosqlite.Row:
    sql = _CHECKED_CASE.format(extra=f" {extra}," if extra else "")
    row = await first_row(conn, sql, (asker_id, ref))
    if row is None:
        raise NotFound(ref)
    return row


def _subject(row: aiosqlite.Row) -> Subject:
    return Subject(
        person_id=row["guard_person"],
        role=Role(row["guard_role"]),
        setting_id=row["guard_setting"],
        active=bool(row["guard_active"]),
        more_settings=_settings(row["guard_more_settings"]),
    )


def _scope(row: aiosqlite.Row) -> Scope:
    members = {int(person_id): Role(role) for person_id, role in json.loads(row["guard_members"])}
    return Scope(setting_id=row["setting_id"], members=members)


async def visible_case(
    conn: aiosqlite.Connection, actor: Person | None, ref: int, extra: str = ""
) -> aiosqlite.Row:
    """The case row, if `actor` may see it; `NotFound` whether it is missing or hidden."""
    row, _, _ = await viewed_case(conn, actor, ref, extra)
    return row


async def viewed_case(
    conn: aiosqlite.Connection, actor: Person | None, ref: int, extra: str = ""
) -> tuple[aiosqlite.Row, Subject, Scope]:
    """`visible_case` with the facts it decided on, for a caller that decides more on them (which party
    the actor is on the case) without reading them again; `NotFound` whether missing or hidden."""
    row, subject, scope = await checked_case(conn, actor, ref, extra)
    if not can_view(subject, scope):
        raise NotFound(ref)
    return row, subject, scope


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
    row, subject, scope = await checked_case(conn, actor, ref)
    if not can_view(subject, scope):
        raise NotFound(ref)
    if not rule(subject, scope):
        raise PermissionDenied(refusal)
    return row
