"""End to end: a plain question costs at most 3 round trips to SQLite's threads (issue 23).

Each aiosqlite call is a hand-off to its connection's thread and back (15-20 µs of CPU against 1-3 µs for
the query in plain sqlite3, and a thread switch): counted here by wrapping `aiosqlite.Connection._execute`,
which every call on a connection and its cursors goes through, and `store.connection.Connection.write_soon`,
which hands work over without waiting for it (the done mark). Only the hand-offs of the update's own path
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
from store.cases import CaseRepository
from store.connection import Connection
from tests.e2e_helpers import CALENDAR, MANAGER, expected, today, typed
from tests.inprocess import InProcessBot
from workflows.dates import format_date

#: The most hand-offs one plain question may cost, the inbox write and the done mark included.
MOST = 3
#: A question naming its case by number: its case is read with the inbox write (bot.polling).
MOST_BY_NUMBER = 2

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
    handing_over: Callable[..., bool] = Connection.write_soon

    def counted_soon(self: Connection, write: Any, on_failure: Any) -> bool:
        handed = handing_over(self, write, on_failure)
        if handed:  # a hand-off not waited for (the done mark): one way, but a hand-off all the same
            counter.note(getattr(write, "__name__", "?"))
        return handed

    monkeypatch.setattr(Connection, "write_soon", counted_soon)
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
    assert 0 < len(made) <= MOST_BY_NUMBER, made

    missing, made = _ask_counted(bot, manager, trips, "when is the draft due for #99?", "to see yours")
    assert "#99" in missing
    assert 0 < len(made) <= MOST_BY_NUMBER, made

    by_name, made = _ask_counted(bot, manager, trips, "when is the draft due for birch?", "Draft report")
    assert draft in by_name
    assert 0 < len(made) <= MOST, made

    oak = format_date(expected("ch-full", start)["draft_report"].due)
    by_full_name, made = _ask_counted(
        bot, manager, trips, "when is the draft due for oak house?", "Draft report"
    )
    assert oak in by_full_name
    assert 0 < len(made) <= MOST, made


def test_a_case_that_cannot_be_read_ahead_is_read_by_the_question_itself(
    api: FakeBotApi, bot: InProcessBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The poller's read-ahead of "#N" failing leaves the batch stored and the question answered: the
    handler reads the case itself (bot.polling logs the failure, without the text)."""
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), 3)
    manager.ask(f'/newcase asa-full "Birch Adoption Support" {typed(start)}', "is set up")
    draft = format_date(expected("asa-full", start)["draft_report"].due)
    reading: Callable[..., Awaitable[Any]] = CaseRepository.get
    failures: list[int] = []

    async def first_fails(self: CaseRepository, actor: Any, ref: int) -> Any:
        if not failures:
            failures.append(ref)
            raise RuntimeError("read-ahead failed")
        return await reading(self, actor, ref)

    monkeypatch.setattr(CaseRepository, "get", first_fails)
    answer = manager.ask("when is the draft due for #1?", "Draft report")
    assert failures == [1]
    assert draft in answer.text
    _all_done(bot)  # and marked handled
    assert "was not read ahead (RuntimeError)" in bot.log_text()
