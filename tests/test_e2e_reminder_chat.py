"""Reminders in chat, end to end: the buttons on a reminder (Done asks the day and records it; the provider
is then told the draft was sent; Snooze; Open case; a button that isn't yours), /reminders, /mute, /unmute,
managers' /status, and a person blocking and unblocking the bot. The bot's clock is a test clock file set to
Wednesday 11 March 2026, 10:00 in London, the day after the inspection."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.localapi import FakeBotApi
from tests.e2e_helpers import on_test_clock
from tests.inprocess import InProcessBot
from tests.outbox_world import NOW, write_burst

MANAGER, INSPECTOR = 7001, 7002


def _add_inspector_reminder(db: Path, provider_tid: int) -> None:
    """An inspector on the provider's case, with the "due soon" reminder of the draft report due now."""
    with sqlite3.connect(db) as conn:
        case_id, setting = conn.execute(
            "SELECT c.id, c.setting_id FROM cases c JOIN case_members m ON m.case_id = c.id"
            " JOIN people p ON p.id = m.person_id WHERE p.telegram_id = ?",
            (provider_tid,),
        ).fetchone()
        person = conn.execute(
            "INSERT INTO people (telegram_id, display_name, role, active, created_at)"
            " VALUES (?, 'Ian', 'inspector', 1, ?)",
            (INSPECTOR, NOW.isoformat()),
        ).lastrowid
        conn.execute(
            "INSERT INTO case_members (case_id, person_id, role, added_at) VALUES (?, ?, 'inspector', ?)",
            (case_id, person, NOW.isoformat()),
        )
        params = json.dumps({"day": "2026-04-07", "key": "draft_report", "lead": "soon"})
        conn.execute(
            "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at,"
            " created_at) VALUES ('test:draft', ?, ?, 'remind', ?, 'remind', ?, ?, ?)",
            (person, case_id, f"case:{case_id}", params, NOW.isoformat(), NOW.isoformat()),
        )
        # A second, with a label too long for a button: cut at a word, with an ellipsis (issue 20).
        params = json.dumps({"day": "2026-03-17", "key": "evidence_upload", "lead": "soon"})
        conn.execute(
            "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at,"
            " created_at) VALUES ('test:evidence', ?, ?, 'remind', ?, 'remind', ?, ?, ?)",
            (person, case_id, f"case:{case_id}", params, NOW.isoformat(), NOW.isoformat()),
        )
        del setting


def _final_report_reminder_now(bot: InProcessBot) -> None:
    """The inspector's "due soon" reminder of the final report, planned for later, brought forward to now
    while the bot runs (the sender keeps only the reminders the case wants)."""
    with sqlite3.connect(bot.db) as conn:
        moved = conn.execute(
            "UPDATE outbox SET due_at = ? WHERE state = 'pending' AND kind = 'remind' AND dedup LIKE"
            " 'remind:%:final_report:%:soon' AND person_id = (SELECT id FROM people WHERE telegram_id = ?)",
            (NOW.isoformat(), INSPECTOR),
        ).rowcount
    assert moved == 1, moved


def test_reminder_buttons_and_commands(api: FakeBotApi, tmp_path: Path) -> None:
    bot = InProcessBot(api, tmp_path, admins=(MANAGER,), **on_test_clock(tmp_path, NOW))
    clock = tmp_path / "clock.txt"
    bot.start()
    bot.stop()
    (provider_tid,) = write_burst(bot.db, 1)
    _add_inspector_reminder(bot.db, provider_tid)
    provider = api.user(provider_tid, "Pat", started=True)
    inspector = api.user(INSPECTOR, "Ian", started=True)
    manager = api.user(MANAGER, "Mia", started=True)
    bot.start()
    try:
        reminder = inspector.wait_for(lambda m: m.text.startswith("Reminder for #1"), timeout=15)
        assert "Draft report sent to the provider (due soon): Tuesday 7 April 2026" in reminder.text
        assert "Rule: 18 working days after the end of the inspection" in reminder.text
        assert "Handwritten evidence scanned into the inspection database (due soon)" in reminder.text
        assert ["Done: Handwritten evidence scanned into the inspection…"] in reminder.buttons, (
            reminder.buttons
        )
        first = provider.wait_for(lambda m: m.text.startswith("Reminder for #1"), timeout=15)
        assert first.buttons == [["Snooze"], ["Open case #1"]]  # providers don't record

        # A button that isn't yours is refused; Open case shows the case.
        done_data = reminder.callback_data["Done: Draft report sent to the provider"]
        refused = provider.forge_press(done_data, first)
        assert "no longer yours" in (provider.wait_answer(refused).text or "")
        case = provider.press_and_wait("Open case #1", "Home", message=first)
        assert "Home" in case.text

        asked = inspector.press_and_wait(
            "Done: Draft report sent to the provider", "When was", message=reminder
        )
        assert "When was <b>Draft report sent to the provider</b> done" in asked.html
        since = provider.mark()
        done = inspector.press_and_wait("Today", lambda m: "Recorded" in m.text, message=asked)
        assert "Recorded for" in done.text and "Wednesday 11 March 2026" in done.text
        told = provider.wait_next(since, lambda m: "draft inspection report" in m.text, timeout=15)
        assert "comments on it are due by Wednesday 18 March 2026" in told.text

        # Done on a final report before the comments deadline asks first, as /record does (the warning of
        # workflows.recording.record_warnings, with its Yes / No); No records nothing.
        _final_report_reminder_now(bot)
        final = inspector.wait_for(lambda m: "Final report sent to the provider" in m.text, timeout=15)
        asked = inspector.press_and_wait("Done: Final report sent to the provider", "When was", message=final)
        check = inspector.press_and_wait("Today", lambda m: "Please check" in m.text, message=asked)
        assert "comments on the draft are due by Wednesday 18 March 2026" in check.text, check.text
        assert check.buttons == [["Yes, record it", "No"]], check.buttons
        recorded = "SELECT count(*) FROM case_events WHERE key = 'final_report'"
        assert bot.query(recorded) == [(0,)]
        assert (
            "Nothing was changed"
            in inspector.press_and_wait("No", lambda m: "Not recorded" in m.text, message=check).text
        )
        assert bot.query(recorded) == [(0,)]

        # Snooze: the same reminder again on the next working morning.
        query = provider.press("Snooze", first)
        assert "I'll remind you again at 9am on Thursday 12 March 2026" in (
            provider.wait_answer(query).text or ""
        )
        coming = provider.ask(
            "/reminders",
            "Thursday 12 March 2026, 9am: #1 Home 10001, Provider's comments on the draft report",
        ).text
        assert "Thursday 12 March 2026, 9am: #1 Home 10001, Provider's comments on the draft report" in coming
        assert "/mute 1 stops the reminders of case #1; /unmute 1 brings them back." in coming
        assert "are off" in provider.ask("/mute 1", "are off").text
        assert (
            "No reminders are waiting for you"
            in provider.ask("/reminders", "No reminders are waiting for you").text
        )
        assert "on again" in provider.ask("/unmute 1", "on again").text
        # Never muted (any more): said as it is, not "on again" (issue 20 item 12).
        again = provider.ask("/unmute 1", lambda m: "Reminders for #1" in m.text).text
        assert "were not muted: they are on" in again and "on again" not in again, again
        # A manager's coming reminders never say "(overdue)" ahead of time; a deadline they do not own is
        # not a row of theirs at all: their morning digest counts it once it is missed.
        mine = manager.ask("/reminders", lambda m: "reminders" in m.text).text
        assert "(overdue)" not in mine and "Final report" not in mine, mine
        assert "I can't find case #9" in provider.ask("/mute 9", "I can't find case #9").text

        # Monday morning: the comments' new "due soon" (the snoozed one, for the old date, is dropped).
        since, inspector_since = provider.mark(), inspector.mark()
        # A whole new file, so the bot never reads a half-written one (an empty clock fails its update).
        clock.with_suffix(".tmp").write_text("2026-03-16T09:00:00+00:00")
        clock.with_suffix(".tmp").replace(clock)
        again = provider.wait_next(since, lambda m: m.text.startswith("Reminder for #1"), timeout=15)
        # The inspector's Monday reminder (evidence due soon) too, before they block the bot below: sent
        # after the block it would be refused (403), which assert_healthy counts as a failure.
        monday = inspector.wait_next(
            inspector_since, lambda m: m.text.startswith("Reminder for #1"), timeout=15
        )
        assert "Inspection evidence and report submitted for quality assurance" in monday.text, monday.text
        assert "Provider's comments on the draft report (due soon): Wednesday 18 March 2026" in again.text
        assert "late" not in again.text
        status = manager.ask("/status", "Waiting to be sent:")
        assert "Waiting to be sent:" in status.text and "Everyone can be reached." in status.text
        assert "Only managers" in provider.ask("/status", "Only managers").text

        # Blocking the bot: Telegram says so; the inspector's managers are told once; unblocking undoes it.
        since = manager.mark()
        inspector.block()
        told = manager.wait_next(since, lambda m: "can't be reached" in m.text, timeout=15)
        assert told.text.startswith("Ian can't be reached: they have blocked the bot")
        assert (
            "Can't be reached (blocked the bot): Ian"
            in manager.ask("/status", "Can't be reached (blocked the bot): Ian").text
        )
        unreachable = "SELECT unreachable_at IS NOT NULL FROM people WHERE telegram_id = ?"
        inspector.unblock()
        api.wait_until(lambda: bot.query(unreachable, INSPECTOR) == [(0,)], timeout=10, what="reachable")
        assert "Everyone can be reached." in manager.ask("/status", "Everyone can be reached.").text
    finally:
        if bot.running:
            bot.stop()
    bot.assert_healthy()
