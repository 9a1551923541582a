"""Requests between people, end to end (issue 11): a provider asks to defer, managers decide through the
outbox's buttons, everyone on the case is told. The bot's clock is a test clock file set to Wednesday
11 March 2026, 10:00 in London; the cases start on Monday 23 March 2026, so no visit has started."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, invite_code, join, on_test_clock
from tests.inprocess import InProcessBot
from tests.outbox_world import NOW
from workflows.dates import format_date

MANAGER, SECOND_MANAGER, INSPECTOR, PROVIDER = 8001, 8002, 8003, 8004
_ASKED = "asks to defer"
#: An announced kind (10 working days' notice): its provider may ask to defer before the visit.
ANNOUNCED = "asa-full"
_LINK = "?start="
_Bot = TypeVar("_Bot", InProcessBot, BotProcess)


def _start(api: FakeBotApi, tmp_path: Path, kind: type[_Bot]) -> _Bot:
    """The bot (in this process, or `BotProcess` where a test kills it) on the test clock at NOW."""
    bot = kind(api, tmp_path, admins=(MANAGER,), **on_test_clock(tmp_path, NOW, tick="0.25"))
    bot.start()
    return bot


@contextmanager
def running(api: FakeBotApi, tmp_path: Path) -> Iterator[InProcessBot]:
    """The bot in this process on the test clock (`_start`), stopped however the test ends; once the test
    has passed, its log is checked for failures (`assert_healthy`)."""
    with _running(_start(api, tmp_path, InProcessBot)) as bot:
        yield bot


@contextmanager
def running_process(api: FakeBotApi, tmp_path: Path) -> Iterator[BotProcess]:
    """As `running`, with the bot as its own process: for a test that kills it (SIGKILL)."""
    with _running(_start(api, tmp_path, BotProcess)) as bot:
        yield bot


@contextmanager
def _running(bot: _Bot) -> Iterator[_Bot]:
    try:
        yield bot
    finally:
        if bot.running:
            bot.stop()
    bot.assert_healthy()


def _case(
    api: FakeBotApi,
    manager: FakeUser,
    people: list[tuple[FakeUser, str]],
    name: str,
    start: str = "23/3/2026",
    kind: str = "ch-full",
) -> int:
    """A case with these people on it. A children's home (ch-full) is unannounced: its provider learns of
    it, and may ask to defer it, once it begins; tests deferring before a visit use an announced kind."""
    # The managers' outbox messages (a digest, a request) may come meanwhile: each answer is matched.
    created = manager.ask(f'/newcase {kind} "{name}" {start}', lambda m: "set up" in m.text)
    if "already set up" in created.text:  # an open case with the same name and dates: asked first
        created = manager.press_and_wait(
            "Yes, set up another", lambda m: "is set up" in m.text, message=created
        )
    assert "is set up" in created.text, created.text
    ref = int(created.text.split("#", 1)[1].split()[0])
    for user, role in people:
        code = invite_code(manager.ask(f"/invite {role} {ref}", _LINK), api.username)
        answer = join(user, code, lambda m: "joined" in m.text or "Welcome" in m.text)
        assert "joined" in answer.text or "Welcome" in answer.text, answer.text
    return ref


def _ask_to_defer(provider: FakeUser, ref: int) -> None:
    # Matched: an outbox message (the survey's offer) may come first.
    grounds = provider.ask(f"/defer {ref}", lambda m: "Choose the ground" in m.text or "defer" in m.text)
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
    confirm = provider.ask("We merge with Elm House on 20 March.", lambda m: "Press Send" in m.text)
    assert confirm.buttons, confirm.text
    # What is about to go is said back, to check before sending.
    assert "Ground: The setting is due to close, merge or move" in confirm.text, confirm.text
    assert "You wrote: “We merge with Elm House on 20 March.”" in confirm.text, confirm.text
    assert "not one of the grounds" not in confirm.text  # only staff absence is warned of
    sent = provider.press_and_wait("Send the request", lambda m: "Sent" in m.text, message=confirm)
    assert sent.text.startswith("Sent: your request to defer case #"), sent.text
    return sent


def _set_clock(clock: Path, moment: datetime) -> None:
    """Move the bot's test clock at once: a whole new file, so the bot never reads a half-written one."""
    partial = clock.with_suffix(".tmp")
    partial.write_text(moment.isoformat())
    os.replace(partial, clock)


def _settle(api: FakeBotApi, bot: InProcessBot | BotProcess, now: datetime) -> None:
    """Let the sender finish what is due before the bot stops (bot/outbox.py's wake-up after a run can
    race the scheduler's shutdown and log a JobLookupError: noted for the outbox's owner)."""
    due = "SELECT count(*) FROM outbox WHERE state = 'sending' OR (state = 'pending' AND due_at <= ?)"
    moment = (now + timedelta(minutes=1)).astimezone(UTC).isoformat()
    api.wait_until(lambda: bot.query(due, moment) == [(0,)], timeout=15, what="the outbox sent what was due")


def _request_message(user: FakeUser, since: int, ref: int) -> BotMessage:
    return user.wait_next(since, lambda m: _ASKED in m.text and f"#{ref} " in m.text, timeout=15)


def _state(bot: InProcessBot) -> dict[str, list[tuple[object, ...]]]:
    """What a refused press must leave alone: requests, cases, deadlines, the outbox and the audit trail."""
    with sqlite3.connect(bot.db) as conn:
        found = {
            table: list(conn.execute(f"SELECT * FROM {table} ORDER BY rowid"))
            for table in ("requests", "cases", "case_deadlines", "audit")
        }
        # The sender goes on sending meanwhile: the rows written, not their delivery, are compared.
        found["outbox"] = list(conn.execute("SELECT id, dedup, params, due_at FROM outbox ORDER BY id"))
        return found


def _changes(before: dict[str, list[tuple[object, ...]]], after: dict[str, list[tuple[object, ...]]]) -> str:
    """What differs between two `_state`s, table by table: the rows only in one or the other."""
    lines = []
    for table in before:
        gone = [row for row in before[table] if row not in after[table]]
        came = [row for row in after[table] if row not in before[table]]
        if gone or came:
            lines.append(f"{table}: gone {gone}, came {came}")
    return "\n".join(lines)


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
        one = _case(
            api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House", kind=ANNOUNCED
        )

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
        moved = [json.loads(str(r[0])) for r in reminders]
        assert moved and all(r["day"] > str(before[r["key"]]) for r in moved), (before, moved)

        # Declined, with a reason; then Max's old Approve button is refused and nothing changes.
        two = _case(api, manager, [(provider, "provider")], "Oak House", kind=ANNOUNCED)
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
        three = _case(api, manager, [(provider, "provider")], "Oak House", kind=ANNOUNCED)
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
        # A case no provider has joined: recorded, and the inspector is told nobody can be told yet. The
        # notified cases are adoption support agencies: announced, 10 working days ahead (003 L431).
        alone = _case(api, manager, [(inspector, "inspector")], "Elm Agency", kind="asa-full")
        nobody = inspector.ask(f"/notify {alone}", lambda m: "Recorded" in m.text).text
        assert f"No provider has joined case #{alone} yet" in nobody, nobody
        assert f"/invite provider {alone}" in nobody and "I'm telling the provider" not in nobody
        future = _case(
            api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak Agency", kind="asa-full"
        )
        # A children's home is inspected without notice: refused, nothing written, nobody told.
        homes = api.user(PROVIDER + 60, "Hal")  # a provider belongs to one setting
        home = _case(api, manager, [(inspector, "inspector"), (homes, "provider")], "Oak House")
        snapshot = _state(bot)
        unannounced = inspector.ask(f"/notify {home}", lambda m: "nothing to notify" in m.text)
        assert unannounced.text == (
            "Children's homes are inspected without notice (000 L534): there is nothing to notify."
        ), unannounced.text
        assert _state(bot) == snapshot
        assert bot.query("SELECT count(*) FROM outbox WHERE template = 'request'") == [(0,)]

        # Notification: the provider is told through the outbox, acknowledges, and may ask to defer.
        since = provider.mark()
        assert "Only the inspector" in provider.ask(f"/notify {future}", lambda m: "Only" in m.text).text
        recorded = inspector.ask(f"/notify {future}", lambda m: "Recorded" in m.text)
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
        assert f"What you can do now\n#{alone} Elm Agency" in welcome.text, (
            welcome.text
        )  # and with which case
        caught = late.wait_next(since, lambda m: "were notified" in m.text, timeout=15)
        assert f"#{alone} Elm Agency" in caught.text and caught.buttons == [["Acknowledge"], ["Ask to defer"]]
        grounds = provider.press_and_wait(
            "Ask to defer", lambda m: "Choose the ground" in m.text, message=told
        )
        assert ["Other (explain)"] in grounds.buttons
        assert "Cancelled" in provider.ask("/cancel", "Cancelled").text

        # A complaint before the inspection has ended: refused, with why and the steps.
        early = provider.ask(f"/complain {future}", "can be made from")
        assert "can be made from Wednesday 25 March 2026, the end of the inspection" in early.text, early.text
        assert "raise concerns with the inspector" in early.text and "The steps:" in early.text

        # On the window's last day a complaint is made and the managers are told; the next working day, not.
        ended = _case(api, manager, [(homes, "provider")], "Oak House", start="2/3/2026")
        (last,) = bot.query(
            "SELECT d.last_day FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
            " WHERE c.ref = ? AND d.key = 'complaint_window'",
            ended,
        )[0]
        last_day = date.fromisoformat(str(last))
        _set_clock(clock, datetime.combine(last_day, time(10), tzinfo=UTC))
        steps = homes.ask(f"/complain {ended}", "can be made until")
        assert f"can be made until {format_date(last_day)} (today)." in steps.text, steps.text
        rule = "Rule: from the end of the inspection until 5 working days after the final report is sent."
        assert rule in steps.text, steps.text  # where the date comes from, as every date the bot gives
        assert "1. " in steps.text and "leave out children's names" in steps.text
        confirm = homes.ask("The inspector did not look at our <records> & notes.", "You wrote")
        assert "You wrote: “The inspector did not look at our &lt;records&gt; &amp; notes.”" in (
            confirm.html or ""
        ), confirm.html
        since = manager.mark()
        sent = homes.press_and_wait("Send the complaint", lambda m: "Sent" in m.text, message=confirm)
        assert "the managers are told" in sent.text
        complaint = manager.wait_next(since, lambda m: "formal complaint" in m.text, timeout=15)
        assert "Hal made a formal complaint" in complaint.text
        assert "The inspector did not look at our <records> & notes." in complaint.text
        next_day = CALENDAR.add_working_days(last_day, 1)
        _set_clock(clock, datetime.combine(next_day, time(10), tzinfo=UTC))
        late = homes.ask(f"/complain {ended}", "closed on")
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
        # Nothing to notify: a children's home (unannounced), nor an announced kind once its visit has
        # started; refused with the reason, nothing written, no button offered, a forged press refused.
        snapshot = _state(bot)
        home = inspector.ask(f"/notify {ref} 27/2/2026", lambda m: "nothing to notify" in m.text)
        assert home.text.startswith("Children's homes are inspected without notice (000 L534)"), home.text
        assert _state(bot) == snapshot
        agency = _case(api, manager, [(inspector, "inspector")], "Ash Agency", "2/3/2026", kind="asa-full")
        snapshot = _state(bot)
        started = inspector.ask(f"/notify {agency} 27/2/2026", lambda m: "nothing to notify" in m.text)
        assert started.text.startswith(
            "The visit started on Monday 2 March 2026, so the provider already knows of it"
        ), started.text
        assert "/record with 'notice'" in started.text
        page = inspector.ask(f"/case {agency}", _page)
        assert ["I notified the provider today"] not in page.buttons, page.buttons
        since = inspector.mark()
        inspector.wait_answer(inspector.forge_press(f"ntf:{agency}", page))  # checked again on press
        refused = inspector.wait_next(since, lambda m: "nothing to notify" in m.text)
        assert "The visit started on Monday 2 March 2026" in refused.text, refused.text
        assert _state(bot) == snapshot
        # The visit has ended: no deferral, with the reason (a children's home's visit is deferred while
        # it is on; deferral-policy.md section 2).
        started = provider.ask(f"/defer {ref}", "can no longer be deferred").text
        assert "The visit ended on Tuesday 3 March 2026, so it can no longer be deferred" in started
        assert "lead inspector" in started and "shared/spec" not in started, started
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


def test_asa_single_individual_notice_and_a_complaint_on_receiving_the_final_report_003_L433_L998(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Issue 18, 4a and 4b in chat. A single individual's agency gets 20 working days' notice (003 L433,
    L501): /newcase says it and dates the notice so, /edit changes it. A complaint lodged on receiving the
    final report (003 L998) is accepted after the draft's 5 working days (003 L1188) have passed."""
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        provider = api.user(PROVIDER, "Pat")

        # 4a: /newcase ... single.
        start = date(2026, 4, 13)  # Monday
        twenty, ten = CALENDAR.add_working_days(start, -20), CALENDAR.add_working_days(start, -10)
        assert (twenty, ten) == (date(2026, 3, 12), date(2026, 3, 26))  # Easter: 3 and 6 April are off
        created = manager.ask(
            '/newcase asa-full "Sole Adoption Support" 13/4/2026 single', lambda m: "set" in m.text
        )
        if any("Set it up" in row for row in created.buttons):
            created = manager.press_and_wait("Set it up", lambda m: "is set up" in m.text, message=created)
        assert "is set up" in created.text, created.text
        assert "Single individual: yes (20 working days' notice, not 10)" in created.text
        notice_line = next(line for line in created.text.splitlines() if "Notice of inspection" in line)
        assert format_date(twenty) in notice_line, created.text
        single = int(created.text.split("#", 1)[1].split()[0])
        assert bot.query("SELECT single_individual FROM cases WHERE ref = ?", single) == [(1,)]

        # Bad input is refused and changes nothing: another kind, or neither yes nor no.
        before = _state(bot)
        other = manager.ask('/newcase ch-full "Oak House" 13/4/2026 single', lambda m: "single" in m.text)
        assert "is for an adoption support agency run by a single individual" in other.text, other.text
        unclear = manager.ask(f"/edit {single} single perhaps", lambda m: "yes or no" in m.text)
        assert "Say yes or no: is the agency a single individual?" in unclear.text, unclear.text
        assert _state(bot) == before

        # /edit N single no: back to 10 working days, said as what moved.
        edited = manager.ask(f"/edit {single} single no", lambda m: "Corrected" in m.text)
        moved = next(line for line in edited.text.splitlines() if "Notice of inspection" in line)
        assert format_date(twenty) in moved and format_date(ten) in moved, edited.text
        shown = manager.ask(f"/case {single}", lambda m: "Single individual" in m.text)
        assert "Single individual: no" in shown.text, shown.text

        # Step by step, an adoption support agency (and only it) is asked whether it is a single individual.
        asked = manager.ask("/newcase", lambda m: "What kind of inspection" in m.text)
        manager.press_and_wait(
            "Adoption support agency: full inspection", lambda m: "never a child" in m.text, message=asked
        )
        question = manager.ask("Rowan Adoption Support", lambda m: "single individual" in m.text)
        assert question.buttons == [["Yes, a single individual", "No"]], question.buttons
        manager.press_and_wait(
            "Yes, a single individual", lambda m: "For example" in m.text, message=question
        )
        last = manager.ask("13/4/2026", lambda m: "last on-site day" in m.text)
        confirm = manager.press_and_wait(
            last.buttons[0][0], lambda m: "Set up this case?" in m.text, message=last
        )
        assert "Single individual: yes (20 working days' notice, not 10)" in confirm.text, confirm.text
        done = manager.press_and_wait("Set it up", lambda m: "is set up" in m.text, message=confirm)
        notice_line = next(line for line in done.text.splitlines() if "Notice of inspection" in line)
        assert format_date(twenty) in notice_line, done.text

        # 4b: the final report was sent yesterday, after the draft's window closed (Monday 9 March).
        ref = int(
            manager.ask('/newcase asa-full "Willow Adoption Support" 2/2/2026', lambda m: "set up" in m.text)
            .text.split("#", 1)[1]
            .split()[0]
        )
        code = invite_code(manager.ask(f"/invite provider {ref}", _LINK), api.username)
        assert "joined" in join(provider, code, lambda m: "joined" in m.text or "Welcome" in m.text).text
        for key, day in (("draft_report", "2/3/2026"), ("final_report", "10/3/2026")):
            recorded = manager.ask(f"/record {ref} {key} {day}", lambda m: "Recorded" in m.text)
            assert "Recorded for" in recorded.text, recorded.text
        (closed,) = bot.query(
            "SELECT d.last_day FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
            " WHERE c.ref = ? AND d.key = 'complaint_window'",
            ref,
        )[0]
        assert closed == "2026-03-09"  # today, Wednesday 11 March, is after it: refused before issue 18
        steps = provider.ask(f"/complain {ref}", lambda m: "formal complaint" in m.text)
        assert "can be made now; the guidance sets no closing day." in steps.text, steps.text
        assert "Rule: a formal complaint may be lodged when the final report is received." in steps.text
        confirm = provider.ask("The final report ignores the evidence we sent.", lambda m: "Send" in m.text)
        since = manager.mark()
        sent = provider.press_and_wait("Send the complaint", lambda m: "Sent" in m.text, message=confirm)
        assert "the managers are told" in sent.text, sent.text
        told = manager.wait_next(since, lambda m: "formal complaint" in m.text, timeout=15)
        assert "Pat made a formal complaint" in told.text, told.text
        case_id = bot.query("SELECT id FROM cases WHERE ref = ?", ref)[0][0]
        assert bot.query("SELECT day FROM case_events WHERE case_id = ? AND key = 'complaint'", case_id) == [
            ("2026-03-11",)
        ]
        # Made after the final report was sent: nothing waits for its answer (003 L1190 is about before).
        assert (
            bot.query(
                "SELECT key FROM case_deadlines WHERE case_id = ?"
                " AND (key = 'complaint_response' OR extended = 1)",
                case_id,
            )
            == []
        )
        _settle(api, bot, NOW)
