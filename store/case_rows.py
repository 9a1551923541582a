"""A case's rows read into a `Case`, and the row writes other modules share (a member added, notes read).

Low in the store: cases, requests, the outbox, invites, the programme import and the export all build
cases from rows, and none of them need another's repository for it.
"""

from __future__ import annotations

import json

import aiosqlite

from store.codec import day_from_text, opt_day, opt_time, time_from_text
from store.models import Case, CaseStatus, CloseReason, Member, Note, Role, Setting
from store.places import load_setting

#: A case's recorded events and members as JSON arrays, columns of a query on `cases c`.
CONTENTS = (
    "(SELECT json_group_array(json_array(key, day)) FROM case_events WHERE case_id = c.id)"
    " AS contents_events,"
    " (SELECT json_group_array(json_array(m.person_id, p.display_name, m.role, m.added_at))"
    " FROM case_members m JOIN people p ON p.id = m.person_id WHERE m.case_id = c.id) AS contents_members"
)


async def build_case(conn: aiosqlite.Connection, row: aiosqlite.Row) -> Case:
    """A full `Case` from its row: setting, recorded events and members (read now, in one round trip)."""
    sql = f"SELECT {CONTENTS} FROM cases c WHERE c.id = ?"
    contents = list(await conn.execute_fetchall(sql, (row["id"],)))
    if not contents:
        raise RuntimeError(f"case #{row['ref']} vanished while it was read")
    return await case_from(conn, row, contents[0])


async def case_from(conn: aiosqlite.Connection, row: aiosqlite.Row, contents: aiosqlite.Row) -> Case:
    """A `Case` from its row and its `CONTENTS` columns (JSON arrays, put in order here: SQLite's
    json_group_array promises no order)."""
    if "setting_name" in row.keys():  # noqa: SIM118 - `in row` tests values; read by guard.case_row
        setting: Setting | None = Setting(row["setting_id"], row["setting_name"], row["setting_urn"])
    else:
        setting = await load_setting(conn, row["setting_id"])
    if setting is None:
        raise RuntimeError(f"case #{row['ref']} points at a missing setting")
    events = {key: day_from_text(day) for key, day in sorted(json.loads(contents["contents_events"]))}
    listed = sorted(json.loads(contents["contents_members"]), key=lambda m: (m[3], m[0]))  # added_at, id
    members = tuple(Member(person_id, name, Role(role)) for person_id, name, role, _ in listed)
    return Case(
        id=row["id"],
        ref=row["ref"],
        kind=row["kind"],
        setting=setting,
        planned_start=opt_day(row["planned_start"]),
        planned_end=opt_day(row["planned_end"]),
        status=CaseStatus(row["status"]),
        judgement=row["judgement"],
        concerns=bool(row["concerns"]),
        events=events,
        members=members,
        created_at=time_from_text(row["created_at"]),
        closed_at=opt_time(row["closed_at"]),
        purged_at=opt_time(row["purged_at"]),
        close_reason=None if row["close_reason"] is None else CloseReason(row["close_reason"]),
        close_note=row["close_note"],
        single_individual=bool(row["single_individual"]),
    )


async def add_member(
    conn: aiosqlite.Connection, case_id: int, person_id: int, role: Role, now_text: str
) -> bool:
    """Put someone on a case; False if they were already on it."""
    cursor = await conn.execute(
        "INSERT INTO case_members (case_id, person_id, role, added_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (case_id, person_id) DO NOTHING",
        (case_id, person_id, role.value, now_text),
    )
    return cursor.rowcount == 1


async def notes_of(conn: aiosqlite.Connection, case_id: int, ref: int) -> list[Note]:
    """Unchecked: for callers that have already checked access."""
    return [
        Note(r["id"], ref, r["author_id"], time_from_text(r["at"]), r["text"])
        for r in await conn.execute_fetchall(
            "SELECT id, author_id, at, text FROM case_notes WHERE case_id = ? ORDER BY id", (case_id,)
        )
    ]
