"""`inspectbot run` stops with one clear line when it can't start, and never with a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from tests.botprocess import INSPECTBOT


def _run(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INSPECTBOT_"))}
    return subprocess.run(
        [INSPECTBOT, "run"], env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({}, "inspectbot: TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather)."),
        ({"TELEGRAM_BOT_TOKEN": "1:a", "INSPECTBOT_ADMINS": "x"}, "inspectbot: INSPECTBOT_ADMINS 'x' is not"),
    ],
)
def test_bad_settings_stop_with_one_line(tmp_path: Path, env: dict[str, str], line: str) -> None:
    result = _run(env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(line)
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "inspectbot.sqlite3").exists()


def test_unreachable_api_stops_with_one_line(tmp_path: Path) -> None:
    """getMe is tried again after each retry pause (short here: the real ones add up to about 15 s)."""
    url = f"http://127.0.0.1:{_free_port()}"
    env = {"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_API_URL": url, "INSPECTBOT_RETRY_PAUSES": "0.01,0.02"}
    result = _run(env, tmp_path)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"inspectbot: Can't reach the Telegram Bot API at {url}")
    assert "Traceback" not in result.stderr


def test_refused_token_stops_with_one_line(tmp_path: Path) -> None:
    with FakeBotApi(token="123:RIGHT") as api:
        env = {**api.env(), "TELEGRAM_BOT_TOKEN": "123:WRONG"}
        result = _run(env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "inspectbot: Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather."
    )
    assert "Traceback" not in result.stderr
