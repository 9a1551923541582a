"""Which update a write belongs to, so handling an update a second time does not change anything twice.

The bot's update processor opens an `UpdateScope` around each update it handles (a context variable, so
concurrent updates each see their own). Every write transaction opened inside it is numbered; the first
time, `Database.transaction()` records `(update_id, step)` in `update_changes` in the same transaction as
the change. When the update is handled again (the process died after the change but before the update was
marked done), the same step finds its row: the transaction body runs again, so the caller gets what the
store now holds, but it is rolled back instead of committed. A repository whose answer is not simply "what
is there now" (a new case's number) remembers it with `remember()` and reads it back with `replayed()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class UpdateScope:
    """The update being handled and how many write transactions it has opened so far."""

    update_id: int
    steps: int = 0


@dataclass
class Step:
    """One write transaction of an update: whether it happened before, and what it remembered."""

    update_id: int
    number: int
    replay: bool = False
    prior: str | None = None
    result: str | None = field(default=None)


_scope: ContextVar[UpdateScope | None] = ContextVar("inspectbot_update_scope", default=None)
_step: ContextVar[Step | None] = ContextVar("inspectbot_update_step", default=None)


@contextmanager
def handling(update_id: int) -> Iterator[UpdateScope]:
    """Writes made inside this block (and tasks it starts) belong to `update_id`."""
    token = _scope.set(UpdateScope(update_id))
    try:
        yield _scope.get()  # type: ignore[misc]
    finally:
        _scope.reset(token)


def current_update_id() -> int | None:
    """The update being handled, if any: for the logs' `update_id` field, and for a read that must not
    count this update's own earlier change (a replayed /newcase is not its own duplicate)."""
    scope = _scope.get()
    return None if scope is None else scope.update_id


def changed_something() -> bool:
    """Whether the update being handled has opened a counted write transaction (made a change)."""
    scope = _scope.get()
    return scope is not None and scope.steps > 0


def next_step() -> Step | None:
    """Number the next write transaction of the current update; None outside any update."""
    scope = _scope.get()
    if scope is None:
        return None
    scope.steps += 1
    return Step(scope.update_id, scope.steps)


@contextmanager
def in_step(step: Step | None) -> Iterator[None]:
    token = _step.set(step)
    try:
        yield
    finally:
        _step.reset(token)


def replayed() -> str | None:
    """What this transaction remembered the first time its update was handled (None if it is the first)."""
    step = _step.get()
    return step.prior if step is not None and step.replay else None


def remember(result: str) -> None:
    """Keep `result` with this transaction's change record, for `replayed()` when the update comes again."""
    step = _step.get()
    if step is not None:
        step.result = result
