"""Fixtures shared across test files: a real SQLite database with a settable clock; the fake Bot API
with the bot running against it in this process, or as its own process where that is under test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from store.database import Database
from tests.botprocess import BotProcess
from tests.e2e_helpers import MANAGER
from tests.inprocess import InProcessBot
from tests.storefixtures import Clock


@pytest.fixture(autouse=True)
def _no_bot_left_running() -> Iterator[None]:
    """An in-process bot a failed setup left running is stopped after its test, not in the next one."""
    yield
    InProcessBot.stop_leftover()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def db(tmp_path: Path, clock: Clock) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "store.sqlite3", clock=clock)
    yield database
    await database.close()


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """The fake Telegram; leaving the block fails the test if the fake itself crashed. Every wait on it
    must name the message it means (`require_match`): an outbox notice or a reminder can come first."""
    with FakeBotApi(require_match=True) as server:
        yield server


@pytest.fixture
def bot(api: FakeBotApi, tmp_path: Path) -> Iterator[InProcessBot]:
    """The bot in this process (`tests.inprocess`: what `inspectbot run` runs) with MANAGER as its first
    manager; afterwards, no handler may have failed."""
    running = InProcessBot(api, tmp_path, admins=(MANAGER,)).start()
    yield running
    if running.running:
        running.stop()
    running.assert_healthy()


@pytest.fixture
def bot_process(api: FakeBotApi, tmp_path: Path) -> Iterator[BotProcess]:
    """`inspectbot run` as its own process, for tests of the process itself (a crash, its log's format);
    afterwards, no handler may have failed."""
    process = BotProcess(api, tmp_path, admins=(MANAGER,)).start()
    yield process
    if process.proc is not None:
        process.stop()
    process.assert_healthy()
