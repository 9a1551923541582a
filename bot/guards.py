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
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.sending import Undelivered
from handlers.context import InspectApplication, InspectContext
from handlers.people import PRIVATE_ONLY
from handlers.setup import stale_button
from store import changes

log = logging.getLogger(__name__)

#: Before every handler group, so nothing else sees what is turned away here.
GUARD_GROUP = -100

READS_NEW_ONLY = "I only read new messages, so I ignored that edit. Please send it again as a new message."

_LEFT = "left_chat"


async def admit(update: Update, context: InspectContext) -> None:
    """Stop edits, groups and channels here (`ApplicationHandlerStop`); let everything else through."""
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
                    "update %s: its confirmation was not delivered; it goes through the outbox", update_id
                )
                raise ApplicationHandlerStop
        log.warning(
            "update %s: a reply was not delivered (%s); nothing more is sent", update_id, type(error).__name__
        )
        raise ApplicationHandlerStop


def install(application: InspectApplication) -> None:
    """Before the handlers' own table and error handler, so these come first."""
    application.add_handler(TypeHandler(Update, admit), group=GUARD_GROUP)
    application.add_error_handler(undelivered)
