"""The bot's reminder settings belong to the application it builds (`bot.app.build_application` puts them
on its database, `db.reminding`), not to the process: another application built in the same process (the
tests build several; a planning command ran beside the bot's code) leaves this one's settings alone, and
its counters (`bot.metrics.Metrics`) too.

The case is test_reminders.py's: a children's home inspection ending Tuesday 10 March 2026, its draft
report's "due soon" reminder on Wednesday 1 April, here at INSPECTBOT_REMIND_AT=08:30.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from bot import metrics
from bot.app import OUTBOX_KEY, build_application
from bot.localapi import FakeBotApi
from bot.outbox import OutboxSender, Pacer
from bot.settings import Settings, load_settings
from handlers.context import InspectApplication
from handlers.reminder_messages import LATE_NOTE
from store.database import Database
from store.models import Role
from tests.storefixtures import Clock, first_manager
from tests.test_reminders import DRAFT_DUE, END, INSPECTOR, MANAGER, join, london

DRAFT = "Draft report sent to the provider"
#: LATE_NOTE as the person reads it (the message's text, without its HTML).
LATE = re.sub(r"<[^>]+>", "", LATE_NOTE)


def _settings(api: FakeBotApi, path: Path, **env: str) -> Settings:
    return load_settings(_env_file=None, **api.env(), INSPECTBOT_DB=str(path), **env)


def _draft_reminders(api: FakeBotApi) -> list[str]:
    return [m.text or "" for m in api.chat(INSPECTOR).messages() if DRAFT in (m.text or "")]


async def test_a_reminder_sent_25_minutes_after_half_past_eight_is_marked_late(
    db: Database, clock: Clock, api: FakeBotApi, tmp_path: Path
) -> None:
    application = build_application(_settings(api, db.path, INSPECTBOT_REMIND_AT="08:30"), db)
    # A second bot in this process, with the default 09:00, built after this one.
    async with await Database.open(tmp_path / "other.sqlite3", clock=clock) as other:
        second = build_application(_settings(api, other.path), other)

    clock.now = london(date(2026, 3, 11), 10)  # the day after the inspection
    for tid in (MANAGER, INSPECTOR):
        api.user(tid, f"User {tid}", started=True)
    boss = await first_manager(db, MANAGER)
    inspector = await join(db, boss, Role.INSPECTOR, INSPECTOR)
    await db.cases.create(inspector, "ch-full", "Oak House", date(2026, 3, 9), END)

    sender = application.bot_data[OUTBOX_KEY]
    assert isinstance(sender, OutboxSender)
    sender.pacer = Pacer(per_second=1000, per_chat=0)  # no waiting between messages to one chat
    await application.bot.initialize()
    try:
        clock.now = london(date(2026, 3, 31), 12)  # what the new case had due goes first
        await sender.send_due()
        assert _draft_reminders(api) == []
        clock.now = london(date(2026, 4, 1), 8, 55)  # the bot was down from 08:30 until 08:55
        await sender.send_due()
    finally:
        await application.bot.shutdown()
    [sent] = _draft_reminders(api)
    assert "due soon" in sent and DRAFT_DUE.strftime("%-d April %Y") in sent
    assert LATE in sent
    # Its counters are its own too: what it sent is counted by it, not by the second bot.
    assert _replies(application) == len(api.calls("sendMessage")) > 0
    assert _replies(second) == 0


def _replies(application: InspectApplication) -> float:
    meters = application.bot_data[metrics.BOT_DATA_KEY]
    assert isinstance(meters, metrics.Metrics)
    found = meters.registry.get_sample_value("inspectbot_replies_sent_total", {"method": "sendmessage"})
    return found or 0.0
