"""A bot as a process for the benchmarks: `inspectbot run` or the echo anchor, timed start to first answer.

bench/ does not import tests/ (issue 19 item 8), so this is the benchmarks' own launcher. A bot counts as
up when it has answered a message: `launch` sends a probe from PROBE_ID right after starting the process
and `wait_answer` waits for the bot's reply to it. That is what a person sees after a restart, and it
does not depend on when the fake server records a long poll (it records getUpdates when the poll
returns, a second after it began, which the old `start_s` figures included; issue 23).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.localapi import FakeBotApi

#: A person on no case and not invited: inspectbot answers "by invitation only", the echo bot echoes.
PROBE_ID = 999_999_999
PROBE_TEXT = "hello"
ROOT = Path(__file__).resolve().parent.parent
INSPECTBOT = str(Path(sys.executable).with_name("inspectbot"))


def bot_env(api_env: dict[str, str], workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of `inspectbot run` (or `migrate`) on workdir's database against a fake server."""
    return {
        **os.environ,
        **api_env,
        "INSPECTBOT_DB": str(workdir / "inspectbot.sqlite3"),
        "INSPECTBOT_ADMINS": "",
        "INSPECTBOT_POLL_TIMEOUT": "1",
        "PYTHONUNBUFFERED": "1",
        "INSPECTBOT_REMINDERS": "off",
        "NO_PROXY": "127.0.0.1,localhost",  # the bot follows a configured proxy, loopback too
        "PYTHONPATH": str(ROOT),
        **extra,
    }


class Bot:
    """One bot process (inspectbot or the echo anchor), its log kept in workdir."""

    def __init__(self, env: dict[str, str], workdir: Path, *, echo: bool = False) -> None:
        self.env = env
        self.workdir = workdir
        self.echo = echo
        self.log = workdir / ("echo.log" if echo else "bot.log")
        self.proc: subprocess.Popen[bytes] | None = None
        self.launched = 0.0  # time.time() when the process was started

    @property
    def pid(self) -> int:
        assert self.proc is not None, "the bot is not running"
        return self.proc.pid

    def launch(self) -> Bot:
        """Start the process (not waiting for anything)."""
        command = [sys.executable, "-m", "bench._echo"] if self.echo else [INSPECTBOT, "run"]
        with self.log.open("ab") as log:
            self.launched = time.time()
            self.proc = subprocess.Popen(
                command,
                env=self.env,
                cwd=ROOT if self.echo else self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def check_alive(self) -> None:
        """Fail with the log if the process has died."""
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"the bot exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)
        self.proc = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_in_process(api: FakeBotApi, bot: Bot, timeout: float = 60) -> float:
    """Launch `bot` on the in-process fake server, send the probe at once, and return the seconds from
    launch to the bot's answer to it (its start to first answer)."""
    probe = api.user(PROBE_ID, "Probe")
    since = probe.mark()
    bot.launch()
    probe.send(PROBE_TEXT)
    deadline = time.monotonic() + timeout
    while True:
        try:
            probe.wait_next(since, timeout=0.5)
            break
        except AssertionError:
            bot.check_alive()
            if time.monotonic() > deadline:
                bot.stop(signal.SIGKILL)
                raise RuntimeError(f"no answer within {timeout:.0f}s:\n{bot.log_text()[-3000:]}") from None
    answered = next(
        c.time + c.duration
        for c in reversed(api.calls("sendMessage"))
        if c.ok and int(c.params["chat_id"]) == PROBE_ID
    )
    return answered - bot.launched


def migrate(api_env: dict[str, str], workdir: Path) -> float:
    """`inspectbot migrate` on the benchmark's database; returns the seconds it took."""
    began = time.perf_counter()
    done = subprocess.run(
        [INSPECTBOT, "migrate"], env=bot_env(api_env, workdir), cwd=workdir, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"inspectbot migrate failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - began
