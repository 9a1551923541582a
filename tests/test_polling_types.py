"""The update types the bot wants go with its first getUpdates and after a failed one, not with every poll
(Telegram keeps them: `bot.polling.InboxPoller.run`), and updates keep arriving either way."""

from __future__ import annotations

from pathlib import Path

from bot.localapi import FakeBotApi
from bot.localapi.model import Call
from tests.e2e_helpers import MANAGER
from tests.inprocess import InProcessBot


def _polls(api: FakeBotApi) -> list[Call]:
    return api.calls("getUpdates")


def _types(call: Call) -> object:
    return call.params.get("allowed_updates")


def test_the_wanted_types_are_told_once_and_again_after_a_failed_poll(
    api: FakeBotApi, tmp_path: Path
) -> None:
    bot = InProcessBot(api, tmp_path, admins=(MANAGER,)).start()
    try:
        api.wait_until(lambda: len(_polls(api)) >= 3, timeout=20, what="three polls")
        first, *later = _polls(api)
        assert first.ok and "message" in str(_types(first)) and "callback_query" in str(_types(first))
        assert [_types(call) for call in later] == [None] * len(later)

        failed_at = len(_polls(api))
        api.fault("error", methods=["getUpdates"], count=1, status=502)

        def retried() -> Call | None:
            """The first poll answered after the one that failed (a poll in flight may end first)."""
            since = _polls(api)[failed_at:]
            failed = next((i for i, call in enumerate(since) if not call.ok), None)
            return None if failed is None else next((c for c in since[failed + 1 :] if c.ok), None)

        api.wait_until(lambda: retried() is not None, timeout=20, what="a poll answered after the failed one")
        again = retried()
        assert again is not None and _types(again) == _types(first)

        api.user(MANAGER).send("/help")
        api.user(MANAGER).wait_for(lambda m: "/cases" in m.text, timeout=20)
    finally:
        bot.stop()
    bot.assert_healthy()
