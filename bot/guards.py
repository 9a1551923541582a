"""What reaches the handlers, and which failures reach the person.

- A button press without data (a modified client) is answered as an expired button: PTB would hand
  it to whichever pattern handler comes first.
- Edited messages never re-run a command or answer a step: the person is told the bot reads only new
  messages.
- A group or channel is refused once (one message, or one alert for a button) and then left
  (`leaveChat`); nothing else it sends is handled, so a busy group costs the bot almost nothing.
- A reply that could not be delivered (a network failure, Telegram down, a 429 asking for a longer wait
  than a reply is given) is logged by update id and nothing more is said: the change it confirmed was
  made, and "something went wrong" would invite the person to make it again.
- The database can't be written (a full disk, a read-only or damaged file: `store.integrity`): the bot
  stops (`Halt`) with one line naming the cause, marking nothing more handled, so every stored update is
  handled after the next start; the person is told their message is kept, never to try again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot import logs
from bot.sending import Undelivered
from handlers.context import InspectApplication, InspectContext
from handlers.people import PRIVATE_ONLY
from handlers.setup import stale_button
from store import changes
from store.integrity import storage_failure

log = logging.getLogger(__name__)

#: Before every handler group, so nothing else sees what is turned away here.
GUARD_GROUP = -100

READS_NEW_ONLY = "I only read new messages, so I ignored that edit. Please send it again as a new message."

_LEFT = "left_chat"

KEPT_FOR_LATER = (
    "I can't save anything just now, so I'm stopping for a moment. What you sent is kept: "
    "I'll answer it when I'm back, so there is no need to send it again."
)

#: Where the `Halt` is kept in bot_data.
HALT_KEY = "halt"


class Halt:
    """The database can't be written: `bot.app` stops the bot with `reason`, and from now on no update is
    handled or marked handled (they stay in the inbox for the next start)."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.event = asyncio.Event()

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            log.error("stopping: %s", reason, extra=logs.fields("storage_failure"))
        self.event.set()


def halt_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Halt:
    halt = application.bot_data.setdefault(HALT_KEY, Halt())
    assert isinstance(halt, Halt)
    return halt


async def admit(update: Update, context: InspectContext) -> None:
    """Stop edits, groups and channels here (`ApplicationHandlerStop`); let everything else through.
    While the bot stops on a storage failure, nothing is handled (it is kept for the next start)."""
    if halt_of(context.application).reason is not None:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _refuse_and_leave(update, context, chat.id)
        raise ApplicationHandlerStop
    if update.callback_query is not None and not update.callback_query.data:
        # Empty data (only a modified client sends it) would match every pattern of PTB's handlers.
        log.info("update %d: a button press without data, refused", update.update_id)
        await stale_button(update, context)
        raise ApplicationHandlerStop
    if update.edited_message is not None:
        log.info("update %d: an edited message, ignored", update.update_id)
        if chat is not None:
            await context.bot.send_message(chat.id, READS_NEW_ONLY)
        raise ApplicationHandlerStop


async def _refuse_and_leave(update: Update, context: InspectContext, chat_id: int) -> None:
    left: set[int] = context.bot_data.setdefault("left_chats", set())
    db = context.services.db
    if chat_id in left or str(chat_id) in await db.state.get_all(_LEFT):
        left.add(chat_id)
        return
    log.info("update %d: refusing chat %d (not private) and leaving it", update.update_id, chat_id)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(PRIVATE_ONLY, show_alert=True)
        elif update.effective_message is not None:
            await context.bot.send_message(chat_id, PRIVATE_ONLY)
    except (Forbidden, BadRequest) as error:  # a channel the bot can't post in: leaving is enough
        log.info(
            "update %d: chat %d refused without a message (%s)", update.update_id, chat_id, error.message
        )
    try:
        await context.bot.leave_chat(chat_id)
    except (Forbidden, BadRequest) as error:  # already out of it
        log.info("update %d: leaving chat %d: %s", update.update_id, chat_id, error.message)
    await db.state.put(_LEFT, str(chat_id), "left")
    left.add(chat_id)


async def undelivered(update: object, context: InspectContext) -> None:
    """A reply Telegram did not take (network, 5xx after retries, timeout, a long 429): never "something
    went wrong".

    When the update made a change and its confirmation certainly did not reach Telegram, the confirmation
    goes through the outbox and is sent when Telegram is back; a reply of unknown fate is only logged
    (sending it again could show it twice)."""
    error = context.error
    not_taken = isinstance(error, NetworkError) and not isinstance(error, BadRequest)
    if not_taken or isinstance(error, RetryAfter):
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, Undelivered) and update_id is not None and changes.changed_something():
            person = await context.services.db.people.get_by_telegram_id(int(error.chat_id))
            if person is not None:
                await context.services.db.outbox.confirm_later(person, update_id, error.text, error.html)
                log.warning(
                    "update %s: its confirmation was not delivered; it goes through the outbox",
                    update_id,
                    extra=logs.fields("reply_via_outbox", person=person.id),
                )
                raise ApplicationHandlerStop
        log.warning(
            "update %s: a reply was not delivered (%s); nothing more is sent",
            update_id,
            type(error).__name__,
            extra=logs.fields("reply_undelivered"),
        )
        raise ApplicationHandlerStop


async def storage_failed(update: object, context: InspectContext) -> None:
    """A write the disk or the file refused (an update's or a job's): stop the bot, say why in one line.

    The update is not marked handled (`Halt`), so it is handled after the next start; its person is told
    it is kept, never "try again" (the change may be made then, and a retry would make it twice)."""
    reason = storage_failure(context.error)
    if reason is None:
        return
    halt_of(context.application).stop(reason)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, KEPT_FOR_LATER)
        except TelegramError as error:
            log.warning("update %d: the stopping notice was not sent (%s)", update.update_id, error.message)
    raise ApplicationHandlerStop


def install(application: InspectApplication) -> None:
    """Before the handlers' own table and error handler, so these come first."""
    halt_of(application)
    application.add_handler(TypeHandler(Update, admit), group=GUARD_GROUP)
    application.add_error_handler(storage_failed)
    application.add_error_handler(undelivered)
