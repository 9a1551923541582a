"""The sender carries out a decision's edits (bot/outbox.py with handlers/request_copies.py, against the fake
Bot API, on a settable clock): the other manager's copy is edited in place; an edit Telegram refuses
(message gone, not modified) is finished once, never retried; an edit of a copy still being sent waits."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from telegram import Bot

from bot.localapi import FakeBotApi
from bot.outbox import OutboxSender, Pacer
from handlers.context import Services
from store.database import Database
from store.models import Person, Role
from tests.storefixtures import Clock, first_manager
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON

BOSS, OTHER, PROVIDER = 11, 12, 13


@dataclass
class World:
    db: Database
    api: FakeBotApi
    sender: OutboxSender
    boss: Person
    other: Person
    provider: Person
    ref: int

    def rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db.path) as conn:
            return list(conn.execute(sql, args))

    def copy_of(self, person: Person) -> tuple[int, int]:
        """The person's latest request copy: (row id, message id)."""
        found = self.rows(
            "SELECT id, message_id FROM outbox WHERE person_id = ? AND template = 'request' ORDER BY id DESC",
            person.id,
        )
        return int(str(found[0][0])), int(str(found[0][1] or 0))

    def edits(self) -> list[tuple[object, ...]]:
        return self.rows("SELECT state, reason FROM outbox WHERE template = 'request_edit' ORDER BY id")

    async def ask(self) -> int:
        asked = await self.db.requests.open(self.provider, self.ref, "deferral", "ask", {"ground": "closing"})
        await self.sender.send_due()
        return asked.request.id


async def _join(db: Database, boss: Person, role: Role, telegram_id: int, ref: int | None = None) -> Person:
    invite = await db.invites.create(boss, role, case_ref=ref)
    return await db.invites.redeem(invite.code, telegram_id, f"Person {telegram_id}")


@pytest.fixture
async def world(db: Database, clock: Clock, api: FakeBotApi) -> AsyncIterator[World]:
    clock.now = datetime.combine(date(2026, 3, 11), time(10), tzinfo=LONDON)
    for tid in (BOSS, OTHER, PROVIDER):
        api.user(tid, f"User {tid}", started=True)
    bot = Bot(token=api.token, base_url=api.base_url)
    await bot.initialize()
    services = Services(db=db, calendar=WorkingCalendar(), zone=LONDON, bot_username="b", clock=clock)
    sender = OutboxSender(services, bot, pacer=Pacer(per_second=1000, per_chat=0))
    boss = await first_manager(db, BOSS)
    other = await _join(db, boss, Role.MANAGER, OTHER)
    case = await db.cases.create(boss, "asa-full", "Oak House", date(2026, 3, 23), date(2026, 3, 24))
    provider = await _join(db, boss, Role.PROVIDER, PROVIDER, case.ref)
    await sender.send_due()  # what the new case had due
    yield World(db, api, sender, boss, other, provider, case.ref)
    await bot.shutdown()


async def test_the_other_managers_copy_is_edited_in_place(world: World) -> None:
    rid = await world.ask()
    _, message_id = world.copy_of(world.other)
    before = world.api.chat(OTHER).message(message_id)
    assert before.buttons == [["Approve"], ["Decline"]]
    await world.db.requests.send(world.boss, rid, "decline", {"reason": "Goes ahead"}, version=1)
    await world.sender.send_due()
    after = world.api.chat(OTHER).message(message_id)
    assert after.buttons == [] and after.history == [before.text]
    assert after.text == f"{before.text}\n\nDeclined by Manager {BOSS}, 10:00."
    assert world.edits() == [("sent", None)]


async def test_an_edit_telegram_refuses_is_finished_once_and_never_retried(world: World) -> None:
    rid = await world.ask()
    row_id, message_id = world.copy_of(world.other)
    with sqlite3.connect(world.db.path) as conn:  # as if the message were gone from the chat
        conn.execute("UPDATE outbox SET message_id = 999999 WHERE id = ?", (row_id,))
    await world.db.requests.send(world.boss, rid, "decline", {"reason": "Goes ahead"}, version=1)
    await world.sender.send_due()
    assert world.edits() == [("cancelled", "edit_refused")]
    refused = [c for c in world.api.calls("editMessageText") if not c.ok]
    assert [c.description for c in refused] == ["Bad Request: message to edit not found"]
    await world.sender.send_due()
    assert len(world.api.calls("editMessageText")) == 1  # not tried again
    assert world.api.chat(OTHER).message(message_id).buttons == [["Approve"], ["Decline"]]

    # Not modified: the same edit made twice (here: put back to pending by hand) is finished quietly too.
    rid = await world.ask()
    await world.db.requests.send(world.boss, rid, "decline", {"reason": "Goes ahead"}, version=1)
    await world.sender.send_due()
    with sqlite3.connect(world.db.path) as conn:
        conn.execute("UPDATE outbox SET state = 'pending' WHERE template = 'request_edit' AND state = 'sent'")
    await world.sender.send_due()
    assert world.edits()[-1] == ("cancelled", "edit_refused")
    assert (
        "message is not modified"
        in [c for c in world.api.calls("editMessageText") if not c.ok][-1].description
    )


async def test_an_edit_of_a_copy_still_being_sent_waits_for_its_message(world: World) -> None:
    rid = await world.ask()
    row_id, message_id = world.copy_of(world.other)
    with sqlite3.connect(world.db.path) as conn:  # the sender is still carrying it
        conn.execute("UPDATE outbox SET state = 'sending' WHERE id = ?", (row_id,))
    await world.db.requests.send(world.boss, rid, "decline", {"reason": "Goes ahead"}, version=1)
    await world.sender.send_due()
    assert world.edits() == [("pending", None)] and world.api.calls("editMessageText") == []
    with sqlite3.connect(world.db.path) as conn:
        conn.execute("UPDATE outbox SET state = 'sent' WHERE id = ?", (row_id,))
        conn.execute(
            "UPDATE outbox SET due_at = '2026-03-11T09:00:00.000000+00:00' WHERE template = 'request_edit'"
        )
    await world.sender.send_due()
    assert world.edits() == [("sent", None)]
    assert world.api.chat(OTHER).message(message_id).buttons == []
