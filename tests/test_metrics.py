"""`GET /healthz` and `GET /metrics` (issue 21: health and metrics), served where INSPECTBOT_METRICS_LISTEN
says: through a running bot on the fake Bot API, and in process for the 503 of a database that can't be
read (simulated by closing the database's connections under the server)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from bot import metrics
from bot.localapi import FakeBotApi
from bot.settings import SettingsError, load_settings
from store.database import Database
from tests.e2e_helpers import CALENDAR, MANAGER, today, typed
from tests.inprocess import InProcessBot


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def _value(text: str, name: str) -> float:
    """A sample's value from Prometheus' text format (the first line naming it exactly)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in:\n{text}")


def test_a_running_bot_serves_healthz_and_metrics(api: FakeBotApi, tmp_path: Path) -> None:
    port = _free_port()
    bot = InProcessBot(
        api, tmp_path, admins=(MANAGER,), INSPECTBOT_METRICS_LISTEN=f"127.0.0.1:{port}"
    ).start()
    try:
        base = f"http://127.0.0.1:{port}"
        status, body = _get(f"{base}/healthz")
        assert status == 200
        before = json.loads(body)
        assert before["database"] == "ok" and before["outbox_waiting"] == 0

        start = typed(CALENDAR.add_working_days(today(), 3))
        assert "#1" in api.user(MANAGER).ask(f'/newcase ch-full "Oak House" {start}', "set up").text
        deadline = time.monotonic() + 10
        while True:  # the reply goes before the update is marked handled (the last handler group)
            status, body = _get(f"{base}/healthz")
            health = json.loads(body)
            if health["last_update_handled"] is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == 200 and health["last_update_handled"] is not None
        assert health["oldest_waiting_seconds"] == 0.0

        status, text = _get(f"{base}/metrics")
        assert status == 200
        assert _value(text, "inspectbot_updates_handled_total") >= 1
        assert _value(text, "inspectbot_update_handling_seconds_count") >= 1
        assert _value(text, 'inspectbot_replies_sent_total{method="sendmessage"}') >= 1
        assert _value(text, 'inspectbot_outbox_waiting{kind="reply"}') == 0
        assert _value(text, "inspectbot_outbox_oldest_waiting_seconds") == 0
        assert _value(text, "inspectbot_database_bytes") > 0
        assert _value(text, "inspectbot_telegram_429_total") == 0
        assert _get(f"{base}/nothing")[0] == 404
    finally:
        bot.stop()
    bot.assert_healthy()
    assert "level=error" not in bot.log_text()


async def test_healthz_is_503_when_the_database_can_not_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "READ_TIMEOUT", 0.5)
    db = await Database.open(tmp_path / "db.sqlite3")
    port = _free_port()
    server = metrics.serve(db, metrics.Metrics(), ("127.0.0.1", port))
    client = AsyncHTTPClient()
    try:
        ok = await client.fetch(f"http://127.0.0.1:{port}/healthz")
        assert ok.code == 200 and json.loads(ok.body)["database"] == "ok"
        await db.close()  # every connection gone: what a vanished or unreadable file looks like to it
        with pytest.raises(HTTPClientError) as refused:
            await client.fetch(f"http://127.0.0.1:{port}/healthz")
        assert refused.value.code == 503
        assert json.loads(refused.value.response.body if refused.value.response else b"{}") == {
            "database": "unreadable"
        }
        scraped = await client.fetch(f"http://127.0.0.1:{port}/metrics")  # still answers, counters and all
        assert b"inspectbot_database_bytes" in scraped.body
    finally:
        server.stop()
        await asyncio.sleep(0)


def test_the_metrics_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:a")
    monkeypatch.setenv("INSPECTBOT_METRICS_LISTEN", "127.0.0.1:9464")
    assert load_settings().metrics_listen == ("127.0.0.1", 9464)
    monkeypatch.setenv("INSPECTBOT_METRICS_LISTEN", "")
    assert load_settings().metrics_listen is None  # off by default
    monkeypatch.setenv("INSPECTBOT_METRICS_LISTEN", "9464")
    with pytest.raises(SettingsError, match="INSPECTBOT_METRICS_LISTEN"):
        load_settings()
