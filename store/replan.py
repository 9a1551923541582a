"""Re-planning the waiting reminders when the settings that place them change.

A reminder's moment is fixed when its case last changed (store.outbox.reconcile), by the reminding hour,
the time zone and the closures then in force. The settings they were planned with are kept in `kv_state`;
at the bot's start, when those differ from the settings now in force, every waiting reminder and digest
is placed again in one transaction: sent rows are never touched, and a row is moved, not added, so
nothing goes twice.

Done in bulk rather than case by case: the new moment of a waiting row depends only on its milestone,
its lead and its deadline's last day (workflows.reminders.replanned), so the few distinct ones are
worked out in Python and applied with one UPDATE. Only the cases whose deadlines themselves moved
(closures or rules changed, and `deadlines.recalendar` re-dated them and kept their ids:
`deadlines.REDATED`) are reconciled in full, as a change to them would.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import aiosqlite

from store import deadlines, outbox
from store.codec import time_from_text, time_to_text
from store.reads import first_row
from workflows.reminders import Lead, replanned

if TYPE_CHECKING:
    from store.database import Database

log = logging.getLogger(__name__)

#: Where the settings the waiting rows were planned with are kept (kv_state).
NAMESPACE, KEY = deadlines.PLANNED_WITH

#: The waiting reminders and digests re-planned in bulk (snoozed ones are placed by `_retime_snoozes`).
_WAITING = (
    "outbox.state = 'pending' AND outbox.kind IN ('remind', 'digest') AND outbox.dedup LIKE 'remind:%'"
    " AND instr(outbox.dedup, ':snooze:') = 0 AND outbox.case_id IS NOT NULL"
)


def planned_with(config: outbox.ReminderConfig) -> dict[str, str]:
    """What places reminders: the zone, the reminding hour, the closures, and the rules' fingerprint
    (a new version's rules re-date the deadlines the reminders hang on)."""
    return {
        "tz": config.hours.zone.key,
        "remind_at": config.hours.remind_at.strftime("%H:%M"),
        "closures": deadlines.closures_text(config.calendar),
        "rules": deadlines.rules_fingerprint(),
    }


@dataclass(frozen=True)
class Replanned:
    """What a re-planning did: waiting rows moved, rows no longer wanted, cases reconciled in full."""

    moved: int
    cancelled: int
    cases: int
    was: dict[str, str]


async def stored_plan(conn: aiosqlite.Connection) -> dict[str, str] | None:
    row = await first_row(
        conn, "SELECT value FROM kv_state WHERE namespace = ? AND key = ?", (NAMESPACE, KEY)
    )
    return None if row is None else dict(json.loads(row[0]))


async def _record(conn: aiosqlite.Connection, wanted: dict[str, str], now: datetime) -> None:
    await conn.execute(
        "INSERT INTO kv_state (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (namespace, key)"
        " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (NAMESPACE, KEY, json.dumps(wanted, sort_keys=True), time_to_text(now)),
    )


async def replan(db: Database) -> Replanned | None:
    """At start, with the bot's settings on `db.reminding`: if the waiting rows were planned with other
    settings than those, place them again, in one transaction; None when they already agree. A database
    that never recorded them (new, or from before this was kept) is taken as planned with these: they are
    recorded, and nothing moves."""
    config = db.reminding.config
    wanted = planned_with(config)
    now = db.now()
    async with db.transaction(counted=False) as conn:
        was = await stored_plan(conn)
        if was is None:
            await _record(conn, wanted, now)
            await _forget_redated(conn)
            return None
        if was == wanted:
            await _forget_redated(conn)  # re-dated and back again (a closure added, then taken off)
            return None
        async with deadlines.large_cache(conn):
            with deadlines.no_collection():
                moved, cancelled, cases = await _replan(conn, db.reminding, now, was, wanted)
        await _record(conn, wanted, now)
    return Replanned(moved, cancelled, len(cases), was)


async def _replan(
    conn: aiosqlite.Connection,
    reminding: outbox.Reminding,
    now: datetime,
    was: dict[str, str],
    wanted: dict[str, str],
) -> tuple[int, int, list[int]]:
    """`replan`'s work inside its transaction: (rows moved, rows cancelled, cases reconciled in full)."""
    config = reminding.config
    texts, snoozes = await _waiting(conn)
    moved, cancelled = await _retime(conn, config, now, texts)
    moved += await _retime_snoozes(conn, config, now, was, snoozes)
    cases: list[int] = []
    if was.get("closures") != wanted["closures"] or was.get("rules") != wanted["rules"]:
        kept = await deadlines.redated(conn)
        cases = await _cases_whose_deadlines_moved(conn) if kept is None else kept
        why = outbox.SettingsChange.CLOSURES
        if was.get("closures") == wanted["closures"]:
            why = outbox.SettingsChange.RULES
        await outbox.reconcile_many(conn, reminding, cases, now, why=why)
    await _forget_redated(conn)
    return moved, cancelled, cases


async def _forget_redated(conn: aiosqlite.Connection) -> None:
    """The re-dated cases' reminders are in line with their deadlines now: none is kept as re-dated."""
    await conn.execute("DELETE FROM kv_state WHERE namespace = ? AND key = ?", deadlines.REDATED)


#: What `_waiting` reads of a waiting row: its parameters when it is re-planned in bulk (`_WAITING`), its
#: id and moment when it is snoozed; only the distinct ones, in one pass over the outbox (a pass is
#: ~0.4-0.8 s at 100,000 cases).
_SNOOZED = "instr(dedup, ':snooze:') > 0"
_WAITING_OR_SNOOZED = (
    f"SELECT DISTINCT CASE WHEN {_SNOOZED} THEN NULL ELSE params END,"
    f" CASE WHEN {_SNOOZED} THEN id END, CASE WHEN {_SNOOZED} THEN due_at END"
    " FROM outbox NOT INDEXED WHERE state = 'pending' AND kind IN ('remind', 'digest')"
    f" AND dedup LIKE 'remind:%' AND (case_id IS NOT NULL OR {_SNOOZED})"
)


async def _waiting(conn: aiosqlite.Connection) -> tuple[list[str], list[tuple[int, str]]]:
    """The distinct parameters of the rows `_retime` places, and the snoozed rows (id, moment)."""
    texts: list[str] = []
    snoozes: list[tuple[int, str]] = []
    for params, row_id, due_at in await conn.execute_fetchall(_WAITING_OR_SNOOZED):
        if row_id is None:
            texts.append(str(params))
        else:
            snoozes.append((int(row_id), str(due_at)))
    return texts, snoozes


async def _retime(
    conn: aiosqlite.Connection, config: outbox.ReminderConfig, now: datetime, texts: list[str]
) -> tuple[int, int]:
    """Every waiting reminder and digest at its moment under `config`. A row's moment depends only on its
    parameters (milestone, lead, the deadline's last day), so each distinct parameter text (`_waiting`)
    is worked out once (a few thousand for 100,000 cases) and joined to the rows by that text, in one
    UPDATE (and one for those no longer wanted): about twice as fast as extracting the fields from every
    row's JSON.
    The outbox is read in table order (NOT INDEXED): the planner would walk an index and visit its rows
    in random order. Returns (moved, cancelled)."""
    plan: list[tuple[str, str | None]] = []
    for text in texts:
        fields = _fields(text)
        if fields is not None:  # else not a row `reconcile` wrote: left as it is
            at = replanned(*fields, now, config.hours, config.calendar)
            plan.append((text, None if at is None else time_to_text(at)))
    await conn.execute("DROP TABLE IF EXISTS temp.replan")
    await conn.execute("CREATE TEMP TABLE replan (params TEXT PRIMARY KEY, due_at TEXT) WITHOUT ROWID")
    try:
        await conn.executemany("INSERT INTO temp.replan VALUES (?, ?)", plan)
        match = f"{_WAITING} AND r.params = outbox.params"
        cancelled = 0
        if any(at is None for _, at in plan):  # a pass over the outbox only when needed
            cursor = await conn.execute(
                "UPDATE outbox NOT INDEXED SET state = 'cancelled', reason = 'not_wanted' FROM temp.replan r"
                f" WHERE {match} AND r.due_at IS NULL"
            )
            cancelled = cursor.rowcount
        # Only `due_at` is set: a column set is a column changed for SQLite, whose indexes are all written
        # again (setting `state` to itself in one pass doubled the hour change's time).
        cursor = await conn.execute(
            f"UPDATE outbox NOT INDEXED SET due_at = r.due_at FROM temp.replan r WHERE {match}"
            " AND r.due_at IS NOT NULL AND outbox.due_at != r.due_at"
        )
        moved = cursor.rowcount
    finally:
        await conn.execute("DROP TABLE temp.replan")
    return moved, cancelled


def _fields(params: str) -> tuple[str, Lead, date] | None:
    """A reminder's milestone, lead and deadline's last day, from its parameters."""
    try:
        found = json.loads(params)
        return str(found["key"]), Lead(found["lead"]), date.fromisoformat(str(found["day"]))
    except (ValueError, KeyError, TypeError):
        return None


async def _retime_snoozes(
    conn: aiosqlite.Connection,
    config: outbox.ReminderConfig,
    now: datetime,
    was: dict[str, str],
    snoozes: list[tuple[int, str]],
) -> int:
    """A snoozed reminder goes on the morning it was snoozed to, at the new hour in the new zone (the
    next working day if that day is now closed). Its day is read in the zone it was planned in."""
    from zoneinfo import ZoneInfo

    hours, calendar = config.hours, config.calendar
    old_zone = ZoneInfo(was["tz"])
    changes: list[tuple[str, int]] = []
    for row_id, due_text in snoozes:
        day = time_from_text(due_text).astimezone(old_zone).date()
        at = hours.morning(calendar.next_working_day(day))
        if at < now:
            at = hours.next_reminding(now, calendar)
        if time_to_text(at) != due_text:
            changes.append((time_to_text(at), row_id))
    await conn.executemany("UPDATE outbox SET due_at = ? WHERE id = ?", changes)
    return len(changes)


async def _cases_whose_deadlines_moved(conn: aiosqlite.Connection) -> list[int]:
    """Open cases whose stored deadlines (re-dated by `deadlines.recalendar`) are not those their
    reminders were last planned from (`store.reminder_bases`): a last day moved, or a milestone came or went.
    Only when `recalendar` did not keep the cases it re-dated (`deadlines.redated`): about 3 s at
    100,000 cases."""
    rows = await conn.execute_fetchall(
        "SELECT b.case_id FROM case_bases b JOIN reminder_bases r ON r.digest = b.digest"
        " JOIN cases c ON c.id = b.case_id WHERE c.status = 'open'"
        " AND (json_array_length(r.deadlines)"
        "   != (SELECT COUNT(*) FROM case_deadlines d WHERE d.case_id = b.case_id)"
        "  OR EXISTS (SELECT 1 FROM json_each(r.deadlines) j WHERE NOT EXISTS ("
        "   SELECT 1 FROM case_deadlines d WHERE d.case_id = b.case_id"
        "   AND d.key = json_extract(j.value, '$.key') AND d.last_day"
        "    = coalesce(json_extract(j.value, '$.due_until'), json_extract(j.value, '$.due')))))"
        " ORDER BY b.case_id"
    )
    return [int(r[0]) for r in rows]
