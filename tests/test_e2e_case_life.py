"""End to end (issue 7): a case's whole life, and no wrong answer about a live case.

Each test drives the bot (`inspectbot run`) through the fake Bot API as the people would; the CLI runs as
a subprocess. Dates are relative to today on the real clock.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from handlers.render import button_text
from tests.e2e_helpers import (
    CALENDAR,
    INSPECTOR,
    MANAGER,
    PROVIDER,
    expected,
    invite_code,
    join,
    today,
    typed,
    workday,
)
from tests.inprocess import InProcessBot
from workflows.dates import format_date
from workflows.kinds import get_kind
from workflows.questions import week_of

_CLI = str(Path(sys.executable).with_name("inspectbot"))
_LATE = re.compile(r"(\d+) working days? late|overdue")
_DISTANCE = re.compile(r"\d+ working days? (?:late|from today)|overdue|today\b|before the next working day")
#: What each of a provider's questions is answered with (a text in the answer that names it).
_ANSWERS = {
    "is anything overdue?": "verdue",
    "what's due next week?": "next week",
    "/cases": "Your open cases",
    "/case 1": "Deadlines",
}


def _newcase(user: FakeUser, kind: str, name: str, start: date) -> BotMessage:
    """/newcase in one line, confirming when the bot asks (a weekend or a start over a year ago)."""
    created = user.ask(f'/newcase {kind} "{name}" {typed(start)}', "is set up")
    if any("Set it up" in row for row in created.buttons):
        created = user.press_and_wait("Set it up", "is set up", message=created)
    assert "is set up" in created.text, created.text
    return created


def _timeline_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_CLI, "timeline", *args], capture_output=True, text=True, timeout=30, check=False)


def _join_as(api: FakeBotApi, manager: FakeUser, user: FakeUser, role: str, ref: int) -> None:
    assert (
        "joined as"
        in join(
            user, invite_code(manager.ask(f"/invite {role} {ref}", "?start="), api.username), "joined as"
        ).text
    )


def _lines_with(message: BotMessage, needle: str) -> list[str]:
    return [line for line in message.text.splitlines() if needle in line]


def test_a_case_entered_by_mistake_is_closed_and_reopened(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    inspector = api.user(INSPECTOR, "Ian")
    start = CALENDAR.add_working_days(workday(), -30)  # the draft is long overdue
    _newcase(manager, "ch-full", "Oak House", start)
    _newcase(manager, "ch-full", "Elm Lodge", start)
    _join_as(api, manager, inspector, "inspector", 1)

    overdue = manager.ask("is anything overdue?", "Overdue (")
    assert "Oak House" in overdue.text and "Elm Lodge" in overdue.text

    # One line.
    closed = manager.ask("/close 1 mistake", "Closed")
    assert "Closed" in closed.text and "#1 Oak House" in closed.text and "entered by mistake" in closed.text
    assert "Oak House" not in manager.ask("is anything overdue?", "verdue").text
    listing = manager.ask("/cases", "Your open cases")
    assert "Oak House" not in listing.text and "Elm Lodge" in listing.text
    shown = manager.ask("/case 1", "Status:")
    assert "Oak House" in shown.text and "Status: closed" in shown.text and "entered by mistake" in shown.text
    assert "Oak House" in manager.ask("/cases closed", "Closed cases").text
    answer = manager.ask("when is the draft due?", "Draft report")  # only Elm Lodge is open: no "which case?"
    assert "Elm Lodge" in answer.text and "Oak House" not in answer.text and not answer.buttons

    # An inspector can't reopen it; nothing changes.
    before = bot.snapshot()
    assert "Only a manager can reopen" in inspector.ask("/reopen 1", "Only a manager can reopen").text
    assert bot.snapshot() == before

    reopened = manager.ask("/reopen 1", "Reopened")
    assert "Reopened" in reopened.text and "Oak House" in reopened.text
    assert "Oak House" in manager.ask("is anything overdue?", "Overdue (").text
    assert "Status: open" in manager.ask("/case 1", "Status: open").text

    # With buttons: /close REF, then the reason.
    asked = manager.ask("/close 2", "being closed?")
    assert "Elm Lodge" in asked.text
    assert ["Entered by mistake"] in asked.buttons
    done = manager.press_and_wait("Entered by mistake", "Closed")
    assert "Closed" in done.text and "Elm Lodge" in done.text and "entered by mistake" in done.text
    overdue = manager.ask("is anything overdue?", "Overdue (")
    assert "Elm Lodge" not in overdue.text and "Oak House" in overdue.text
    closed_list = manager.ask("/cases closed", "Closed cases")
    assert "Elm Lodge" in closed_list.text and "Oak House" not in closed_list.text
    assert "entered by mistake" in manager.ask("/case 2", "entered by mistake").text


def test_recording_windows_set_dates_and_outcomes(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    started = CALENDAR.add_working_days(workday(), -10)  # the visit has ended; the complaint window is open
    _newcase(manager, "ch-full", "Oak House", started)
    window = expected("ch-full", started)["complaint_window"]
    assert window.due > today()

    # 1. The complaint window is not something anyone does; a complaint made is.
    before = bot.snapshot()
    refused = manager.ask(f"/record 1 complaint_window {typed(workday())}", "is a window")
    assert "is a window" in refused.text and "Recorded" not in refused.text
    assert bot.snapshot() == before
    accepted = manager.ask(f"/record 1 complaint {typed(workday())}", "Recorded for")
    assert "Recorded for" in accepted.text and "complaint" in accepted.text.lower()
    due = manager.ask("/due 1", "Last day for a formal complaint")
    assert "Last day for a formal complaint" in due.text
    assert format_date(window.due) in due.text

    # 2. A compliance date is set in the future: accepted, and its monitoring visit appears.
    compliance = CALENDAR.next_working_day(today() + timedelta(weeks=6))
    accepted = manager.ask(f"/record 1 compliance_date {typed(compliance)}", "Recorded for")
    assert "Recorded for" in accepted.text, accepted.text
    visit = expected("ch-full", started, compliance_date=compliance)["compliance_visit"]
    due = manager.ask("/due 1", "Deadlines still to come")
    assert visit.label in due.text and format_date(visit.due) in due.text
    # A second notice has its own compliance date and its own visit; the first stays (000 L1397-1399,
    # 003 L1020-1022). The same date again is the same notice: nothing changes.
    second = CALENDAR.next_working_day(today() + timedelta(weeks=9))
    added = manager.ask(f"/record 1 compliance_date {typed(second)}", lambda m: "Recorded for" in m.text)
    assert "compliance notice 2" in added.text and "compliance_date_2 DATE" in added.text, added.text
    both = expected("ch-full", started, compliance_date=compliance, compliance_date_2=second)
    first_visit, second_visit = both["compliance_visit"], both["compliance_visit_2"]
    assert first_visit == visit and second_visit.label == "Monitoring visit to check compliance notice 2"
    assert f"{second_visit.label}: now due {format_date(second_visit.due)}" in added.text, added.text
    due = manager.ask("/due 1", lambda m: "compliance notice 2" in m.text)
    for each in (first_visit, second_visit):
        assert f"{format_date(each.due)}: {each.label}" in due.text, due.text
    shown = manager.ask("/case 1", lambda m: "compliance notice 2" in m.text)
    assert _lines_with(shown, f": {first_visit.label},") and _lines_with(shown, f": {second_visit.label},")
    cli = _timeline_cli(
        "ch-full",
        "--start",
        started.isoformat(),
        "--record",
        f"compliance_date={compliance.isoformat()}",
        "--record",
        f"compliance_date={second.isoformat()}",
    )
    assert cli.returncode == 0, cli.stderr
    for each in (first_visit, second_visit):
        row = next(line for line in cli.stdout.splitlines() if line.rstrip().endswith(each.label))
        assert row.startswith(format_date(each.due)), row
    before = bot.snapshot()
    again = manager.ask(f"/record 1 compliance_date {typed(second)}", lambda m: "Already recorded" in m.text)
    assert "compliance notice 2" in again.text and "Nothing changed" in again.text, again.text
    assert bot.snapshot() == before
    # ... but something that happens can't be recorded ahead.
    before = bot.snapshot()
    future_end = CALENDAR.add_working_days(today(), 5)
    refused = manager.ask(f"/record 1 end {typed(future_end)}", "in the future")
    assert "in the future" in refused.text and "Recorded" not in refused.text
    assert bot.snapshot() == before

    # 3. With inadequate recorded on a case whose visit has ended, the monitoring visit is the return visit.
    _newcase(manager, "ch-full", "Birch House", started)
    assert "Recorded for" in manager.ask("/record 2 judgement inadequate", "Recorded for").text
    answer = manager.ask("when's the monitoring visit for #2?", "Return visit")
    assert "there is no" not in answer.text.lower() and not answer.buttons, answer.text
    assert "Return visit" in answer.text
    assert (
        format_date(expected("ch-full", started, judgement="inadequate")["return_visit"].due) in answer.text
    )

    # 4. A judgement before the visit ended is refused with the reason: its last on-site day.
    planned = CALENDAR.add_working_days(today(), 10)
    _newcase(manager, "ch-full", "Elm Lodge", planned)
    before = bot.snapshot()
    refused = manager.ask("/record 3 judgement good", "once the visit has ended")
    last = CALENDAR.add_working_days(planned, 1)
    assert "once the visit has ended" in refused.text and format_date(last) in refused.text, refused.text
    assert bot.snapshot() == before


def test_lateness_is_counted_the_same_in_chat_and_in_the_cli(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(workday(), -25)  # the draft was due several working days ago
    draft = expected("ch-full", start)["draft_report"]
    assert CALENDAR.working_days_between(draft.due, today()) >= 3
    _newcase(manager, "ch-full", "Oak House", start)

    answer = manager.ask("when is the draft due?", "Draft report")
    said = _LATE.search(answer.text)
    assert said, answer.text
    cli = _timeline_cli("ch-full", "--start", start.isoformat(), "--today", today().isoformat())
    assert cli.returncode == 0, cli.stderr
    row = next(line for line in cli.stdout.splitlines() if line.rstrip().endswith(draft.label))
    printed = _LATE.search(row)
    assert printed, row
    assert said.group(0) == printed.group(0)
    # Every deadline of /case reads as the CLI's, on this case and one whose draft was due last working day.
    _newcase(manager, "ch-full", "Elm Lodge", CALENDAR.add_working_days(workday(), -19))
    for ref, begun in ((1, start), (2, CALENDAR.add_working_days(workday(), -19))):
        shown = manager.ask(f"/case {ref}", "Deadlines")
        cli = _timeline_cli("ch-full", "--start", begun.isoformat(), "--today", today().isoformat())
        compared = 0
        for deadline in expected("ch-full", begun).values():
            chat = _lines_with(shown, f": {deadline.label},")
            rows = [line for line in cli.stdout.splitlines() if line.rstrip().endswith(deadline.label)]
            assert chat and rows, deadline.label
            in_chat, in_cli = _DISTANCE.search(chat[0]), _DISTANCE.search(rows[0])
            assert in_chat and in_cli and in_chat.group(0) == in_cli.group(0), (chat[0], rows[0])
            compared += 1
        assert compared >= 5


def test_a_question_in_the_middle_of_newcase_is_not_a_name(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    asked = manager.ask("/newcase", "What kind of inspection")
    assert asked.buttons
    kind = get_kind("ch-full")
    step = manager.press_and_wait(button_text(kind.name), "What is the setting called")
    assert "What is the setting called" in step.text
    refused = manager.ask("when is the draft due?", "reads like a question")
    assert "reads like a question" in refused.text
    assert bot.snapshot()["cases"] == []
    accepted = manager.ask("Oak House", "first on-site day")
    assert "first on-site day" in accepted.text

    # A date out of the calendar's years is refused in chat, and nothing is created.
    manager.ask("/cancel", "Cancelled")
    before = bot.snapshot()
    refused = manager.ask('/newcase ch-full "Y" 30/12/9999', "2099")
    assert "is set up" not in refused.text and "2099" in refused.text, refused.text
    assert bot.snapshot() == before


def test_dates_outside_the_calendar_are_refused_by_the_cli_in_one_line() -> None:
    for end in ("9999-12-01", "2200-12-18"):
        run = _timeline_cli("ch-full", "--end", end)
        assert run.returncode == 2, run.stdout + run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert "Traceback" not in run.stderr and end in run.stderr


def test_a_what_if_question_recomputes_from_its_date(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(workday(), -5)
    _newcase(manager, "ch-full", "Oak House", start)
    planned = expected("ch-full", start)["provider_comments"].due
    comes = CALENDAR.add_working_days(expected("ch-full", start)["draft_report"].due, 7)
    before = bot.snapshot()
    answer = manager.ask(f"if the draft comes on {typed(comes)} when are my comments due?", "omments")
    assert format_date(CALENDAR.add_working_days(comes, 5)) in answer.text, answer.text
    assert "if" in answer.text.lower() and format_date(comes) in answer.text
    assert format_date(planned) not in answer.text.split("\n")[0]
    assert bot.snapshot() == before


def test_undo_and_edit(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    inspector = api.user(INSPECTOR, "Ian")
    start = CALENDAR.add_working_days(workday(), -20)
    _newcase(manager, "ch-full", "Oak House", start)
    _join_as(api, manager, inspector, "inspector", 1)

    # /undo: the draft recorded by mistake is taken back after confirming.
    sent = workday()
    assert "Recorded for" in manager.ask(f"/record 1 draft_report {typed(sent)}", "Recorded for").text
    assert "Draft report" in manager.ask("/case 1", "Deadlines").text.split("<b>Deadlines</b>")[0]
    offer = manager.ask("/undo 1", "Draft report")
    assert "Draft report" in offer.text and format_date(sent) in offer.text
    assert ["Undo it", "Keep it"] in offer.buttons
    data = offer.callback_data["Undo it"]
    done = manager.press_and_wait("Undo it", "Taken back", message=offer)
    assert "Taken back" in done.text
    recorded = manager.ask("/case 1", "Draft report sent to the provider: recorded as").text
    assert "Draft report sent to the provider: recorded as" in recorded  # the history keeps it
    assert "\nRecorded\n" not in recorded
    assert not bot.query("SELECT * FROM case_events WHERE key = 'draft_report'")
    # The same button again (an old message, or a replayed press) changes nothing.
    before = bot.snapshot()
    since = manager.mark()
    manager.forge_press(data, offer)
    again = manager.wait_next(since, "Nothing recorded")
    assert "Taken back" not in again.text and "Nothing recorded" in again.text
    assert bot.snapshot() == before
    # ... nor once something else was recorded: the old button doesn't take back the new record.
    assert "Recorded for" in manager.ask(f"/record 1 draft_report {typed(sent)}", "Recorded for").text
    before = bot.snapshot()
    since = manager.mark()
    manager.forge_press(data, offer)
    stale = manager.wait_next(since, lambda m: m.message_id == offer.message_id or "Nothing" in m.text)
    assert "Taken back" not in stale.text, stale.text
    assert bot.snapshot() == before
    assert (
        "Taken back"
        in manager.press_and_wait(
            "Undo it", "Taken back", message=manager.ask("/undo 1", "Take it back?")
        ).text
    )

    # /edit: the inspector moves the planned days, and hears what moved.
    new_start = CALENDAR.add_working_days(start, 2)
    new_end = CALENDAR.add_working_days(new_start, 1)
    edited = inspector.ask(f"/edit 1 days {typed(new_start)} {typed(new_end)}", "Corrected")
    assert "Corrected" in edited.text and "What changed" in edited.text, edited.text
    moved = expected("ch-full", new_start)["draft_report"]
    assert format_date(moved.due) in edited.text
    # The name is for managers.
    before = bot.snapshot()
    refused = inspector.ask('/edit 1 name "Oak House Children\'s Home"', "manager")
    assert "Corrected" not in refused.text and "manager" in refused.text.lower()
    assert bot.snapshot() == before
    renamed = manager.ask('/edit 1 name "Oak House Two"', "Corrected")
    assert "Corrected" in renamed.text and "Oak House Two" in renamed.text
    assert "Oak House Two" in manager.ask("/case 1", "Oak House Two").text


def test_cases_by_name_and_the_week_ahead(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    first = CALENDAR.add_working_days(workday(), -17)
    second = CALENDAR.add_working_days(workday(), -14)
    _newcase(manager, "ch-full", "Oak House", first)
    _newcase(manager, "ch-full", "Elm Lodge", second)

    answer = manager.ask("when is the draft due for oak house?", "Draft report")
    assert "Oak House" in answer.text and "Elm Lodge" not in answer.text
    assert format_date(expected("ch-full", first)["draft_report"].due) in answer.text
    shown = manager.ask("/case oak", "#1 Oak House")
    assert "#1 Oak House" in shown.text and "Status: open" in shown.text

    # What's due this week, across both cases, soonest first.
    week = manager.ask("what's due this week?", lambda m: "this week" in m.text)
    begins, end = week_of(today(), 0)  # on a weekend, the coming week
    days = sorted(
        (d.due, case)
        for case, start in (("Oak House", first), ("Elm Lodge", second))
        for d in expected("ch-full", start).values()
        if begins <= d.due <= end
    )
    if days:
        positions = [week.text.find(format_date(day)) for day, _ in days]
        assert all(p >= 0 for p in positions), week.text
        assert positions == sorted(positions)
    else:
        assert "Nothing" in week.text or "nothing" in week.text, week.text

    nxt = manager.ask("what's due next week?", lambda m: "next week" in m.text)
    monday, _ = week_of(today(), 1)
    coming = sorted(
        (d.due, name)
        for name, begun in (("Oak House", first), ("Elm Lodge", second))
        for d in expected("ch-full", begun).values()
        if monday <= d.last_day <= monday + timedelta(days=6) and d.recorded is None
    )
    assert coming, "the dates chosen should put deadlines next week"
    lines = [line for line in nxt.text.splitlines() if line.startswith("#")]
    assert len(lines) == len(coming), nxt.text
    for line, (day, name) in zip(lines, coming, strict=True):
        assert name in line and format_date(day) in line, (line, day, name)

    _newcase(manager, "ch-full", "Orchard View", first)
    asked = manager.ask("/case o", "Which one?")
    labels = [row[0] for row in asked.buttons]
    assert "#1 Oak House" in labels and "#3 Orchard View" in labels


def test_what_each_role_sees(api: FakeBotApi, bot: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    inspector = api.user(INSPECTOR, "Ian")
    provider = api.user(PROVIDER, "Pat")
    start = CALENDAR.add_working_days(workday(), -10)
    _newcase(manager, "ch-full", "Oak House", start)
    _join_as(api, manager, inspector, "inspector", 1)
    _join_as(api, manager, provider, "provider", 1)
    assert "Recorded for" in manager.ask("/record 1 judgement inadequate", "Recorded for").text

    # The command menu per role.
    def menu(scope: dict[str, object] | None) -> set[str]:
        return {str(c["command"]) for c in api.commands(scope)}

    for_provider = menu({"type": "chat", "chat_id": PROVIDER})
    assert for_provider and not for_provider & {"newcase", "record", "invite"}, for_provider
    assert "record" in menu({"type": "chat", "chat_id": INSPECTOR})
    assert "newcase" not in menu(None)

    # Seed citations and Ofsted-internal steps are for Ofsted staff.
    seed = re.compile(r"\b\d{3} L\d+|seed", re.IGNORECASE)
    said = provider.ask("when is the draft due?", "Draft report")
    assert "Draft report" in said.text and not seed.search(said.text), said.text
    staff = inspector.ask(
        "when is the draft due?", "Draft report"
    ).text  # staff: the framework and section, no seed lines
    assert "(SCCIF children's homes, Timeframe)" in staff and not seed.search(staff), staff
    comes = CALENDAR.add_working_days(today(), 3)
    what_if = provider.ask(f"if the draft comes on {typed(comes)} when are my comments due?", "omments")
    assert format_date(CALENDAR.add_working_days(comes, 5)) in what_if.text
    assert not seed.search(what_if.text), what_if.text
    for text in ("is anything overdue?", "what's due next week?", "/cases", "/case 1"):
        seen = provider.ask(text, _ANSWERS[text]).text
        assert "quality assurance" not in seen.lower() and "Case review" not in seen, (text, seen)
        assert not seed.search(seen), (text, seen)
    due = provider.ask("/due 1", "Deadlines still to come").text
    assert "Case review" not in due and "quality assurance" not in due.lower()
    staff = inspector.ask("/due 1", "Case review").text
    assert "Case review" in staff or "quality assurance" in staff.lower()


def _dump(bot: InProcessBot) -> dict[str, list[tuple[object, ...]]]:
    """Everything a refused or declined step must leave alone, read from the database file: the
    snapshot's tables, the stored deadlines, the requests and the outbox rows written."""
    found = bot.snapshot()
    for table in ("case_deadlines", "requests"):
        found[table] = bot.query(f"SELECT * FROM {table} ORDER BY rowid")
    found["outbox"] = bot.query("SELECT id, dedup, params, due_at FROM outbox ORDER BY id")
    return found


def _checked(message: BotMessage) -> bool:
    return "Please check" in message.text


def test_steps_in_the_order_they_can_happen(api: FakeBotApi, bot: InProcessBot) -> None:
    """Issue 18 item 3: nothing about the report before the visit has ended; a Yes/No for what is
    possible but odd, where Yes makes the change and No (or a refusal) leaves the database as it was."""
    manager = api.user(MANAGER, "Mia")
    next_week = CALENDAR.add_working_days(workday(), 5)
    _newcase(manager, "ch-full", "Oak House", next_week)  # #1: the visit is next week
    ended = CALENDAR.add_working_days(workday(), -20)
    _newcase(manager, "ch-full", "Elm Lodge", ended)  # #2: the visit is over
    long_ago = CALENDAR.add_working_days(workday(), -10)
    _newcase(manager, "ch-full", "Ash Court", long_ago)  # #3: the visit began 10 working days ago

    # The case: the draft "today" on a visit planned for next week. Refused; nothing changes.
    before = _dump(bot)
    refused = manager.ask(f"/record 1 draft_report {typed(today())}", "which hasn't ended")
    last = CALENDAR.add_working_days(next_week, 1)
    assert refused.text == (
        "Draft report sent to the provider comes after the visit, which hasn't ended: its last on-site "
        f"day is {format_date(last)}. Record it once the visit has ended."
    ), refused.text
    for step in ("final_report", "publication", "provider_comments"):
        assert (
            "which hasn't ended"
            in manager.ask(f"/record 1 {step} {typed(today())}", "which hasn't ended").text
        )
    assert (
        "once the visit has ended" in manager.ask("/record 1 judgement good", "once the visit has ended").text
    )
    # /record's buttons offer only what can be recorded now, and say why.
    manager.ask("/record", "Which case?")
    shown = manager.press_and_wait("#1 Oak House", "What happened on")
    labels = [row[0] for row in shown.buttons]
    assert "Visit ended (feedback given)" in labels, labels
    assert not [label for label in labels if label.startswith(("Draft report", "Judgement", "Formal"))]
    assert f"once the visit has ended (its last on-site day is {format_date(last)})" in shown.text
    assert "Cancelled" in manager.ask("/cancel", "Cancelled").text
    # Nor dated before the last on-site day of a visit that has ended.
    early = manager.ask(f"/record 2 draft_report {typed(ended)}", "can't be on")
    assert "can't be on" in early.text and "whose last on-site day was" in early.text, early.text
    assert _dump(bot) == before

    # A final report before the comments deadline, no comments in: asked first. No changes nothing.
    assert "Recorded for" in manager.ask(f"/record 2 draft_report {typed(workday())}", "Recorded for").text
    before = _dump(bot)
    asked = manager.ask(f"/record 2 final_report {typed(workday())}", _checked)
    assert "none are recorded" in asked.text and "Record final report sent to the provider on" in asked.text
    assert asked.buttons == [["Yes, record it", "No"]], asked.buttons
    declined = manager.press_and_wait("No", "Nothing was changed", message=asked)
    assert declined.buttons == []
    assert _dump(bot) == before
    asked = manager.ask(f"/record 2 final_report {typed(workday())}", _checked)
    done = manager.press_and_wait("Yes, record it", "Recorded for", message=asked)
    assert "final report sent to the provider on" in done.text, done.text
    assert bot.query("SELECT day FROM case_events WHERE key = 'final_report'") == [(workday().isoformat(),)]

    # A visit longer than the kind allows, recorded with its end: 11 working days on site.
    # Asked the same at the end of /record's buttons (the conversation ends: the buttons carry it all).
    before = _dump(bot)
    manager.ask("/record", "Which case?")
    manager.press_and_wait("#3 Ash Court", "What happened on")
    manager.press_and_wait("Visit ended (feedback given)", "on what date")
    asked = manager.ask(typed(workday()), _checked)
    assert "is 11 working days on site" in asked.text and "at most 4 working days" in asked.text, asked.text
    manager.press_and_wait("No", "Nothing was changed", message=asked)
    assert _dump(bot) == before
    asked = manager.ask(f"/record 3 end {typed(workday())}", _checked)
    assert "Recorded for" in manager.press_and_wait("Yes, record it", "Recorded for", message=asked).text
    assert bot.query("SELECT count(*) FROM case_events WHERE key = 'end'") == [(1,)]

    # ... planned with /newcase: its confirmation says so, and Cancel sets nothing up.
    first, last = next_week, CALENDAR.add_working_days(next_week, 5)
    before = _dump(bot)
    asked = manager.ask(f'/newcase ch-full "Birch House" {typed(first)} {typed(last)}', _checked)
    assert "is 6 working days on site" in asked.text, asked.text
    manager.press_and_wait("Cancel", "Nothing was saved", message=asked)
    assert _dump(bot) == before
    asked = manager.ask(f'/newcase ch-full "Birch House" {typed(first)} {typed(last)}', _checked)
    assert "#4" in manager.press_and_wait("Set it up", "is set up", message=asked).text

    # ... and with /edit of the planned days: the buttons carry the days.
    before = _dump(bot)
    asked = manager.ask(f"/edit 1 days {typed(first)} {typed(last)}", _checked)
    assert "is 6 working days on site" in asked.text and asked.buttons == [["Yes, change the days", "No"]]
    manager.press_and_wait("No", "as they were", message=asked)
    assert _dump(bot) == before
    asked = manager.ask(f"/edit 1 days {typed(first)} {typed(last)}", _checked)
    assert "Corrected" in manager.press_and_wait("Yes, change the days", "Corrected", message=asked).text
    assert bot.query("SELECT planned_end FROM cases WHERE ref = 1") == [(last.isoformat(),)]

    # Closing as completed while steps are open: the steps are named; No keeps it open.
    before = _dump(bot)
    asked = manager.ask("/close 2 completed", _checked)
    assert "Report published" in asked.text and "Close it as completed anyway?" in asked.text, asked.text
    assert "Kept open" in manager.press_and_wait("No, keep it open", "Kept open", message=asked).text
    assert _dump(bot) == before
    # With the reason's button, then Yes.
    manager.ask("/close 2", "being closed")
    asked = manager.press_and_wait("Completed", _checked)
    assert asked.buttons == [["Yes, close it", "No, keep it open"]], asked.buttons
    closed = manager.press_and_wait("Yes, close it", "Closed", message=asked)
    assert "#2 Elm Lodge" in closed.text and "completed" in closed.text
    # The same Yes again is checked on press: already closed, nothing changes.
    before = _dump(bot)
    since = manager.mark()
    manager.forge_press("clsok:2", asked)
    assert "already closed" in manager.wait_next(since, "already closed").text
    assert _dump(bot) == before


def test_a_step_whose_key_holds_a_number_is_recorded_by_its_button(
    api: FakeBotApi, bot: InProcessBot
) -> None:
    """la-sif's `child_data_list_2`: /record's button matched no handler while the data's pattern took
    letters only (the press was answered as expired); the typed button reads digits too."""
    manager = api.user(MANAGER, "Mia")
    _newcase(manager, "la-sif", "Northshire", CALENDAR.add_working_days(workday(), 10))
    label = button_text("Child-level data list 2 (early help assessments)")
    asked = manager.ask("/record 1", lambda m: [label] in m.buttons)
    when = manager.press_and_wait(label, "on what date", message=asked)
    assert when.text.startswith("Child-level data list 2 (early help assessments): on what date?"), when.text
    recorded = manager.press_and_wait("Today", "Recorded for", message=when)
    assert f"child-level data list 2 (early help assessments) on {format_date(today())}" in recorded.text
