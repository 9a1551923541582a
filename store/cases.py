"""Cases: one inspection of one setting, its planned and recorded dates, outcome, members and notes.

Every method takes the asking person and enforces `workflows.access` through `store.guard`; every change
is written to the audit trail in the same transaction. A closed case can't be changed (reopen it first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite

from store import audit, changes, conditions, consistency, derived, guard, outbox, places
from store.case_rows import CONTENTS, add_member, build_case, case_from, notes_of
from store.codec import (
    day_from_text,
    day_to_text,
    opt_day_text,
    time_to_text,
)
from store.errors import InvalidInput, PermissionDenied
from store.models import AuditEntry, Case, CloseReason, Note, Person, Role
from store.person_rows import load_person
from store.reads import first_row
from workflows import notices
from workflows.access import can_create_case, settings_of
from workflows.deadlines import CaseDates
from workflows.errors import TimelineError
from workflows.kinds import KINDS, event_keys, single_individual_matters
from workflows.recording import check_outcome, check_record, check_steps_follow_visit
from workflows.rules import InspectionKind

if TYPE_CHECKING:
    from store.connection import Connection

T = TypeVar("T")

MAX_NOTE = 2000
#: The most characters of the few words that come with closing for an "other" reason.
CLOSE_NOTE_LIMIT = 200
#: What /undo can take back: a recorded date or an outcome, never an undo itself.
UNDOABLE = ("case.event", "case.outcome")


def _check_single_individual(kind: str) -> None:
    """Only a kind whose notice depends on it can say the provider is a single individual."""
    if not single_individual_matters(kind):
        raise InvalidInput(
            "Only an adoption support agency's notice depends on whether the provider is a single "
            f"individual; {KINDS[kind].a_name} doesn't."
        )


def _check_planned(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput("The last day on site can't be before the first.")


def _check_open(row: aiosqlite.Row) -> None:
    if row["status"] != "open":
        raise InvalidInput(f"Case #{row['ref']} is closed, so it can't be changed. Reopen it first.")


class CaseRepository:
    def __init__(self, db: Connection, after: derived.AfterChange) -> None:
        self._db = db
        self._after = after  # what follows a change in other repositories (the survey, the review)

    async def create(
        self,
        actor: Person,
        kind: str,
        setting_name: str,
        planned_start: date | None,
        planned_end: date | None = None,
        urn: str | None = None,
        single_individual: bool = False,
    ) -> Case:
        """Open a case (inspectors and managers); an inspector who opens it is put on it.

        `single_individual`: the provider is one person, where the kind's notice depends on it (003 L433).
        """
        if kind not in KINDS:
            raise InvalidInput(f"I don't know the kind of inspection '{kind}'.")
        _check_planned(planned_start, planned_end)
        if single_individual:
            _check_single_individual(kind)
        async with self._db.transaction() as conn:
            if (earlier := changes.replayed()) is not None:  # the same update, handled again
                return await self._reload(conn, int(earlier))
            subject = await guard.subject_of(conn, actor)
            if not can_create_case(subject):
                raise PermissionDenied("Only inspectors and managers can start a case.")
            now = self._db.now()
            setting = await places.find_or_create(conn, now, actor, setting_name, urn)
            next_ref = await first_row(conn, "SELECT COALESCE(MAX(ref), 0) + 1 FROM cases")
            assert next_ref is not None  # an aggregate always gives a row
            ref = int(next_ref[0])
            cursor = await conn.execute(
                "INSERT INTO cases (ref, kind, setting_id, planned_start, planned_end, status, concerns,"
                " created_at, single_individual) VALUES (?, ?, ?, ?, ?, 'open', 0, ?, ?)",
                (
                    ref,
                    kind,
                    setting.id,
                    opt_day_text(planned_start),
                    opt_day_text(planned_end),
                    time_to_text(now),
                    int(single_individual),
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
                    **({"single_individual": True} if single_individual else {}),
                },
            )
            changes.remember(str(ref))
            return await self._changed(conn, ref, actor)

    async def duplicates(
        self, actor: Person, kind: str, setting: str, start: date, end: date | None
    ) -> list[int]:
        """Open cases of the same kind, setting name (any letter case) and planned days (the last one too
        when given) as a case about to be set up: /newcase asks before making another (issue 20). Only
        for those who may create cases; the refs only, oldest first."""
        async with self._db.reading() as conn:
            if not can_create_case(await guard.subject_of(conn, actor)):
                raise PermissionDenied("Only inspectors and managers can set up cases.")
            update = changes.current_update_id()
            if update is not None and await first_row(
                conn, "SELECT 1 FROM update_changes WHERE update_id = ? LIMIT 1", (update,)
            ):
                return []  # this update, handled again after a crash, made its case already: not a twin
            rows = await conn.execute_fetchall(
                "SELECT c.ref FROM cases c JOIN settings s ON s.id = c.setting_id"
                " WHERE c.status = 'open' AND c.purged_at IS NULL AND c.kind = ?"
                " AND s.name = ? COLLATE NOCASE AND c.planned_start = ?"
                " AND (? IS NULL OR c.planned_end = ?) ORDER BY c.ref",
                (kind, " ".join(setting.split()), day_to_text(start), opt_day_text(end), opt_day_text(end)),
            )
        return [int(row["ref"]) for row in rows]

    async def get(self, actor: Person, ref: int) -> Case:
        """The case, if `actor` may see it; `NotFound` otherwise, whether or not it exists."""
        async with self._db.reading() as conn:
            row = await guard.visible_case(conn, actor, ref, CONTENTS)  # one round trip in all
            return await case_from(conn, row, row)

    async def list_for(self, actor: Person, *, status: str | None = None, limit: int = 100) -> list[Case]:
        """The cases `actor` may see (open or closed ones with `status`), newest first, at most `limit`:
        one query with the access rules in its WHERE clause (store.lists), then the page's cases built."""
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            where, params = conditions.visible_sql(subject)
            if status is not None:
                where += " AND c.status = ?"
                params.append(status)
            rows = list(
                await conn.execute_fetchall(
                    f"SELECT * FROM cases c WHERE {where} ORDER BY c.ref DESC LIMIT ?", (*params, limit)
                )
            )
            return [await build_case(conn, row) for row in rows]

    async def record_event(self, actor: Person, ref: int, key: str, day: date) -> Case:
        """Record the day something happened (`start`, `end`, a milestone key of the kind)."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            return await self.record_event_on(conn, actor, row, key, day)

    async def record_event_on(
        self, conn: aiosqlite.Connection, actor: Person | None, row: aiosqlite.Row, key: str, day: date
    ) -> Case:
        """`record_event` inside the caller's transaction, on a case row whose access the caller checked.

        For the request workflows (store.requests): a transition and the date it records commit together.
        The date that makes the kind's survey due (the final report sent) offers it in the same transaction.
        """
        ref = row["ref"]
        day_text = day_to_text(day)
        _check_open(row)
        kind = KINDS[row["kind"]]
        case = await build_case(conn, row)
        # A compliance date adds a notice (compliance_date_2, ...); a numbered key corrects that one.
        key = _refused_or(notices.key_for, kind, key, day, case.events)
        dates = consistency.case_dates(case)
        _refuse(check_record, kind, key, day, self._today(), dates, self._db.calendar)
        before = await self._event(conn, row["id"], key)
        if before == day_text:
            return case
        consistency.check_event(case, key, day)
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
        case = await self._changed(conn, ref, actor)
        changed = await guard.case_row(conn, ref)
        assert changed is not None  # read back inside its own transaction
        await self._after.offer_survey(conn, changed)  # the survey, once its moment is recorded
        return case

    async def clear_event(self, actor: Person, ref: int, key: str) -> Case:
        """Forget a recorded day (recorded by mistake); the trail keeps what it was."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            return await self.clear_event_on(conn, actor, row, key)

    async def clear_event_on(
        self, conn: aiosqlite.Connection, actor: Person | None, row: aiosqlite.Row, key: str
    ) -> Case:
        """`clear_event` inside the caller's transaction (an approved deferral clears the abandoned visit's
        recorded start and end with the new planned days), on a case row whose access the caller checked."""
        ref = row["ref"]
        _check_open(row)
        before = await self._event(conn, row["id"], key)
        if before is None:
            return await build_case(conn, row)
        case = await build_case(conn, row)
        consistency.check_without_event(case, key)
        dates = consistency.case_dates(case)
        self._check_steps(
            KINDS[row["kind"]], replace(dates, records={k: v for k, v in dates.records.items() if k != key})
        )
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
        return await self._changed(conn, ref, actor)

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
            case = await build_case(conn, row)
            _refuse(check_outcome, kind, consistency.case_dates(case), self._today(), self._db.calendar)
            consistency.check_outcome(case, new_judgement, new_concerns)
            before = {"judgement": row["judgement"], "concerns": bool(row["concerns"])}
            after = {"judgement": new_judgement, "concerns": new_concerns}
            changed = await self._update(conn, actor, ref, "case.outcome", before, after)
            if before != after:  # an outcome that calls for a case review opens it, with this change
                await self._after.prompt_review(conn, ref)
                await derived.judgement_changed(
                    conn, self._db.reminding, changed, row["judgement"], self._db.now()
                )
            return changed

    async def set_planned(self, actor: Person, ref: int, start: date | None, end: date | None) -> Case:
        """Change the planned on-site days."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            return await self.set_planned_on(conn, actor, row, start, end)

    async def set_planned_on(
        self,
        conn: aiosqlite.Connection,
        actor: Person | None,
        row: aiosqlite.Row,
        start: date | None,
        end: date | None,
    ) -> Case:
        """`set_planned` inside the caller's transaction, on a case row whose access the caller checked."""
        _check_planned(start, end)
        _check_open(row)
        before = {"planned_start": row["planned_start"], "planned_end": row["planned_end"]}
        after = {"planned_start": opt_day_text(start), "planned_end": opt_day_text(end)}
        case = await build_case(conn, row)
        consistency.check_planned(case, start, end)
        self._check_steps(KINDS[row["kind"]], replace(consistency.case_dates(case), start=start, end=end))
        return await self._update(conn, actor, row["ref"], "case.planned", before, after)

    async def close(
        self, actor: Person, ref: int, reason: str = CloseReason.COMPLETED, note: str | None = None
    ) -> Case:
        """Close the case with a reason: it leaves lists and questions, and the retention period starts.

        "other" needs a few words (`note`, free text: the trail records its length only).
        """
        cleaned = " ".join((note or "").split()) or None
        if reason not in tuple(CloseReason):
            raise InvalidInput(f"Give a reason to close: {', '.join(CloseReason)}.")
        if reason == CloseReason.OTHER and cleaned is None:
            raise InvalidInput("Say in a few words why the case is closed.")
        if reason != CloseReason.OTHER:
            cleaned = None
        if cleaned is not None and len(cleaned) > CLOSE_NOTE_LIMIT:
            raise InvalidInput(f"Keep the reason under {CLOSE_NOTE_LIMIT} characters.")
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            if changes.replayed() == "closed":  # this update closed it before a crash: the same answer
                return await build_case(conn, row)
            if row["status"] == "closed":
                raise InvalidInput(f"Case #{ref} is already closed.")
            await conn.execute(
                "UPDATE cases SET status = 'closed', closed_at = ?, close_reason = ?, close_note = ?"
                " WHERE id = ?",
                (time_to_text(self._db.now()), reason, cleaned, row["id"]),
            )
            after: dict[str, Any] = {"status": "closed", "reason": reason}
            if cleaned is not None:
                after["note_length"] = len(cleaned)
            await audit.record(conn, self._db.now(), actor, "case.close", ref, {"status": "open"}, after)
            changes.remember("closed")
            return await self._changed(conn, ref, actor)

    async def reopen(self, actor: Person, ref: int) -> Case:
        """Reopen a closed case (managers) whose free text has not been purged yet."""
        async with self._db.transaction() as conn:
            row = await guard.correctable_case(conn, actor, ref)
            if changes.replayed() == "reopened":  # this update reopened it before a crash
                return await build_case(conn, row)
            if row["status"] == "open":
                raise InvalidInput(f"Case #{ref} is open already.")
            if row["purged_at"] is not None:
                raise InvalidInput(f"Case #{ref} has passed its retention period and can't be reopened.")
            await conn.execute(
                "UPDATE cases SET status = 'open', closed_at = NULL, close_reason = NULL, close_note = NULL"
                " WHERE id = ?",
                (row["id"],),
            )
            before = {"status": "closed", "reason": row["close_reason"]}
            await audit.record(conn, self._db.now(), actor, "case.reopen", ref, before, {"status": "open"})
            changes.remember("reopened")
            return await self._changed(conn, ref, actor)

    async def set_single_individual(self, actor: Person, ref: int, single: bool) -> Case:
        """Say whether the provider is a single individual (an adoption support agency run by one person
        gets 20 working days' notice, not 10: 003 L433, L501); its deadlines are worked out again."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            _check_open(row)
            if single:
                _check_single_individual(row["kind"])
            before = {"single_individual": bool(row["single_individual"])}
            after = {"single_individual": single}
            return await self._update(conn, actor, ref, "case.single_individual", before, after)

    async def set_kind(self, actor: Person, ref: int, kind: str) -> Case:
        """Correct the kind of inspection (managers); refused when what is recorded doesn't fit it."""
        if kind not in KINDS:
            raise InvalidInput(f"I don't know the kind of inspection '{kind[:40]}'.")
        async with self._db.transaction() as conn:
            row = await guard.correctable_case(conn, actor, ref)
            _check_open(row)
            case = await build_case(conn, row)
            keys = event_keys(kind)
            misfits = sorted(key for key in case.events if KINDS[kind].occurrence_of(key)[0] not in keys)
            if misfits:
                raise InvalidInput(
                    f"{KINDS[kind].a_name_opening} has no {', '.join(misfits)}: undo "
                    f"{'it' if len(misfits) == 1 else 'them'} first."
                )
            consistency.check_kind(case, kind)
            return await self._update(conn, actor, ref, "case.kind", {"kind": row["kind"]}, {"kind": kind})

    async def rename_setting(self, actor: Person, ref: int, name: str) -> Case:
        """Correct the setting's name (managers): the setting itself, so its other cases read the same."""
        clean = places.clean_name(name)
        async with self._db.transaction() as conn:
            row = await guard.correctable_case(conn, actor, ref)
            _check_open(row)
            setting = await places.load_setting(conn, row["setting_id"])
            assert setting is not None
            if setting.name == clean:
                return await build_case(conn, row)
            taken = await first_row(
                conn,
                "SELECT 1 FROM settings WHERE name = ? COLLATE NOCASE AND COALESCE(urn, '') = ? AND id <> ?"
                " LIMIT 1",
                (clean, setting.urn or "", setting.id),
            )
            if taken is not None:
                raise InvalidInput(f"Another setting is already called {clean}.")
            await conn.execute("UPDATE settings SET name = ? WHERE id = ?", (clean, setting.id))
            await audit.record(
                conn,
                self._db.now(),
                actor,
                "setting.rename",
                ref,
                {"setting_id": setting.id, "length": len(setting.name)},
                {"setting_id": setting.id, "length": len(clean)},
            )
            return await self._changed(conn, ref, actor)

    async def set_urn(self, actor: Person, ref: int, urn: str) -> Case:
        """Correct the setting's URN (managers, as its name): checked by `places.clean_urn`, the rule
        /newcase and the programme import use; the setting itself, so its other cases read the same."""
        clean = places.clean_urn(urn)
        if clean is None:
            raise InvalidInput("Give the URN: letters and digits, like SC123456 or 1234567.")
        async with self._db.transaction() as conn:
            row = await guard.correctable_case(conn, actor, ref)
            _check_open(row)
            setting = await places.load_setting(conn, row["setting_id"])
            assert setting is not None
            if setting.urn == clean:
                return await build_case(conn, row)
            await conn.execute("UPDATE settings SET urn = ? WHERE id = ?", (clean, setting.id))
            await audit.record(
                conn,
                self._db.now(),
                actor,
                "setting.urn",
                ref,
                {"setting_id": setting.id, "urn": setting.urn},
                {"setting_id": setting.id, "urn": clean},
            )
            return await self._changed(conn, ref, actor)

    async def last_recorded(self, actor: Person, ref: int) -> AuditEntry | None:
        """The last recorded date or outcome on the case that has not been undone: what /undo would take."""
        async with self._db.reading() as conn:
            await guard.visible_case(conn, actor, ref)
            return await _last_undoable(conn, ref)

    async def undo(self, actor: Person, ref: int, entry_id: int) -> tuple[Case, AuditEntry]:
        """Take back recorded change `entry_id`, which must still be the last one (else InvalidInput)."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            if (earlier := changes.replayed()) is not None:  # this update undid it before a crash
                done = await audit.entry(conn, int(earlier))
                if done is not None:
                    return await build_case(conn, row), done
            _check_open(row)
            entry = await _last_undoable(conn, ref)
            if entry is None:
                raise InvalidInput(f"Nothing recorded on case #{ref} is left to undo.")
            if entry.id != entry_id:
                raise InvalidInput("Something else was recorded since: send /undo again to see what it is.")
            before = entry.before or {}
            case = await build_case(conn, row)
            if entry.action == "case.event":
                key, day = str(before["key"]), before.get("day")
                dates = consistency.case_dates(case)
                records = {k: v for k, v in dates.records.items() if k != key}
                if day is not None:
                    records[key] = day_from_text(str(day))
                self._check_steps(KINDS[row["kind"]], replace(dates, records=records))
                if day is None:
                    consistency.check_without_event(case, key)
                    await conn.execute(
                        "DELETE FROM case_events WHERE case_id = ? AND key = ?", (row["id"], key)
                    )
                else:
                    consistency.check_event(case, key, day_from_text(str(day)))
                    await conn.execute(
                        "INSERT INTO case_events (case_id, key, day, recorded_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (case_id, key) DO UPDATE SET day = excluded.day",
                        (row["id"], key, day, time_to_text(self._db.now())),
                    )
                now_values: dict[str, Any] = {"key": key, "day": day}
            else:
                judgement, concerns = before.get("judgement"), bool(before.get("concerns"))
                consistency.check_outcome(case, judgement, concerns)
                await conn.execute(
                    "UPDATE cases SET judgement = ?, concerns = ? WHERE id = ?",
                    (judgement, int(concerns), row["id"]),
                )
                now_values = {"judgement": judgement, "concerns": concerns}
            await audit.record(
                conn, self._db.now(), actor, "case.undo", ref, entry.after, {**now_values, "undoes": entry.id}
            )
            changes.remember(str(entry.id))
            undone = await self._changed(conn, ref, actor), entry
            if entry.action == "case.outcome":  # back to an outcome that calls for a review: as recorded
                await self._after.prompt_review(conn, ref)
                await derived.judgement_changed(
                    conn, self._db.reminding, undone[0], case.judgement, self._db.now()
                )
            return undone

    def _check_steps(self, kind: InspectionKind, dates: CaseDates) -> None:
        """Refused (InvalidInput) when `dates` would leave a step recorded after the visit before it."""
        _refuse(check_steps_follow_visit, kind, dates, self._today(), self._db.calendar)

    def _today(self) -> date:
        """Today in the one configured zone (INSPECTBOT_TZ), which recorded dates are compared with."""
        return self._db.reminding.config.hours.local(self._db.now()).date()

    async def add_member(self, actor: Person, ref: int, person_id: int, role: Role) -> Case:
        """Put someone on the case in their own role; a provider only on a case of one of their settings.
        Someone put on it by another person is told, naming the case, in the same transaction (an outbox
        notice: handlers/reminders.py writes it)."""
        async with self._db.transaction() as conn:
            row = await guard.editable_case(conn, actor, ref)
            _check_open(row)
            person = await load_person(conn, person_id)
            if person is None or not person.active:
                raise InvalidInput("I can't find that person.")
            if person.role is not role:
                raise InvalidInput(f"{person.display_name} is registered as {person.role}, not {role}.")
            if role is Role.PROVIDER and row["setting_id"] not in settings_of(
                await guard.subject_of(conn, person)
            ):
                raise InvalidInput(f"{person.display_name} is a provider for another setting.")
            now = self._db.now()
            if await add_member(conn, row["id"], person_id, role, time_to_text(now)):
                await audit.record(
                    conn, now, actor, "case.member", ref, None, {"person_id": person_id, "role": role.value}
                )
                if person_id != actor.id:
                    await outbox.enqueue(
                        conn,
                        self._db.reminding,
                        now,
                        dedup=f"assigned:{row['id']}:{person_id}:{time_to_text(now)}",
                        person_id=person_id,
                        case_id=row["id"],
                        kind=outbox.Kind.NOTICE,
                        batch=f"assigned:{row['id']}",
                        template="assigned",
                        params={"by": actor.id, "role": role.value},
                        due_at=now,
                    )
            return await self._changed(conn, ref, actor)

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
        found = await first_row(
            conn, "SELECT day FROM case_events WHERE case_id = ? AND key = ?", (case_id, key)
        )
        return None if found is None else str(found["day"])

    async def _update(
        self,
        conn: aiosqlite.Connection,
        actor: Person | None,
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
            return await self._changed(conn, ref, actor)
        return await self._reload(conn, ref)

    async def _changed(self, conn: aiosqlite.Connection, ref: int, by: Person | None = None) -> Case:
        """After a change: refresh what is derived from the case (store.derived), then read it back. `by`,
        who made the change, is not sent notices of it: they are shown what changed in the reply."""
        case = await self._reload(conn, ref)
        await derived.case_changed(
            conn,
            case.id,
            self._db.now(),
            self._db.calendar,
            self._db.reminding,
            changed_by=None if by is None else by.id,
        )
        return case

    async def _reload(self, conn: aiosqlite.Connection, ref: int) -> Case:
        row = await guard.case_row(conn, ref)
        if row is None:
            raise RuntimeError(f"case #{ref} vanished inside its own transaction")
        return await build_case(conn, row)


def _refuse(check: Any, *args: Any) -> None:
    """Run a rule from workflows.recording; its refusal becomes the store's InvalidInput."""
    _refused_or(check, *args)


def _refused_or(rule: Callable[..., T], *args: Any) -> T:
    """A rule's answer; its refusal (a TimelineError) becomes the store's InvalidInput."""
    try:
        return rule(*args)
    except TimelineError as exc:
        raise InvalidInput(str(exc)) from exc


async def _last_undoable(conn: aiosqlite.Connection, ref: int) -> AuditEntry | None:
    """The newest recorded date or outcome whose change has not been undone."""
    entries = await audit.entries_for_case(conn, ref)
    undone = {int(e.after["undoes"]) for e in entries if e.action == "case.undo" and e.after}
    return next((e for e in reversed(entries) if e.action in UNDOABLE and e.id not in undone), None)
