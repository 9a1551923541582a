"""The inspection programme (issue 22): settings whose next inspection falls due in a period, and one
setting's history. Managers only: a provider never sees it.

Windows are kept on each setting's row (`store.setting_windows`), so the programme is one query on the
`settings_due` index, whatever the number of settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import aiosqlite

from store import audit, outbox, places, setting_windows
from store.codec import day_from_text, day_to_text, opt_day, time_to_text
from store.errors import InvalidInput
from store.models import CaseStatus, Person, Role
from store.reads import first_row
from workflows.programme import RowProblem
from workflows.programme_windows import (
    KIND_OF_INSPECTION,
    RULES,
    SETTING_KIND_NAMES,
    Rule,
    SettingKind,
)
from workflows.settings_register import RegisterRow

if TYPE_CHECKING:
    from store.database import Database


class ManagersOnly(InvalidInput):
    """The programme is for managers."""

    def __init__(self) -> None:
        super().__init__("The inspection programme is for managers.")


@dataclass(frozen=True)
class ProgrammeLine:
    """One setting in the programme: its next inspection's window, the rule and source behind it."""

    setting_id: int
    setting: str
    urn: str | None
    setting_kind: SettingKind | None
    due_from: date
    due_by: date
    rule: Rule
    #: The number of its latest case that was an inspection (judged, its end recorded, or closed as
    #: completed), if any: a case only planned is not its last inspection.
    latest_ref: int | None

    @property
    def kind(self) -> str:
        """The inspection kind due (workflows/kinds.py id)."""
        return self.rule.kind

    def overdue(self, today: date) -> bool:
        return self.due_by < today

    def as_json(self, today: date) -> dict[str, object]:
        return {
            "setting": self.setting,
            "urn": self.urn,
            "kind": self.kind,
            "setting_kind": None if self.setting_kind is None else self.setting_kind.value,
            "due_from": self.due_from.isoformat(),
            "due_by": self.due_by.isoformat(),
            "reason": self.rule.reason,
            "rule": self.rule.key,
            "source": self.rule.source,
            "overdue": self.overdue(today),
            "latest_case": self.latest_ref,
        }


@dataclass(frozen=True)
class SettingInspection:
    ref: int
    kind: str
    start: date | None
    end: date | None
    judgement: str | None
    status: CaseStatus


@dataclass(frozen=True)
class SettingHistory:
    """A setting with every case on it and its next window (None when the seeds give none)."""

    setting_id: int
    name: str
    urn: str | None
    setting_kind: SettingKind | None
    registered: date | None
    inspections: tuple[SettingInspection, ...]
    window: ProgrammeLine | None
    #: How to reach the provider, from the register: for managers only (the programme is theirs).
    provider_contact: str | None = None


def _kind_of(stored: str | None, next_kind: str | None) -> SettingKind | None:
    if stored is not None:
        return SettingKind(stored)
    return None if next_kind is None else KIND_OF_INSPECTION.get(next_kind)


def _line(row: aiosqlite.Row) -> ProgrammeLine:
    return ProgrammeLine(
        setting_id=row["id"],
        setting=row["name"],
        urn=row["urn"],
        setting_kind=_kind_of(row["kind"], row["next_kind"]),
        due_from=day_from_text(row["due_from"]),
        due_by=day_from_text(row["due_by"]),
        rule=RULES[row["due_rule"]],
        latest_ref=row["latest_ref"],
    )


_SELECT = (
    "SELECT s.id, s.name, s.urn, s.kind, s.next_kind, s.due_from, s.due_by, s.due_rule,"
    " (SELECT c.ref FROM cases c WHERE c.id = s.inspected_case_id) AS latest_ref"
    " FROM settings s"
)


async def refresh_stale(db: Database) -> int:
    """Work out the windows marked stale (after migration 11 or a change of rules); cheap when none is."""
    async with db.reading() as conn:
        stale = await first_row(conn, "SELECT id FROM settings WHERE window_stale = 1 LIMIT 1")
    if stale is None:
        return 0
    async with db.transaction(counted=False) as conn:
        return await setting_windows.refresh_stale(conn)


def _require_manager(actor: Person | None) -> None:
    """None is the operator's command line; in the bot, only managers."""
    if actor is not None and actor.role is not Role.MANAGER:
        raise ManagersOnly()


def _where(
    date_from: date | None,
    date_to: date | None,
    kind: str | None,
    due_before: date | None,
    inspector_id: int | None = None,
) -> tuple[str, list[object]]:
    where = ["s.due_by IS NOT NULL"]
    params: list[object] = []
    if inspector_id is not None:
        # The inspector of the setting's last inspection, or on a case of it still to be inspected (planned:
        # open and later than that inspection), never one only planned taken for its last inspection.
        where.append(
            "s.id IN (SELECT c.setting_id FROM case_members m JOIN cases c ON c.id = m.case_id"
            " JOIN settings t ON t.id = c.setting_id"
            " WHERE m.role = 'inspector' AND m.person_id = ? AND (c.id = t.inspected_case_id"
            " OR (c.status = 'open' AND c.id > COALESCE(t.inspected_case_id, 0))))"
        )
        params.append(inspector_id)
    if date_from is not None:
        where.append("s.due_by >= ?")
        params.append(day_to_text(date_from))
    if date_to is not None:
        where.append("s.due_from <= ?")
        params.append(day_to_text(date_to))
    if due_before is not None:
        where.append("s.due_by < ?")
        params.append(day_to_text(due_before))
    if kind is not None:
        if kind in {k.value for k in SettingKind}:
            inspection_kinds = [k for k, of in KIND_OF_INSPECTION.items() if of.value == kind]
            marks = ",".join("?" * len(inspection_kinds))
            where.append(f"(s.kind = ? OR (s.kind IS NULL AND s.next_kind IN ({marks})))")
            params.extend([kind, *inspection_kinds])
        else:
            where.append("s.next_kind = ?")
            params.append(kind)
    return " AND ".join(where), params


async def programme(
    db: Database,
    actor: Person | None,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    kind: str | None = None,
    due_before: date | None = None,
    inspector_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ProgrammeLine]:
    """Settings whose window meets [date_from, date_to] (either end open), by last day: overdue first.

    `kind` is an inspection kind id (`ch-full`) or a setting kind (`childrens_home`); `due_before` keeps
    the windows that ended before that day (the overdue ones, given today); `inspector_id` the settings
    whose latest case has that inspector on it.
    """
    return (
        await programme_page(
            db,
            actor,
            date_from=date_from,
            date_to=date_to,
            kind=kind,
            due_before=due_before,
            inspector_id=inspector_id,
            limit=limit,
            offset=offset,
            count=False,
        )
    )[0]


async def programme_page(
    db: Database,
    actor: Person | None,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    kind: str | None = None,
    due_before: date | None = None,
    inspector_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
    count: bool = True,
) -> tuple[list[ProgrammeLine], int]:
    """`programme`'s lines from `offset`, and how many there are in all (when `count`, else -1)."""
    _require_manager(actor)
    await refresh_stale(db)
    where, params = _where(date_from, date_to, kind, due_before, inspector_id)
    sql = f"{_SELECT} WHERE {where} ORDER BY s.due_by, s.due_from, s.name, s.id"
    page_params = list(params)
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        page_params.extend([-1 if limit is None else limit, offset])
    async with db.reading() as conn:
        lines = [_line(row) for row in await conn.execute_fetchall(sql, page_params)]
        total = -1
        if count:
            row = await first_row(conn, f"SELECT COUNT(*) FROM settings s WHERE {where}", params)
            total = 0 if row is None else int(row[0])
    return lines, total


async def find_settings(db: Database, actor: Person | None, text: str) -> list[int]:
    """Ids of the settings named `text` (any letter case) or with that URN; else those whose name holds it."""
    _require_manager(actor)
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput("Give the setting's name or URN, like /setting SC123456.")
    async with db.reading() as conn:
        rows = await conn.execute_fetchall(
            "SELECT id FROM settings WHERE urn = ?"
            " UNION SELECT id FROM settings WHERE name = ? COLLATE NOCASE ORDER BY 1",
            (cleaned.upper(), cleaned),
        )
        if not rows:  # a part of the name ('oak' for Oak Lodge), as /case oak finds a case
            pattern = "%" + cleaned.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = await conn.execute_fetchall(
                "SELECT id FROM settings WHERE name LIKE ? ESCAPE '\\' ORDER BY id LIMIT 20", (pattern,)
            )
    return [row[0] for row in rows]


async def history(db: Database, actor: Person | None, setting_id: int) -> SettingHistory:
    """A setting's cases (oldest first) and its next window."""
    _require_manager(actor)
    await refresh_stale(db)
    async with db.reading() as conn:
        row = await first_row(conn, f"{_SELECT} WHERE s.id = ?", (setting_id,))
        if row is None:
            raise InvalidInput("I can't find that setting.")
        details = await first_row(
            conn, "SELECT registered, provider_contact FROM settings WHERE id = ?", (setting_id,)
        )
        cases = await conn.execute_fetchall(
            "SELECT c.ref, c.kind, c.planned_start, c.planned_end, c.judgement, c.status,"
            " (SELECT day FROM case_events e WHERE e.case_id = c.id AND e.key = 'start') AS started,"
            " (SELECT day FROM case_events e WHERE e.case_id = c.id AND e.key = 'end') AS ended"
            " FROM cases c WHERE c.setting_id = ? ORDER BY c.id",
            (setting_id,),
        )
    inspections = tuple(
        SettingInspection(
            ref=case["ref"],
            kind=case["kind"],
            start=opt_day(case["started"] or case["planned_start"]),
            end=opt_day(case["ended"] or case["planned_end"]),
            judgement=case["judgement"],
            status=CaseStatus(case["status"]),
        )
        for case in cases
    )
    return SettingHistory(
        setting_id=setting_id,
        name=row["name"],
        urn=row["urn"],
        setting_kind=_kind_of(row["kind"], row["next_kind"]),
        registered=None if details is None else opt_day(details["registered"]),
        inspections=inspections,
        window=None if row["due_by"] is None else _line(row),
        provider_contact=None if details is None else details["provider_contact"],
    )


async def set_details(
    db: Database,
    now: datetime,
    actor: Person | None,
    setting_id: int,
    kind: SettingKind | None,
    registered: date | None,
) -> None:
    """Record a setting's kind and registration date (the register's columns) and work its window out
    again, with its audit entry, in one transaction."""
    _require_manager(actor)
    async with db.transaction() as conn:
        found = await first_row(conn, "SELECT id FROM settings WHERE id = ?", (setting_id,))
        if found is None:
            raise InvalidInput("I can't find that setting.")
        await conn.execute(
            "UPDATE settings SET kind = ?, registered = ? WHERE id = ?",
            (
                None if kind is None else kind.value,
                None if registered is None else day_to_text(registered),
                setting_id,
            ),
        )
        await audit.record(
            conn,
            now,
            actor,
            "setting.details",
            None,
            None,
            {
                "setting_id": setting_id,
                "kind": None if kind is None else kind.value,
                "registered": registered is not None,
            },
        )
        await setting_windows.setting_changed(conn, setting_id)


def kind_name(kind: SettingKind | None) -> str:
    return "setting" if kind is None else SETTING_KIND_NAMES[kind]


class RegisterRejected(Exception):
    """The register has problems; nothing was written."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__(f"{len(problems)} row(s) with problems")
        self.problems = list(problems)


async def import_register(
    db: Database, now: datetime, rows: Sequence[RegisterRow], found_earlier: Sequence[RowProblem] = ()
) -> tuple[int, int]:
    """Create or update every setting of a register in one transaction, or none when any line has a
    problem (RegisterRejected names each). A row matches a setting by URN, else by name among settings
    without one; its kind and registration date are set (and its provider's contact, when the file has
    that column), and the windows worked out again. Returns (created, updated). The operator's command
    line is the actor ("cli" in the trail)."""
    problems = list(found_earlier)
    cleaned: list[tuple[RegisterRow, str, str | None]] = []
    urns: dict[str, int] = {}
    for row in rows:
        try:
            name, urn = places.clean_name(row.name), places.clean_urn(row.urn)
        except InvalidInput as error:
            problems.append(RowProblem(row.line, str(error)))
            continue
        if urn is not None and urn in urns:
            problems.append(RowProblem(row.line, f"URN {urn} is on line {urns[urn]} already"))
            continue
        if urn is not None:
            urns[urn] = row.line
        cleaned.append((row, name, urn))
    if problems:
        raise RegisterRejected(sorted(problems, key=lambda problem: problem.line))
    created = updated = 0
    async with db.transaction() as conn:
        touched: list[int] = []
        for row, name, urn in cleaned:
            found = await first_row(
                conn,
                "SELECT id FROM settings WHERE urn = ?"
                if urn is not None
                else "SELECT id FROM settings WHERE name = ? COLLATE NOCASE AND urn IS NULL",
                (urn if urn is not None else name,),
            )
            registered = None if row.registered is None else day_to_text(row.registered)
            if found is None:
                cursor = await conn.execute(
                    "INSERT INTO settings (name, urn, created_at, kind, registered, provider_contact)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (name, urn, time_to_text(now), row.kind.value, registered, row.contact),
                )
                if cursor.lastrowid is None:
                    raise RuntimeError("SQLite gave no id for a new setting")
                touched.append(cursor.lastrowid)
                created += 1
            else:
                await conn.execute(
                    "UPDATE settings SET kind = ?, registered = ?, window_stale = 1,"
                    " provider_contact = CASE WHEN ? THEN ? ELSE provider_contact END WHERE id = ?",
                    (row.kind.value, registered, row.contact_given, row.contact, found["id"]),
                )
                touched.append(found["id"])
                updated += 1
        # Names identify homes and contacts people: the trail keeps only the counts.
        contacts = sum(1 for row, _, _ in cleaned if row.contact is not None)
        await audit.record(
            conn,
            now,
            None,
            "settings.import",
            None,
            None,
            {"created": created, "updated": updated, "contacts": contacts},
        )
        await setting_windows.refresh_stale(conn)
    return created, updated


@dataclass(frozen=True)
class InspectorLoad:
    """One active inspector's open cases planned to start in each month of a run of months."""

    person_id: int
    name: str
    per_month: tuple[int, ...]


async def inspector_load(db: Database, actor: Person | None, first: date, months: int) -> list[InspectorLoad]:
    """Every active inspector's open cases by the month their visit is planned to start, from the month of
    `first` for `months` months (issue 22: who carries what); managers only."""
    _require_manager(actor)
    start = first.replace(day=1)
    end_month = start.month - 1 + months
    end = date(start.year + end_month // 12, end_month % 12 + 1, 1)
    async with db.reading() as conn:
        people = await conn.execute_fetchall(
            "SELECT id, display_name FROM people WHERE role = 'inspector' AND active = 1"
            " ORDER BY display_name, id"
        )
        counts: dict[tuple[int, str], int] = {
            (row[0], row[1]): row[2]
            for row in await conn.execute_fetchall(
                "SELECT m.person_id, substr(c.planned_start, 1, 7), COUNT(*) FROM cases c"
                " JOIN case_members m ON m.case_id = c.id AND m.role = 'inspector'"
                " WHERE c.status = 'open' AND c.planned_start >= ? AND c.planned_start < ?"
                " GROUP BY m.person_id, substr(c.planned_start, 1, 7)",
                (day_to_text(start), day_to_text(end)),
            )
        }
    labels = []
    for n in range(months):
        index = start.month - 1 + n
        labels.append(f"{start.year + index // 12:04d}-{index % 12 + 1:02d}")
    return [
        InspectorLoad(
            row["id"], row["display_name"], tuple(counts.get((row["id"], label), 0) for label in labels)
        )
        for row in people
    ]


#: The outbox template of the managers' morning line on settings overdue for inspection.
OVERDUE_TEMPLATE = "programme_overdue"


async def overdue_count(db: Database, actor: Person | None, today: date) -> int:
    """How many settings are overdue for inspection (their window ended before `today`)."""
    return (await programme_page(db, actor, due_before=today, limit=0))[1]


async def enqueue_overdue_digest(db: Database, now: datetime) -> int:
    """On a working day with settings overdue for inspection, one line for each active manager in their
    morning digest (issue 22), written once a day (its de-duplication key names the day); the line counts
    them again when it goes. Returns how many rows were written."""
    config = db.reminding.config
    today = config.hours.local(now).date()
    if not config.calendar.is_working_day(today) or not await overdue_count(db, None, today):
        return 0
    written = 0
    async with db.transaction(counted=False) as conn:
        managers = await conn.execute_fetchall("SELECT id FROM people WHERE role = 'manager' AND active = 1")
        for manager in managers:
            written += await outbox.enqueue(
                conn,
                db.reminding,
                now,
                dedup=f"{OVERDUE_TEMPLATE}:{today.isoformat()}:{manager[0]}",
                person_id=manager[0],
                case_id=None,
                kind=outbox.Kind.DIGEST,
                batch="digest",
                template=OVERDUE_TEMPLATE,
                params={"day": today.isoformat()},
                due_at=config.hours.morning(today),
            )
    return written
