"""The outbox sender: one JobQueue job that claims due rows, sends them within Telegram's limits and marks
them sent.

It wakes at least every `tick` seconds, at the next row's `due_at` when that is sooner, and at once when a
handled update wrote rows (`poke`). Rows are claimed a few groups at a time (`IN_FLIGHT`) with
`UPDATE ... RETURNING` under a lease, so the outbox is never loaded into memory and a crash repeats at most
the messages in flight (a group's rows are capped at one message's worth: store.outbox.ROWS_PER_MESSAGE).
Once each working day from the reminding hour it writes the managers' morning digests first. Pacing keeps
under 30 messages a second overall and 1 a second per chat (PTB's AIORateLimiter stays underneath as the
backstop). RetryAfter moves the row's `due_at`; network errors and
5xx retry with backoff; 403 marks the person unreachable and tells their managers once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import warnings
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Job
from telegram.warnings import PTBDeprecationWarning

from bot import metrics
from bot.clock import scheduler_time
from bot.sending import fate_unknown, this_task_does_not_wait_for_flood
from bot.settings import CHAT_GAP_S, LOOK_AGAIN_S
from handlers.context import InspectContext, Services
from handlers.outbox_messages import render
from handlers.rendered import Renderer
from store.database import Database
from store.outbox import OutboxRow, State
from workflows.reminders import digest_day

log = logging.getLogger(__name__)

#: Groups (one message each) claimed at a time: a crash repeats at most these.
IN_FLIGHT = 4
#: How long a claimed row is ours before another run may take it again.
LEASE = timedelta(seconds=60)
#: Messages in any second overall (Telegram allows 30) and seconds between two to one chat (Telegram: 1).
PER_SECOND = 29
PER_CHAT = CHAT_GAP_S
#: A run sends for at most this long, then lets the scheduler run it again at once.
RUN_BUDGET = 50.0
#: After this many tries a row that keeps failing on the network is marked failed.
MAX_ATTEMPTS = 8
#: When a row's renderer asks to look again (an edit of a message still being sent); the sender's
#: `look_again`, from INSPECTBOT_OUTBOX_LOOK_AGAIN (tests set a short one).
LOOK_AGAIN = timedelta(seconds=LOOK_AGAIN_S)


class Pacer:
    """Spaces sends: at most `per_second` in any second (a sliding window, never closer than three quarters
    of the even gap) and one per `per_chat` seconds to any one chat."""

    def __init__(self, per_second: int = PER_SECOND, per_chat: float = PER_CHAT) -> None:
        self._limit = per_second
        self._gap = 0.75 / per_second
        self._per_chat = per_chat
        self._recent: collections.deque[float] = collections.deque()
        self._chat_next: dict[int, float] = {}
        self._hold_until = 0.0
        self._lock = asyncio.Lock()

    def _slot(self, chat_id: int, now: float) -> float:
        """The earliest moment a message to `chat_id` may go."""
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        at = max(now, self._hold_until, self._chat_next.get(chat_id, 0.0))
        if self._recent:
            at = max(at, self._recent[-1] + self._gap)
        if len(self._recent) >= self._limit:
            at = max(at, self._recent[-self._limit] + 1.0)
        return at

    async def wait(self, chat_id: int) -> None:
        """Return when a message to `chat_id` may go; the slot is taken when it is used, so a late
        wake-up (a busy event loop) never lets more than the limit out in a second."""
        while True:
            async with self._lock:
                now = time.monotonic()
                at = self._slot(chat_id, now)
                if at <= now:
                    self._recent.append(now)
                    self._chat_next[chat_id] = now + self._per_chat
                    if len(self._chat_next) > 10_000:
                        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
                    return
            await asyncio.sleep(at - now)

    def hold(self, seconds: float) -> None:
        """Telegram asked us to wait: nothing goes before then."""
        self._hold_until = max(self._hold_until, time.monotonic() + seconds)


class InTurn:
    """One person's groups go out in the order they were claimed.

    Groups are sent side by side (IN_FLIGHT), and one that renders faster could overtake an earlier one to
    the same person: the decision and the deadlines it moved would then arrive in either order. A task
    takes its person's turn before its first await; asyncio's Lock wakes waiters first come, first served,
    and tasks start in the order they were created, which is the claim order.
    """

    def __init__(self) -> None:
        self._turns: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def of(self, person_id: int) -> AsyncIterator[None]:
        lock, users = self._turns.get(person_id, (asyncio.Lock(), 0))
        self._turns[person_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._turns[person_id]
            if users == 1:
                del self._turns[person_id]
            else:
                self._turns[person_id] = (lock, users - 1)


def _seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait (PTB 22 warns that the attribute becomes a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600.0, 5.0 * 2 ** max(0, attempts - 1)))


class OutboxSender:
    """Sends what the outbox holds; `send_due()` is one pass, `run` is the JobQueue callback."""

    def __init__(
        self,
        services: Services,
        bot: Bot,
        *,
        tick: float = 60.0,
        look_again: timedelta = LOOK_AGAIN,
        renderer: Renderer = render,
        pacer: Pacer | None = None,
        meters: metrics.Metrics | None = None,
    ) -> None:
        self.services = services
        self.bot = bot
        self.tick = tick
        self.look_again = look_again
        self.renderer = renderer
        self.pacer = pacer or Pacer()
        self._in_turn = InTurn()
        self.meters = meters or metrics.Metrics()  # the application's (bot.app), else its own
        self.job: Job[Any] | None = None
        self._seen_writes = self.db.reminding.writes
        self._running = False
        self._again = False
        self.sent = 0
        self._digest_day: date | None = None  # the day whose digests were last planned

    @property
    def db(self) -> Database:
        return self.services.db

    async def run(self, context: InspectContext) -> None:
        """The job: send what is due (for at most RUN_BUDGET), then sleep until the next row's time."""
        self._running = True
        try:
            self._seen_writes = self.db.reminding.writes
            more = await self.send_due(until=time.monotonic() + RUN_BUDGET)
            delay = 0.0 if more or self._again else await self._next_delay()
        finally:
            self._running = self._again = False
        if delay is not None:
            self._wake_after_run(delay)

    async def send_due(self, until: float | None = None) -> bool:
        """Claim and send due rows until none is left (or `until`, monotonic); True if some are left.

        Up to IN_FLIGHT groups are sending at any moment: when one finishes, the next is claimed.
        """
        await self.db.outbox.release_expired(self.services.clock())
        await self._plan_digests()
        running: set[asyncio.Task[None]] = set()
        exhausted = False
        seen = self.db.reminding.writes
        while True:
            while not exhausted and len(running) < IN_FLIGHT:
                rows = await self.db.outbox.claim(self.services.clock(), 1, LEASE)
                if not rows:
                    exhausted = True
                    break
                running.add(asyncio.create_task(self._send_group(rows)))
            if not running:
                if exhausted and not self._wrote_meanwhile(seen):
                    return False
                exhausted, seen = False, self.db.reminding.writes  # rows written while sending (a notice)
                continue
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            if until is not None and time.monotonic() > until:
                await asyncio.gather(*running)
                return True

    async def _plan_digests(self) -> None:
        """Once a working day, from its reminding hour: write the managers' morning digest rows (one per
        manager with something overdue; store.outbox.plan_digests), then sent as any other row."""
        now = self.services.clock()
        config = self.db.reminding.config
        day = digest_day(now, config.hours, config.calendar)
        if day is not None and day != self._digest_day:
            await self.db.outbox.plan_digests(now)
            self._digest_day = day

    def _wrote_meanwhile(self, seen: int) -> bool:
        return seen != self.db.reminding.writes

    async def _next_delay(self) -> float | None:
        """Seconds until the next pending row, when that comes before the next tick."""
        due = await self.db.outbox.next_due()
        if due is None:
            return None
        delay = max(0.0, (due - self.services.clock()).total_seconds())
        return delay if delay < self.tick else None

    def _wake_after_run(self, delay: float) -> None:
        """Move the job's next run; done once this run has finished, since the scheduler skips a run that
        would overlap the one in progress."""
        job = self.job
        if job is not None:
            asyncio.get_running_loop().call_later(0.01, self._move_next_run, job, delay)

    @staticmethod
    def _move_next_run(job: Job[Any], delay: float) -> None:
        """The job may have been removed meanwhile (the bot is stopping): then there is nothing to move."""
        try:
            job.job.modify(next_run_time=scheduler_time(delay))
        except JobLookupError:
            log.info("outbox: the sender stopped before its next run was moved")

    def poke(self) -> None:
        """Rows were written (a change, a snooze): wake now instead of at the next tick."""
        writes = self.db.reminding.writes
        if self._seen_writes == writes or self.job is None:
            return
        self._seen_writes = writes
        if self._running:
            self._again = True  # the run in progress looks again before it sleeps
        else:
            self.job.job.modify(next_run_time=scheduler_time())

    async def _send_group(self, rows: list[OutboxRow]) -> None:
        async with self._in_turn.of(rows[0].person_id):
            await self._send_in_turn(rows)

    async def _send_in_turn(self, rows: list[OutboxRow]) -> None:
        this_task_does_not_wait_for_flood()  # a 429 moves the rows' time (below); a task of its own
        ids = [r.id for r in rows]
        box = self.db.outbox
        person = await box.person(rows[0].person_id)
        if person is None or not person.active:
            await box.finish(ids, State.CANCELLED, "inactive")
            return
        try:
            rendered = await self.renderer(self.services, person, rows, self.services.clock())
        except Exception:
            log.exception("outbox: rendering rows %s failed", ids)  # ids only, never text
            await box.retry(ids, self.services.clock() + backoff(rows[0].attempts))
            return
        for reason, dropped in rendered.drop.items():
            await box.finish(dropped, State.CANCELLED, reason)
        if rendered.later:
            await box.retry(rendered.later, self.services.clock() + self.look_again)
        if not rendered.send:
            return
        send = rendered.send
        await self.pacer.wait(person.telegram_id)
        try:
            if rendered.edit is None:
                message_id = (
                    await self.bot.send_message(
                        person.telegram_id,
                        rendered.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=rendered.markup,
                    )
                ).message_id
            else:
                await self.bot.edit_message_text(
                    rendered.text,
                    chat_id=person.telegram_id,
                    message_id=rendered.edit,
                    parse_mode=ParseMode.HTML,
                    reply_markup=rendered.markup,
                )
                message_id = rendered.edit
        except BadRequest as exc:
            if rendered.edit is None:
                log.error("outbox: telegram refused rows %s: %s", send, exc.message)
                await box.finish(send, State.FAILED, "refused")
            else:  # not modified, not found, too old to edit: nothing more to do, never retried
                log.info(
                    "outbox: edit of message %d for person %d refused; rows %s finished: %s",
                    rendered.edit,
                    person.id,
                    send,
                    exc.message,
                )
                await box.finish(send, State.CANCELLED, "edit_refused")
        except RetryAfter as exc:
            wait = _seconds(exc)
            self.pacer.hold(wait)
            log.warning("outbox: telegram asked to wait %s s; rows %s moved", wait, send)
            await box.retry(send, self.services.clock() + timedelta(seconds=wait))
        except Forbidden:
            log.warning("outbox: person %d blocked the bot; rows %s failed", person.id, send)
            await box.finish(send, State.FAILED, "blocked")
            await box.mark_unreachable(person.id, self.services.clock())
        except NetworkError as exc:
            # At least once: a send whose fate is unknown (timed out, dropped after Telegram took it) may
            # have arrived and goes again; counted apart (issue 21), as the only sends that can double.
            fate = "unknown" if fate_unknown(exc) else "not_sent"
            self.meters.outbox_retries.labels(fate).inc()
            attempts = max(r.attempts for r in rows)
            if attempts >= MAX_ATTEMPTS:
                log.error("outbox: rows %s failed after %d tries: %s", send, attempts, type(exc).__name__)
                await box.finish(send, State.FAILED, "network")
            else:
                log.warning(
                    "outbox: rows %s not sent (try %d, fate %s): %s",
                    send,
                    attempts,
                    fate,
                    type(exc).__name__,
                    extra={"event": f"outbox_retry_{fate}", "person": person.id},
                )
                await box.retry(send, self.services.clock() + backoff(attempts))
        else:
            await box.mark_sent(send, message_id, self.services.clock())
            self.sent += 1
