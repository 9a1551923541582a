"""The bot as a process, restarted with another reminding hour: the reminder still waiting moves to it, as
`inspectbot reminders` shows, and goes at the new hour, once. The bot reads its time from a test clock
file (INSPECTBOT_TESTING=1).

The reminder is tests/outbox_world.py's: a provider's comments due on Tuesday 14 April 2026, so "due soon"
is 2 working days before, Friday 10 April, at the reminding hour (09:00 in London, 08:00 UTC).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.localapi import FakeBotApi
from tests.botprocess import INSPECTBOT, BotProcess
from tests.outbox_world import write_burst

SOON_AT_NINE = "2026-04-10T08:00:00.000000+00:00"
#: Seconds between the sender's looks at the outbox (INSPECTBOT_OUTBOX_TICK): "nothing goes" is checked
#: over a few of them.
TICK = 0.25


def _reminders(bot: BotProcess) -> list[dict[str, object]]:
    """`inspectbot reminders --format json`, run as an operator would, with the bot's settings."""
    done = subprocess.run(
        [INSPECTBOT, "reminders", "--format", "json"],
        env=bot.env,
        cwd=bot.workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def _wait_log(bot: BotProcess, text: str, times: int = 1, timeout: float = 10) -> None:
    """Until the log has `text` `times` times: `BotProcess.start` can return on a getUpdates the stopped
    process had in flight, before the new one has logged anything."""
    deadline = time.monotonic() + timeout
    while bot.log_text().count(text) < times:
        assert time.monotonic() < deadline, f"no {text!r} in the log:\n{bot.log_text()[-3000:]}"
        time.sleep(0.05)


def _set_clock(clock: Path, hour: int, minute: int) -> None:
    """A whole new file, so the running bot never reads a half-written one."""
    partial = clock.with_suffix(".tmp")
    partial.write_text(datetime(2026, 4, 10, hour, minute, tzinfo=UTC).isoformat())
    os.replace(partial, clock)


def test_restarted_at_half_past_eleven_the_waiting_reminder_is_listed_and_sent_at_half_past_eleven_once(
    api: FakeBotApi, tmp_path: Path
) -> None:
    clock = tmp_path / "clock.txt"
    _set_clock(clock, 7, 0)  # Friday 10 April, 08:00 in London: before either hour
    bot = BotProcess(
        api,
        tmp_path,
        INSPECTBOT_REMINDERS="on",
        INSPECTBOT_TESTING="1",
        INSPECTBOT_TEST_CLOCK_FILE=str(clock),
        INSPECTBOT_OUTBOX_TICK=str(TICK),
    )
    bot.start()  # creates the database and records the settings reminders are planned with (09:00)
    bot.stop()
    (provider,) = write_burst(bot.db, 1)
    with sqlite3.connect(bot.db) as conn:  # where the store places "due soon" at 09:00
        conn.execute("UPDATE outbox SET due_at = ?", (SOON_AT_NINE,))
    api.user(provider, "Pat", started=True)
    try:
        bot.start()
        _wait_log(bot, "inspectbot is running", times=2)
        [row] = _reminders(bot)
        assert row["due_at"] == "2026-04-10T09:00:00+01:00" and row["state"] == "pending"
        bot.stop()

        bot.env["INSPECTBOT_REMIND_AT"] = "11:30"
        bot.start()
        _wait_log(bot, "reminders: re-planned")
        assert "1 waiting reminder(s) moved" in bot.log_text()
        [row] = _reminders(bot)
        assert row["due_at"] == "2026-04-10T11:30:00+01:00" and row["state"] == "pending"

        _set_clock(clock, 8, 0)  # 09:00 in London: the old hour, no longer the reminding hour
        time.sleep(3 * TICK)  # three looks of the sender
        assert api.chat(provider).messages() == []
        _set_clock(clock, 10, 30)  # 11:30 in London
        message = api.chat(provider).wait_for("Provider's comments on the draft report (due soon)")
        assert "Reminder for" in (message.text or "")
        api.wait_until(
            lambda: bot.query("SELECT state FROM outbox") == [("sent",)], timeout=10, what="the row sent"
        )
        time.sleep(2 * TICK)  # two more looks: nothing goes again
        assert len(api.chat(provider).messages()) == 1
        bot.stop()

        bot.start()  # the same settings again: nothing is re-planned, nothing sent again
        _wait_log(bot, "inspectbot is running", times=4)
        assert bot.log_text().count("reminders: re-planned") == 1
        time.sleep(2 * TICK)
        assert len(api.chat(provider).messages()) == 1
    finally:
        if bot.proc is not None:
            bot.stop()
    bot.assert_healthy()
