"""The managers' morning digest (issue 23, issue 21 "a year of use"): one outbox row per manager per
working morning, whatever the number of overdue deadlines, rendered when sent from what is overdue then;
and the sender's claims and messages keep within one Telegram message.

Cases end on Tuesday 10 March 2026 (children's home full inspections); by Thursday 2 April 2026 several
of their milestones are missed (evidence upload, quality assurance): overdue without being recorded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from telegram import Bot

from bot.localapi import FakeBotApi
from bot.outbox import OutboxSender, Pacer
from handlers.context import Services
from handlers.reminder_messages import MESSAGE_LIMIT, digest_text
from store import outbox
from store.database import Database
from store.deadlines import stored_deadlines
from store.models import Role
from tests.storefixtures import Clock, first_manager
from tests.test_reminders import END, World, join, london
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON, Deadline
from workflows.kinds import KINDS
from workflows.reminders import DIGEST_INSPECTORS
from workflows.rules import Actor

BOSS, SECOND, INSPECTOR = 1, 4, 2
THURSDAY = date(2026, 4, 2)


@pytest.fixture
async def world(db: Database, clock: Clock, api: FakeBotApi) -> AsyncIterator[World]:
    """Two managers and an inspector; no case yet."""
    clock.now = london(date(2026, 3, 11), 10)
    for tid in (BOSS, SECOND, INSPECTOR):
        api.user(tid, f"User {tid}", started=True)
    bot = Bot(token=api.token, base_url=api.base_url)
    await bot.initialize()
    services = Services(db=db, calendar=WorkingCalendar(), zone=LONDON, bot_username="b", clock=clock)
    w = World(db, clock, api, OutboxSender(services, bot, pacer=Pacer(per_second=1000, per_chat=0)))
    w.boss = await first_manager(db, BOSS)
    w.inspector = await join(db, w.boss, Role.INSPECTOR, INSPECTOR)
    yield w
    await bot.shutdown()


async def _cases(w: World, count: int) -> list[int]:
    refs = []
    for i in range(count):
        case = await w.db.cases.create(w.inspector, "ch-full", f"Home {i}", date(2026, 3, 9), END)
        refs.append(case.ref)
    return refs


def _digests(w: World) -> list[dict[str, object]]:
    return w.rows(kind="digest")


async def test_one_row_per_manager_per_morning_whatever_the_number_of_overdue_milestones(
    world: World,
) -> None:
    second = await join(world.db, world.boss, Role.MANAGER, SECOND)
    refs = await _cases(world, 6)  # no manager member: every manager hears of them
    await world.at(london(date(2026, 3, 11), 12))  # the new cases' own messages
    assert _digests(world) == []  # nothing is overdue yet, and no row per milestone is written
    sent = await world.at(london(THURSDAY, 9), BOSS)
    overdue = await world.db.lists.overdue(world.boss, THURSDAY)
    assert overdue.total >= 2 * len(refs)  # several milestones of each case are missed
    rows = _digests(world)
    assert sorted((r["person_id"], r["dedup"], r["state"]) for r in rows) == [
        (world.boss.id, f"digest:{world.boss.id}:2026-04-02", "sent"),
        (second.id, f"digest:{second.id}:2026-04-02", "sent"),
    ]
    assert len(sent) == 1, sent
    assert f"{overdue.total} deadlines overdue on {len(refs)} cases" in sent[0]
    assert "Children&#x27;s home" in sent[0] and f"Person {INSPECTOR}: {overdue.total}" in sent[0]
    assert sent[0].count("• <b>#") == 5  # the five most overdue, by name
    assert len(await world.at(london(THURSDAY, 9), SECOND)) == 0  # already sent with the boss's pass
    assert len(world.texts_to(SECOND)) == 1
    assert await world.at(london(THURSDAY, 15)) == []  # once a morning
    friday = await world.at(london(date(2026, 4, 3), 9))  # Good Friday: not a working day
    assert friday == []
    tuesday = await world.at(london(date(2026, 4, 7), 9, 5))  # Easter Monday skipped too
    assert (
        len([t for t in tuesday if "Good morning" in t]) == 2 and len(_digests(world)) == 4
    )  # one more row per manager


async def test_a_managers_own_cases_and_those_with_no_manager_and_a_done_deadline_drops_out(
    world: World,
) -> None:
    second = await join(world.db, world.boss, Role.MANAGER, SECOND)
    mine, orphan = await _cases(world, 2)
    await world.db.cases.add_member(world.boss, mine, second.id, Role.MANAGER)
    await world.at(london(date(2026, 3, 11), 12))
    boss = await world.db.outbox.morning(world.boss.id, THURSDAY)
    theirs = await world.db.outbox.morning(second.id, THURSDAY)
    assert boss.cases == 1 and {u.ref for u in boss.urgent} == {orphan}  # not the second's case
    assert theirs.cases == 2 and {u.ref for u in theirs.urgent} == {mine, orphan}
    assert sum(n for _, n in theirs.by_kind) == theirs.total == 2 * boss.total
    # Everything missed on the orphan case is recorded: it drops out of both digests.
    world.clock.now = london(THURSDAY, 8)
    for key in await _missed(world.db, orphan, THURSDAY):
        await world.db.cases.record_event(world.inspector, orphan, key, date(2026, 3, 20))
    assert (await world.db.outbox.morning(world.boss.id, THURSDAY)).total == 0
    assert await world.at(london(THURSDAY, 9), BOSS) == []
    sent = [t for t in world.texts_to(SECOND) if "Good morning" in t]
    assert len(sent) == 1 and "on 1 case of yours" in sent[0]  # the second manager's, of their case
    assert [r["state"] for r in _digests(world)] == ["sent"]  # the boss has nothing: no row at all


async def _missed(db: Database, ref: int, today: date) -> list[str]:
    case_id = await _case_id(db, ref)
    async with db.reading() as conn:
        found = await stored_deadlines(conn, case_id)
    return [d.key for d in found if d.missed_on(today)]


async def _case_id(db: Database, ref: int) -> int:
    with sqlite3.connect(db.path) as conn:
        return int(conn.execute("SELECT id FROM cases WHERE ref = ?", (ref,)).fetchone()[0])


async def test_a_digest_stops_when_the_manager_is_no_longer_one_and_old_milestone_rows_are_cancelled(
    world: World,
) -> None:
    await _cases(world, 1)
    await world.at(london(date(2026, 3, 11), 12))
    # A row of the digest as it was written before (one per manager per overdue milestone).
    async with world.db.transaction(counted=False) as conn:
        await outbox.enqueue(
            conn,
            world.db.reminding,
            world.clock.now,
            dedup=f"remind:1:draft_qa:{world.boss.id}:2026-03-17:overdue",
            person_id=world.boss.id,
            case_id=await _case_id(world.db, 1),
            kind="digest",
            batch="digest",
            template="remind",
            params={"key": "draft_qa", "lead": "overdue", "day": "2026-03-17"},
            due_at=london(date(2026, 3, 18), 9),
        )
    sent = await world.at(london(THURSDAY, 9), BOSS)
    assert len(sent) == 1 and "Good morning" in sent[0]
    old = [r for r in _digests(world) if r["template"] == "remind"]
    assert [(r["state"], r["reason"]) for r in old] == [("cancelled", "digest_replaced")]


def _person(i: int) -> str:
    return f"Inspector {i} " + "x" * 120  # the longest display name is 128 characters


def test_the_digest_stays_within_one_telegram_message_at_any_size() -> None:
    calendar = WorkingCalendar()
    today = THURSDAY
    for size in (1, 100, 100_000):
        inspectors = min(size, 2_000)
        sample = outbox.Overdue(
            size, "Setting " + "y" * 190, _long_deadline(today - timedelta(days=size % 400 + 1))
        )
        morning = outbox.Morning(
            total=size * 3,
            cases=size,
            by_kind=[(kind, size) for kind in KINDS],
            by_inspector=[(_person(i), size) for i in range(inspectors)] + [(None, size)],
            urgent=[sample] * 5,
        )
        text = digest_text(morning, today, calendar)
        assert len(text) < MESSAGE_LIMIT - 200, (size, len(text))  # room for the programme line
        assert f"{size * 3} deadline" in text
        assert ("other inspector" in text) == (inspectors > DIGEST_INSPECTORS)


def _long_deadline(last_day: date) -> Deadline:
    return Deadline("k", "L" * 150, last_day, None, None, Actor.OFSTED, "r", "000 L1", None, "planned", ())


async def test_a_claim_never_takes_more_than_one_messages_rows(world: World) -> None:
    """Forty people blocked the bot at once: the boss is told of each in one batch; the claim takes one
    message's worth and every message stays within Telegram's limit; all are told, once each."""
    world.clock.now = london(THURSDAY, 10)
    async with world.db.transaction(counted=False) as conn:
        for i in range(40):
            await outbox.enqueue(
                conn,
                world.db.reminding,
                world.clock.now,
                dedup=f"unreachable:{i}",
                person_id=world.boss.id,
                case_id=None,
                kind="notice",
                batch="unreachable",
                template="unreachable",
                params={"person_id": world.inspector.id},
                due_at=world.clock.now,
            )
    claimed = await world.db.outbox.claim(world.clock.now, 1, timedelta(seconds=60))
    assert len(claimed) == outbox.ROWS_PER_MESSAGE
    await world.db.outbox.retry([r.id for r in claimed], world.clock.now)
    sent: list[str] = []
    for minute in range(1, 8):  # rows past a message's worth are looked at again a moment later
        sent += await world.at(london(THURSDAY, 10, minute), BOSS)
    assert len(sent) == -(-40 // outbox.ROWS_PER_MESSAGE)
    assert all(len(t) < MESSAGE_LIMIT for t in sent)
    assert sum(t.count("can't be reached") for t in sent) == 40
    assert {r["state"] for r in world.rows(template="unreachable")} == {"sent"}


async def test_long_lines_go_over_several_messages_each_within_telegrams_limit(world: World) -> None:
    """Rows whose lines are long (confirmations kept for later, 1,500 characters each): a message takes
    what fits, the rest are looked at again a moment later and go in the next ones, each sent once."""
    world.clock.now = london(THURSDAY, 10)
    async with world.db.transaction(counted=False) as conn:
        for i in range(6):
            await outbox.enqueue(
                conn,
                world.db.reminding,
                world.clock.now,
                dedup=f"reply:long:{i}",
                person_id=world.boss.id,
                case_id=None,
                kind="reply",
                batch="reply:long",
                template="reply",
                params={"text": f"Confirmation {i}: " + "z" * 1_500, "html": False},
                due_at=world.clock.now,
            )
    sent: list[str] = []
    for second in range(0, 60, 6):  # LOOK_AGAIN (5 s) later each time
        sent += await world.at(london(THURSDAY, 10) + timedelta(seconds=second), BOSS)
    assert len(sent) == 3 and all(len(t) < MESSAGE_LIMIT for t in sent)
    assert sorted(int(t.split(":")[0].split()[1]) for m in sent for t in m.split("\n")) == list(range(6))
    assert {r["state"] for r in world.rows(batch="reply:long")} == {"sent"}
