"""The bot's one clock: the real time, or (for tests only) the time written in a file.

Every "now" in the bot comes from here: the store's, the handlers' and the outbox sender's. A test that
must show what happens at 08:59 and at 09:00 writes those moments to the file instead of waiting for them;
the file is read only when the settings explicitly allow a test clock (INSPECTBOT_TESTING=1).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from store.codec import utc_now


class FileClock:
    """The ISO-8601 moment (with its offset) written in `path`, running on from when it was read: a test
    sets the time by writing the file, and a wait the bot asks for (RetryAfter, a backoff) still passes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: tuple[int, int] | None = None
        self._now = self._read()
        self._read_at = time.monotonic()

    def _read(self) -> datetime:
        moment = datetime.fromisoformat(self._path.read_text(encoding="utf-8").strip())
        if moment.tzinfo is None:
            raise ValueError(f"the test clock in {self._path} needs an offset, e.g. +00:00")
        return moment

    def __call__(self) -> datetime:
        stat = os.stat(self._path)
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen != self._seen:
            self._seen = seen
            self._now = self._read()
            self._read_at = time.monotonic()
        return self._now + timedelta(seconds=time.monotonic() - self._read_at)


def make_clock(test_clock_file: Path | None) -> Callable[[], datetime]:
    """The real clock, or the file's when the settings enable a test clock."""
    return utc_now if test_clock_file is None else FileClock(test_clock_file)


def scheduler_time(after_seconds: float = 0.0) -> datetime:
    """Real time for the job scheduler's wake-ups only (APScheduler counts in real time); what is due is
    always decided by the bot's clock above."""
    return datetime.fromtimestamp(time.time() + after_seconds, UTC)
