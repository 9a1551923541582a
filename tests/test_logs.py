"""Structured logs: one line per event, key=value or JSON, a level setting, nothing people wrote."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from bot.logs import JsonFormatter, KeyValueFormatter
from tests.botprocess import BotProcess
from tests.e2e_helpers import MANAGER, today, typed

KV_LINE = re.compile(
    r'^time=\S+Z level=(debug|info|warning|error|critical) logger=\S+ msg=("([^"\\]|\\.)*"|\S+)'
)


@pytest.fixture
def bot(bot_process: BotProcess) -> BotProcess:
    """The log's format is set up by the process:
    `inspectbot run` as its own process (conftest's `bot` runs in this one)."""
    return bot_process


def _record(**extra: object) -> logging.LogRecord:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("bot.app", logging.ERROR, __file__, 1, "update %d failed", (7,), exc_info)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_key_value_is_one_line_with_extras_and_the_traceback_folded() -> None:
    line = KeyValueFormatter(secrets=["123:SECRET"]).format(
        _record(update_id=7, url="http://x/bot123:SECRET/")
    )
    assert "\n" not in line
    assert KV_LINE.match(line), line
    assert (
        ' msg="update 7 failed" update_id=7 url=http://x/bot<token>/ exc_type=ValueError exc="Traceback'
        in line
    )
    assert "boom\\nsecond line" in line and "123:SECRET" not in line


def test_json_is_one_object_per_line() -> None:
    line = JsonFormatter(secrets=["123:SECRET"]).format(_record(update_id=7))
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "error" and data["logger"] == "bot.app" and data["msg"] == "update 7 failed"
    assert data["update_id"] == 7 and data["exc_type"] == "ValueError" and "boom" in data["exc"]


def _converse(api: FakeBotApi) -> None:
    manager = api.user(MANAGER, "Mia")
    manager.ask("/start", "Here is what you can do")
    reply = manager.ask(f'/newcase ch-full "Zebra Crossing Home" {typed(today())}', "Zebra Crossing Home")
    assert "Zebra Crossing Home" in reply.text


def test_the_bot_logs_key_value_lines_by_default(api: FakeBotApi, bot: BotProcess) -> None:
    _converse(api)
    bot.stop()
    lines = [line for line in bot.log_text().splitlines() if line.strip()]
    [started] = [line for line in lines if "inspectbot is running as @" in line]
    frozen = re.search(r"\bfrozen_objects=(\d+)", started)
    assert frozen and int(frozen.group(1)) > 10_000  # `inspectbot run` froze what its start left
    assert all(KV_LINE.match(line) for line in lines), lines


def test_json_at_debug_level_keeps_out_tokens_and_what_people_wrote(api: FakeBotApi, tmp_path: Path) -> None:
    bot = BotProcess(
        api, tmp_path, admins=(MANAGER,), INSPECTBOT_LOG_LEVEL="debug", INSPECTBOT_LOG_FORMAT="json"
    )
    with bot:
        _converse(api)
    lines = [line for line in bot.log_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "msg"} <= set(records[0])
    assert any(r["level"] == "debug" for r in records)  # the level setting took effect
    text = bot.log_text()
    assert api.token not in text
    assert "Zebra" not in text and "Mia" not in text
