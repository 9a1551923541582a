"""Structured logs: one line per event, `key=value` (for people and grep) or JSON (for log collectors).

The bot logs ids and event names only (never message text, names or codes); this module adds what a
log pipeline needs: a time in UTC, the level, the logger, the message, any `extra=` fields as their own
keys (`event`, `case`, `person`: see `fields`), the `update_id` of the update being handled on every line
logged while it is (`UpdateIdField`, from `store.changes`), so Loki or journald can filter on them, and a
traceback folded into one line so that an event never spans lines. As a last guard, the bot token is
replaced by `<token>` wherever it would appear (httpx logs request URLs, which hold it). Libraries log
at WARNING and above (their INFO is start-up chatter such as apscheduler's "Adding job tentatively"),
at INFO when the level is DEBUG; never at DEBUG, where they log what people wrote.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from telegram.error import RetryAfter

from store import changes

LogFormat = Literal["kv", "json"]

#: The attributes every LogRecord has; anything else on a record came from `extra=` and is logged too.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_") and key not in fields:
            fields[key] = value
    if record.exc_info:
        fields["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else "Exception"
        fields["exc"] = formatter.formatException(record.exc_info)
    return fields


def fields(event: str, *, case: int | None = None, person: int | None = None) -> dict[str, Any]:
    """`extra=` for a log call: an event name and the ids it concerns, each its own field."""
    found: dict[str, Any] = {"event": event}
    if case is not None:
        found["case"] = case
    if person is not None:
        found["person"] = person
    return found


class UpdateIdField(logging.Filter):
    """Every line logged while an update is handled carries its `update_id` as a field."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "update_id"):
            update_id = changes.current_update_id()
            if update_id is not None:
                record.update_id = update_id
        return True


def _kv_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and not any(ch in text for ch in ' "=\\\n\r\t'):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped.replace(chr(9), chr(92) + "t")}"'


class KeyValueFormatter(logging.Formatter):
    """`time=... level=info logger=bot.polling msg="..." key=value`, always one line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line = " ".join(f"{key}={_kv_value(value)}" for key, value in _fields(record, self).items())
        return _redact(line, self._secrets)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the same keys as the key=value form."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line = json.dumps(_fields(record, self), ensure_ascii=False, default=str)
        return _redact(line, self._secrets)


def _redact(line: str, secrets: list[str]) -> str:
    for secret in secrets:
        line = line.replace(secret, "<token>")
    return line


def configure(level: str, fmt: LogFormat, *, secrets: Iterable[str] = ()) -> None:
    """Send every logger's events to stderr in `fmt` at `level`; libraries' chatter stays at WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else KeyValueFormatter(secrets))
    handler.addFilter(UpdateIdField())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries log what people wrote at DEBUG (PTB the parameters of each request, aiosqlite each
    # statement's values) and httpx each URL, token included, at INFO: DEBUG is for our own modules.
    # Their INFO (apscheduler's jobs, PTB's start) only when asked for with DEBUG.
    asked = root.level <= logging.DEBUG
    for library, floor in _LIBRARY_FLOORS.items():
        logging.getLogger(library).setLevel(floor if asked else max(floor, logging.WARNING, root.level))
    limiter = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, RateLimitHitIsAWarning) for f in limiter.filters):
        limiter.addFilter(RateLimitHitIsAWarning())


class RateLimitHitIsAWarning(logging.Filter):
    """PTB's rate limiter logs a 429 it passes on (`max_retries` is 0) as an exception, traceback and all.

    The outbox sender expects that answer and moves the message's time (bot/outbox.py), so it is one
    warning line, not a failure to read through.
    """

    def filter(self, record: logging.LogRecord) -> bool:

        if record.exc_info and isinstance(record.exc_info[1], RetryAfter):
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "telegram answered 429: the sender waits as told", ()
        return True


_LIBRARY_FLOORS = {
    "telegram": logging.INFO,
    "apscheduler": logging.INFO,
    # "Running job ..." and "executed successfully" at INFO for every outbox tick (a line a second); a
    # job that raises or is missed still logs at WARNING and above.
    "apscheduler.executors.default": logging.WARNING,
    "tornado": logging.INFO,
    "aiosqlite": logging.WARNING,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "aiohttp": logging.WARNING,
}
