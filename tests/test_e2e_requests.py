"""Requests between people, end to end (issue 11): a provider asks to defer, managers decide through the
outbox's buttons, everyone on the case is told. The bot's clock is a test clock file set to Wednesday
11 March 2026, 10:00 in London; the cases start on Monday 23 March 2026, so no visit has started."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, invite_code, join
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser
from tests.outbox_world import NOW
from workflows.dates import format_date

MANAGER, SECOND_MANAGER, INSPECTOR, PROVIDER = 8001, 8002, 8003, 8004
_ASKED = "asks to defer"
_LINK = "?start="


def _start(api: FakeBotApi, tmp_path: Path) -> BotProcess:
    clock = tmp_path / "clock.txt"
    clock.write_text(NOW.isoformat())
    bot = BotProcess(
        api,
        tmp_path,
        admins=(MANAGER,),
        INSPECTBOT_REMINDERS="on",
        INSPECTBOT_TESTING="1",
        INSPECTBOT_TEST_CLOCK_FILE=str(clock),
        INSPECTBOT_OUTBOX_TICK="1",
    )
    bot.start()
    return bot


@contextmanager
def running(api: FakeBotApi, tmp_path: Path) -> Iterator[BotProcess]:
    """The bot on the test clock (`_start`), stopped however the test ends; once the test has passed, its
    log is checked for failures (`assert_healthy`)."""
    bot = _start(api, tmp_path)
    try:
        yield bot
    finally:
        if bot.proc is not None:
            bot.stop()
    bot.assert_healthy()


def _case(
    api: FakeBotApi,
    manager: FakeUser,
    people: list[tuple[FakeUser, str]],
    name: str,
    start: str = "23/3/2026",
) -> int:
    # The managers' outbox messages (a digest, a request) may come meanwhile: each answer is matched.
    created = manager.ask(f'/newcase ch-full "{name}" {start}', lambda m: "set up" in m.text)
    assert "is set up" in created.text, created.text
    ref = int(created.text.split("#", 1)[1].split()[0])
    for user, role in people:
        code = invite_code(manager.ask(f"/invite {role} {ref}", _LINK), api.username)
        answer = join(user, code, lambda m: "joined" in m.text or "Welcome" in m.text)
        assert "joined" in answer.text or "Welcome" in answer.text, answer.text
    return ref


def _ask_to_defer(provider: FakeUser, ref: int) -> BotMessage:
    """The provider asks to defer case `ref`, step by step; returns the bot's "Sent: ..." confirmation."""
    grounds = provider.ask(f"/defer {ref}", "Choose the ground")
    assert "Choose the ground" in grounds.text, grounds.text
    assert ["Other (explain)"] in grounds.buttons
    whole = "A recent major incident (a death or serious injury, serious or infectious illness)"
    assert [whole] in grounds.buttons, grounds.buttons  # not cut mid-word
    explain = provider.press_and_wait(
        "The setting is due to close, merge or move",
        lambda m: "Explain in a few words" in m.text,
        message=grounds,
    )
    assert "leave out children's names and other personal details" in explain.text, explain.text
    confirm = provider.ask(
        "We merge with Elm House on 20 March.", "Ground: The setting is due to close, merge or move"
    )
    assert confirm.buttons, confirm.text
    # What is about to go is said back, to check before sending.
    assert "Ground: The setting is due to close, merge or move" in confirm.text, confirm.text
    assert "You wrote: “We merge with Elm House on 20 March.”" in confirm.text, confirm.text
    sent = provider.press_and_wait("Send the request", lambda m: "Sent" in m.text, message=confirm)
    assert sent.text.startswith("Sent: your request to defer case #"), sent.text
    return sent


def _set_clock(clock: Path, moment: datetime) -> None:
    """Move the bot's test clock at once: a whole new file, so the bot never reads a half-written one."""
    partial = clock.with_suffix(".tmp")
    partial.write_text(moment.isoformat())
    os.replace(partial, clock)


def _settle(api: FakeBotApi, bot: BotProcess, now: datetime) -> None:
    """Let the sender finish what is due before the bot stops (bot/outbox.py's wake-up after a run can
    race the scheduler's shutdown and log a JobLookupError: noted for the outbox's owner)."""
    due = "SELECT count(*) FROM outbox WHERE state = 'sending' OR (state = 'pending' AND due_at <= ?)"
    moment = (now + timedelta(minutes=1)).astimezone(UTC).isoformat()
    api.wait_until(lambda: bot.query(due, moment) == [(0,)], timeout=15, what="the outbox sent what was due")


def _request_message(user: FakeUser, since: int, ref: int) -> BotMessage:
    return user.wait_next(since, lambda m: _ASKED in m.text and f"#{ref} " in m.text, timeout=15)


def _state(bot: BotProcess) -> dict[str, list[tuple[object, ...]]]:
    """What a refused press must leave alone: requests, cases, deadlines, the outbox and the audit trail."""
    with sqlite3.connect(bot.db) as conn:
        found = {
            table: list(conn.execute(f"SELECT * FROM {table} ORDER BY rowid"))
            for table in ("requests", "cases", "case_deadlines", "audit")
        }
        # The sender goes on sending meanwhile: the rows written, not their delivery, are compared.
        found["outbox"] = list(conn.execute("SELECT id, dedup, params, due_at FROM outbox ORDER BY id"))
        return found


def test_deferral_approved_declined_raced_and_an_old_button(api: FakeBotApi, tmp_path: Path) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        second = api.user(SECOND_MANAGER, "Max")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        assert (
            "joined"
            in join(second, invite_code(manager.ask("/invite manager", _LINK), api.username), "joined").text
        )
        one = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House")

        # Approved: the managers get Approve / Decline, the inspector is told; every date moves.
        before = dict(bot.query("SELECT key, due FROM case_deadlines WHERE case_id = 1"))
        marks = {u: u.mark() for u in (manager, second, inspector, provider)}
        _ask_to_defer(provider, one)
        asked = _request_message(manager, marks[manager], one)
        assert "Ground: The setting is due to close, merge or move" in asked.text
        assert "Why: We merge with Elm House on 20 March." in asked.text
        # The day to decide by: the last working day before the visit (Monday 23 March 2026).
        assert "Decide by Friday 20 March 2026: once the visit starts" in asked.text, asked.text
        assert asked.buttons == [["Approve"], ["Decline"]]
        assert _request_message(second, marks[second], one).buttons == [["Approve"], ["Decline"]]
        assert _request_message(inspector, marks[inspector], one).buttons == []
        question = manager.press_and_wait("Approve", lambda m: "first on-site day?" in m.text, message=asked)
        assert "new first on-site day" in question.text
        done = manager.ask("13/4/2026", lambda m: "Approved" in m.text)
        assert "Approved" in done.text and "Monday 13 April 2026" in done.text, done.text
        for user in (provider, inspector, second):
            told = user.wait_next(marks[user], lambda m: "was <b>approved</b>" in (m.html or ""), timeout=15)
            assert "approved by Manager 8001" in told.text and "Monday 13 April 2026" in told.text
        assert bot.query("SELECT planned_start FROM cases WHERE ref = ?", one) == [("2026-04-13",)]
        after = dict(bot.query("SELECT key, due FROM case_deadlines WHERE case_id = 1"))
        assert after.keys() == before.keys()
        assert all(str(after[k]) > str(before[k]) for k in before), (before, after)
        reminders = bot.query(
            "SELECT params FROM outbox WHERE case_id = 1 AND kind = 'remind' AND state = 'pending'"
        )
        assert reminders and all("2026-03" not in str(r[0]) for r in reminders)

        # Declined, with a reason; then Max's old Approve button is refused and nothing changes.
        two = _case(api, manager, [(provider, "provider")], "Oak House")
        marks = {u: u.mark() for u in (manager, second, provider)}
        _ask_to_defer(provider, two)
        asked = _request_message(manager, marks[manager], two)
        old = _request_message(second, marks[second], two)
        why = manager.press_and_wait("Decline", lambda m: "Why is it declined?" in m.text, message=asked)
        assert "leave out children's names" in why.text, why.text
        declined = manager.ask("The merger can be inspected as planned.", lambda m: "Declined" in m.text)
        assert "Declined the deferral" in declined.text, declined.text
        told = provider.wait_next(
            marks[provider], lambda m: "was <b>declined</b>" in (m.html or ""), timeout=15
        )
        assert "declined by Manager 8001: The merger can be inspected as planned." in told.text
        assert bot.query("SELECT planned_start FROM cases WHERE ref = ?", two) == [("2026-03-23",)]
        snapshot = _state(bot)
        stale = second.forge_press(old.callback_data["Approve"], old)  # as it was (its buttons go)
        assert "already declined by Manager 8001" in (second.wait_answer(stale).text or "")
        forged = provider.forge_press(old.callback_data["Approve"], provider.wait_for("Sent: your request"))
        assert "already declined" in (provider.wait_answer(forged).text or "")
        nonsense = second.forge_press("req:999:approve", old)
        assert "can't find that request" in (second.wait_answer(nonsense).text or "")
        assert _state(bot) == snapshot

        # Two managers at once: both press, both answer together; one wins, the other is told who decided.
        three = _case(api, manager, [(provider, "provider")], "Oak House")
        marks = {u: u.mark() for u in (manager, second, provider)}
        sent = _ask_to_defer(provider, three)
        mine = _request_message(manager, marks[manager], three)
        theirs = _request_message(second, marks[second], three)
        snapshot = _state(bot)
        not_yours = provider.forge_press(mine.callback_data["Approve"], sent)
        assert "for someone else" in (provider.wait_answer(not_yours).text or "")
        assert _state(bot) == snapshot
        manager.press_and_wait("Approve", lambda m: "first on-site day?" in m.text, message=mine)
        second.press_and_wait("Decline", lambda m: "Why is it declined?" in m.text, message=theirs)
        since = {u: u.mark() for u in (manager, second)}
        manager.send("13/4/2026")
        second.send("Not a ground the policy allows.")
        decided = ("Approved", "Declined", "Too late")
        answers = {
            u: u.wait_next(since[u], lambda m: m.text.startswith(decided), timeout=15).text
            for u in (manager, second)
        }
        won = [u for u, text in answers.items() if not text.startswith("Too late")]
        assert len(won) == 1, answers
        lost = manager if won[0] is second else second
        winner = "Manager 8001" if won[0] is manager else "Max"
        state = "declined" if won[0] is second else "approved"
        assert answers[lost].startswith(f"Too late: {winner} already {state} this request"), answers
        assert bot.query("SELECT state FROM requests WHERE id = 3") == [(state,)]
        planned = "2026-03-23" if state == "declined" else "2026-04-13"
        assert bot.query("SELECT planned_start FROM cases WHERE ref = ?", three) == [(planned,)]
        assert bot.query("SELECT count(*) FROM audit WHERE action LIKE 'request.deferral.%'") == [(6,)]


def test_notification_acknowledged_and_complaints_inside_and_outside_the_window(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        clock = tmp_path / "clock.txt"
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        # A case no provider has joined: recorded, and the inspector is told nobody can be told yet.
        alone = _case(api, manager, [(inspector, "inspector")], "Elm House")
        nobody = inspector.ask(f"/notify {alone}", "No provider has joined").text
        assert f"No provider has joined case #{alone} yet" in nobody, nobody
        assert f"/invite provider {alone}" in nobody and "I'm telling the provider" not in nobody
        future = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House")

        # Notification: the provider is told through the outbox, acknowledges, and may ask to defer.
        since = provider.mark()
        assert "Only the inspector" in provider.ask(f"/notify {future}", "Only the inspector").text
        recorded = inspector.ask(f"/notify {future}", "was notified on Wednesday 11 March 2026")
        assert "was notified on Wednesday 11 March 2026" in recorded.text, recorded.text
        assert "I'm telling the provider" in recorded.text
        told = provider.wait_next(since, lambda m: "were notified" in m.text, timeout=15)
        assert "the first on-site day is Monday 23 March 2026" in told.text
        assert told.buttons == [["Acknowledge"], ["Ask to defer"]]
        since = inspector.mark()
        thanks = provider.press_and_wait("Acknowledge", lambda m: "acknowledged" in m.text, message=told)
        assert thanks.text.startswith("Thank you") and thanks.text.endswith("The inspector is told."), (
            thanks.text
        )
        assert (
            "Pat acknowledged the notification"
            in inspector.wait_next(since, "Pat acknowledged the notification", timeout=15).text
        )
        assert provider.message(told.message_id).buttons == [["Ask to defer"]]  # Acknowledge is gone
        again = provider.forge_press(told.callback_data["Acknowledge"], told)
        assert "already acknowledged by Pat" in (provider.wait_answer(again).text or "")
        # The provider who joins the case notified above later is sent it then, with its buttons, as the
        # others got it.
        late = api.user(PROVIDER + 50, "Lee")
        since = late.mark()
        code = invite_code(manager.ask(f"/invite provider {alone}", _LINK), api.username)
        welcome = join(late, code, lambda m: "joined" in m.text or "Welcome" in m.text)
        assert f"What you can do now\n#{alone} Elm House" in welcome.text, welcome.text  # and with which case
        caught = late.wait_next(since, lambda m: "were notified" in m.text, timeout=15)
        assert f"#{alone} Elm House" in caught.text and caught.buttons == [["Acknowledge"], ["Ask to defer"]]
        grounds = provider.press_and_wait(
            "Ask to defer", lambda m: "Choose the ground" in m.text, message=told
        )
        assert ["Other (explain)"] in grounds.buttons
        assert "Cancelled" in provider.ask("/cancel", "Cancelled").text

        # A complaint before the inspection has ended: refused, with why and the steps.
        early = provider.ask(
            f"/complain {future}", "can be made from Tuesday 24 March 2026, the end of the inspection"
        )
        assert "can be made from Tuesday 24 March 2026, the end of the inspection" in early.text, early.text
        assert "raise concerns with the inspector" in early.text and "The steps:" in early.text

        # On the window's last day a complaint is made and the managers are told; the next working day, not.
        ended = _case(api, manager, [(provider, "provider")], "Oak House", start="2/3/2026")
        (last,) = bot.query(
            "SELECT d.last_day FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
            " WHERE c.ref = ? AND d.key = 'complaint_window'",
            ended,
        )[0]
        last_day = date.fromisoformat(str(last))
        _set_clock(clock, datetime.combine(last_day, time(10), tzinfo=UTC))
        steps = provider.ask(f"/complain {ended}", "leave out children's names")
        assert f"can be made until {format_date(last_day)} (today)." in steps.text, steps.text
        rule = "Rule: from the end of the inspection until 5 working days after the final report is sent."
        assert rule in steps.text, steps.text  # where the date comes from, as every date the bot gives
        assert "1. " in steps.text and "leave out children's names" in steps.text
        confirm = provider.ask("The inspector did not look at our <records> & notes.", "You wrote")
        assert "You wrote: “The inspector did not look at our &lt;records&gt; &amp; notes.”" in (
            confirm.html or ""
        ), confirm.html
        since = manager.mark()
        sent = provider.press_and_wait("Send the complaint", lambda m: "Sent" in m.text, message=confirm)
        assert "the managers are told" in sent.text
        complaint = manager.wait_next(since, lambda m: "formal complaint" in m.text, timeout=15)
        assert "Pat made a formal complaint" in complaint.text
        assert "The inspector did not look at our <records> & notes." in complaint.text
        next_day = CALENDAR.add_working_days(last_day, 1)
        _set_clock(clock, datetime.combine(next_day, time(10), tzinfo=UTC))
        late = provider.ask(f"/complain {ended}", "complaints procedure")
        assert f"closed on {format_date(last_day)}" in late.text, late.text
        assert "complaints procedure" in late.text
        assert bot.query("SELECT count(*) FROM requests WHERE kind = 'complaint'") == [(1,)]
        _settle(api, bot, datetime.combine(next_day, time(10), tzinfo=UTC))


def test_comments_on_the_draft_after_the_deadline_are_marked_late(api: FakeBotApi, tmp_path: Path) -> None:
    with running(api, tmp_path) as bot:
        clock = tmp_path / "clock.txt"
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        ref = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House", "2/3/2026")
        assert (
            "hasn't been recorded as sent yet"
            in provider.ask(f"/comments {ref}", "hasn't been recorded as sent yet").text
        )
        # Notified when the visit has started (recorded late): Acknowledge, but no Ask to defer.
        since = provider.mark()
        inspector.ask(f"/notify {ref} 27/2/2026", lambda m: "Recorded" in m.text)
        late_notice = provider.wait_next(since, lambda m: "were notified" in m.text, timeout=15)
        assert late_notice.buttons == [["Acknowledge"]], late_notice.buttons
        assert late_notice.text.endswith("Press Acknowledge when you have read this."), late_notice.text
        # The visit has started: no deferral, with the reason and what to do instead, in the policy's name.
        started = provider.ask(
            f"/defer {ref}", "The visit started on Monday 2 March 2026, so it can no longer be deferred"
        ).text
        assert "The visit started on Monday 2 March 2026, so it can no longer be deferred" in started
        assert "tell the lead inspector now" in started and "deferring, pausing" in started, started
        assert "shared/spec" not in started
        recorded = inspector.ask(f"/record {ref} draft_report 11/3/2026", lambda m: "Recorded" in m.text)
        assert "Wednesday 11 March 2026" in recorded.text

        # The day after the comments were due (Wednesday 18 March): accepted, marked late, the inspector told.
        _set_clock(clock, datetime(2026, 3, 19, 10, 0, tzinfo=UTC))
        asked = provider.ask(f"/comments {ref}", lambda m: "Type your comments" in m.text)
        assert "Oak House" in asked.text
        since = inspector.mark()
        long = provider.ask("x" * 4001, lambda m: "characters" in m.text)
        assert "please keep comments under 4000" in long.text and "Send the comments" not in str(long.buttons)
        typed = "Paragraph 3 names the wrong manager."
        check = provider.ask(typed, lambda m: "Send these comments" in m.text)
        assert "You wrote: “Paragraph 3 names the wrong manager.”" in check.text, check.text
        comments_made = "SELECT count(*) FROM requests WHERE kind = 'comments'"
        assert bot.query(comments_made) == [(0,)]  # nothing goes before the provider presses Send
        sent = provider.press_and_wait("Send the comments", lambda m: "Sent" in m.text, message=check)
        assert "These comments are late: they were due by Wednesday 18 March 2026." in sent.text
        snapshot = _state(bot)
        again = provider.forge_press(check.callback_data["Send the comments"], check)  # an old Send
        assert "expired" in (provider.wait_answer(again).text or "")
        assert _state(bot) == snapshot
        told = inspector.wait_next(since, lambda m: "sent comments" in m.text, timeout=15)
        assert "late (they were due by Wednesday 18 March 2026)" in told.text
        assert "Paragraph 3 names the wrong manager." in told.text
        assert told.buttons == [["Mark as seen"]]
        seen = inspector.press_and_wait("Mark as seen", lambda m: "Marked as seen" in m.text, message=told)
        assert "Oak House" in seen.text
        late = "SELECT state, json_extract(payload, '$.late') FROM requests WHERE kind = 'comments'"
        assert bot.query(late) == [("seen", 1)]  # beside the survey offered with the draft (ch-full)
        _settle(api, bot, datetime(2026, 3, 19, 10, 0, tzinfo=UTC))


def _page(message: BotMessage) -> bool:
    """The /case page, not a reminder that came meanwhile."""
    return "Inspection: Adoption support agency" in message.text


def test_the_inspector_records_the_notification_with_the_case_button(api: FakeBotApi, tmp_path: Path) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        created = manager.ask('/newcase asa-full "Beacon Adoption" 23/3/2026', lambda m: "set up" in m.text)
        ref = int(created.text.split("#", 1)[1].split()[0])
        code = invite_code(manager.ask(f"/invite inspector {ref}", _LINK), api.username)
        assert "Welcome" in join(inspector, code, lambda m: "Welcome" in m.text).text
        button = "I notified the provider today"
        assert [button] not in manager.ask(f"/case {ref}", _page).buttons  # the inspector's to record

        shown = inspector.ask(f"/case {ref}", _page)
        assert shown.buttons == [[button]], shown.buttons
        recorded = inspector.press_and_wait(button, lambda m: "Recorded" in m.text, message=shown)
        assert f"the provider of case #{ref} was notified on Wednesday 11 March 2026" in recorded.text
        assert "needs 10 working days" in recorded.text, recorded.text  # 8 working days before the visit
        assert inspector.message(shown.message_id).buttons == []  # pressed once, gone
        assert bot.query("SELECT kind, state FROM requests") == [("notification", "notified")]
        assert bot.query("SELECT key, day FROM case_events WHERE key = 'notice'") == [
            ("notice", "2026-03-11")
        ]
        assert inspector.ask(f"/case {ref}", _page).buttons == []  # recorded: no button any more
