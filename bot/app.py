"""Builds the python-telegram-bot Application and runs it until it is told to stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import time
from typing import Any, cast

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, TypeHandler

from bot.persistence import SQLitePersistence
from bot.settings import Settings
from handlers import setup
from handlers.context import InspectApplication, InspectContext, Services, install_services
from store.database import Database
from workflows.calendar import WorkingCalendar

log = logging.getLogger(__name__)

#: Runs after every other handler group, so what an update changed is on disk before the next one.
_PERSIST_GROUP = 1_000


async def _persist_now(update: Update, context: InspectContext) -> None:
    """Write conversation states at once, in one transaction: a crash loses nothing already answered.

    PTB marks an update's user and chat data as changed only after every handler group has run, so this
    last group marks them itself; otherwise the step would be saved now and its answers one update late.
    """
    application = context.application
    chat, user = update.effective_chat, update.effective_user
    application.mark_data_for_update_persistence(
        chat_ids=chat.id if chat else None, user_ids=user.id if user else None
    )
    await application.update_persistence()
    persistence = application.persistence
    assert isinstance(persistence, SQLitePersistence)
    await persistence.commit()


async def purge_expired(context: InspectContext) -> None:
    """The retention period has passed for some closed cases: remove their free text (store.retention)."""
    days = context.job.data if context.job is not None else None
    assert isinstance(days, int)
    purged = await context.services.db.purge_expired(days)
    log.info("retention: purged the free text of %d closed case(s) older than %d days", purged, days)


def schedule_housekeeping(application: InspectApplication, settings: Settings) -> None:
    """Purge once shortly after start (catching up after downtime), then every night at 2am."""
    queue = application.job_queue
    assert queue is not None, "python-telegram-bot was installed without its job-queue extra"
    queue.run_once(purge_expired, when=30, data=settings.retention_days, name="retention")
    queue.run_daily(
        purge_expired, time=time(2, 0, tzinfo=settings.zone), data=settings.retention_days, name="retention"
    )


def build_application(settings: Settings, db: Database) -> InspectApplication:
    context_types = ContextTypes(context=InspectContext)
    application = cast(
        InspectApplication,
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .persistence(SQLitePersistence(db.state))
        .context_types(context_types)
        .rate_limiter(AIORateLimiter())
        .build(),
    )
    install_services(
        application,
        Services(
            db=db,
            calendar=WorkingCalendar(settings.closures),
            zone=settings.zone,
            bot_username=settings.bot_username or "",
        ),
    )
    setup.install(application)
    schedule_housekeeping(application, settings)
    application.add_handler(TypeHandler(Update, _persist_now), group=_PERSIST_GROUP)
    return application


class StartupError(RuntimeError):
    """The bot could not start; the message is one line for the operator."""


async def serve(settings: Settings) -> None:
    """Long polling until SIGINT or SIGTERM, then a clean stop that keeps every state written."""
    db = await Database.open(settings.db)
    try:
        await db.people.ensure_admins(settings.admins)
        application = build_application(settings, db)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await _initialize(application, settings)
        try:
            await setup.after_start(application)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=settings.poll_timeout, allowed_updates=Update.ALL_TYPES
            )
            log.info("inspectbot is running as @%s", application.bot.username)
            await stop.wait()
            log.info("stopping")
            await application.updater.stop()
            await application.stop()
        finally:
            await application.shutdown()
    finally:
        await db.close()


async def _initialize(application: InspectApplication, settings: Settings) -> None:
    """getMe happens here: turn the ways it fails into a line an operator understands."""
    from telegram.error import InvalidToken, NetworkError

    try:
        await application.initialize()
    except InvalidToken as exc:
        raise StartupError("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather.") from exc
    except NetworkError as exc:
        raise StartupError(
            f"Can't reach the Telegram Bot API at {settings.telegram_api_url} ({exc.message})."
        ) from exc
    services: Any = application.bot_data["services"]
    if not services.bot_username:
        install_services(application, _with_username(services, application.bot.username))


def _with_username(services: Services, username: str) -> Services:
    from dataclasses import replace

    return replace(services, bot_username=username)
