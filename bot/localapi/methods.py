"""The Bot API methods the fake implements, with Telegram's validation and error wording.

Each ``_m_<name>`` method takes a request's parameters, checks them as Telegram does, and changes
:class:`Telegram`'s state under its lock. Validation copies Telegram where a mistake would break the bot in
production (HTML that does not parse, texts over 4096 characters, callback_data over 64 bytes, edits that
change nothing, ...); README.md lists the rules and the known differences.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError, bad
from .faults import Misbehaviour
from .html_entities import EntityParseError, parse_html, strip_and_shift
from .model import CallbackAnswer, SentDocument, UploadedFile
from .state import Chat, Message, Telegram
from .webhook import WebhookPusher

__all__ = [
    "MAX_CALLBACK_ANSWER",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION",
    "MAX_TEXT",
    "BotMethods",
    "Params",
]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_CLIENT_GONE = "Client Closed Request: the client stopped waiting, so nobody received this answer"
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
    "web_app",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BOT_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class Params:
    """Typed access to request parameters that may arrive as JSON values or as form strings, with what the
    transport knows of the client that sent them."""

    def __init__(
        self, raw: dict[str, Any], *, client: str = "", client_gone: Callable[[], bool] = lambda: False
    ) -> None:
        self.raw = raw
        self.client = client  # the tag of the process that made the request ("" if untagged)
        self.client_gone = client_gone  # whether that client has closed its connection meanwhile

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def get_str(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, UploadedFile):
            raise bad(f"{name} must be a String, not a file")
        return (
            value
            if isinstance(value, str)
            else json.dumps(value)
            if isinstance(value, dict | list)
            else str(value)
        )

    def get_int(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad(f"invalid {name} specified") from None

    def get_float(self, name: str) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1")

    def get_json(self, name: str) -> Any:
        value = self.raw.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad(f"can't parse {name} JSON object") from None


class BotMethods:
    """The methods by name (case-insensitive, as in Telegram), each carried out on the fake's state."""

    def __init__(
        self,
        telegram: Telegram,
        misbehaviour: Misbehaviour,
        pusher: WebhookPusher,
        *,
        strict_ampersand: bool,
    ) -> None:
        self.telegram = telegram
        self.misbehaviour = misbehaviour
        self.pusher = pusher
        self.strict_ampersand = strict_ampersand
        self.table: dict[str, Callable[[Params], Any]] = {
            name.lower(): getattr(self, f"_m_{snake}")
            for name, snake in (
                ("getMe", "get_me"),
                ("logOut", "ok"),
                ("close", "ok"),
                ("getUpdates", "get_updates"),
                ("setWebhook", "set_webhook"),
                ("deleteWebhook", "delete_webhook"),
                ("getWebhookInfo", "get_webhook_info"),
                ("setMyCommands", "set_my_commands"),
                ("getMyCommands", "get_my_commands"),
                ("deleteMyCommands", "delete_my_commands"),
                ("setChatMenuButton", "set_chat_menu_button"),
                ("getChatMenuButton", "get_chat_menu_button"),
                ("setMyName", "set_my_name"),
                ("getMyName", "get_my_name"),
                ("setMyDescription", "set_my_description"),
                ("getMyDescription", "get_my_description"),
                ("setMyShortDescription", "set_my_short_description"),
                ("getMyShortDescription", "get_my_short_description"),
                ("sendMessage", "send_message"),
                ("editMessageText", "edit_message_text"),
                ("editMessageCaption", "edit_message_caption"),
                ("editMessageReplyMarkup", "edit_message_reply_markup"),
                ("deleteMessage", "delete_message"),
                ("answerCallbackQuery", "answer_callback_query"),
                ("sendDocument", "send_document"),
                ("sendChatAction", "send_chat_action"),
                ("getChat", "get_chat"),
                ("getFile", "get_file"),
                ("leaveChat", "leave_chat"),
            )
        }

    def dispatch(self, token: str, method: str, params: Params) -> Any:
        """The result of one call; ApiError for a wrong token, an unknown method or a refused request."""
        if token != self.telegram.token:
            raise ApiError(401, "Unauthorized")
        implementation = self.table.get(method.lower())
        if implementation is None:
            raise ApiError(404, "Not Found")
        return implementation(params)

    # ------------------------------------------------------------------ checks shared by the methods

    def _chat_param(self, p: Params, *, to_send: bool) -> Chat:
        raw = p.raw.get("chat_id")
        if raw in (None, ""):
            raise bad("chat_id is empty")
        chat_id = p.get_int("chat_id") if not (isinstance(raw, str) and raw.startswith("@")) else None
        chat = self.telegram.chats.get(chat_id) if chat_id is not None else None
        if chat is None or (chat.type == "private" and not chat.started and not chat.messages):
            if chat is not None and to_send:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad("chat not found")
        if chat.blocked and to_send:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.left and to_send:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return chat

    def _formatted(
        self, p: Params, name: str, entities_name: str, limit: int, *, required: bool
    ) -> tuple[str, str, str | None, list[dict[str, Any]]]:
        """Return (text, raw text, parse_mode, entities) after Telegram-like parsing and checks."""
        raw = p.get_str(name) or ""
        parse_mode = p.get_str("parse_mode") or None
        entities: list[dict[str, Any]] = []
        text = raw
        if parse_mode is not None:
            mode = parse_mode.lower()
            if mode == "html":
                try:
                    text, entities = parse_html(raw, strict_ampersand=self.strict_ampersand)
                except EntityParseError as exc:
                    raise bad(f"can't parse entities: {exc}") from None
            elif mode not in ("markdown", "markdownv2"):
                raise bad("unsupported parse_mode")
        elif p.has(entities_name):
            given = p.get_json(entities_name)
            if not isinstance(given, list):
                raise bad(f"can't parse {entities_name} JSON object")
            entities = given
        text, entities = strip_and_shift(text, entities)
        if required and not text:
            raise bad("message text is empty")
        if len(text) > limit:
            raise bad("message is too long" if name == "text" else "message caption is too long")
        return text, raw, parse_mode, entities

    def _reply_markup(self, p: Params, *, inline_only: bool) -> dict[str, Any] | None:
        if not p.has("reply_markup"):
            return None
        markup = p.get_json("reply_markup")
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
            return markup
        if inline_only:
            raise bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    text = (
                        button
                        if isinstance(button, str)
                        else button.get("text")
                        if isinstance(button, dict)
                        else None
                    )
                    if not isinstance(text, str) or not text:
                        raise bad('can\'t parse keyboard button: Field "text" must be of type String')
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        actions = [key for key in _INLINE_ACTIONS if key in button]
        if len(actions) != 1:
            raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https", "tg") or (parts.scheme != "tg" and not parts.netloc):
                raise bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _apply_reply_keyboard(self, chat: Chat, markup: dict[str, Any] | None) -> dict[str, Any] | None:
        """Reply keyboards belong to the chat, inline ones to the message: return the latter."""
        if markup is None:
            return None
        if "inline_keyboard" in markup:
            return markup
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return None

    def _reply_to(self, p: Params, chat: Chat) -> int | None:
        reply: Any = p.get_json("reply_parameters") if p.has("reply_parameters") else None
        if reply is None and p.has("reply_to_message_id"):
            reply = {"message_id": p.get_int("reply_to_message_id")}
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad("can't parse reply parameters JSON object")
        message_id: int = reply["message_id"]
        target = chat.messages.get(message_id)
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad("message to be replied not found")
        return message_id

    def _message_param(self, p: Params, chat: Chat, missing: str) -> Message:
        message_id = p.get_int("message_id")
        if message_id is None:
            raise bad("message identifier is not specified")
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise bad(missing)
        return msg

    def _editable(self, p: Params) -> tuple[Chat, Message]:
        if p.has("inline_message_id") and not p.has("chat_id"):
            raise bad("MESSAGE_ID_INVALID (the fake does not implement inline messages)")
        chat = self._chat_param(p, to_send=True)
        msg = self._message_param(p, chat, "message to edit not found")
        if not msg.from_bot:
            raise bad("message can't be edited")
        return chat, msg

    def _m_get_me(self, p: Params) -> dict[str, Any]:
        return {
            **self.telegram.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_ok(self, p: Params) -> bool:
        return True

    def _m_get_updates(self, p: Params) -> list[dict[str, Any]]:
        offset = p.get_int("offset")
        limit = min(max(p.get_int("limit") or 100, 1), 100)
        timeout = max(p.get_float("timeout") or 0.0, 0.0)
        allowed = p.get_json("allowed_updates") if p.has("allowed_updates") else None
        if allowed is not None and (
            not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)
        ):
            raise bad("can't parse allowed_updates JSON object")
        with self.telegram.cond:
            if self.telegram.webhook.get("url"):
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if allowed is not None:
                self.telegram.allowed_updates = frozenset(allowed) or None
            if offset is not None:
                if offset < 0:
                    self.telegram.updates = self.telegram.updates[offset:]
                else:
                    self.telegram.updates = [u for u in self.telegram.updates if u["update_id"] >= offset]
            self.telegram.poll_generation += 1
            generation = self.telegram.poll_generation
            self.telegram.polls_started[p.client] += 1  # on arrival: in flight
            self.telegram.cond.notify_all()
            deadline = time.monotonic() + timeout
            self.telegram.waiting_polls += 1
            try:
                while True:
                    if timeout and p.client_gone():
                        raise ApiError(499, _CLIENT_GONE)
                    ready = self.telegram.deliverable()
                    if ready or self.telegram.stopping:
                        break
                    if self.telegram.poll_generation != generation:
                        raise ApiError(
                            409,
                            "Conflict: terminated by other getUpdates request; "
                            "make sure that only one bot instance is running",
                        )
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    # Woken at once by new updates; the slice only bounds noticing a vanished client.
                    self.telegram.cond.wait(min(remaining, 0.2))
            finally:
                self.telegram.waiting_polls -= 1
                self.telegram.cond.notify_all()
            batch = ready[:limit]
            self.telegram.delivered.extend(u["update_id"] for u in batch)
            return json.loads(json.dumps(batch))  # type: ignore[no-any-return]

    def _m_set_webhook(self, p: Params) -> bool:
        url = p.get_str("url") or ""
        if not url:
            return self._m_delete_webhook(p)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get_str("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise bad("secret token contains unallowed characters")
        allowed = p.get_json("allowed_updates") if p.has("allowed_updates") else None
        with self.telegram.cond:
            if p.get_bool("drop_pending_updates"):
                self.telegram.updates.clear()
            if allowed is not None:
                self.telegram.allowed_updates = frozenset(allowed) or None
            self.telegram.webhook = {
                "url": url,
                "secret_token": secret,
                "max_connections": p.get_int("max_connections") or 40,
                "allowed_updates": allowed,
                "has_certificate": p.has("certificate"),
            }
            self.telegram.webhook_error = None
            self.pusher.ensure_running()
            self.telegram.cond.notify_all()
        return True

    def _m_delete_webhook(self, p: Params) -> bool:
        with self.telegram.cond:
            if p.get_bool("drop_pending_updates"):
                self.telegram.updates.clear()
            self.telegram.webhook = {}
            self.telegram.cond.notify_all()
        return True

    def _m_get_webhook_info(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            info: dict[str, Any] = {
                "url": self.telegram.webhook.get("url", ""),
                "has_custom_certificate": bool(self.telegram.webhook.get("has_certificate")),
                "pending_update_count": len(self.telegram.deliverable()),
            }
            if self.telegram.webhook.get("url"):
                info["max_connections"] = self.telegram.webhook["max_connections"]
                if self.telegram.webhook.get("allowed_updates"):
                    info["allowed_updates"] = self.telegram.webhook["allowed_updates"]
            if self.telegram.webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self.telegram.webhook_error
            return info

    def _m_set_my_commands(self, p: Params) -> bool:
        commands = p.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND.match(str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad(
                    "command description is empty" if not description else "BOT_COMMAND_DESCRIPTION_INVALID"
                )
        with self.telegram.cond:
            key = Telegram.scope_key(p.get_json("scope"), p.get_str("language_code"))
            self.telegram.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        return True

    def _m_get_my_commands(self, p: Params) -> list[dict[str, Any]]:
        with self.telegram.cond:
            return list(
                self.telegram.commands.get(
                    Telegram.scope_key(p.get_json("scope"), p.get_str("language_code")), []
                )
            )

    def _m_delete_my_commands(self, p: Params) -> bool:
        with self.telegram.cond:
            self.telegram.commands.pop(
                Telegram.scope_key(p.get_json("scope"), p.get_str("language_code")), None
            )
        return True

    def _m_set_chat_menu_button(self, p: Params) -> bool:
        button = p.get_json("menu_button") if p.has("menu_button") else {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise bad("can't parse menu button JSON object")
        with self.telegram.cond:
            self.telegram.menu_buttons[p.get_int("chat_id")] = button
        return True

    def _m_get_chat_menu_button(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            return self.telegram.menu_buttons.get(p.get_int("chat_id")) or {"type": "commands"}

    def _set_bot_text(self, p: Params, kind: str, limit: int) -> bool:
        value = p.get_str(kind) or ""
        if len(value) > limit:
            raise bad(f"{kind} is too long")
        with self.telegram.cond:
            self.telegram.bot_texts[(kind, p.get_str("language_code") or "")] = value
        return True

    def _get_bot_text(self, p: Params, kind: str) -> dict[str, str]:
        with self.telegram.cond:
            return {kind: self.telegram.bot_texts.get((kind, p.get_str("language_code") or ""), "")}

    def _m_set_my_name(self, p: Params) -> bool:
        return self._set_bot_text(p, "name", 64)

    def _m_get_my_name(self, p: Params) -> dict[str, str]:
        return self._get_bot_text(p, "name")

    def _m_set_my_description(self, p: Params) -> bool:
        return self._set_bot_text(p, "description", 512)

    def _m_get_my_description(self, p: Params) -> dict[str, str]:
        return self._get_bot_text(p, "description")

    def _m_set_my_short_description(self, p: Params) -> bool:
        return self._set_bot_text(p, "short_description", 120)

    def _m_get_my_short_description(self, p: Params) -> dict[str, str]:
        return self._get_bot_text(p, "short_description")

    def _m_send_message(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            chat = self._chat_param(p, to_send=True)
            formatted = self._formatted(p, "text", "entities", MAX_TEXT, required=True)
            self.misbehaviour.check_limits(chat.id)
            return self._deliver(chat, p, formatted, link_preview_options=p.get_json("link_preview_options"))

    def _deliver(
        self,
        chat: Chat,
        p: Params,
        formatted: tuple[str, str, str | None, list[dict[str, Any]]],
        **extra: Any,
    ) -> dict[str, Any]:
        """A bot message with its formatted text, reply markup and reply, as sendMessage and sendDocument
        both make it (the caller holds the lock and has checked what is particular to it)."""
        text, raw, parse_mode, entities = formatted
        markup = self._reply_markup(p, inline_only=False)
        reply_to = self._reply_to(p, chat)
        inline = self._apply_reply_keyboard(chat, markup)
        msg = self.telegram.new_bot_message(
            chat,
            text=text,
            raw_text=raw,
            parse_mode=parse_mode,
            entities=entities,
            reply_markup=inline,
            reply_to=reply_to,
            **extra,
        )
        return self.telegram.message_dict(chat, msg)

    def _finish_edit(self, chat: Chat, msg: Message) -> dict[str, Any]:
        msg.edit_date = int(time.time())
        msg.versions.append(msg.version())
        self.telegram.event(chat, msg.message_id, "edit")
        return self.telegram.message_dict(chat, msg)

    def _m_edit_message_text(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            chat, msg = self._editable(p)
            if msg.document is not None:
                raise bad("there is no text in the message to edit")
            text, raw, parse_mode, entities = self._formatted(p, "text", "entities", MAX_TEXT, required=True)
            # Like Telegram: an edit without reply_markup removes the inline keyboard.
            markup = self._reply_markup(p, inline_only=True)
            if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
                raise bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
            msg.text, msg.raw_text, msg.parse_mode, msg.entities, msg.reply_markup = (
                text,
                raw,
                parse_mode,
                entities,
                markup,
            )
            if p.has("link_preview_options"):
                msg.link_preview_options = p.get_json("link_preview_options")
            return self._finish_edit(chat, msg)

    def _m_edit_message_caption(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            chat, msg = self._editable(p)
            if msg.document is None:
                raise bad("there is no caption in the message to edit")
            text, raw, parse_mode, entities = self._formatted(
                p, "caption", "caption_entities", MAX_CAPTION, required=False
            )
            markup = self._reply_markup(p, inline_only=True)
            if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
                raise bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
            msg.text, msg.raw_text, msg.parse_mode, msg.entities, msg.reply_markup = (
                text,
                raw,
                parse_mode,
                entities,
                markup,
            )
            return self._finish_edit(chat, msg)

    def _m_edit_message_reply_markup(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            chat, msg = self._editable(p)
            markup = self._reply_markup(p, inline_only=True)
            if markup == msg.reply_markup:
                raise bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
            msg.reply_markup = markup
            return self._finish_edit(chat, msg)

    def _m_delete_message(self, p: Params) -> bool:
        with self.telegram.cond:
            chat = self._chat_param(p, to_send=False)
            msg = self._message_param(p, chat, "message to delete not found")
            msg.deleted = True
            self.telegram.event(chat, msg.message_id, "delete")
            return True

    def _m_answer_callback_query(self, p: Params) -> bool:
        query_id = p.get_str("callback_query_id")
        text = p.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise bad("MESSAGE_TOO_LONG")
        with self.telegram.cond:
            query = self.telegram.queries.get(query_id or "")
            if query is None or query.answered:
                raise bad(_QUERY_INVALID.removeprefix("Bad Request: "))
            query.answered = True
            self.telegram.chats[query.chat_id].callback_answers.append(
                CallbackAnswer(
                    query_id=query.id,
                    data=query.data,
                    message_id=query.message_id,
                    text=text,
                    show_alert=p.get_bool("show_alert"),
                    url=p.get_str("url"),
                    cache_time=p.get_int("cache_time"),
                )
            )
            self.telegram.cond.notify_all()
            return True

    def _m_send_document(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            chat = self._chat_param(p, to_send=True)
            given = p.raw.get("document")
            if isinstance(given, str) and given.startswith("attach://"):
                given = p.raw.get(given.removeprefix("attach://"))
            if isinstance(given, UploadedFile):
                if not given.content:
                    raise bad("file must be non-empty")
                stored = self.telegram.store_file(given.filename, given.content, given.mime_type)
                document = SentDocument(
                    filename=given.filename,
                    content=given.content,
                    mime_type=given.mime_type,
                    file_id=stored.file_id,
                )
            elif isinstance(given, str) and given in self.telegram.files:
                known = self.telegram.files[given]
                document = SentDocument(
                    filename=known.filename,
                    content=known.content,
                    mime_type=known.mime_type,
                    file_id=known.file_id,
                )
            elif isinstance(given, str) and urlsplit(given).scheme in ("http", "https"):
                name = urlsplit(given).path.rsplit("/", 1)[-1] or None
                document = SentDocument(
                    filename=name,
                    content=None,
                    mime_type=None,
                    file_id=f"BQACAgFakeUrl{next(self.telegram.ids)}",
                    url=given,
                )
            elif given in (None, ""):
                raise bad("there is no document in the request")
            else:
                raise bad("wrong file identifier/HTTP URL specified")
            formatted = self._formatted(p, "caption", "caption_entities", MAX_CAPTION, required=False)
            return self._deliver(chat, p, formatted, document=document)

    def _m_send_chat_action(self, p: Params) -> bool:
        action = p.get_str("action")
        if action not in _CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        with self.telegram.cond:
            chat = self._chat_param(p, to_send=True)
            chat.chat_actions.append(action)
            self.telegram.cond.notify_all()
        return True

    def _m_get_chat(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            chat = self._chat_param(p, to_send=False)
            return {
                **chat.as_dict(),
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }

    def _m_leave_chat(self, p: Params) -> bool:
        with self.telegram.cond:
            chat = self._chat_param(p, to_send=False)
            if chat.type == "private":
                raise bad("chat member status can't be changed in private chats")
            chat.left = True
            return True

    def _m_get_file(self, p: Params) -> dict[str, Any]:
        with self.telegram.cond:
            stored = self.telegram.files.get(p.get_str("file_id") or "")
            if stored is None:
                raise bad("invalid file_id")
            return {
                "file_id": stored.file_id,
                "file_unique_id": "u" + stored.file_id,
                "file_size": len(stored.content),
                "file_path": stored.path,
            }
