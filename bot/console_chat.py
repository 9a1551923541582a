"""The terminal side of `inspectbot console`: lines typed become a user's messages to the local Bot API, and
what the bot sends to anyone is printed as it arrives.

A watcher thread reads the local Bot API's chats every tenth of a second and prints each new or edited bot
message once; the buttons of the current user's latest keyboard are numbered, and typing a number presses
one; a button the bot has since taken away is said to be gone, never pressed. A file the bot sends is saved
to a folder and its path printed, so it can be opened. `/clock` sets the bot's test clock (bot.clock's
file), so reminders and windows can be tried on any day. People are named from the bot's own database
(read-only), so `/as provider` finds whoever the bot knows as a provider.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.localapi import BotMessage, FakeBotApi

ROLES = ("manager", "inspector", "provider")
HELP = (
    "Type a message as the current user. A number presses that button of the last keyboard.\n"
    "/as manager|inspector|provider|ID switches user; /clock 2026-12-07 08:59 sets the bot's clock\n"
    "(/clock alone shows it); files the bot sends are saved and their path printed;\n"
    "/quit (or end of input) stops."
)
#: `/clock` takes a local date and time: 2026-12-07 08:59, 2026-12-07T08:59[:30] or 7/12/2026 08:59.
_CLOCK = re.compile(
    r"^(?:(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})|(?P<d2>\d{1,2})/(?P<m2>\d{1,2})/(?P<y2>\d{4}))"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


class ConsoleClock:
    """The bot's test clock file (bot.clock.FileClock reads it): `/clock` writes a moment there."""

    def __init__(self, path: Path, zone: ZoneInfo) -> None:
        self.path = path
        self.zone = zone
        self._written = (datetime.now(zone), time.monotonic())  # what was last written, and when

    def start(self, now: datetime) -> None:
        """Write the real time before the bot starts: until `/clock`, the bot runs on real time."""
        self._write(now)

    def _write(self, moment: datetime) -> None:
        """A whole new file, put in place at once: the bot never reads a half-written one."""
        partial = self.path.with_suffix(".tmp")
        partial.write_text(moment.isoformat(), encoding="utf-8")
        os.replace(partial, self.path)
        self._written = (moment, time.monotonic())

    def read(self) -> datetime:
        """What the bot's clock says now: it runs on from the moment written, as FileClock does."""
        moment, at = self._written
        return (moment + timedelta(seconds=time.monotonic() - at)).astimezone(self.zone)

    @staticmethod
    def shown(moment: datetime) -> str:
        return f"{moment:%A %-d %B %Y %H:%M:%S}"

    def set(self, text: str) -> str:
        """`/clock DATE [TIME]`: write that local moment (midnight without a time); the line to print."""
        found = _CLOCK.match(text.strip())
        if found is None:
            return "(give a date and time: /clock 2026-12-07 08:59; the bot's clock is unchanged)"
        g = found.groupdict()
        try:
            moment = datetime(
                int(g["y"] or g["y2"]),
                int(g["m"] or g["m2"]),
                int(g["d"] or g["d2"]),
                int(g["H"] or 0),
                int(g["M"] or 0),
                int(g["S"] or 0),
                tzinfo=self.zone,
            )
        except ValueError as exc:
            return f"(that is not a date and time: {exc}; the bot's clock is unchanged)"
        self._write(moment)
        return f"(the bot's clock now says {self.shown(moment)} {self.zone.key}; it runs on from there)"


class PeopleBook:
    """Who a Telegram id is, from the bot's database; read fresh each time, as the bot changes it."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        if not self.db.exists():
            return []
        conn = sqlite3.connect(f"{self.db.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return list(conn.execute(sql, args))
        except sqlite3.OperationalError:  # not migrated yet: nobody is known
            return []
        finally:
            conn.close()

    def everyone(self) -> list[tuple[int, str]]:
        rows = self._rows("SELECT telegram_id, display_name FROM people WHERE active = 1", ())
        return [(int(str(tid)), str(name)) for tid, name in rows]

    def first_with_role(self, role: str) -> int | None:
        rows = self._rows(
            "SELECT telegram_id FROM people WHERE role = ? AND active = 1 ORDER BY id LIMIT 1", (role,)
        )
        return int(str(rows[0][0])) if rows else None

    def describe(self, telegram_id: int) -> str:
        rows = self._rows("SELECT display_name, role FROM people WHERE telegram_id = ?", (telegram_id,))
        if not rows:
            return f"user {telegram_id}"
        name, role = rows[0]
        return f"{name} ({role}, {telegram_id})"


class TerminalChat:
    """One person at a time types; everyone's messages from the bot are printed."""

    def __init__(
        self,
        api: FakeBotApi,
        people: PeopleBook,
        out: TextIO,
        *,
        files: Path | None = None,
        clock: ConsoleClock | None = None,
    ) -> None:
        self.api = api
        self.people = people
        self.out = out
        self.files = files  # where sent files are saved (made on the first one); None: only described
        self.clock = clock  # None: the bot runs on real time and /clock says so
        self._saved: dict[tuple[int, int], Path] = {}
        self.user_id: int | None = None
        self._seen: dict[tuple[int, int], int] = {}  # (chat, message) -> versions seen
        self._keyboard: tuple[int, list[str]] | None = None  # message id, callback data by number - 1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="console-watch", daemon=True)
        self.on_idle: Callable[[], str | None] = lambda: None

    # ------------------------------------------------------------ people

    def meet_everyone(self) -> None:
        """Every person the bot knows has 'started' the bot, so it may write to them (as in Telegram)."""
        for telegram_id, name in self.people.everyone():
            self.api.user(telegram_id, name, started=True)

    def switch(self, who: str) -> bool:
        """`/as manager|inspector|provider|ID`; False with a line saying why when nobody matches."""
        who = who.strip().lower()
        target = int(who) if who.isdigit() else self.people.first_with_role(who) if who in ROLES else None
        if target is None or target <= 0:
            hint = "nobody has that role yet" if who in ROLES else "give a role or a Telegram id"
            self.say(f"(no such user: {hint})")
            return False
        self.api.user(target, self.people.describe(target).split(" (")[0], started=True)
        with self._lock:
            self.user_id = target
            self._keyboard = None
            latest = next((m for m in reversed(self.api.chat(target).messages()) if m.callback_data), None)
            self._print_line(f"(you are now {self.people.describe(target)})")
            if latest is not None:
                self._number(latest)
        return True

    # ------------------------------------------------------------ input

    def handle(self, line: str) -> bool:
        """One typed line; False when the console should stop."""
        text = line.strip()
        if not text:
            return True
        if text in ("/quit", "/exit"):
            return False
        if text.startswith("/as ") or text == "/as":
            self.switch(text[3:])
            return True
        if text.startswith("/clock ") or text == "/clock":
            self._set_clock(text[len("/clock") :])
            return True
        if text.split("@")[0] == "/help":
            self.say("(console) " + HELP.replace("\n", "\n(console) "))
        if self.user_id is None:
            self.say("(nobody is typing yet: /as manager|inspector|provider|ID)")
            return True
        user = self.api.user(self.user_id)
        if text.isdigit() and self._keyboard is not None:
            message_id, data = self._keyboard
            number = int(text)
            if not 1 <= number <= len(data):
                self.say(f"(there are buttons 1 to {len(data)})")
                return True
            if not self._still_there(message_id, data[number - 1]):
                self.say(
                    f"(button {number} is no longer there: the bot has taken it away; nothing was pressed)"
                )
                return True
            since = user.mark()
            try:
                query = user.press(data[number - 1], message=message_id)
            except AssertionError:  # taken away between the check and the press
                self.say(
                    f"(button {number} is no longer there: the bot has taken it away; nothing was pressed)"
                )
                return True
            try:
                answer = user.wait_answer(query, timeout=10)
            except AssertionError:
                self.say("(the bot did not answer the button press within 10 s)")
                return True
            if answer.text:
                self.say(f"(pop-up) {answer.text}")
            with contextlib.suppress(AssertionError):  # a press may only edit its message, or do nothing
                user.wait_next(since, lambda m: m.message_id != message_id, timeout=3)
            self.scan()
            return True
        since = user.mark()
        user.send(text)
        try:  # wait for the answer, so lines piped in read as a conversation, not all at once
            user.wait_next(since, timeout=10)
        except AssertionError:
            self.say("(no answer from the bot within 10 s)")
        self.scan()
        return True

    def _still_there(self, message_id: int, data: str) -> bool:
        """Whether the message still shows a button with this callback data (the bot may have removed it)."""
        assert self.user_id is not None
        try:
            message = self.api.chat(self.user_id).message(message_id)
        except AssertionError:  # the message itself is gone
            return False
        return not message.deleted and data in message.callback_data.values()

    def _set_clock(self, text: str) -> None:
        if self.clock is None:
            self.say("(this console's bot runs on real time: its clock can't be set)")
        elif not text.strip():
            self.say(f"(the bot's clock says {self.clock.shown(self.clock.read())} {self.clock.zone.key})")
        else:
            self.say(self.clock.set(text))

    # ------------------------------------------------------------ output

    def say(self, line: str) -> None:
        with self._lock:
            self._print_line(line)

    def _print_line(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def _number(self, message: BotMessage) -> None:
        """Print the message's buttons numbered, and make them the ones a typed number presses."""
        data = list(message.callback_data.values())
        self._keyboard = (message.message_id, data)
        for number, text in enumerate(message.callback_data, start=1):
            self._print_line(f"  [{number}] {text}")

    def _show(self, message: BotMessage, edited: bool) -> None:
        mine = message.chat_id == self.user_id
        head = "bot" if mine else f"bot -> {self.people.describe(message.chat_id)}"
        if edited:
            head += " (edited)"
        body = message.text
        if message.document is not None:
            body = f"{self._file(message)} {body}".rstrip()
        self._print_line(f"{head}: {body}")
        if mine and message.callback_data:
            self._number(message)
        elif message.buttons:
            buttons = " | ".join(text for row in message.buttons for text in row)
            self._print_line(f"  (buttons: {buttons}; /as {message.chat_id} to press them)")

    def _file(self, message: BotMessage) -> str:
        """Save a sent file (once per message) and say where; only describe it if it can't be saved."""
        document = message.document
        assert document is not None
        content = document.content or b""
        name = Path(document.filename or f"file-{message.message_id}").name or f"file-{message.message_id}"
        key = (message.chat_id, message.message_id)
        if self.files is None or document.content is None:
            return f"[file {name}, {len(content)} bytes]"
        path = self._saved.get(key)
        if path is None:
            try:
                self.files.mkdir(parents=True, exist_ok=True)
                path = self.files / name
                n = 1
                while path.exists():
                    n += 1
                    path = self.files / f"{Path(name).stem}-{n}{Path(name).suffix}"
                path.write_bytes(content)
            except OSError as exc:
                return f"[file {name}, {len(content)} bytes, not saved: {exc.strerror}]"
            self._saved[key] = path
        return f"[file {name}, {len(content)} bytes, saved as {path}]"

    def scan(self) -> None:
        """Print every bot message not printed yet, and every edit."""
        with self._lock:
            for chat_id in self.api.chats_with_messages():
                for message in self.api.chat(chat_id).messages():
                    key = (chat_id, message.message_id)
                    versions = len(message.versions)
                    before = self._seen.get(key)
                    if before == versions:
                        continue
                    self._seen[key] = versions
                    if before is not None and message.versions[-1].text == message.versions[-2].text:
                        # Only the buttons changed: most often taken away once pressed, else new ones.
                        if chat_id == self.user_id and message.callback_data:
                            self._number(message)
                        continue
                    self._show(message, edited=before is not None)

    def _watch(self) -> None:
        try:
            while not self._stop.wait(0.1):
                self.scan()
                trouble = self.on_idle()
                if trouble:
                    self.say(trouble)
                    return
        except BrokenPipeError:
            return  # the reader went away (`... | head`): nothing more to show; the main thread stops too

    def start(self) -> None:
        self._watcher.start()

    def stop(self) -> None:
        """Print what is left, then stop watching."""
        self._stop.set()
        if self._watcher.is_alive():
            self._watcher.join(timeout=5)
        self.scan()
