"""Webhook mode: Telegram posts each update to the bot, which stores it before answering 200.

The same inbox as long polling (`store.inbox`): an update is in the database before Telegram hears it
arrived, so a crash loses nothing (Telegram posts an unanswered update again; the inbox ignores one it
has). The same queue and `PersonProcessor` then handle it. A request without the secret token set with
`setWebhook` is refused with 403 before anything is read from it, so only Telegram can post updates.

Choose it over long polling when Telegram should reach the bot rather than the bot keep a request open
to Telegram: behind a reverse proxy with TLS, for many bots on one host, or where outbound long requests
are cut. It needs a public HTTPS URL on port 443, 80, 88 or 8443.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import TelegramError
from tornado.httpserver import HTTPServer
from tornado.web import Application, HTTPError, RequestHandler

from bot import metrics
from bot.guards import halt_of
from bot.polling import InboxPoller, to_body
from bot.settings import Settings
from handlers.context import InspectApplication
from store.inbox import InboxItem, InboxRepository
from store.integrity import storage_failure

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

#: Largest request body accepted (bytes): an update is a few kilobytes.
MAX_BODY = 1 << 20


class WebhookStartError(RuntimeError):
    """The webhook could not be set up (port taken, certificate unreadable, Telegram refused the URL)."""


class _UpdateHandler(RequestHandler):
    """POST one update: check the secret, store it, queue it if new, then answer 200."""

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.receiver.secret.encode()):
            log.warning("webhook: refused a request without the right secret token")
            self.send_error(403)
            return
        try:
            data = json.loads(self.request.body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.receiver.application.bot)
        except (ValueError, TypeError, KeyError):
            log.warning("webhook: refused a body that is not an update")
            self.send_error(400)
            return
        await self.receiver.accept(update)
        self.set_status(200)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(f"{status_code}\n")

    def log_exception(self, typ: Any, value: BaseException | None, tb: Any) -> None:
        """The default logs the request, body included. A GET, HEAD or PUT (an uptime probe, a scanner)
        is answered 405 by tornado: a line at info, not an error that pages the operator. A store that
        can't write (a full disk, a read-only file) stops the bot, as in polling mode (`bot.guards.Halt`)."""
        if isinstance(value, HTTPError):
            log.info("webhook: answered %d to a %s request", value.status_code, self.request.method)
            return
        reason = storage_failure(value)
        if reason is not None:
            halt_of(self.receiver.application).stop(reason)
        log.error("webhook: handling a request failed (answered 500, Telegram will post it again)")


class WebhookReceiver:
    """Runs the webhook server and registers it with Telegram; `replay` and `run` as `InboxPoller`."""

    def __init__(self, application: InspectApplication, inbox: InboxRepository, settings: Settings) -> None:
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        self.application = application
        self.inbox = inbox
        self.url = settings.webhook_url
        self.secret = settings.webhook_secret.get_secret_value()
        self.listen = settings.webhook_listen
        self.port = settings.webhook_port
        self.cert: Path | None = settings.webhook_cert
        self.key: Path | None = settings.webhook_key

    async def replay(self) -> int:
        """Updates stored but not handled before the last stop go first, as in polling mode."""
        return await InboxPoller(self.application, self.inbox, 0).replay(delete_webhook=False)

    async def accept(self, update: Update) -> None:
        """Into the inbox (committed) before the 200; onto the queue only the first time it arrives."""
        fresh = await self.inbox.store([InboxItem(update.update_id, to_body(update))])
        if update.update_id in fresh:
            await self.application.update_queue.put(update)

    async def run(self) -> None:
        """Listen, then tell Telegram where to post; until cancelled."""
        path = urlsplit(self.url).path or "/"
        data = self.application.bot_data
        watch = metrics.routes(data["services"].db, data[metrics.BOT_DATA_KEY])  # /healthz and /metrics too
        app = Application([*watch, (path, _UpdateHandler, {"receiver": self})])
        ssl_context: ssl.SSLContext | None = None
        try:
            if self.cert is not None and self.key is not None:
                ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                ssl_context.load_cert_chain(self.cert, self.key)
            server = HTTPServer(app, ssl_options=ssl_context, max_body_size=MAX_BODY, xheaders=True)
            server.listen(self.port, self.listen)
        except (OSError, ssl.SSLError) as error:
            raise WebhookStartError(
                f"Can't listen on {self.listen}:{self.port} for the webhook: {error}."
            ) from None
        try:
            certificate = self.cert.read_bytes() if self.cert is not None else None
            try:
                await self.application.bot.set_webhook(
                    self.url,
                    certificate=certificate,
                    secret_token=self.secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            except TelegramError as error:
                raise WebhookStartError(
                    f"Telegram refused the webhook {self.url}: {error.message}."
                ) from None
            log.info("webhook: listening on %s:%d for %s", self.listen, self.port, path)
            await asyncio.Event().wait()
        finally:
            server.stop()
            await server.close_all_connections()
