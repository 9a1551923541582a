"""End to end: the inspection programme through the local Bot API. Judgements recorded by a manager give
each setting its next window; /programme lists them overdue first with the rule and its source, narrows
them, and /setting shows one setting's history. An inspector is refused."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from tests.e2e_helpers import CALENDAR, INSPECTOR, MANAGER, invite_code, join, on_test_clock, typed, workday
from tests.inprocess import InProcessBot
from tests.outbox_world import NOW
from workflows.dates import format_date
from workflows.kinds import KINDS


def _judged(manager: FakeUser, ref: int, name: str, start: date, judgement: str) -> None:
    created = manager.ask(
        f'/newcase ch-full "{name}" {typed(start)}',
        lambda m: "Set it up" in str(m.buttons) or "is set up" in m.text,
    )
    if "is set up" not in created.text:
        created = manager.press_and_wait("Set it up", lambda m: "is set up" in m.text)
    assert f"#{ref}" in created.text, created.text
    recorded = manager.ask(f"/record {ref} judgement {judgement}", lambda m: "Recorded for" in m.text)
    assert f"#{ref}" in recorded.text


def test_the_programme_lists_settings_due_overdue_first(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    recent = CALENDAR.add_working_days(workday(), -10)
    _judged(manager, 1, "Oak House", recent, "requires_improvement")
    long_ago = CALENDAR.add_working_days(workday(), -80)  # its 6 to 8 weeks' return visit has passed
    _judged(manager, 2, "Elm Lodge", long_ago, "inadequate")

    listed = manager.ask("/programme", lambda m: m.text.startswith("Due by"))
    text = listed.text
    assert "(2):" in text and text.index("Elm Lodge") < text.index("Oak House"), text
    elm_end = CALENDAR.add_working_days(long_ago, 1)  # a full inspection is 2 days on site
    assert (
        f"{format_date(elm_end + timedelta(days=42))} to {format_date(elm_end + timedelta(days=56))}" in text
    )
    assert "overdue" in text.split("Oak House")[0] and "000 L1127, L1372" in text
    assert "000 L511" in text and "second inspection" in text

    overdue = manager.ask("/programme overdue", lambda m: m.text.startswith("Overdue for inspection"))
    assert "Elm Lodge" in overdue.text and "Oak House" not in overdue.text
    narrowed = manager.ask("/programme kind ch-assurance", lambda m: m.text.startswith("Due by"))
    assert "Oak House" in narrowed.text and "Elm Lodge" not in narrowed.text
    refused = manager.ask("/programme soon", lambda m: "didn't understand" in m.text)
    assert "/programme overdue" in refused.text

    setting = manager.ask("/setting oak house", lambda m: "Oak House" in m.text and "Inspections" in m.text)
    assert "#1" in setting.text and "requires improvement" in setting.text.lower()
    assert "Next inspection" in setting.text and "000 L511" in setting.text

    inspector = api.user(INSPECTOR, "Ian Inspector")
    code = invite_code(manager.ask("/invite inspector", lambda m: "t.me" in m.text), api.username)
    assert "joined as an inspector" in join(inspector, code, "joined").text
    load = manager.ask("/programme inspectors", lambda m: m.text.startswith("Inspections planned"))
    assert "Ian Inspector: 0 / 0 / 0 / 0 / 0 / 0 (total 0)" in load.text

    # Plan from the setting's window: the kind due (an assurance inspection), the inspector, the days.
    assert setting.buttons == [["Plan"]]
    asked = manager.press_and_wait("Plan", lambda m: m.text == "Inspector:", message=setting)
    planning = next(m for m in reversed(manager.messages()) if m.text.startswith("Planning"))
    assert f"{KINDS['ch-assurance'].name} at Oak House" in planning.text, planning.text
    manager.press_and_wait("Ian Inspector", lambda m: m.text.startswith("What is"), message=asked)
    first = CALENDAR.add_working_days(workday(), 15)
    last = manager.ask(typed(first), lambda m: "Usual" in str(m.buttons) or "Set it up" in str(m.buttons))
    if "Usual" in str(last.buttons):
        last = manager.press_and_wait(
            last.buttons[0][0], lambda m: "Set it up" in str(m.buttons), message=last
        )
    made = manager.press_and_wait("Set it up", lambda m: "is set up" in m.text, message=last)
    assert "#3" in made.text and "Oak House" in made.text
    theirs = inspector.ask("/cases", lambda m: "open cases" in m.text.lower())
    assert "#3 Oak House" in theirs.text
    by_ian = manager.ask("/programme inspector ian", lambda m: "last inspected by" in m.text)
    assert "Oak House" in by_ian.text and "Elm Lodge" not in by_ian.text
    later = manager.ask("/setting Oak House", lambda m: "Oak House" in m.text and "Inspections" in m.text)
    assert "#3" in later.text  # the planned case is on the same setting

    assert "for managers" in inspector.ask("/programme", lambda m: "managers" in m.text).text
    assert "for managers" in inspector.ask("/setting Oak House", lambda m: "managers" in m.text).text


def test_a_setting_overdue_for_inspection_is_in_the_managers_morning_digest(
    api: FakeBotApi, tmp_path: Path
) -> None:
    # Wednesday 11 March 2026, 10am: a working morning
    bot = InProcessBot(api, tmp_path, admins=(MANAGER,), **on_test_clock(tmp_path, NOW))
    bot.start()  # creates the database and its first manager
    bot.stop()
    with closing(sqlite3.connect(bot.db)) as conn, conn:
        # Registered in May 2024: first inspection due between 1 October 2024 and 31 March 2025 (000 L578).
        conn.execute(
            "INSERT INTO settings (name, urn, created_at, kind, registered, provider_contact)"
            " VALUES ('Old Home', 'SC77', '2024-05-01', 'childrens_home', '2024-05-01',"
            " 'Old Care Ltd, 0161 496 0077')"
        )
    manager = api.user(MANAGER, "Mia", started=True)
    try:
        bot.start()
        api.wait_until(
            lambda: any("overdue for inspection" in (m.text or "") for m in api.chat(MANAGER).messages()),
            timeout=30,
            what="the managers' digest line",
        )
        [text] = [
            m.text or "" for m in api.chat(MANAGER).messages() if "overdue for inspection" in (m.text or "")
        ]
        assert "1 setting is overdue for inspection: /programme overdue" in text, text
        # The register's provider contact is shown to managers on /setting (issue 22).
        seen = manager.ask("/setting SC77", lambda m: "Old Home" in m.text and "Next inspection" in m.text)
        assert "Provider contact: Old Care Ltd, 0161 496 0077" in seen.text, seen.text
    finally:
        if bot.running:
            bot.stop()
    bot.assert_healthy()


def _set_up(manager: FakeUser, command: str, ref: int) -> BotMessage:
    """A one-line /newcase answered 'Set it up' if its dates are asked about; returns 'is set up'."""
    made = manager.ask(command, lambda m: "Set it up" in str(m.buttons) or "is set up" in m.text)
    if "is set up" not in made.text:
        made = manager.press_and_wait("Set it up", lambda m: "is set up" in m.text, message=made)
    assert f"#{ref}" in made.text, made.text
    return made


def test_a_name_two_settings_share_is_asked_about_not_guessed(api: FakeBotApi, bot: InProcessBot) -> None:
    """Issue 22: /newcase with a name settings already have asks which one (name, URN, kind) rather than
    making a twin without a URN; a new setting of the name is offered while none lacks a URN."""
    manager = api.user(MANAGER, "Mia")
    start, second, third = (typed(CALENDAR.add_working_days(workday(), n)) for n in (20, 25, 30))
    _set_up(manager, f'/newcase ch-full "Oak House" {start}', 1)
    manager.ask("/edit 1 urn SC101", "Corrected #1")
    asked = manager.ask(f'/newcase ch-full "oak house" {second}', lambda m: "already known" in m.text)
    assert asked.text == "A setting called oak house is already known. Is this case on it?"
    assert asked.buttons == [["Oak House · SC101 · children's home"], ["A new setting called oak house"]]
    made = manager.press_and_wait(
        "A new setting called oak house",
        lambda m: "Set it up" in str(m.buttons) or "is set up" in m.text,
        message=asked,
    )
    if "is set up" not in made.text:
        made = manager.press_and_wait("Set it up", lambda m: "is set up" in m.text, message=made)
    assert "#2" in made.text
    manager.ask("/edit 2 urn SC102", "Corrected #2")

    # Step by step, two of that name: which one, and the case goes on the one pressed.
    manager.ask("/newcase", "What kind of inspection")
    manager.press_and_wait(KINDS["ch-assurance"].name, "What is the setting called")
    which = manager.ask("Oak House", lambda m: "2 settings are called" in m.text)
    assert which.buttons == [
        ["Oak House · SC101 · children's home"],
        ["oak house · SC102 · children's home"],
        ["A new setting called Oak House"],
    ]
    manager.ask("Oak House", "Please choose one of the buttons above")
    manager.press_and_wait(
        "oak house · SC102 · children's home", lambda m: m.text.startswith("What is"), message=which
    )
    days = manager.ask(third, lambda m: "Set it up" in str(m.buttons) or "is set up" in m.text)
    if "is set up" not in days.text:
        manager.press_and_wait("Set it up", lambda m: "is set up" in m.text, message=days)
    on_102 = manager.ask("/setting SC102", lambda m: "Inspections" in m.text)
    assert "#2" in on_102.text and "#3" in on_102.text and "#1" not in on_102.text
    # The one-line form with a URN-less name that two settings have is asked too, and nothing is made yet.
    again = manager.ask(f'/newcase ch-full "Oak House" {start}', lambda m: "2 settings are called" in m.text)
    assert len(again.buttons) == 3
    # A setting's id it did not offer (forged, or a stale button) is refused, the question kept.
    forged = manager.forge_press("nc:setting:999", again)
    assert "expired" in (manager.wait_answer(forged).text or "")
    assert "#4" not in manager.ask("/cases", lambda m: "open cases" in m.text.lower()).text


def test_the_programme_pages_to_its_end_and_back_and_a_stale_page_shows_what_is_left(
    api: FakeBotApi, bot: InProcessBot
) -> None:
    """23 settings: pages of 10, 10 and 3 (Next and Previous edit the one message); a Next pressed after
    the programme shrank shows its last page, and after it emptied says there is no setting."""
    with closing(sqlite3.connect(bot.db)) as conn, conn:
        conn.executemany(  # registered May 2025: due 1 October 2025 to 31 March 2026 (000 L578)
            "INSERT INTO settings (name, urn, created_at, kind, registered)"
            " VALUES (?, ?, '2025-05-01', 'childrens_home', '2025-05-01')",
            [(f"Home {n:02d}", f"SC9{n:02d}") for n in range(1, 24)],
        )
    manager = api.user(MANAGER, "Mia")
    first = manager.ask("/programme", lambda m: m.text.startswith("Due by"))
    assert "(23):" in first.text and "1 to 10 of 23" in first.text and first.buttons == [["Next »"]]
    assert "Home 01" in first.text and "Home 10" in first.text and "Home 11" not in first.text
    second = manager.press_and_wait("Next »", lambda m: "11 to 20 of 23" in m.text, message=first)
    assert second.message_id == first.message_id and second.buttons == [["« Previous", "Next »"]]
    last = manager.press_and_wait("Next »", lambda m: "21 to 23 of 23" in m.text, message=second)
    assert last.buttons == [["« Previous"]] and "Home 23" in last.text and "Home 20" not in last.text
    back = manager.press_and_wait("« Previous", lambda m: "11 to 20 of 23" in m.text, message=last)
    back = manager.press_and_wait("« Previous", lambda m: "1 to 10 of 23" in m.text, message=back)
    assert back.buttons == [["Next »"]]
    stale = manager.ask("/programme", lambda m: m.text.startswith("Due by") and "of 23" in m.text)

    with closing(sqlite3.connect(bot.db)) as conn, conn:
        conn.execute("DELETE FROM settings WHERE name > 'Home 10'")
    shrunk = manager.press_and_wait("Next »", lambda m: "(10):" in m.text, message=back)
    assert "Home 10" in shrunk.text and " of " not in shrunk.text and not shrunk.buttons
    with closing(sqlite3.connect(bot.db)) as conn, conn:
        conn.execute("DELETE FROM settings")
    empty = manager.press_and_wait("Next »", lambda m: "no setting" in m.text, message=stale)
    assert empty.text.endswith("overdue first: no setting.") and not empty.buttons
