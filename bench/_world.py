"""What the bot benchmarks share: a database of people and cases, and bots as processes on the fake server.

The database is written with direct SQL in one transaction (seconds for 100,000 cases, where the store's
own methods would take an hour), at schema version SCHEMA_VERSION built by the project's migrations;
`inspectbot migrate` (or the bot's start) brings it up to date like any operator's database, so a later
migration that derives rows from existing cases fills them in for these too.

Proportions follow the remit: settings are inspected every year or so (three cases a setting), an
inspector does about a hundred inspections a year, a manager leads ten inspectors, four in five
settings have a provider on the bot, and one case in five has a second inspector. Cases start over the
years before today (about 5,000 a year, newest last); cases whose publication is more than a month past
are closed and fully recorded, except two in a hundred left open by mistake; open cases have most of
their past events recorded, so some are overdue. One in ten graded cases is judged inadequate.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite

from store import migrations
from store.codec import time_to_text
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON, CaseDates, compute_timeline
from workflows.errors import TimelineError
from workflows.kinds import KINDS

#: The schema the rows below are written for; the bot's own migrations take it from there.
SCHEMA_VERSION = 3
_KIND_WEIGHTS = {"ch-full": 70, "ch-assurance": 15, "asa-full": 10, "la-sif": 5}
_CASES_A_YEAR = 5_000
_ROOT = Path(__file__).resolve().parent.parent
MANAGER_BASE, INSPECTOR_BASE, PROVIDER_BASE = 1_000_000, 2_000_000, 3_000_000


@dataclass(eq=False)
class Asker:
    """A person who will talk to the bot, and the cases they are on (open ones first)."""

    telegram_id: int
    role: str
    refs: list[int] = field(default_factory=list)


@dataclass
class World:
    """What was written: counts, and the people a benchmark can make ask questions."""

    cases: int
    open_cases: int
    people: int
    members: int
    events: int
    managers: list[Asker]
    inspectors: list[Asker]
    providers: list[Asker]


def today() -> date:
    return datetime.now(LONDON).date()


async def _create_schema(path: Path) -> None:
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await conn.execute("PRAGMA journal_mode = WAL")
        await migrations.migrate(conn, datetime.now(UTC), target=SCHEMA_VERSION)
    finally:
        await conn.close()


def build(
    path: Path,
    cases: int,
    *,
    settings: int | None = None,
    inspectors: int | None = None,
    span_days: int | None = None,
    seed: int = 8,
    day: date | None = None,
) -> World:
    """Write `cases` cases with their settings, people, members and recorded events to a new database,
    around `day` (default today: a test passes its own, so what it builds does not depend on the date)."""
    asyncio.run(_create_schema(path))
    rng = random.Random(seed)
    calendar = WorkingCalendar()
    now_day = day or today()
    settings = settings or max(1, cases // 3)
    span = span_days or max(60, cases * 365 // _CASES_A_YEAR)
    inspectors = inspectors or max(5, cases * 365 // span // 100)  # about 100 inspections a year each
    managers = max(1, inspectors // 10)
    first_start = now_day + timedelta(days=20 - span)
    kinds = list(_KIND_WEIGHTS)
    weights = list(_KIND_WEIGHTS.values())

    def stamp(day: date) -> str:
        return time_to_text(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))

    setting_rows = [
        (i, f"Setting {i}", f"SC{i:07d}", stamp(first_start - timedelta(days=30)))
        for i in range(1, settings + 1)
    ]
    people_rows: list[tuple[int, int, str, str, int | None, str]] = []
    manager_people = [Asker(MANAGER_BASE + i, "manager") for i in range(managers)]
    inspector_people = [Asker(INSPECTOR_BASE + i, "inspector") for i in range(inspectors)]
    provider_of: dict[int, Asker] = {}
    for asker in manager_people + inspector_people:
        people_rows.append(
            (
                len(people_rows) + 1,
                asker.telegram_id,
                f"P{asker.telegram_id}",
                asker.role,
                None,
                stamp(first_start),
            )
        )
    person_id = {row[1]: row[0] for row in people_rows}
    for setting_id in range(1, settings + 1):
        if rng.random() < 0.8:
            asker = Asker(PROVIDER_BASE + setting_id, "provider")
            provider_of[setting_id] = asker
            people_rows.append(
                (
                    len(people_rows) + 1,
                    asker.telegram_id,
                    f"P{asker.telegram_id}",
                    "provider",
                    setting_id,
                    stamp(first_start),
                )
            )
            person_id[asker.telegram_id] = len(people_rows)

    case_rows: list[tuple[object, ...]] = []
    member_rows: list[tuple[object, ...]] = []
    event_rows: list[tuple[int, str, str, str]] = []
    open_count = 0
    for ref in range(1, cases + 1):
        kind = KINDS[rng.choices(kinds, weights)[0]]
        start = first_start + timedelta(days=(span * (ref - 1)) // cases + rng.randrange(-3, 4))
        start = calendar.next_working_day(start)
        judgement = None
        concerns = False
        if start < now_day:
            if kind.grades:
                judgement = "inadequate" if rng.random() < 0.1 else rng.choice(kind.grades[:3])
            elif kind.uses_concerns:
                concerns = rng.random() < 0.1
        timeline = compute_timeline(
            kind, CaseDates(start=start, end=None, judgement=judgement, concerns=concerns), calendar
        )
        last_due = max(d.last_day for d in timeline)
        closed = last_due < now_day - timedelta(days=30) and rng.random() >= 0.02
        created = stamp(start - timedelta(days=14))
        setting_id = rng.randrange(1, settings + 1)
        case_rows.append(
            (
                ref,
                ref,
                kind.id,
                setting_id,
                start.isoformat(),
                None,
                "closed" if closed else "open",
                judgement,
                int(concerns),
                created,
                stamp(last_due + timedelta(days=5)) if closed else None,
                "completed" if closed else None,
            )
        )
        open_count += not closed
        on_case = [rng.choice(inspector_people)]
        if rng.random() < 0.2:
            on_case.append(rng.choice(inspector_people))
        provider = provider_of.get(setting_id)
        on_case_roles = [(asker, "inspector") for asker in dict.fromkeys(on_case)]
        if provider is not None:
            on_case_roles.append((provider, "provider"))
        for asker, role in on_case_roles:
            member_rows.append((ref, person_id[asker.telegram_id], role, created))
            if not closed:
                asker.refs.append(ref)
        recorded = 1.0 if closed else 0.85
        end = calendar.add_working_days(start, kind.onsite_days - 1)
        done = [("start", start), ("end", end)] if end < now_day else []
        recordable = {rule.key for rule in kind.milestones if rule.recordable}
        done += [(d.key, d.due) for d in timeline if d.key in recordable and d.due < now_day]
        kept = [(key, day) for key, day in done if rng.random() < recorded]
        try:
            dates = CaseDates(
                start=start, end=None, records=dict(kept), judgement=judgement, concerns=concerns
            )
            compute_timeline(kind, dates, calendar)
        except TimelineError:
            # A step whose rule dates it before the event it counts from (la-sif's named weekdays) is
            # refused when recorded on its own day: left unrecorded, the rest of the world unchanged.
            kept = [(key, day) for key, day in kept if day >= start or key in ("start", "end")]
        event_rows += [(ref, key, day.isoformat(), stamp(day)) for key, day in kept]

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO settings (id, name, urn, created_at) VALUES (?, ?, ?, ?)", setting_rows)
        conn.executemany(
            "INSERT INTO people (id, telegram_id, display_name, role, active, setting_id, created_at)"
            " VALUES (?, ?, ?, ?, 1, ?, ?)",
            people_rows,
        )
        conn.executemany(
            "INSERT INTO cases (id, ref, kind, setting_id, planned_start, planned_end, status, judgement,"
            " concerns, created_at, closed_at, close_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            case_rows,
        )
        conn.executemany(
            "INSERT INTO case_members (case_id, person_id, role, added_at) VALUES (?, ?, ?, ?)", member_rows
        )
        conn.executemany(
            "INSERT INTO case_events (case_id, key, day, recorded_at) VALUES (?, ?, ?, ?)", event_rows
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return World(
        cases=cases,
        open_cases=open_count,
        people=len(people_rows),
        members=len(member_rows),
        events=len(event_rows),
        managers=manager_people,
        inspectors=inspector_people,
        providers=list(provider_of.values()),
    )


def resident_mb(pid: int) -> tuple[float, float]:
    """(resident now, highest resident so far) of a process in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
