"""Cases: one inspection of one setting, its planned and recorded dates, outcome, members and notes.

Every method takes the asking person and enforces `workflows.access` through `store.guard`; every change
is written to the audit trail in the same transaction. A closed case can't be changed (reopen it first).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import aiosqlite

from store import audit, changes, consistency, guard, places
from store.codec import (
    day_from_text,
    day_to_text,
    opt_day,
    opt_day_text,
    opt_time,
    time_from_text,
    time_to_text,
)
from store.errors import InvalidInput, PermissionDenied
from store.models import Case, Member, Note, Person, Role
from store.people import load_person
from workflows.access import Scope, can_create_case, can_view
from workflows.kinds import KINDS, event_keys

if TYPE_CHECKING:
    from store.database import Database

MAX_NOTE = 2000


async def build_case(conn: aiosqlite.Connection, row: aiosqlite.Row) -> Case:
    """A full `Case` from its row: setting, recorded events and members."""
    setting = await places.load_setting(conn, row["setting_id"])
    if setting is None:
        raise RuntimeError(f"case #{row['ref']} points at a missing setting")
    async with conn.execute(
        "SELECT key, day FROM case_events WHERE case_id = ? ORDER BY key", (row["id"],)
    ) as cur:
        events = {r["key"]: day_from_text(r["day"]) for r in await cur.fetchall()}
    async with conn.execute(
        "SELECT m.person_id, p.display_name, m.role FROM case_members m JOIN people p ON p.id = m.person_id"
        " WHERE m.case_id = ? ORDER BY m.added_at, m.person_id",
        (row["id"],),
    ) as cur:
        members = tuple(
            Member(r["person_id"], r["display_name"], Role(r["role"])) for r in await cur.fetchall()
        )
    return Case(
        id=row["id"],
        ref=row["ref"],
        kind=row["kind"],
        setting=setting,
        planned_start=opt_day(row["planned_start"]),
        planned_end=opt_day(row["planned_end"]),
        status=row["status"],
        judgement=row["judgement"],
        concerns=bool(row["concerns"]),
        events=events,
        members=members,
        created_at=time_from_text(row["created_at"]),
        closed_at=opt_time(row["closed_at"]),
        purged_at=opt_time(row["purged_at"]),
    )


def _check_planned(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput("The last day on site can't be before the first.")


def _check_open(row: aiosqlite.Row) -> None:
    if row["status"] != "open":
        raise InvalidInput(f"Case #{row['ref']} is closed, so it can't be changed. Reopen it first.")


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


class CaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        actor: Person,
        kind: str,
        setting_name: str,
        planned_start: date | None,
        planned_end: date | None = None,
        urn: str | None = None,
    ) -> Case:
        """Open a case (inspectors and managers); an inspector who opens it is put on it."""
        if kind not in KINDS:
            raise InvalidInput(f"I don't know the kind of inspection '{kind}'.")
        _check_planned(planned_start, planned_end)
        async with self._db.transaction() as conn:
            if (earlier := changes.replayed()) is not None:  # the same update, handled again
                return await self._reload(conn, int(earlier))
            subject = await guard.subject_of(conn, actor)
            if not can_create_case(subject):
                raise PermissionDenied("Only inspectors and managers can start a case.")
            now = self._db.now()
            setting = await places.find_or_create(conn, now, actor, setting_name, urn)
            async with conn.execute("SELECT COALESCE(MAX(ref), 0) + 1 FROM cases") as cur:
                next_ref = await cur.fetchone()
            assert next_ref is not None  # an aggregate always gives a row
            ref = int(next_ref[0])
            cursor = await conn.execute(
                "INSERT INTO cases (ref, kind, setting_id, planned_start, planned_end, status, concerns,"
                " created_at) VALUES (?, ?, ?, ?, ?, 'open', 0, ?)",
                (
                    ref,
                    kind,
                    setting.id,
                    opt_day_text(planned_start),
                    opt_day_text(planned_end),
                    time_to_text(now),
                ),
            )
            if cursor.lastrowid is None:
                raise RuntimeError("SQLite gave no id for a new case")
            if subject.role is Role.INSPECTOR:
                await add_member(conn, cursor.lastrowid, actor.id, Role.INSPECTOR, time_to_text(now))
            await audit.record(
                conn,
                now,
                actor,
                "case.create",
                ref,
                None,
                {
                    "kind": kind,
                    "setting_id": setting.id,
                    "planned_start": opt_day_text(planned_start),
                    "planned_end": opt_day_text(planned_end),
                    "status": "open",
                },
            )
            changes.remember(str(ref))
            return await self._reload(conn, ref)

    async def get(self, actor: Person, ref: int) -> Case:
        """The case, if `actor` may see it; `NotFound` otherwise, whether or not it exists."""
        async with self._db.reading() as conn:
            return await build_case(conn, await guard.visible_case(conn, actor, ref))

    async def list_for(self, actor: Person) -> list[Case]:
        """Every case `actor` may see, newest first."""
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            async with conn.execute("SELECT * FROM cases ORDER BY ref DESC") as cur:
                rows = list(await cur.fetchall())
            visible: list[Case] = []
            for row in rows:
                scope: Scope = await guard.scope_of(conn, row["id"], row["setting_id"])
                if can_view(subject, scope):
                    visible.append(await build_case(conn, row))
            return visible

    async def record_event(self, actor: Person, ref: int, key: str, day: date) -> Case:
        """Record the day something happened (`start`, `end`, a milestone key of the kind)."""
        day_text = day_to_text(day)
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            _check_open(row)
            if key not in event_keys(row["kind"]):
                raise InvalidInput(f"'{key}' isn't something I record for this kind of inspection.")
            before = await self._event(conn, row["id"], key)
            if before == day_text:
                return await build_case(conn, row)
            consistency.check_event(await build_case(conn, row), key, day)
            await conn.execute(
                "INSERT INTO case_events (case_id, key, day, recorded_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (case_id, key)"
                " DO UPDATE SET day = excluded.day, recorded_at = excluded.recorded_at",
                (row["id"], key, day_text, time_to_text(self._db.now())),
            )
            await audit.record(
                conn,
                self._db.now(),
                actor,
                "case.event",
                ref,
                {"key": key, "day": before},
                {"key": key, "day": day_text},
            )
            return await self._reload(conn, ref)

    async def clear_event(self, actor: Person, ref: int, key: str) -> Case:
        """Forget a recorded day (recorded by mistake); the trail keeps what it was."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            _check_open(row)
            before = await self._event(conn, row["id"], key)
            if before is None:
                return await build_case(conn, row)
            consistency.check_without_event(await build_case(conn, row), key)
            await conn.execute("DELETE FROM case_events WHERE case_id = ? AND key = ?", (row["id"], key))
            await audit.record(
                conn,
                self._db.now(),
                actor,
                "case.event",
                ref,
                {"key": key, "day": before},
                {"key": key, "day": None},
            )
            return await self._reload(conn, ref)

    async def set_outcome(
        self, actor: Person, ref: int, *, judgement: str | None = None, concerns: bool | None = None
    ) -> Case:
        """Record the judgement (a grade of the kind) and/or serious or widespread concerns.

        None leaves a value as it is.
        """
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            _check_open(row)
            kind = KINDS[row["kind"]]
            if judgement is not None and judgement not in kind.grades:
                choices = ", ".join(kind.grades) or "none"
                raise InvalidInput(
                    f"'{judgement}' isn't a judgement for this kind of inspection ({choices})."
                )
            new_judgement: str | None = row["judgement"] if judgement is None else judgement
            new_concerns = bool(row["concerns"]) if concerns is None else concerns
            consistency.check_outcome(await build_case(conn, row), new_judgement, new_concerns)
            before = {"judgement": row["judgement"], "concerns": bool(row["concerns"])}
            after = {"judgement": new_judgement, "concerns": new_concerns}
            return await self._update(conn, actor, ref, "case.outcome", before, after)

    async def set_planned(self, actor: Person, ref: int, start: date | None, end: date | None) -> Case:
        """Change the planned on-site days."""
        _check_planned(start, end)
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            _check_open(row)
            before = {"planned_start": row["planned_start"], "planned_end": row["planned_end"]}
            after = {"planned_start": opt_day_text(start), "planned_end": opt_day_text(end)}
            consistency.check_planned(await build_case(conn, row), start, end)
            return await self._update(conn, actor, ref, "case.planned", before, after)

    async def close(self, actor: Person, ref: int) -> Case:
        """Close the case: no more changes, and the retention period starts now."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            if row["status"] == "closed":
                return await build_case(conn, row)
            before = {"status": "open", "closed_at": None}
            after = {"status": "closed", "closed_at": time_to_text(self._db.now())}
            return await self._update(conn, actor, ref, "case.close", before, after)

    async def reopen(self, actor: Person, ref: int) -> Case:
        """Reopen a closed case whose free text has not been purged yet."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            if row["status"] == "open":
                return await build_case(conn, row)
            if row["purged_at"] is not None:
                raise InvalidInput(f"Case #{ref} has passed its retention period and can't be reopened.")
            before = {"status": "closed", "closed_at": row["closed_at"]}
            after = {"status": "open", "closed_at": None}
            return await self._update(conn, actor, ref, "case.reopen", before, after)

    async def add_member(self, actor: Person, ref: int, person_id: int, role: Role) -> Case:
        """Put someone on the case in their own role; a provider only on a case of their setting."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            _check_open(row)
            person = await load_person(conn, person_id)
            if person is None or not person.active:
                raise InvalidInput("I can't find that person.")
            if person.role is not role:
                raise InvalidInput(f"{person.display_name} is registered as {person.role}, not {role}.")
            if role is Role.PROVIDER and person.setting_id != row["setting_id"]:
                raise InvalidInput(f"{person.display_name} is a provider for another setting.")
            now = self._db.now()
            if await add_member(conn, row["id"], person_id, role, time_to_text(now)):
                await audit.record(
                    conn, now, actor, "case.member", ref, None, {"person_id": person_id, "role": role.value}
                )
            return await self._reload(conn, ref)

    async def add_note(self, actor: Person, ref: int, text: str) -> Note:
        """A free-text note (planning notes, a deferral ground in the provider's words).

        Remind people not to type children's names. The trail records the note's length, not its text.
        """
        cleaned = text.strip()
        if not cleaned:
            raise InvalidInput("The note is empty.")
        if len(cleaned) > MAX_NOTE:
            raise InvalidInput(f"That note is too long: keep it under {MAX_NOTE} characters.")
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            _check_open(row)
            now = self._db.now()
            cursor = await conn.execute(
                "INSERT INTO case_notes (case_id, author_id, at, text) VALUES (?, ?, ?, ?)",
                (row["id"], actor.id, time_to_text(now), cleaned),
            )
            if cursor.lastrowid is None:
                raise RuntimeError("SQLite gave no id for a new note")
            await audit.record(
                conn,
                now,
                actor,
                "case.note",
                ref,
                None,
                {"note_id": cursor.lastrowid, "length": len(cleaned)},
            )
            return Note(id=cursor.lastrowid, case_ref=ref, author_id=actor.id, at=now, text=cleaned)

    async def notes(self, actor: Person, ref: int) -> list[Note]:
        """The case's notes, oldest first, for anyone who may see the case."""
        async with self._db.reading() as conn:
            row = await guard.visible_case(conn, actor, ref)
            return await notes_of(conn, row["id"], ref)

    async def _event(self, conn: aiosqlite.Connection, case_id: int, key: str) -> str | None:
        async with conn.execute(
            "SELECT day FROM case_events WHERE case_id = ? AND key = ?", (case_id, key)
        ) as cur:
            found = await cur.fetchone()
        return None if found is None else str(found["day"])

    async def _update(
        self,
        conn: aiosqlite.Connection,
        actor: Person,
        ref: int,
        action: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> Case:
        """Write the changed columns of the case and their audit entry; nothing if nothing changed."""
        changed = {column: value for column, value in after.items() if before.get(column) != value}
        if changed:
            # Column names come from the fixed dicts above, never from input.
            assignments = ", ".join(f"{column} = ?" for column in changed)
            values = [int(v) if isinstance(v, bool) else v for v in changed.values()]
            await conn.execute(f"UPDATE cases SET {assignments} WHERE ref = ?", (*values, ref))
            await audit.record(conn, self._db.now(), actor, action, ref, before, after)
        return await self._reload(conn, ref)

    async def _reload(self, conn: aiosqlite.Connection, ref: int) -> Case:
        row = await guard.case_row(conn, ref)
        if row is None:
            raise RuntimeError(f"case #{ref} vanished inside its own transaction")
        return await build_case(conn, row)


async def notes_of(conn: aiosqlite.Connection, case_id: int, ref: int) -> list[Note]:
    """Unchecked: for callers that have already checked access."""
    async with conn.execute(
        "SELECT id, author_id, at, text FROM case_notes WHERE case_id = ? ORDER BY id", (case_id,)
    ) as cur:
        return [
            Note(r["id"], ref, r["author_id"], time_from_text(r["at"]), r["text"])
            for r in await cur.fetchall()
        ]
