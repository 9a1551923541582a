"""How updates are handed to the handlers: people in parallel, each person's updates in order.

python-telegram-bot hands every update to the Application's update processor. This one holds a lock per
chat and per user, so one person's (and one chat's) updates are handled one at a time in the order they
came, while different people are handled at once. Waiting for a lock costs no running place: the bound
on updates being handled at the same moment applies only once an update holds its locks, so a group
flooding the bot waits behind itself and never takes the places a private chat needs.

While an update is handled, `store.changes` knows its id, so the changes it makes are recorded against it
(a replay after a crash changes nothing twice); when it has been handled, `on_done` is told.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot import metrics
from store import changes

#: Updates PTB may hand over before the first is finished (waiting ones are cheap: a task each).
QUEUED = 10_000

LockKey = tuple[str, int]


def lock_keys(update: object) -> list[LockKey]:
    """The chat and the person an update belongs to, in a fixed order (so two locks never deadlock)."""
    if not isinstance(update, Update):
        return []
    keys: list[LockKey] = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return sorted(keys)


class PersonProcessor(BaseUpdateProcessor):
    """Serialises per chat and per user; at most `running` updates are handled at the same moment."""

    def __init__(
        self,
        running: int,
        on_done: Callable[[int], Awaitable[None]] | None = None,
        meters: metrics.Metrics | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates=QUEUED)
        if running < 1:
            raise ValueError("at least one update must be able to run")
        self.running = running
        self.on_done = on_done
        self.meters = meters or metrics.Metrics()  # the application's (bot.app), else its own
        self._places: asyncio.Semaphore | None = None
        self._locks: dict[LockKey, asyncio.Lock] = {}
        self._waiting: Counter[LockKey] = Counter()

    async def initialize(self) -> None:
        self._places = asyncio.Semaphore(self.running)

    async def shutdown(self) -> None:
        """Nothing to free: locks go with their last user."""

    async def _take(self, key: LockKey) -> None:
        """Wait for `key`'s lock (made on first use); `_give` releases it."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._waiting[key] += 1
        try:
            await lock.acquire()
        except BaseException:
            self._forget(key)
            raise

    def _give(self, key: LockKey) -> None:
        self._locks[key].release()
        self._forget(key)

    def _forget(self, key: LockKey) -> None:
        """One user fewer; the lock goes with its last."""
        self._waiting[key] -= 1
        if not self._waiting[key]:
            del self._waiting[key]
            del self._locks[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Holds the update's locks in a fixed order and then a running place. Plain acquire and release
        rather than a context manager a lock (AsyncExitStack): the same order and the same releases on any
        exit, for a few µs less an update (issue 23)."""
        if self._places is None:
            await self.initialize()
        assert self._places is not None
        held: list[LockKey] = []
        try:
            for key in lock_keys(update):
                await self._take(key)
                held.append(key)
            async with self._places:
                if not isinstance(update, Update):
                    await coroutine
                    return
                started = time.perf_counter()
                with changes.handling(update.update_id):
                    await coroutine
                self.meters.handling.observe(time.perf_counter() - started)
                self.meters.updates.inc()
                if self.on_done is not None:
                    await self.on_done(update.update_id)
        finally:
            for key in reversed(held):
                self._give(key)
