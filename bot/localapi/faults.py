"""Faults the fake Bot API can be told to show (5xx answers, dropped connections, hangs) and the
sending limits it can enforce (429 with retry_after, as Telegram does).

An "error" fault with status 429 and `retry_after` is Telegram's flood control: the method is not
carried out and the answer carries `parameters.retry_after`, as a real 429 does.

Each fault applies to some methods (or all but getUpdates, or all), for a number of requests and/or a
number of seconds, then the server recovers by itself. A dropped connection either never reaches the
method (`after=False`: nothing happened) or is dropped after the method did its work (`after=True`: the
bot can't know whether it happened, as with a real network failure on the way back).
"""

from __future__ import annotations

import collections
import math
import threading
import time
from dataclasses import dataclass
from typing import Literal

from .errors import ApiError

__all__ = ["INJECTED", "Fault", "FaultKind", "Misbehaviour", "make_fault"]

FaultKind = Literal["error", "drop", "hang"]

#: Marks an answer the test asked for, so checks can tell it from a bot mistake.
INJECTED = "injected fault"


@dataclass
class Fault:
    kind: FaultKind
    methods: frozenset[str] | None  # lower-cased method names; None: every method
    remaining: int | None  # requests still to fault; None: until `until`
    until: float | None  # time.monotonic() deadline; None: until `remaining` runs out
    status: int = 500
    seconds: float = 0.0  # how long a hang lasts before the request is served after all
    after: bool = False  # drop after doing the work (the fate is unknown to the bot)
    retry_after: int | None = None  # with status 429: the seconds Telegram asks the bot to wait

    def applies(self, method: str, now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.methods is None or method.lower() in self.methods


def make_fault(
    kind: FaultKind,
    *,
    methods: list[str] | None = None,
    count: int | None = None,
    seconds: float | None = None,
    status: int = 500,
    hang: float = 0.0,
    after: bool = False,
    retry_after: int | None = None,
) -> Fault:
    if count is None and seconds is None:
        raise ValueError("a fault needs a count or a duration, so the server recovers")
    return Fault(
        kind=kind,
        methods=None if methods is None else frozenset(m.lower() for m in methods),
        remaining=count,
        until=None if seconds is None else time.monotonic() + seconds,
        status=status,
        seconds=hang,
        after=after,
        retry_after=retry_after,
    )


class Misbehaviour:
    """The faults a test asked for and Telegram's sending limits: what the fake refuses, and when.

    It shares the fake's lock (``Telegram.cond``), so a fault or a limit set by a test applies from the
    next request on.
    """

    def __init__(self, lock: threading.Condition) -> None:
        self._lock = lock
        self._faults: list[Fault] = []
        # Telegram's sending limits, off unless a test asks (enforce_limits).
        self._limit_overall: int | None = None
        self._limit_per_chat: float | None = None
        self._sent_times: collections.deque[float] = collections.deque()
        self._chat_sent: dict[int, float] = {}
        self.too_many: int = 0  # 429 answers given

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str) -> Fault | None:
        """The fault that applies to this request, if any, counted as used."""
        with self._lock:
            now = time.monotonic()
            for fault in self._faults:
                if fault.applies(method, now):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
            return None

    def flood(self, fault: Fault) -> ApiError:
        """The 429 answer of an injected flood-control fault, counted in ``too_many``."""
        with self._lock:
            self.too_many += 1
        return ApiError(
            fault.status,
            f"Too Many Requests: retry after {fault.retry_after} ({INJECTED})",
            {"retry_after": fault.retry_after},
        )

    def enforce_limits(self, overall: int | None, per_chat: float | None) -> None:
        with self._lock:
            self._limit_overall = overall
            self._limit_per_chat = per_chat or None
            self._sent_times.clear()
            self._chat_sent.clear()

    def check_limits(self, chat_id: int) -> None:
        """Called with the lock held before a message is sent; counts it if it may go."""
        if self._limit_overall is None and self._limit_per_chat is None:
            return
        now = time.monotonic()
        while self._sent_times and self._sent_times[0] <= now - 1.0:
            self._sent_times.popleft()
        wait = 0.0
        if self._limit_overall is not None and len(self._sent_times) >= self._limit_overall:
            wait = (self._sent_times[0] + 1.0 - now) if self._sent_times else 1.0
        last = self._chat_sent.get(chat_id)
        if self._limit_per_chat is not None and last is not None and now - last < self._limit_per_chat:
            wait = max(wait, last + self._limit_per_chat - now)
        if wait > 0:
            self.too_many += 1
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        self._sent_times.append(now)
        self._chat_sent[chat_id] = now
