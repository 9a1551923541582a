"""The golden transcript (issue 19 item 9): every command and button of every role on a few cases, the
bot's replies byte for byte, recorded before the redesign moved anything and kept passing through it.

One in-process bot on a fixed test clock (Wednesday 11 March 2026, 10:00 in London) plays `SCRIPT`; after
each step it waits until the bot is quiet (every update handled, an outbox pass begun after the step has
finished, nothing due left unsent) and writes down what each person received since the last step: each
message's text as sent (HTML), its buttons' labels by row (never their data: the redesign may change data
formats, not labels or rows), documents by name and size, the answers to button presses, and the command
menu when it changes. The test compares that with `tests/golden/transcript.txt` and, on a mismatch, shows
a unified diff of the first step that differs.

To record it again (only when a change of behaviour is meant, and say so in the commit):
    INSPECTBOT_GOLDEN=write .venv/bin/python -m pytest -q tests/test_golden_transcript.py
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.localapi import FakeBotApi, FakeUser
from bot.localapi.state import Chat
from bot.outbox import OutboxSender
from store.codec import time_to_text
from tests.inprocess import InProcessBot
from tests.outbox_world import NOW
from tests.test_e2e_requests import _set_clock, running

GOLDEN = Path(__file__).parent / "golden" / "transcript.txt"
#: The people, in the order each step lists what they received: a manager (an admin), an inspector, a
#: provider and a stranger nobody invited.
PEOPLE = {"mia": (8001, "Mia"), "ian": (8003, "Ian"), "pat": (8004, "Pat"), "sam": (8009, "Sam")}
#: How far the clock moves between two steps: more than a step takes, so time never goes back.
STEP_TIME = timedelta(seconds=10)
_CODE = re.compile(r"\?start=([A-Za-z0-9_-]+)")
_STAMP = re.compile(rb"^DTSTAMP[:;].*\r?\n", re.MULTILINE)
HEADER = """\
# Golden transcript: tests/test_golden_transcript.py plays its SCRIPT and compares with this file.
# Rewrite: INSPECTBOT_GOLDEN=write .venv/bin/python -m pytest -q tests/test_golden_transcript.py
# Per step: who acted and what they sent or pressed; then, per person (mia manager, ian inspector,
# pat provider, sam stranger), what they received since the last step: each message's text as sent (HTML),
# its inline buttons' labels by row, documents by name, size and content hash; edits and deletions of
# earlier messages by message number; the answer to a button press; the command menu when it changes.
# Normalised: invitation codes (random) become <code1>, <code2>... in order of first appearance; a
# calendar file's DTSTAMP lines (the moment it was made) are left out of its hash. Per person, the replies
# to their own action come first in order of arrival, then the outbox's notices in the order their rows
# were written (the sender sends groups in parallel: arrival order between two notices is not fixed).
"""


@dataclass(frozen=True)
class Step:
    """One thing a person does: send a text, press a button (by its label, on the latest message that
    shows it, or on the latest one whose text holds `on`), join by the latest invitation link `on`'s
    person received, send a document or a sticker; or (who == "clock") the clock moves to `what`."""

    who: str
    do: str
    what: str = ""
    on: str | None = None
    content: bytes = b""


def say(who: str, text: str) -> Step:
    return Step(who, "send", text)


def press(who: str, label: str, on: str | None = None) -> Step:
    return Step(who, "press", label, on)


def join(who: str, inviter: str) -> Step:
    return Step(who, "join", on=inviter)


def clock(moment: str) -> Step:
    return Step("clock", "clock", moment)


def document(who: str, name: str, content: bytes, caption: str | None = None) -> Step:
    return Step(who, "document", name, caption, content)


def sticker(who: str) -> Step:
    return Step(who, "sticker")


def _every(who: str, commands: list[str]) -> list[Step]:
    return [say(who, command) for command in commands]


#: Each role's commands without arguments (a picker or a usage line), as every role tries every one.
_ALL_COMMANDS = [
    "/cases",
    "/due",
    "/case",
    "/calendar",
    "/timeline",
    "/newcase",
    "/record",
    "/undo",
    "/edit",
    "/close",
    "/reopen",
    "/invite",
    "/assign",
    "/reminders",
    "/mute",
    "/unmute",
    "/status",
    "/defer",
    "/complain",
    "/comments",
    "/notify",
    "/survey",
    "/feedback",
    "/review",
    "/programme",
    "/setting",
    "/help",
    "/cancel",
]

SCRIPT: list[Step] = [
    # A stranger first: nobody has invited them.
    say("sam", "/start"),
    say("sam", "/help"),
    say("sam", "/cases"),
    say("sam", "hello"),
    # The manager (an admin) starts and sets up the cases.
    say("mia", "/start"),
    say("mia", "/help"),
    say("mia", '/newcase ch-full "Oak House" 2/3/2026'),
    say("mia", '/newcase ch-full "Elm House" 23/3/2026'),
    say("mia", '/newcase asa-full "Ash Agency" 23/3/2026'),
    say("mia", '/newcase la-sif "Northshire" 2/3/2026'),
    say("mia", "/invite inspector 1"),
    join("ian", "mia"),
    say("mia", "/invite provider 1"),
    join("pat", "mia"),
    say("mia", "/invite provider 2"),
    join("pat", "mia"),
    say("mia", "/invite provider 3"),
    join("pat", "mia"),
    say("mia", "/assign 2"),
    *_every("mia", _ALL_COMMANDS),
    *_every("ian", _ALL_COMMANDS),
    *_every("pat", _ALL_COMMANDS),
    *_every("sam", _ALL_COMMANDS),
    # Slips: an unknown command, a near miss, a sticker where words are wanted.
    say("mia", "/foo"),
    say("mia", "/cse 1"),
    sticker("mia"),
    # With a case, and one bad argument each (manager).
    say("mia", "/cases closed"),
    say("mia", "/cases overdue"),
    say("mia", "/cases nonsense"),
    say("mia", "/due 1"),
    say("mia", "/due 99"),
    say("mia", "/case oak"),
    say("mia", "/case 99"),
    say("mia", "/calendar 4"),
    say("mia", "/calendar x"),
    say("mia", "/timeline 4"),
    say("mia", "/timeline x"),
    say("mia", '/newcase nosuchkind "Yew House" 2/3/2026'),
    say("mia", '/newcase ch-full "Yew House" 31/2/2026'),
    say("mia", "/record 4 nonsense"),
    say("mia", "/undo x"),
    say("mia", "/edit 1 colour"),
    say("mia", "/close x"),
    say("mia", "/reopen 1"),
    say("mia", "/invite wizard"),
    say("mia", "/assign 99 inspector Ian"),
    say("mia", "/mute x"),
    say("mia", "/unmute 1"),
    say("mia", "/status now"),
    say("mia", "/defer 3"),
    say("mia", "/notify 3 31/2/2026"),
    say("mia", "/feedback 1"),
    say("mia", "/review 1"),
    say("mia", "/programme 2"),
    say("mia", "/setting Oak"),
    say("mia", "/setting SC999999"),
    # The inspector's and the provider's own arguments; the provider sees no date of #2 before it starts.
    say("ian", "/due 1"),
    say("ian", "/case 2"),
    say("ian", "/record 1 nonsense"),
    say("ian", "/mute 1"),
    say("ian", "/reminders"),
    say("ian", "/unmute 1"),
    say("pat", "/due 2"),
    say("pat", "/case 2"),
    say("pat", "/calendar 2"),
    say("pat", "/timeline 2"),
    say("pat", "/due 3"),
    say("pat", "/calendar 3"),
    say("pat", "/case 4"),
    say("pat", "/defer 2"),
    say("pat", "/defer x"),
    say("pat", "/complain 2"),
    say("pat", "/comments 1"),
    say("pat", "/survey 1"),
    # Plain words.
    say("pat", "when is the draft due?"),
    say("pat", "what's due this week?"),
    say("ian", "is anything overdue?"),
    say("mia", "when do my comments have to be in?"),
    say("pat", "how do I complain?"),
    say("sam", "how do I complain?"),
    # Every picker's case button.
    press("pat", "#1 Oak House", "Which case do you mean?"),
    press("pat", "#1 Oak House", "Which case is the complaint about?"),
    press("mia", "#1 Oak House", "Which case do you mean?"),
    say("mia", "/due"),
    press("mia", "#1 Oak House"),
    say("mia", "/case"),
    press("mia", "#4 Northshire"),
    # Assign: the picker's inspector button.
    press("mia", "Ian", "Which inspector should be on"),
    # /newcase step by step, to the end; then one cancelled by its button.
    say("mia", "/newcase"),
    press("mia", "Children's home: assurance inspection"),
    say("mia", "Birch House"),
    say("mia", "9/3/2026"),
    press("mia", "Set it up"),
    say("mia", "/newcase"),
    press("mia", "Adoption support agency: full inspection"),
    say("mia", "Cedar Agency"),
    press("mia", "No"),
    say("mia", "30/3/2026"),
    press("mia", "Usual: Wednesday 1 April 2026"),
    press("mia", "Cancel"),
    # The same setting and days again: asked first.
    say("mia", '/newcase ch-full "Oak House" 2/3/2026'),
    press("mia", "Yes, set up another"),
    # /invite by its buttons.
    say("mia", "/invite"),
    press("mia", "Another manager"),
    say("mia", "/invite"),
    press("mia", "An inspector"),
    say("mia", "/invite"),
    press("mia", "A provider (for a case)"),
    press("mia", "#4 Northshire"),
    say("ian", "/invite"),
    press("ian", "#1 Oak House"),
    # /record step by step: the case, what, the day by its button; then the judgement by its grade.
    say("ian", "/record"),
    press("ian", "#1 Oak House"),
    press("ian", "Visit ended (feedback given)"),
    press("ian", "Yesterday"),
    press("ian", "Yes, record it"),
    say("ian", "/record 1"),
    press("ian", "Inspection evidence and report submitted for quality…"),
    press("ian", "Today"),
    say("ian", "/record 1 draft_report 11/3/2026"),
    say("ian", "/record 1"),
    press("ian", "Judgement"),
    press("ian", "Inadequate"),
    # The provider's comments on the draft: typed, then a document; the inspector reads them.
    say("pat", "/comments 1"),
    say("pat", "See paragraph 3."),
    press("pat", "Send the comments"),
    say("pat", "/comments 1"),
    sticker("pat"),
    document("pat", "reply.pdf", b"%PDF-1.4 comments on paragraphs 3 and 7", "On paragraph 7."),
    press("pat", "Send the comments"),
    press("ian", "Get reply.pdf"),
    press("ian", "Mark as seen"),
    # A formal complaint.
    say("pat", "/complain 1"),
    say("pat", "The inspector did not speak to the registered manager."),
    press("pat", "Send the complaint"),
    # Asking to defer the announced inspection; the manager declines it with a reason.
    say("pat", "/defer 3"),
    press("pat", "The setting is due to close, merge or move"),
    say("pat", "We merge with Elm House on 20 March."),
    press("pat", "Send the request"),
    press("mia", "Decline"),
    say("mia", "The merger does not stop the inspection."),
    press("pat", "Withdraw the request"),
    # The manager responds to the complaint.
    press("mia", "Respond"),
    say("mia", "We have looked into it and the inspection stands."),
    # The survey the draft report offered: started and answered by its buttons.
    press("pat", "Start the survey"),
    press("pat", "4"),
    press("pat", "Skip"),
    press("pat", "5"),
    say("pat", "Shorter visits would help."),
    # The case review the manager started: the debrief, then the decision.
    press("mia", "Debrief"),
    say("mia", "A monitoring visit within 8 weeks."),
    press("mia", "Decide"),
    press("mia", "Monitoring visit"),
    # Undo, edit, close and reopen by their buttons.
    say("ian", "/undo 1"),
    press("ian", "Undo it"),
    say("ian", "/undo 1"),
    press("ian", "Keep it"),
    say("mia", "/edit 1"),
    press("mia", "Planned on-site days"),
    say("mia", "2/3/2026 4/3/2026"),
    say("mia", "/edit 5"),
    press("mia", "Setting's name"),
    say("mia", "Birch Lodge"),
    say("mia", "/close 6"),
    press("mia", "Entered by mistake"),
    say("mia", "/reopen 6"),
    say("mia", "/close 4"),
    press("mia", "Completed"),
    press("mia", "No, keep it open"),
    say("mia", "/close 6 completed"),
    press("mia", "Yes, close it"),
    say("mia", "/cases closed"),
    say("mia", "/edit 2 days 30/3/2026"),
    say("mia", "/edit 3"),
    press("mia", "Kind of inspection"),
    say("mia", "/edit 3"),
    press("mia", "URN"),
    say("mia", "SC123456"),
    say("mia", "/notify 3"),
    press("pat", "Acknowledge"),
    press("pat", "Ask to defer"),
    press("pat", "Other (explain)"),
    say("pat", "/cancel"),
    # The reminders' buttons: done (and when), snooze, open the case.
    say("ian", "/reminders"),
    press("ian", "Done: Handwritten evidence scanned into the inspection…"),
    press("ian", "Yesterday"),
    press("ian", "Snooze"),
    press("ian", "Open case #1"),
    say("mia", "/feedback"),
    say("mia", "/feedback 1"),
    say("mia", "/cases inspector Ian"),
    say("mia", "/cases kind ch-full"),
    say("mia", "/programme overdue"),
    say("mia", "/programme inspectors"),
    say("mia", "/programme kind ch-full"),
    say("mia", "/programme March"),
    say("mia", "/setting SC123456"),
    say("mia", "/status"),
    # An old conversation's button, pressed after the conversation ended.
    press("mia", "Children's home: full inspection", "What kind of inspection is it?"),
    # The next working morning: the managers' digest and the day's reminders.
    clock("2026-03-12T09:00:00+00:00"),
    press("mia", "Cases with something overdue"),
    press("mia", "Every overdue deadline"),
    press("mia", "Next »"),
    # Elm House's visit begins: its provider now sees its dates, and asks to defer it; approved.
    clock("2026-03-30T10:00:00+00:00"),
    say("pat", "/due 2"),
    say("pat", "/defer 2"),
    press("pat", "Other (explain)"),
    say("pat", "Our registered manager is in hospital."),
    press("pat", "Send the request"),
    press("mia", "Approve"),
    say("mia", "13/4/2026"),
]


class _Passes:
    """Counts the outbox sender's passes (`OutboxSender.send_due`), so a step can wait for one that began
    after it: only then has the sender seen what the step wrote or what the moved clock made due."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = 0
        self.finished = 0  # the highest start number whose pass has ended
        self.sender: OutboxSender | None = None  # the running bot's, seen on its first pass

    def writes(self) -> int:
        """The running bot's count of outbox rows written (its database's `reminding.writes`)."""
        assert self.sender is not None, "no outbox pass yet"
        return self.sender.db.reminding.writes

    def wrap(self, send_due: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(send_due)
        async def counted(sender: OutboxSender, until: float | None = None) -> bool:
            with self.lock:
                self.sender = sender
                self.started += 1
                mine = self.started
            try:
                result: bool = await send_due(sender, until)
                return result
            finally:
                with self.lock:
                    self.finished = max(self.finished, mine)

        return counted


def _until(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Poll the bot's database (which the fake's waits cannot watch) until `condition` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.005)


class Recorder:
    """Plays steps against the running bot and writes what each person received after each one."""

    def __init__(self, api: FakeBotApi, bot: InProcessBot, clock_file: Path, passes: _Passes) -> None:
        self.api = api
        self.bot = bot
        self.clock_file = clock_file
        self.passes = passes
        self.now = NOW
        self.users: dict[str, FakeUser] = {
            name: api.user(uid, first) for name, (uid, first) in PEOPLE.items()
        }
        self.codes: dict[str, str] = {}
        self.answers = dict.fromkeys(PEOPLE, 0)
        self.menus: dict[str, list[str]] = {name: self._menu(name) for name in PEOPLE}
        self.keyboards: dict[str, list[list[str]] | None] = dict.fromkeys(PEOPLE)
        self.pressed: list[str] = []  # callback data pressed, for the coverage report only

    # ------------------------------------------------------------------ acting

    def play(self, number: int, step: Step) -> str:
        telegram = self.api.telegram
        mark = telegram.mark()
        writes = self.passes.writes()
        # The test clock runs on from when its file was written: set again, each step starts at its own
        # moment (STEP_TIME after the last) however slow the machine is, and time never goes back.
        if step.do != "clock":
            self.now += STEP_TIME
            _set_clock(self.clock_file, self.now)
        said = self._act(step)
        self._settle(moved=step.do == "clock" or writes != self.passes.writes())
        lines = [f"== step {number}: {said}"]
        for name in PEOPLE:
            lines.extend(self._received(name, mark))
        return "\n".join(lines) + "\n"

    def _act(self, step: Step) -> str:
        if step.do == "clock":
            self.now = datetime.fromisoformat(step.what).astimezone(UTC)
            _set_clock(self.clock_file, self.now)
            return f"the clock moves to {step.what}"
        user = self.users[step.who]
        if step.do == "send":
            user.send(step.what)
            return f"{step.who} sends {self._normal(step.what)!r}"
        if step.do == "join":
            assert step.on is not None
            inviter = self.users[step.on]
            links = [m for m in inviter.messages() if _CODE.search(m.text)]
            assert links, f"{step.on} received no invitation link"
            code = _CODE.findall(links[-1].text)[-1]
            user.send(f"/start {code}")
            return f"{step.who} sends {self._normal('/start ' + code)!r}"
        if step.do == "press":
            shown = [
                m
                for m in user.messages()
                if step.what in m.callback_data and (step.on is None or step.on in m.text)
            ]
            if not shown:
                latest = "\n".join(m.describe() for m in user.messages()[-3:])
                raise AssertionError(f"{step} finds no such button; the latest messages:\n{latest}")
            message = shown[-1]
            self.pressed.append(message.callback_data[step.what])
            user.press(step.what, message)
            return f"{step.who} presses [{step.what}] on message {message.message_id}"
        if step.do == "document":
            user.send_document(step.what, step.content, caption=step.on)
            caption = f" with the caption {step.on!r}" if step.on else ""
            return f"{step.who} sends the document {step.what} ({len(step.content)} bytes){caption}"
        if step.do == "sticker":
            user.send_sticker()
            return f"{step.who} sends a sticker"
        raise AssertionError(f"unknown step {step}")

    def _settle(self, *, moved: bool) -> None:
        """Quiet: every update the fake holds was handled (the inbox marks it done); when the step wrote
        outbox rows or moved the clock, a sender pass that began after that has ended; nothing due is
        left pending or sending."""
        last = self.api.telegram.next_update_id - 1
        handled = "SELECT count(*) FROM inbox WHERE update_id = ? AND done_at IS NOT NULL"
        _until(
            lambda: (
                self.bot.query(handled, last) == [(1,)]
                and self.bot.query("SELECT count(*) FROM inbox WHERE done_at IS NULL") == [(0,)]
            ),
            "handling every update",
        )
        if moved:
            begun = self.passes.started
            _until(lambda: self.passes.finished > begun, "an outbox pass after the step")
        # What falls due within a minute (the clock runs on: a reminder written now is due a moment
        # later); the next row due after that is hours away.
        due = "SELECT count(*) FROM outbox WHERE state = 'sending' OR (state = 'pending' AND due_at <= ?)"
        moment = time_to_text(self.now + timedelta(minutes=1))
        _until(lambda: self.bot.query(due, moment) == [(0,)], "sending what was due")

    # ------------------------------------------------------------------ reading

    def _received(self, name: str, mark: int) -> list[str]:
        uid = PEOPLE[name][0]
        telegram = self.api.telegram
        with telegram.cond:
            chat: Chat | None = telegram.chats.get(uid)
            if chat is None:
                return []
            events = [(seq, mid, kind) for seq, mid, kind in chat.events if seq > mark]
            counts: dict[int, int] = {}
            for seq, mid, kind in chat.events:
                if seq > mark:
                    break
                if kind in ("new", "edit"):
                    counts[mid] = counts.get(mid, 0) + 1
            seen: list[tuple[int, int, str, list[str]]] = []
            for seq, mid, kind in events:
                msg = chat.messages[mid]
                if kind == "delete":
                    seen.append((seq, mid, kind, [f"  deletes message {mid}"]))
                    continue
                index = counts.get(mid, 0)
                counts[mid] = index + 1
                version = msg.versions[index]
                head = f"  message {mid}" if kind == "new" else f"  edits message {mid} to"
                body = [head, *self._version(version.raw_text, version.reply_markup)]
                if kind == "new" and msg.document is not None:
                    body.append(self._document(msg.document.filename, msg.document.content))
                seen.append((seq, mid, kind, body))
            answers = chat.callback_answers[self.answers[name] :]
            self.answers[name] = len(chat.callback_answers)
            keyboard = self.api.chat(uid).reply_keyboard()
        notices = self._notice_order(uid)
        replies = [entry for entry in seen if entry[1] not in notices]
        noticed = sorted((e for e in seen if e[1] in notices), key=lambda e: (notices[e[1]], e[0]))
        lines: list[str] = []
        for _, _, _, body in replies:
            lines.extend(body)
        if noticed:
            lines.append("  (notices)")
            for _, _, _, body in noticed:
                lines.extend(body)
        for answer in answers:
            alert = " (alert)" if answer.show_alert else ""
            lines.append(f"  answer{alert}: {self._normal(answer.text or '')!r}")
        if keyboard != self.keyboards[name]:
            self.keyboards[name] = keyboard
            lines.append(f"  reply keyboard: {keyboard}")
        menu = self._menu(name)
        if menu != self.menus[name]:
            self.menus[name] = menu
            lines.append(f"  menu: {' '.join(menu)}")
        return [f"-> {name}", *lines] if lines else []

    def _version(self, raw_text: str, markup: dict[str, Any] | None) -> list[str]:
        lines = ["    | " + line for line in self._normal(raw_text).split("\n")]
        for row in (markup or {}).get("inline_keyboard", []):
            labels = [str(b.get("text", "")) + (" (link)" if "url" in b else "") for b in row]
            lines.append("    [" + "] [".join(labels) + "]")
        return lines

    @staticmethod
    def _document(filename: str | None, content: bytes | None) -> str:
        data = content or b""
        normal = _STAMP.sub(b"", data) if (filename or "").endswith(".ics") else data
        digest = hashlib.sha256(normal).hexdigest()[:16]
        return f"    document {filename} ({len(data)} bytes, sha256 {digest})"

    def _notice_order(self, uid: int) -> dict[int, int]:
        """Message id -> the first outbox row it carried, for this person's messages sent by the outbox."""
        rows = self.bot.query(
            "SELECT o.message_id, MIN(o.id) FROM outbox o JOIN people p ON p.id = o.person_id"
            " WHERE p.telegram_id = ? AND o.message_id IS NOT NULL GROUP BY o.message_id",
            uid,
        )
        return {int(str(mid)): int(str(first)) for mid, first in rows}

    def _menu(self, name: str) -> list[str]:
        scope = {"type": "chat", "chat_id": PEOPLE[name][0]}
        return [f"/{c['command']}" for c in self.api.commands(scope=scope)]

    def _normal(self, text: str) -> str:
        """Invitation codes (random) as <code1>, <code2>... by first appearance."""
        for code in _CODE.findall(text):
            self.codes.setdefault(code, f"<code{len(self.codes) + 1}>")
        for code, name in self.codes.items():
            text = text.replace(code, name)
        return text


def _steps(text: str) -> list[str]:
    """The transcript cut into its header and steps, for showing the first that differs."""
    return re.split(r"(?m)^(?=== step )", text)


def _first_difference(expected: str, actual: str) -> str:
    old, new = _steps(expected), _steps(actual)
    for index in range(max(len(old), len(new))):
        a = old[index] if index < len(old) else ""
        b = new[index] if index < len(new) else ""
        if a != b:
            diff = difflib.unified_diff(
                a.splitlines(keepends=True), b.splitlines(keepends=True), "recorded", "now"
            )
            return "".join(diff)
    return ""


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Passes]:
    counter = _Passes()
    monkeypatch.setattr(OutboxSender, "send_due", counter.wrap(OutboxSender.send_due))
    yield counter


def test_the_golden_transcript(api: FakeBotApi, tmp_path: Path, passes: _Passes) -> None:
    """Every step's replies are byte for byte the recorded ones (INSPECTBOT_GOLDEN=write records them)."""
    started = time.monotonic()
    with running(api, tmp_path) as bot:
        # The sender's first pass (a second after the start) plans the day's digests: before any case.
        _until(lambda: passes.finished > 0, "the outbox sender's first pass")
        recorder = Recorder(api, bot, tmp_path / "clock.txt", passes)
        played: list[str] = []
        try:
            for number, step in enumerate(SCRIPT, 1):
                played.append(recorder.play(number, step))
        finally:  # what was played, to read when a step fails
            (tmp_path / "transcript.txt").write_text(HEADER + "".join(played), encoding="utf-8")
    actual = HEADER + "".join(played)
    print(f"golden transcript: {len(SCRIPT)} steps in {time.monotonic() - started:.1f} s")
    if os.environ.get("INSPECTBOT_GOLDEN") == "write":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8")
        return
    assert GOLDEN.exists(), f"no recorded transcript: record it with INSPECTBOT_GOLDEN=write ({GOLDEN})"
    expected = GOLDEN.read_text(encoding="utf-8")
    if actual != expected:
        pytest.fail("the transcript differs; first differing step:\n" + _first_difference(expected, actual))
