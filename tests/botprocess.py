"""Runs `inspectbot run` as a separate process against the fake Bot API, as an operator would start it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from itertools import count
from pathlib import Path
from types import TracebackType

from bot.localapi import FakeBotApi
from tests.bot_reads import BotReads

#: The console script installed beside the interpreter running the tests.
INSPECTBOT = str(Path(sys.executable).with_name("inspectbot"))
_STARTS = count(1)  # numbers each start in this test process: its client tag is unique


class BotProcess(BotReads):
    """One bot process, restartable on the same database, with its log kept for assertions."""

    def __init__(self, api: FakeBotApi, workdir: Path, admins: tuple[int, ...] = (), **env: str) -> None:
        self.api = api
        self.workdir = workdir
        self.db = workdir / "inspectbot.sqlite3"
        self.log = workdir / "bot.log"
        self.env = {
            **os.environ,
            **api.env(),
            "INSPECTBOT_DB": str(self.db),
            "INSPECTBOT_ADMINS": ",".join(str(a) for a in admins),
            "INSPECTBOT_POLL_TIMEOUT": "1",
            "PYTHONUNBUFFERED": "1",
            # Reminders follow the real clock; tests that check them opt in (INSPECTBOT_REMINDERS=on).
            "INSPECTBOT_REMINDERS": "off",
            # A message that waits for another (bot.outbox LOOK_AGAIN, 5 s) is looked at again soon.
            "INSPECTBOT_OUTBOX_LOOK_AGAIN": "0.2",
            # Outbox messages to one person a fifth of a second apart, not Telegram's second (the fake
            # enforces no limits unless a test asks it to: those tests set 1).
            "INSPECTBOT_OUTBOX_CHAT_GAP": "0.2",
            # No overall limit of 30 messages a second (AIORateLimiter): a test's chat of many commands
            # would wait on it; the fake enforces Telegram's limits only where a test asks it to.
            "INSPECTBOT_OVERALL_RATE": "0",
            "NO_PROXY": "127.0.0.1,localhost",  # the bot follows a configured proxy, loopback too
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.client: str | None = None  # the running process's tag on its Bot API calls (Call.client)

    @property
    def running(self) -> bool:
        return self.proc is not None

    def start(self, timeout: float = 30) -> BotProcess:
        """Start and wait until the new process polls for updates (or fail with its log if it died).

        Each start gets its own client tag in the API URL, so the wait ends as soon as *this* process's
        first getUpdates is in flight (the fake counts a poll on arrival); a stopped process's late poll,
        or one still running, never counts.
        """
        env = dict(self.env)
        tag = None
        if env.get("TELEGRAM_API_URL") == self.api.api_root:  # not when a test points the bot elsewhere
            tag = f"bot{os.getpid()}-{next(_STARTS)}"
            env["TELEGRAM_API_URL"] = self.api.client_root(tag)
        earlier = {id(call) for call in self.api.calls("getUpdates")}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [INSPECTBOT, "run"], env=env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )
        self.client = tag
        self._wait_first_poll(tag, earlier, timeout, self._exited_why)
        return self

    def _exited_why(self) -> str | None:
        if self.proc is None or self.proc.poll() is None:
            return None
        return f"inspectbot exited with {self.proc.returncode}:\n{self.log_text()}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Stop the process (SIGKILL simulates a crash); returns its exit code."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self.proc = None
        return code

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.stop(sig)
        self.start()

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is not None:
            self.stop()


__all__ = ["INSPECTBOT", "BotProcess", "signal"]
