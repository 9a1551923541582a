"""End to end: the step-by-step conversations, a restart in the middle of one, and /record's buttons."""

from __future__ import annotations

import signal
import time

import pytest

from bot.localapi import FakeBotApi
from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, MANAGER, expected, today, typed
from tests.inprocess import InProcessBot
from workflows.dates import format_date
from workflows.deadlines import CaseDates, on_site_days
from workflows.kinds import get_kind

_KIND = "What kind of inspection"
_NAME = "What is the setting called"


def _wait_state_saved(bot: BotProcess | InProcessBot, state: int, timeout: float = 10) -> None:
    """Before a hard kill: wait until the conversation step is on disk (it is written after each update)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        rows = bot.query("SELECT value FROM kv_state WHERE namespace = 'conversation:newcase'")
        if rows and int(str(rows[0][0])) == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"the newcase step {state} was never saved")


def test_newcase_step_by_step_with_buttons(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), 5)
    asked = manager.ask("/newcase", "What kind of inspection")
    assert "What kind of inspection" in asked.text
    assert ["Children's home: full inspection"] in asked.buttons
    edited = manager.press_and_wait("Children's home: full inspection", "never a child's name")
    assert edited.message_id == asked.message_id  # the flow edits its message in place
    assert "never a child's name" in edited.text
    assert "first on-site day" in manager.ask("Oak House", "first on-site day").text
    last = manager.ask(typed(start), "last on-site day")
    usual = CALENDAR.add_working_days(start, 1)
    assert last.buttons == [[f"Usual: {format_date(usual)}"]]
    confirm = manager.press_and_wait(f"Usual: {format_date(usual)}", "Set up this case?")
    assert "Oak House" in confirm.text
    done = manager.press_and_wait("Set it up", "is set up")
    assert "#1" in done.text
    assert format_date(expected("ch-full", start)["draft_report"].due) in done.text
    assert bot.query("SELECT ref, kind FROM cases") == [(1, "ch-full")]


@pytest.mark.parametrize(
    ("sig", "runner"), [(signal.SIGTERM, "bot"), (signal.SIGKILL, "bot_process")], ids=["stop", "crash"]
)
def test_restart_in_the_middle_of_newcase_carries_on(
    api: FakeBotApi, request: pytest.FixtureRequest, sig: int, runner: str
) -> None:
    """A clean stop (of the bot in this process, what SIGTERM does) or a crash of the process (SIGKILL
    needs a real one) between two steps."""
    bot: BotProcess | InProcessBot = request.getfixturevalue(runner)
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), 5)
    manager.ask("/newcase", _KIND)
    manager.press_and_wait("Local authority children's services: single inspection (SIF)", _NAME)
    _wait_state_saved(bot, 1)  # SETTING
    bot.restart(sig)
    assert (
        "What is the start of fieldwork?"
        in manager.ask("Northshire County Council", "What is the start of fieldwork?").text
    )
    _wait_state_saved(bot, 2)  # FIRST_DAY
    bot.restart(sig)
    last = manager.ask(typed(start), "last on-site day")
    assert "last on-site day" in last.text
    # The usual end is the Thursday of week four, a calendar rule (004 L202, L753, L756).
    assert "the usual Thursday of week four" in last.text
    thursday = on_site_days(get_kind("la-sif"), CaseDates(start=start, end=None), CALENDAR)[1]
    assert last.buttons == [[f"Usual: {format_date(thursday)}"]]
    manager.press_and_wait(last.buttons[0][0], "Set up this case?")
    done = manager.press_and_wait("Set it up", "#1 Northshire County Council")
    assert "#1 Northshire County Council" in done.text
    assert bot.query("SELECT kind FROM cases") == [("la-sif",)]


def test_cancel_ends_a_conversation_and_saves_nothing(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    before = bot.snapshot()
    manager.ask("/newcase", _KIND)
    manager.press_and_wait("Children's home: full inspection", _NAME)
    assert (
        "Please send the setting's name in words"
        in manager.ask("\U0001f642\U0001f389", "Please send the setting's name in words").text
    )
    manager.ask("Oak House", "first on-site day")
    assert (
        "I couldn't read '31/02/2026' as a date"
        in manager.ask("31/02/2026", "I couldn't read '31/02/2026' as a date").text
    )
    assert (
        "I couldn't read 'next tuesday' as a date"
        in manager.ask("next tuesday", "I couldn't read 'next tuesday' as a date").text
    )
    assert "Cancelled. Nothing was saved." in manager.ask("/cancel", "Cancelled. Nothing was saved.").text
    assert "There is nothing to cancel" in manager.ask("/cancel", "There is nothing to cancel").text
    # Typed text is a question again once the conversation is over.
    assert "I didn't catch that" in manager.ask("Oak House", "I didn't catch that").text
    assert bot.snapshot() == before


def test_record_with_buttons_says_what_moved(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), -30)
    manager.ask(f'/newcase ch-full "Oak House" {typed(start)}', "is set up")
    sent = CALENDAR.add_working_days(today(), -1)
    before = expected("ch-full", start)
    after = expected("ch-full", start, draft_report=sent)

    asked = manager.ask("/record", "What happened on")
    assert "What happened on" in asked.text
    label = next(row[0] for row in asked.buttons if row[0].startswith("Draft report"))
    manager.press_and_wait(label, "on what date")
    result = manager.ask(typed(sent), "Recorded for")
    assert f"on {format_date(sent)}" in result.text
    moved = f"{format_date(before['provider_comments'].due)} → {format_date(after['provider_comments'].due)}"
    assert moved in result.text
    assert bot.query("SELECT key, day FROM case_events") == [("draft_report", sent.isoformat())]

    asked = manager.ask("/record", "What happened on")
    manager.press_and_wait("Judgement", "What was the judgement?")
    result = manager.press_and_wait("Inadequate", "Recorded for")
    assert "Case review: now due" in result.text
    assert bot.query("SELECT judgement FROM cases") == [("inadequate",)]
