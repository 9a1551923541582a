"""The fake Bot API server as a process of its own, for `bench chat` (issue 23).

With the server in the driver's process, the two share one interpreter lock: the driver's bookkeeping
slowed the server and capped the echo anchor at 430-515 updates a second, where it reaches 727-855 with
the load from another process. So the server runs here alone, and the driver (bench/chat.py) talks to
it through this process's standard streams, one short line a message:

- in: `S<TAB>user id<TAB>text` sends `text` from that person (created on first use); `Q` stops;
- out: first one line of JSON, the environment a bot needs (TELEGRAM_API_URL, ...); then
  `R<TAB>chat id<TAB>time answered<TAB>first 32 characters` for each sendMessage Telegram would have
  accepted, the time being when the server finished answering it (time.time(), the same clock as the
  driver's); at the end `X<TAB>JSON` with the server's internal errors.

    python -m bench._server
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import NamedTuple

from bot.localapi import FakeBotApi, FakeUser

_ROOT = Path(__file__).resolve().parent.parent


class Reply(NamedTuple):
    """One accepted sendMessage: to whom, when the server finished answering it, how it began."""

    chat: int
    at: float
    text: str


def _report(api: FakeBotApi, stop: threading.Event) -> None:
    """Write each accepted sendMessage as one line, in batches as they come."""
    seen = 0
    while not stop.is_set():
        new = api.calls_after(seen, timeout=0.2)
        seen += len(new)
        lines = [
            f"R\t{call.params['chat_id']}\t{call.time + call.duration:.6f}\t"
            + " ".join(str(call.params.get("text", ""))[:32].split())
            + "\n"
            for call in new
            if call.ok and call.method.lower() == "sendmessage"
        ]
        if lines:
            sys.stdout.write("".join(lines))
            sys.stdout.flush()


def main() -> None:
    users: dict[int, FakeUser] = {}
    stop = threading.Event()
    with FakeBotApi() as api:
        sys.stdout.write(json.dumps(api.env()) + "\n")
        sys.stdout.flush()
        reporter = threading.Thread(target=_report, args=(api, stop), daemon=True)
        reporter.start()
        for line in sys.stdin:
            kind, _, rest = line.rstrip("\n").partition("\t")
            if kind == "Q":
                break
            if kind != "S":
                raise ValueError(f"unknown command {kind!r}")
            uid_text, _, text = rest.partition("\t")
            uid = int(uid_text)
            user = users.get(uid)
            if user is None:
                user = users[uid] = api.user(uid, f"U{uid}")
            user.send(text)
        stop.set()
        reporter.join()
        sys.stdout.write("X\t" + json.dumps(api.internal_errors()) + "\n")
        sys.stdout.flush()


class ServerProcess:
    """The driver's side: starts `python -m bench._server`, sends messages, and reads the replies."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench._server"],
            cwd=_ROOT,
            env={**os.environ, "PYTHONPATH": str(_ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in, self._out = self.proc.stdin, self.proc.stdout
        self.env: dict[str, str] = json.loads(self._out.readline())
        self._replies: queue.Queue[Reply] = queue.Queue()
        self.internal_errors: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self._out:
            kind, _, rest = line.rstrip("\n").partition("\t")
            if kind == "R":
                chat, at, text = rest.split("\t", 2)
                self._replies.put(Reply(int(chat), float(at), text))
            elif kind == "X":
                self.internal_errors = json.loads(rest)

    def send(self, user_id: int, text: str) -> None:
        self._in.write(f"S\t{user_id}\t{' '.join(text.split())}\n")

    def replies(self, timeout: float) -> list[Reply]:
        """The replies since the last call, waiting up to `timeout` for the first ([] if none came)."""
        try:
            first = self._replies.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return []
        got = [first]
        while True:
            try:
                got.append(self._replies.get_nowait())
            except queue.Empty:
                return got

    def close(self) -> None:
        """Stop the server; its internal errors (if any) are in `internal_errors` after."""
        if self.proc.poll() is None:
            self._in.write("Q\n")
            self._in.flush()
        self.proc.wait(30)
        self._reader.join(5)


if __name__ == "__main__":
    main()
