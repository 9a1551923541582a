"""Questions across cases, as SQL: the cases a person may see, one page at a time, soonest first.

The access rules are in the `WHERE` clause (`visible_sql`, `shown_sql`, from `store.conditions`), written
from the same rules as `workflows.access.can_view` and `workflows.audience.sees` (tests/test_lists_access.py
checks them against each other on random data). Every list is `LIMIT`ed and read from the stored deadlines
(store/deadlines.py) through their indexes, so a question costs the same however many cases exist. Closed
cases are skipped by every list but `closed_cases`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import aiosqlite

from store import guard
from store.codec import opt_day, opt_time
from store.conditions import missed_on_sql, open_on_sql, shown_sql, visible_sql
from store.deadlines import deadline_from_row, due_at_text
from store.models import CaseStatus, CloseReason, Person
from store.reads import first_row
from workflows import visit
from workflows.access import Role, Subject
from workflows.audience import hides_visit
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, Deadline
from workflows.kinds import get_kind

if TYPE_CHECKING:
    from store.connection import Connection

#: Rows a list page shows.
PAGE_SIZE = 10
#: Deadline rows read at a time while walking them for the cases of a page.
_WALK = 200


async def hidden_cases(
    conn: aiosqlite.Connection, subject: Subject, today: date, calendar: WorkingCalendar
) -> list[int]:
    """The ids of the open cases whose visit is kept from `subject` today (`workflows.audience.hides_visit`:
    a provider, on a visit without notice that has not begun): none for anyone else. A provider's setting
    has a handful of cases, and only those of such kinds are read, with their recorded dates."""
    if subject.role is not Role.PROVIDER or subject.setting_id is None:
        return []
    kinds = sorted(visit.UNANNOUNCED_KINDS | visit.ANNOUNCED_BY_CALL)
    rows = await conn.execute_fetchall(
        "SELECT c.id, c.kind, c.planned_start, c.planned_end, c.judgement, c.concerns,"
        " (SELECT json_group_object(e.key, e.day) FROM case_events e WHERE e.case_id = c.id) AS events"
        " FROM cases c WHERE c.status = 'open' AND c.setting_id = ?"
        f" AND c.kind IN ({', '.join('?' * len(kinds))})",
        (subject.setting_id, *kinds),
    )
    found: list[int] = []
    for row in rows:
        events = json.loads(row["events"] or "{}")
        dates = CaseDates(
            start=opt_day(row["planned_start"]),
            end=opt_day(row["planned_end"]),
            records={key: date.fromisoformat(day) for key, day in events.items()},
        )
        if hides_visit(subject.role, get_kind(row["kind"]), dates, today, calendar):
            found.append(int(row["id"]))
    return found


@dataclass(frozen=True)
class CaseRef:
    """A case as a list or a picker names it."""

    id: int
    ref: int
    kind: str
    setting_name: str
    status: CaseStatus
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    close_note: str | None = None


@dataclass(frozen=True)
class CaseLine:
    """An open case in /cases: what to chase on it (the earliest deadline still open), or None."""

    case: CaseRef
    chase: Deadline | None
    hidden: bool = False  # its visit is kept from the person asking: no date may be shown for it


@dataclass(frozen=True)
class DeadlineLine:
    """One deadline of one case in a list across cases."""

    case: CaseRef
    deadline: Deadline


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, how many there are in all, and where the page starts."""

    items: list[T]
    total: int
    offset: int


@dataclass(frozen=True)
class CaseFilter:
    """A manager's narrowing of /cases: one inspector's cases, one kind, those with something overdue."""

    inspector_id: int | None = None
    kind: str | None = None
    overdue: bool = False


_CASE_COLUMNS = (
    "c.id, c.ref, c.kind, s.name AS setting_name, c.status, c.closed_at, c.close_reason, c.close_note"
)


def _case_ref(row: aiosqlite.Row) -> CaseRef:
    return CaseRef(
        id=row["id"],
        ref=row["ref"],
        kind=row["kind"],
        setting_name=row["setting_name"],
        status=CaseStatus(row["status"]),
        closed_at=opt_time(row["closed_at"]),
        close_reason=None if row["close_reason"] is None else CloseReason(row["close_reason"]),
        close_note=row["close_note"],
    )


def chase(deadlines: Sequence[Deadline], today: date) -> Deadline | None:
    """What to chase first on a case: the earliest (by when it falls due) of the deadlines still open,
    so a missed one comes before what is to come; the same as the order of `open_cases`."""
    candidates = [d for d in deadlines if d.open_on(today)]
    return min(candidates, key=lambda d: due_at_text(d.last_day, d.time), default=None)


class ListRepository:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def open_cases(
        self,
        actor: Person,
        today: date,
        offset: int = 0,
        limit: int = PAGE_SIZE,
        narrow: CaseFilter | None = None,
    ) -> Page[CaseLine]:
        """Open cases `actor` may see, soonest deadline first (cases with nothing left last)."""
        narrow = narrow or CaseFilter()
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            where, params = visible_sql(subject)
            hidden = await hidden_cases(conn, subject, today, self._db.calendar)
            shown, shown_params = shown_sql(subject.role, hidden=hidden)
            conditions, extra = [where], list(params)
            if narrow.kind is not None:
                conditions.append("c.kind = ?")
                extra.append(narrow.kind)
            if narrow.inspector_id is not None:
                conditions.append(
                    "EXISTS (SELECT 1 FROM case_members ci WHERE ci.case_id = c.id AND ci.person_id = ?"
                    " AND ci.role = 'inspector')"
                )
                extra.append(narrow.inspector_id)
            where_all = " AND ".join(conditions)
            # The order of the cases is the order in which they first appear among their deadlines still
            # open, soonest first: walk the pending deadlines by due time (the partial index) until the
            # page's cases are found, rather than working out every case's soonest deadline. Narrowed to
            # cases with something overdue, the walk is over missed deadlines alone: they come before
            # anything else still open (their last day is past), so each case's first is its chase.
            walk, walk_params = missed_on_sql(today) if narrow.overdue else open_on_sql(today)
            cases_join = "" if where_all == "1" else " JOIN cases c ON c.id = d.case_id AND c.status = 'open'"
            walked = (
                f" FROM case_deadlines d{cases_join}"
                f" WHERE d.case_open = 1 AND d.recorded IS NULL AND {walk} AND {shown} AND {where_all}"
            )
            if narrow.overdue:
                total = await _count(
                    conn, "SELECT COUNT(DISTINCT d.case_id)" + walked, [*walk_params, *shown_params, *extra]
                )
            else:
                total = await _count(
                    conn, f"SELECT COUNT(*) FROM cases c WHERE c.status = 'open' AND {where_all}", extra
                )
            open_on, open_params = open_on_sql(today)
            ids: list[int] = []
            # Cases are joined only when the person's rules or the narrowing need them (not a manager's
            # plain list), and checked to be open before their deadlines are read.
            cases_join = "" if where_all == "1" else " JOIN cases c ON c.id = d.case_id AND c.status = 'open'"
            async with conn.execute(
                "SELECT d.case_id" + walked + " ORDER BY d.due_at, d.case_id",
                (*walk_params, *shown_params, *extra),
            ) as cur:
                seen: set[int] = set()
                while len(ids) < offset + limit:
                    batch = await cur.fetchmany(_WALK)
                    if not batch:
                        break
                    for (case_id,) in batch:
                        if case_id not in seen:
                            seen.add(case_id)
                            ids.append(case_id)
            page_ids = ids[offset : offset + limit]
            if len(page_ids) < limit and len(ids) < offset + limit and not narrow.overdue:
                # Past the cases with something open: those with nothing left to do, by number.
                page_ids += [
                    row[0]
                    for row in await conn.execute_fetchall(
                        f"SELECT c.id FROM cases c WHERE c.status = 'open' AND {where_all} AND NOT EXISTS"
                        " (SELECT 1 FROM case_deadlines d WHERE d.case_id = c.id AND d.case_open = 1"
                        f" AND {open_on} AND {shown}) ORDER BY c.ref LIMIT ? OFFSET ?",
                        (
                            *extra,
                            *open_params,
                            *shown_params,
                            limit - len(page_ids),
                            max(0, offset - len(ids)),
                        ),
                    )
                ]
            cases = await _cases_by_id(conn, page_ids)
            timelines = await _timelines(conn, cases, subject.role, hidden)
        return Page(
            [CaseLine(c, chase(timelines.get(c.id, []), today), c.id in hidden) for c in cases], total, offset
        )

    async def closed_cases(self, actor: Person, offset: int = 0, limit: int = PAGE_SIZE) -> Page[CaseRef]:
        """Closed cases `actor` may see, newest first."""
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            where, params = visible_sql(subject)
            total = await _count(
                conn, f"SELECT COUNT(*) FROM cases c WHERE c.status = 'closed' AND {where}", params
            )
            return Page(
                [
                    _case_ref(row)
                    for row in await conn.execute_fetchall(
                        f"SELECT {_CASE_COLUMNS} FROM cases c JOIN settings s ON s.id = c.setting_id"
                        f" WHERE c.status = 'closed' AND {where} ORDER BY c.ref DESC LIMIT ? OFFSET ?",
                        (*params, limit, offset),
                    )
                ],
                total,
                offset,
            )

    async def oldest_pending(self) -> date | None:
        """The last day of the oldest deadline still pending on an open case (operator-level: for warming
        the calendar at start)."""
        async with self._db.reading() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT MIN(due_at) FROM case_deadlines WHERE case_open = 1 AND recorded IS NULL"
                )
            )
        return None if not rows or rows[0][0] is None else date.fromisoformat(str(rows[0][0])[:10])

    async def pick(self, actor: Person, *, closed: bool = False, limit: int = 20) -> Page[CaseRef]:
        """The cases a picker offers (open ones, or closed ones), newest first, and how many there are."""
        status = "closed" if closed else "open"
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            where, params = visible_sql(subject)
            total = await _count(
                conn, f"SELECT COUNT(*) FROM cases c WHERE c.status = ? AND {where}", [status, *params]
            )
            return Page(
                [
                    _case_ref(row)
                    for row in await conn.execute_fetchall(
                        f"SELECT {_CASE_COLUMNS} FROM cases c JOIN settings s ON s.id = c.setting_id"
                        f" WHERE c.status = ? AND {where} ORDER BY c.ref DESC LIMIT ?",
                        (status, *params, limit),
                    )
                ],
                total,
                0,
            )

    async def named(
        self, actor: Person, parts: Sequence[str], *, every: bool, limit: int = 500
    ) -> list[CaseRef]:
        """Open cases `actor` may see whose setting's name contains every (`every`) or any of `parts`:
        the narrowing before `workflows.names` decides, so no lookup reads every case."""
        if not parts:
            return []
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            where, params = visible_sql(subject)
            # Apostrophes go, as workflows.names.words drops them ("children's" is "childrens").
            bare = "REPLACE(REPLACE(s.name, char(39), ''), char(8217), '')"
            likes = f" {'AND' if every else 'OR'} ".join(f"{bare} LIKE ? ESCAPE '\\'" for _ in parts)
            patterns = ["%" + _escape_like(part) + "%" for part in parts]
            return [
                _case_ref(row)
                for row in await conn.execute_fetchall(
                    f"SELECT {_CASE_COLUMNS} FROM cases c JOIN settings s ON s.id = c.setting_id"
                    f" WHERE c.status = 'open' AND {where} AND ({likes}) ORDER BY c.ref DESC LIMIT ?",
                    (*params, *patterns, limit),
                )
            ]

    async def overdue(
        self, actor: Person, today: date, offset: int = 0, limit: int = PAGE_SIZE
    ) -> Page[DeadlineLine]:
        """Missed deadlines of the open cases `actor` may see, as they are shown to them, oldest first."""
        missed, missed_params = missed_on_sql(today)
        return await self._deadlines(
            actor, today, f"d.due_at < ? AND {missed}", [today.isoformat(), *missed_params], offset, limit
        )

    async def due_between(
        self, actor: Person, today: date, first: date, last: date, offset: int = 0, limit: int = PAGE_SIZE
    ) -> Page[DeadlineLine]:
        """Deadlines still open today whose last day is from `first` to `last`, soonest first."""
        open_on, open_params = open_on_sql(today)
        return await self._deadlines(
            actor,
            today,
            f"d.due_at >= ? AND d.due_at < ? AND {open_on}",
            [first.isoformat(), f"{last.isoformat()} 99", *open_params],
            offset,
            limit,
        )

    async def _deadlines(
        self, actor: Person, today: date, condition: str, params: list[Any], offset: int, limit: int
    ) -> Page[DeadlineLine]:
        async with self._db.reading() as conn:
            subject = await guard.subject_of(conn, actor)
            where, where_params = visible_sql(subject)
            hidden = await hidden_cases(conn, subject, today, self._db.calendar)
            shown, shown_params = shown_sql(subject.role, hidden=hidden)
            # `d.case_open = 1 AND d.recorded IS NULL` as written matches the partial index on due_at.
            body = (
                " FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
                f" WHERE d.case_open = 1 AND d.recorded IS NULL AND {condition} AND {shown} AND {where}"
            )
            args = [*params, *shown_params, *where_params]
            counted = body if where != "1" else body.replace(" JOIN cases c ON c.id = d.case_id", "")
            total = await _count(conn, "SELECT COUNT(*)" + counted, args)
            rows = list(
                await conn.execute_fetchall(
                    f"SELECT {_CASE_COLUMNS}, d.*"
                    + body.replace(
                        "JOIN cases c ON c.id = d.case_id",
                        "JOIN cases c ON c.id = d.case_id JOIN settings s ON s.id = c.setting_id",
                    )
                    + " ORDER BY d.due_at, c.ref, d.position LIMIT ? OFFSET ?",
                    (*args, limit, offset),
                )
            )
        return Page(
            [DeadlineLine(_case_ref(row), deadline_from_row(row["kind"], row)) for row in rows], total, offset
        )


async def _cases_by_id(conn: aiosqlite.Connection, ids: Sequence[int]) -> list[CaseRef]:
    """The cases with these ids, in that order."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = await conn.execute_fetchall(
        f"SELECT {_CASE_COLUMNS} FROM cases c JOIN settings s ON s.id = c.setting_id WHERE c.id IN ({marks})",
        tuple(ids),
    )
    found = {row["id"]: _case_ref(row) for row in rows}
    return [found[i] for i in ids if i in found]


async def _count(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> int:
    row = await first_row(conn, sql, tuple(params))
    return 0 if row is None else int(row[0])


async def _timelines(
    conn: aiosqlite.Connection, cases: Sequence[CaseRef], role: Role | None, hidden: Sequence[int] = ()
) -> dict[int, list[Deadline]]:
    """The stored deadlines of a page's cases as `role` is shown them, in one query."""
    if not cases:
        return {}
    kinds = {c.id: c.kind for c in cases}
    shown, shown_params = shown_sql(role, hidden=hidden)
    marks = ", ".join("?" * len(cases))
    found: dict[int, list[Deadline]] = {}
    for row in await conn.execute_fetchall(
        f"SELECT d.* FROM case_deadlines d WHERE d.case_id IN ({marks}) AND {shown}"
        " ORDER BY d.case_id, d.position",
        (*kinds, *shown_params),
    ):
        found.setdefault(row["case_id"], []).append(deadline_from_row(kinds[row["case_id"]], row))
    return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
