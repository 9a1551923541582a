"""What a test reads of a bot it started, in a process (tests/botprocess.py) or in this one
(tests/inprocess.py): its log, its database, and whether it stayed healthy."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from bot.localapi import FakeBotApi


class BotReads:
    """Shared by BotProcess and InProcessBot, which set `api`, `db` and `log`."""

    api: FakeBotApi
    db: Path
    log: Path

    def _wait_first_poll(
        self,
        tag: str | None,
        earlier: set[int],
        timeout: float,
        ended: Callable[[], str | None],
        gave_up: Callable[[], object] = lambda: None,
    ) -> None:
        """Until the bot just started polls: its own first getUpdates (by its client `tag`), or any poll
        not in `earlier` when the test pointed it elsewhere. `ended()` says why the bot is gone, if it is
        (the wait then fails with that); `gave_up()` runs before a timeout is raised."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if tag is not None:
                    self.api.wait_until_polling(timeout=0.25, client=tag)
                else:
                    self.api.wait_for_call("getUpdates", lambda call: id(call) not in earlier, timeout=0.25)
                return
            except AssertionError:
                why = ended()
                if why is not None:
                    raise AssertionError(why) from None
                if time.monotonic() > deadline:
                    gave_up()
                    raise

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def query(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        """Read the bot's database directly, to check what a conversation did or did not change."""
        with sqlite3.connect(self.db) as conn:
            return list(conn.execute(sql, args))

    def snapshot(self) -> dict[str, list[tuple[object, ...]]]:
        """Everything a user could change: cases, events, members, people, invitations and the audit."""
        tables = ["cases", "case_events", "case_members", "people", "settings", "invites", "audit"]
        return {table: self.query(f"SELECT * FROM {table} ORDER BY 1") for table in tables}

    def assert_healthy(self) -> None:
        """No handler failed, and the bot never sent anything Telegram would have refused."""
        log = self.log_text()
        assert "Traceback" not in log and "update failed" not in log, log[-4000:]
        self.api.assert_no_internal_errors()
        refused = [str(call) for call in self.api.errors() if call.method != "getUpdates"]
        assert not refused, refused
