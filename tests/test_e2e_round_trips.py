"""End to end: a plain question costs at most 3 round trips to SQLite's threads (issue 23).

Each aiosqlite call is a hand-off to its connection's thread and back (15-20 µs of CPU against 1-3 µs for
the query in plain sqlite3, and a thread switch): counted here by wrapping `aiosqlite.Connection._execute`,
which every call on a connection and its cursors goes through. Only the hand-offs of the update's own path
count: the poller storing it (task "inbox-polling") and PTB's task handling it (where the done mark is
written too); the bot's timed jobs (the outbox sender, housekeeping) run in tasks of their own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiosqlite
import pytest

from bot.localapi import FakeBotApi, FakeUser
from tests.e2e_helpers import CALENDAR, MANAGER, expected, today, typed
from tests.inprocess import InProcessBot
from workflows.dates import format_date

#: The most hand-offs one plain question may cost, the inbox write and the done mark included.
MOST = 3

_UPDATE_TASKS = ("inbox-polling", ":process_concurrent_update")


class Trips:
    """The hand-offs made by the tasks that store and handle updates, with what each ran (for a failure's
    message)."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self._lock = threading.Lock()

    def note(self, what: str) -> None:
        try:
            task = asyncio.current_task()
        except RuntimeError:
            return
        name = task.get_name() if task is not None else ""
        if any(part in name for part in _UPDATE_TASKS):
            with self._lock:
                self.made.append(f"{name.rsplit(':', 1)[-1]}: {what}")

    def take(self) -> list[str]:
        with self._lock:
            made, self.made = self.made, []
        return made


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[Trips]:
    counter = Trips()
    handing_off: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counter.note(str(args[0])[:70] if args and isinstance(args[0], str) else getattr(fn, "__name__", "?"))
        return await handing_off(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield counter


def _ask_counted(
    bot: InProcessBot, user: FakeUser, trips: Trips, text: str, match: str
) -> tuple[str, list[str]]:
    """Ask, wait for the answer meant and for the update's done mark; the hand-offs it cost."""
    _all_done(bot)
    trips.take()
    answer = user.ask(text, match)
    _all_done(bot)
    return answer.text, trips.take()


def _all_done(bot: InProcessBot) -> None:
    """Every stored update is marked handled, and a moment more has passed (nothing more comes of it)."""
    deadline = time.monotonic() + 10
    while bot.query("SELECT 1 FROM inbox WHERE done_at IS NULL"):
        assert time.monotonic() < deadline, "an update was never marked done"
        time.sleep(0.01)
    time.sleep(0.05)


def test_a_plain_question_costs_at_most_three_round_trips(
    api: FakeBotApi, bot: InProcessBot, trips: Trips
) -> None:
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), 3)
    manager.ask(f'/newcase ch-full "Oak House" {typed(start)}', "is set up")
    manager.ask(f'/newcase asa-full "Birch Adoption Support" {typed(start)}', "is set up")
    draft = format_date(expected("asa-full", start)["draft_report"].due)

    by_number, made = _ask_counted(bot, manager, trips, "when is the draft due for #2?", "Draft report")
    assert draft in by_number
    assert 0 < len(made) <= MOST, made

    by_name, made = _ask_counted(bot, manager, trips, "when is the draft due for birch?", "Draft report")
    assert draft in by_name
    assert 0 < len(made) <= MOST, made

    oak = format_date(expected("ch-full", start)["draft_report"].due)
    by_full_name, made = _ask_counted(
        bot, manager, trips, "when is the draft due for oak house?", "Draft report"
    )
    assert oak in by_full_name
    assert 0 < len(made) <= MOST, made
