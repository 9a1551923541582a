"""Telegram's state as the fake keeps it: the bot, users, chats and their messages, the updates queue,
callback queries, files, commands and the webhook's settings, plus the record of calls.

Everything lives behind one lock and condition variable (``Telegram.cond``): the methods change the state
under it, users act through it, and the tests' waits sleep on it, so "send, then wait for the reply" is
race-free without sleeps. The other modules hold the lock while they touch anything here.
"""

from __future__ import annotations

import collections
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .html_entities import utf16_len
from .model import (
    BotMessage,
    Call,
    CallbackAnswer,
    MessageVersion,
    SentDocument,
    UploadedFile,
    WebhookDelivery,
)

__all__ = ["DEFAULT_UPDATE_TYPES", "Chat", "Message", "Query", "StoredFile", "Telegram"]

#: The update types Telegram delivers when a bot names none: chat_member and reactions are left out.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass
class Message:
    """A message in a chat (the bot's or a user's), mutable as edits arrive."""

    message_id: int
    date: int
    from_bot: bool
    sender: dict[str, Any]
    text: str = ""
    raw_text: str = ""
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None  # inline keyboards only: they belong to the message
    document: SentDocument | None = None
    sticker: str | None = None  # a user's sticker: its emoji
    reply_to: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    link_preview_options: Any = None
    versions: list[MessageVersion] = field(default_factory=list)

    def version(self) -> MessageVersion:
        return MessageVersion(
            text=self.text,
            raw_text=self.raw_text,
            parse_mode=self.parse_mode,
            entities=tuple(self.entities),
            reply_markup=self.reply_markup,
            edit_date=self.edit_date,
        )


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    user: dict[str, Any] | None = None  # the other person, for private chats
    started: bool = False
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, Message] = field(default_factory=dict)
    events: list[tuple[int, int, str]] = field(default_factory=list)  # (seq, message_id, kind)
    left: bool = False  # the bot left this group (leaveChat): its messages no longer reach the bot
    reply_keyboard: dict[str, Any] | None = None
    chat_actions: list[str] = field(default_factory=list)
    callback_answers: list[CallbackAnswer] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            chat = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
            for key in ("last_name", "username"):
                if self.user.get(key):
                    chat[key] = self.user[key]
            return chat
        return {"id": self.id, "type": self.type, "title": self.title or f"Group {self.id}"}


@dataclass
class Query:
    id: str
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class StoredFile:
    file_id: str
    filename: str | None
    content: bytes
    mime_type: str | None

    @property
    def path(self) -> str:
        return f"documents/{self.file_id}"


def _offers(markup: dict[str, Any] | None, button: str) -> bool:
    """Whether an inline keyboard has a button with this text or callback data."""
    rows = (markup or {}).get("inline_keyboard", [])
    return any(b.get("text") == button or b.get("callback_data") == button for row in rows for b in row)


def _command_entities(text: str) -> list[dict[str, Any]]:
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


class Telegram:
    """Telegram's side of one bot: what the methods change, users do, and the waits watch."""

    def __init__(self, token: str, username: str, first_name: str) -> None:
        self.token = token
        self.username = username
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.cond = threading.Condition(threading.RLock())
        self.stopping = False  # the server is shutting down: long polls and the webhook pusher return

        self.ids = itertools.count(1)
        self.calls: list[Call] = []
        self.internal_errors: list[str] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, Chat] = {}
        self.event_seq = 0
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 500_000_001
        self.delivered: list[int] = []
        self.allowed_updates: frozenset[str] | None = None
        self.poll_generation = 0
        self.waiting_polls = 0
        self.polls_started: collections.Counter[str] = collections.Counter()  # client tag -> getUpdates
        self.queries: dict[str, Query] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.webhook: dict[str, Any] = {}
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.webhook_error: tuple[int, str] | None = None

    # ------------------------------------------------------------------ people and chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        username: str | None,
        last_name: str | None,
        language_code: str | None,
        started: bool,
    ) -> None:
        """A person with a private chat to the bot (chat id == user id); a known one is kept as is."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        with self.cond:
            user = self.users.get(user_id)
            if user is None:
                user = {"id": user_id, "is_bot": False, "first_name": first_name}
                if last_name:
                    user["last_name"] = last_name
                if username:
                    user["username"] = username
                if language_code:
                    user["language_code"] = language_code
                self.users[user_id] = user
                self.chats[user_id] = Chat(id=user_id, type="private", user=user)
            if started:
                self.chats[user_id].started = True

    def add_channel(self, chat_id: int, title: str) -> dict[str, Any]:
        """A channel the bot was added to (negative id); returns its chat object."""
        if chat_id >= 0:
            raise ValueError("channel ids are negative")
        with self.cond:
            chat = self.chats.setdefault(chat_id, Chat(id=chat_id, type="channel", title=title, started=True))
            return chat.as_dict()

    # ------------------------------------------------------------------ reading and changing (lock held)

    def require_chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise AssertionError(
                f"chat {chat_id} does not exist in the fake (create it with user()/send_in_group())"
            )
        return chat

    def event(self, chat: Chat, message_id: int, kind: str) -> None:
        self.event_seq += 1
        chat.events.append((self.event_seq, message_id, kind))
        self.cond.notify_all()

    def push(self, body: dict[str, Any]) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, **body})
        self.cond.notify_all()
        return update_id

    def mark(self) -> int:
        with self.cond:
            return self.event_seq

    def snapshot(self, chat: Chat, msg: Message) -> BotMessage:
        return BotMessage(
            chat_id=chat.id,
            message_id=msg.message_id,
            date=msg.date,
            text=msg.text,
            raw_text=msg.raw_text,
            parse_mode=msg.parse_mode,
            entities=tuple(msg.entities),
            reply_markup=msg.reply_markup,
            document=msg.document,
            reply_to_message_id=msg.reply_to,
            edit_date=msg.edit_date,
            deleted=msg.deleted,
            versions=tuple(msg.versions),
            raw=self.message_dict(chat, msg),
        )

    def bot_messages(self, chat_id: int, include_deleted: bool = False) -> list[BotMessage]:
        with self.cond:
            chat = self.chats.get(chat_id)
            if chat is None:
                return []
            return [
                self.snapshot(chat, m)
                for m in chat.messages.values()
                if m.from_bot and (include_deleted or not m.deleted)
            ]

    def chat_field(self, chat_id: int, name: str) -> Any:
        with self.cond:
            value = getattr(self.require_chat(chat_id), name)
            return list(value) if isinstance(value, list) else value

    # ------------------------------------------------------------------ what users do (each takes the lock)

    def user_message(
        self,
        user_id: int,
        chat_id: int,
        *,
        text: str | None = None,
        document: UploadedFile | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        group_title: str | None = None,
        sticker: str | None = None,
    ) -> int:
        with self.cond:
            user = self.users[user_id]
            if chat_id == user_id:
                chat = self.chats[user_id]
                if chat.blocked:
                    raise AssertionError(f"user {user_id} blocked the bot; call unblock() before sending")
                chat.started = True
            else:
                if chat_id >= 0:
                    raise ValueError("group chat ids are negative")
                chat = self.chats.get(chat_id) or self.chats.setdefault(
                    chat_id,
                    Chat(
                        id=chat_id,
                        type="supergroup" if chat_id <= -1_000_000_000_000 else "group",
                        title=group_title or f"Test group {chat_id}",
                        started=True,
                    ),
                )
            msg = Message(message_id=chat.next_message_id, date=int(time.time()), from_bot=False, sender=user)
            chat.next_message_id += 1
            if document is not None:
                stored = self.store_file(document.filename, document.content, document.mime_type)
                msg.document = SentDocument(
                    filename=stored.filename,
                    content=stored.content,
                    mime_type=stored.mime_type,
                    file_id=stored.file_id,
                )
                msg.text = msg.raw_text = caption or ""
            elif sticker is not None:
                msg.sticker = sticker
            else:
                msg.text = msg.raw_text = text or ""
                msg.entities = _command_entities(msg.text)
            if reply_to is not None:
                if reply_to not in chat.messages:
                    raise AssertionError(f"message {reply_to} does not exist in chat {chat_id}")
                msg.reply_to = reply_to
            chat.messages[msg.message_id] = msg
            if not chat.left:  # a group the bot left no longer sends it anything
                self.push({"message": self.message_dict(chat, msg)})
            return msg.message_id

    def press(self, user_id: int, chat_id: int, button: str, message_id: int | None) -> str:
        with self.cond:
            chat = self.require_chat(chat_id)
            if chat.blocked:
                raise AssertionError(
                    f"user {user_id} blocked the bot; call unblock() before pressing buttons"
                )
            if message_id is None:
                with_buttons = [
                    m
                    for m in chat.messages.values()
                    if m.from_bot and not m.deleted and m.reply_markup is not None
                ]
                if not with_buttons:
                    raise AssertionError(
                        f"no bot message with inline buttons in chat {chat_id}; it received:\n"
                        + self.describe_chat(chat)
                    )
                # The latest message that offers this button: a notice with buttons of its own that
                # came in between (from the outbox, say) is not the message meant.
                offering = [m for m in with_buttons if _offers(m.reply_markup, button)]
                msg = offering[-1] if offering else with_buttons[-1]
            else:
                found = chat.messages.get(message_id)
                if found is None or not found.from_bot or found.deleted:
                    raise AssertionError(f"no bot message {message_id} in chat {chat_id}")
                msg = found
            rows = (msg.reply_markup or {}).get("inline_keyboard", [])
            buttons = [b for row in rows for b in row]
            chosen = next((b for b in buttons if b.get("text") == button), None) or next(
                (b for b in buttons if b.get("callback_data") == button), None
            )
            if chosen is None or "callback_data" not in chosen:
                available = ", ".join(
                    f"{b.get('text')!r} -> {b.get('callback_data', b.get('url', '?'))!r}" for b in buttons
                )
                why = "is not a callback button" if chosen is not None else "is not on it"
                raise AssertionError(
                    f"button {button!r} {why}; message #{msg.message_id} in chat {chat_id} "
                    f"has: {available or 'none'}"
                    + (
                        ""
                        if message_id is not None
                        else " (pass message=... to press an older message's button)"
                    )
                )
            return self.push_press(user_id, chat, msg, str(chosen["callback_data"]))

    def forged_press(self, user_id: int, chat_id: int, data: str, message_id: int) -> str:
        """A press with any callback data on any bot message, as a modified client can send."""
        with self.cond:
            chat = self.require_chat(chat_id)
            found = chat.messages.get(message_id)
            if found is None or not found.from_bot:
                raise AssertionError(f"no bot message {message_id} in chat {chat_id}")
            return self.push_press(user_id, chat, found, data)

    def push_press(self, user_id: int, chat: Chat, msg: Message, data: str) -> str:
        query_id = str(4_000_000_000_000 + next(self.ids))
        self.queries[query_id] = Query(id=query_id, chat_id=chat.id, message_id=msg.message_id, data=data)
        if chat.left:  # a group the bot left no longer sends it anything
            return query_id
        self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.users[user_id],
                    "message": self.message_dict(chat, msg),
                    "chat_instance": str(-abs(chat.id) - 7_000_000_000),
                    "data": data,
                }
            }
        )
        return query_id

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        with self.cond:
            chat = self.require_chat(user_id)
            if chat.blocked == blocked:
                return
            chat.blocked = blocked
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            new_member: dict[str, Any] = {"status": new, "user": self.bot_user}
            if blocked:
                new_member["until_date"] = 0
            old_member: dict[str, Any] = {"status": old, "user": self.bot_user}
            if not blocked:
                old_member["until_date"] = 0
            self.push(
                {
                    "my_chat_member": {
                        "chat": chat.as_dict(),
                        "from": self.users[user_id],
                        "date": int(time.time()),
                        "old_chat_member": old_member,
                        "new_chat_member": new_member,
                    }
                }
            )

    # ------------------------------------------------------------------ messages, files, updates (lock held)

    def describe_chat(self, chat: Chat) -> str:
        shown = [self.snapshot(chat, m).describe() for m in chat.messages.values() if m.from_bot]
        return "\n".join(shown) or "(nothing)"

    # ------------------------------------------------------------------ HTTP plumbing

    def message_dict(self, chat: Chat, msg: Message, with_reply: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": msg.sender,
            "chat": chat.as_dict(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            out["edit_date"] = msg.edit_date
        if msg.reply_to is not None and with_reply and msg.reply_to in chat.messages:
            out["reply_to_message"] = self.message_dict(chat, chat.messages[msg.reply_to], with_reply=False)
        if msg.document is not None:
            doc = msg.document
            document: dict[str, Any] = {"file_id": doc.file_id, "file_unique_id": "u" + doc.file_id}
            if doc.filename:
                document["file_name"] = doc.filename
            if doc.mime_type:
                document["mime_type"] = doc.mime_type
            if doc.content is not None:
                document["file_size"] = len(doc.content)
            out["document"] = document
            if msg.text:
                out["caption"] = msg.text
                if msg.entities:
                    out["caption_entities"] = msg.entities
        elif msg.sticker is not None:
            out["sticker"] = {
                "file_id": f"CAACAgFakeSticker{msg.message_id}",
                "file_unique_id": f"uSticker{msg.message_id}",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": msg.sticker,
            }
        else:
            out["text"] = msg.text
            if msg.entities:
                out["entities"] = msg.entities
        if msg.link_preview_options:
            out["link_preview_options"] = msg.link_preview_options
        if msg.reply_markup is not None:
            out["reply_markup"] = msg.reply_markup
        return out

    def new_bot_message(self, chat: Chat, **fields: Any) -> Message:
        msg = Message(
            message_id=chat.next_message_id,
            date=int(time.time()),
            from_bot=True,
            sender=self.bot_user,
            **fields,
        )
        chat.next_message_id += 1
        msg.versions.append(msg.version())
        chat.messages[msg.message_id] = msg
        self.event(chat, msg.message_id, "new")
        return msg

    def store_file(self, filename: str | None, content: bytes, mime_type: str | None) -> StoredFile:
        file_id = f"BQACAgFake{next(self.ids):06d}"
        stored = StoredFile(file_id=file_id, filename=filename, content=content, mime_type=mime_type)
        self.files[file_id] = stored
        return stored

    @staticmethod
    def scope_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""

    # ------------------------------------------------------------------ Bot API methods

    def deliverable(self) -> list[dict[str, Any]]:
        """Pending updates of allowed types; others are dropped as Telegram never queues them."""
        allowed = self.allowed_updates or DEFAULT_UPDATE_TYPES
        self.updates = [u for u in self.updates if next(k for k in u if k != "update_id") in allowed]
        return self.updates
