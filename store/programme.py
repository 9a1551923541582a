"""The inspection programme in bulk: many cases opened at once by the operator, and listed back.

An import is one transaction: every row is checked first (inside it, so no inspector can be deactivated
between the check and the write), and only a file without problems is written. Each case is written as
`CaseRepository.create` writes one (the same row, the same `case.create` audit entry, `store.derived`
refreshed), with `case.member` for its inspector or an `invite.create` for the inspector still to come.
The actor is the operator's command line ("cli" in the trail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import aiosqlite

from store import audit, derived, places
from store.case_rows import add_member
from store.codec import opt_day_text, time_to_text
from store.errors import InvalidInput
from store.models import Role
from store.person_rows import find_by_telegram_id
from store.reads import first_row
from workflows import invites as invite_rules
from workflows.programme import ProgrammeRow, RowProblem

if TYPE_CHECKING:
    from store.connection import Connection


class _DryRun(Exception):
    """Rolls a dry run's transaction back, carrying what it would have made."""

    def __init__(self, made: list[ImportedCase]) -> None:
        super().__init__("dry run")
        self.made = made


class ProgrammeRejected(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__(f"{len(problems)} row(s) with problems")
        self.problems = list(problems)


@dataclass(frozen=True)
class ImportedCase:
    """What an import made of one row: the case, and the invitation code when no inspector was given."""

    line: int
    ref: int
    invite_code: str | None


async def _check(
    conn: aiosqlite.Connection, rows: Sequence[ProgrammeRow]
) -> tuple[list[RowProblem], dict[int, int]]:
    """What only the store knows: names and URNs as it keeps them, and inspectors by Telegram id."""
    problems: list[RowProblem] = []
    inspectors: dict[int, int] = {}  # Telegram id -> person id
    for row in rows:
        messages: list[str] = []
        try:
            places.clean_name(row.setting)
        except InvalidInput as error:
            messages.append(str(error).rstrip("."))
        try:
            places.clean_urn(row.urn)
        except InvalidInput as error:
            messages.append(str(error).rstrip("."))
        if row.inspector is not None and row.inspector not in inspectors:
            person = await find_by_telegram_id(conn, row.inspector)
            if person is None or not person.active or person.role is not Role.INSPECTOR:
                messages.append(
                    f"no active inspector has Telegram id {row.inspector} (invite them first, or leave the"
                    " inspector blank for an invitation)"
                )
            else:
                inspectors[row.inspector] = person.id
        if not messages and places.clean_urn(row.urn) is None:
            found = await places.named(conn, row.setting)
            if places.ambiguous(found):
                messages.append(_which_setting(row.setting, found))
        if not messages:
            twin = await _open_twin(conn, row)
            if twin is not None:
                messages.append(
                    f"case #{twin} is already open for this setting, kind and first day (was this file"
                    " imported before?)"
                )
        if messages:
            problems.append(RowProblem(row.line, "; ".join(messages)))
    return problems, inspectors


def _which_setting(name: str, found: Sequence[places.NamedSetting]) -> str:
    """The refusal of a row whose name, without a URN, may mean more than one setting (issue 22)."""
    urns = ", ".join(setting.urn or "one without a URN" for setting in found)
    if len(found) == 1:
        return (
            f"a setting called '{places.clean_name(name)}' has URN {urns}: put it in the urn column if the"
            " case is on that setting, or the new setting's own URN if not"
        )
    return (
        f"{len(found)} settings are called '{places.clean_name(name)}' ({urns}): put the URN of the one the"
        " case is on in the urn column"
    )


async def _open_twin(conn: aiosqlite.Connection, row: ProgrammeRow) -> int | None:
    """An open case this row would repeat: the same setting (by URN, or by name without one), kind and
    first day. Importing a file twice would otherwise open every case twice, without a word."""
    urn = places.clean_urn(row.urn)
    found = await first_row(
        conn,
        "SELECT c.ref FROM cases c JOIN settings s ON s.id = c.setting_id"
        " WHERE c.status = 'open' AND c.kind = ? AND c.planned_start IS ?"
        " AND (s.urn = ? OR (? IS NULL AND s.name = ? COLLATE NOCASE)) LIMIT 1",
        (row.kind, opt_day_text(row.first_day), urn, urn, places.clean_name(row.setting)),
    )
    return None if found is None else int(found[0])


async def import_programme(
    db: Connection,
    rows: Sequence[ProgrammeRow],
    invite_ttl: timedelta = invite_rules.DEFAULT_TTL,
    *,
    found_earlier: Sequence[RowProblem] = (),
    dry_run: bool = False,
) -> list[ImportedCase]:
    """Open a case for each row, all in one transaction; `ProgrammeRejected` (nothing written) if any
    row can't be. `found_earlier`: problems of rows that did not even read (`workflows.programme`), so
    the rejection names every bad line at once. `dry_run`: everything is done and then rolled back, so
    the answer (the cases it would make, or the problems) is exactly what an import would give."""
    try:
        return await _import(db, rows, invite_ttl, found_earlier, dry_run)
    except _DryRun as rolled_back:
        return rolled_back.made


async def _import(
    db: Connection,
    rows: Sequence[ProgrammeRow],
    invite_ttl: timedelta,
    found_earlier: Sequence[RowProblem],
    dry_run: bool,
) -> list[ImportedCase]:
    made: list[ImportedCase] = []
    async with db.transaction() as conn:
        problems, inspectors = await _check(conn, rows)
        problems = sorted([*found_earlier, *problems], key=lambda problem: problem.line)
        if problems:
            raise ProgrammeRejected(problems)  # rolls the transaction back, though it wrote nothing
        now = db.now()
        now_text = time_to_text(now)
        expires = time_to_text(invite_rules.expiry(now, invite_ttl))
        last = await first_row(conn, "SELECT COALESCE(MAX(ref), 0) FROM cases")
        next_ref = (0 if last is None else int(last[0])) + 1
        for row in rows:
            setting = await places.find_or_create(conn, now, None, row.setting, row.urn)
            ref, next_ref = next_ref, next_ref + 1
            cursor = await conn.execute(
                "INSERT INTO cases (ref, kind, setting_id, planned_start, planned_end, status, concerns,"
                " created_at, single_individual) VALUES (?, ?, ?, ?, ?, 'open', 0, ?, ?)",
                (
                    ref,
                    row.kind,
                    setting.id,
                    opt_day_text(row.first_day),
                    opt_day_text(row.last_day),
                    now_text,
                    int(row.single_individual),
                ),
            )
            case_id = cursor.lastrowid
            if case_id is None:
                raise RuntimeError("SQLite gave no id for a new case")
            await audit.record(
                conn,
                now,
                None,
                "case.create",
                ref,
                None,
                {
                    "kind": row.kind,
                    "setting_id": setting.id,
                    "planned_start": opt_day_text(row.first_day),
                    "planned_end": opt_day_text(row.last_day),
                    "status": "open",
                    **({"single_individual": True} if row.single_individual else {}),
                },
            )
            code: str | None = None
            if row.inspector is not None:
                person_id = inspectors[row.inspector]
                if await add_member(conn, case_id, person_id, Role.INSPECTOR, now_text):
                    await audit.record(
                        conn,
                        now,
                        None,
                        "case.member",
                        ref,
                        None,
                        {"person_id": person_id, "role": "inspector"},
                    )
            else:
                code = invite_rules.new_code()
                invite = await conn.execute(
                    "INSERT INTO invites (code_hash, role, case_id, setting_id, created_by, created_at,"
                    " expires_at) VALUES (?, 'inspector', ?, ?, NULL, ?, ?)",
                    (invite_rules.hash_code(code), case_id, setting.id, now_text, expires),
                )
                await audit.record(
                    conn,
                    now,
                    None,
                    "invite.create",
                    ref,
                    None,
                    {"invite_id": invite.lastrowid, "role": "inspector", "expires_at": expires},
                )
            await derived.case_changed(conn, case_id, now, db.calendar, db.reminding)
            made.append(ImportedCase(row.line, ref, code))
        if dry_run:
            raise _DryRun(made)  # rolls the transaction back
    return made


async def programme_rows(db: Connection) -> list[ProgrammeRow]:
    """Every open case as a programme row (the inspector: the first one on the case, else blank)."""
    from store.codec import opt_day

    rows: list[ProgrammeRow] = []
    async with db.reading() as conn:
        found = await conn.execute_fetchall(
            "SELECT c.id, c.ref, c.kind, s.name, s.urn, c.planned_start, c.planned_end, c.single_individual,"
            " (SELECT p.telegram_id FROM case_members m JOIN people p ON p.id = m.person_id"
            "   WHERE m.case_id = c.id AND m.role = 'inspector' AND p.active"
            "   ORDER BY m.added_at, m.person_id LIMIT 1) AS inspector"
            " FROM cases c JOIN settings s ON s.id = c.setting_id"
            " WHERE c.status = 'open' AND c.planned_start IS NOT NULL ORDER BY c.ref"
        )
    for index, row in enumerate(found, start=2):
        first = opt_day(row["planned_start"])
        assert first is not None  # selected so
        rows.append(
            ProgrammeRow(
                line=index,
                kind=row["kind"],
                setting=row["name"],
                urn=row["urn"],
                first_day=first,
                last_day=opt_day(row["planned_end"]),
                inspector=row["inspector"],
                single_individual=bool(row["single_individual"]),
            )
        )
    return rows
