"""Input meant to break the bot: edits of old messages, replies that would be too long for Telegram."""

from __future__ import annotations

import time

from bot.guards import READS_NEW_ONLY
from bot.localapi import FakeBotApi
from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, MANAGER, today, typed


def test_an_edited_command_is_not_run_again(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    command = f'/newcase ch-full "Oak House" {typed(CALENDAR.add_working_days(today(), 3))}'
    manager.ask(command, "#1")
    before = bot.snapshot()
    since = manager.mark()
    api.push_update(
        {
            "edited_message": {
                "message_id": 1,
                "date": int(time.time()) - 5,
                "edit_date": int(time.time()),
                "chat": {"id": MANAGER, "type": "private", "first_name": "Mia"},
                "from": {"id": MANAGER, "is_bot": False, "first_name": "Mia"},
                "text": command.replace("Oak", "Elm"),
                "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
            }
        }
    )
    assert manager.wait_next(since, READS_NEW_ONLY).text == READS_NEW_ONLY
    assert bot.snapshot() == before


def test_a_reply_quoting_4082_characters_is_within_telegrams_limits(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    manager.ask(f'/newcase ch-full "Oak House" {typed(CALENDAR.add_working_days(today(), 3))}', "#1")
    before = bot.snapshot()
    since = manager.mark()
    manager.send("/record 1 end " + "x" * 4068)  # 4,082 characters in all
    reply = manager.wait_next(since, lambda m: "couldn't read" in m.text or "went wrong" in m.text)
    assert "something went wrong" not in reply.text
    time.sleep(0.5)  # any further part of a split reply
    sent = [c for c in api.calls("sendMessage") if c.params.get("chat_id") in (MANAGER, str(MANAGER))]
    assert sent and all(c.status == 200 for c in sent)
    assert bot.snapshot() == before
