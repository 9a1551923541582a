"""Logs with fields (issue 21 item 8): the update being handled is each line's `update_id` field, events
and ids are fields of their own in kv and JSON alike, and libraries stay at WARNING unless asked (DEBUG):
no "Adding job tentatively" lines at INFO on every start."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from bot.localapi import FakeBotApi
from bot.logs import JsonFormatter, KeyValueFormatter, UpdateIdField, fields
from store import changes
from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, MANAGER, today, typed


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "bot.guards", logging.WARNING, __file__, 1, "a reply was not delivered", (), None
    )
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_the_update_being_handled_and_the_event_s_ids_are_fields() -> None:
    stamp = UpdateIdField()
    outside = _record(**fields("reply_undelivered", case=12, person=3))
    assert stamp.filter(outside) and not hasattr(outside, "update_id")
    with changes.handling(4711):
        inside = _record(**fields("reply_undelivered", case=12, person=3))
        assert stamp.filter(inside)
    assert json.loads(JsonFormatter().format(inside)) | {"time": None} == {
        "time": None,
        "level": "warning",
        "logger": "bot.guards",
        "msg": "a reply was not delivered",
        "event": "reply_undelivered",
        "case": 12,
        "person": 3,
        "update_id": 4711,
    }
    line = KeyValueFormatter().format(inside)
    assert line.endswith(" event=reply_undelivered case=12 person=3 update_id=4711")


def test_a_running_bot_s_json_lines_carry_update_ids_and_no_library_chatter(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The fault: an injected 429 (the fake Bot API) makes the reply's wait a logged event."""
    bot = BotProcess(api, tmp_path, admins=(MANAGER,), INSPECTBOT_LOG_FORMAT="json").start()
    try:
        api.fault("error", methods=["sendMessage"], status=429, retry_after=1, count=1)
        start = typed(CALENDAR.add_working_days(today(), 3))
        assert (
            "#1" in api.user(MANAGER).ask(f'/newcase ch-full "Oak House" {start}', "set up", timeout=15).text
        )
    finally:
        bot.stop()
    records = [json.loads(line) for line in bot.log_text().splitlines() if line.startswith("{")]
    waits = [r for r in records if r.get("event") == "telegram_429"]
    assert len(waits) == 1 and isinstance(waits[0].get("update_id"), int), waits
    chatter = [
        r for r in records if r["logger"].startswith(("apscheduler", "telegram")) and r["level"] == "info"
    ]
    assert chatter == [], chatter
    assert "Adding job tentatively" not in bot.log_text()
