"""The test-side driver: act as a Telegram user and read what the bot sent back.

Every method is thread-safe and blocking calls take a timeout, so tests never sleep.
The ``*_async`` variants run the blocking wait in a worker thread: use them when the
bot runs in the test's own event loop, where a blocking wait would freeze the bot.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .model import BotMessage, CallbackAnswer, UploadedFile
from .state import Telegram
from .waits import Match, Waits

__all__ = ["FakeChat", "FakeUser"]


class FakeChat:
    """Read-only view of one chat: what the bot sent there, and waiting for more."""

    def __init__(self, telegram: Telegram, waits: Waits, chat_id: int) -> None:
        self.telegram = telegram
        self.waits = waits
        self.chat_id = chat_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.chat_id})"

    def messages(self, include_deleted: bool = False) -> list[BotMessage]:
        """The bot's messages in this chat in order, as they are now (after edits)."""
        return self.telegram.bot_messages(self.chat_id, include_deleted)

    def message(self, message_id: int) -> BotMessage:
        for message in self.messages(include_deleted=True):
            if message.message_id == message_id:
                return message
        raise AssertionError(f"the bot sent no message {message_id} to chat {self.chat_id}")

    def last(self) -> BotMessage:
        """The bot's latest (not deleted) message here; AssertionError if there is none."""
        messages = self.messages()
        if not messages:
            raise AssertionError(f"the bot has sent nothing to chat {self.chat_id}")
        return messages[-1]

    def documents(self) -> list[BotMessage]:
        return [m for m in self.messages() if m.document is not None]

    def mark(self) -> int:
        """A point in time for ``wait_next``/``wait_for(since=...)``: later sends and edits count."""
        return self.telegram.mark()

    def wait_for(
        self, match: Match | None = None, timeout: float = 10.0, *, since: int | None = None
    ) -> BotMessage:
        """Block until a bot message here satisfies ``match`` (substring or predicate).

        Without ``since`` the messages already received count too (earliest match wins);
        with ``since=mark()`` only messages sent or edited after the mark do.
        On timeout, AssertionError shows everything the chat received and failed calls.
        """
        return self.waits.bot_message(self.chat_id, match, since, timeout)

    def wait_next(self, since: int, match: Match | None = None, timeout: float = 10.0) -> BotMessage:
        """The first message sent or edited after ``since`` (a ``mark()``) that matches.

        Without ``match``, whatever comes next (the console's use); a fake made with ``require_match``
        (the tests') refuses that, as every wait here does, since another message can come first.
        """
        return self.waits.bot_message(self.chat_id, match, since, timeout)

    async def wait_for_async(
        self,
        match: Match | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - bounds the blocking wait in the worker thread
        *,
        since: int | None = None,
    ) -> BotMessage:
        return await asyncio.to_thread(self.wait_for, match, timeout, since=since)

    async def wait_next_async(
        self,
        since: int,
        match: Match | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - bounds the blocking wait in the worker thread
    ) -> BotMessage:
        return await asyncio.to_thread(self.wait_next, since, match, timeout)

    def wait_answer(self, query_id: str, timeout: float = 10.0) -> CallbackAnswer:
        """Block until the bot answered the button press ``query_id`` made in this chat."""
        return self.waits.callback_answer(self.chat_id, query_id, timeout)

    async def wait_answer_async(self, query_id: str, timeout: float = 10.0) -> CallbackAnswer:  # noqa: ASYNC109 - bounds the blocking wait in the worker thread
        return await asyncio.to_thread(self.wait_answer, query_id, timeout)

    def reply_keyboard(self) -> list[list[str]] | None:
        """The reply keyboard the bot set for this chat (rows of texts), None if none or removed."""
        markup: dict[str, Any] | None = self.telegram.chat_field(self.chat_id, "reply_keyboard")
        if markup is None:
            return None
        return [[b if isinstance(b, str) else str(b["text"]) for b in row] for row in markup["keyboard"]]

    def chat_actions(self) -> list[str]:
        """sendChatAction actions ("typing", "upload_document", ...) in order."""
        actions: list[str] = self.telegram.chat_field(self.chat_id, "chat_actions")
        return actions


class FakeUser(FakeChat):
    """A person talking to the bot in their private chat (chat id == user id)."""

    def __init__(self, telegram: Telegram, waits: Waits, user_id: int) -> None:
        super().__init__(telegram, waits, user_id)
        self.user_id = user_id

    def send(self, text: str, *, reply_to: int | None = None) -> int:
        """Send a text message; "/cmd args" gets a bot_command entity as in Telegram. Returns its id."""
        return self.telegram.user_message(self.user_id, self.user_id, text=text, reply_to=reply_to)

    def send_document(
        self, filename: str, content: bytes, *, caption: str | None = None, mime_type: str | None = None
    ) -> int:
        """Send a file; the bot can fetch it through getFile and the file URL."""
        document = UploadedFile(field="document", filename=filename, content=content, mime_type=mime_type)
        return self.telegram.user_message(self.user_id, self.user_id, document=document, caption=caption)

    def send_sticker(self, emoji: str = "👍") -> int:
        """A sticker (a message with neither text nor a document), as a person sends where text is wanted."""
        return self.telegram.user_message(self.user_id, self.user_id, sticker=emoji)

    def send_in_group(self, text: str, group_chat_id: int, *, title: str | None = None) -> int:
        """A message from this user in a group chat (negative id) the bot is a member of."""
        return self.telegram.user_message(self.user_id, group_chat_id, text=text, group_title=title)

    def press(self, button: str, message: int | BotMessage | None = None) -> str:
        """Press an inline button by its text or callback_data; returns the callback query id.

        Without ``message`` the latest bot message with an inline keyboard is used.
        """
        message_id = message.message_id if isinstance(message, BotMessage) else message
        return self.telegram.press(self.user_id, self.user_id, button, message_id)

    def forge_press(self, data: str, message: int | BotMessage, *, chat_id: int | None = None) -> str:
        """Press a button that isn't there: any callback data on any bot message (in this user's chat,
        or in ``chat_id``), as a modified client can. Returns the callback query id."""
        message_id = message.message_id if isinstance(message, BotMessage) else message
        return self.telegram.forged_press(self.user_id, chat_id or self.user_id, data, message_id)

    def ask(self, text: str, match: Match | None = None, timeout: float = 10.0) -> BotMessage:
        """Send ``text`` and return the first bot message sent or edited afterwards (that matches)."""
        since = self.mark()
        self.send(text)
        return self.wait_next(since, match, timeout)

    def press_and_wait(
        self,
        button: str,
        match: Match | None = None,
        timeout: float = 10.0,
        *,
        message: int | BotMessage | None = None,
    ) -> BotMessage:
        """Press a button and return the first bot message sent or edited afterwards (that matches)."""
        since = self.mark()
        self.press(button, message)
        return self.wait_next(since, match, timeout)

    async def ask_async(self, text: str, match: Match | None = None, timeout: float = 10.0) -> BotMessage:  # noqa: ASYNC109 - bounds the blocking wait in the worker thread
        since = self.mark()
        self.send(text)
        return await self.wait_next_async(since, match, timeout)

    async def press_and_wait_async(
        self,
        button: str,
        match: Match | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - bounds the blocking wait in the worker thread
        *,
        message: int | BotMessage | None = None,
    ) -> BotMessage:
        since = self.mark()
        self.press(button, message)
        return await self.wait_next_async(since, match, timeout)

    def answered_callbacks(self) -> list[CallbackAnswer]:
        """answerCallbackQuery calls for this user's button presses, in order."""
        answers: list[CallbackAnswer] = self.telegram.chat_field(self.chat_id, "callback_answers")
        return answers

    def block(self) -> None:
        """Block the bot: sends become 403 and the bot gets a my_chat_member update."""
        self.telegram.set_blocked(self.user_id, True)

    def unblock(self) -> None:
        self.telegram.set_blocked(self.user_id, False)
