"""What the end-to-end tests share: people, dates, expected deadlines, and reading invitation links."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.localapi import BotMessage, FakeUser, Match
from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.deadlines import CaseDates, Deadline, compute_timeline
from workflows.kinds import get_kind

MANAGER, INSPECTOR, PROVIDER, STRANGER, OTHER_PROVIDER = 1001, 2002, 3003, 4004, 5005
CALENDAR = WorkingCalendar()
_LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def workday() -> date:
    """Today, or the last working day before it: a first on-site day /newcase takes without asking."""
    return CALENDAR.previous_working_day(today())


def typed(day: date) -> str:
    """A date as a British person types it: 3/3/2026."""
    return f"{day.day}/{day.month}/{day.year}"


def expected(kind: str, start: date, judgement: str | None = None, **records: date) -> dict[str, Deadline]:
    """The deadlines the bot should state, from the same rules (their own tests pin them to the seeds)."""
    timeline = compute_timeline(
        get_kind(kind), CaseDates(start=start, end=None, records=records, judgement=judgement), CALENDAR
    )
    return {d.key: d for d in timeline}


def invite_code(message: BotMessage, bot_username: str) -> str:
    match = _LINK.search(message.text)
    assert match, f"no invitation link in: {message.text}"
    assert match.group(1) == bot_username
    return match.group(2)


def join(api_user: FakeUser, code: str, match: Match | None = None) -> BotMessage:
    """`/start CODE`; `match` names the answer meant ("joined as" when it should work), since a reminder or
    an outbox notice may come first; the tests' fake refuses a wait without one (`require_match`)."""
    return api_user.ask(f"/start {code}", match)


def says_date(message: BotMessage, day: date) -> bool:
    return format_date(day) in message.text


def on_test_clock(workdir: Path, now: datetime, tick: str = "1", **env: str) -> dict[str, str]:
    """The settings of a bot whose reminders follow a test clock (`workdir`/clock.txt, written here at
    `now`; a test moves it by writing the file again), its outbox looking every `tick` seconds."""
    clock = workdir / "clock.txt"
    clock.write_text(now.isoformat())
    return {
        "INSPECTBOT_REMINDERS": "on",
        "INSPECTBOT_TESTING": "1",
        "INSPECTBOT_TEST_CLOCK_FILE": str(clock),
        "INSPECTBOT_OUTBOX_TICK": tick,
        **env,
    }
