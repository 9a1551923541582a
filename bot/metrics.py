"""What an operator, a load balancer or Prometheus watches: `GET /healthz` and `GET /metrics`.

Served where `INSPECTBOT_METRICS_LISTEN` says (e.g. `127.0.0.1:9464`; off by default), and on the webhook's
server where one runs. `/healthz` answers 200 with a small JSON (database ok, the last update handled,
outbox rows waiting and the oldest one's age) or 503 when the database can't be read; `/metrics` is
Prometheus' text format (prometheus-client): updates handled and their handling time, replies sent and
failed, 429s, the outbox's waiting rows by kind and the oldest one's age, and the database's size. The
counters live in this process (they start at 0 with it); the gauges are read when asked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from tornado.httpserver import HTTPServer
from tornado.web import Application, HTTPError, RequestHandler

from store import health
from store.outbox import Kind

if TYPE_CHECKING:
    from store.database import Database

log = logging.getLogger(__name__)


#: Where the application keeps its `Metrics` in bot_data (bot.app puts it there; /metrics reads it).
BOT_DATA_KEY = "metrics"


class Metrics:
    """The bot's counters and gauges with their own registry: one set per application (`bot.app` builds
    it and hands it to the bot, the update processor, the outbox sender and the /metrics server), not
    process state, so two bots in one process (the tests) count apart."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.updates = Counter(
            "inspectbot_updates_handled", "Updates handled (each once, replays included)", registry=registry
        )
        self.handling = Histogram(
            "inspectbot_update_handling_seconds",
            "Time from an update's turn to its last handler",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=registry,
        )
        self.replies_sent = Counter(
            "inspectbot_replies_sent",
            "Messages sent or edited by Telegram's answer",
            ["method"],
            registry=registry,
        )
        self.replies_failed = Counter(
            "inspectbot_replies_failed",
            "Messages Telegram did not take (after the retries)",
            ["method"],
            registry=registry,
        )
        self.too_many = Counter(
            "inspectbot_telegram_429", "Requests Telegram refused with 429 (flood control)", registry=registry
        )
        self.outbox_retries = Counter(
            "inspectbot_outbox_retries",
            "Outbox sends tried again after a network failure; fate=unknown ones may reach the person twice",
            ["fate"],
            registry=registry,
        )
        self.waiting = Gauge(
            "inspectbot_outbox_waiting", "Outbox rows due and not yet sent", ["kind"], registry=registry
        )
        self.oldest = Gauge(
            "inspectbot_outbox_oldest_waiting_seconds",
            "How long the oldest waiting row has been due",
            registry=registry,
        )
        self.database_bytes = Gauge(
            "inspectbot_database_bytes", "The database file and its WAL", registry=registry
        )
        self.last_handled = Gauge(
            "inspectbot_last_update_handled_timestamp_seconds",
            "When the newest update was handled",
            registry=registry,
        )


#: Methods whose calls count as replies (messages a person sees).
REPLY_METHODS = frozenset(
    {"sendmessage", "senddocument", "editmessagetext", "editmessagecaption", "editmessagereplymarkup"}
)

#: A database that takes longer than this (seconds) to answer the health reads is unhealthy (503).
READ_TIMEOUT = 5.0

#: Outbox kinds always shown (0 when none waits), so a dashboard's series never vanish.
KINDS = tuple(Kind)


def database_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


class _Base(RequestHandler):
    def initialize(self, db: Database, clock: Callable[[], datetime], meters: Metrics) -> None:
        self.db = db
        self.clock = clock
        self.meters = meters

    async def _read(self) -> health.Health | None:
        try:
            return await asyncio.wait_for(health.read(self.db, self.clock()), READ_TIMEOUT)
        except (sqlite3.Error, OSError, ValueError, TimeoutError) as error:
            log.warning("health: the database can't be read (%s)", type(error).__name__)
            return None

    def log_exception(self, typ: Any, value: BaseException | None, tb: Any) -> None:
        """A POST or PUT is answered 405: info, not an error (the default also logs the request)."""
        if isinstance(value, HTTPError):
            log.info("health: answered %d to a %s request", value.status_code, self.request.method)
        else:
            log.error("health: a request failed (%s)", type(value).__name__)


class HealthHandler(_Base):
    async def get(self) -> None:
        now = self.clock()
        found = await self._read()
        if found is None:
            self.set_status(503)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"database": "unreadable"}))
            return
        body = {
            "database": "ok",
            "last_update_handled": None if found.last_handled is None else found.last_handled.isoformat(),
            "outbox_waiting": sum(found.waiting.values()),
            "oldest_waiting_seconds": round(found.oldest_age(now), 1),
        }
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class MetricsHandler(_Base):
    async def get(self) -> None:
        now = self.clock()
        found = await self._read()
        meters = self.meters
        if found is not None:
            for kind in sorted({*KINDS, *found.waiting}):
                meters.waiting.labels(kind).set(found.waiting.get(kind, 0))
            meters.oldest.set(found.oldest_age(now))
            if found.last_handled is not None:
                meters.last_handled.set(found.last_handled.timestamp())
        meters.database_bytes.set(database_bytes(self.db.path))
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(meters.registry))


def _access(handler: RequestHandler) -> None:
    """A scrape every few seconds is not worth a line; anything but a 2xx is (tornado's access log)."""
    if handler.get_status() >= 400:
        log.info(
            "health: %s %s answered %d", handler.request.method, handler.request.path, handler.get_status()
        )


def routes(db: Database, meters: Metrics) -> list[Any]:
    """The two paths, for the metrics server and the webhook's: the application's database and meters."""
    args = {"db": db, "clock": db.clock, "meters": meters}
    return [("/healthz", HealthHandler, args), ("/metrics", MetricsHandler, args)]


def serve(db: Database, meters: Metrics, listen: tuple[str, int]) -> HTTPServer:
    """Start listening (raises OSError when the address is taken); `stop()` the result at the end."""
    server = HTTPServer(Application(routes(db, meters), log_function=_access))
    server.listen(listen[1], listen[0])
    log.info("metrics: serving /healthz and /metrics on %s:%d", *listen)
    return server
