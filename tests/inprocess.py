"""Runs the real bot inside the test process: `bot.app.serve`, the code path `inspectbot run` takes (open
and migrate the database, build the Application, the update processor, the outbox sender, polling the fake
Bot API), on an event loop of its own in a background thread. A start costs a database open and a getMe,
not a Python process and its imports; tests that need the process itself (a SIGKILL, the lock, the CLI,
the log's format, a webhook) use `tests.botprocess.BotProcess`, which this mirrors.

The settings are an object built here (`load_settings` from the same names as the process's environment),
not `os.environ`; the test clock is the same file a process reads. The reminder settings live on the bot's
own `Database` (`db.reminding`), so a start changes nothing in this process but the logging, which each
stop puts back. One in-process bot runs at a time: two would share the root logger.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import traceback
from itertools import count
from pathlib import Path
from types import TracebackType

from bot import logs
from bot.app import StartupError, serve
from bot.localapi import FakeBotApi
from bot.settings import Settings, load_settings
from tests.bot_reads import BotReads

_STARTS = count(1)  # numbers each start in this test process: its client tag is unique
#: Loggers of the test side (the fake Telegram and its server) kept out of the bot's log.
_NOT_THE_BOT = ("bot.localapi", "tests", "tornado")


class _BotRecords(logging.Filter):
    """Only the bot's records go to its log: the fake Bot API logs in the same process."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.name == name or record.name.startswith(f"{name}.") for name in _NOT_THE_BOT)


class InProcessBot(BotReads):
    """One in-process bot, restartable on the same database, with its log kept for assertions: the same
    surface as `BotProcess` (start, stop, restart, log_text, query, snapshot, assert_healthy)."""

    #: The in-process bot running now, if any: two at once would share the root logger, so a second
    #: start fails plainly instead.
    _current: InProcessBot | None = None

    def __init__(self, api: FakeBotApi, workdir: Path, admins: tuple[int, ...] = (), **env: str) -> None:
        self.api = api
        self.workdir = workdir
        self.db = workdir / "inspectbot.sqlite3"
        self.log = workdir / "bot.log"
        #: The settings by the names `inspectbot run` reads from its environment (as `BotProcess.env`).
        self.env: dict[str, str] = {
            **api.env(),
            "INSPECTBOT_DB": str(self.db),
            "INSPECTBOT_ADMINS": ",".join(str(a) for a in admins),
            "INSPECTBOT_POLL_TIMEOUT": "1",
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
            **env,
        }
        self.client: str | None = None  # the running bot's tag on its Bot API calls (Call.client)
        self.settings: Settings | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._handler: logging.Handler | None = None
        self._restore: list[tuple[logging.Logger, int]] = []

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, timeout: float = 30) -> InProcessBot:
        """Start and wait until this start's first getUpdates is in flight (or fail with its log if it
        stopped): each start has its own client tag, as `BotProcess.start` explains."""
        assert self._thread is None, "already running"
        other = InProcessBot._current
        assert other is None, f"another in-process bot is running (in {other.workdir}): use BotProcess"
        env = dict(self.env)
        tag = None
        if env.get("TELEGRAM_API_URL") == self.api.api_root:  # not when a test points the bot elsewhere
            tag = f"inproc-{next(_STARTS)}"
            env["TELEGRAM_API_URL"] = self.api.client_root(tag)
        self.settings = load_settings(_env_file=None, **env)
        earlier = {id(call) for call in self.api.calls("getUpdates")}
        InProcessBot._current = self
        self._log_to_file(self.settings)
        self._failure = None
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._main, args=(self.settings, ready), name="inspectbot", daemon=True
        )
        self._thread.start()
        ready.wait(timeout)
        self.client = tag
        self._wait_first_poll(tag, earlier, timeout, self._stopped_why, gave_up=self.stop)
        return self

    def _stopped_why(self) -> str | None:
        if self._thread is None or self._thread.is_alive():
            return None
        code = self._finish()
        return f"inspectbot stopped with {code}:\n{self.log_text()}"

    def _main(self, settings: Settings, ready: threading.Event) -> None:
        """The bot's thread: `serve` on a new event loop until `stop` is set."""

        async def run() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            ready.set()
            await serve(settings, stop=self._stop)

        try:
            asyncio.run(run())
        except BaseException as exc:  # kept for stop(), which reports it as the process's exit would
            self._failure = exc
        finally:
            ready.set()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """A clean stop (what SIGTERM does to a process); returns the exit code `inspectbot run` would
        have had. A crash (SIGKILL) needs a real process: `BotProcess`."""
        assert sig in (signal.SIGTERM, signal.SIGINT), "only a process can be killed: use BotProcess"
        assert self._thread is not None, "not running"
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the bot did not stop within {timeout} s:\n{self.log_text()}"
        return self._finish()

    def _finish(self) -> int:
        """After the thread ended: settle its outcome into the log and an exit code, and undo what the
        start changed in this process (its logging)."""
        self._thread = self._loop = self._stop = None
        failure, self._failure = self._failure, None
        code = 0
        if failure is not None:  # as `inspectbot run` prints it: one line, or the traceback
            line = f"inspectbot: {failure}\n" if isinstance(failure, StartupError) else None
            with self.log.open("a", encoding="utf-8") as log:
                log.write(line or "".join(traceback.format_exception(failure)))
            code = 1
        self._unlog()
        InProcessBot._current = None
        return code

    @classmethod
    def stop_leftover(cls) -> InProcessBot | None:
        """Stop the in-process bot a test left running (one whose setup failed before its own stop), so
        the next test starts clean; returns it."""
        left = cls._current
        if left is not None and left.running:
            left.stop()
        cls._current = None
        return left

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.stop(sig)
        self.start()

    def _log_to_file(self, settings: Settings) -> None:
        """What `bot.logs.configure` does for a process, into `self.log` and without removing the test
        runner's own handlers; undone by `_unlog`."""
        secrets = [settings.telegram_bot_token.get_secret_value()]
        handler = logging.FileHandler(self.log, encoding="utf-8")
        json = settings.log_format == "json"
        handler.setFormatter(logs.JsonFormatter(secrets) if json else logs.KeyValueFormatter(secrets))
        handler.addFilter(logs.UpdateIdField())
        handler.addFilter(_BotRecords())
        handler.setLevel(settings.log_level)
        root = logging.getLogger()
        root.addHandler(handler)
        self._handler = handler
        level = logging.getLevelName(settings.log_level)
        self._restore = [(root, root.level)]
        root.setLevel(level)
        for library, floor in logs._LIBRARY_FLOORS.items():
            logger = logging.getLogger(library)
            self._restore.append((logger, logger.level))
            logger.setLevel(floor if level <= logging.DEBUG else max(floor, logging.WARNING, level))
        limiter = logging.getLogger("telegram.ext.AIORateLimiter")
        if not any(isinstance(f, logs.RateLimitHitIsAWarning) for f in limiter.filters):
            limiter.addFilter(logs.RateLimitHitIsAWarning())

    def _unlog(self) -> None:
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler.close()
            self._handler = None
        for logger, level in reversed(self._restore):
            logger.setLevel(level)
        self._restore = []

    def __enter__(self) -> InProcessBot:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._thread is not None:
            self.stop()


__all__ = ["InProcessBot"]
