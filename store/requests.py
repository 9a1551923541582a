"""Requests between people on a case (issue 11): each a workflow from `workflows.request_kinds`.

A transition reads the request and its case, asks the pure workflow what the event does (refusals come
back as `InvalidInput`, or `PermissionDenied` for an event meant for someone else), then, in the same
`BEGIN IMMEDIATE` transaction, compare-and-sets the request (`UPDATE ... WHERE id = ? AND state = ? AND
version = ?`), appends the audit entry and applies the case changes through `CaseRepository`'s own
in-transaction methods (so `store.derived.case_changed` runs). Two people deciding at once can't both
win: the second finds the request moved on and gets a `Sent` with `applied=False` naming who moved it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from store import audit, changes, guard, outbox
from store.case_rows import build_case
from store.codec import time_from_text, time_to_text
from store.conditions import visible_sql
from store.consistency import case_dates
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, CaseStatus, Person, Role
from store.person_rows import load_person
from store.reads import first_row
from workflows import survey
from workflows.access import Scope, Subject, is_operator, settings_of
from workflows.actions import PARTY_BY_ROLE
from workflows.flows import (
    NEW,
    Apply,
    ClearRecord,
    NotYours,
    Outcome,
    Party,
    Payload,
    RecordDate,
    Refused,
    SetPlanned,
    Situation,
    party_of,
    purge_payload,
)
from workflows.kinds import KINDS
from workflows.request_kinds import FLOWS, get_flow, visible_to

if TYPE_CHECKING:
    from store.cases import CaseRepository
    from store.connection import Connection


@dataclass(frozen=True)
class Request:
    """One request as stored: its workflow kind, case, state, who asked and last moved it, its payload."""

    id: int
    kind: str
    case_ref: int
    state: str
    asked_by: int | None
    decider: Party | None
    last_by: int | None  # the person who made the last transition (None: the bot or the command line)
    last_label: str  # how the audit trail names them: "manager:3", "system", "cli"
    payload: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    purged_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.state in get_flow(self.kind).machine.final


@dataclass(frozen=True)
class Sent:
    """What sending an event did. `applied=False`: someone else moved the request first (`request` is as
    they left it; `request.last_by` / `last_label` say who), and nothing was changed."""

    request: Request
    applied: bool
    case: Case | None = None  # the case after the transition's changes (None when not applied)
    warnings: tuple[str, ...] = ()  # for the sender: e.g. shorter notice than the kind requires
    tell: tuple[Party, ...] = ()  # who should hear of it (outbox messages, next)
    told: int = 0  # how many people the outbox will tell (none: nobody of those parties is on the case)


_COLUMNS = (
    "r.id, r.kind, r.state, r.asked_by, r.decider, r.last_by, r.last_label, r.payload, r.version,"
    " r.created_at, r.updated_at, r.purged_at, c.ref AS case_ref"
)


def party_sql(subject: Subject, case: str = "c") -> tuple[Party | None, str, list[Any]]:
    """`workflows.flows.party_of` as a condition on `cases` row `case`: the part `subject` plays on the
    cases it selects (one part for all of them, since it follows from the role), and the condition; a
    subject with no part anywhere gets None and "0". Lets a question across cases be one query instead
    of a read of every case's members."""
    if is_operator(subject):
        return Party.MANAGER, "1", []
    if not subject.active:
        return None, "0", []
    if subject.role is Role.MANAGER:
        return Party.MANAGER, "1", []
    if subject.role is Role.INSPECTOR and subject.person_id is not None:
        return (
            Party.INSPECTOR,
            f"EXISTS (SELECT 1 FROM case_members pm WHERE pm.case_id = {case}.id AND pm.person_id = ?"
            " AND pm.role = 'inspector')",
            [subject.person_id],
        )
    if subject.role is Role.PROVIDER and (settings := sorted(settings_of(subject))):
        return Party.PROVIDER, f"{case}.setting_id IN ({', '.join('?' for _ in settings)})", [*settings]
    return None, "0", []


def _request(row: aiosqlite.Row) -> Request:
    return Request(
        id=row["id"],
        kind=row["kind"],
        case_ref=row["case_ref"],
        state=row["state"],
        asked_by=row["asked_by"],
        decider=None if row["decider"] is None else Party(row["decider"]),
        last_by=row["last_by"],
        last_label=row["last_label"],
        payload=json.loads(row["payload"]),
        version=row["version"],
        created_at=time_from_text(row["created_at"]),
        updated_at=time_from_text(row["updated_at"]),
        purged_at=None if row["purged_at"] is None else time_from_text(row["purged_at"]),
    )


async def requests_of(conn: aiosqlite.Connection, case_id: int) -> list[Request]:
    """Unchecked: every request of a case, oldest first, for callers that checked access (export)."""
    return [
        _request(row)
        for row in await conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM requests r JOIN cases c ON c.id = r.case_id"
            " WHERE r.case_id = ? ORDER BY r.id",
            (case_id,),
        )
    ]


async def catch_up_member(
    conn: aiosqlite.Connection,
    reminding: outbox.Reminding,
    now: datetime,
    case_ref: int,
    person_id: int,
    role: Role,
) -> int:
    """Someone just joined the case (an invitation redeemed, in its transaction): each open request that
    waits for their party (a notification to acknowledge, a survey to answer) reaches them as it reached
    the others, through the outbox; otherwise /help would list it with nothing to press. Returns the rows
    added."""
    party = PARTY_BY_ROLE.get(role)
    row = await guard.case_row(conn, case_ref)
    if party is None or row is None or row["status"] != "open":
        return 0
    added = 0
    case: Case | None = None
    for request in await requests_of(conn, row["id"]):
        machine = get_flow(request.kind).machine
        if request.state in machine.final or not machine.events(request.state, party):
            continue
        if not visible_to(party, request.kind):
            continue
        came = next((m.event for m in machine.moves if m.target == request.state), None)
        if came is None:
            continue
        case = case or await build_case(conn, row)
        added += await outbox.tell_request(
            conn,
            reminding,
            now,
            case,
            request_id=request.id,
            version=request.version,
            event=came,
            parties=(role.value,),
            actor_id=request.last_by,
        )
    return added


async def purge_case_requests(conn: aiosqlite.Connection, case_id: int, now: datetime) -> int:
    """Retention: the free text of a case's requests becomes None (dates, states, ratings stay)."""
    purged = 0
    for request in await requests_of(conn, case_id):
        if request.purged_at is not None:
            continue
        clean = purge_payload(request.payload, get_flow(request.kind).free_text)
        await conn.execute(
            "UPDATE requests SET payload = ?, purged_at = ? WHERE id = ?",
            (_dump(clean), time_to_text(now), request.id),
        )
        purged += 1
    return purged


def _dump(payload: Payload) -> str:
    return json.dumps(payload, sort_keys=True)


def _lengths(payload: Payload, free_text: frozenset[str]) -> dict[str, Any]:
    """What the trail may say of a payload: its free text as lengths, the rest as is (no nesting)."""
    shown: dict[str, Any] = {}
    for key, value in payload.items():
        if key in free_text:
            shown[f"{key}_length"] = None if value is None else len(str(value))
        elif isinstance(value, str | int | float | bool) or value is None:
            shown[key] = value
    return shown


class RequestRepository:
    """Opening requests, sending events to them, and reading them; every call checks the person's part."""

    def __init__(self, db: Connection, cases: CaseRepository) -> None:
        self._db = db
        self._cases = cases  # a transition's case changes go through the case repository's own methods

    async def open(
        self,
        actor: Person | None,
        ref: int,
        kind: str,
        event: str,
        data: Payload | None = None,
        *,
        system: bool = False,
    ) -> Sent:
        """Start a request of `kind` on case `ref` with its first event (notify, ask, submit, make, offer,
        start). `actor` None is the command line, or the bot itself with `system=True` (a prompt)."""
        if kind not in FLOWS:
            raise InvalidInput(f"There is no kind of request called '{kind[:40]}'.")
        async with self._db.transaction() as conn:
            if (earlier := changes.replayed()) is not None:  # the same update, handled again
                return await self._replayed(conn, int(earlier))
            row = await guard.visible_case(conn, actor, ref)
            sent = await self.open_on(conn, actor, row, kind, event, data, system=system)
            changes.remember(str(sent.request.id))
            return sent

    async def offer_survey_on(self, conn: aiosqlite.Connection, row: aiosqlite.Row) -> Sent | None:
        """Inside a case change's transaction (store.cases): once the case's kind says the survey is due
        (its report sent, its visit over), the bot offers it to the providers, once per case: a date
        undone and recorded again finds the first offer there and offers nothing. The one exception is the
        kind's second moment (children's homes: the final report after the draft, 000 L1246), which offers
        the same survey again, once, if it is not yet finished or declined. None: nothing offered."""
        case = await build_case(conn, row)
        kind, records = KINDS[case.kind], case_dates(case).records
        if case.status != CaseStatus.OPEN or not survey.due_now(kind, records):
            return None
        offered = await first_row(
            conn,
            "SELECT id FROM requests WHERE case_id = ? AND kind = ? ORDER BY id LIMIT 1",
            (row["id"], survey.MACHINE.kind),
        )
        if offered is None:
            return await self.open_on(conn, None, row, survey.MACHINE.kind, survey.OFFER, {}, system=True)
        request = await self._load(conn, offered["id"])
        if not survey.offer_again(kind, records, request.state, request.payload):
            return None
        return await self._send_in(conn, None, row, request, survey.OFFER, {}, None, system=True)

    async def open_on(
        self,
        conn: aiosqlite.Connection,
        actor: Person | None,
        row: aiosqlite.Row,
        kind: str,
        event: str,
        data: Payload | None = None,
        *,
        system: bool = False,
    ) -> Sent:
        """`open` inside the caller's transaction, on a case row whose visibility the caller checked: a
        prompt that follows from a change (the case review when an inadequate judgement is recorded)
        commits with that change."""
        flow = get_flow(kind)
        party = Party.SYSTEM if system else await self._party(conn, actor, row)
        case = await build_case(conn, row)
        outcome = self._decide(flow.apply, NEW, event, party, data or {}, {}, case)
        now = self._db.now()
        label = audit.label_for(actor, system=system)
        cursor = await conn.execute(
            "INSERT INTO requests (kind, case_id, state, asked_by, decider, last_by, last_label, payload,"
            " version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (
                kind,
                row["id"],
                outcome.state,
                None if actor is None else actor.id,
                None if flow.machine.decider is None else flow.machine.decider.value,
                None if actor is None else actor.id,
                label,
                _dump(outcome.payload),
                time_to_text(now),
                time_to_text(now),
            ),
        )
        if cursor.lastrowid is None:
            raise RuntimeError("SQLite gave no id for a new request")
        request_id = cursor.lastrowid
        await audit.record(
            conn,
            now,
            actor,
            f"request.{kind}.{event}",
            row["ref"],
            None,
            {"request_id": request_id, "state": outcome.state, "version": 1}
            | _lengths(outcome.payload, flow.free_text),
            system=system,
        )
        after = await self._apply_effects(conn, actor, row, outcome)
        told = await self._tell(conn, after, request_id, 1, event, actor, outcome)
        return Sent(await self._load(conn, request_id), True, after, outcome.warnings, outcome.tell, told)

    async def send(
        self,
        actor: Person | None,
        request_id: int,
        event: str,
        data: Payload | None = None,
        *,
        version: int | None = None,
        system: bool = False,
    ) -> Sent:
        """Send `event` to a request (a pressed button, a typed reason). `version`, when the caller knows
        the one it showed, must still be current. A request that has moved on since (another manager
        decided, a double press) gives `Sent(applied=False)` naming who moved it; nothing changes."""
        async with self._db.transaction() as conn:
            if changes.replayed() is not None:  # this press was applied the first time its update came
                return await self._replayed(conn, request_id)
            request = await self._visible(conn, actor, request_id)
            row = await guard.case_row(conn, request.case_ref)
            assert row is not None  # a request's case is never deleted
            sent = await self._send_in(conn, actor, row, request, event, data, version, system=system)
            if sent.applied:
                changes.remember(str(request.id))
            return sent

    async def _send_in(
        self,
        conn: aiosqlite.Connection,
        actor: Person | None,
        row: aiosqlite.Row,
        request: Request,
        event: str,
        data: Payload | None,
        version: int | None,
        *,
        system: bool,
    ) -> Sent:
        """`send` inside the caller's transaction, on a request whose visibility the caller checked."""
        flow = get_flow(request.kind)
        party = Party.SYSTEM if system else await self._party(conn, actor, row)
        senders = {p for move in flow.machine.moves if move.event == event for p in move.by}
        if senders and party not in senders:
            raise PermissionDenied(f"That is for someone else on case #{request.case_ref} to do.")
        if self._moved_on(request, event, version):
            return Sent(request, False)
        case = await build_case(conn, row)
        outcome = self._decide(flow.apply, request.state, event, party, data or {}, request.payload, case)
        now = self._db.now()
        cursor = await conn.execute(
            "UPDATE requests SET state = ?, payload = ?, version = version + 1, last_by = ?,"
            " last_label = ?, updated_at = ? WHERE id = ? AND state = ? AND version = ?",
            (
                outcome.state,
                _dump(outcome.payload),
                None if actor is None else actor.id,
                audit.label_for(actor, system=system),
                time_to_text(now),
                request.id,
                request.state,
                request.version,
            ),
        )
        if cursor.rowcount != 1:  # changed since it was read: only possible without the write lock
            return Sent(await self._load(conn, request.id), False)
        await audit.record(
            conn,
            now,
            actor,
            f"request.{request.kind}.{event}",
            request.case_ref,
            {"request_id": request.id, "state": request.state, "version": request.version},
            {"request_id": request.id, "state": outcome.state, "version": request.version + 1}
            | _lengths(outcome.payload, flow.free_text),
            system=system,
        )
        after = await self._apply_effects(conn, actor, row, outcome)
        told = await self._tell(conn, after, request.id, request.version + 1, event, actor, outcome)
        await self._edit_copies(conn, row, request, outcome.state, actor)
        loaded = await self._load(conn, request.id)
        return Sent(loaded, True, after, outcome.warnings, outcome.tell, told)

    async def get(self, actor: Person | None, request_id: int) -> Request:
        """The request, if `actor` may see it (its case, and for providers not Ofsted's internal kinds)."""
        async with self._db.reading() as conn:
            return await self._visible(conn, actor, request_id)

    async def for_case(self, actor: Person | None, ref: int, kind: str | None = None) -> list[Request]:
        """The case's requests `actor` may see, oldest first; only those of `kind` when given."""
        async with self._db.reading() as conn:
            row, subject, scope = await guard.viewed_case(conn, actor, ref)  # facts `_party` would re-read
            party = _party_in(subject, scope, ref)
            return [
                r
                for r in await requests_of(conn, row["id"])
                if (kind is None or r.kind == kind) and visible_to(party, r.kind)
            ]

    async def waiting_for(self, actor: Person) -> list[tuple[Request, tuple[str, ...]]]:
        """Every open request on the cases `actor` may see where they can do something now, with what:
        the managers' pending decisions, a provider's acknowledgement or unfinished survey (for /help).
        One query with their part in `WHERE` (`party_sql`), not a read of every open case."""
        async with self._db.reading() as conn:
            party, where, params = party_sql(await guard.subject_of(conn, actor))
            if party is None:
                return []
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM requests r JOIN cases c ON c.id = r.case_id"
                f" WHERE c.status = 'open' AND {where} ORDER BY c.ref, r.id",
                params,
            )
        found: list[tuple[Request, tuple[str, ...]]] = []
        for request in map(_request, rows):
            events = get_flow(request.kind).machine.events(request.state, party)
            if events and visible_to(party, request.kind):
                found.append((request, events))
        return found

    async def waiting_cases(self, actor: Person, limit: int = 10) -> tuple[list[int], int]:
        """The refs of open cases `actor` may see where a request waits for them (the oldest waiting
        first, at most `limit`), and how many such cases there are: one query with the access rules in
        `WHERE` (store.lists), so /help never reads every case."""
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            party = PARTY_BY_ROLE.get(subject.role) if subject.role is not None else None
            if party is None:
                return [], 0
            waiting = [
                (kind, state)
                for kind, flow in FLOWS.items()
                if visible_to(party, kind)
                for state in flow.machine.states
                if flow.machine.events(state, party)
            ]
            if not waiting:
                return [], 0
            where, params = visible_sql(subject)
            pairs = " OR ".join("(r.kind = ? AND r.state = ?)" for _ in waiting)
            body = (
                f" FROM requests r JOIN cases c ON c.id = r.case_id WHERE c.status = 'open' AND ({pairs})"
                f" AND {where}"
            )
            args = [*(value for pair in waiting for value in pair), *params]
            counted = await first_row(conn, "SELECT COUNT(DISTINCT c.id)" + body, args)
            refs = [
                int(row["ref"])
                for row in await conn.execute_fetchall(
                    "SELECT c.ref, MIN(r.id) AS first" + body + " GROUP BY c.ref ORDER BY first LIMIT ?",
                    (*args, limit),
                )
            ]
        return refs, 0 if counted is None else int(counted[0])

    async def of_kind(self, actor: Person, kind: str) -> list[Request]:
        """Every request of `kind` on the cases `actor` may see (a manager's /feedback across cases): one
        query with their part in `WHERE` (`party_sql`), not a read of every case."""
        async with self._db.reading() as conn:
            party, where, params = party_sql(await guard.subject_of(conn, actor))
            if party is None or not visible_to(party, kind):
                return []
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM requests r JOIN cases c ON c.id = r.case_id"
                f" WHERE r.kind = ? AND {where} ORDER BY c.ref, r.id",
                (kind, *params),
            )
        return [_request(row) for row in rows]

    async def actions(self, actor: Person | None, request_id: int) -> tuple[str, ...]:
        """The events `actor` may send to the request now: the buttons to show them (empty when none)."""
        async with self._db.reading() as conn:
            request = await self._visible(conn, actor, request_id)
            row = await guard.case_row(conn, request.case_ref)
            assert row is not None
            party = await self._party(conn, actor, row)
            return get_flow(request.kind).machine.events(request.state, party)

    def _moved_on(self, request: Request, event: str, version: int | None) -> bool:
        """The request is no longer where the event was offered: a stale button or a lost race."""
        if version is not None and version != request.version:
            return True
        machine = get_flow(request.kind).machine
        offered_in = {move.source for move in machine.moves if move.event == event}
        return bool(offered_in) and request.state not in offered_in and request.version > 1

    def _decide(
        self,
        apply: Apply,
        state: str,
        event: str,
        party: Party,
        data: Payload,
        payload: Payload,
        case: Case,
    ) -> Outcome:
        if case.status != CaseStatus.OPEN:
            raise InvalidInput(f"Case #{case.ref} is closed, so nothing more can be done on it.")
        situation = Situation(
            kind=KINDS[case.kind],
            dates=case_dates(case),
            # The one configured zone (INSPECTBOT_TZ), as the chat's "today" (handlers.context.Services).
            today=self._db.reminding.config.hours.local(self._db.now()).date(),
            calendar=self._db.calendar,  # the bot's, with its closures
        )
        try:
            outcome = apply(state, event, party, {**data, "at": self._db.now()}, payload, situation)
        except NotYours as exc:
            raise PermissionDenied(str(exc)) from exc
        except Refused as exc:
            raise InvalidInput(str(exc)) from exc
        return outcome

    async def _apply_effects(
        self, conn: aiosqlite.Connection, actor: Person | None, row: aiosqlite.Row, outcome: Outcome
    ) -> Case:
        """The case changes the transition implies, through the case repository, in this transaction."""
        cases = self._cases
        case = await build_case(conn, row)
        for effect in outcome.effects:
            current = await guard.case_row(conn, row["ref"])
            assert current is not None
            if isinstance(effect, SetPlanned):
                case = await cases.set_planned_on(conn, actor, current, effect.start, effect.end)
            elif isinstance(effect, ClearRecord):
                case = await cases.clear_event_on(conn, actor, current, effect.key)
            elif isinstance(effect, RecordDate):
                if effect.only_if_absent and effect.key in case.events:
                    continue
                case = await cases.record_event_on(conn, actor, current, effect.key, effect.day)
        return case

    async def _tell(
        self,
        conn: aiosqlite.Connection,
        case: Case,
        request_id: int,
        version: int,
        event: str,
        actor: Person | None,
        outcome: Outcome,
    ) -> int:
        """The outbox messages to the parties the transition tells, in its transaction; how many."""
        if not outcome.tell:
            return 0
        return await outbox.tell_request(
            conn,
            self._db.reminding,
            self._db.now(),
            case,
            request_id=request_id,
            version=version,
            event=event,
            parties=[party.value for party in outcome.tell],
            actor_id=None if actor is None else actor.id,
        )

    async def _edit_copies(
        self,
        conn: aiosqlite.Connection,
        row: aiosqlite.Row,
        before: Request,
        state: str,
        actor: Person | None,
    ) -> None:
        """Every copy of the version just left that offered its reader buttons is to be edited (outbox
        rows, in this transaction) to lose them and say who moved the request: the other managers see at
        once that it was decided. The mover's own copy is left to the press handler, which edits it in
        place."""
        machine = get_flow(before.kind).machine
        scope = await guard.scope_of(conn, row["id"], row["setting_id"])
        for copy in await outbox.request_copies(conn, row["id"], before.id, before.version):
            if actor is not None and copy.person_id == actor.id:
                continue
            reader = await load_person(conn, copy.person_id)
            party = party_of(await guard.subject_of(conn, reader), scope) if reader is not None else None
            if party is None or not machine.events(before.state, party):
                continue  # it never offered them a button (an inspector told of a deferral)
            await outbox.edit_request_copy(
                conn,
                self._db.reminding,
                self._db.now(),
                copy,
                request_id=before.id,
                version=before.version + 1,
                state=state,
                actor_id=None if actor is None else actor.id,
            )

    async def _party(self, conn: aiosqlite.Connection, actor: Person | None, row: aiosqlite.Row) -> Party:
        subject = await guard.subject_of(conn, actor)
        return _party_in(subject, await guard.scope_of(conn, row["id"], row["setting_id"]), row["ref"])

    async def _visible(self, conn: aiosqlite.Connection, actor: Person | None, request_id: int) -> Request:
        """The request, or `InvalidInput` alike whether it is missing or hidden (nothing leaks)."""
        found = await first_row(
            conn,
            f"SELECT {_COLUMNS} FROM requests r JOIN cases c ON c.id = r.case_id WHERE r.id = ?",
            (request_id,),
        )
        missing = InvalidInput("I can't find that request.")
        if found is None:
            raise missing
        request = _request(found)
        try:
            _, subject, scope = await guard.viewed_case(conn, actor, request.case_ref)
        except NotFound:
            raise missing from None
        party = party_of(subject, scope)
        if party is None or not visible_to(party, request.kind):
            raise missing
        return request

    async def _replayed(self, conn: aiosqlite.Connection, request_id: int) -> Sent:
        """What a transition made the first time its update was handled: the request and case as they are."""
        request = await self._load(conn, request_id)
        row = await guard.case_row(conn, request.case_ref)
        assert row is not None
        counted = await first_row(  # the messages it queued then (outbox.tell_request's dedup keys)
            conn, "SELECT count(*) FROM outbox WHERE dedup LIKE ?", (f"req:{request.id}:{request.version}:%",)
        )
        told = 0 if counted is None else int(counted[0])
        return Sent(request, True, await build_case(conn, row), told=told)

    async def _load(self, conn: aiosqlite.Connection, request_id: int) -> Request:
        found = await first_row(
            conn,
            f"SELECT {_COLUMNS} FROM requests r JOIN cases c ON c.id = r.case_id WHERE r.id = ?",
            (request_id,),
        )
        if found is None:
            raise RuntimeError(f"request {request_id} vanished inside its own transaction")
        return _request(found)


def _party_in(subject: Subject, scope: Scope, ref: int) -> Party:
    """The actor's party on case `ref`; `PermissionDenied` when they have none (they see it, take no part)."""
    party = party_of(subject, scope)
    if party is None:
        raise PermissionDenied(f"You have no part in case #{ref}.")
    return party
