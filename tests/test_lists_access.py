"""The SQL of store.lists against the Python rules it implements, and paged lists.

`visible_sql` must let through exactly the cases `workflows.access.can_view` allows, and `shown_sql` exactly
the deadlines `workflows.audience.sees` shows, for any people, settings, cases and members (hypothesis
over random worlds written with direct SQL). Paged lists show every row exactly once across their pages.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.timeline import case_timeline
from store import migrations
from store.conditions import shown_sql, visible_sql
from store.database import Database
from store.deadlines import due_at_text
from store.lists import PAGE_SIZE, CaseFilter
from store.models import Person, Role
from tests.storefixtures import Clock, first_manager
from workflows.access import OPERATOR, Scope, Subject, can_view
from workflows.audience import INTERNAL_KEYS, sees
from workflows.rules import Actor

_TEMPLATE: list[Path] = []
KEYS = sorted({*INTERNAL_KEYS, "draft_report", "comments", "publication", "complaint_window"})
T = "2026-06-01T09:00:00.000000+00:00"


def _template() -> Path:
    """An empty database at the latest schema, made once and copied for each example."""
    if not _TEMPLATE:
        path = Path(tempfile.mkdtemp()) / "template.sqlite3"

        async def make() -> None:
            async with aiosqlite.connect(path, isolation_level=None) as conn:
                await migrations.migrate(conn, datetime.now(UTC))

        asyncio.run(make())
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


person = st.tuples(
    st.sampled_from(["manager", "inspector", "provider"]), st.booleans(), st.sampled_from([None, 1, 2, 3])
)
case = st.tuples(st.sampled_from([1, 2, 3]), st.booleans())  # setting, open
worlds = st.tuples(
    st.lists(person, min_size=1, max_size=6),
    st.lists(case, min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 7), st.integers(0, 5), st.sampled_from(list(Role))), max_size=14),
    st.lists(st.tuples(st.integers(0, 7), st.sampled_from(KEYS), st.booleans()), max_size=20),
)


@settings(max_examples=60, deadline=None)
@given(world=worlds)
def test_the_sql_access_rules_are_the_python_ones(
    world: tuple[
        list[tuple[str, bool, int | None]],
        list[tuple[int, bool]],
        list[tuple[int, int, Role]],
        list[tuple[int, str, bool]],
    ],
) -> None:
    people, cases, members, rows = world
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.sqlite3"
        shutil.copy(_template(), path)
        conn = sqlite3.connect(path)
        try:
            conn.executemany(
                "INSERT INTO settings (id, name, created_at) VALUES (?, ?, ?)",
                [(i, f"Home {i}", T) for i in (1, 2, 3)],
            )
            subjects = [OPERATOR]
            for pid, (role, active, setting) in enumerate(people, start=1):
                setting_id = setting if role == "provider" else None
                conn.execute(
                    "INSERT INTO people (id, telegram_id, display_name, role, active, setting_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (pid, 100 + pid, f"P{pid}", role, int(active), setting_id, T),
                )
                subjects.append(Subject(pid, Role(role), setting_id, active))
            for cid, (setting, is_open) in enumerate(cases, start=1):
                conn.execute(
                    "INSERT INTO cases (id, ref, kind, setting_id, status, created_at)"
                    " VALUES (?, ?, 'ch-full', ?, ?, ?)",
                    (cid, cid, setting, "open" if is_open else "closed", T),
                )
            scopes: dict[int, dict[int, Role]] = {cid: {} for cid in range(1, len(cases) + 1)}
            for case_index, person_index, role in members:
                cid, pid = case_index % len(cases) + 1, person_index % len(people) + 1
                if pid not in scopes[cid]:
                    scopes[cid][pid] = role
                    conn.execute(
                        "INSERT INTO case_members (case_id, person_id, role, added_at) VALUES (?, ?, ?, ?)",
                        (cid, pid, role.value, T),
                    )
            stored: dict[tuple[int, str], bool] = {}
            for position, (case_index, key, internal) in enumerate(rows):
                cid = case_index % len(cases) + 1
                if (cid, key) in stored:
                    continue
                stored[cid, key] = internal
                conn.execute(
                    "INSERT INTO case_deadlines (case_id, key, position, actor, due, last_day, due_at,"
                    " recordable, internal, basis, case_open) VALUES (?, ?, ?, 'provider', '2026-06-01',"
                    " '2026-06-01', '2026-06-01 23:59', 1, ?, 'planned', 1)",
                    (cid, key, position, int(internal)),
                )
            for subject in subjects:
                where, params = visible_sql(subject)
                found = {r[0] for r in conn.execute(f"SELECT c.id FROM cases c WHERE {where}", params)}
                wanted = {
                    cid
                    for cid, (setting, _) in enumerate(cases, start=1)
                    if can_view(subject, Scope(setting, scopes[cid]))
                }
                assert found == wanted, subject
                shown, shown_params = shown_sql(subject.role)
                seen = set(
                    conn.execute(
                        f"SELECT d.case_id, d.key FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
                        f" WHERE {where} AND {shown}",
                        [*params, *shown_params],
                    )
                )
                role = subject.role or Role.MANAGER  # the operator is shown what a manager is
                expected = {
                    (cid, key)
                    for (cid, key), internal in stored.items()
                    if cid in wanted and sees(role, _Milestone(key, internal))
                }
                assert seen == expected, subject
        finally:
            conn.close()


class _Milestone:
    def __init__(self, key: str, internal: bool) -> None:
        self.key, self.internal, self.actor = key, internal, Actor.PROVIDER


# --- paged lists -----------------------------------------------------------------------------------------


async def _cases(db: Database, boss: Person, count: int) -> None:
    """`count` ch-full cases over a few settings, started over the months before the clock's today, with
    some of them closed and some dates recorded, so that some deadlines are missed and some to come."""
    for i in range(count):
        start = date(2026, 1, 5) + timedelta(days=7 * (i % 20))
        case = await db.cases.create(boss, "ch-full", f"Home {i % 7}", start)
        if i % 3 == 0:
            await db.cases.record_event(boss, case.ref, "start", start)
        if i % 5 == 4:
            await db.cases.close(boss, case.ref)


async def test_paged_lists_show_every_row_exactly_once(tmp_path: Path) -> None:
    clock = Clock()
    db = await Database.open(tmp_path / "db.sqlite3", clock=clock)
    try:
        boss = await first_manager(db)
        await _cases(db, boss, 3 * PAGE_SIZE + 4)
        today = clock.now.date()
        everything = await db.cases.list_for(boss, limit=1000)
        open_refs = sorted(c.ref for c in everything if c.status == "open")
        closed_refs = sorted(c.ref for c in everything if c.status == "closed")

        async def pages(fetch: object) -> tuple[list[object], int]:
            got: list[object] = []
            offset, total = 0, -1
            while total < 0 or offset < total:
                page = await fetch(offset)  # type: ignore[operator]
                assert len(page.items) <= PAGE_SIZE
                total = page.total
                got += page.items
                offset += PAGE_SIZE
            return got, total

        lines, total = await pages(lambda o: db.lists.open_cases(boss, today, o))
        assert sorted(line.case.ref for line in lines) == open_refs == sorted(set(open_refs))  # type: ignore[attr-defined]
        assert total == len(open_refs)
        chases = [line.chase for line in lines]  # type: ignore[attr-defined]
        keyed = [due_at_text(d.last_day, d.time) for d in chases if d is not None]
        assert keyed == sorted(keyed) and len(keyed) > PAGE_SIZE  # soonest first

        closed, total = await pages(lambda o: db.lists.closed_cases(boss, o))
        assert sorted(c.ref for c in closed) == closed_refs and total == len(closed_refs)  # type: ignore[attr-defined]

        missed, total = await pages(lambda o: db.lists.overdue(boss, today, o))
        expected = []
        for case in everything:
            if case.status == "open":
                timeline = case_timeline(case, db.calendar)
                expected += [(case.ref, d.key) for d in timeline if d.missed_on(today)]
        expected.sort()
        got = [(r.case.ref, r.deadline.key) for r in missed]  # type: ignore[attr-defined]
        assert sorted(got) == expected and len(set(got)) == len(got) == total
        assert len(expected) > PAGE_SIZE  # more than one page

        narrowed, total = await pages(
            lambda o: db.lists.open_cases(boss, today, o, narrow=CaseFilter(overdue=True))
        )
        assert sorted(line.case.ref for line in narrowed) == sorted({ref for ref, _ in expected})  # type: ignore[attr-defined]
    finally:
        await db.close()
