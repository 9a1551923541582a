"""The bot as a process sending a burst of reminders: killed with SIGKILL in the middle and restarted, every
reminder arrives, and only the few in flight at the kill can arrive twice. The bot reads its time from a
test clock file (INSPECTBOT_TESTING=1), set to a working morning when the burst is due."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import date
from pathlib import Path

from bot.localapi import FakeBotApi
from bot.outbox import IN_FLIGHT
from tests.botprocess import BotProcess
from tests.e2e_helpers import MANAGER, on_test_clock, typed
from tests.inprocess import InProcessBot
from tests.outbox_world import NOW, write_burst

#: Five seconds of sending at Telegram's 30 a second (the pacer's 29): enough to kill in the middle of;
#: `python -m bench reminders` sends thousands.
PEOPLE = 150


def reminder_bot(api: FakeBotApi, tmp_path: Path) -> BotProcess:
    return BotProcess(  # Telegram's pacing (a chat gap of 1 s): the fake enforces its limits here
        api, tmp_path, **on_test_clock(tmp_path, NOW, INSPECTBOT_OUTBOX_CHAT_GAP="1")
    )


def test_a_burst_killed_midway_arrives_whole_with_at_most_the_in_flight_ones_twice(
    api: FakeBotApi, tmp_path: Path
) -> None:
    bot = reminder_bot(api, tmp_path)
    bot.start()  # creates and migrates the database
    bot.stop()
    people = write_burst(bot.db, PEOPLE)
    for tid in people:
        api.user(tid, f"P{tid}", started=True)
    try:
        api.enforce_limits()  # Telegram's 30 a second and 1 a second per chat (429s: bench reminders)
        bot.start()
        third = PEOPLE // 3
        api.wait_until(lambda: len(api.calls("sendMessage")) >= third, timeout=30, what="a third sent")
        bot.stop(signal.SIGKILL)
        at_kill = len([c for c in api.calls("sendMessage") if c.status == 200])
        assert at_kill < PEOPLE  # killed in the middle
        bot.start()

        def received() -> Counter[int]:
            return Counter(int(c.params["chat_id"]) for c in api.calls("sendMessage") if c.status == 200)

        api.wait_until(lambda: set(received()) >= set(people), timeout=40, what="every reminder")
        counts = received()
        twice = [tid for tid, n in counts.items() if n > 1]
        assert all(counts[tid] <= 2 for tid in people)
        assert len(twice) <= IN_FLIGHT, twice
        sent = "SELECT COUNT(*) FROM outbox WHERE state = 'sent'"
        api.wait_until(lambda: bot.query(sent) == [(PEOPLE,)], timeout=10, what="every row marked sent")
        text = api.chat(people[-1]).wait_for(f"Reminder for #{PEOPLE} ").text
        assert text.startswith(f"Reminder for #{PEOPLE} Home {people[-1]}")
        assert "Provider's comments on the draft report (due soon): Tuesday 14 April 2026" in text
    finally:
        if bot.proc is not None:
            bot.stop()
    # A row in flight at the kill goes again at once after the restart; when that is within a second of
    # its first send, Telegram's per-chat limit answers 429 and the sender waits as told. Those answers
    # are expected here (and counted in `bench reminders`); anything else Telegram would refuse is not.
    others = [str(c) for c in api.errors() if c.method != "getUpdates" and c.status != 429]
    assert not others, others
    assert "Traceback" not in bot.log_text() and "update failed" not in bot.log_text()
    api.assert_no_internal_errors()


def test_a_managers_morning_is_one_message_with_buttons_to_the_overdue_lists(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """A case opened by a manager in January, nothing recorded: on the working morning of the test clock
    the manager gets one digest of what is overdue (no manager member on the case: every manager's), and
    its button sends `/cases overdue`'s first page as a new message, leaving the digest as it was."""
    # Wednesday 11 March 2026, 10am: a working morning; restarted, never killed: in this process
    bot = InProcessBot(api, tmp_path, admins=(MANAGER,), **on_test_clock(tmp_path, NOW))
    manager = api.user(MANAGER, "Mia", started=True)
    try:
        bot.start()
        created = manager.ask(
            f'/newcase ch-full "Oak House" {typed(date(2026, 1, 12))}',
            lambda m: "Set it up" in str(m.buttons) or "is set up" in m.text,
        )
        if "is set up" not in created.text:
            manager.press_and_wait("Set it up", lambda m: "is set up" in m.text)
        bot.stop()  # today's digests were planned at the first pass, before the case: tomorrow's would
        bot.start()  # come; a restart plans today's again
        digest = api.chat(MANAGER).wait_for(lambda m: "Good morning:" in m.text, timeout=20)
        assert "overdue on 1 case of yours" in digest.text and "#1 Oak House" in digest.text
        assert "no inspector:" in digest.text and "Children's home" in digest.text
        listed = manager.press_and_wait(
            "Cases with something overdue",
            lambda m: "Open cases with something overdue (1)" in m.text,
            message=digest,
        )
        assert listed.message_id != digest.message_id
        assert api.chat(MANAGER).message(digest.message_id).text == digest.text  # the digest stays
        digests = "SELECT COUNT(*) FROM outbox WHERE kind = 'digest'"
        assert bot.query(digests) == [(1,)]  # one row for the manager this morning, not one per milestone
    finally:
        if bot.running:
            bot.stop()
    bot.assert_healthy()
