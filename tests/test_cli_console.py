"""`inspectbot console --demo`, driven as a person would: lines on its standard input, replies read on its
standard output. The bot behind it is the real one (`inspectbot run` on the embedded local Bot API)."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
import time
from pathlib import Path

from tests.botprocess import INSPECTBOT


class Console:
    """The console process, with its output lines gathered by a thread so a wait can time out."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "INSPECTBOT_OUTBOX_TICK": "0.5", "NO_PROXY": "127.0.0.1,localhost"}
        self.proc = subprocess.Popen(
            [INSPECTBOT, "console", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def type(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def expect(self, pattern: str, timeout: float = 15, since: int | None = None) -> re.Match[str]:
        """The first line from now on that matches `pattern`; with `since` (a count of lines seen), the
        first from there on, for a line that may have come while the test waited for others."""
        for line in self.seen[since:] if since is not None else ():
            if found := re.search(pattern, line):
                return found
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no line matching {pattern!r}; the console printed:\n" + "\n".join(self.seen))


def test_console_demo_chat_buttons_switch_and_a_reminder() -> None:
    started = time.monotonic()
    console = Console("--demo", "--reminder-in", "3")
    try:
        console.expect(r"^Demo: ", timeout=30)
        console.expect(r"^\(you are now Maya Manager \(manager, 1001\)\)")
        console.type("/as inspector")
        console.expect(r"^\(you are now Ian Inspector \(inspector, 2002\)\)")

        console.type("when is the draft due?")
        console.expect(r"^bot: Which case do you mean\?")
        number = console.expect(r"^  \[(\d+)\] #1 Oak Lodge$").group(1)
        console.type(number)  # press the button by its number
        console.expect(r"^bot: Draft report sent to the provider for #1 Oak Lodge: done on ")

        console.type("/as provider")
        console.expect(r"^\(you are now Pat Provider \(provider, 3003\)\)")
        # Printed as it arrives (to Pat, whoever is typing then, so any line since the start counts): a
        # reminder in the reminding hours, else the draft notice.
        console.expect(
            r"^bot( -> Pat Provider \(provider, 3003\))?: "
            r"(Reminder for #1 Oak Lodge:|The draft inspection report for #1 Oak Lodge was sent to you)",
            timeout=25,
            since=0,
        )
        console.type("/quit")
        assert console.proc.wait(timeout=20) == 0
    finally:
        if console.proc.poll() is None:
            console.proc.kill()
            console.proc.wait()
    print(f"console demo session: {time.monotonic() - started:.1f} s")


def test_console_without_demo_starts_empty_and_stops_at_end_of_input() -> None:
    console = Console()
    try:
        console.expect(r"^Database: .*\(temporary\)", timeout=30)
        console.expect(r"^\(you are now Manager 1001 \(manager, 1001\)\)")
        console.type("/cases")
        console.expect(r"^bot: ")
        console.type("/as 4242")
        console.type("/start")
        console.expect(r"^bot: ")  # a stranger is answered too (the bot says how to join)
        assert console.proc.stdin is not None
        console.proc.stdin.close()  # end of input
        assert console.proc.wait(timeout=20) == 0
    finally:
        if console.proc.poll() is None:
            console.proc.kill()
            console.proc.wait()


def test_console_survives_a_removed_button_saves_files_and_sets_the_clock(tmp_path: Path) -> None:
    """Issue 20 items 1 and 13: a button the bot took away is said to be gone (the console carries on);
    a sent file is saved where the console says; `/clock` moves the bot's clock; /help lists /clock."""
    files = tmp_path / "files"
    console = Console("--demo", "--reminder-in", "600", "--files", str(files))
    try:
        console.expect(r"^Demo: ", timeout=30)
        # The demo's message is said as it goes: never "outside the hours reminders go" and sent anyway.
        told = console.expect(r"^At \d\d:\d\d:\d\d \(\d\d:\d\d UTC\) Pat Provider gets (.*)$").group(1)
        assert "outside the hours reminders go" not in told, told
        console.expect(r"^\(you are now Maya Manager \(manager, 1001\)\)")
        console.type("/as inspector")
        console.expect(r"^\(you are now Ian Inspector \(inspector, 2002\)\)")
        console.type("when is the draft due?")
        console.expect(r"^bot: Which case do you mean\?")
        number = console.expect(r"^  \[(\d+)\] #1 Oak Lodge$").group(1)
        console.type(number)
        console.expect(r"^bot( \(edited\))?: Draft report sent to the provider for #1 Oak Lodge: done on ")
        console.type(number)  # the same button again: the bot has taken it away
        console.expect(
            rf"^\(button {number} is no longer there: the bot has taken it away; nothing was pressed\)"
        )
        console.type("/as nobody")  # bad input of the console's own: a line, and it carries on
        console.expect(r"^\(no such user: ")

        console.type("/timeline 1")
        found = console.expect(r"^bot: \[file (\S+\.png), (\d+) bytes, saved as (.+?)\]")
        saved = Path(found.group(3))
        assert saved.parent == files.resolve() and saved.name == found.group(1)
        assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and saved.stat().st_size == int(found.group(2))

        console.type("/clock 2027-03-15 08:59")
        console.expect(r"^\(the bot's clock now says Monday 15 March 2027 08:59:00 Europe/London; it runs on")
        console.type("what's due this week?")
        console.expect(r"^bot: .*15 March 2027")  # the bot's week is the console clock's
        console.type("/clock 2027-02-30 10:00")
        console.expect(r"^\(that is not a date and time: .*the bot's clock is unchanged\)")
        console.type("/help")
        console.expect(r"^\(console\) .*/clock 2026-12-07 08:59 sets the bot's clock")
        console.expect(r"^bot: Here is what you can do:")
        console.type("/quit")
        assert console.proc.wait(timeout=20) == 0
    finally:
        if console.proc.poll() is None:
            console.proc.kill()
            console.proc.wait()


def test_console_bad_option_suggests_its_own_help() -> None:
    """Issue 20 item 12: `inspectbot console --foo` suggests 'inspectbot console --help'."""
    done = subprocess.run([INSPECTBOT, "console", "--foo"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "inspectbot: unrecognized arguments: --foo (try 'inspectbot console --help')\n"
