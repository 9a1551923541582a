"""The in-process bot (tests/inprocess.py) leaves nothing behind in the test process: the outbox's settings
and the logging it set for its run are put back on stop, and a second bot while one runs is refused."""

from __future__ import annotations

import logging
from datetime import time
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from store import outbox
from tests.e2e_helpers import MANAGER
from tests.inprocess import InProcessBot


def test_a_stopped_bot_leaves_the_outbox_settings_and_the_logging_as_they_were(
    api: FakeBotApi, tmp_path: Path
) -> None:
    before, root = outbox.CONFIG, logging.getLogger()
    handlers, level = list(root.handlers), root.level
    bot = InProcessBot(api, tmp_path, admins=(MANAGER,), INSPECTBOT_REMIND_AT="11:30").start()
    try:
        assert outbox.CONFIG.hours.remind_at == time(11, 30)  # the bot's own settings while it runs
        assert len(root.handlers) == len(handlers) + 1
        help_text = api.user(MANAGER, "Mia").ask("/help", "Here is what you can do").text
        assert "Here is what you can do" in help_text
    finally:
        assert bot.stop() == 0
    assert outbox.CONFIG is before
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
