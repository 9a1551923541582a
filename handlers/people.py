"""Who is asking: private chats only, and only people who were invited."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler

from handlers.buttons import CaseButton
from handlers.context import InspectContext
from store.models import Person

NOT_INVITED = (
    "This bot is by invitation only. If you should have access, ask your Ofsted regulatory inspection "
    "manager for an invitation link."
)
PRIVATE_ONLY = "I only work in a private chat. Open a chat with me directly to ask about inspections."


async def current_person(update: Update, context: InspectContext) -> Person | None:
    """The invited person behind this update (read once per update, see `InspectContext.person`), or None
    (and a polite refusal is sent)."""
    if update.effective_user is None:
        return None
    person = context.person
    if person is None:
        await refuse_uninvited(update)
    return person


async def pressed_case(
    update: Update, context: InspectContext, kind: type[CaseButton]
) -> tuple[Person, int] | None:
    """A pressed `kind` of case button (its handler is `kind.handler`, so the data is its own): who pressed
    it and the case number, the press answered; None when the presser isn't invited (they are told)."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return None
    ref = kind.of(update).ref
    await query.answer()
    return person, ref


async def refuse_uninvited(update: Update) -> None:
    """The polite refusal to someone not invited (or no longer): a button press is answered too."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, NOT_INVITED)


async def reply(update: Update, text: str) -> None:
    """Answer in the same chat, whether the update was a message or a button press.

    A button press is answered (the spinner stopped) by its own handler, exactly once.
    """
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, do_quote=False)


async def refuse_group(update: Update, context: InspectContext) -> None:
    """In a group the bot says where it works and nothing else, whoever asks."""
    if update.callback_query is not None:
        await update.callback_query.answer(PRIVATE_ONLY, show_alert=True)
        return
    if update.effective_message is not None:
        await update.effective_message.reply_text(PRIVATE_ONLY, do_quote=False)


class PressOutsidePrivateChat(CallbackQueryHandler[InspectContext, None]):
    """Matches a button press on a message outside a private chat, whatever its data.

    The bot never puts buttons there, but a modified client can send any press on any message; without
    this, the press would reach the case handlers and their answer would be posted in the group.
    """

    def __init__(self) -> None:
        super().__init__(refuse_group)

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update) and update.callback_query is not None and not is_private(update)


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def drop_buttons(update: Update) -> None:
    """Take the buttons off the message that was pressed, if it still shows any.

    Button data can be forged on a message without buttons, and Telegram refuses an edit that changes
    nothing ('message is not modified').
    """
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and query.message.reply_markup is not None:
        await query.edit_message_reply_markup(None)
