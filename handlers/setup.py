"""The handler table: which update goes where, in what order, and the commands Telegram shows."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from handlers import (
    assign,
    calendar_files,
    cases,
    comment,
    complain,
    complaint_steps,
    decide,
    defer,
    due,
    invite,
    lifecycle,
    lists,
    newcase,
    notify,
    programme,
    record,
    reminders,
    review,
    start,
    survey,
)
from handlers.context import Handler, InspectApplication, InspectContext, load_person
from handlers.conversation import nothing_to_cancel
from handlers.menu import COMMANDS, KNOWN_COMMANDS
from handlers.people import PressOutsidePrivateChat, refuse_group, reply
from workflows.matching import most_alike, nearest

log = logging.getLogger(__name__)


#: Outside private chats nothing is handled but this refusal (group 0 comes first, so it wins).
_NOT_PRIVATE = ~filters.ChatType.PRIVATE


async def unknown_command(update: Update, context: InspectContext) -> None:
    """An unknown command: said back (cut), with the nearest known one when it is a slip (/comment)."""
    text = (update.effective_message.text or "") if update.effective_message else ""
    first = text.split()[0] if text.split() else ""
    word = html.escape(first[:40]) if first else "that"
    typed = first.lstrip("/").split("@")[0].lower()
    near = nearest(typed, KNOWN_COMMANDS, most_alike) if typed else None
    hint = f" Did you mean /{near}?" if near else ""
    await reply(update, f"I don't know {word}.{hint} Send /help to see what I can do.")


async def not_text(update: Update, context: InspectContext) -> None:
    await reply(update, "I can only read text messages. Send /help to see what I can do.")


async def stale_button(update: Update, context: InspectContext) -> None:
    """A button from a finished or cancelled conversation: say so instead of leaving a spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer("That button has expired. Please start again.", show_alert=True)


async def on_error(update: object, context: InspectContext) -> None:
    """Log the whole failure for the operator; tell the person plainly, with no technical detail.

    A button pressed twice before the first press is handled edits the message to what it already
    says; Telegram refuses that, and the first press has already done what was asked.
    """
    if isinstance(context.error, BadRequest) and "message is not modified" in context.error.message.lower():
        log.info("a repeated button press changed nothing: %s", context.error.message)
        return
    log.error("update failed: %s", getattr(update, "update_id", None), exc_info=context.error)  # no text
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        await context.bot.send_message(
            update.effective_chat.id,
            "Sorry, something went wrong on my side. Please try again; "
            "if it keeps happening, tell your manager.",
        )


def handler_table() -> list[Handler]:
    return [
        MessageHandler(_NOT_PRIVATE & (filters.COMMAND | filters.Entity("mention")), refuse_group),
        PressOutsidePrivateChat(),
        *newcase.handlers(),
        *record.handlers(),
        *lifecycle.handlers(),
        *review.handlers(),  # before decide's: its Debrief and Decide are `req:` buttons too
        # The request workflows: their conversations' typed steps come before the questions.
        *defer.handlers(),
        *complain.handlers(),
        *comment.handlers(),
        *notify.handlers(),
        *decide.handlers(),
        *survey.handlers(),  # the survey's written answer too
        *start.handlers(),
        *cases.handlers(),
        *programme.handlers(),
        *invite.handlers(),
        *assign.handlers(),
        *due.handlers(),
        *complaint_steps.handlers(),
        *calendar_files.handlers(),
        *lists.handlers(),
        *reminders.handlers(),
        CommandHandler("cancel", nothing_to_cancel, filters=filters.ChatType.PRIVATE),
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, unknown_command),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT, not_text),
        CallbackQueryHandler(stale_button),
    ]


#: Before every other group: who is asking is read once per update (`InspectContext.person`).
PERSON_GROUP = -1


def install(application: InspectApplication) -> None:
    application.add_handler(TypeHandler(Update, load_person), group=PERSON_GROUP)
    application.add_handlers(handler_table())
    application.add_error_handler(on_error)


async def after_start(application: InspectApplication) -> None:
    await application.bot.set_my_commands(COMMANDS)
