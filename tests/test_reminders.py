"""Reminders through the outbox with a settable clock (no sleeping): the store reconciles them in every
change's transaction, the sender (bot/outbox.py) sends due rows to the fake Bot API.

The case: a children's home full inspection ending Tuesday 10 March 2026, so the draft report is due on
Tuesday 7 April 2026, just after Easter (Good Friday 3 April, Easter Monday 6 April). Its "due soon"
reminder falls 2 working days before: Wednesday 1 April.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time

import pytest
from telegram import Bot

from bot.localapi import FakeBotApi
from bot.outbox import OutboxSender, Pacer
from handlers.context import Services
from store.database import Database
from store.models import Case, Person, Role
from tests.storefixtures import Clock, first_manager
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON

END = date(2026, 3, 10)
DRAFT_DUE = date(2026, 4, 7)
MANAGER, INSPECTOR, PROVIDER = 1, 2, 3


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


class World:
    def __init__(self, db: Database, clock: Clock, api: FakeBotApi, sender: OutboxSender) -> None:
        self.db, self.clock, self.api, self.sender = db, clock, api, sender
        self.boss: Person
        self.inspector: Person
        self.provider: Person
        self.case: Case

    async def at(self, moment: datetime, to: int | None = None) -> list[str]:
        """Move the clock to `moment`, let the sender run, and return the texts it sent meanwhile (to
        `to`'s chat only, when given: the manager's morning digest goes too)."""
        self.clock.now = moment
        before = len(self.api.calls("sendMessage"))
        await self.sender.send_due()
        return [
            str(c.params.get("text"))
            for c in self.api.calls("sendMessage")[before:]
            if to is None or str(c.params.get("chat_id")) == str(to)
        ]

    def rows(self, **where: object) -> list[dict[str, object]]:
        import sqlite3

        with sqlite3.connect(self.db.path) as conn:
            conn.row_factory = sqlite3.Row
            rows = [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]
        return [r for r in rows if all(r.get(k) == v for k, v in where.items())]

    def texts_to(self, telegram_id: int) -> list[str]:
        return [m.text or "" for m in self.api.chat(telegram_id).messages()]


async def join(
    db: Database, inviter: Person, role: Role, telegram_id: int, case_ref: int | None = None
) -> Person:
    invite = await db.invites.create(inviter, role, case_ref=case_ref)
    return await db.invites.redeem(invite.code, telegram_id, f"Person {telegram_id}")


@pytest.fixture
async def world(db: Database, clock: Clock, api: FakeBotApi) -> AsyncIterator[World]:
    clock.now = london(date(2026, 3, 11), 10)  # the day after the inspection
    for tid in (MANAGER, INSPECTOR, PROVIDER):
        api.user(tid, f"User {tid}", started=True)
    bot = Bot(token=api.token, base_url=api.base_url)
    await bot.initialize()
    services = Services(db=db, calendar=WorkingCalendar(), zone=LONDON, bot_username="b", clock=clock)
    sender = OutboxSender(services, bot, pacer=Pacer(per_second=1000, per_chat=0))
    w = World(db, clock, api, sender)
    w.boss = await first_manager(db, MANAGER)
    w.inspector = await join(db, w.boss, Role.INSPECTOR, INSPECTOR)
    w.case = await db.cases.create(w.inspector, "ch-full", "Oak House", date(2026, 3, 9), END)
    w.provider = await join(db, w.inspector, Role.PROVIDER, PROVIDER, w.case.ref)
    yield w
    await bot.shutdown()


def draft_rows(w: World, state: str = "pending") -> list[dict[str, object]]:
    return [r for r in w.rows(state=state, template="remind") if '"key": "draft_report"' in str(r["params"])]


async def test_the_draft_reminders_are_written_with_the_case_at_working_mornings(world: World) -> None:
    due = {str(r["dedup"]).rsplit(":", 1)[1]: r["due_at"] for r in draft_rows(world)}
    assert due == {
        "soon": "2026-04-01T08:00:00.000000+00:00",  # Wednesday 1 April, 09:00 in London (BST)
        "due": "2026-04-07T08:00:00.000000+00:00",
        "overdue": "2026-04-08T08:00:00.000000+00:00",
    }
    people = {r["person_id"] for r in draft_rows(world)}
    # The provider is not reminded of Ofsted's step; the manager hears of it in their morning digest
    # once it is overdue, not row by row.
    assert people == {world.inspector.id}


async def test_a_reminder_due_at_nine_goes_at_nine_and_not_at_eight_fifty_nine(world: World) -> None:
    await world.at(london(date(2026, 3, 31), 12))  # send what the new case had due (its QA window)
    assert await world.at(london(date(2026, 4, 1), 8, 59)) == []
    sent = await world.at(london(date(2026, 4, 1), 9, 0), INSPECTOR)
    assert len(sent) == 1 and "Draft report sent to the provider" in sent[0] and "Oak House" in sent[0]
    assert "due soon" in sent[0] and "Rule: 18 working days after the end of the inspection" in sent[0]
    assert await world.at(london(date(2026, 4, 1), 9, 5)) == []  # sent once


async def test_nothing_is_sent_at_night(world: World) -> None:
    world.clock.now = london(date(2026, 3, 12), 21)
    # A change late in the evening: the inspection ended a day later, so deadlines move.
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 10), date(2026, 3, 11))
    for moment in (
        london(date(2026, 3, 12), 21),
        london(date(2026, 3, 12), 23, 59),
        london(date(2026, 3, 13), 7, 59),
    ):
        assert await world.at(moment) == []
    morning = await world.at(london(date(2026, 3, 13), 8))
    assert morning and all("moved" in t for t in morning)  # news waits for 08:00, reminders for 09:00
    nine = await world.at(london(date(2026, 3, 16), 9))  # Monday: the moved "due soon" reminders
    assert nine and all(t.startswith("Reminder for") for t in nine), nine


async def test_moving_the_end_date_moves_pending_reminders_and_tells_who_owns_them(world: World) -> None:
    await world.at(london(date(2026, 3, 11), 18))  # the new case's own messages go first
    # A deferral-like move: the inspection ends a week later, so every deadline after it moves. Its start
    # is recorded: the provider knows of it, so they are told (unrecorded, the new planned days would
    # be a visit kept from them: test_nothing_reaches_the_provider_of_a_visit_kept_from_them).
    await world.db.cases.record_event(world.inspector, world.case.ref, "start", date(2026, 3, 9))
    waiting = {r["id"]: str(r["dedup"]).rsplit(":", 1)[1] for r in draft_rows(world)}
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 16), date(2026, 3, 17))
    assert {str(r["dedup"]).split(":")[4] for r in draft_rows(world)} == {"2026-04-14"}
    # Each waiting reminder moved in place (issue 24): the same row, keyed and timed by the new day, and
    # none left cancelled under the old one.
    assert {r["id"]: str(r["dedup"]).rsplit(":", 1)[1] for r in draft_rows(world)} == waiting
    assert {r["params"] for r in draft_rows(world)} == {
        f'{{"day": "2026-04-14", "key": "draft_report", "lead": "{lead}"}}' for lead in waiting.values()
    }
    assert draft_rows(world, "cancelled") == []
    sent = await world.at(london(date(2026, 3, 11), 18, 1))
    moved = [t for t in world.texts_to(INSPECTOR) if "moved" in t]
    assert any("Draft report sent to the provider" in t and "Tuesday 14 April 2026" in t for t in moved), sent
    provider = [t for t in world.texts_to(PROVIDER) if "moved" in t]
    assert any("comments" in t for t in provider) and not any("quality assurance" in t for t in provider)


async def test_a_member_is_told_every_deadline_a_change_moved_in_one_row_and_one_message(
    world: World,
) -> None:
    """What one change moved for one person is one outbox row (issue 24: a closure moves ~5 deadlines a
    case, and a row costs an insert into the outbox's indexes), sent as one line a deadline."""
    await world.at(london(date(2026, 3, 11), 18))
    await world.db.cases.record_event(world.inspector, world.case.ref, "start", date(2026, 3, 9))
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 16), date(2026, 3, 17))
    told = world.rows(person_id=world.inspector.id, template="moved", state="pending")
    assert len(told) == 1, told
    moves = json.loads(told[0]["params"])["moves"]
    assert len(moves) >= 2 and len({m["key"] for m in moves}) == len(moves), moves
    sent = await world.at(london(date(2026, 3, 12), 10), INSPECTOR)
    lines = [line for t in sent for line in t.splitlines() if line.startswith("A deadline moved")]
    assert len(lines) == len(moves), sent
    assert len([t for t in sent if "A deadline moved" in t]) == 1  # one message


async def test_a_moved_row_written_before_rows_held_many_moves_still_reads(world: World) -> None:
    """A row from the version that wrote one move a row (its move at the top of its parameters)."""
    await world.at(london(date(2026, 3, 11), 18))
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 16), date(2026, 3, 17))
    told = world.rows(person_id=world.inspector.id, template="moved", state="pending")
    first = json.loads(told[0]["params"])["moves"][0]
    async with world.db.transaction() as conn:
        await conn.execute("UPDATE outbox SET params = ? WHERE id = ?", (json.dumps(first), told[0]["id"]))
    sent = await world.at(london(date(2026, 3, 12), 10), INSPECTOR)
    lines = [line for t in sent for line in t.splitlines() if line.startswith("A deadline moved")]
    assert len(lines) == 1 and "working day" in lines[0], sent


async def test_a_reminder_sent_for_a_day_is_not_sent_again_when_its_deadline_moves_back(world: World) -> None:
    """A waiting row moves with its deadline (issue 24) unless a row with its new key is there already:
    back on a day whose reminder was sent, the waiting one is cancelled, not moved onto it or sent."""
    await world.at(london(date(2026, 3, 31), 12))
    sent = await world.at(london(date(2026, 4, 1), 9), INSPECTOR)
    assert len(sent) == 1 and "due soon" in sent[0] and "Draft report" in sent[0]
    first = {str(r["dedup"]).rsplit(":", 1)[1]: r["id"] for r in draft_rows(world)}
    assert set(first) == {"due", "overdue"}
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 16), date(2026, 3, 17))
    later = {str(r["dedup"]).rsplit(":", 1)[1]: r for r in draft_rows(world)}
    assert {r["id"] for lead, r in later.items() if lead != "soon"} == set(first.values())  # moved
    assert "2026-04-14:soon" in str(later["soon"]["dedup"])  # a new row: the sent one was of 7 April
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 9), END)  # back again
    back = {str(r["dedup"]).rsplit(":", 1)[1]: r["id"] for r in draft_rows(world)}
    assert back == first  # moved back, the same rows
    assert [(r["id"], r["reason"]) for r in draft_rows(world, "cancelled")] == [
        (later["soon"]["id"], "not_wanted")
    ]
    assert [str(r["dedup"]).rsplit(":", 2)[1:] for r in draft_rows(world, "sent")] == [["2026-04-07", "soon"]]
    texts = await world.at(london(date(2026, 4, 1), 9, 5), INSPECTOR)
    assert texts and not [t for t in texts if "due soon" in t], texts  # told it moved, not reminded again


async def test_recording_the_draft_cancels_its_reminders_and_tells_the_provider(world: World) -> None:
    world.clock.now = london(date(2026, 4, 2), 11)
    assert draft_rows(world)
    await world.db.cases.record_event(world.inspector, world.case.ref, "draft_report", date(2026, 4, 2))
    assert draft_rows(world) == []
    assert {r["reason"] for r in draft_rows(world, "cancelled")} == {"not_wanted"}
    await world.at(london(date(2026, 4, 2), 11, 1))
    told = [t for t in world.texts_to(PROVIDER) if "draft inspection report" in t]
    assert len(told) == 1
    assert "Thursday 2 April 2026" in told[0] and "comments on it are due by" in told[0]
    assert "Monday 13 April 2026" in told[0]  # 5 working days after Thursday 2 April, over Easter


async def test_downtime_over_easter_sends_the_right_late_reminders_once_on_tuesday_morning(
    world: World,
) -> None:
    await world.at(london(date(2026, 3, 31), 12))  # up to date before Easter
    sent_before = len(world.texts_to(INSPECTOR))
    # Down from Tuesday night until Easter Monday: nothing on Wednesday, Thursday or the bank holidays.
    assert await world.at(london(date(2026, 4, 6), 12)) == []  # back up on Easter Monday: not a working day
    assert await world.at(london(date(2026, 4, 7), 8, 30)) == []  # Tuesday, before the reminding hour
    sent = await world.at(london(date(2026, 4, 7), 9, 0))
    to_inspector = world.texts_to(INSPECTOR)[sent_before:]
    assert len(to_inspector) == 1  # one message for the case, listing its items
    text = to_inspector[0]
    assert text.count("Draft report sent to the provider") == 2  # Wednesday's late "due soon" and today's
    assert "this reminder is late: the bot was offline" in text
    assert await world.at(london(date(2026, 4, 7), 10)) == []  # once
    assert len(sent) >= 1


async def test_a_person_who_blocked_the_bot_is_unreachable_and_their_managers_are_told_once(
    world: World,
) -> None:
    world.api.user(INSPECTOR).block()
    await world.at(london(date(2026, 3, 13), 9))  # the "due soon" reminders of the QA window
    assert world.rows(person_id=world.inspector.id, state="pending") == []
    assert world.rows(person_id=world.inspector.id, state="failed", reason="blocked")
    told = [t for t in world.texts_to(MANAGER) if "can't be reached" in t]
    assert len(told) == 1 and "Person 2" in told[0]
    await world.db.cases.record_event(world.boss, world.case.ref, "end", END)  # a change: no rows for them
    assert world.rows(person_id=world.inspector.id, state="pending") == []
    status = await world.db.outbox.status(world.boss)
    assert status.unreachable == ["Person 2"] and status.failed >= 1


async def test_deactivated_people_lose_their_pending_rows(world: World) -> None:
    assert world.rows(person_id=world.provider.id, state="pending")
    await world.db.people.deactivate(world.boss, world.provider.id)
    assert world.rows(person_id=world.provider.id, state="pending") == []
    assert world.rows(person_id=world.provider.id, reason="deactivated")


async def test_mute_stops_a_case_reminders_and_unmute_brings_them_back(world: World) -> None:
    before = len(world.rows(person_id=world.inspector.id, state="pending"))
    await world.db.outbox.set_muted(world.inspector, world.case.ref, True)
    assert world.rows(person_id=world.inspector.id, state="pending") == []
    await world.db.outbox.set_muted(world.inspector, world.case.ref, False)
    assert len(world.rows(person_id=world.inspector.id, state="pending")) == before


async def test_closing_cancels_and_reopening_restores(world: World) -> None:
    pending = len(world.rows(state="pending"))
    await world.db.cases.close(world.boss, world.case.ref)
    assert world.rows(state="pending") == []
    await world.db.cases.reopen(world.boss, world.case.ref)
    assert len(world.rows(state="pending")) == pending


async def test_retry_after_from_telegram_moves_the_row(world: World) -> None:
    world.api.enforce_limits(per_chat=0.0, overall=0)  # every send is over the limit
    world.clock.now = london(date(2026, 3, 13), 9)
    await world.sender.send_due()
    moved = world.rows(state="pending", person_id=world.inspector.id)
    assert any(str(r["due_at"]) > "2026-03-13T09:00:00" for r in moved)
    assert any(c.status == 429 for c in world.api.calls("sendMessage"))


async def test_the_operator_listing_has_case_person_milestone_and_local_times(world: World) -> None:
    rows = [r async for r in world.db.outbox.listing(case_ref=world.case.ref, telegram_id=INSPECTOR)]
    draft = [r for r in rows if r["milestone"] == "draft_report"]
    assert {r["due_at"] for r in draft} == {
        "2026-04-01T09:00:00+01:00",
        "2026-04-07T09:00:00+01:00",
        "2026-04-08T09:00:00+01:00",
    }
    assert all(r["case"] == world.case.ref and r["person"] == INSPECTOR for r in rows)


async def test_a_snooze_comes_back_next_working_morning_and_survives_other_changes(world: World) -> None:
    await world.at(london(date(2026, 3, 13), 9))  # Friday: the QA window's "due soon"
    sent = world.rows(state="sent", person_id=world.inspector.id, kind="remind")
    assert sent
    at = await world.db.outbox.snooze(world.inspector, int(str(sent[0]["id"])))
    assert at == london(date(2026, 3, 16), 9)  # Monday
    await world.db.cases.set_outcome(world.boss, world.case.ref, judgement="good")  # any change
    snoozed = [r for r in world.rows(state="pending") if ":snooze:" in str(r["dedup"])]
    assert len(snoozed) == len([r for r in sent if r["message_id"] == sent[0]["message_id"]])
    again = await world.at(london(date(2026, 3, 16), 9))
    assert any("quality assurance" in t for t in again)


def judgement_rows(w: World) -> list[dict[str, object]]:
    return w.rows(template="judgement_changed")


async def test_a_changed_judgement_is_told_to_the_provider_before_the_draft(world: World) -> None:
    """000 L1238: a judgement changed from the one given at feedback is told to the provider, with its
    reasons, before the draft report reaches them: the bot tells the provider at once; once the draft is
    recorded as sent, it no longer does (the draft says it)."""
    await world.at(london(date(2026, 3, 11), 18))  # the new case's own messages go first
    ref = world.case.ref
    await world.db.cases.set_outcome(world.inspector, ref, judgement="good")  # the feedback's judgement
    assert judgement_rows(world) == []
    world.clock.now = london(date(2026, 3, 12), 10)
    await world.db.cases.set_outcome(world.inspector, ref, judgement="requires_improvement")
    assert [r["person_id"] for r in judgement_rows(world)] == [world.provider.id]
    await world.at(london(date(2026, 3, 12), 10, 1))
    told = [t for t in world.texts_to(PROVIDER) if "judgement" in t]
    assert len(told) == 1
    assert "Oak House" in told[0] and "was changed from Good to Requires improvement" in told[0]
    assert "reasons before the draft report" in told[0]
    assert not any("judgement" in t for t in world.texts_to(INSPECTOR))

    # Undone: back to the feedback's judgement, which the provider is told too.
    entry = await world.db.cases.last_recorded(world.boss, ref)
    assert entry is not None and entry.action == "case.outcome"
    await world.db.cases.undo(world.boss, ref, entry.id)
    await world.at(london(date(2026, 3, 12), 10, 2))
    told = [t for t in world.texts_to(PROVIDER) if "judgement" in t]
    assert len(told) == 2 and "was changed from Requires improvement to Good" in told[1]

    # After the draft report is recorded as sent: no notice.
    await world.db.cases.record_event(world.inspector, ref, "draft_report", date(2026, 3, 12))
    await world.db.cases.set_outcome(world.inspector, ref, judgement="requires_improvement")
    assert len(judgement_rows(world)) == 2


async def test_nothing_reaches_the_provider_of_a_visit_kept_from_them(world: World) -> None:
    """Unannounced (000 L534): planned again for later, no reminder or moved notice to the provider names
    a day counted from the new planned days; from the day the visit begins, `reveal_begun` writes their
    reminders (the daily job), and nothing before it."""
    await world.at(london(date(2026, 3, 11), 18))
    provider_rows = len(world.rows(person_id=world.provider.id))
    provider_texts = len(world.texts_to(PROVIDER))
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 23), date(2026, 3, 24))
    comments_due = {str(r["dedup"]) for r in world.rows(person_id=world.provider.id, state="pending")}
    assert comments_due == set(), comments_due  # their old reminders went, no new ones came
    assert len(world.rows(person_id=world.provider.id)) == provider_rows  # no moved notice either
    inspector_moved = [r for r in world.rows(person_id=world.inspector.id) if r["template"] == "moved"]
    assert inspector_moved  # staff are told as before
    await world.at(london(date(2026, 3, 12), 10))
    assert world.texts_to(PROVIDER)[provider_texts:] == []
    assert await world.db.outbox.reveal_begun(london(date(2026, 3, 20), 0, 5)) == 0  # not begun yet
    assert world.rows(person_id=world.provider.id, state="pending") == []
    assert await world.db.outbox.reveal_begun(london(date(2026, 3, 23), 0, 5)) == 1  # the first day
    pending = [str(r["params"]) for r in world.rows(person_id=world.provider.id, state="pending")]
    assert pending and all('"key": "provider_comments"' in p for p in pending), pending


async def test_news_waiting_for_the_provider_goes_when_the_visit_is_planned_again_for_later(
    world: World,
) -> None:
    """A deadline moved late in the evening (news waits for 08:00); then the visit is planned again for
    later, so it is kept from the provider: the waiting news is cancelled, not sent in the morning."""
    await world.at(london(date(2026, 3, 11), 18))
    world.clock.now = london(date(2026, 3, 11), 21)
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 10), date(2026, 3, 11))
    waiting = world.rows(person_id=world.provider.id, template="moved", state="pending")
    assert waiting, world.rows(person_id=world.provider.id)
    await world.db.cases.set_planned(world.boss, world.case.ref, date(2026, 3, 23), date(2026, 3, 24))
    assert world.rows(person_id=world.provider.id, state="pending") == []
    assert {r["reason"] for r in world.rows(person_id=world.provider.id, template="moved")} == {"hidden"}
    before = len(world.texts_to(PROVIDER))
    await world.at(london(date(2026, 3, 12), 9))
    assert world.texts_to(PROVIDER)[before:] == []
