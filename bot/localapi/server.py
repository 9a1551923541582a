"""The local Bot API as one object: the fake that end-to-end tests and ``inspectbot console`` run the bot on.

:class:`FakeBotApi` only composes the parts, each with one job, and hands tests one place to start from:

- ``state.Telegram``: Telegram's state (the bot, users, chats, messages, updates, files) behind one lock;
- ``methods.BotMethods``: the Bot API methods and Telegram's validation;
- ``transport.Transport``: the HTTP server and routing;
- ``webhook.WebhookPusher``: webhook pushes;
- ``faults.Misbehaviour``: injected faults and Telegram's sending limits;
- ``waits.Waits`` and ``driver.FakeUser``/``FakeChat``: the tests' waits and people.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import TracebackType
from typing import Any

from .driver import FakeChat, FakeUser
from .errors import ApiError
from .faults import FaultKind, Misbehaviour, make_fault
from .methods import BotMethods
from .model import Call, WebhookDelivery
from .state import Telegram
from .transport import Transport
from .waits import Waits
from .webhook import WebhookPusher

__all__ = ["ApiError", "FakeBotApi"]


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
        self.telegram = Telegram(token, username, first_name)
        self.misbehaviour = Misbehaviour(self.telegram.cond)
        self.pusher = WebhookPusher(self.telegram)
        self.methods = BotMethods(
            self.telegram, self.misbehaviour, self.pusher, strict_ampersand=strict_ampersand
        )
        self.transport = Transport(self.telegram, self.methods, self.misbehaviour, host, port)
        # Tests set require_match: a wait must name the message it means, since another can come first.
        self.waits = Waits(self.telegram, require_match=require_match)

    # ------------------------------------------------------------------ who the bot is

    @property
    def token(self) -> str:
        return self.telegram.token

    @property
    def username(self) -> str:
        return self.telegram.username

    @property
    def bot_user(self) -> dict[str, Any]:
        return self.telegram.bot_user

    @property
    def strict_ampersand(self) -> bool:
        return self.methods.strict_ampersand

    @strict_ampersand.setter
    def strict_ampersand(self, value: bool) -> None:
        self.methods.strict_ampersand = value

    @property
    def require_match(self) -> bool:
        return self.waits.require_match

    @require_match.setter
    def require_match(self, value: bool) -> None:
        self.waits.require_match = value

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotApi:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        self.transport.start()
        return self

    def stop(self) -> None:
        """Stop serving, release long polls and close kept-alive connections."""
        if not self.transport.running:
            return
        self.transport.stop()
        self.pusher.join()

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
        return self.transport.api_root

    def client_root(self, client: str) -> str:
        """``api_root`` for one client: the fake serves it the same and records the tag on its calls."""
        return self.transport.client_root(client)

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

    # ------------------------------------------------------------------ people and chats

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
        self.telegram.add_user(user_id, first_name, username, last_name, language_code, started)
        return FakeUser(self.telegram, self.waits, user_id)

    def channel(self, chat_id: int, title: str = "Channel") -> dict[str, Any]:
        """A channel the bot was added to (negative id); returns its chat object for a raw channel_post."""
        return self.telegram.add_channel(chat_id, title)

    def chat(self, chat_id: int) -> FakeChat:
        """Read what the bot sent to any chat, e.g. a group created by ``FakeUser.send_in_group``."""
        return FakeChat(self.telegram, self.waits, chat_id)

    def push_update(self, body: dict[str, Any]) -> int:
        """Queue a raw update (without update_id) for updates the driver has no helper for."""
        with self.telegram.cond:
            return self.telegram.push(body)

    # ------------------------------------------------------------------ faults and limits

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
        self.misbehaviour.add(
            make_fault(
                kind,
                methods=methods,
                count=count,
                seconds=seconds,
                status=status,
                hang=hang,
                after=after,
                retry_after=retry_after,
            )
        )

    def enforce_limits(self, overall: int | None = 30, per_chat: float | None = 1.0) -> None:
        """Answer sendMessage with 429 and `retry_after`, as Telegram does, past `overall` messages in any
        second or a second message to one chat within `per_chat` seconds (None: that limit is off)."""
        self.misbehaviour.enforce_limits(overall, per_chat)

    def clear_faults(self) -> None:
        self.misbehaviour.clear()

    @property
    def too_many(self) -> int:
        """429 answers given (sending limits and injected flood control)."""
        return self.misbehaviour.too_many

    # ------------------------------------------------------------------ inspection

    def left_chats(self) -> list[int]:
        """Groups the bot has left (leaveChat)."""
        with self.telegram.cond:
            return [chat.id for chat in self.telegram.chats.values() if chat.left]

    def polls_started(self, client: str = "") -> int:
        """How many getUpdates calls from ``client`` (its tag; "" for untagged) have arrived so far,
        counted on arrival: a long poll in flight counts (``calls()`` records a call when it returns)."""
        with self.telegram.cond:
            return self.telegram.polls_started[client]

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request so far (method names compare case-insensitively, like Telegram's)."""
        with self.telegram.cond:
            if method is None:
                return list(self.telegram.calls)
            return [c for c in self.telegram.calls if c.method.lower() == method.lower()]

    def errors(self) -> list[Call]:
        """Requests answered with ok=false (bad requests, unknown methods, wrong token, crashes).

        Long polls the client abandoned (status 499, e.g. PTB shutting down) are left out:
        nobody saw those answers. ``calls()`` still has them.
        """
        with self.telegram.cond:
            return [c for c in self.telegram.calls if not c.ok and c.status != 499]

    def unknown_method_calls(self) -> list[Call]:
        """Calls of methods the fake does not implement: a test should assert there are none."""
        with self.telegram.cond:
            return [c for c in self.telegram.calls if c.status == 404]

    def internal_errors(self) -> list[str]:
        """Tracebacks of crashes inside the fake (each also answered as HTTP 500)."""
        with self.telegram.cond:
            return list(self.telegram.internal_errors)

    def assert_no_internal_errors(self) -> None:
        errors = self.internal_errors()
        if errors:
            raise AssertionError("the fake Bot API crashed while serving the bot:\n\n" + "\n\n".join(errors))

    def chats_with_messages(self) -> list[int]:
        """Chats the bot has sent at least one message to."""
        with self.telegram.cond:
            return [
                c.id for c in self.telegram.chats.values() if any(m.from_bot for m in c.messages.values())
            ]

    def delivered_update_ids(self) -> list[int]:
        """update_ids in the order they were handed to the bot, repeats included."""
        with self.telegram.cond:
            return list(self.telegram.delivered)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (via a later offset or a webhook 2xx)."""
        with self.telegram.cond:
            return json.loads(json.dumps(self.telegram.updates))  # type: ignore[no-any-return]

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """The command list the bot set with setMyCommands for that scope and language."""
        with self.telegram.cond:
            return list(self.telegram.commands.get(Telegram.scope_key(scope, language_code), []))

    def webhook_info(self) -> dict[str, Any]:
        with self.telegram.cond:
            return dict(self.telegram.webhook)

    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self.telegram.cond:
            return list(self.telegram.webhook_deliveries)

    # ------------------------------------------------------------------ waits

    def wait_for_call(
        self, method: str, match: Callable[[Call], bool] | None = None, timeout: float = 10.0
    ) -> Call:
        """Block until the bot has made a matching call (already made ones count)."""
        return self.waits.call(method, match, timeout)

    def calls_after(self, seen: int, timeout: float = 10.0) -> list[Call]:
        """The calls recorded after the first `seen`, waiting up to `timeout` for at least one ([] if none).

        For a load driver: it reads each call once as it comes, instead of copying every call so far.
        """
        return self.waits.calls_after(seen, timeout)

    def wait_until(
        self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Block until ``condition()`` holds; it is re-checked whenever the fake's state changes."""
        self.waits.until(condition, timeout, what)

    def wait_until_polling(self, timeout: float = 10.0, *, client: str | None = None) -> None:
        """Block until the bot sits in a long-polling getUpdates, i.e. it has started up.

        With ``client`` (a tag from ``env(client=...)``): until that client's first getUpdates has
        arrived, counted from its arrival (in flight), not its return, so the wait is not one long poll
        longer; another client's polls (an earlier process's late one) never count.
        """
        self.waits.polling(timeout, client=client)
