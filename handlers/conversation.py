"""Pieces every step-by-step conversation shares: /cancel, and what to say to input a step didn't expect."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from handlers.context import Handler, InspectContext
from handlers.parsing import command_text
from handlers.people import current_person, reply
from store.models import Person, Role

Step = Callable[[Update, InspectContext], Coroutine[Any, Any, int | str | None]]
OneLine = Callable[[Update, InspectContext, Person, str], Coroutine[Any, Any, None]]


async def begin(
    update: Update, context: InspectContext, *, draft_key: str, refusal: str, one_line: OneLine
) -> Person | None:
    """The start every step-by-step command shares: who asks, whether they may, the one-line form.

    Returns the person when the step-by-step form should go on (with a fresh, empty draft), else None
    (refused, or already done in one line).
    """
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return None
    if person.role == Role.PROVIDER:
        await reply(update, refusal)
        return None
    text = command_text(message.text or "").strip()
    if text:
        await one_line(update, context, person, text)
        return None
    user_store(context)[draft_key] = {}
    return person


def user_store(context: InspectContext) -> dict[str, Any]:
    """What the bot keeps for the person between updates (PTB's user_data, persisted as JSON by
    bot.persistence). Every update that keeps anything comes from a user, so it is there; an update
    without one reaching such a handler is a wiring mistake, and fails loudly."""
    stored = context.user_data
    if stored is None:
        raise RuntimeError("an update without a user reached a handler that keeps answers")
    return stored


def draft(context: InspectContext, draft_key: str) -> dict[str, Any]:
    """The answers a conversation has gathered so far (plain JSON values: they are persisted)."""
    answers: dict[str, Any] = user_store(context).setdefault(draft_key, {})
    return answers


def canceller(draft_key: str) -> Step:
    """/cancel for one conversation: it ends that conversation only, so it drops that one's answers only.

    Another conversation still waiting (/record's buttons, then /newcase, then /cancel) keeps its step
    and its answers together; dropping them too would leave it at a step whose answers are gone.
    """

    async def cancel(update: Update, context: InspectContext) -> int:
        if context.user_data is not None:
            context.user_data.pop(draft_key, None)
        await reply(update, "Cancelled. Nothing was saved.")
        return ConversationHandler.END

    return cancel


async def nothing_to_cancel(update: Update, context: InspectContext) -> None:
    await reply(update, "There is nothing to cancel. Send /help to see what I can do.")


async def _use_buttons(update: Update, context: InspectContext) -> None:
    await reply(update, "Please choose one of the buttons above, or send /cancel to stop.")


async def _type_it(update: Update, context: InspectContext) -> None:
    await reply(update, "Please type your answer as text, or send /cancel to stop.")


def private_command(name: str, callback: Step) -> Handler:
    return CommandHandler(name, callback, filters=filters.ChatType.PRIVATE)


def expect_text(callback: Step) -> Handler:
    return MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, callback)


def expect_button() -> Handler:
    """Typing where a button is wanted keeps the step and says so."""
    return MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, _use_buttons)


def conversation(
    name: str, entry: Handler, states: dict[object, list[Handler]], *more_entries: Handler
) -> ConversationHandler[InspectContext]:
    """A persistent conversation keyed by chat and user, where one step may be typed and the next pressed.

    `name` is also the `user_data` key its answers are kept under (what its /cancel drops).

    PTB warns that button presses are then not tracked per message; that is the intended behaviour here
    (one flow per person at a time), so the warning is silenced for these handlers only.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[entry, *more_entries],
            states=states,
            fallbacks=fallbacks(name),
            name=name,
            persistent=True,
            allow_reentry=True,
        )


def fallbacks(draft_key: str) -> list[Handler]:
    """/cancel ends the conversation; a sticker or photo where text is wanted gets a nudge."""
    return [
        CommandHandler("cancel", canceller(draft_key)),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.TEXT, _type_it),
    ]
