"""The in-process bot (tests/inprocess.py) leaves nothing behind in the test process: the logging it set for
its run is put back on stop (its reminder settings live on its own database: nothing to put back), and a
second bot while one runs is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from tests.e2e_helpers import MANAGER
from tests.inprocess import InProcessBot


def test_a_stopped_bot_leaves_the_logging_as_it_was(api: FakeBotApi, tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    bot = InProcessBot(api, tmp_path, admins=(MANAGER,), INSPECTBOT_REMIND_AT="11:30").start()
    try:
        assert len(root.handlers) == len(handlers) + 1
        help_text = api.user(MANAGER, "Mia").ask("/help", "Here is what you can do").text
        assert "Here is what you can do" in help_text
    finally:
        assert bot.stop() == 0
    assert root.handlers == handlers and root.level == level
    assert "inspectbot is running" in bot.log_text()
    bot.assert_healthy()


def test_a_second_in_process_bot_is_refused_while_one_runs(api: FakeBotApi, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        InProcessBot(api, tmp_path / "a"),
        pytest.raises(AssertionError, match="another in-process bot is running"),
    ):
        InProcessBot(api, tmp_path / "b").start()
    assert InProcessBot.stop_leftover() is None  # the first stopped cleanly on leaving the block
