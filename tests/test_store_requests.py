"""The request table: transitions as compare-and-set with their audit entry and case change, races between
deciders, stale and foreign presses, retention, export, and the store always agreeing with the machines."""

from __future__ import annotations

import asyncio
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite.core
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import changes, guard, outbox
from store.consistency import CALENDAR, case_dates
from store.database import Database
from store.errors import InvalidInput, NotFound, PermissionDenied, StoreError
from store.models import Person, Role
from store.requests import party_sql
from tests.storefixtures import Clock, first_manager
from workflows.changes import ChangeKind, diff
from workflows.deadlines import compute_timeline
from workflows.flows import NEW, Party, Refused, party_of
from workflows.kinds import KINDS
from workflows.reminders import Hours
from workflows.request_kinds import FLOWS

# The clock starts on Monday 1 June 2026.


@dataclass
class World:
    boss: Person
    other_boss: Person
    inspector: Person
    provider: Person
    future: int  # a case whose visit is still to come (asa-full, announced: 15-16 June 2026)
    finished: int  # a case whose final report went out on Friday 29 May 2026, judged inadequate


async def join(db: Database, boss: Person, role: Role, telegram_id: int, ref: int | None = None) -> Person:
    invite = await db.invites.create(boss, role, case_ref=ref)
    return await db.invites.redeem(invite.code, telegram_id, f"Person {telegram_id}")


async def build(db: Database) -> World:
    boss = await first_manager(db)
    # Announced, so deferred before it starts (a children's home's visit is deferred once it has begun).
    future = await db.cases.create(boss, "asa-full", "Oak House", date(2026, 6, 15), date(2026, 6, 16))
    finished = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3), date(2026, 3, 4))
    for key, day in (
        ("end", date(2026, 3, 4)),
        ("draft_report", date(2026, 3, 27)),
        ("final_report", date(2026, 5, 29)),
    ):
        await db.cases.record_event(boss, finished.ref, key, day)
    await db.cases.set_outcome(boss, finished.ref, judgement="inadequate")
    other_boss = await join(db, boss, Role.MANAGER, 2)
    inspector = await join(db, boss, Role.INSPECTOR, 3)
    for ref in (future.ref, finished.ref):
        await db.cases.add_member(boss, ref, inspector.id, Role.INSPECTOR)
    provider = await join(db, boss, Role.PROVIDER, 4, future.ref)
    return World(boss, other_boss, inspector, provider, future.ref, finished.ref)


async def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what 'nothing changed' is compared on."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with db.reading() as conn:
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") as cur:
            names = [row[0] for row in await cur.fetchall()]
        for name in names:
            async with conn.execute(f"SELECT * FROM {name} ORDER BY rowid") as cur:
                tables[name] = [tuple(row) for row in await cur.fetchall()]
    return tables


async def test_an_approved_deferral_moves_every_deadline_in_one_transaction(db: Database) -> None:
    w = await build(db)
    before = compute_timeline(KINDS["asa-full"], case_dates(await db.cases.get(w.boss, w.future)), CALENDAR)
    asked = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "major_incident"})
    assert asked.applied and asked.request.state == "requested" and asked.request.decider is Party.MANAGER
    assert set(asked.tell) == {Party.MANAGER, Party.INSPECTOR}
    assert await db.requests.actions(w.boss, asked.request.id) == ("approve", "decline")
    assert await db.requests.actions(w.provider, asked.request.id) == ("withdraw",)

    approved = await db.requests.send(
        w.boss, asked.request.id, "approve", {"start": "2026-06-29", "end": "2026-06-30"}, version=1
    )
    assert approved.applied and approved.request.state == "approved" and approved.request.version == 2
    assert approved.case is not None and approved.case.planned_start == date(2026, 6, 29)
    after = compute_timeline(KINDS["asa-full"], case_dates(await db.cases.get(w.boss, w.future)), CALENDAR)
    changes = diff(before, after, CALENDAR)
    # Every deadline but the next inspection (counted in years from the last, not the days)...
    assert {c.key for c in changes} == {d.key for d in before} - {"next_inspection"}
    assert all(c.kind is ChangeKind.MOVED and c.working_days == 10 for c in changes)  # ...two weeks later
    actions = [e.action for e in await db.audit.for_case(w.boss, w.future)]
    assert actions[-3:] == ["request.deferral.ask", "request.deferral.approve", "case.planned"]
    assert approved.request.last_by == w.boss.id and approved.request.last_label == f"manager:{w.boss.id}"


async def test_two_managers_deciding_at_once_on_two_connections_one_wins_the_other_is_told(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "race.sqlite3"
    first = await Database.open(path, clock=clock)
    second = await Database.open(path, clock=clock)
    try:
        w = await build(first)
        asked = await first.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})
        rid = asked.request.id
        approve, decline = await asyncio.gather(
            first.requests.send(w.boss, rid, "approve", {"start": "2026-06-29"}),
            second.requests.send(w.other_boss, rid, "decline", {"reason": "No ground"}),
        )
        results = [approve, decline]
        assert sorted(r.applied for r in results) == [False, True]
        winner = next(r for r in results if r.applied)
        loser = next(r for r in results if not r.applied)
        assert loser.request.state == winner.request.state in ("approved", "declined")
        assert loser.request.last_by == winner.request.last_by  # the loser is told who decided
        assert loser.request.version == 2 and loser.case is None
        decisions = [e for e in await first.audit.all() if e.action.startswith("request.deferral.")]
        won = "approve" if winner.request.state == "approved" else "decline"
        assert [e.action for e in decisions] == ["request.deferral.ask", f"request.deferral.{won}"]
    finally:
        await first.close()
        await second.close()


async def test_a_double_press_and_a_stale_button_change_nothing(db: Database) -> None:
    w = await build(db)
    asked = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})
    rid = asked.request.id
    first, second = await asyncio.gather(
        db.requests.send(w.boss, rid, "approve", {"start": "2026-06-29"}),
        db.requests.send(w.boss, rid, "approve", {"start": "2026-06-29"}),
    )
    assert sorted([first.applied, second.applied]) == [False, True]
    snapshot = await dump(db)
    stale = await db.requests.send(w.provider, rid, "withdraw")  # the provider's button from before
    assert not stale.applied and stale.request.last_by == w.boss.id
    late_decline = await db.requests.send(w.other_boss, rid, "decline", {"reason": "x"}, version=1)
    assert not late_decline.applied
    assert await dump(db) == snapshot


async def test_presses_meant_for_others_and_forged_ids_are_refused_without_a_change(db: Database) -> None:
    w = await build(db)
    asked = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})
    outsider = await join(db, w.boss, Role.INSPECTOR, 9)  # not on the case
    snapshot = await dump(db)
    with pytest.raises(PermissionDenied):
        await db.requests.send(w.provider, asked.request.id, "approve", {"start": "2026-06-29"})
    with pytest.raises(PermissionDenied):
        await db.requests.send(w.inspector, asked.request.id, "decline", {"reason": "x"})
    with pytest.raises(InvalidInput, match="can't find that request"):
        await db.requests.send(outsider, asked.request.id, "approve", {"start": "2026-06-29"})
    with pytest.raises(InvalidInput, match="can't find that request"):
        await db.requests.send(w.boss, 999, "approve", {"start": "2026-06-29"})
    with pytest.raises(InvalidInput, match="can't be done"):
        await db.requests.send(w.boss, asked.request.id, "nonsense")
    with pytest.raises(InvalidInput, match="no kind of request"):
        await db.requests.open(w.boss, w.future, "bribe", "offer")
    assert await dump(db) == snapshot


async def test_a_deferral_after_the_start_is_refused_and_a_closed_case_takes_no_requests(
    db: Database,
) -> None:
    w = await build(db)
    # A children's home's visit is deferred while it is on, not after it ended (deferral-policy.md s2).
    with pytest.raises(InvalidInput, match="ended on Wednesday 4 March 2026"):
        await db.requests.open(w.provider, w.finished, "deferral", "ask", {"ground": "closing"})
    await db.cases.close(w.boss, w.future)
    with pytest.raises(InvalidInput, match="closed"):
        await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})


async def test_a_complaint_and_comments_record_their_dates_on_the_case(db: Database, clock: Clock) -> None:
    w = await build(db)
    made = await db.requests.open(w.provider, w.finished, "complaint", "make", {"text": "Misread evidence"})
    assert made.applied and made.case is not None and made.case.events["complaint"] == date(2026, 6, 1)
    trail = await db.audit.for_case(w.boss, w.finished)
    assert trail[-1].action == "case.event" and trail[-1].actor_label == f"provider:{w.provider.id}"
    assert trail[-2].after is not None and trail[-2].after["text_length"] == len("Misread evidence")
    comments = await db.requests.open(w.provider, w.finished, "comments", "submit", {"text": "Late, sorry"})
    assert comments.request.payload["late"] is True and comments.case is not None
    assert comments.case.events["provider_comments"] == date(2026, 6, 1)
    clock.now += timedelta(days=1)
    again = await db.requests.open(w.provider, w.finished, "comments", "submit", {"text": "And more"})
    assert again.case is not None and again.case.events["provider_comments"] == date(2026, 6, 1)  # kept
    clock.now += timedelta(days=7)  # Tuesday 9 June: the window closed on Friday 5 June
    with pytest.raises(InvalidInput, match="closed on Friday 5 June 2026"):
        await db.requests.open(w.provider, w.finished, "complaint", "make", {"text": "x"})


async def test_for_case_refuses_a_hidden_case_as_a_missing_one_and_reads_in_two_round_trips(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await build(db)
    asked = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "major_incident"})
    outsider = await join(db, w.boss, Role.INSPECTOR, 5)  # on no case: sees none
    with pytest.raises(NotFound) as hidden:
        await db.requests.for_case(outsider, w.future)
    with pytest.raises(NotFound) as missing:
        await db.requests.for_case(outsider, 999)
    assert (
        str(hidden.value) == f"I can't find case #{w.future}."
        and str(missing.value) == "I can't find case #999."
    )

    hops = 0
    execute = aiosqlite.core.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal hops
        hops += 1
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    assert [r.id for r in await db.requests.for_case(w.inspector, w.future)] == [asked.request.id]
    assert hops == 2  # the case with who may see it (guard.viewed_case), then its requests
    hops = 0
    assert await db.requests.for_case(w.provider, w.finished, "case_review") == []  # internal: not theirs
    assert hops == 2


async def test_a_case_review_decision_with_a_compliance_notice_brings_the_monitoring_visit(
    db: Database,
) -> None:
    w = await build(db)
    (opened,) = await db.requests.for_case(w.boss, w.finished, "case_review")  # opened by the judgement
    assert opened.payload["trigger"] == "inadequate" and opened.last_label == "system"
    with pytest.raises(InvalidInput, match="can't find that request"):
        await db.requests.get(w.provider, opened.id)  # Ofsted-internal
    assert await db.requests.for_case(w.provider, w.finished, "case_review") == []
    await db.requests.send(w.inspector, opened.id, "debrief", {"recommendation": "Monitoring visit"})
    decided = await db.requests.send(
        w.boss,
        opened.id,
        "decide",
        {"decision": "compliance_notice", "compliance_date": "2026-07-01"},
    )
    assert decided.case is not None and decided.case.events["compliance_date"] == date(2026, 7, 1)
    timeline = compute_timeline(KINDS["ch-full"], case_dates(decided.case), CALENDAR)
    visit = next(d for d in timeline if d.key == "compliance_visit")
    assert visit.due == date(2026, 7, 8)


async def test_retention_purges_request_text_and_export_includes_requests(db: Database, clock: Clock) -> None:
    w = await build(db)
    await db.requests.open(w.provider, w.finished, "complaint", "make", {"text": "Misread evidence"})
    await db.requests.open(
        w.provider, w.finished, "comments", "submit", {"documents": [{"file_id": "F", "name": "a.pdf"}]}
    )
    exported = await db.export_case(w.finished)
    # The bot offered the survey when the report was recorded, and opened the case review when the
    # inadequate judgement was (store.cases).
    assert [r["kind"] for r in exported["requests"]] == ["survey", "case_review", "complaint", "comments"]
    assert exported["requests"][2]["payload"]["text"] == "Misread evidence"
    assert "Misread evidence" not in json.dumps(exported["audit"])  # the trail holds lengths only
    await db.cases.close(w.boss, w.finished)
    clock.now += timedelta(days=30)
    assert await db.purge_expired(30) == 1
    purged = (await db.export_case(w.finished))["requests"][2:]
    assert purged[0]["payload"]["text"] is None and purged[0]["payload"]["made_on"] == "2026-06-01"
    assert purged[1]["payload"]["documents"] == [{"file_id": "F", "name": None, "size": None}]
    assert all(r["purged_at"] is not None for r in purged)
    purge = [e for e in await db.audit.all() if e.action == "case.purge"][-1]
    assert purge.after is not None and purge.after["requests_purged"] == 4


# --- the store always agrees with the pure machines --------------------------------------------------

DATA = {
    "ground": "major_incident",
    "start": "2026-06-29",
    "reason": "A reason",
    "text": "Some words",
    "response": "Our response",
    "day": "2026-06-01",
    "recommendation": "Monitor",
    "decision": "monitoring_visit",
    "question": "overall",
    "value": 3,
}
#: Which case each flow runs on: a deferral and a notification before the visit, the rest after it.
ON_FUTURE = {"deferral", "notification"}


def _steps() -> st.SearchStrategy[tuple[str, list[tuple[str, Party]]]]:
    def for_kind(kind: str) -> st.SearchStrategy[tuple[str, list[tuple[str, Party]]]]:
        events = [*sorted({m.event for m in FLOWS[kind].machine.moves}), "nonsense"]
        step = st.tuples(st.sampled_from(events), st.sampled_from(list(Party)))
        return st.tuples(st.just(kind), st.lists(step, min_size=1, max_size=8))

    return st.sampled_from(sorted(FLOWS)).flatmap(for_kind)


async def _replay(kind: str, steps: list[tuple[str, Party]]) -> None:
    clock = Clock()
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "h.sqlite3", clock=clock)
        try:
            w = await build(db)
            people = {Party.PROVIDER: w.provider, Party.INSPECTOR: w.inspector, Party.MANAGER: w.boss}
            ref = w.future if kind in ON_FUTURE else w.finished
            if kind == "notification":  # a children's home has nothing to notify: an announced kind does
                agency = await db.cases.create(w.boss, "asa-full", "Oak House", date(2026, 6, 15))
                await db.cases.add_member(w.boss, agency.ref, w.inspector.id, Role.INSPECTOR)
                ref = agency.ref
            machine = FLOWS[kind].machine
            model, request_id = NEW, None
            for event, party in steps:
                actor, system = people.get(party), party is Party.SYSTEM
                try:
                    expected = machine.target(model, event, party)
                except Refused:
                    expected = model
                try:
                    if request_id is None:
                        sent = await db.requests.open(actor, ref, kind, event, DATA, system=system)
                        request_id = sent.request.id
                    else:
                        sent = await db.requests.send(actor, request_id, event, DATA, system=system)
                    stored = sent.request.state if sent.applied else model
                except StoreError:
                    stored = model
                assert stored == expected, (kind, steps)
                assert expected in (NEW, *machine.states)
                model = expected
                if request_id is not None:
                    assert (await db.requests.get(w.boss, request_id)).state == model
        finally:
            await db.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_steps())
def test_random_event_sequences_keep_the_store_and_the_machine_in_step(
    scenario: tuple[str, list[tuple[str, Party]]],
) -> None:
    asyncio.run(_replay(*scenario))


async def test_an_update_handled_twice_opens_and_decides_once(db: Database) -> None:
    w = await build(db)
    with changes.handling(41):
        first = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})
    with changes.handling(41):  # the process died before the update was marked done
        again = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})
    assert again.applied and again.request.id == first.request.id
    assert first.told > 0 and again.told == first.told  # the replay counts the messages queued the first time
    assert len(await db.requests.for_case(w.boss, w.future)) == 1
    with changes.handling(42):
        decided = await db.requests.send(w.boss, first.request.id, "decline", {"reason": "No"})
    with changes.handling(42):
        replay = await db.requests.send(w.boss, first.request.id, "decline", {"reason": "No"})
    assert replay.applied and replay.request == decided.request  # not "already decided by you"
    assert [e.action for e in await db.audit.all()].count("request.deferral.decline") == 1


async def test_what_each_person_can_do_now_and_surveys_across_cases(db: Database) -> None:
    w = await build(db)
    asked = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})
    (offered,) = await db.requests.for_case(w.inspector, w.finished, "survey")  # offered with the report
    mine = {(r.kind, events) for r, events in await db.requests.waiting_for(w.boss)}
    assert mine == {("deferral", ("approve", "decline")), ("case_review", ("debrief",))}
    theirs = {(r.id, events) for r, events in await db.requests.waiting_for(w.provider)}
    assert theirs == {
        (asked.request.id, ("withdraw",)),
        (offered.id, ("answer", "decline", "finish")),
    }
    await db.requests.send(w.provider, offered.id, "answer", {"question": "overall", "value": 5})
    await db.requests.send(w.provider, offered.id, "finish")
    surveys = await db.requests.of_kind(w.boss, "survey")
    assert [s.payload["answers"]["overall"] for s in surveys] == [5]
    assert await db.requests.of_kind(w.provider, "case_review") == []


async def test_party_sql_selects_the_cases_party_of_gives_a_part_in_with_that_part(db: Database) -> None:
    """Questions across cases (waiting_for, of_kind) put `party_sql` in their WHERE: for every person and
    every case it must agree with `party_of` on the case's members, whoever asks."""
    w = await build(db)
    elsewhere = await db.cases.create(w.boss, "ch-full", "Elm House", date(2026, 6, 22), date(2026, 6, 23))
    stranger = await join(db, w.boss, Role.PROVIDER, 9, elsewhere.ref)
    idle = await join(db, w.boss, Role.INSPECTOR, 10)  # on no case
    gone = await join(db, w.boss, Role.INSPECTOR, 11)
    await db.cases.add_member(w.boss, w.future, gone.id, Role.INSPECTOR)
    await db.people.deactivate(w.boss, gone.id)
    await db.cases.add_member(w.boss, elsewhere.ref, w.other_boss.id, Role.MANAGER)
    people = (w.boss, w.other_boss, w.inspector, w.provider, stranger, idle, gone)
    async with db.reading() as conn:
        cases = list(await conn.execute_fetchall("SELECT id, ref, setting_id FROM cases ORDER BY ref"))
        for person in people:
            subject = await guard.subject_of(conn, person)
            part, where, params = party_sql(subject)
            selected = {
                row[0]
                for row in await conn.execute_fetchall(f"SELECT c.ref FROM cases c WHERE {where}", params)
            }
            expected = {}
            for case in cases:
                found = party_of(subject, await guard.scope_of(conn, case["id"], case["setting_id"]))
                if found is not None:
                    expected[case["ref"]] = found
            assert selected == set(expected), person
            assert {part} >= set(expected.values()), person


async def test_the_cases_waiting_for_each_person_are_found_in_one_query_as_waiting_for_finds_them(
    db: Database,
) -> None:
    w = await build(db)
    elsewhere = await db.cases.create(w.boss, "ch-full", "Elm House", date(2026, 6, 22), date(2026, 6, 23))
    stranger = await join(db, w.boss, Role.PROVIDER, 9, elsewhere.ref)
    await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})
    # The survey and the case review on w.finished were opened by the bot when its report and its
    # inadequate judgement were recorded (store.cases), before the deferral was asked.
    for person in (w.boss, w.other_boss, w.inspector, w.provider, stranger):
        expected = sorted({r.case_ref for r, _ in await db.requests.waiting_for(person)})
        refs, total = await db.requests.waiting_cases(person)
        assert (sorted(refs), total) == (expected, len(expected)), person
    assert await db.requests.waiting_cases(stranger) == ([], 0)
    assert await db.requests.waiting_cases(w.boss, limit=1) == ([w.finished], 2)  # the oldest request first
    await db.cases.close(w.boss, w.finished)
    assert await db.requests.waiting_cases(w.boss) == ([w.future], 1)  # closed cases wait for nobody


async def test_today_is_the_configured_zones_not_londons(db: Database, clock: Clock) -> None:
    """A request's "today" is the configured zone's (INSPECTBOT_TZ), as the chat's (issue 18 loose end 5):
    at 00:30 on Tuesday 2 June in London it is still Monday 1 June in New York."""
    w = await build(db)
    clock.now = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    db.reminding.config = outbox.ReminderConfig(Hours(ZoneInfo("America/New_York")), db.calendar)
    asked = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "closing"})
    assert asked.request.payload["asked_on"] == "2026-06-01"
    # Recording too: a complaint made on 2 June is in the future in New York (store/cases.py).
    with pytest.raises(InvalidInput, match="in the future"):
        await db.cases.record_event(w.boss, w.finished, "complaint", date(2026, 6, 2))
