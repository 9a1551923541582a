"""The outbox: every message to a person who did not just ask, as rows written in the transaction of the
change that causes them and sent by one scheduler job (bot/outbox.py).

`reconcile` is called from `store.derived.case_changed`, so every change to a case (created, recorded,
undone, corrected, closed, reopened, someone joining) recomputes the case's wanted reminders and brings
the outbox in line in the same transaction: new ones added, obsolete pending ones cancelled, sent ones
kept; members whose own deadline moved are told what moved. The sender claims due rows with one
`UPDATE ... RETURNING` under a lease, so a crash repeats at most the rows in flight and loses none.
Rows hold a template key and its parameters, never text: a renamed case reads right when it is sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

import aiosqlite

from store import deadlines, guard, reminder_bases
from store.case_rows import build_case
from store.codec import day_from_text, opt_day, time_from_text, time_to_text
from store.conditions import missed_on_sql
from store.consistency import case_dates
from store.deadlines import deadline_from_row
from store.errors import InvalidInput
from store.models import Case, CaseStatus, Person, Role
from store.person_rows import load_person
from store.reads import first_row
from store.reminding import ReminderConfig as ReminderConfig  # re-exported: outbox.ReminderConfig
from store.reminding import Reminding as Reminding
from workflows import visit
from workflows.audience import hides_visit
from workflows.deadlines import CaseDates, Deadline
from workflows.errors import TimelineError
from workflows.kinds import get_kind
from workflows.reminders import (
    DIGEST_URGENT,
    Hours,
    Lead,
    Recipient,
    digest_day,
    notices,
    reminder_steps,
    wanted_reminders,
)
from workflows.rules import Actor, Condition

if TYPE_CHECKING:
    from store.connection import Connection


class Kind(StrEnum):
    """What a row is, which says when it may go (`sendable_kinds`); the values are stored."""

    REMIND = "remind"  # a deadline's reminder: working days, from the reminding hour
    DIGEST = "digest"  # a manager's morning digest: as reminders
    NOTICE = "notice"  # news (a deadline moved, a request): outside the quiet hours
    REPLY = "reply"  # a confirmation or an edit: at any hour


class State(StrEnum):
    """Where a row is in its life; the values are stored."""

    PENDING = "pending"
    SENDING = "sending"  # claimed under a lease
    SENT = "sent"
    CANCELLED = "cancelled"  # no longer relevant (`reason`)
    FAILED = "failed"  # Telegram refused it or never took it (`reason`)


# ---------------------------------------------------------------- the timeline reminders are computed from


async def timeline_of(conn: aiosqlite.Connection, case: Case) -> list[Deadline]:
    """The case's deadlines, for reminders: its stored rows (store.deadlines), written just before by the
    same change's `derived.case_changed`, so reminders and answers come from the same dates."""
    return await deadlines.stored_deadlines(conn, case.id)


def _deadline_to_json(d: Deadline) -> dict[str, Any]:
    return {
        "key": d.key,
        "label": d.label,
        "due": d.due.isoformat(),
        "due_until": None if d.due_until is None else d.due_until.isoformat(),
        "time": None if d.time is None else d.time.isoformat(),
        "actor": d.actor.value,
        "rule": d.rule,
        "source": d.source,
        "recorded": None if d.recorded is None else d.recorded.isoformat(),
        "basis": d.basis,
        "condition": d.condition.value,
        "recordable": d.recordable,
        "internal": d.internal,
        "extended": d.extended,
    }


def _deadline_from_json(raw: dict[str, Any]) -> Deadline:
    def day(value: Any) -> date | None:
        return None if value is None else date.fromisoformat(str(value))

    due = day(raw["due"])
    assert due is not None
    return Deadline(
        key=str(raw["key"]),
        label=str(raw["label"]),
        due=due,
        due_until=day(raw["due_until"]),
        time=None if raw["time"] is None else time.fromisoformat(str(raw["time"])),
        actor=Actor(raw["actor"]),
        rule=str(raw["rule"]),
        source=str(raw["source"]),
        recorded=day(raw["recorded"]),
        basis="recorded" if raw["basis"] == "recorded" else "planned",
        notes=(),
        condition=Condition(raw["condition"]),
        recordable=bool(raw["recordable"]),
        internal=bool(raw["internal"]),
        extended=bool(raw.get("extended", False)),
    )


# ---------------------------------------------------------------- writing rows inside a change


_INSERT = (
    "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup) DO NOTHING"
)

#: A waiting reminder moved to its deadline's new day, unless a row has that key already (the UNIQUE
#: `dedup` refuses it: the row is left as it was).
_MOVE = "UPDATE OR IGNORE outbox SET dedup = ?, params = ?, due_at = ? WHERE id = ?"


async def enqueue(
    conn: aiosqlite.Connection,
    reminding: Reminding,
    now: datetime,
    *,
    dedup: str,
    person_id: int,
    case_id: int | None,
    kind: Kind,
    batch: str,
    template: str,
    params: dict[str, Any],
    due_at: datetime,
) -> bool:
    """Add a row unless its de-duplication key is there already; True if added."""
    cursor = await conn.execute(
        _INSERT,
        (
            dedup,
            person_id,
            case_id,
            kind,
            batch,
            template,
            json.dumps(params, sort_keys=True),
            time_to_text(due_at),
            time_to_text(now),
        ),
    )
    if cursor.rowcount == 1:
        reminding.wrote()
        return True
    return False


async def _recipients(conn: aiosqlite.Connection, case: Case) -> tuple[list[Recipient], list[int]]:
    """The case's reachable active members (with their mutes), and the managers its overdue items go to:
    its manager members, else every manager."""
    people = [
        Recipient(r["person_id"], Role(r["role"]), bool(r["muted"]))
        for r in await conn.execute_fetchall(
            "SELECT m.person_id, m.role, mu.person_id IS NOT NULL AS muted FROM case_members m"
            " JOIN people p ON p.id = m.person_id"
            " LEFT JOIN reminder_mutes mu ON mu.person_id = m.person_id AND mu.case_id = m.case_id"
            " WHERE m.case_id = ? AND p.active = 1 AND p.unreachable_at IS NULL ORDER BY m.person_id",
            (case.id,),
        )
    ]
    managers = [p.person_id for p in people if p.role is Role.MANAGER]
    if not managers:
        managers = [
            int(r["id"])
            for r in await conn.execute_fetchall(
                "SELECT id FROM people WHERE role = 'manager' AND active = 1 AND unreachable_at IS NULL"
                " ORDER BY id"
            )
        ]
    return people, managers


async def reconcile_case(
    conn: aiosqlite.Connection,
    reminding: Reminding,
    case_id: int,
    now: datetime,
    *,
    changed_by: int | None = None,
) -> None:
    """`reconcile` for a case known by id (store.derived)."""

    row = await first_row(conn, "SELECT * FROM cases WHERE id = ?", (case_id,))
    if row is not None:
        await reconcile(conn, reminding, await build_case(conn, row), now, changed_by=changed_by)


class _Existing(NamedTuple):
    """A waiting or cancelled reminder or digest row of the case (snoozes aside); a tuple, as a million
    of them are read when a closure moves most cases' deadlines."""

    id: int
    state: str  # a `State` value, kept as read: reconcile_many reads thousands of these
    due_at: str
    person_id: int
    template: str


@dataclass(frozen=True)
class _Read:
    """What reconciling a case reads: its dates, the timeline its reminders were planned from (`before`)
    and its stored one now (`after`), its people, and its existing rows by de-duplication key."""

    case_id: int
    kind: str
    status: str
    dates: CaseDates
    before: list[Deadline]
    after: list[Deadline]
    people: list[Recipient]
    existing: dict[str, _Existing]
    #: What its plan depends on besides its people, as texts (kind, basis, stored deadlines), when read
    #: in bulk: cases of one shape share their plan (`_Plans`).
    shape: tuple[str, str, str] | None = None


@dataclass
class _Writes:
    """What reconciling one or many cases writes, each kind as one `executemany` (a statement is a round
    trip to the database thread, which made row-by-row writes most of a reconcile: bench replan)."""

    basis: list[tuple[int, str]] = field(default_factory=list)
    closed: list[tuple[int]] = field(default_factory=list)  # case ids
    hidden: list[tuple[int, int]] = field(default_factory=list)  # (case id, provider)
    cancel: list[tuple[int]] = field(default_factory=list)
    reinstate: list[tuple[str, int]] = field(default_factory=list)
    moved: list[tuple[str, str, str, int]] = field(default_factory=list)  # _MOVE rows
    unmoved: list[tuple[int, str]] = field(default_factory=list)  # (id, dedup): cancelled if not moved
    added: list[tuple[Any, ...]] = field(default_factory=list)  # _INSERT rows
    told: list[tuple[Any, ...]] = field(default_factory=list)  # _INSERT rows, notices


async def reconcile(
    conn: aiosqlite.Connection,
    reminding: Reminding,
    case: Case,
    now: datetime,
    *,
    changed_by: int | None = None,
) -> None:
    """Bring the case's reminders in line with its timeline now (inside the change's transaction); the
    person who made the change (`changed_by`) saw what it moved in the reply and gets no notice of it.
    Reads the case with its own queries, then decides and writes as `reconcile_many` does."""
    basis = await reminder_bases.of_case(conn, case.id)
    people, _ = await _recipients(conn, case)  # managers: their morning digest (`plan_digests`)
    read = _Read(
        case.id,
        case.kind,
        case.status,
        case_dates(case),
        [] if basis is None else _basis_from_text(basis),
        await timeline_of(conn, case),
        people,
        {
            r["dedup"]: _Existing(r["id"], r["state"], r["due_at"], r["person_id"], r["template"])
            for r in await conn.execute_fetchall(
                f"SELECT {_EXISTING_COLUMNS} FROM outbox WHERE case_id = ? AND {_EXISTING}", (case.id,)
            )
        },
    )
    writes = _Writes()
    _decide(read, reminding.config, now, changed_by, writes)
    await _write(conn, reminding, writes)


#: A provider's rows cancelled while the visit is kept from them.
_HIDDEN_TEMPLATES = ("remind", "moved", "draft_sent")
_HIDDEN_SQL = ", ".join(f"'{template}'" for template in _HIDDEN_TEMPLATES)

#: The rows `reconcile` brings in line: snoozes stay as they are.
_EXISTING = (
    "kind IN ('remind', 'digest') AND state IN ('pending', 'cancelled') AND instr(dedup, ':snooze:') = 0"
)
_EXISTING_COLUMNS = "id, case_id, dedup, state, due_at, person_id, template"


def _basis_from_text(text: str) -> list[Deadline]:
    return list(_parsed_basis(text))


@lru_cache(maxsize=4_096)
def _parsed_basis(text: str) -> tuple[Deadline, ...]:
    """A stored basis read back: many cases share one (same kind, same dates), so each text is parsed once
    (a `Deadline` is frozen: sharing it is safe)."""
    return tuple(_deadline_from_json(d) for d in json.loads(text))


@lru_cache(maxsize=4_096)
def _basis_text(after: tuple[Deadline, ...]) -> str:
    """The basis stored for a timeline (written once per distinct timeline, as `_parsed_basis` reads)."""
    return json.dumps([_deadline_to_json(d) for d in after])


@lru_cache(maxsize=4_096)
def _moment_text(moment: datetime) -> str:
    """`time_to_text` of a reminder's moment: a few mornings for thousands of rows."""
    return time_to_text(moment)


@lru_cache(maxsize=65_536)
def _params_text(key: str, lead: str, day: date) -> str:
    """A reminder row's parameters (the same few thousand for every case of a programme)."""
    return json.dumps({"key": key, "lead": lead, "day": day.isoformat()}, sort_keys=True)


class SettingsChange(StrEnum):
    """What changed the deadlines `reconcile_many` re-plans (said in the notice of what moved)."""

    CLOSURES = "closures"  # INSPECTBOT_CLOSURES
    RULES = "rules"  # a new version's rules


#: The batch of a person's notices of what a change of settings moved on all their cases (then the row's
#: number: each is a message of its own).
_ACROSS_BATCH = "notice:settings"


async def reconcile_many(
    conn: aiosqlite.Connection,
    reminding: Reminding,
    case_ids: Sequence[int],
    now: datetime,
    *,
    why: str = SettingsChange.CLOSURES,
) -> int:
    """`reconcile` for many cases at once (store.replan: every open case whose deadlines a new closure
    moved), with the same decisions (`_decide`) and the same writes, read and written in batches of
    BATCH cases: a few queries and one `executemany` per kind of write each, instead of about ten round
    trips a case (1.4 ms a case). Nobody made the change (the settings did: `why`): each person is told
    what moved on all their cases together, a message of about MOVES_PER_NOTICE moves (`_tell_across`),
    not one a case. Returns the cases reconciled (those that exist)."""
    done = 0
    across: dict[int, list[str]] = {}  # a person's moves, case by case (`_tell_across`)
    timelines: dict[tuple[str, str], list[Deadline]] = {}
    texts: dict[str, str] = {}  # the bases' texts by digest
    plans = _Plans()
    for first in range(0, len(case_ids), BATCH):
        batch = json.dumps(list(case_ids[first : first + BATCH]))
        writes = _Writes()
        for read in await _read_many(conn, batch, timelines, texts):
            _decide(read, reminding.config, now, None, writes, plans)
            done += 1
        writes.told = _gathered(writes.told, across)
        await _write(conn, reminding, writes)
        if len(plans) > SHAPES:
            plans = _Plans()  # bounded memory: cases of one programme come with few shapes
        if len(timelines) > SHAPES:
            timelines.clear()
        if len(texts) > SHAPES:
            texts.clear()
    await _tell_across(conn, reminding, across, now, why)
    return done


def _gathered(told: list[tuple[Any, ...]], across: dict[int, list[str]]) -> list[tuple[Any, ...]]:
    """The notices of a batch but the moved deadlines, which go into `across` by person: the case's id and
    its moves (the row's parameters, `{"moves": [...]}`) as one JSON text."""
    kept: list[tuple[Any, ...]] = []
    for row in told:
        _, person, case_id, _, _, template, fields, _, _ = row
        if template == "moved":
            across.setdefault(person, []).append(f"[{case_id}, {fields}]")
        else:
            kept.append(row)
    return kept


#: Moves in one notice of a change of settings: a line each, one message's worth (about 150 characters a
#: line, 4,096 a message); a person with more gets the next ones in the next message.
MOVES_PER_NOTICE = 20


def _moves_in(fields: str) -> int:
    """How many moves a case's `{"moves": [...]}` text holds: each is one object whose first key, sorted,
    is "from" (`_plan_told` writes them so)."""
    return fields.count('{"from": ')


async def _tell_across(
    conn: aiosqlite.Connection, reminding: Reminding, across: dict[int, list[str]], now: datetime, why: str
) -> None:
    """A person's notice of every deadline of theirs a change of settings moved, case by case, in rows of
    about MOVES_PER_NOTICE moves, one message each (a closure day moves ~5 deadlines on each of an
    inspector's cases: a few messages, not one a case). A row's parameters: `{"cases": [[case id,
    {"moves": [...]}], ...], "why": ...}`, made from the cases' own texts without reading them back."""
    if not across:
        return
    created, at_once, _ = _clock_texts(now, reminding.config.hours)
    reason = json.dumps(why)
    rows: list[tuple[Any, ...]] = []
    for person, cases in across.items():
        chunks: list[list[str]] = [[]]
        count = 0
        for case in cases:
            moves = _moves_in(case)
            if chunks[-1] and count + moves > MOVES_PER_NOTICE:
                chunks.append([])
                count = 0
            chunks[-1].append(case)
            count += moves
        rows += [
            (
                f"moved:settings:{created}:{person}:{number}",
                person,
                None,
                Kind.NOTICE,
                f"{_ACROSS_BATCH}:{number}",
                "moved",
                f'{{"cases": [{", ".join(chunk)}], "why": {reason}}}',
                at_once,
                created,
            )
            for number, chunk in enumerate(chunks, 1)
        ]
    await conn.executemany(_INSERT, rows)
    reminding.wrote()


#: Cases read and written together by `reconcile_many`, and the most shapes of case it keeps.
BATCH = 2_000
SHAPES = 20_000

#: A case's stored deadlines as one JSON text (`_read_many`): the columns `deadline_from_row` reads.
_DEADLINE_COLUMNS = (
    "key",
    "position",
    "actor",
    "due",
    "due_until",
    "time",
    "opens",
    "recorded",
    "recordable",
    "internal",
    "basis",
    "extended",
)


async def _read_many(
    conn: aiosqlite.Connection,
    batch: str,
    timelines: dict[tuple[str, str], list[Deadline]],
    texts: dict[str, str],
) -> list[_Read]:
    """What `reconcile` reads, for the cases whose ids are the JSON array `batch`, in six queries. A
    case's stored deadlines come as one JSON text, made `Deadline`s once per kind and text (`timelines`):
    many cases share their dates, and the text is the key of their shared plan."""
    among = "IN (SELECT value FROM json_each(?))"
    cases = await conn.execute_fetchall(
        "SELECT id, kind, status, planned_start, planned_end, judgement, concerns, single_individual"
        f" FROM cases WHERE id {among} ORDER BY id",
        (batch,),
    )
    events: dict[int, dict[str, date]] = {}
    for case_id, key, day in await conn.execute_fetchall(
        f"SELECT case_id, key, day FROM case_events WHERE case_id {among} ORDER BY case_id, key", (batch,)
    ):
        events.setdefault(case_id, {})[key] = day_from_text(day)
    basis = await reminder_bases.of_cases(conn, among, batch, texts)
    stored: dict[int, str] = {
        int(r[0]): str(r[1])
        for r in await conn.execute_fetchall(
            "SELECT case_id, json_group_array(json_array("
            + ", ".join(_DEADLINE_COLUMNS)
            + ")) FROM (SELECT * FROM case_deadlines"
            f" WHERE case_id {among} ORDER BY case_id, position) GROUP BY case_id",
            (batch,),
        )
    }
    people: dict[int, list[Recipient]] = {}
    for r in await conn.execute_fetchall(
        "SELECT m.case_id, m.person_id, m.role, mu.person_id IS NOT NULL AS muted FROM case_members m"
        " JOIN people p ON p.id = m.person_id"
        " LEFT JOIN reminder_mutes mu ON mu.person_id = m.person_id AND mu.case_id = m.case_id"
        f" WHERE m.case_id {among} AND p.active = 1 AND p.unreachable_at IS NULL"
        " ORDER BY m.case_id, m.person_id",
        (batch,),
    ):
        people.setdefault(r["case_id"], []).append(
            Recipient(r["person_id"], Role(r["role"]), bool(r["muted"]))
        )
    existing: dict[int, dict[str, _Existing]] = {}
    for row_id, case_id, dedup, state, due_at, person_id, template in await conn.execute_fetchall(
        f"SELECT {_EXISTING_COLUMNS} FROM outbox WHERE case_id {among} AND {_EXISTING}", (batch,)
    ):
        existing.setdefault(case_id, {})[dedup] = _Existing(row_id, state, due_at, person_id, template)
    reads: list[_Read] = []
    for row in cases:
        case_id = int(row["id"])
        dates = CaseDates(
            start=opt_day(row["planned_start"]),
            end=opt_day(row["planned_end"]),
            records=events.get(case_id, {}),
            judgement=row["judgement"],
            concerns=bool(row["concerns"]),
            single_individual=bool(row["single_individual"]),
        )
        kind, before, after = str(row["kind"]), basis.get(case_id, ""), stored.get(case_id, "[]")
        timeline = timelines.get((kind, after))
        if timeline is None:
            timeline = timelines[(kind, after)] = _timeline_from_text(kind, after)
        reads.append(
            _Read(
                case_id,
                kind,
                row["status"],
                dates,
                _basis_from_text(before) if before else [],
                timeline,
                people.get(case_id, []),
                existing.get(case_id, {}),
                (kind, before, after),
            )
        )
    return reads


def _timeline_from_text(kind: str, text: str) -> list[Deadline]:
    """A case's stored deadlines from `_read_many`'s JSON text, in timeline order."""
    rows = sorted(json.loads(text), key=lambda values: int(values[1]))  # by position
    return [
        deadlines.deadline_from_row(kind, dict(zip(_DEADLINE_COLUMNS, values, strict=True)))
        for values in rows
    ]


#: A reminder a case wants, its member by their place among its people: (member, milestone, last day,
#: lead, parameters, moment).
_Want = tuple[int, str, str, str, str, str]
#: A notice: (member, template, de-duplication key between the case and the person, after the person,
#: parameters).
_Tell = tuple[int, str, str, str, str]


@dataclass
class _Plans:
    """What `_decide` works out from a case's shape rather than its ids, kept while `reconcile_many` runs:
    the many cases of one kind, dates and members' roles share it. `wanted` by (kind, stored deadlines'
    text, members' roles and mutes, hidden): the basis and the reminders; `told` by the same and the
    basis' text and who made the change: the notices."""

    wanted: dict[tuple[Any, ...], tuple[str, tuple[_Want, ...]]] = field(default_factory=dict)
    told: dict[tuple[Any, ...], tuple[_Tell, ...]] = field(default_factory=dict)
    #: The reminder steps of a timeline (`workflows.reminders.reminder_steps`) by (kind, stored deadlines'
    #: text): shapes that differ only in their members share them.
    steps: dict[tuple[str, str], list[tuple[Deadline, Lead, datetime]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.wanted) + len(self.told) + len(self.steps)


def _plan_wanted(
    read: _Read,
    config: ReminderConfig,
    members: list[Recipient],
    hidden: bool,
    now: datetime,
    steps: list[tuple[Deadline, Lead, datetime]] | None = None,
) -> tuple[str, tuple[_Want, ...]]:
    """The basis to keep and the wanted reminders (`workflows.reminders.wanted_reminders`, from `steps`
    when worked out already) of a case whose members are numbered 0, 1, ... in `read.people`'s order."""
    hours, calendar = config.hours, config.calendar
    after = read.after
    wanted = tuple(
        (
            w.person_id,
            w.key,
            w.day.isoformat(),
            w.lead.value,
            _params_text(w.key, w.lead.value, w.day),
            _moment_text(w.due_at),
        )
        for w in wanted_reminders(
            after, members, now, hours, calendar, hidden_from_provider=hidden, steps=steps
        )
    )
    return _basis_text(tuple(after)), wanted


def _plan_told(
    read: _Read,
    config: ReminderConfig,
    members: list[Recipient],
    hidden: bool,
    changed_by: int | None,
    now: datetime,
) -> tuple[_Tell, ...]:
    """The notices of what moved (`workflows.reminders.notices`), members numbered as `_plan_wanted`'s."""
    hours, calendar = config.hours, config.calendar
    after = read.after
    # the one who changed it saw what moved in the reply
    listeners = [m for m, p in zip(members, read.people, strict=True) if p.person_id != changed_by]
    told = notices(
        read.before, after, listeners, calendar, hours.local(now).date(), hidden_from_provider=hidden
    )
    notes: list[_Tell] = []
    # One row a person for every deadline of theirs this change moved (their lines of one message, as
    # before): a closure added at start moves ~5 deadlines a case, and each row costs an insert into
    # the outbox's indexes (bench replan).
    moves: dict[int, list[dict[str, Any]]] = {}
    for moved in told.moved:
        change = moved.change
        assert change.before is not None and change.after is not None
        frm, to = change.before, change.after
        moves.setdefault(moved.person_id, []).append(
            {
                "key": change.key,
                "from": frm.due.isoformat(),
                "from_until": None if frm.due_until is None else frm.due_until.isoformat(),
                "to": to.due.isoformat(),
                "to_until": None if to.due_until is None else to.due_until.isoformat(),
                "working_days": change.working_days,
            }
        )
    for person, theirs in moves.items():
        fields = json.dumps({"moves": theirs}, sort_keys=True)
        # the same moves told once a day: keyed by what moved, not by the change that moved it
        digest = hashlib.sha256(fields.encode()).hexdigest()[:16]
        notes.append((person, "moved", "", f"{now.date()}:{digest}", fields))
    for provider in told.draft_sent_to:
        draft = next(d for d in after if d.key == "draft_report")
        assert draft.recorded is not None
        sent = draft.recorded.isoformat()
        notes.append((provider, "draft_sent", "", sent, json.dumps({"sent": sent}, sort_keys=True)))
    return tuple(notes)


def _numbered(people: list[Recipient]) -> list[Recipient]:
    """A case's members numbered 0, 1, ... in order, for a plan shared by cases of one shape."""
    return [Recipient(n, p.role, p.muted) for n, p in enumerate(people)]


@lru_cache(maxsize=64)
def _clock_texts(now: datetime, hours: Hours) -> tuple[str, str, date]:
    """What every case reconciled at `now` shares: rows' creation time, when notices may go, today."""
    return time_to_text(now), time_to_text(hours.next_awake(now)), hours.local(now).date()


#: A notice's de-duplication key starts with this, by its template (then the case, ...).
_TOLD_PREFIX = {"moved": "moved", "draft_sent": "draft"}


def _decide(
    read: _Read,
    config: ReminderConfig,
    now: datetime,
    changed_by: int | None,
    writes: _Writes,
    plans: _Plans | None = None,
) -> None:
    """What reconciling one case writes, from what it read (no I/O): its plan (`_plan_wanted` and
    `_plan_told`, shared through `plans` by the cases of one shape) against its existing rows."""
    hours, calendar = config.hours, config.calendar
    case_id, people = read.case_id, read.people
    if read.status != CaseStatus.OPEN:
        writes.basis.append((case_id, _basis_text(tuple(read.after))))
        writes.closed.append((case_id,))
        return
    created, at_once, today = _clock_texts(now, hours)
    # A provider hears nothing of a visit kept from them until it begins (workflows.visit); the daily
    # `reveal_begun` reconciles such cases again on the day they begin, so their reminders then come.
    hidden = hides_visit(Role.PROVIDER, get_kind(read.kind), read.dates, today, calendar)
    if plans is None or read.shape is None:
        members = _numbered(people)
        basis, wanted_plan = _plan_wanted(read, config, members, hidden, now)
        told_plan = _plan_told(read, config, members, hidden, changed_by, now)
    else:
        kind, before, after = read.shape
        pattern = tuple((p.role, p.muted) for p in people)
        shape = (kind, after, pattern, hidden)
        found = plans.wanted.get(shape)
        if found is None:
            steps = plans.steps.get((kind, after))
            if steps is None:
                steps = plans.steps[(kind, after)] = reminder_steps(read.after, now, hours, calendar)
            found = plans.wanted[shape] = _plan_wanted(read, config, _numbered(people), hidden, now, steps)
        basis, wanted_plan = found
        changer = -1
        if changed_by is not None:
            changer = next((n for n, p in enumerate(people) if p.person_id == changed_by), -1)
        story = (*shape, before, changer)
        known = plans.told.get(story)
        if known is None:
            known = plans.told[story] = _plan_told(read, config, _numbered(people), hidden, changed_by, now)
        told_plan = known
    writes.basis.append((case_id, basis))
    providers = [p.person_id for p in people if p.role is Role.PROVIDER]
    existing = read.existing
    if hidden and providers:
        # Written before the visit was planned again for later (a deferral): snoozes and news go too.
        writes.hidden += [(case_id, provider) for provider in providers]
        gone = set(providers)
        existing = {  # as the rows read after that cancelling (it is written first)
            dedup: row._replace(state=State.CANCELLED)
            if row.state == State.PENDING and row.person_id in gone and row.template in _HIDDEN_TEMPLATES
            else row
            for dedup, row in existing.items()
        }
    wanted = {
        f"remind:{case_id}:{key}:{people[n].person_id}:{day}:{lead}": (n, key, lead, fields, moment)
        for n, key, day, lead, fields, moment in wanted_plan
    }  # keyed as `Wanted.dedup`
    # Waiting reminders no longer wanted, by what they remind of (all but the day): the lowest id of each
    # may move to the day now wanted; the others are cancelled. What a row reminds of is its key without the
    # day (`remind:<case>:<milestone>:<person>`, lead): what stays the same when the deadline's day moves.
    unwanted: dict[tuple[str, str], tuple[str, _Existing]] = {}
    cancel: list[int] = []
    for dedup, row in existing.items():
        want = wanted.get(dedup)
        if want is None:
            if row.state != State.PENDING:
                continue
            if row.template != "remind":
                cancel.append(row.id)
                continue
            head, _, lead = dedup.rsplit(":", 2)
            moving = (head, lead)
            other = unwanted.get(moving)
            if other is not None and other[1].id < row.id:
                cancel.append(row.id)
                continue
            if other is not None:
                cancel.append(other[1].id)
            unwanted[moving] = (dedup, row)
        elif row.state == State.CANCELLED or row.due_at != want[4]:
            writes.reinstate.append((want[4], row.id))
    for dedup, (n, key, lead, fields, moment) in wanted.items():
        if dedup in existing:
            continue
        was = (
            unwanted.pop((f"remind:{case_id}:{key}:{people[n].person_id}", lead), None) if unwanted else None
        )
        if was is not None:  # the same reminder of a deadline whose day moved: its row moves with it
            writes.moved.append((dedup, fields, moment, was[1].id))
            writes.unmoved.append((was[1].id, was[0]))
            continue
        person = people[n].person_id
        writes.added.append(
            (dedup, person, case_id, Kind.REMIND, f"case:{case_id}", "remind", fields, moment, created)
        )
    writes.cancel += [(row_id,) for row_id in cancel]
    writes.cancel += [(row.id,) for _, row in unwanted.values()]
    for n, template, infix, tail, fields in told_plan:
        person = people[n].person_id
        writes.told.append(
            (
                f"{_TOLD_PREFIX[template]}:{case_id}:{infix}{person}:{tail}",
                person,
                case_id,
                Kind.NOTICE,
                f"notice:{case_id}",
                template,
                fields,
                at_once,
                created,
            )
        )


async def _write(conn: aiosqlite.Connection, reminding: Reminding, writes: _Writes) -> None:
    """Apply `_decide`'s writes, in the order `reconcile` always wrote them: the new basis, a closed
    case's rows cancelled, a hidden visit's provider rows cancelled, then the reminders brought in line
    and the notices added (a notice already there is not added again)."""
    await reminder_bases.write(
        conn,
        {text for _, text in writes.basis},
        [(case_id, reminder_bases.digest_of(text)) for case_id, text in writes.basis],
    )
    if writes.closed:
        await conn.executemany(
            "UPDATE outbox SET state = 'cancelled', reason = 'case_closed' WHERE state = 'pending'"
            " AND case_id = ? AND kind IN ('remind', 'digest', 'notice')",
            writes.closed,
        )
    if writes.hidden:
        await conn.executemany(
            "UPDATE outbox SET state = 'cancelled', reason = 'hidden' WHERE state = 'pending'"
            f" AND case_id = ? AND person_id = ? AND template IN ({_HIDDEN_SQL})",
            writes.hidden,
        )
    if writes.cancel:
        await conn.executemany(
            "UPDATE outbox SET state = 'cancelled', reason = 'not_wanted' WHERE id = ?", writes.cancel
        )
    if writes.reinstate:
        await conn.executemany(
            "UPDATE outbox SET state = 'pending', reason = NULL, due_at = ? WHERE id = ?", writes.reinstate
        )
        reminding.wrote()
    if writes.moved:
        # A row moves unless a row with its new key is there already (sent, or on its way): then it is
        # cancelled, as the reminder of that day is not sent twice.
        cursor = await conn.executemany(_MOVE, writes.moved)
        if cursor.rowcount != len(writes.moved):  # some kept their key (nearly never): those are cancelled
            await conn.executemany(
                "UPDATE outbox SET state = 'cancelled', reason = 'not_wanted' WHERE id = ? AND dedup = ?",
                writes.unmoved,
            )
        reminding.wrote()
    if writes.added:
        await conn.executemany(_INSERT, writes.added)  # what `enqueue` writes, for all of them at once
        reminding.wrote()
    if writes.told:
        await conn.executemany(_INSERT, writes.told)
        reminding.wrote()


async def tell_judgement_changed(
    conn: aiosqlite.Connection,
    reminding: Reminding,
    now: datetime,
    case: Case,
    before: str | None,
    after: str,
) -> int:
    """The case's providers told at once (outside the quiet hours) that its judgement changed, in the
    change's transaction (store.derived.judgement_changed). Mutes don't apply: it is not a reminder.
    Returns the rows added."""
    people, _ = await _recipients(conn, case)
    added = 0
    for provider in (p.person_id for p in people if p.role is Role.PROVIDER):
        added += await enqueue(
            conn,
            reminding,
            now,
            dedup=f"judgement:{case.id}:{provider}:{before}:{after}:{time_to_text(now)}",
            person_id=provider,
            case_id=case.id,
            kind=Kind.NOTICE,
            batch=f"notice:{case.id}",
            template="judgement_changed",
            params={"from": before, "to": after},
            due_at=reminding.config.hours.next_awake(now),
        )
    return added


async def tell_request(
    conn: aiosqlite.Connection,
    reminding: Reminding,
    now: datetime,
    case: Case,
    *,
    request_id: int,
    version: int,
    event: str,
    parties: Sequence[str],
    actor_id: int | None,
) -> int:
    """A request moved (store.requests, in its transaction): one message to each person of the told
    parties ("provider", "inspector", "manager"), the mover excepted; rendered at send time from the
    request as it then is (handlers/request_messages.py), so its buttons are offered only while still current.
    Mutes don't apply: a mute stops reminders, not what someone asks of you. Returns the rows added."""
    people, managers = await _recipients(conn, case)
    wanted: list[int] = []
    for party in parties:
        if party == Role.MANAGER.value:
            wanted += managers
        else:
            wanted += [p.person_id for p in people if p.role.value == party]
    added = 0
    for person_id in dict.fromkeys(wanted):
        if person_id == actor_id:
            continue
        added += await enqueue(
            conn,
            reminding,
            now,
            dedup=f"req:{request_id}:{version}:{person_id}",
            person_id=person_id,
            case_id=case.id,
            kind=Kind.NOTICE,
            batch=f"req:{request_id}:{version}",
            template="request",
            params={"request_id": request_id, "version": version, "event": event, "by": actor_id},
            due_at=reminding.config.hours.next_awake(now),
        )
    return added


@dataclass(frozen=True)
class Copy:
    """One person's copy of a request (a `request` row): its state, the message that carries it once
    sent, and what it was about (`params`: request_id, version, event, by)."""

    id: int
    person_id: int
    case_id: int | None
    state: State
    message_id: int | None
    params: dict[str, Any]


_COPY_COLUMNS = "id, person_id, case_id, state, message_id, params"


def _copy(r: aiosqlite.Row) -> Copy:
    return Copy(
        r["id"], r["person_id"], r["case_id"], State(r["state"]), r["message_id"], json.loads(r["params"])
    )


async def request_copies(
    conn: aiosqlite.Connection, case_id: int, request_id: int, version: int
) -> list[Copy]:
    """The copies of a request's `version` that are out or going out (sent, or being sent now): the
    messages whose buttons a transition from that version makes stale. Pending ones are left out: they
    are rendered when sent, from the request as it then is."""
    return [
        _copy(r)
        for r in await conn.execute_fetchall(
            f"SELECT {_COPY_COLUMNS} FROM outbox WHERE case_id = ? AND state IN ('sending', 'sent')"
            " AND batch = ? AND template = 'request' ORDER BY id",  # outbox_case: the case's rows only
            (case_id, f"req:{request_id}:{version}"),
        )
    ]


async def edit_request_copy(
    conn: aiosqlite.Connection,
    reminding: Reminding,
    now: datetime,
    copy: Copy,
    *,
    request_id: int,
    version: int,
    state: str,
    actor_id: int | None,
) -> bool:
    """A request moved (to `version`, `state`, by `actor_id`), in its transaction: the message carrying
    `copy` is to lose its buttons and say who moved it and when. Kind `reply`: an edit makes no sound, so
    it goes at any hour, at once. Rendered and sent by handlers/request_copies.py and bot/outbox.py."""
    return await enqueue(
        conn,
        reminding,
        now,
        dedup=f"edit:{copy.id}:{version}",
        person_id=copy.person_id,
        case_id=copy.case_id,
        kind=Kind.REPLY,
        batch=f"edit:{copy.id}",
        template="request_edit",
        params={
            "row": copy.id,
            "request_id": request_id,
            "version": version,
            "state": state,
            "by": actor_id,
            "at": time_to_text(now),
        },
        due_at=now,
    )


async def _cancel(conn: aiosqlite.Connection, where: str, args: Sequence[Any], reason: str) -> int:
    cursor = await conn.execute(
        f"UPDATE outbox SET state = 'cancelled', reason = ? WHERE state = 'pending' AND {where}",
        (reason, *args),
    )
    return cursor.rowcount


async def cancel_person(conn: aiosqlite.Connection, person_id: int, reason: str) -> int:
    """A deactivated or unreachable person's pending rows go (inside the caller's transaction)."""
    return await _cancel(conn, "person_id = ?", (person_id,), reason)


# ---------------------------------------------------------------- what the sender and the people see


@dataclass(frozen=True)
class OutboxRow:
    id: int
    person_id: int
    case_id: int | None
    kind: Kind
    batch: str
    template: str
    params: dict[str, Any]
    due_at: datetime
    attempts: int
    state: State = State.SENDING


def _row(r: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        person_id=r["person_id"],
        case_id=r["case_id"],
        kind=Kind(r["kind"]),
        batch=r["batch"],
        template=r["template"],
        params=json.loads(r["params"]),
        due_at=time_from_text(r["due_at"]),
        attempts=r["attempts"],
        state=State(r["state"]),
    )


_ROW_COLUMNS = "id, person_id, case_id, kind, batch, template, params, due_at, attempts, state"


def sendable_kinds(now: datetime, config: ReminderConfig) -> tuple[Kind, ...]:
    """What may go now: replies always; notices outside the quiet hours; reminders and digests on working
    days from the reminding hour until the quiet hours."""
    kinds = [Kind.REPLY]
    if not config.hours.quiet(now):
        kinds.append(Kind.NOTICE)
    if config.hours.reminding(now, config.calendar):
        kinds += [Kind.REMIND, Kind.DIGEST]
    return tuple(kinds)


#: Rows of one (person, batch) group a claim takes at most: what one message says at most (a reminder
#: line with its rule is about 250 characters; Telegram takes 4,096). The rest go in the next message.
ROWS_PER_MESSAGE = 12

#: `d.*`'s case and setting for the digest's most overdue deadlines.
_URGENT_JOIN = " JOIN cases c ON c.id = d.case_id JOIN settings s ON s.id = c.setting_id WHERE "


def _managed_by(manager: str, case: str = "d.case_id") -> str:
    """Case `case` (an SQL expression) is one of manager `manager`'s (a column or `?`): they are a manager
    member of it, or it has no manager member who can be told (`_recipients`)."""
    return (
        f"(EXISTS (SELECT 1 FROM case_members mm WHERE mm.case_id = {case} AND mm.person_id = {manager}"
        f" AND mm.role = 'manager') OR NOT EXISTS (SELECT 1 FROM case_members mm JOIN people pm"
        f" ON pm.id = mm.person_id WHERE mm.case_id = {case} AND mm.role = 'manager' AND pm.active = 1"
        " AND pm.unreachable_at IS NULL))"
    )


@dataclass(frozen=True)
class Overdue:
    """One missed deadline a digest names."""

    ref: int
    setting_name: str
    deadline: Deadline


@dataclass(frozen=True)
class Morning:
    """A manager's morning digest: missed deadlines in all, on how many cases, by kind (kind id, count,
    most first) and by inspector (name or None for a case with none, count; a deadline of a case with two
    inspectors counts for each), and the most overdue."""

    total: int
    cases: int
    by_kind: list[tuple[str, int]]
    by_inspector: list[tuple[str | None, int]]
    urgent: list[Overdue]


@dataclass(frozen=True)
class Status:
    pending: int
    sent_today: int
    failed: int
    unreachable: list[str]


class OutboxRepository:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def release_all(self) -> int:
        """On start (one process per database): rows left `sending` by a process that died go again."""
        async with self._db.transaction(counted=False) as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET state = 'pending', lease_until = NULL WHERE state = 'sending'"
            )
            return cursor.rowcount

    async def release_expired(self, now: datetime) -> int:
        async with self._db.transaction(counted=False) as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET state = 'pending', lease_until = NULL"
                " WHERE state = 'sending' AND lease_until <= ?",
                (time_to_text(now),),
            )
            return cursor.rowcount

    async def claim(
        self, now: datetime, groups: int, lease: timedelta, per_group: int = ROWS_PER_MESSAGE
    ) -> list[OutboxRow]:
        """Take up to `groups` (person, batch) groups of due rows that may go now, under a lease: at most
        `per_group` rows of each, the earliest (one message's worth; the rest go in the next claim)."""
        kinds = sendable_kinds(now, self._db.reminding.config)
        marks = ", ".join("?" for _ in kinds)
        now_text = time_to_text(now)
        due = f"state = 'pending' AND due_at <= ? AND kind IN ({marks})"
        async with self._db.transaction(counted=False) as conn:
            rows = [
                _row(r)
                for r in await conn.execute_fetchall(
                    "UPDATE outbox SET state = 'sending', lease_until = ?, attempts = attempts + 1"
                    f" WHERE {due} AND id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER"
                    "  (PARTITION BY person_id, batch ORDER BY due_at, id) AS n FROM outbox"
                    f"  WHERE {due} AND (person_id, batch) IN (SELECT person_id, batch FROM outbox"
                    f"   WHERE {due} ORDER BY due_at, id LIMIT ?)) WHERE n <= ?)"
                    f" RETURNING {_ROW_COLUMNS}",
                    (
                        time_to_text(now + lease),
                        *(value for _ in range(3) for value in (now_text, *kinds)),
                        groups,
                        per_group,
                    ),
                )
            ]
        return sorted(rows, key=lambda r: (r.due_at, r.id))

    async def plan_digests(self, now: datetime) -> int:
        """Write today's morning digest row for each active, reachable manager with something of their
        cases overdue (`workflows.reminders.digest_day`): one row per manager per morning, whatever the
        number of overdue deadlines, rendered when sent from what is overdue then (`morning`). Rows of
        the digest as it was once written (a row per manager per overdue milestone) that are still
        waiting are cancelled: today's digest counts them. Idempotent; returns the rows added."""
        reminding = self._db.reminding
        hours, calendar = reminding.config.hours, reminding.config.calendar
        day = digest_day(now, hours, calendar)
        if day is None:
            return 0
        missed, missed_params = missed_on_sql(day)
        mine = _managed_by("p.id")
        async with self._db.transaction(counted=False) as conn:
            await _cancel(conn, "kind = 'digest' AND template = 'remind'", (), "digest_replaced")
            cursor = await conn.execute(
                "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at,"
                " created_at) SELECT 'digest:' || p.id || ':' || ?, p.id, NULL, 'digest', 'digest', 'digest',"
                " ?, ?, ? FROM people p WHERE p.role = 'manager' AND p.active = 1"
                " AND p.unreachable_at IS NULL"
                " AND EXISTS (SELECT 1 FROM case_deadlines d WHERE d.case_open = 1 AND d.recorded IS NULL"
                f" AND d.due_at < ? AND {missed} AND {mine}) ORDER BY p.id ON CONFLICT (dedup) DO NOTHING",
                (
                    day.isoformat(),
                    json.dumps({"day": day.isoformat()}),
                    time_to_text(hours.morning(day)),
                    time_to_text(now),
                    day.isoformat(),
                    *missed_params,
                ),
            )
            if cursor.rowcount:
                reminding.wrote()
            return max(0, cursor.rowcount)

    async def morning(self, person_id: int, today: date, urgent: int = DIGEST_URGENT) -> Morning:
        """What a manager's morning digest says: the missed deadlines of their cases (those they are a
        manager member of, and those with no manager member) counted by kind and by inspector, and the
        `urgent` most overdue by name. Two queries over the pending deadlines' index, however many
        cases exist (bench/morning.py)."""
        missed, missed_params = missed_on_sql(today)
        overdue = (
            "FROM case_deadlines d WHERE d.case_open = 1 AND d.recorded IS NULL AND d.due_at < ?"
            f" AND {missed}"
        )
        args = [today.isoformat(), *missed_params]
        async with self._db.reading() as conn:
            # The missed deadlines are read from the pending index and counted by case first, so the
            # manager's rule, the kind and the inspectors are looked up once per case, not per deadline.
            counts = await conn.execute_fetchall(
                f"WITH o AS MATERIALIZED (SELECT d.case_id {overdue}),"
                " per AS MATERIALIZED (SELECT case_id, COUNT(*) AS n FROM o GROUP BY case_id),"
                f" m AS MATERIALIZED (SELECT case_id, n FROM per WHERE {_managed_by('?', 'per.case_id')})"
                " SELECT 'all' AS what, NULL AS name, SUM(n) AS n, COUNT(*) AS cases FROM m"
                " UNION ALL SELECT 'kind', c.kind, SUM(m.n), COUNT(*)"
                "  FROM m JOIN cases c ON c.id = m.case_id GROUP BY c.kind"
                " UNION ALL SELECT 'inspector', p.display_name, SUM(m.n), COUNT(*) FROM m"
                "  LEFT JOIN case_members cm ON cm.case_id = m.case_id AND cm.role = 'inspector'"
                "  LEFT JOIN people p ON p.id = cm.person_id GROUP BY cm.person_id",
                (*args, person_id),
            )
            rows = await conn.execute_fetchall(
                "SELECT c.ref, c.kind, s.name AS setting_name, d.* "
                + overdue.replace(" WHERE ", _URGENT_JOIN, 1)
                + f" AND {_managed_by('?')} ORDER BY d.due_at, c.ref, d.position LIMIT ?",
                (*args, person_id, urgent),
            )
        total, cases = 0, 0
        by_kind: list[tuple[str, int]] = []
        by_inspector: list[tuple[str | None, int]] = []
        for r in counts:
            if r["what"] == "all":
                total, cases = int(r["n"] or 0), int(r["cases"])
            elif r["what"] == "kind":
                by_kind.append((str(r["name"]), int(r["n"])))
            else:
                by_inspector.append((None if r["name"] is None else str(r["name"]), int(r["n"])))
        return Morning(
            total=total,
            cases=cases,
            by_kind=sorted(by_kind, key=lambda k: (-k[1], k[0])),
            by_inspector=sorted(by_inspector, key=lambda i: (i[0] is None, -i[1], i[0] or "")),
            urgent=[
                Overdue(int(r["ref"]), str(r["setting_name"]), deadline_from_row(r["kind"], r)) for r in rows
            ],
        )

    async def next_due(self) -> datetime | None:
        async with self._db.reading() as conn:
            row = await first_row(conn, "SELECT MIN(due_at) FROM outbox WHERE state = 'pending'")
        return None if row is None or row[0] is None else time_from_text(row[0])

    async def person(self, person_id: int) -> Person | None:
        async with self._db.reading() as conn:
            return await load_person(conn, person_id)

    async def case(self, case_id: int) -> Case | None:
        """For rendering at send time: the system reads the case it is reminding about."""

        async with self._db.reading() as conn:
            row = await first_row(conn, "SELECT * FROM cases WHERE id = ?", (case_id,))
            return None if row is None else await build_case(conn, row)

    async def mark_sent(self, ids: Sequence[int], message_id: int, now: datetime) -> None:
        async with self._db.transaction(counted=False) as conn:
            await conn.executemany(
                "UPDATE outbox SET state = 'sent', sent_at = ?, message_id = ?, lease_until = NULL"
                " WHERE id = ? AND state = 'sending'",
                [(time_to_text(now), message_id, i) for i in ids],
            )

    async def retry(self, ids: Sequence[int], due_at: datetime) -> None:
        async with self._db.transaction(counted=False) as conn:
            await conn.executemany(
                "UPDATE outbox SET state = 'pending', lease_until = NULL, due_at = ? WHERE id = ?",
                [(time_to_text(due_at), i) for i in ids],
            )

    async def finish(self, ids: Sequence[int], state: State, reason: str) -> None:
        """Cancel (no longer relevant) or fail (Telegram refused) rows; `reason` is an event name."""
        assert state in (State.CANCELLED, State.FAILED)
        async with self._db.transaction(counted=False) as conn:
            await conn.executemany(
                "UPDATE outbox SET state = ?, reason = ?, lease_until = NULL WHERE id = ?",
                [(state, reason, i) for i in ids],
            )

    async def mark_unreachable(self, person_id: int, now: datetime) -> int:
        """Telegram says the person blocked the bot: cancel their pending rows and tell each of their
        cases' managers once. Returns how many managers will be told."""
        told = 0
        async with self._db.transaction(counted=False) as conn:
            cursor = await conn.execute(
                "UPDATE people SET unreachable_at = ? WHERE id = ? AND unreachable_at IS NULL",
                (time_to_text(now), person_id),
            )
            if cursor.rowcount == 0:
                return 0
            await cancel_person(conn, person_id, "unreachable")
            case_ids = [
                int(r[0])
                for r in await conn.execute_fetchall(
                    "SELECT DISTINCT c.id FROM case_members m JOIN cases c ON c.id = m.case_id"
                    " WHERE m.person_id = ? AND c.status = 'open'",
                    (person_id,),
                )
            ]
            managers: set[int] = set()
            for case_id in case_ids:
                managers |= {
                    int(r[0])
                    for r in await conn.execute_fetchall(
                        "SELECT m.person_id FROM case_members m JOIN people p ON p.id = m.person_id"
                        " WHERE m.case_id = ? AND m.role = 'manager' AND p.active = 1",
                        (case_id,),
                    )
                }
            if not managers:
                managers = {
                    int(r[0])
                    for r in await conn.execute_fetchall(
                        "SELECT id FROM people WHERE role = 'manager' AND active = 1"
                        " AND unreachable_at IS NULL"
                    )
                }
            for manager in sorted(managers - {person_id}):
                told += await enqueue(
                    conn,
                    self._db.reminding,
                    now,
                    dedup=f"unreachable:{person_id}:{manager}:{time_to_text(now)}",
                    person_id=manager,
                    case_id=None,
                    kind=Kind.NOTICE,
                    batch="unreachable",
                    template="unreachable",
                    params={"person_id": person_id},
                    due_at=self._db.reminding.config.hours.next_awake(now),
                )
        return told

    async def confirm_later(self, person: Person, update_id: int, text: str, html: bool) -> bool:
        """A change's confirmation that could not be sent: the outbox sends it at once, at any hour, when
        Telegram takes messages again. Its text (already written for the person) is the parameter."""
        now = self._db.now()
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        async with self._db.transaction(counted=False) as conn:
            return await enqueue(
                conn,
                self._db.reminding,
                now,
                dedup=f"reply:{update_id}:{digest}",
                person_id=person.id,
                case_id=None,
                kind=Kind.REPLY,
                batch=f"reply:{update_id}:{digest}",
                template="reply",
                params={"text": text, "html": html},
                due_at=now,
            )

    async def reachable_again(self, person_id: int) -> bool:
        """The person unblocked the bot (or wrote to it): reminders are wanted again from their next
        change; True if they had been unreachable."""
        async with self._db.transaction(counted=False) as conn:
            cursor = await conn.execute(
                "UPDATE people SET unreachable_at = NULL WHERE id = ? AND unreachable_at IS NOT NULL",
                (person_id,),
            )
            if cursor.rowcount == 0:
                return False
            case_ids = [
                int(r[0])
                for r in await conn.execute_fetchall(
                    "SELECT m.case_id FROM case_members m JOIN cases c ON c.id = m.case_id"
                    " WHERE m.person_id = ? AND c.status = 'open'",
                    (person_id,),
                )
            ]
            for case_id in case_ids:
                await reconcile_case(conn, self._db.reminding, case_id, self._db.now())
        return True

    async def copy(self, row_id: int) -> Copy | None:
        """A request row by id, for the edit that follows a decision (the sender's, unchecked)."""
        async with self._db.reading() as conn:
            found = await first_row(
                conn, f"SELECT {_COPY_COLUMNS} FROM outbox WHERE id = ? AND template = 'request'", (row_id,)
            )
        return None if found is None else _copy(found)

    async def shown_copy(self, person: Person, message_id: int) -> Copy | None:
        """The request row `person`'s message `message_id` carries (the copy they pressed a button on);
        None when that message is not one (a reply in a conversation)."""
        async with self._db.reading() as conn:
            found = await first_row(
                conn,
                f"SELECT {_COPY_COLUMNS} FROM outbox WHERE person_id = ? AND message_id = ?"
                " AND template = 'request' AND state = 'sent' ORDER BY id DESC LIMIT 1",
                (person.id, message_id),
            )
        return None if found is None else _copy(found)

    # ------------------------------------------------------------ for people in chat

    async def reveal_begun(self, now: datetime, days: int = 14) -> int:
        """Reconcile the open cases whose visit was kept from their provider and has begun in the last
        `days` days (catching up after downtime), so the provider's reminders, held back while it was
        hidden (`reconcile`), are written now. Idempotent: run daily and at start. Returns the cases."""

        reminding = self._db.reminding
        hours, calendar = reminding.config.hours, reminding.config.calendar
        today = hours.local(now).date()
        kinds = sorted(visit.UNANNOUNCED_KINDS | visit.ANNOUNCED_BY_CALL)
        marks = ", ".join("?" * len(kinds))
        done = 0
        async with self._db.transaction(counted=False) as conn:
            rows = await conn.execute_fetchall(
                f"SELECT * FROM cases c WHERE c.status = 'open' AND c.kind IN ({marks}) AND EXISTS"
                " (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.role = 'provider')"
                " AND COALESCE(c.planned_start, c.planned_end) >= ?",
                (*kinds, (today - timedelta(days=days + 31)).isoformat()),
            )
            for row in rows:
                case = await build_case(conn, row)
                kind, dates = get_kind(case.kind), case_dates(case)
                if hides_visit(Role.PROVIDER, kind, dates, today, calendar):
                    continue  # not begun yet
                try:
                    if visit.begins(kind, dates, calendar) < today - timedelta(days=days):
                        continue
                except TimelineError:
                    continue  # no on-site day yet: nothing was held back
                await reconcile(conn, reminding, case, now)
                done += 1
        return done

    async def unsent(self, person_id: int, case_id: int, template: str, now: datetime) -> bool:
        """Whether a message of `template` to this person on this case is due by `now` and not yet sent
        (pending or being sent): the survey offered with the draft waits for the draft's own notice, so
        the two arrive in order (handlers/request_messages.py render_request)."""
        async with self._db.reading() as conn:
            row = await first_row(
                conn,
                "SELECT 1 FROM outbox WHERE person_id = ? AND case_id = ? AND template = ?"
                " AND (state = 'sending' OR (state = 'pending' AND due_at <= ?)) LIMIT 1",
                (person_id, case_id, template, time_to_text(now)),
            )
        return row is not None

    async def coming(self, person: Person, limit: int = 20) -> list[OutboxRow]:
        """A person's pending reminders and notices, soonest first. A request's own message (a survey
        offer waiting for the draft's notice, a decision) is news about the request, not a reminder."""
        async with self._db.reading() as conn:
            return [
                _row(r)
                for r in await conn.execute_fetchall(
                    f"SELECT {_ROW_COLUMNS} FROM outbox WHERE person_id = ? AND state = 'pending'"
                    " AND kind IN ('remind', 'digest', 'notice') AND template != 'request'"
                    " ORDER BY due_at, id LIMIT ?",
                    (person.id, limit),
                )
            ]

    async def get_for(self, person: Person, row_id: int) -> OutboxRow:
        """A row of `person`'s own (a button carries its id); anyone else's is refused as missing."""
        async with self._db.reading() as conn:
            row = await first_row(
                conn, f"SELECT {_ROW_COLUMNS} FROM outbox WHERE id = ? AND person_id = ?", (row_id, person.id)
            )
        if row is None:
            raise InvalidInput("That reminder is no longer yours to act on.")
        return _row(row)

    async def is_muted(self, person: Person, ref: int) -> bool:
        """Whether `person` (who must see case `ref`) muted its reminders: /unmute says if they weren't."""
        async with self._db.reading() as conn:
            row = await guard.visible_case(conn, person, ref)
            found = await first_row(
                conn,
                "SELECT 1 FROM reminder_mutes WHERE person_id = ? AND case_id = ?",
                (person.id, row["id"]),
            )
        return found is not None

    async def set_muted(self, person: Person, ref: int, muted: bool) -> Case:
        """Mute or unmute a case's reminders for `person` (who must see it), reconciled at once."""

        async with self._db.transaction() as conn:
            row = await guard.visible_case(conn, person, ref)
            if muted:
                await conn.execute(
                    "INSERT INTO reminder_mutes (person_id, case_id, at) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (person.id, row["id"], time_to_text(self._db.now())),
                )
                # Snoozed ones too (reconcile leaves snoozes alone); not the managers' digest.
                await _cancel(
                    conn, "person_id = ? AND case_id = ? AND kind = 'remind'", (person.id, row["id"]), "muted"
                )
            else:
                await conn.execute(
                    "DELETE FROM reminder_mutes WHERE person_id = ? AND case_id = ?", (person.id, row["id"])
                )
            case = await build_case(conn, row)
            await reconcile(conn, self._db.reminding, case, self._db.now())
            return case

    async def snooze(self, person: Person, row_id: int) -> datetime:
        """Send the reminder (and the others of its message) again on the next working morning."""
        now = self._db.now()
        hours, calendar = self._db.reminding.config.hours, self._db.reminding.config.calendar
        local_day = hours.local(now).date()
        at = hours.morning(calendar.next_working_day(local_day + timedelta(days=1)))
        async with self._db.transaction() as conn:
            first = await first_row(
                conn,
                f"SELECT {_ROW_COLUMNS}, dedup, message_id FROM outbox WHERE id = ? AND person_id = ?",
                (row_id, person.id),
            )
            if (
                first is None or first["kind"] != Kind.REMIND or first["state"] != State.SENT
            ):  # a digest: tomorrow's
                raise InvalidInput("That reminder can't be snoozed any more.")
            rows = list(
                await conn.execute_fetchall(
                    "SELECT * FROM outbox WHERE person_id = ? AND message_id = ? AND state = 'sent'",
                    (person.id, first["message_id"]),
                )
            )
            for r in rows:
                await enqueue(
                    conn,
                    self._db.reminding,
                    now,
                    dedup=f"{r['dedup']}:snooze:{at.date().isoformat()}",
                    person_id=person.id,
                    case_id=r["case_id"],
                    kind=Kind(r["kind"]),
                    batch=r["batch"],
                    template=r["template"],
                    params=json.loads(r["params"]),
                    due_at=at,
                )
        return at

    async def status(self, actor: Person) -> Status:
        """Managers' view: messages pending, sent today, failed, and who can't be reached."""
        now = self._db.now()
        hours = self._db.reminding.config.hours
        start = datetime.combine(hours.local(now).date(), time(0), tzinfo=hours.zone)
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            if subject.role is not Role.MANAGER or not subject.active:
                raise InvalidInput("Only managers can see the messages' status.")
            counts: dict[str, int] = {}
            for name, sql, args in (
                ("pending", "SELECT COUNT(*) FROM outbox WHERE state = 'pending'", ()),
                (
                    "sent",
                    "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND sent_at >= ?",
                    (time_to_text(start),),
                ),
                ("failed", "SELECT COUNT(*) FROM outbox WHERE state = 'failed'", ()),
            ):
                found = await first_row(conn, sql, args)
                counts[name] = 0 if found is None else int(found[0])
            unreachable = [
                str(r[0])
                for r in await conn.execute_fetchall(
                    "SELECT display_name FROM people WHERE unreachable_at IS NOT NULL AND active = 1"
                    " ORDER BY id"
                )
            ]
        return Status(counts["pending"], counts["sent"], counts["failed"], unreachable)

    # ------------------------------------------------------------ for the operator

    async def listing(
        self, *, case_ref: int | None = None, telegram_id: int | None = None, state: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """The outbox for `inspectbot reminders`, row by row (never all in memory)."""
        where: list[str] = ["1 = 1"]
        args: list[object] = []
        if case_ref is not None:
            where.append("c.ref = ?")
            args.append(case_ref)
        if telegram_id is not None:
            where.append("p.telegram_id = ?")
            args.append(telegram_id)
        if state is not None:
            where.append("o.state = ?")
            args.append(state)
        zone = self._db.reminding.config.hours.zone
        async with (
            self._db.reading() as conn,
            conn.execute(
                "SELECT o.id, o.kind, o.template, o.params, o.due_at, o.state, o.sent_at, o.reason,"
                " c.ref, p.telegram_id FROM outbox o JOIN people p ON p.id = o.person_id"
                " LEFT JOIN cases c ON c.id = o.case_id"
                f" WHERE {' AND '.join(where)} ORDER BY o.due_at, o.id",
                args,
            ) as cur,
        ):
            async for r in cur:
                params = json.loads(r["params"])
                yield {
                    "id": r["id"],
                    "case": r["ref"],
                    "person": r["telegram_id"],
                    "kind": r["kind"],
                    "template": r["template"],
                    "milestone": params.get("key"),
                    "lead": params.get("lead"),
                    "due_at": time_from_text(r["due_at"]).astimezone(zone).isoformat(),
                    "state": r["state"],
                    "sent_at": None
                    if r["sent_at"] is None
                    else time_from_text(r["sent_at"]).astimezone(zone).isoformat(),
                    "reason": r["reason"],
                }
