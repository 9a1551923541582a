"""The golden transcript (issue 19 item 9): every command and button of every role on a few cases, the
bot's replies byte for byte, recorded before the redesign moved anything and kept passing through it.

One in-process bot plays `SCRIPT` on the test clock: Wednesday 11 March 2026, 10:00 in London, each step
30 s after the last (STEP_TIME), and two moves to later mornings. After each step it waits until the bot
is quiet (every update handled; after a clock move, an outbox pass begun after it; nothing due left
unsent) and writes down what each person received since the last step, read from the fake Bot API's own
record of each chat: each message's text as sent (HTML), its buttons' labels by row (never their data:
the redesign may change data formats, not labels or rows), documents by name, size and hash, the answers
to button presses, and the command menu when it changes. The test compares that with
`tests/golden/transcript.txt` and, on a mismatch, shows a unified diff of the first step that differs
(the whole transcript played is left in the test's tmp_path as transcript.txt).

What it leans on besides the users' view (a refactor that moves these must move them here too): the
inbox's `done_at` and the outbox's `state`, `due_at`, `message_id` columns (to know the bot is quiet and
which messages the outbox sent); `OutboxSender.send_due` (counted, to wait for a pass after a clock move);
`bot.outbox.Pacer(per_chat=...)` (shortened, see `passes`); the fake Bot API's per-chat record
(`Telegram.chats`: events, messages and their versions, callback answers).

To record it again (only when a change of behaviour is meant, and say so in the commit):
    INSPECTBOT_GOLDEN=write .venv/bin/python -m pytest -q tests/test_golden_transcript.py
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import outbox as bot_outbox
from bot.localapi import FakeBotApi, FakeUser
from bot.localapi.state import Chat
from bot.outbox import OutboxSender
from handlers.menu import KNOWN_COMMANDS
from store.codec import time_to_text
from tests.e2e_helpers import on_test_clock
from tests.inprocess import InProcessBot
from tests.outbox_world import NOW
from tests.test_e2e_requests import MANAGER, _set_clock

GOLDEN = Path(__file__).parent / "golden" / "transcript.txt"
#: The people, in the order each step lists what they received: a manager (an admin), an inspector, a
#: provider and a stranger nobody invited.
PEOPLE = {
    "mia": (8001, "Mia"),
    "ian": (8003, "Ian"),
    "pat": (8004, "Pat"),
    "sam": (8009, "Sam"),
    # Late joiners: the local authority's contact (a provider of #4) and a second manager.
    "lee": (8005, "Lee"),
    "max": (8002, "Max"),
}
#: Every chat read after each step: each person's private chat, and a group the people write in.
GROUP = -4001
CHATS = {**{name: uid for name, (uid, _) in PEOPLE.items()}, "group": GROUP}
#: How far the clock moves between two steps (each step starts at its own moment, however slow the
#: machine), and how far ahead a step waits for outbox rows that fall due (the clock runs on: a reminder
#: written now is due a moment later; a notice that must follow another goes 5 s later): less than a
#: step, so time never goes back; the next row due after that is hours away.
STEP_TIME = timedelta(seconds=30)
SOON = timedelta(seconds=25)
#: Seconds between two outbox messages to one chat (the bot's is 1 s; see `passes`).
PACED = 0.05
_CODE = re.compile(r"\?start=([A-Za-z0-9_-]+)")
_STAMP = re.compile(rb"^DTSTAMP[:;].*\r?\n", re.MULTILINE)
HEADER = """\
# Golden transcript: tests/test_golden_transcript.py plays its SCRIPT and compares with this file.
# Rewrite: INSPECTBOT_GOLDEN=write .venv/bin/python -m pytest -q tests/test_golden_transcript.py
# Per step: who acted and what they sent or pressed; then, per chat (mia manager, ian inspector, pat
# provider, sam stranger, lee and max who join late, a group), what the bot sent there since the last
# step: each message's text as sent (HTML), its inline buttons' labels by row, documents by name, size
# and content hash; edits and deletions of earlier messages by their number in that chat's transcript
# (numbered as first shown here); the answer to a button press; the command menu when it changes.
# Normalised: invitation codes (random) become <code1>, <code2>... in order of first appearance; a
# calendar file's DTSTAMP lines (the moment it was made) are left out of its hash. Per person, the replies
# to their own action come first in order of arrival, then the outbox's notices in the order their rows
# were written (the sender sends groups in parallel: arrival order between two notices is not fixed).
# The clock: Wednesday 11 March 2026, 10:00 in London, each step 30 s after the last, and the moves shown.
"""


@dataclass(frozen=True)
class Step:
    """One thing a person does (`do`): send a text, press a button (by its label, on the latest message
    that shows it, or on the latest one whose text holds `on`), join by the latest invitation link `on`'s
    person received, send a document or a sticker, write in the group, block or unblock the bot; or
    (who == "clock") the clock moves to `what`."""

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


def in_group(who: str, text: str) -> Step:
    return Step(who, "group", text)


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
    # The lifecycle commands' case pickers.
    say("ian", "/undo"),
    press("ian", "#1 Oak House"),
    press("ian", "Keep it"),
    say("mia", "/edit"),
    press("mia", "#5 Birch Lodge"),
    press("mia", "Planned on-site days"),
    say("mia", "/cancel"),
    say("mia", "/close"),
    press("mia", "#5 Birch Lodge"),
    press("mia", "Withdrawn"),
    say("mia", "/reopen"),
    press("mia", "#5 Birch Lodge"),
    # Planned days longer than the kind allows: asked first (No, then Yes).
    say("mia", "/edit 2 days 13/4/2026 24/4/2026"),
    press("mia", "No"),
    say("mia", "/edit 2 days 13/4/2026 24/4/2026"),
    press("mia", "Yes, change the days"),
    # A question with more than one answer: which milestone?
    say("ian", "when is the report due on #1?"),
    press("ian", "Final report sent to the provider"),
    # An announced case of the inspector's own: its notice by the case's button.
    say("ian", '/newcase asa-full "Fir Agency" 11/5/2026'),
    say("ian", "/case 7"),
    press("ian", "I notified the provider today"),
    # Planning the next inspection from a setting's window.
    say("mia", "/setting Oak"),
    press("mia", "Plan"),
    press("mia", "Ian", "Inspector:"),
    say("mia", "27/4/2026"),
    press("mia", "Usual: Tuesday 28 April 2026"),
    press("mia", "Set it up"),
    # The provider joins the announced case: the notice recorded before waits for them; they ask to
    # defer it, then withdraw the request by its button.
    say("ian", "/invite provider 7"),
    join("pat", "ian"),
    say("pat", "/defer 7"),
    press("pat", "A local incident means a visit would be inappropriate"),
    say("pat", "A flood closed the road."),
    press("pat", "Send the request"),
    press("pat", "Withdraw the request"),
    say("pat", "/defer 7 withdraw"),
    # The announced case's visit ended and its reports went: the survey is offered; not now, then
    # started and cancelled.
    say("mia", "/record 3 end 25/3/2026"),
    say("mia", "/record 3 draft_report 30/3/2026"),
    say("mia", "/record 3 final_report 30/3/2026"),
    press("mia", "Yes, record it"),
    press("pat", "Not now"),
    say("pat", "/survey"),
    say("pat", "/cancel"),
    # Ten more homes judged good: the programme runs to a second page.
    *[
        step
        for ref, name in enumerate(
            ("Ash", "Beech", "Cherry", "Damson", "Elder", "Fig", "Gorse", "Hazel", "Ivy", "Juniper"), 9
        )
        for step in (
            say("mia", f'/newcase ch-full "{name} Lodge" 2/3/2026'),
            say("mia", f"/record {ref} end 4/3/2026"),
            say("mia", f"/record {ref} judgement good"),
        )
    ],
    say("mia", "/programme"),
    press("mia", "Next »"),
    press("mia", "« Previous"),
    # Less trodden buttons: a single individual; no inspector yet; the reason typed; the single edit.
    say("mia", "/newcase"),
    press("mia", "Adoption support agency: full inspection"),
    say("mia", "Larch Agency"),
    press("mia", "Yes, a single individual"),
    say("mia", "8/6/2026"),
    press("mia", "Usual: Wednesday 10 June 2026"),
    press("mia", "Set it up"),
    say("mia", "/setting Ash Lodge"),
    press("mia", "Plan"),
    press("mia", "No inspector yet", "Inspector:"),
    say("mia", "/cancel"),
    say("mia", "/close 5"),
    press("mia", "Other"),
    say("mia", "The home deregistered."),
    say("mia", "/edit 3"),
    press("mia", "Single individual or not"),
    say("mia", "yes"),
    # Elm House's visit, after it was deferred: the draft brings the survey, declined; a final report
    # before the comments are due is asked first (No); comments after their day are marked late.
    clock("2026-04-27T10:00:00+01:00"),
    say("ian", "/record 2 end 24/4/2026"),
    press("ian", "Yes, record it"),
    say("ian", "/record 2 draft_report 27/4/2026"),
    press("pat", "No thanks"),
    say("ian", "/record 2 final_report 27/4/2026"),
    press("ian", "No"),
    say("pat", "/comments 3"),
    say("pat", "Paragraph 2 is wrong."),
    press("pat", "Send the comments"),
    # A setting's name that another setting with a URN has: which one is asked.
    say("mia", "/newcase"),
    press("mia", "Adoption support agency: full inspection"),
    say("mia", "Ash Agency"),
    press("mia", "Ash Agency · SC123456 · adoption support agency"),
    press("mia", "No"),
    say("mia", "/cancel"),
    say("mia", "/newcase"),
    press("mia", "Adoption support agency: full inspection"),
    say("mia", "Ash Agency"),
    press("mia", "A new setting called Ash Agency"),
    say("mia", "/cancel"),
    # The provider blocks the bot: a notice to them fails, and the managers are told once.
    Step("pat", "block"),
    say("ian", "/record 2 final_report 27/4/2026"),
    press("ian", "Yes, record it"),
    say("mia", "/status"),
    Step("pat", "unblock"),
    say("pat", "/help"),
    say("mia", "/status"),
    # The local authority's link, made weeks ago, has expired; a new one works. A second manager joins.
    join("lee", "mia"),
    say("lee", "/due 4"),
    say("mia", "/invite provider 4"),
    join("lee", "mia"),
    say("lee", "/due 4"),
    say("lee", "/record 4"),
    say("mia", "/invite manager"),
    join("max", "mia"),
    say("max", "/cases"),
    say("max", "/status"),
    # The bad arguments not tried above.
    say("mia", "/review x"),
    say("mia", "/reminders x"),
    say("mia", "/help x"),
    say("mia", "/cancel x"),
    say("mia", "/feedback x"),
    say("mia", "/reopen x"),
    say("mia", "/notify x"),
    say("pat", "/complain x"),
    say("pat", "/comments x"),
    say("pat", "/survey x"),
    say("ian", "/newcase ch-full"),
    # In a group: a command, and plain words.
    in_group("mia", "/cases"),
    in_group("pat", "when is the draft due?"),
    # A bad invitation code.
    say("sam", "/start nonsense"),
]


class _Passes:
    """Counts the outbox sender's passes (`OutboxSender.send_due`), so a clock move can wait for one that
    began after it: only then has the sender planned the digests the new moment brings."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = 0
        self.finished = 0  # the highest start number whose pass has ended

    def wrap(self, send_due: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(send_due)
        async def counted(sender: OutboxSender, until: float | None = None) -> bool:
            with self.lock:
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
        self.base, self.steps = NOW, 0  # the last moment the script set, and steps since
        self.now, self.set_at = NOW, time.monotonic()  # the clock file's moment, and when it was written
        self.users: dict[str, FakeUser] = {
            name: api.user(uid, first) for name, (uid, first) in PEOPLE.items()
        }
        self.codes: dict[str, str] = {}
        self.answers = dict.fromkeys(CHATS, 0)
        self.menus: dict[str, list[str]] = {name: self._menu(name) for name in CHATS}
        self.keyboards: dict[str, list[list[str]] | None] = dict.fromkeys(CHATS)
        self.pressed: list[str] = []  # callback data pressed, for the coverage line only
        self.reader: sqlite3.Connection | None = None
        #: (person, Telegram's message id) -> the message's number in that person's transcript.
        self.numbers: dict[tuple[int, int], int] = {}

    def _query(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        """Read the bot's database on one connection kept open (each step reads it a few times), opened
        once the bot has made the database."""
        if self.reader is None:
            self.reader = sqlite3.connect(f"file:{self.bot.db}?mode=ro", uri=True, check_same_thread=False)
        return list(self.reader.execute(sql, args))

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()

    # ------------------------------------------------------------------ acting

    def play(self, number: int, step: Step) -> str:
        telegram = self.api.telegram
        mark = telegram.mark()
        if step.do != "clock":
            self.steps += 1
            self._set(self.base + STEP_TIME * self.steps)
        said = self._act(step)
        self._settle(moved=step.do == "clock")
        lines = [f"== step {number}: {said}"]
        for name in CHATS:
            lines.extend(self._received(name, mark))
        return "\n".join(lines) + "\n"

    def _set(self, moment: datetime) -> None:
        """The test clock runs on from when its file was written: each step sets it again."""
        self.now, self.set_at = moment, time.monotonic()
        _set_clock(self.clock_file, moment)

    def _act(self, step: Step) -> str:
        if step.do == "clock":
            self.base, self.steps = datetime.fromisoformat(step.what).astimezone(UTC), 0
            self._set(self.base)
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
            number = self.numbers[user.user_id, message.message_id]
            return f"{step.who} presses [{step.what}] on message {number}"
        if step.do == "document":
            user.send_document(step.what, step.content, caption=step.on)
            caption = f" with the caption {step.on!r}" if step.on else ""
            return f"{step.who} sends the document {step.what} ({len(step.content)} bytes){caption}"
        if step.do == "group":
            user.send_in_group(step.what, GROUP, title="Inspection team")
            return f"{step.who} sends {step.what!r} in the group"
        if step.do in ("block", "unblock"):
            user.block() if step.do == "block" else user.unblock()
            return f"{step.who} {step.do}s the bot"
        if step.do == "sticker":
            user.send_sticker()
            return f"{step.who} sends a sticker"
        raise AssertionError(f"unknown step {step}")

    def _settle(self, *, moved: bool) -> None:
        """Quiet: every update the fake holds was handled (the inbox marks it done, after the change and
        the outbox rows it wrote were committed); when the clock moved, a sender pass that began after
        that has ended (it plans the morning's digests); nothing due is left pending or sending."""
        last = self.api.telegram.next_update_id - 1
        handled = "SELECT count(*) FROM inbox WHERE update_id = ? AND done_at IS NOT NULL"
        _until(
            lambda: (
                self._query(handled, last) == [(1,)]
                and self._query("SELECT count(*) FROM inbox WHERE done_at IS NULL") == [(0,)]
            ),
            "handling every update",
        )
        if moved:
            begun = self.passes.started
            _until(lambda: self.passes.finished > begun, "an outbox pass after the step")
        # What falls due SOON; the clock moves on to such a row (whole seconds) rather than waiting.
        soon = time_to_text(self.now + SOON)
        due = "SELECT count(*) FROM outbox WHERE state = 'sending' OR (state = 'pending' AND due_at <= ?)"
        later = "SELECT max(due_at) FROM outbox WHERE state = 'pending' AND due_at <= ?"

        def all_sent() -> bool:
            ((last,),) = self._query(later, soon)
            if last is not None:
                moment = datetime.fromisoformat(str(last)).replace(microsecond=0) + timedelta(seconds=1)
                if moment > self.now + timedelta(seconds=time.monotonic() - self.set_at):
                    self._set(moment)
            return self._query(due, soon) == [(0,)]

        _until(all_sent, "sending what was due")

    # ------------------------------------------------------------------ reading

    def _received(self, name: str, mark: int) -> list[str]:
        uid = CHATS[name]
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
                    seen.append((seq, mid, kind, []))
                    continue
                index = counts.get(mid, 0)
                counts[mid] = index + 1
                version = msg.versions[index]
                body = self._version(version.raw_text, version.reply_markup)
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
        for _, mid, kind, body in replies:
            lines.extend(self._entry(uid, mid, kind, body))
        if noticed:
            lines.append("  (notices)")
            for _, mid, kind, body in noticed:
                lines.extend(self._entry(uid, mid, kind, body))
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

    def _entry(self, uid: int, mid: int, kind: str, body: list[str]) -> list[str]:
        """A message by its number in this person's transcript (Telegram's ids follow arrival, and two
        notices may arrive either way round), numbered as the transcript first shows it."""
        if kind == "new":
            self.numbers[uid, mid] = number = sum(1 for person, _ in self.numbers if person == uid) + 1
            return [f"  message {number}", *body]
        number = self.numbers[uid, mid]
        return (
            [f"  deletes message {number}"] if kind == "delete" else [f"  edits message {number} to", *body]
        )

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
        rows = self._query(
            "SELECT o.message_id, MIN(o.id) FROM outbox o JOIN people p ON p.id = o.person_id"
            " WHERE p.telegram_id = ? AND o.message_id IS NOT NULL GROUP BY o.message_id",
            uid,
        )
        return {int(str(mid)): int(str(first)) for mid, first in rows}

    def _menu(self, name: str) -> list[str]:
        scope = {"type": "chat", "chat_id": CHATS[name]}
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


def test_the_script_tries_every_command_for_every_role() -> None:
    """A command added to the menu's table must join the script (and the transcript be recorded)."""
    assert sorted(_ALL_COMMANDS) == sorted(f"/{name}" for name in KNOWN_COMMANDS)
    for who in ("mia", "ian", "pat", "sam"):
        tried = {step.what for step in SCRIPT if step.who == who and step.do == "send"}
        assert set(_ALL_COMMANDS) <= tried, (who, set(_ALL_COMMANDS) - tried)


@contextmanager
def _running(api: FakeBotApi, tmp_path: Path) -> Iterator[InProcessBot]:
    """The bot in this process on the test clock at NOW, as tests/test_e2e_requests.py `running` starts
    it, with Telegram's overall limit of 30 messages a second off (INSPECTBOT_OVERALL_RATE=0, meant for a
    local server: it decides when a reply goes, never what it says, and held this test to 30 a second);
    after the test its log must show no failure (`assert_healthy`)."""
    bot = InProcessBot(
        api, tmp_path, admins=(MANAGER,), **on_test_clock(tmp_path, NOW, INSPECTBOT_OVERALL_RATE="0")
    )
    bot.start()
    try:
        yield bot
    finally:
        if bot.running:
            bot.stop()
    bot.assert_healthy()


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Passes]:
    """The sender's passes counted; and its pacing of one message a second to a chat shortened to
    PACED: it decides when a notice goes, never what it says (rendered before the wait), and its sleeps
    were 15 s of the test's 24."""
    counter = _Passes()
    monkeypatch.setattr(OutboxSender, "send_due", counter.wrap(OutboxSender.send_due))
    monkeypatch.setattr(bot_outbox, "Pacer", functools.partial(bot_outbox.Pacer, per_chat=PACED))
    yield counter


def test_the_golden_transcript(api: FakeBotApi, tmp_path: Path, passes: _Passes) -> None:
    """Every step's replies are byte for byte the recorded ones (INSPECTBOT_GOLDEN=write records them)."""
    started = time.monotonic()
    with _running(api, tmp_path) as bot:
        # The sender's first pass (a second after the start) plans the day's digests: before any case.
        _until(lambda: passes.finished > 0, "the outbox sender's first pass")
        recorder = Recorder(api, bot, tmp_path / "clock.txt", passes)
        played: list[str] = []
        try:
            for number, step in enumerate(SCRIPT, 1):
                played.append(recorder.play(number, step))
        finally:  # what was played, to read when a step fails
            recorder.close()
            (tmp_path / "transcript.txt").write_text(HEADER + "".join(played), encoding="utf-8")
    actual = HEADER + "".join(played)
    # Shown with -s: the time, and the kinds of button pressed (their data's prefixes), for coverage.
    kinds = sorted({data.split(":")[0] for data in recorder.pressed})
    print(f"golden transcript: {len(SCRIPT)} steps in {time.monotonic() - started:.1f} s; buttons: {kinds}")
    if os.environ.get("INSPECTBOT_GOLDEN") == "write":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8")
        return
    assert GOLDEN.exists(), f"no recorded transcript: record it with INSPECTBOT_GOLDEN=write ({GOLDEN})"
    expected = GOLDEN.read_text(encoding="utf-8")
    if actual != expected:
        pytest.fail("the transcript differs; first differing step:\n" + _first_difference(expected, actual))
