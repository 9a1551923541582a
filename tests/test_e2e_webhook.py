"""`inspectbot run --webhook URL`: the fake Bot API posts updates with the secret token; the bot stores
them in the same inbox and holds the same conversations; a request without the token is refused."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

from bot.localapi import FakeBotApi
from tests.botprocess import INSPECTBOT, BotProcess
from tests.e2e_helpers import MANAGER, today, typed

SECRET = "s3cret_Token-42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebhookBot(BotProcess):
    """`inspectbot run --webhook URL`, started once Telegram (the fake) has been told the URL."""

    def __init__(self, api: FakeBotApi, workdir: Path) -> None:
        super().__init__(api, workdir, admins=(MANAGER,), INSPECTBOT_WEBHOOK_SECRET=SECRET)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram/update"

    def start(self, timeout: float = 30) -> WebhookBot:
        earlier = len(self.api.calls("setWebhook"))
        args = [INSPECTBOT, "run", "--webhook", self.url, "--listen", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                args, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while len(self.api.calls("setWebhook")) == earlier:
            if self.proc.poll() is not None:
                raise AssertionError(f"inspectbot exited with {self.proc.returncode}:\n{self.log_text()}")
            assert time.monotonic() < deadline, self.log_text()
            time.sleep(0.05)
        return self


def _post(url: str, body: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _request(url: str, method: str) -> int:
    body = b"{}" if method == "PUT" else None
    request = urllib.request.Request(url, data=body, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_updates_by_webhook_go_through_the_inbox_and_hold_a_conversation(
    api: FakeBotApi, tmp_path: Path
) -> None:
    bot = WebhookBot(api, tmp_path)
    with bot:
        info = api.webhook_info()
        assert info["url"] == bot.url
        assert api.calls("setWebhook")[-1].params.get("secret_token") == SECRET

        manager = api.user(MANAGER, "Mia")
        assert manager.ask("/start", "Here is what you can do").text  # answered, through the webhook
        saturday = today() + timedelta(days=(5 - today().weekday()) % 7)
        check = manager.ask(f'/newcase ch-full "Oak House" {typed(saturday)}', "is not a working day")
        assert "is not a working day" in check.text  # a question with buttons, answered by a press
        created = manager.press_and_wait("Set it up", "is set up", message=check)
        assert "#1" in created.text
        answer = manager.ask("when is the draft due for #1?", "Draft report")
        assert "draft" in answer.text.lower()

        deliveries = api.webhook_deliveries()
        assert len(deliveries) >= 3 and all(d.status == 200 for d in deliveries)
        stored = {int(str(row[0])) for row in bot.query("SELECT update_id FROM inbox")}
        assert {d.update_id for d in deliveries} <= stored
        assert not api.calls("getUpdates")  # nothing by long polling

        # Without the secret token, or with a wrong one: refused, never stored, never answered.
        forged = {
            "update_id": 990001,
            "message": {
                "message_id": 77,
                "date": int(time.time()),
                "chat": {"id": MANAGER, "type": "private", "first_name": "Mia"},
                "from": {"id": MANAGER, "is_bot": False, "first_name": "Mia"},
                "text": "/cases",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        before = len(manager.messages())
        assert _post(bot.url, forged, None) == 403
        assert _post(bot.url, forged, "wrong") == 403
        assert _post(bot.url.replace("/update", "/other"), forged, SECRET) == 404
        assert _post(bot.url, {"not": "an update"}, SECRET) == 400
        time.sleep(0.5)
        assert bot.query("SELECT update_id FROM inbox WHERE update_id = 990001") == []
        assert len(manager.messages()) == before

        # The same body with the token is an update like any other (and a repeat is not handled twice).
        forged["update_id"] = 990002
        mark = manager.mark()
        assert _post(bot.url, forged, SECRET) == 200
        assert bot.query("SELECT update_id FROM inbox WHERE update_id = 990002") == [(990002,)]
        assert "Oak House" in manager.wait_next(mark, "Oak House").text
        assert _post(bot.url, forged, SECRET) == 200
        time.sleep(0.5)
        assert len(manager.messages()) == before + 1

        # Issue 21 item 8: an uptime probe's GET or HEAD, or a PUT, is 405 and logged at info, not error.
        for method in ("GET", "HEAD", "PUT"):
            assert _request(bot.url, method) == 405
        # The webhook's server also answers /healthz (issue 21: health and metrics).
        assert _request(bot.url.replace("/telegram/update", "/healthz"), "GET") == 200
    bot.assert_healthy()
    assert "answered 500" not in bot.log_text() and "level=error" not in bot.log_text()
    assert "webhook: answered 405 to a GET request" in bot.log_text()
    assert "refused a request without the right secret token" in bot.log_text()
    assert SECRET not in bot.log_text()

    # Back to long polling on the same database: the webhook is removed and updates arrive again.
    polling = BotProcess(api, tmp_path, admins=(MANAGER,)).start()
    try:
        assert api.webhook_info() == {}  # deleted
        assert "Oak House" in manager.ask("/cases", "Your open cases").text
    finally:
        polling.stop()
    polling.assert_healthy()


def test_webhook_mode_needs_a_secret_token(api: FakeBotApi, tmp_path: Path) -> None:
    env = {**BotProcess(api, tmp_path).env}
    env.pop("INSPECTBOT_WEBHOOK_SECRET", None)
    result = subprocess.run(
        [INSPECTBOT, "run", "--webhook", "https://example.org/hook"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("inspectbot: INSPECTBOT_WEBHOOK_SECRET is not set: webhook mode needs")
    assert len(result.stderr.strip().splitlines()) == 1
    assert api.calls("setWebhook") == []


def test_a_taken_port_is_one_line(api: FakeBotApi, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = {**BotProcess(api, tmp_path).env, "INSPECTBOT_WEBHOOK_SECRET": SECRET}
        result = subprocess.run(
            [
                INSPECTBOT,
                "run",
                "--webhook",
                "http://127.0.0.1/x",
                "--listen",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"inspectbot: Can't listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr
