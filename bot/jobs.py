"""The JobQueue's jobs that are running now, so a stop lets them finish instead of cutting them off.

APScheduler cancels a coroutine job still running when its scheduler shuts down, and logs that as an
error with a traceback. At a stop the bot first pauses the scheduler, gives running jobs a few seconds,
and only then stops the Application; a job cut off after that is logged as what it is: work left for the
next start (the outbox's leased rows go again on start, housekeeping runs again at start).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

C = TypeVar("C")

#: How long a stop waits for running jobs (the outbox sends at most a few messages in that time).
SETTLE_S = 5.0


class JobsInFlight:
    """Tracks the running job callbacks of one application (kept on its bot_data, never module state)."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[object]] = set()
        self.stopping = False

    def track(
        self, name: str, callback: Callable[[C], Coroutine[Any, Any, None]]
    ) -> Callable[[C], Coroutine[Any, Any, None]]:
        """`callback` as a job whose run a stop waits for."""

        async def tracked(context: C) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await callback(context)
            except asyncio.CancelledError:
                if not self.stopping:
                    raise
                log.info("job %s was cut off by the stop; it runs again after the next start", name)
            finally:
                if task is not None:
                    self._running.discard(task)

        return tracked

    async def settle(self, within_s: float = SETTLE_S) -> int:
        """From now on a cut-off job is expected; wait up to `within_s` for the running ones. Returns how
        many were still running when the wait ended."""
        self.stopping = True
        running = set(self._running)
        if not running:
            return 0
        _, pending = await asyncio.wait(running, timeout=within_s)
        return len(pending)
