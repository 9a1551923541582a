"""End to end: a list longer than a page is one message with Next / Previous buttons edited in place, every
case on exactly one page; a manager narrows /cases; page buttons are checked again when pressed."""

from __future__ import annotations

import re

from bot.localapi import FakeBotApi
from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, INSPECTOR, MANAGER, invite_code, join, today, typed

COUNT = 13  # more than a page of 10
_ROW = re.compile(r"^• #(\d+) ", re.MULTILINE)


def test_a_long_list_pages_in_place_and_shows_each_case_once(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    for i in range(COUNT):
        start = CALENDAR.add_working_days(today(), 2 + i)
        kind = "asa-full" if i % 4 == 0 else "ch-full"
        manager.ask(f'/newcase {kind} "Home {i}" {typed(start)}', "is set up")
    first = manager.ask("/cases", "Your open cases")
    assert first.text.startswith(f"Your open cases ({COUNT}):")
    assert first.buttons == [["Next »"]]
    seen = [int(ref) for ref in _ROW.findall(first.text)]
    assert len(seen) == 10 and f"1 to 10 of {COUNT}" in first.text
    second = manager.press_and_wait("Next »", "Your open cases", message=first)
    assert second.message_id == first.message_id  # edited in place
    assert second.buttons == [["« Previous"]]
    more = [int(ref) for ref in _ROW.findall(second.text)]
    assert sorted(seen + more) == list(range(1, COUNT + 1))  # every case once
    assert seen[0] == 1  # soonest first: case 1 starts first
    back = manager.press_and_wait("« Previous", "Your open cases", message=second)
    assert [int(ref) for ref in _ROW.findall(back.text)] == seen

    # A manager narrows by kind and by inspector; an inspector may not, even with a forged button.
    narrowed = manager.ask("/cases kind asa-full", "Open cases: ")
    assert sorted(int(r) for r in _ROW.findall(narrowed.text)) == [i + 1 for i in range(0, COUNT, 4)]
    inspector = api.user(INSPECTOR, "Ian Inspector")
    assert (
        "joined as an inspector"
        in join(
            inspector,
            invite_code(manager.ask("/invite inspector 2", "?start="), api.username),
            "joined as an inspector",
        ).text
    )
    mine = manager.ask("/cases inspector ian", "Open cases of Ian Inspector (1):")
    assert mine.text.startswith("Open cases of Ian Inspector (1):") and "#2 Home 1" in mine.text
    assert "Only managers" in inspector.ask("/cases kind ch-full", "Only managers").text
    own = inspector.ask("/cases", "Your open cases")
    assert [int(r) for r in _ROW.findall(own.text)] == [2] and not own.buttons
    inspector.forge_press("pg:open:0:kch-full", own)
    api.wait_until(lambda: any(a.show_alert for a in inspector.answered_callbacks()), what="an alert")
    alert = [a for a in inspector.answered_callbacks() if a.show_alert][-1]
    assert alert.text is not None and "Only managers" in alert.text
    assert inspector.messages()[-1].text == own.text  # nothing was edited
