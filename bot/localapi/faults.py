"""Faults the fake Bot API can be told to show: 5xx answers, dropped connections, hangs.

An "error" fault with status 429 and `retry_after` is Telegram's flood control: the method is not
carried out and the answer carries `parameters.retry_after`, as a real 429 does.

Each fault applies to some methods (or all but getUpdates, or all), for a number of requests and/or a
number of seconds, then the server recovers by itself. A dropped connection either never reaches the
method (`after=False`: nothing happened) or is dropped after the method did its work (`after=True`: the
bot can't know whether it happened, as with a real network failure on the way back).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

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
