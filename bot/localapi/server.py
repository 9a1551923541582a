"""A fake Telegram Bot API server, so end-to-end tests can run the real bot without Telegram.

It is a plain ``ThreadingHTTPServer`` on 127.0.0.1 in a background thread, so it serves
a bot running in another process or in the test's own event loop alike. State lives
behind one lock and condition variable; the test-side driver (:class:`FakeUser`) acts
and waits through the same condition, which makes "send, then wait for the reply"
race-free without sleeps.

Validation copies Telegram where a mistake would break the bot in production (HTML
that does not parse, texts over 4096 characters, callback_data over 64 bytes, edits
that change nothing, ...); see README.md for the list and the known differences.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import math
import re
import select
import socket
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from .bodies import BodyError, parse_body, parse_query
from .driver import FakeChat, FakeUser, Match, as_predicate
from .faults import INJECTED, Fault, FaultKind, make_fault
from .html_entities import EntityParseError, parse_html, strip_and_shift, utf16_len
from .model import (
    BotMessage,
    Call,
    CallbackAnswer,
    MessageVersion,
    SentDocument,
    UploadedFile,
    WebhookDelivery,
)

__all__ = ["ApiError", "FakeBotApi"]

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
_DEFAULT_UPDATE_TYPES = frozenset(
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
_BOT_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status plus the description Telegram would give."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class _Params:
    """Typed access to request parameters that may arrive as JSON values or as form strings."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def get_str(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, UploadedFile):
            raise _bad(f"{name} must be a String, not a file")
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
            raise _bad(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise _bad(f"invalid {name} specified") from None

    def get_float(self, name: str) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(f"invalid {name} specified") from None

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
            raise _bad(f"can't parse {name} JSON object") from None


@dataclass
class _Msg:
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
class _Chat:
    id: int
    type: str
    title: str | None = None
    user: dict[str, Any] | None = None  # the other person, for private chats
    started: bool = False
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, _Msg] = field(default_factory=dict)
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
class _Query:
    id: str
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class _StoredFile:
    file_id: str
    filename: str | None
    content: bytes
    mime_type: str | None

    @property
    def path(self) -> str:
        return f"documents/{self.file_id}"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: FakeBotApi, host: str, port: int) -> None:
        self.api = api
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Errors outside a request's dispatch: a vanished client is normal, anything else is recorded."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # e.g. httpx resetting an idle keep-alive connection on shutdown
        with self.api._cond:
            self.api._internal_errors.append(f"connection from {client_address}: {traceback.format_exc()}")

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can hang in sandboxes.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx pool expects
    # TCP_NODELAY on every accepted socket: without it a response sent as more than one segment
    # waits for the client's delayed ACK (Nagle's algorithm), about 44 ms per request.
    disable_nagle_algorithm = True
    # A buffered writer (flushed at the end of _respond) sends headers and body in one write.
    wbufsize = 64 * 1024
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: every request is recorded in FakeBotApi.calls(), which tests can print."""

    def do_GET(self) -> None:
        self.server.api._serve(self)

    def do_POST(self) -> None:
        self.server.api._serve(self)


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


_CLIENT_TAG = re.compile(r"[A-Za-z0-9_.-]+")


def _offers(markup: dict[str, Any] | None, button: str) -> bool:
    """Whether an inline keyboard has a button with this text or callback data."""
    rows = (markup or {}).get("inline_keyboard", [])
    return any(b.get("text") == button or b.get("callback_data") == button for row in rows for b in row)


def _command_entities(text: str) -> list[dict[str, Any]]:
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


class FakeBotApi:
    """The fake server plus the driver API tests use to act as users.

    Give the bot ``base_url`` (python-telegram-bot appends ``<token>/<method>``) or,
    for inspectbot's settings, ``TELEGRAM_API_URL=api_root`` (see :meth:`env`).
    """

    def __init__(
        self,
        token: str = "123:TEST",
        username: str = "inspectbot_test_bot",
        *,
        first_name: str = "InspectBot Test",
        host: str = "127.0.0.1",
        port: int = 0,
        strict_ampersand: bool = True,
        require_match: bool = False,
    ) -> None:
        self.token = token
        # Tests set this: a wait must name the message it means (a text or a predicate), because another
        # message (an outbox notice, a reminder) can come first; the console's "any next message" keeps off.
        self.require_match = require_match
        self.username = username
        self.strict_ampersand = strict_ampersand
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self._host = host
        self._port = port
        self._cond = threading.Condition(threading.RLock())
        self._local = threading.local()  # the connection of the request a server thread is serving
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._webhook_thread: threading.Thread | None = None
        self._stopping = False
        self._started_at = time.monotonic()

        self._ids = itertools.count(1)
        self._calls: list[Call] = []
        self._internal_errors: list[str] = []
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, _Chat] = {}
        self._event_seq = 0
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 500_000_001
        self._delivered: list[int] = []
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._waiting_polls = 0
        self._polls_started: collections.Counter[str] = collections.Counter()  # client tag -> getUpdates
        self._queries: dict[str, _Query] = {}
        self._files: dict[str, _StoredFile] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._webhook: dict[str, Any] = {}
        self._webhook_deliveries: list[WebhookDelivery] = []
        self._webhook_error: tuple[int, str] | None = None
        self._faults: list[Fault] = []
        # Telegram's sending limits, off unless a test asks (enforce_limits).
        self._limit_overall: int | None = None
        self._limit_per_chat: float | None = None
        self._sent_times: collections.deque[float] = collections.deque()
        self._chat_sent: dict[int, float] = {}
        self.too_many: int = 0  # 429 answers given

        self._methods: dict[str, Callable[[_Params], Any]] = {
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

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotApi:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("FakeBotApi is already running")
        self._stopping = False
        self._httpd = _HTTPServer(self, self._host, self._port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakebotapi-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release long polls and close kept-alive connections."""
        httpd = self._httpd
        if httpd is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        httpd.shutdown()
        httpd.server_close()
        with httpd.connections_lock:
            connections = list(httpd.connections)
        for conn in connections:
            # OSError: the client closed it already, which is what we want anyway.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._webhook_thread is not None:
            self._webhook_thread.join(timeout=15)
            self._webhook_thread = None
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if exc_type is None:
            self.assert_no_internal_errors()

    @property
    def api_root(self) -> str:
        """``http://127.0.0.1:PORT``: inspectbot's TELEGRAM_API_URL."""
        if self._httpd is None:
            raise RuntimeError("FakeBotApi is not started")
        return f"http://{self._httpd.server_name}:{self._httpd.server_port}"

    def client_root(self, client: str) -> str:
        """``api_root`` for one client: the fake serves it the same and records the tag on its calls."""
        if not _CLIENT_TAG.fullmatch(client):
            raise ValueError(f"a client tag is letters, digits, '.', '_' or '-', not {client!r}")
        return f"{self.api_root}/client/{client}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/bot``: what to pass to PTB's ``base_url`` (it appends the token)."""
        return f"{self.api_root}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to PTB's ``base_file_url``."""
        return f"{self.api_root}/file/bot"

    def env(self, client: str | None = None) -> dict[str, str]:
        """Environment variables that point an inspectbot process at this fake.

        With ``client``, the process's requests carry that tag (``/client/TAG/bot...``), so its calls and
        its first long poll can be told apart from another process's (see ``wait_until_polling``).
        """
        return {
            "TELEGRAM_API_URL": self.client_root(client) if client else self.api_root,
            "TELEGRAM_BOT_TOKEN": self.token,
            "INSPECTBOT_BOT_USERNAME": self.username,
        }

    # ------------------------------------------------------------------ test driver: people and chats

    def user(
        self,
        user_id: int,
        first_name: str = "Ann",
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
        started: bool = False,
    ) -> FakeUser:
        """A person with a private chat to the bot (chat id == user id).

        Like Telegram, the bot cannot message them until they have written to it
        (``started=True`` pretends they already did).
        """
        if user_id <= 0:
            raise ValueError("user ids are positive")
        with self._cond:
            user = self._users.get(user_id)
            if user is None:
                user = {"id": user_id, "is_bot": False, "first_name": first_name}
                if last_name:
                    user["last_name"] = last_name
                if username:
                    user["username"] = username
                if language_code:
                    user["language_code"] = language_code
                self._users[user_id] = user
                self._chats[user_id] = _Chat(id=user_id, type="private", user=user)
            if started:
                self._chats[user_id].started = True
        return FakeUser(self, user_id)

    def channel(self, chat_id: int, title: str = "Channel") -> dict[str, Any]:
        """A channel the bot was added to (negative id); returns its chat object for a raw channel_post."""
        if chat_id >= 0:
            raise ValueError("channel ids are negative")
        with self._cond:
            chat = self._chats.setdefault(
                chat_id, _Chat(id=chat_id, type="channel", title=title, started=True)
            )
            return chat.as_dict()

    def chat(self, chat_id: int) -> FakeChat:
        """Read what the bot sent to any chat, e.g. a group created by ``FakeUser.send_in_group``."""
        return FakeChat(self, chat_id)

    def push_update(self, body: dict[str, Any]) -> int:
        """Queue a raw update (without update_id) for updates the driver has no helper for."""
        with self._cond:
            return self._push(body)

    def fault(
        self,
        kind: FaultKind,
        *,
        methods: list[str] | None = None,
        count: int | None = None,
        seconds: float | None = None,
        status: int = 500,
        hang: float = 0.0,
        after: bool = False,
        retry_after: int | None = None,
    ) -> None:
        """Misbehave from now on: answer `status` ("error"), close the connection ("drop"; with
        `after=True` once the method has done its work) or wait `hang` seconds first ("hang"), for
        `count` requests and/or `seconds` seconds, to `methods` (default: all), then recover. With
        `status=429` and `retry_after`, the answer is Telegram's flood control asking for that wait."""
        made = make_fault(
            kind,
            methods=methods,
            count=count,
            seconds=seconds,
            status=status,
            hang=hang,
            after=after,
            retry_after=retry_after,
        )
        with self._cond:
            self._faults.append(made)

    def enforce_limits(self, overall: int | None = 30, per_chat: float | None = 1.0) -> None:
        """Answer sendMessage with 429 and `retry_after`, as Telegram does, past `overall` messages in any
        second or a second message to one chat within `per_chat` seconds (None: that limit is off)."""
        with self._cond:
            self._limit_overall = overall
            self._limit_per_chat = per_chat or None
            self._sent_times.clear()
            self._chat_sent.clear()

    def _check_limits(self, chat_id: int) -> None:
        """Called with the lock held before a message is sent; counts it if it may go."""
        if self._limit_overall is None and self._limit_per_chat is None:
            return
        now = time.monotonic()
        while self._sent_times and self._sent_times[0] <= now - 1.0:
            self._sent_times.popleft()
        wait = 0.0
        if self._limit_overall is not None and len(self._sent_times) >= self._limit_overall:
            wait = (self._sent_times[0] + 1.0 - now) if self._sent_times else 1.0
        last = self._chat_sent.get(chat_id)
        if self._limit_per_chat is not None and last is not None and now - last < self._limit_per_chat:
            wait = max(wait, last + self._limit_per_chat - now)
        if wait > 0:
            self.too_many += 1
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        self._sent_times.append(now)
        self._chat_sent[chat_id] = now

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def _take_fault(self, method: str) -> Fault | None:
        with self._cond:
            now = time.monotonic()
            for fault in self._faults:
                if fault.applies(method, now):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
            return None

    def left_chats(self) -> list[int]:
        """Groups the bot has left (leaveChat)."""
        with self._cond:
            return [chat.id for chat in self._chats.values() if chat.left]

    # ------------------------------------------------------------------ test driver: inspection

    def polls_started(self, client: str = "") -> int:
        """How many getUpdates calls from ``client`` (its tag; "" for untagged) have arrived so far,
        counted on arrival: a long poll in flight counts (``calls()`` records a call when it returns)."""
        with self._cond:
            return self._polls_started[client]

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request so far (method names compare case-insensitively, like Telegram's)."""
        with self._cond:
            if method is None:
                return list(self._calls)
            return [c for c in self._calls if c.method.lower() == method.lower()]

    def errors(self) -> list[Call]:
        """Requests answered with ok=false (bad requests, unknown methods, wrong token, crashes).

        Long polls the client abandoned (status 499, e.g. PTB shutting down) are left out:
        nobody saw those answers. ``calls()`` still has them.
        """
        with self._cond:
            return [c for c in self._calls if not c.ok and c.status != 499]

    def unknown_method_calls(self) -> list[Call]:
        """Calls of methods the fake does not implement: a test should assert there are none."""
        with self._cond:
            return [c for c in self._calls if c.status == 404]

    def internal_errors(self) -> list[str]:
        """Tracebacks of crashes inside the fake (each also answered as HTTP 500)."""
        with self._cond:
            return list(self._internal_errors)

    def assert_no_internal_errors(self) -> None:
        errors = self.internal_errors()
        if errors:
            raise AssertionError("the fake Bot API crashed while serving the bot:\n\n" + "\n\n".join(errors))

    def chats_with_messages(self) -> list[int]:
        """Chats the bot has sent at least one message to."""
        with self._cond:
            return [c.id for c in self._chats.values() if any(m.from_bot for m in c.messages.values())]

    def delivered_update_ids(self) -> list[int]:
        """update_ids in the order they were handed to the bot, repeats included."""
        with self._cond:
            return list(self._delivered)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (via a later offset or a webhook 2xx)."""
        with self._cond:
            return json.loads(json.dumps(self._updates))  # type: ignore[no-any-return]

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """The command list the bot set with setMyCommands for that scope and language."""
        with self._cond:
            return list(self._commands.get(self._scope_key(scope, language_code), []))

    def webhook_info(self) -> dict[str, Any]:
        with self._cond:
            return dict(self._webhook)

    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self._cond:
            return list(self._webhook_deliveries)

    def wait_for_call(
        self, method: str, match: Callable[[Call], bool] | None = None, timeout: float = 10.0
    ) -> Call:
        """Block until the bot has made a matching call (already made ones count)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self._calls:
                    if call.method.lower() == method.lower() and (match is None or match(call)):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    shown = "\n".join(f"  {c}" for c in self._calls[-30:]) or "  (none)"
                    raise AssertionError(f"no {method} call within {timeout}s; last calls:\n{shown}")
                self._cond.wait(remaining)

    def calls_after(self, seen: int, timeout: float = 10.0) -> list[Call]:
        """The calls recorded after the first `seen`, waiting up to `timeout` for at least one ([] if none).

        For a load driver: it reads each call once as it comes, instead of copying every call so far.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._calls) <= seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
            return self._calls[seen:]

    def wait_until(
        self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Block until ``condition()`` holds; it is re-checked whenever the fake's state changes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{what} did not hold within {timeout}s")
                self._cond.wait(remaining)

    def wait_until_polling(self, timeout: float = 10.0, *, client: str | None = None) -> None:
        """Block until the bot sits in a long-polling getUpdates, i.e. it has started up.

        With ``client`` (a tag from ``env(client=...)``): until that client's first getUpdates has
        arrived, counted from its arrival (in flight), not its return, so the wait is not one long poll
        longer; another client's polls (an earlier process's late one) never count.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while (self._waiting_polls == 0) if client is None else (self._polls_started[client] == 0):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    shown = "\n".join(f"  {c}" for c in self._calls[-30:]) or "  (none)"
                    raise AssertionError(
                        f"the bot did not start long polling within {timeout}s; calls:\n{shown}"
                    )
                self._cond.wait(remaining)

    # ------------------------------------------------------------------ driver internals (FakeChat/FakeUser)

    def _require_chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise AssertionError(
                f"chat {chat_id} does not exist in the fake (create it with user()/send_in_group())"
            )
        return chat

    def _event(self, chat: _Chat, message_id: int, kind: str) -> None:
        self._event_seq += 1
        chat.events.append((self._event_seq, message_id, kind))
        self._cond.notify_all()

    def _push(self, body: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, **body})
        self._cond.notify_all()
        return update_id

    def _mark(self) -> int:
        with self._cond:
            return self._event_seq

    def _snapshot(self, chat: _Chat, msg: _Msg) -> BotMessage:
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
            raw=self._message_dict(chat, msg),
        )

    def _bot_messages(self, chat_id: int, include_deleted: bool = False) -> list[BotMessage]:
        with self._cond:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            return [
                self._snapshot(chat, m)
                for m in chat.messages.values()
                if m.from_bot and (include_deleted or not m.deleted)
            ]

    def _chat_field(self, chat_id: int, name: str) -> Any:
        with self._cond:
            value = getattr(self._require_chat(chat_id), name)
            return list(value) if isinstance(value, list) else value

    def _wait_bot_message(
        self, chat_id: int, match: Match | None, since: int | None, timeout: float
    ) -> BotMessage:
        if match is None and self.require_match:
            raise AssertionError(
                f"a wait in chat {chat_id} names no message: pass a match (a text in the message, or a "
                "predicate), since another message (an outbox notice, a reminder) can come first"
            )
        predicate = as_predicate(match)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                chat = self._chats.get(chat_id)
                if chat is not None:
                    if since is None:
                        touched = [m for m in chat.messages.values() if m.from_bot]
                    else:
                        ids = dict.fromkeys(mid for seq, mid, _ in chat.events if seq > since)
                        touched = [chat.messages[mid] for mid in ids]
                    for msg in touched:
                        if not msg.deleted:
                            snapshot = self._snapshot(chat, msg)
                            if predicate(snapshot):
                                return snapshot
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(chat_id, match, since, timeout))
                self._cond.wait(remaining)

    def _wait_callback_answer(self, chat_id: int, query_id: str, timeout: float) -> CallbackAnswer:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                chat = self._require_chat(chat_id)
                for answer in chat.callback_answers:
                    if answer.query_id == query_id:
                        return answer
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"the bot did not answer callback query {query_id} within {timeout}s\n"
                        + self._timeout_report(chat_id, None, None, timeout)
                    )
                self._cond.wait(remaining)

    def _timeout_report(self, chat_id: int, match: Match | None, since: int | None, timeout: float) -> str:
        wanted = "any bot message" if match is None else f"a bot message matching {match!r}"
        scope = "" if since is None else " (new or edited after the mark)"
        lines = [f"timed out after {timeout}s waiting for {wanted}{scope} in chat {chat_id}."]
        chat = self._chats.get(chat_id)
        messages = [m for m in chat.messages.values() if m.from_bot] if chat else []
        lines.append(f"The chat received {len(messages)} bot message(s):")
        lines.extend(
            "  " + self._snapshot(chat, m).describe().replace("\n", "\n  ") for m in messages if chat
        )
        failed = [c for c in self._calls if not c.ok][-10:]
        if failed:
            lines.append("Failed Bot API calls (latest last):")
            lines.extend(f"  {c}" for c in failed)
        if self._internal_errors:
            lines.append(
                f"The fake crashed {len(self._internal_errors)} time(s); first:\n{self._internal_errors[0]}"
            )
        if not any(c.method.lower() == "getupdates" for c in self._calls) and not self._webhook.get("url"):
            lines.append("The bot never called getUpdates: is it running and pointed at this fake?")
        if self._updates:
            lines.append(f"{len(self._updates)} update(s) not yet confirmed by the bot.")
        return "\n".join(lines)

    def _user_message(
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
        with self._cond:
            user = self._users[user_id]
            if chat_id == user_id:
                chat = self._chats[user_id]
                if chat.blocked:
                    raise AssertionError(f"user {user_id} blocked the bot; call unblock() before sending")
                chat.started = True
            else:
                if chat_id >= 0:
                    raise ValueError("group chat ids are negative")
                chat = self._chats.get(chat_id) or self._chats.setdefault(
                    chat_id,
                    _Chat(
                        id=chat_id,
                        type="supergroup" if chat_id <= -1_000_000_000_000 else "group",
                        title=group_title or f"Test group {chat_id}",
                        started=True,
                    ),
                )
            msg = _Msg(message_id=chat.next_message_id, date=int(time.time()), from_bot=False, sender=user)
            chat.next_message_id += 1
            if document is not None:
                stored = self._store_file(document.filename, document.content, document.mime_type)
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
                self._push({"message": self._message_dict(chat, msg)})
            return msg.message_id

    def _press(self, user_id: int, chat_id: int, button: str, message_id: int | None) -> str:
        with self._cond:
            chat = self._require_chat(chat_id)
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
                        + self._describe_chat(chat)
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
            return self._push_press(user_id, chat, msg, str(chosen["callback_data"]))

    def _forged_press(self, user_id: int, chat_id: int, data: str, message_id: int) -> str:
        """A press with any callback data on any bot message, as a modified client can send."""
        with self._cond:
            chat = self._require_chat(chat_id)
            found = chat.messages.get(message_id)
            if found is None or not found.from_bot:
                raise AssertionError(f"no bot message {message_id} in chat {chat_id}")
            return self._push_press(user_id, chat, found, data)

    def _push_press(self, user_id: int, chat: _Chat, msg: _Msg, data: str) -> str:
        query_id = str(4_000_000_000_000 + next(self._ids))
        self._queries[query_id] = _Query(id=query_id, chat_id=chat.id, message_id=msg.message_id, data=data)
        if chat.left:  # a group the bot left no longer sends it anything
            return query_id
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._users[user_id],
                    "message": self._message_dict(chat, msg),
                    "chat_instance": str(-abs(chat.id) - 7_000_000_000),
                    "data": data,
                }
            }
        )
        return query_id

    def _set_blocked(self, user_id: int, blocked: bool) -> None:
        with self._cond:
            chat = self._require_chat(user_id)
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
            self._push(
                {
                    "my_chat_member": {
                        "chat": chat.as_dict(),
                        "from": self._users[user_id],
                        "date": int(time.time()),
                        "old_chat_member": old_member,
                        "new_chat_member": new_member,
                    }
                }
            )

    def _describe_chat(self, chat: _Chat) -> str:
        shown = [self._snapshot(chat, m).describe() for m in chat.messages.values() if m.from_bot]
        return "\n".join(shown) or "(nothing)"

    # ------------------------------------------------------------------ HTTP plumbing

    def _serve(self, handler: _Handler) -> None:
        started = time.time()
        tick = time.monotonic()
        dropped = False
        split = urlsplit(handler.path)
        method = split.path
        params: dict[str, Any] = {}
        self._local.connection = handler.connection
        try:
            body = _read_body(handler)
        except ConnectionError:
            handler.close_connection = True  # the client went away mid-request; nothing to answer
            return
        tagged = re.fullmatch(r"/client/([A-Za-z0-9_.-]+)(/.*)", split.path)
        client, path = (tagged.group(1), tagged.group(2)) if tagged else ("", split.path)
        self._local.client = client
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if file_match is not None and handler.command == "GET":
            self._serve_file(handler, file_match.group(1), file_match.group(2))
            return
        try:
            route = re.fullmatch(r"/bot([^/]*)/([A-Za-z0-9_]+)/?", path)
            if route is None:
                raise ApiError(404, "Not Found")
            token, method = route.group(1), route.group(2)
            params = parse_query(split.query)
            params.update(parse_body(body, handler.headers.get("Content-Type", "")))
            fault = self._take_fault(method)
            if fault is not None and fault.kind == "hang":
                time.sleep(fault.seconds)  # then served after all, to a client that may be gone
            if fault is not None and fault.kind == "error" and fault.retry_after is not None:
                with self._cond:
                    self.too_many += 1
                raise ApiError(
                    fault.status,
                    f"Too Many Requests: retry after {fault.retry_after} ({INJECTED})",
                    {"retry_after": fault.retry_after},
                )
            if fault is not None and fault.kind == "error":
                raise ApiError(fault.status, f"Internal Server Error ({INJECTED})")
            if fault is not None and fault.kind == "drop" and not fault.after:
                dropped = True
                status, payload = 0, {"ok": False, "description": f"connection dropped ({INJECTED})"}
            else:
                status, payload = 200, {"ok": True, "result": self._dispatch(token, method, _Params(params))}
                dropped = fault is not None and fault.kind == "drop"
        except ApiError as exc:
            status = exc.status
            payload = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
        except BodyError as exc:
            status, payload = 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        except Exception:
            text = traceback.format_exc()
            status = 500
            payload = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error in the fake Bot API ({method}):\n{text}",
            }
            with self._cond:
                self._internal_errors.append(f"{method}: {text}")
        with self._cond:
            self._calls.append(
                Call(
                    seq=len(self._calls) + 1,
                    method=method,
                    params=params,
                    time=started,
                    duration=time.monotonic() - tick,
                    status=status,
                    response=payload,
                    client=client,
                )
            )
            self._cond.notify_all()
        if dropped:
            handler.close_connection = True  # no answer at all: the client sees the connection close
            return
        self._respond(handler, status, json.dumps(payload).encode("utf-8"), "application/json")

    def _respond(self, handler: _Handler, status: int, data: bytes, content_type: str) -> None:
        """Send status, headers and body in one write, so the response leaves as one piece."""
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped waiting (PTB cancels its long poll on shutdown). The call is
            # already recorded; there is nobody left to tell.
            handler.close_connection = True

    def _serve_file(self, handler: _Handler, token: str, path: str) -> None:
        with self._cond:
            stored = next((f for f in self._files.values() if f.path == path), None)
        if token != self.token or stored is None:
            self._respond(handler, 404, b"Not Found", "text/plain")
            return
        self._respond(handler, 200, stored.content, stored.mime_type or "application/octet-stream")

    def _dispatch(self, token: str, method: str, params: _Params) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        implementation = self._methods.get(method.lower())
        if implementation is None:
            raise ApiError(404, "Not Found")
        return implementation(params)

    # ------------------------------------------------------------------ shared helpers for methods

    def _message_dict(self, chat: _Chat, msg: _Msg, with_reply: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": msg.sender,
            "chat": chat.as_dict(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            out["edit_date"] = msg.edit_date
        if msg.reply_to is not None and with_reply and msg.reply_to in chat.messages:
            out["reply_to_message"] = self._message_dict(chat, chat.messages[msg.reply_to], with_reply=False)
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

    def _chat_param(self, p: _Params, *, to_send: bool) -> _Chat:
        raw = p.raw.get("chat_id")
        if raw in (None, ""):
            raise _bad("chat_id is empty")
        chat_id = p.get_int("chat_id") if not (isinstance(raw, str) and raw.startswith("@")) else None
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None or (chat.type == "private" and not chat.started and not chat.messages):
            if chat is not None and to_send:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise _bad("chat not found")
        if chat.blocked and to_send:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.left and to_send:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return chat

    def _formatted(
        self, p: _Params, name: str, entities_name: str, limit: int, *, required: bool
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
                    raise _bad(f"can't parse entities: {exc}") from None
            elif mode not in ("markdown", "markdownv2"):
                raise _bad("unsupported parse_mode")
        elif p.has(entities_name):
            given = p.get_json(entities_name)
            if not isinstance(given, list):
                raise _bad(f"can't parse {entities_name} JSON object")
            entities = given
        text, entities = strip_and_shift(text, entities)
        if required and not text:
            raise _bad("message text is empty")
        if len(text) > limit:
            raise _bad("message is too long" if name == "text" else "message caption is too long")
        return text, raw, parse_mode, entities

    def _reply_markup(self, p: _Params, *, inline_only: bool) -> dict[str, Any] | None:
        if not p.has("reply_markup"):
            return None
        markup = p.get_json("reply_markup")
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
            return markup
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
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
                        raise _bad('can\'t parse keyboard button: Field "text" must be of type String')
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        actions = [key for key in _INLINE_ACTIONS if key in button]
        if len(actions) != 1:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https", "tg") or (parts.scheme != "tg" and not parts.netloc):
                raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _apply_reply_keyboard(self, chat: _Chat, markup: dict[str, Any] | None) -> dict[str, Any] | None:
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

    def _reply_to(self, p: _Params, chat: _Chat) -> int | None:
        reply: Any = p.get_json("reply_parameters") if p.has("reply_parameters") else None
        if reply is None and p.has("reply_to_message_id"):
            reply = {"message_id": p.get_int("reply_to_message_id")}
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise _bad("can't parse reply parameters JSON object")
        message_id: int = reply["message_id"]
        target = chat.messages.get(message_id)
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        return message_id

    def _new_bot_message(self, chat: _Chat, **fields: Any) -> _Msg:
        msg = _Msg(
            message_id=chat.next_message_id,
            date=int(time.time()),
            from_bot=True,
            sender=self.bot_user,
            **fields,
        )
        chat.next_message_id += 1
        msg.versions.append(msg.version())
        chat.messages[msg.message_id] = msg
        self._event(chat, msg.message_id, "new")
        return msg

    def _message_param(self, p: _Params, chat: _Chat, missing: str) -> _Msg:
        message_id = p.get_int("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise _bad(missing)
        return msg

    def _editable(self, p: _Params) -> tuple[_Chat, _Msg]:
        if p.has("inline_message_id") and not p.has("chat_id"):
            raise _bad("MESSAGE_ID_INVALID (the fake does not implement inline messages)")
        chat = self._chat_param(p, to_send=True)
        msg = self._message_param(p, chat, "message to edit not found")
        if not msg.from_bot:
            raise _bad("message can't be edited")
        return chat, msg

    def _store_file(self, filename: str | None, content: bytes, mime_type: str | None) -> _StoredFile:
        file_id = f"BQACAgFake{next(self._ids):06d}"
        stored = _StoredFile(file_id=file_id, filename=filename, content=content, mime_type=mime_type)
        self._files[file_id] = stored
        return stored

    @staticmethod
    def _scope_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""

    # ------------------------------------------------------------------ Bot API methods

    def _m_get_me(self, p: _Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_ok(self, p: _Params) -> bool:
        return True

    def _deliverable(self) -> list[dict[str, Any]]:
        """Pending updates of allowed types; others are dropped as Telegram never queues them."""
        allowed = self._allowed_updates or _DEFAULT_UPDATE_TYPES
        self._updates = [u for u in self._updates if next(k for k in u if k != "update_id") in allowed]
        return self._updates

    def _m_get_updates(self, p: _Params) -> list[dict[str, Any]]:
        offset = p.get_int("offset")
        limit = min(max(p.get_int("limit") or 100, 1), 100)
        timeout = max(p.get_float("timeout") or 0.0, 0.0)
        allowed = p.get_json("allowed_updates") if p.has("allowed_updates") else None
        if allowed is not None and (
            not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)
        ):
            raise _bad("can't parse allowed_updates JSON object")
        with self._cond:
            if self._webhook.get("url"):
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if allowed is not None:
                self._allowed_updates = frozenset(allowed) or None
            if offset is not None:
                if offset < 0:
                    self._updates = self._updates[offset:]
                else:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._poll_generation += 1
            generation = self._poll_generation
            self._polls_started[getattr(self._local, "client", "")] += 1  # on arrival: in flight
            self._cond.notify_all()
            deadline = time.monotonic() + timeout
            self._waiting_polls += 1
            try:
                while True:
                    if timeout and self._client_gone():
                        raise ApiError(499, _CLIENT_GONE)
                    ready = self._deliverable()
                    if ready or self._stopping:
                        break
                    if self._poll_generation != generation:
                        raise ApiError(
                            409,
                            "Conflict: terminated by other getUpdates request; "
                            "make sure that only one bot instance is running",
                        )
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    # Woken at once by new updates; the slice only bounds noticing a vanished client.
                    self._cond.wait(min(remaining, 0.2))
            finally:
                self._waiting_polls -= 1
                self._cond.notify_all()
            batch = ready[:limit]
            self._delivered.extend(u["update_id"] for u in batch)
            return json.loads(json.dumps(batch))  # type: ignore[no-any-return]

    def _client_gone(self) -> bool:
        """Whether the client of the request this thread serves has closed its connection.

        PTB abandons its long poll on shutdown; without this check such a poll would be
        answered into the void, and its updates counted as delivered or its 409 as an error.
        """
        conn: socket.socket | None = getattr(self._local, "connection", None)
        if conn is None:
            return False
        try:
            readable, _, _ = select.select([conn], [], [], 0)
            return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):  # reset or already closed: gone either way
            return True

    def _m_set_webhook(self, p: _Params) -> bool:
        url = p.get_str("url") or ""
        if not url:
            return self._m_delete_webhook(p)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get_str("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise _bad("secret token contains unallowed characters")
        allowed = p.get_json("allowed_updates") if p.has("allowed_updates") else None
        with self._cond:
            if p.get_bool("drop_pending_updates"):
                self._updates.clear()
            if allowed is not None:
                self._allowed_updates = frozenset(allowed) or None
            self._webhook = {
                "url": url,
                "secret_token": secret,
                "max_connections": p.get_int("max_connections") or 40,
                "allowed_updates": allowed,
                "has_certificate": p.has("certificate"),
            }
            self._webhook_error = None
            if self._webhook_thread is None or not self._webhook_thread.is_alive():
                self._webhook_thread = threading.Thread(
                    target=self._webhook_loop, name="fakebotapi-webhook", daemon=True
                )
                self._webhook_thread.start()
            self._cond.notify_all()
        return True

    def _m_delete_webhook(self, p: _Params) -> bool:
        with self._cond:
            if p.get_bool("drop_pending_updates"):
                self._updates.clear()
            self._webhook = {}
            self._cond.notify_all()
        return True

    def _m_get_webhook_info(self, p: _Params) -> dict[str, Any]:
        with self._cond:
            info: dict[str, Any] = {
                "url": self._webhook.get("url", ""),
                "has_custom_certificate": bool(self._webhook.get("has_certificate")),
                "pending_update_count": len(self._deliverable()),
            }
            if self._webhook.get("url"):
                info["max_connections"] = self._webhook["max_connections"]
                if self._webhook.get("allowed_updates"):
                    info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
            return info

    def _webhook_loop(self) -> None:
        """POST pending updates to the webhook one at a time, retrying failures after a pause."""
        while True:
            with self._cond:
                while not self._stopping and not (self._webhook.get("url") and self._deliverable()):
                    self._cond.wait()
                if self._stopping:
                    return
                update = json.loads(json.dumps(self._deliverable()[0]))
                url = str(self._webhook["url"])
                secret = self._webhook.get("secret_token")
            status, error = self._post_update(url, secret, update)
            with self._cond:
                self._webhook_deliveries.append(
                    WebhookDelivery(
                        update_id=update["update_id"], url=url, time=time.time(), status=status, error=error
                    )
                )
                if error is None:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                    self._delivered.append(update["update_id"])
                else:
                    self._webhook_error = (int(time.time()), error)
                    self._cond.wait(0.2)  # back off before retrying, as Telegram does (far longer there)
                self._cond.notify_all()

    @staticmethod
    def _post_update(url: str, secret: str | None, update: dict[str, Any]) -> tuple[int | None, str | None]:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(url, data=json.dumps(update).encode("utf-8"), headers=headers)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an env proxy
        try:
            with opener.open(request, timeout=10) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code, f"Wrong response from the webhook: {exc.code} {exc.reason}"
        except OSError as exc:  # URLError, refused, timeout: recorded and shown by getWebhookInfo
            return None, f"Connection failed: {exc}"
        if not 200 <= status < 300:
            return status, f"Wrong response from the webhook: {status}"
        return status, None

    def _m_set_my_commands(self, p: _Params) -> bool:
        commands = p.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND.match(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad(
                    "command description is empty" if not description else "BOT_COMMAND_DESCRIPTION_INVALID"
                )
        with self._cond:
            key = self._scope_key(p.get_json("scope"), p.get_str("language_code"))
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        return True

    def _m_get_my_commands(self, p: _Params) -> list[dict[str, Any]]:
        with self._cond:
            return list(
                self._commands.get(self._scope_key(p.get_json("scope"), p.get_str("language_code")), [])
            )

    def _m_delete_my_commands(self, p: _Params) -> bool:
        with self._cond:
            self._commands.pop(self._scope_key(p.get_json("scope"), p.get_str("language_code")), None)
        return True

    def _m_set_chat_menu_button(self, p: _Params) -> bool:
        button = p.get_json("menu_button") if p.has("menu_button") else {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise _bad("can't parse menu button JSON object")
        with self._cond:
            self._menu_buttons[p.get_int("chat_id")] = button
        return True

    def _m_get_chat_menu_button(self, p: _Params) -> dict[str, Any]:
        with self._cond:
            return self._menu_buttons.get(p.get_int("chat_id")) or {"type": "commands"}

    def _set_bot_text(self, p: _Params, kind: str, limit: int) -> bool:
        value = p.get_str(kind) or ""
        if len(value) > limit:
            raise _bad(f"{kind} is too long")
        with self._cond:
            self._bot_texts[(kind, p.get_str("language_code") or "")] = value
        return True

    def _get_bot_text(self, p: _Params, kind: str) -> dict[str, str]:
        with self._cond:
            return {kind: self._bot_texts.get((kind, p.get_str("language_code") or ""), "")}

    def _m_set_my_name(self, p: _Params) -> bool:
        return self._set_bot_text(p, "name", 64)

    def _m_get_my_name(self, p: _Params) -> dict[str, str]:
        return self._get_bot_text(p, "name")

    def _m_set_my_description(self, p: _Params) -> bool:
        return self._set_bot_text(p, "description", 512)

    def _m_get_my_description(self, p: _Params) -> dict[str, str]:
        return self._get_bot_text(p, "description")

    def _m_set_my_short_description(self, p: _Params) -> bool:
        return self._set_bot_text(p, "short_description", 120)

    def _m_get_my_short_description(self, p: _Params) -> dict[str, str]:
        return self._get_bot_text(p, "short_description")

    def _m_send_message(self, p: _Params) -> dict[str, Any]:
        with self._cond:
            chat = self._chat_param(p, to_send=True)
            formatted = self._formatted(p, "text", "entities", MAX_TEXT, required=True)
            self._check_limits(chat.id)
            return self._deliver(chat, p, formatted, link_preview_options=p.get_json("link_preview_options"))

    def _deliver(
        self,
        chat: _Chat,
        p: _Params,
        formatted: tuple[str, str, str | None, list[dict[str, Any]]],
        **extra: Any,
    ) -> dict[str, Any]:
        """A bot message with its formatted text, reply markup and reply, as sendMessage and sendDocument
        both make it (the caller holds the lock and has checked what is particular to it)."""
        text, raw, parse_mode, entities = formatted
        markup = self._reply_markup(p, inline_only=False)
        reply_to = self._reply_to(p, chat)
        inline = self._apply_reply_keyboard(chat, markup)
        msg = self._new_bot_message(
            chat,
            text=text,
            raw_text=raw,
            parse_mode=parse_mode,
            entities=entities,
            reply_markup=inline,
            reply_to=reply_to,
            **extra,
        )
        return self._message_dict(chat, msg)

    def _finish_edit(self, chat: _Chat, msg: _Msg) -> dict[str, Any]:
        msg.edit_date = int(time.time())
        msg.versions.append(msg.version())
        self._event(chat, msg.message_id, "edit")
        return self._message_dict(chat, msg)

    def _m_edit_message_text(self, p: _Params) -> dict[str, Any]:
        with self._cond:
            chat, msg = self._editable(p)
            if msg.document is not None:
                raise _bad("there is no text in the message to edit")
            text, raw, parse_mode, entities = self._formatted(p, "text", "entities", MAX_TEXT, required=True)
            # Like Telegram: an edit without reply_markup removes the inline keyboard.
            markup = self._reply_markup(p, inline_only=True)
            if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
                raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
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

    def _m_edit_message_caption(self, p: _Params) -> dict[str, Any]:
        with self._cond:
            chat, msg = self._editable(p)
            if msg.document is None:
                raise _bad("there is no caption in the message to edit")
            text, raw, parse_mode, entities = self._formatted(
                p, "caption", "caption_entities", MAX_CAPTION, required=False
            )
            markup = self._reply_markup(p, inline_only=True)
            if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
                raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
            msg.text, msg.raw_text, msg.parse_mode, msg.entities, msg.reply_markup = (
                text,
                raw,
                parse_mode,
                entities,
                markup,
            )
            return self._finish_edit(chat, msg)

    def _m_edit_message_reply_markup(self, p: _Params) -> dict[str, Any]:
        with self._cond:
            chat, msg = self._editable(p)
            markup = self._reply_markup(p, inline_only=True)
            if markup == msg.reply_markup:
                raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
            msg.reply_markup = markup
            return self._finish_edit(chat, msg)

    def _m_delete_message(self, p: _Params) -> bool:
        with self._cond:
            chat = self._chat_param(p, to_send=False)
            msg = self._message_param(p, chat, "message to delete not found")
            msg.deleted = True
            self._event(chat, msg.message_id, "delete")
            return True

    def _m_answer_callback_query(self, p: _Params) -> bool:
        query_id = p.get_str("callback_query_id")
        text = p.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise _bad("MESSAGE_TOO_LONG")
        with self._cond:
            query = self._queries.get(query_id or "")
            if query is None or query.answered:
                raise _bad(_QUERY_INVALID.removeprefix("Bad Request: "))
            query.answered = True
            self._chats[query.chat_id].callback_answers.append(
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
            self._cond.notify_all()
            return True

    def _m_send_document(self, p: _Params) -> dict[str, Any]:
        with self._cond:
            chat = self._chat_param(p, to_send=True)
            given = p.raw.get("document")
            if isinstance(given, str) and given.startswith("attach://"):
                given = p.raw.get(given.removeprefix("attach://"))
            if isinstance(given, UploadedFile):
                if not given.content:
                    raise _bad("file must be non-empty")
                stored = self._store_file(given.filename, given.content, given.mime_type)
                document = SentDocument(
                    filename=given.filename,
                    content=given.content,
                    mime_type=given.mime_type,
                    file_id=stored.file_id,
                )
            elif isinstance(given, str) and given in self._files:
                known = self._files[given]
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
                    file_id=f"BQACAgFakeUrl{next(self._ids)}",
                    url=given,
                )
            elif given in (None, ""):
                raise _bad("there is no document in the request")
            else:
                raise _bad("wrong file identifier/HTTP URL specified")
            formatted = self._formatted(p, "caption", "caption_entities", MAX_CAPTION, required=False)
            return self._deliver(chat, p, formatted, document=document)

    def _m_send_chat_action(self, p: _Params) -> bool:
        action = p.get_str("action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        with self._cond:
            chat = self._chat_param(p, to_send=True)
            chat.chat_actions.append(action)
            self._cond.notify_all()
        return True

    def _m_get_chat(self, p: _Params) -> dict[str, Any]:
        with self._cond:
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

    def _m_leave_chat(self, p: _Params) -> bool:
        with self._cond:
            chat = self._chat_param(p, to_send=False)
            if chat.type == "private":
                raise _bad("chat member status can't be changed in private chats")
            chat.left = True
            return True

    def _m_get_file(self, p: _Params) -> dict[str, Any]:
        with self._cond:
            stored = self._files.get(p.get_str("file_id") or "")
            if stored is None:
                raise _bad("invalid file_id")
            return {
                "file_id": stored.file_id,
                "file_unique_id": "u" + stored.file_id,
                "file_size": len(stored.content),
                "file_path": stored.path,
            }
