"""The one path every reply takes to Telegram: size limits and what to do when sending fails.

`LimitedBot` is the Bot the Application is built with, so every handler's reply (`reply_text`,
`edit_message_text`, `answer`, ...) passes through it without knowing:
- a message over 4,096 characters is split into several (HTML kept whole); an edit, a caption or a button
  answer, which can't be split, is cut with an ellipsis;
- a request Telegram answered with a server error (5xx), or that never reached it (connection refused),
  is tried again a few times with a growing pause (`retry_pauses`, from the settings): nothing was done,
  so nothing can be doubled;
- a request whose fate is unknown (timed out, or the connection dropped before the answer) is retried
  only when repeating it can't show the person anything twice (edits, button answers, settings); a new
  message is not sent again, so a person never gets the same confirmation twice;
- a request Telegram refused with 429 (flood control: nothing was done) waits the `retry_after` it was
  given and goes again, up to `FLOOD_WAIT_BUDGET` seconds in all; a reply that still can't go (a longer
  wait) is `Undelivered`, so a change's confirmation goes through the outbox (bot.guards). The outbox
  sender's own sends (`not_waiting_for_flood`) don't wait: it moves the row's time instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from telegram import Message
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot import limits, metrics
from bot.aiohttp_request import AiohttpRequest
from bot.settings import RETRY_PAUSES

log = logging.getLogger(__name__)

#: Methods that show nothing twice when repeated (an edit to the same text, a second answer is refused).
_REPEATABLE = frozenset(
    {
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
        "answercallbackquery",
        "deletemessage",
        "sendchataction",
        "leavechat",
        "getme",
        "setmycommands",
        "getchat",
        "getfile",
    }
)

#: Seconds a request may spend waiting out 429s (Telegram's `retry_after`) before it counts as not sent.
#: A person's next update waits behind their reply, so a longer flood wait goes through the outbox.
FLOOD_WAIT_BUDGET = 20.0

#: False while the outbox sender sends: it moves a refused row's time rather than wait in line.
_WAITS_FOR_FLOOD: contextvars.ContextVar[bool] = contextvars.ContextVar("waits_for_flood", default=True)


@contextmanager
def not_waiting_for_flood() -> Iterator[None]:
    """Within this block (and the tasks it starts), a 429 is raised at once as `RetryAfter`."""
    token = _WAITS_FOR_FLOOD.set(False)
    try:
        yield
    finally:
        _WAITS_FOR_FLOOD.reset(token)


def this_task_does_not_wait_for_flood() -> None:
    """For a task of its own (each is a copy of its creator's context): a 429 is raised at once."""
    _WAITS_FOR_FLOOD.set(False)


def retry_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (read without PTB 22's int-or-timedelta warning)."""
    value: Any = error._retry_after  # the public one warns it changes type
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


_SERVER_ERROR = re.compile(r"\((5\d\d)\)$")
_NOT_SENT = ("ConnectError", "ConnectTimeout", "PoolTimeout")


def certainly_not_done(error: NetworkError) -> bool:
    """Telegram answered 5xx, or the request never left: trying again can't double anything."""
    if isinstance(error, BadRequest):
        return False
    message = error.message
    return bool(_SERVER_ERROR.search(message)) or any(name in message for name in _NOT_SENT)


def fate_unknown(error: NetworkError) -> bool:
    """The request may or may not have been carried out (timeout, connection lost before the answer)."""
    return not isinstance(error, BadRequest) and not certainly_not_done(error)


class KeepsServerErrors(AiohttpRequest):
    """AiohttpRequest whose 5xx answers always say their status: PTB puts Telegram's description in the
    error instead ("Internal Server Error"), which would hide that nothing was done and can be retried."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code >= 500:
            raise NetworkError(f"Telegram server error ({code})")
        return code, payload


class Undelivered(NetworkError):
    """A new message that certainly did not reach Telegram after the retries (5xx, never sent)."""

    def __init__(self, message: str, chat_id: int | str, text: str, html: bool) -> None:
        super().__init__(message)
        self.chat_id = chat_id
        self.text = text
        self.html = html


class LimitedBot(ExtBot[int]):
    """ExtBot with Telegram's size limits enforced and sending failures retried where that is safe, after
    each of `retry_pauses` (seconds; the settings' INSPECTBOT_RETRY_PAUSES)."""

    def __init__(
        self,
        *args: Any,
        meters: metrics.Metrics | None = None,
        retry_pauses: Sequence[float] = RETRY_PAUSES,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            #: The application's counters (bot.app passes its own; a bot built alone counts for itself).
            self.meters = meters or metrics.Metrics()
            self.retry_pauses = tuple(retry_pauses)
            #: The updates of the last getUpdates as Telegram sent them (JSON text by update id), for the
            #: inbox: writing them again from the parsed objects (`Update.to_dict`) costs about 0.3 ms each.
            self.raw_updates: dict[int, str] = {}

    async def close_connections(self) -> None:
        """Close both connection pools (getUpdates' and the rest's): after a start that failed (getMe
        refused or unanswered), which PTB's `shutdown` skips, so none is left open behind the error."""
        await asyncio.gather(*(request.shutdown() for request in self._request))

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        method = endpoint.lower()
        if method == "getupdates":  # the polling loop has its own pauses and must stop promptly
            result = await super()._do_post(endpoint, data, **kwargs)
            self.raw_updates.clear()
            if isinstance(result, list):
                self.raw_updates.update(
                    (item["update_id"], json.dumps(item, separators=(",", ":")))
                    for item in result
                    if isinstance(item, dict) and isinstance(item.get("update_id"), int)
                )
            return result
        try:
            result = await self._post_waiting_out_floods(endpoint, data, **kwargs)
        except TelegramError:
            if method in metrics.REPLY_METHODS:
                self.meters.replies_failed.labels(method).inc()
            raise
        if method in metrics.REPLY_METHODS:
            self.meters.replies_sent.labels(method).inc()
        return result

    async def _post_waiting_out_floods(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        """One request, sent again after the wait a 429 asks for (within `FLOOD_WAIT_BUDGET`)."""
        waited = 0.0
        while True:
            try:
                return await self._post_retrying_failures(endpoint, data, **kwargs)
            except RetryAfter as error:
                self.meters.too_many.inc()
                wait = retry_seconds(error)
                if not _WAITS_FOR_FLOOD.get() or waited + wait > FLOOD_WAIT_BUDGET:
                    raise
                log.warning(
                    "telegram %s answered 429: waiting %.0f s as told, then again",
                    endpoint,
                    wait,
                    extra={"event": "telegram_429"},
                )
                await asyncio.sleep(wait)
                waited += wait

    async def _post_retrying_failures(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        """One request, tried again after failures that can't double anything (5xx, never sent)."""
        method = endpoint.lower()
        for attempt, pause in enumerate((*self.retry_pauses, None)):
            try:
                return await super()._do_post(endpoint, data, **kwargs)
            except NetworkError as error:
                safe = certainly_not_done(error) or (fate_unknown(error) and method in _REPEATABLE)
                if pause is None or not safe:
                    raise
                log.warning("telegram %s failed (try %d), trying again: %s", endpoint, attempt + 1, error)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last try raises")

    async def send_message(self, chat_id: int | str, text: str, *args: Any, **kwargs: Any) -> Message:
        """Over 4,096 characters: sent as several messages, the buttons on the last; returns the last.

        A message that certainly did not reach Telegram raises `Undelivered`, carrying its text, so a
        change's confirmation can go through the outbox (bot.guards); so does one Telegram refused with
        a 429 for longer than `FLOOD_WAIT_BUDGET` (except for the outbox's own sends)."""
        try:
            return await self._send_parts(chat_id, text, *args, **kwargs)
        except RetryAfter as error:
            if not _WAITS_FOR_FLOOD.get():
                raise
            html = limits.is_html(kwargs.get("parse_mode"))
            raise Undelivered(error.message, chat_id, text, html) from error
        except NetworkError as error:
            if isinstance(error, BadRequest) or not certainly_not_done(error):
                raise
            html = limits.is_html(kwargs.get("parse_mode"))
            raise Undelivered(error.message, chat_id, text, html) from error

    async def _send_parts(self, chat_id: int | str, text: str, *args: Any, **kwargs: Any) -> Message:
        parts = limits.split(text, limits.MESSAGE, html=limits.is_html(kwargs.get("parse_mode")))
        if len(parts) > 1:
            log.info(
                "a reply of %d characters to chat %s is sent in %d parts", len(text), chat_id, len(parts)
            )
        plain = {k: v for k, v in kwargs.items() if k in ("parse_mode", "link_preview_options")}
        for part in parts[:-1]:
            await super().send_message(chat_id, part, **plain)
        return await super().send_message(chat_id, parts[-1], *args, **kwargs)

    async def edit_message_text(self, text: str, *args: Any, **kwargs: Any) -> Message | bool:
        html = limits.is_html(kwargs.get("parse_mode"))
        return await super().edit_message_text(limits.cut(text, limits.MESSAGE, html=html), *args, **kwargs)

    async def edit_message_caption(self, *args: Any, **kwargs: Any) -> Message | bool:
        return await super().edit_message_caption(*args, **_caption_cut(kwargs))

    async def send_document(self, *args: Any, **kwargs: Any) -> Message:
        return await super().send_document(*args, **_caption_cut(kwargs))

    async def answer_callback_query(
        self, callback_query_id: str, text: str | None = None, *args: Any, **kwargs: Any
    ) -> bool:
        if text is not None:
            text = limits.cut(text, limits.CALLBACK_ANSWER)
        return await super().answer_callback_query(callback_query_id, text, *args, **kwargs)


def _caption_cut(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Captions are given by keyword throughout the handlers; cut one that is too long."""
    caption = kwargs.get("caption")
    if isinstance(caption, str):
        html = limits.is_html(kwargs.get("parse_mode"))
        kwargs = {**kwargs, "caption": limits.cut(caption, limits.CAPTION, html=html)}
    return kwargs


__all__ = [
    "KeepsServerErrors",
    "LimitedBot",
    "TimedOut",
    "Undelivered",
    "certainly_not_done",
    "fate_unknown",
    "not_waiting_for_flood",
    "retry_seconds",
]
