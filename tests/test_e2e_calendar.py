"""/calendar and /timeline through the real bot: the .ics parses and its events match /due; the PNG opens."""

from __future__ import annotations

import html
import re
import struct
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.localapi import FakeBotApi
from handlers.calendar_files import DPI, FIGURE_INCHES
from tests.e2e_helpers import INSPECTOR, MANAGER, PROVIDER, invite_code, join, typed, workday
from tests.inprocess import InProcessBot
from workflows.dates import format_date


def _yours(due_html: str) -> dict[str, str]:
    """/due's lines marked "(yours)": label -> the date as shown."""
    found = {}
    for line in due_html.splitlines():
        match = re.match(r"• <b>(.+?)</b>: (.+?) <i>\(yours\)</i>", line)
        if match:
            found[html.unescape(match.group(2))] = html.unescape(match.group(1))
    return found


def test_calendar_file_matches_due_and_the_timeline_is_a_picture(api: FakeBotApi, bot: InProcessBot) -> None:
    # The visit has begun (today, or the last working day): a children's home's provider is shown no
    # deadline of an unannounced visit before it begins (tests/test_e2e_hidden_visit.py).
    start = workday()
    manager = api.user(MANAGER, "Mia")
    inspector = api.user(INSPECTOR, "Ian")
    provider = api.user(PROVIDER, "Pat")
    manager.ask("/start", "Here is what you can do")
    assert "#1" in manager.ask(f'/newcase ch-full "Oak House" {typed(start)}', "is set up").text
    join(inspector, invite_code(manager.ask("/invite inspector 1", "?start="), api.username), "joined as")
    join(provider, invite_code(manager.ask("/invite provider 1", "?start="), api.username), "joined as")

    uids: dict[int, list[str]] = {}
    for person in (inspector, provider):
        yours = _yours(person.ask("/due 1", "Deadlines still to come").html)
        assert yours, "nothing marked as theirs in /due"
        sent = person.ask("/calendar 1", lambda m: m.document is not None)
        assert sent.document is not None and sent.document.filename == "case-1-deadlines.ics"
        parsed = Calendar.from_ical(sent.document.content)
        events = {str(e["SUMMARY"]).removeprefix("#1 "): e for e in parsed.walk("VEVENT")}
        assert set(events) == set(yours)
        for label, event in events.items():
            start_day = event.decoded("DTSTART")
            day = start_day if type(start_day) is date else start_day.date()
            assert format_date(day) in yours[label], (label, yours[label])
            assert list(event.walk("VALARM")), label
        assert f"{len(events)} of your deadlines on #1 Oak House" in sent.text
        uids[person.user_id] = [str(e["UID"]) for e in parsed.walk("VEVENT")]

    # the same case asked again: the same UIDs (a calendar moves its events instead of doubling them)
    again = inspector.ask("/calendar 1", lambda m: m.document is not None).document
    assert again is not None
    assert [str(e["UID"]) for e in Calendar.from_ical(again.content).walk("VEVENT")] == uids[INSPECTOR]
    assert not set(uids[INSPECTOR]) & set(uids[PROVIDER])

    # a deadline done since that file: the next one cancels its event (same UID, higher SEQUENCE) rather
    # than dropping it, and a file asked again with nothing changed carries the same SEQUENCE
    before = {str(e["UID"]): e for e in Calendar.from_ical(again.content).walk("VEVENT")}
    done_uid = f"case-1-evidence_upload@{api.username}.t.me"
    assert done_uid in before and str(before[done_uid]["STATUS"]) == "CONFIRMED"
    manager.ask(f"/record 1 end {typed(start)}", lambda m: "Recorded" in m.text)  # the visit ended
    manager.ask(f"/record 1 evidence_upload {typed(start)}", lambda m: "Recorded" in m.text)
    files = []
    for _ in range(2):
        sent = inspector.ask("/calendar 1", lambda m: m.document is not None)
        assert sent.document is not None and "1 done or dropped, marked cancelled" in sent.text
        files.append({str(e["UID"]): e for e in Calendar.from_ical(sent.document.content).walk("VEVENT")})
    cancelled = files[0][done_uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(str(cancelled["SEQUENCE"])) > int(str(before[done_uid]["SEQUENCE"]))
    assert set(files[0]) == set(before)  # every event of the first file is still there
    assert [str(e["SEQUENCE"]) for e in files[0].values()] == [str(e["SEQUENCE"]) for e in files[1].values()]

    pytest.importorskip("matplotlib")
    picture = manager.ask("/timeline 1", lambda m: m.document is not None)
    assert picture.document is not None and picture.document.filename == "case-1-timeline.png"
    png = picture.document.content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (int(FIGURE_INCHES[0] * DPI), int(FIGURE_INCHES[1] * DPI))
    assert "I can't find case #7" in manager.ask("/timeline 7", "I can't find case #7").text


def test_the_calendar_files_alarms_ring_at_the_configured_reminding_hour(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """INSPECTBOT_REMIND_AT=08:30: every alarm of an all-day deadline in /calendar's file rings at 08:30
    in the bot's zone, when the chat would remind, not at a fixed 09:00."""
    with InProcessBot(api, tmp_path, admins=(MANAGER,), INSPECTBOT_REMIND_AT="08:30") as bot:
        manager = api.user(MANAGER, "Mia")
        manager.ask("/start", "Here is what you can do")
        assert "#1" in manager.ask(f'/newcase ch-full "Oak House" {typed(workday())}', "is set up").text
        sent = manager.ask("/calendar 1", lambda m: m.document is not None)
    bot.assert_healthy()
    assert sent.document is not None
    zone = ZoneInfo("Europe/London")  # INSPECTBOT_TZ's default
    rings = [
        datetime.combine(event.decoded("DTSTART"), time(0), zone) + alarm.decoded("TRIGGER")
        for event in Calendar.from_ical(sent.document.content).walk("VEVENT")
        if type(event.decoded("DTSTART")) is date  # all-day: its alarms are offsets from local midnight
        for alarm in event.walk("VALARM")
    ]
    assert rings and {moment.time() for moment in rings} == {time(8, 30)}
