"""The tests' waits: block until the bot has sent, edited, answered or called what a test expects.

Each wait sleeps on the fake's condition variable, which every change of Telegram's state notifies,
so no test sleeps or polls. On timeout the AssertionError shows what the chat did receive, the failed
calls and the fake's own crashes, since that is what a reader needs to see why.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .model import BotMessage, Call, CallbackAnswer
from .state import Telegram

__all__ = ["Match", "Waits", "as_predicate"]

Match = str | Callable[[BotMessage], bool]
"""A substring of the message text, or a predicate on the message."""


def as_predicate(match: Match | None) -> Callable[[BotMessage], bool]:
    if match is None:
        return lambda _message: True
    if isinstance(match, str):
        needle = match
        return lambda message: needle in message.text
    return match


class Waits:
    """Blocking waits on one fake's state, with reports that say why a wait failed."""

    def __init__(self, telegram: Telegram, *, require_match: bool) -> None:
        self.telegram = telegram
        # Tests set this: a wait must name the message it means (a text or a predicate), because another
        # message (an outbox notice, a reminder) can come first; the console's "any next message" keeps off.
        self.require_match = require_match

    def bot_message(self, chat_id: int, match: Match | None, since: int | None, timeout: float) -> BotMessage:
        if match is None and self.require_match:
            raise AssertionError(
                f"a wait in chat {chat_id} names no message: pass a match (a text in the message, or a "
                "predicate), since another message (an outbox notice, a reminder) can come first"
            )
        predicate = as_predicate(match)
        deadline = time.monotonic() + timeout
        with self.telegram.cond:
            while True:
                chat = self.telegram.chats.get(chat_id)
                if chat is not None:
                    if since is None:
                        touched = [m for m in chat.messages.values() if m.from_bot]
                    else:
                        ids = dict.fromkeys(mid for seq, mid, _ in chat.events if seq > since)
                        touched = [chat.messages[mid] for mid in ids]
                    for msg in touched:
                        if not msg.deleted:
                            snapshot = self.telegram.snapshot(chat, msg)
                            if predicate(snapshot):
                                return snapshot
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self.timeout_report(chat_id, match, since, timeout))
                self.telegram.cond.wait(remaining)

    def callback_answer(self, chat_id: int, query_id: str, timeout: float) -> CallbackAnswer:
        deadline = time.monotonic() + timeout
        with self.telegram.cond:
            while True:
                chat = self.telegram.require_chat(chat_id)
                for answer in chat.callback_answers:
                    if answer.query_id == query_id:
                        return answer
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"the bot did not answer callback query {query_id} within {timeout}s\n"
                        + self.timeout_report(chat_id, None, None, timeout)
                    )
                self.telegram.cond.wait(remaining)

    def timeout_report(self, chat_id: int, match: Match | None, since: int | None, timeout: float) -> str:
        wanted = "any bot message" if match is None else f"a bot message matching {match!r}"
        scope = "" if since is None else " (new or edited after the mark)"
        lines = [f"timed out after {timeout}s waiting for {wanted}{scope} in chat {chat_id}."]
        chat = self.telegram.chats.get(chat_id)
        messages = [m for m in chat.messages.values() if m.from_bot] if chat else []
        lines.append(f"The chat received {len(messages)} bot message(s):")
        lines.extend(
            "  " + self.telegram.snapshot(chat, m).describe().replace("\n", "\n  ") for m in messages if chat
        )
        failed = [c for c in self.telegram.calls if not c.ok][-10:]
        if failed:
            lines.append("Failed Bot API calls (latest last):")
            lines.extend(f"  {c}" for c in failed)
        crashes = self.telegram.internal_errors
        if crashes:
            lines.append(f"The fake crashed {len(crashes)} time(s); first:\n{crashes[0]}")
        if not any(
            c.method.lower() == "getupdates" for c in self.telegram.calls
        ) and not self.telegram.webhook.get("url"):
            lines.append("The bot never called getUpdates: is it running and pointed at this fake?")
        if self.telegram.updates:
            lines.append(f"{len(self.telegram.updates)} update(s) not yet confirmed by the bot.")
        return "\n".join(lines)

    def call(self, method: str, match: Callable[[Call], bool] | None = None, timeout: float = 10.0) -> Call:
        """Block until the bot has made a matching call (already made ones count)."""
        deadline = time.monotonic() + timeout
        with self.telegram.cond:
            while True:
                for call in self.telegram.calls:
                    if call.method.lower() == method.lower() and (match is None or match(call)):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    shown = "\n".join(f"  {c}" for c in self.telegram.calls[-30:]) or "  (none)"
                    raise AssertionError(f"no {method} call within {timeout}s; last calls:\n{shown}")
                self.telegram.cond.wait(remaining)

    def calls_after(self, seen: int, timeout: float = 10.0) -> list[Call]:
        """The calls recorded after the first `seen`, waiting up to `timeout` for at least one ([] if none).

        For a load driver: it reads each call once as it comes, instead of copying every call so far.
        """
        deadline = time.monotonic() + timeout
        with self.telegram.cond:
            while len(self.telegram.calls) <= seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self.telegram.cond.wait(remaining)
            return self.telegram.calls[seen:]

    def until(self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
        """Block until ``condition()`` holds; it is re-checked whenever the fake's state changes."""
        deadline = time.monotonic() + timeout
        with self.telegram.cond:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{what} did not hold within {timeout}s")
                self.telegram.cond.wait(remaining)

    def polling(self, timeout: float = 10.0, *, client: str | None = None) -> None:
        """Block until the bot sits in a long-polling getUpdates, i.e. it has started up.

        With ``client`` (a tag from ``env(client=...)``): until that client's first getUpdates has
        arrived, counted from its arrival (in flight), not its return, so the wait is not one long poll
        longer; another client's polls (an earlier process's late one) never count.
        """
        deadline = time.monotonic() + timeout
        with self.telegram.cond:
            while (
                (self.telegram.waiting_polls == 0)
                if client is None
                else (self.telegram.polls_started[client] == 0)
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    shown = "\n".join(f"  {c}" for c in self.telegram.calls[-30:]) or "  (none)"
                    raise AssertionError(
                        f"the bot did not start long polling within {timeout}s; calls:\n{shown}"
                    )
                self.telegram.cond.wait(remaining)

    # ------------------------------------------------------------------ driver internals (FakeChat/FakeUser)
