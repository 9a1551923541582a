"""Fixtures shared across test files: a real SQLite database with a settable clock; the fake Bot API
with the bot running against it as its own process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from store.database import Database
from tests.botprocess import BotProcess
from tests.e2e_helpers import MANAGER
from tests.storefixtures import Clock


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
def bot(api: FakeBotApi, tmp_path: Path) -> Iterator[BotProcess]:
    """`inspectbot run` with MANAGER as its first manager; afterwards, no handler may have failed."""
    process = BotProcess(api, tmp_path, admins=(MANAGER,)).start()
    yield process
    if process.proc is not None:
        process.stop()
    process.assert_healthy()
