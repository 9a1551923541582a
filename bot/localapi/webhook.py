"""Webhook pushes: while a webhook is set, POST each pending update to it, one at a time, as Telegram does.

A background thread sleeps on the fake's condition until a webhook is set and an update waits; a failed
POST is recorded (getWebhookInfo shows it) and retried after a pause.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from .model import WebhookDelivery
from .state import Telegram

__all__ = ["WebhookPusher"]


class WebhookPusher:
    """The thread that delivers updates to the webhook; started by setWebhook, ended by the fake's stop."""

    def __init__(self, telegram: Telegram) -> None:
        self.telegram = telegram
        self._thread: threading.Thread | None = None

    def ensure_running(self) -> None:
        """Start the pushing thread unless it runs (called with the lock held, by setWebhook)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="fakebotapi-webhook", daemon=True)
            self._thread.start()

    def join(self) -> None:
        """Wait for the thread to end, once the fake is stopping."""
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def _loop(self) -> None:
        """POST pending updates to the webhook one at a time, retrying failures after a pause."""
        telegram = self.telegram
        while True:
            with telegram.cond:
                while not telegram.stopping and not (telegram.webhook.get("url") and telegram.deliverable()):
                    telegram.cond.wait()
                if telegram.stopping:
                    return
                update = json.loads(json.dumps(telegram.deliverable()[0]))
                url = str(telegram.webhook["url"])
                secret = telegram.webhook.get("secret_token")
            status, error = self._post_update(url, secret, update)
            with telegram.cond:
                telegram.webhook_deliveries.append(
                    WebhookDelivery(
                        update_id=update["update_id"], url=url, time=time.time(), status=status, error=error
                    )
                )
                if error is None:
                    telegram.updates = [u for u in telegram.updates if u["update_id"] != update["update_id"]]
                    telegram.delivered.append(update["update_id"])
                else:
                    telegram.webhook_error = (int(time.time()), error)
                    telegram.cond.wait(0.2)  # back off before retrying, as Telegram does (far longer there)
                telegram.cond.notify_all()

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
