"""Builds the python-telegram-bot Application and runs it until it is told to stop."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sqlite3
import time as time_module
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, cast

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from tornado.httpserver import HTTPServer

from bot import guards, metrics
from bot.aiohttp_request import AiohttpRequest
from bot.clock import make_clock
from bot.jobs import JobsInFlight
from bot.lock import AlreadyRunning, ProcessLock
from bot.outbox import OutboxSender, Pacer
from bot.persistence import SQLitePersistence
from bot.polling import InboxPoller
from bot.processor import PersonProcessor
from bot.sending import KeepsServerErrors, LimitedBot
from bot.settings import Settings
from bot.webhook import WebhookReceiver, WebhookStartError
from handlers import setup
from handlers.context import InspectApplication, InspectContext, Services, install_services, people_read
from store import pruning, replan, setting_programme
from store.database import FILL_AT_START, Database, MigrationNeeded
from store.integrity import file_problem, storage_failure
from workflows.calendar import FIRST_YEAR, WorkingCalendar

log = logging.getLogger(__name__)

#: Runs after every other handler group, so what an update changed is on disk before the next one.
_PERSIST_GROUP = 1_000


async def _persist_now(update: Update, context: InspectContext) -> None:
    """Write this update's conversation states and mark it handled, in one transaction: a crash loses
    nothing already answered, and replays exactly the updates whose step was not saved.

    PTB marks an update's user and chat data as changed only after every handler group has run, so this
    last group marks them itself; otherwise the step would be saved now and its answers one update late.
    While no conversation has a step PTB has not handed over (most updates: a question), this update's
    chat and person data are staged here directly: PTB's `update_persistence` would stage the same
    through a task for each (about 0.04 ms an update, issue 23).
    """
    application = context.application
    chat, user = update.effective_chat, update.effective_user
    chat_id, user_id = (chat.id if chat else None), (user.id if user else None)
    persistence = application.persistence
    assert isinstance(persistence, SQLitePersistence)
    if _steps_waiting(application):
        application.mark_data_for_update_persistence(chat_ids=chat_id, user_ids=user_id)
        await application.update_persistence()
    else:
        persistence.stage_data(
            chat_id,
            None if chat_id is None else application.chat_data.get(chat_id),
            user_id,
            None if user_id is None else application.user_data.get(user_id),
        )
    await persistence.commit_update(update.update_id, chat_id, user_id)


def _steps_waiting(application: Application[Any, Any, Any, Any, Any, Any]) -> bool:
    """Whether a persistent ConversationHandler holds a step (of any update) not yet handed to the
    persistence: PTB keeps each handler's states in a TrackingDict that records the keys written."""
    conversations = application._conversation_handler_conversations.values()
    return any(states._write_access_keys for states in conversations)


async def purge_expired(context: InspectContext) -> None:
    """The retention period has passed for some closed cases: remove their free text (store.retention)."""
    days = context.job.data if context.job is not None else None
    assert isinstance(days, int)
    purged = await context.services.db.purge_expired(days)
    log.info("retention: purged the free text of %d closed case(s) older than %d days", purged, days)


async def prune(context: InspectContext) -> None:
    """Delete what is kept only for a while (store.pruning: the inbox, finished outbox rows, used or
    expired invitations); counts only in the log."""
    periods = context.job.data if context.job is not None else None
    assert isinstance(periods, pruning.Periods)
    counts = await pruning.prune(context.services.db, periods)
    log.info("pruned %s", " ".join(f"{t}={n}" for t, n in counts.items()), extra={"event": "prune", **counts})


def pruning_periods(settings: Settings) -> pruning.Periods:
    return pruning.Periods(
        inbox=timedelta(days=settings.keep_inbox_days),
        outbox=timedelta(days=settings.keep_sent_days),
        invites=timedelta(days=settings.keep_invites_days),
    )


async def reveal_begun(context: InspectContext) -> None:
    """Visits kept from their provider that have begun: the provider's reminders are written now
    (store.outbox.reveal_begun); counts only in the log."""
    services = context.services
    cases = await services.db.outbox.reveal_begun(services.clock())
    log.info("outbox: reminders brought in line on %d case(s) whose visit has begun", cases)


async def programme_digest(context: InspectContext) -> None:
    """Settings overdue for inspection: a line for each manager's morning digest
    (store.setting_programme.enqueue_overdue_digest); counts only in the log."""
    services = context.services
    written = await setting_programme.enqueue_overdue_digest(services.db, services.clock())
    log.info("programme: %d digest line(s) on settings overdue for inspection", written)


def schedule_housekeeping(application: InspectApplication, settings: Settings) -> None:
    """Purge, then prune, once shortly after start (catching up after downtime: a bot restarted every
    day before 2:30 would otherwise never prune), then every night at 2am and 2:30."""
    queue = application.job_queue
    assert queue is not None, "python-telegram-bot was installed without its job-queue extra"
    jobs = jobs_of(application)
    purge, pruned = jobs.track("retention", purge_expired), jobs.track("prune", prune)
    reveal, programme = jobs.track("reveal", reveal_begun), jobs.track("programme", programme_digest)
    queue.run_once(purge, when=30, data=settings.retention_days, name="retention")
    queue.run_daily(
        purge, time=time(2, 0, tzinfo=settings.zone), data=settings.retention_days, name="retention"
    )
    periods = pruning_periods(settings)
    queue.run_once(pruned, when=35, data=periods, name="prune")
    queue.run_daily(pruned, time=time(2, 30, tzinfo=settings.zone), data=periods, name="prune")
    # Just after midnight, so a visit that begins today has its provider's reminders by the morning.
    queue.run_once(reveal, when=20, name="reveal")
    queue.run_daily(reveal, time=time(0, 5, tzinfo=settings.zone), name="reveal")
    # Settings overdue for inspection: a line in each manager's morning digest (issue 22); written once a
    # day (again at start, for a bot restarted in the morning: the row's key names the day).
    queue.run_once(programme, when=3, name="programme")
    queue.run_daily(programme, time=time(0, 10, tzinfo=settings.zone), name="programme")


#: Where the jobs running now are kept in bot_data (`bot.jobs`: a stop waits for them).
JOBS_KEY = "jobs"


def jobs_of(application: InspectApplication) -> JobsInFlight:
    return cast(JobsInFlight, application.bot_data[JOBS_KEY])


async def _let_jobs_finish(application: InspectApplication) -> None:
    """No job starts from now on, and the running ones get a few seconds before the Application stops."""
    queue = application.job_queue
    if queue is not None and queue.scheduler.running:
        queue.scheduler.pause()
    left = await jobs_of(application).settle()
    if left:
        log.info("stopping with %d job(s) still running: they are cut off", left)


#: Where the outbox sender is kept in bot_data (the job and the update processor both reach it).
OUTBOX_KEY = "outbox"

#: Updates handled at the same moment (each holding its chat's and person's locks).
RUNNING_UPDATES = 16

#: Keep-alive connections replies go out on (getUpdates has its own). Telegram takes about 30 messages a
#: second from a bot, and AIORateLimiter lets no more out, so 8 connections carry that rate with up to
#: 260 ms a request; while 16 updates run at once, the odd reply waits a moment for one. Against the fake
#: server of `python -m bench chat`, every connection more is one more server thread: with httpx (before
#: `bot.aiohttp_request`), 32 connections made bench chat's burst 0.40x to 0.61x of the echo bot's rate in
#: six runs, 8 made it 0.72x and 0.69x, 4 0.89x and 0.83x.
REPLY_CONNECTIONS = 8
#: How long a reply waits for one of them before it counts as never sent (and is tried again, bot.sending):
#: as long as Telegram is given to answer it. PTB's 1 s default is for a pool that hardly ever waits.
CONNECTION_WAIT_S = 5.0


def build_application(settings: Settings, db: Database) -> InspectApplication:
    """PTB's Application on `LimitedBot` (every reply within Telegram's limits), with people handled in
    parallel (`PersonProcessor`) and no Updater: `bot.polling` fetches updates through the inbox."""
    context_types = ContextTypes(context=InspectContext)
    persistence = SQLitePersistence(db.state)

    async def handled(update_id: int) -> None:
        """Mark the update handled, unless it was with its state (`_persist_now`). Most updates (a question)
        change no state: their mark is handed to the database's thread without waiting for it (issue 23),
        or, while a transaction holds the writing connection, written and waited for."""
        read.forget(update_id)  # a guard stopped it before load_person took it
        if update_id in persistence.finished:
            persistence.finished.discard(update_id)  # marked with its state already
        elif halt.reason is None and not db.inbox.mark_done_soon(update_id, mark_failed):
            try:  # (stopping on a storage failure: left for the next start)
                await db.inbox.mark_done(update_id)  # a transaction holds the writer: wait for the mark
            except (sqlite3.Error, OSError) as exc:
                reason = storage_failure(exc)
                if reason is None:
                    raise
                halt.stop(reason)
        sender.poke()  # a change may have written messages that are due now

    def mark_failed(exc: BaseException) -> None:
        """A mark handed over without waiting could not be written: that update is handled again at the
        next start (a storage failure stops the bot, as a failed write does)."""
        reason = storage_failure(exc)
        if reason is None:
            log.error("inbox: a done mark was not written (%s)", type(exc).__name__, exc_info=exc)
        else:
            halt.stop(reason)

    meters = metrics.Metrics()  # this application's counters, served at /metrics
    bot = LimitedBot(
        meters=meters,
        token=settings.telegram_bot_token.get_secret_value(),
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=KeepsServerErrors(connection_pool_size=REPLY_CONNECTIONS, pool_timeout=CONNECTION_WAIT_S),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        rate_limiter=AIORateLimiter(overall_max_rate=settings.overall_max_rate),
        retry_pauses=settings.retry_pauses,
    )
    application = cast(
        InspectApplication,
        ApplicationBuilder()
        .bot(bot)
        .updater(None)
        .concurrent_updates(PersonProcessor(RUNNING_UPDATES, on_done=handled, meters=meters))
        .persistence(persistence)
        .context_types(context_types)
        .build(),
    )
    db.reminding.config = settings.reminder_config(db.calendar)  # before any update or job runs
    services = Services(
        db=db,
        calendar=db.calendar,
        zone=settings.zone,
        bot_username=settings.bot_username or "",
        clock=db.clock,
    )
    install_services(application, services)
    read = people_read(application.bot_data)
    halt = guards.halt_of(application)
    sender = OutboxSender(
        services,
        application.bot,
        tick=settings.outbox_tick,
        meters=meters,
        look_again=timedelta(seconds=settings.outbox_look_again),
        pacer=Pacer(per_chat=settings.outbox_chat_gap),
    )
    application.bot_data[OUTBOX_KEY] = sender
    application.bot_data[JOBS_KEY] = JobsInFlight()
    application.bot_data[metrics.BOT_DATA_KEY] = meters
    if settings.reminders:
        queue = application.job_queue
        assert queue is not None, "python-telegram-bot was installed without its job-queue extra"
        # First look a second after start, or after one tick when a test sets a shorter tick.
        first = min(1.0, settings.outbox_tick)
        sender.job = queue.run_repeating(
            jobs_of(application).track("outbox", sender.run),
            interval=settings.outbox_tick,
            first=first,
            name="outbox",
            job_kwargs={"coalesce": True},
        )
    guards.install(application)
    setup.install(application)
    schedule_housekeeping(application, settings)
    application.add_handler(TypeHandler(Update, _persist_now), group=_PERSIST_GROUP)
    return application


class StartupError(RuntimeError):
    """The bot could not start (or must stop); the message is one line for the operator."""


async def serve(settings: Settings, stop: asyncio.Event | None = None, *, settle_heap: bool = False) -> None:
    """Long polling until SIGINT or SIGTERM, then a clean stop that keeps every state written; a database
    that can't be written (a full disk, a read-only or damaged file) stops it with one line.

    With `stop`, the bot stops when it is set instead, and no signal handler is installed: the tests run
    the bot this way in a thread of their own process (signal handlers belong to the main thread).
    `settle_heap` (`inspectbot run`, a process of its own) freezes what the start left (`_settle_heap`).
    """
    lock = _lock(settings)
    try:
        db = await _open(settings)
        try:
            _cover(lock)
            await _serve(settings, db, stop, settle_heap)
        except (sqlite3.Error, OSError) as exc:
            reason = storage_failure(exc)
            if reason is None:
                raise
            raise StartupError(f"Stopped: {reason}.") from exc
        finally:
            await db.close()
    finally:
        lock.release()


async def _serve(settings: Settings, db: Database, stop: asyncio.Event | None, settle_heap: bool) -> None:
    await db.people.ensure_admins(settings.admins)
    released = await db.outbox.release_all()  # left 'sending' by a process that died: they go again
    if released:
        log.info("outbox: %d message(s) in flight when the bot stopped will be sent again", released)
    application = build_application(settings, db)
    halt = guards.halt_of(application)
    await _replan(db)  # build_application put the settings on db.reminding: replan uses them
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    await _initialize(application, settings)
    watch: HTTPServer | None = None
    try:
        watch = _watch(db, application.bot_data[metrics.BOT_DATA_KEY], settings)
        await setup.after_start(application)
        await application.start()
        poller: InboxPoller | WebhookReceiver = (
            WebhookReceiver(application, db.inbox, settings)
            if settings.webhook_url
            else InboxPoller(application, db.inbox, settings.poll_timeout)
        )
        await poller.replay()
        polling = asyncio.create_task(poller.run(), name="inbox-polling")
        halted = asyncio.create_task(halt.event.wait())
        await asyncio.sleep(0)  # the first getUpdates is on its way: warm up while Telegram answers it
        _warm(db.calendar, await db.lists.oldest_pending())
        frozen = _settle_heap() if settle_heap else 0
        log.info(
            "inspectbot is running as @%s",
            application.bot.username,
            extra={"event": "started", "frozen_objects": frozen},
        )
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({polling, stopped, halted}, return_when=asyncio.FIRST_COMPLETED)
        log.info("stopping")
        await _let_jobs_finish(application)
        polling.cancel()
        stopped.cancel()
        halted.cancel()
        try:
            await polling
        except asyncio.CancelledError:
            pass  # stopped as asked
        except InvalidToken as exc:  # revoked while running
            await application.stop()  # shutdown() refuses a running Application
            raise StartupError("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather.") from exc
        except WebhookStartError as exc:
            await application.stop()
            raise StartupError(str(exc)) from exc
        except (sqlite3.Error, OSError) as exc:  # the inbox could not store what Telegram sent
            reason = storage_failure(exc)
            if reason is None:
                raise
            halt.stop(reason)
        await application.stop()
        if halt.reason is not None:
            raise StartupError(f"Stopped: {halt.reason}. Nothing unhandled was lost: it is handled on start.")
    finally:
        if watch is not None:
            watch.stop()
        if application.running:  # failed midway: shutdown() refuses a running Application
            await application.stop()
        await application.shutdown()


def _watch(db: Database, meters: metrics.Metrics, settings: Settings) -> HTTPServer | None:
    """/healthz and /metrics where INSPECTBOT_METRICS_LISTEN says (bot.metrics); None when unset."""
    if settings.metrics_listen is None:
        return None
    host, port = settings.metrics_listen
    try:
        return metrics.serve(db, meters, settings.metrics_listen)
    except OSError as exc:
        raise StartupError(
            f"Can't listen on {host}:{port} for /healthz and /metrics: {exc.strerror}."
        ) from exc


async def _replan(db: Database) -> None:
    """Changing INSPECTBOT_REMIND_AT, INSPECTBOT_TZ or INSPECTBOT_CLOSURES moves every reminder still
    waiting at the next start (store.replan), as changing the closures re-dates the open cases."""
    began = time_module.perf_counter()
    done = await replan.replan(db)
    if done is not None:
        log.info(
            "reminders: re-planned for the reminder settings now in force: %d waiting reminder(s) moved,"
            " %d no longer wanted, %d case(s) reconciled in full (%.1f s)",
            done.moved,
            done.cancelled,
            done.cases,
            time_module.perf_counter() - began,
        )


def _warm(calendar: WorkingCalendar, oldest: date | None) -> None:
    """Load the bank holidays of the years around today and back to the oldest pending deadline (about
    0.1 s: the holidays package) while the first long poll is out, rather than while the first person
    waits for an answer."""
    today = date.today()
    first = min(oldest or today, today - timedelta(days=400))
    calendar.working_days_between(max(first, date(FIRST_YEAR, 1, 1)), today + timedelta(days=400))


def _lock(settings: Settings) -> ProcessLock:
    try:
        return ProcessLock(Path(settings.db)).acquire()
    except AlreadyRunning as exc:
        raise StartupError(str(exc)) from exc
    except OSError as exc:
        raise StartupError(f"Can't use the database folder of {settings.db}: {exc.strerror}.") from exc


def _cover(lock: ProcessLock) -> None:
    """A database made just now is locked by every name it may get (a hard link made later)."""
    try:
        lock.cover_database()
    except AlreadyRunning as exc:
        raise StartupError(str(exc)) from exc


async def _open(settings: Settings) -> Database:
    """Open and migrate; a database that can't be read, written or migrated is one line, not a trace.
    An empty, damaged or read-only file is found first (`store.integrity`), before any update is taken."""
    problem = await asyncio.to_thread(file_problem, Path(settings.db))
    if problem is not None:
        raise StartupError(f"Can't start: {problem}.")
    try:
        return await Database.open(
            settings.db,
            clock=make_clock(settings.test_clock_file),
            calendar=WorkingCalendar(settings.closures),
            fill_limit=FILL_AT_START,
        )
    except MigrationNeeded as exc:
        raise StartupError(f"Can't start on {settings.db}: {exc}.") from exc
    except (sqlite3.Error, OSError, RuntimeError, ValueError) as exc:
        raise StartupError(f"Can't open the database {settings.db}: {str(exc).rstrip('.')}.") from exc


async def _initialize(application: InspectApplication, settings: Settings) -> None:
    """getMe happens here: turn the ways it fails into a line an operator understands."""
    from telegram.error import NetworkError

    try:
        try:
            await application.initialize()
        except BaseException:
            bot = application.bot
            if isinstance(bot, LimitedBot):  # PTB shuts a bot's connections only once it started
                await bot.close_connections()
            raise
    except InvalidToken as exc:
        raise StartupError("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather.") from exc
    except NetworkError as exc:
        raise StartupError(
            f"Can't reach the Telegram Bot API at {settings.telegram_api_url} ({exc.message})."
        ) from exc
    services: Any = application.bot_data["services"]
    if not services.bot_username:
        install_services(application, _with_username(services, application.bot.username))


def _settle_heap() -> int:
    """Collect the start's garbage, then keep every object alive now out of the collector's full passes
    (`gc.freeze`); returns how many. Those objects (modules, PTB's handlers, caches: about 100,000) live as
    long as the process, yet each full pass walked them all: 20-31 ms with the event loop stopped, a few
    times a minute under load (bench chat, paced: one round in three had a p99 of 10-39 ms against 3 ms).
    Frozen, the passes walk only what came since: none over 3 ms in the same loads. Reference counting
    frees frozen objects as before; only a cycle among them that is dropped later is kept."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _with_username(services: Services, username: str) -> Services:
    from dataclasses import replace

    return replace(services, bot_username=username)
