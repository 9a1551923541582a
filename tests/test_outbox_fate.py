"""Sends whose fate is unknown (issue 21 item 7): at least once is right for them, and only for them.

The outbox sender goes through the bot's own `LimitedBot` here, against the fake Bot API's fault
injection: a 500 (Telegram certainly did nothing) is retried at once and arrives once; a connection
dropped after Telegram took the message (`after=True`: the fate is unknown to the bot) is sent again
later, reaches the person twice, and is counted as such (`inspectbot_outbox_retries_total{fate="unknown"}`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.localapi import FakeBotApi
from bot.outbox import OutboxSender, Pacer
from bot.sending import KeepsServerErrors, LimitedBot
from handlers.context import Services
from store.database import Database
from store.models import Role
from tests.storefixtures import Clock, first_manager
from tests.test_reminders import END, INSPECTOR, MANAGER, World, join, london
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON


def _retries(world: World, fate: str) -> float:
    """The sender's count (its own `metrics.Metrics`: the application's in the bot)."""
    registry = world.sender.meters.registry
    return registry.get_sample_value("inspectbot_outbox_retries_total", {"fate": fate}) or 0.0


@pytest.fixture
async def world(db: Database, clock: Clock, api: FakeBotApi) -> AsyncIterator[World]:
    clock.now = london(date(2026, 3, 11), 10)
    for tid in (MANAGER, INSPECTOR):
        api.user(tid, f"User {tid}", started=True)
    bot = LimitedBot(token=api.token, base_url=api.base_url, request=KeepsServerErrors())
    await bot.initialize()
    services = Services(db=db, calendar=WorkingCalendar(), zone=LONDON, bot_username="b", clock=clock)
    sender = OutboxSender(services, bot, pacer=Pacer(per_second=1000, per_chat=0))
    w = World(db, clock, api, sender)
    w.boss = await first_manager(db, MANAGER)
    w.inspector = await join(db, w.boss, Role.INSPECTOR, INSPECTOR)
    w.case = await db.cases.create(w.inspector, "ch-full", "Oak House", date(2026, 3, 9), END)
    yield w
    await bot.shutdown()


async def test_only_a_send_of_unknown_fate_goes_twice_and_it_is_counted(world: World) -> None:
    unknown, not_sent = _retries(world, "unknown"), _retries(world, "not_sent")
    world.api.fault("error", methods=["sendMessage"], status=500, count=1)
    first = await world.at(london(date(2026, 3, 13), 9))
    assert first  # something was due
    texts = world.texts_to(INSPECTOR)
    assert len(texts) == len(set(texts))  # the 500 was retried at once: nothing twice
    assert _retries(world, "unknown") == unknown  # and the sender never saw it

    sent_before = world.texts_to(INSPECTOR)
    await world.db.outbox.confirm_later(world.inspector, 1, "Unknown fate", False)  # due now, any hour
    world.api.fault("drop", methods=["sendMessage"], count=1, after=True)
    await world.sender.send_due()  # the drop: Telegram took it, the bot can't know
    world.clock.now += timedelta(minutes=10)
    await world.sender.send_due()  # sent again
    after = world.texts_to(INSPECTOR)[len(sent_before) :]
    assert after == ["Unknown fate", "Unknown fate"]  # exactly the one whose fate was unknown, twice
    assert _retries(world, "unknown") == unknown + 1
    assert _retries(world, "not_sent") == not_sent
