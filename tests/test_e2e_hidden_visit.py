"""Issue 18 (items 1 and 2): nothing a provider can reach names a planned day of an unannounced visit, nor a
date worked out from one, until the visit begins; then they see the case as before and may ask to defer.

Children's homes are inspected without notice (000 L534; 001 L56); a COVID-19 assurance visit is announced by
a call the working day before it (002 L155-156). The bot's clock is Wednesday 11 March 2026, 10:00 in London:
a children's home is planned for Tuesday 17 March, then moved by its inspector to Wednesday 18 and Thursday
19 March (every date of both plans is secret); a COVID-19 visit is planned on site on Thursday 19 March (its
call: Wednesday 18 March). The provider walks every command and question they have, and every reply, file
and outbox row of theirs is searched for those dates in each way a date is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from tests.e2e_helpers import CALENDAR, invite_code, join
from tests.test_e2e_requests import (
    INSPECTOR,
    MANAGER,
    PROVIDER,
    _ask_to_defer,
    _set_clock,
    _settle,
    running,
)
from workflows import visit
from workflows.dates import format_date
from workflows.deadlines import CaseDates, compute_timeline, on_site_days
from workflows.kinds import get_kind

TODAY = date(2026, 3, 11)
FIRST_PLAN = date(2026, 3, 17)
CH_START, CH_END = date(2026, 3, 18), date(2026, 3, 19)
COVID_ON_SITE = date(2026, 3, 19)
_LINK = "?start="
_NOTHING = "No dates to show yet"


def secret_days() -> set[date]:
    """Every planned day of both plans and every date worked out from them: the on-site days, the day and
    the working day before the visit begins, and every deadline's dates (due, end of window, opening)."""
    plans = (
        ("ch-full", FIRST_PLAN, None),
        ("ch-full", CH_START, CH_END),
        ("covid-assurance", COVID_ON_SITE, None),
    )
    found: set[date] = set()
    for kind_id, start, end in plans:
        kind, dates = get_kind(kind_id), CaseDates(start, end)
        first, last = on_site_days(kind, dates, CALENDAR)
        begins = visit.begins(kind, dates, CALENDAR)
        found |= {first, last, begins, first - timedelta(days=1), begins - timedelta(days=1)}
        found |= {CALENDAR.add_working_days(first, -1), CALENDAR.add_working_days(begins, -1)}
        for d in compute_timeline(kind, dates, CALENDAR):
            found |= {d.due, d.last_day} | ({d.opens} if d.opens else set())
    assert TODAY not in found  # the reply may say what today is
    return found


def date_patterns(days: Iterable[date]) -> list[re.Pattern[str]]:
    """Each day as the chat, a calendar file or a person would write it: 'Wednesday 18 March 2026',
    '18 March', '18 Mar', '18/03/2026', '18/3/2026', '2026-03-18', '20260318'."""
    patterns = []
    for day in days:
        forms = [
            format_date(day),
            f"{day.day} {day:%B}",
            f"{day.day} {day:%b}",
            f"{day:%d} {day:%b}",
            f"{day:%d/%m/%Y}",
            f"{day.day}/{day.month}/{day.year}",
            day.isoformat(),
            f"{day:%Y%m%d}",
        ]
        patterns += [re.compile(rf"(?<![0-9]){re.escape(form)}(?![0-9])") for form in dict.fromkeys(forms)]
    return patterns


def leaks(text: str, patterns: list[re.Pattern[str]]) -> list[str]:
    """The secret dates (and relative distances, 'in 5 working days') found in `text`."""
    found = [p.pattern for p in patterns if p.search(text)]
    # workflows.lateness: "4 working days from today", "2 working days late", "before the next working day".
    found += re.findall(r"\bfrom today\b|\bworking days? late\b|\bbefore the next working day\b", text)
    found += re.findall(r"\bin \d+ working days?\b|\btomorrow\b", text)
    return found


def everything_said(message: BotMessage) -> str:
    """A message's words, its HTML, its buttons and its document's bytes (an .ics file, a text)."""
    parts = [message.text, message.raw_text, repr(message.reply_markup)]
    if message.document is not None and message.document.content is not None:
        parts.append(message.document.content.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _newcase(manager: FakeUser, command: str) -> int:
    created = manager.ask(command, lambda m: "is set up" in m.text)
    return int(created.text.split("#", 1)[1].split()[0])


def _invite(api: FakeBotApi, manager: FakeUser, user: FakeUser, role: str, ref: int) -> BotMessage:
    code = invite_code(manager.ask(f"/invite {role} {ref}", _LINK), api.username)
    return join(user, code, lambda m: "joined" in m.text or "Welcome" in m.text)


#: Every command a provider has (handlers/menu.py) and a few they don't, with what each reply says; {ref}
#: is each case in turn.
_PER_CASE = (
    ("/case {ref}", "Deadlines"),
    ("/due {ref}", _NOTHING),
    ("/calendar {ref}", _NOTHING),
    ("/timeline {ref}", _NOTHING),
    ("/defer {ref}", "no visit on this case to defer now"),
    ("/comments {ref}", "Comments open once the draft report"),
    ("/complain {ref}", "from the end of the inspection"),
    ("/survey {ref}", "no survey to answer"),
    ("/mute {ref}", "are off"),
    ("/unmute {ref}", "are on again"),
    ("/record {ref} draft_report", "Only the inspector on a case or a manager"),
    ("/notify {ref}", "Only the inspector on a case or a manager"),
    ("/edit {ref} days 1/4/2026", "Only the inspector on a case or a manager can correct it"),
    ("/undo {ref}", "Only the inspector on a case or a manager can undo"),
    ("/close {ref}", "Only the inspector on a case or a manager can close it"),
    ("/review {ref}", "Only managers start or look up case reviews"),
    ("when is the inspection for #{ref}?", "No inspection visit is planned that I can tell you about"),
    ("can I defer #{ref}?", "No inspection visit is planned that I can tell you about"),
    ("what do I need to do on #{ref}?", "nothing for you to do now"),
    ("when is the visit for #{ref}?", "No inspection visit is planned that I can tell you about"),
    ("when is the draft due for #{ref}?", _NOTHING),
    ("when is the final report due for #{ref}?", _NOTHING),
    ("what's next on #{ref}?", _NOTHING),
    ("when are my comments due for #{ref}?", _NOTHING),
    ("when can I complain about #{ref}?", _NOTHING),
    ("if the draft comes on 25/3/2026 when are my comments due for #{ref}?", _NOTHING),
    ("if the visit ends on 26/3/2026 when is the final report due for #{ref}?", _NOTHING),
    ("is anything overdue on #{ref}?", "Nothing is overdue"),
    ("how do I complain about #{ref}?", "from the end of the inspection"),
)
_ACROSS = (
    ("/help", "What you can do now"),
    ("/start", "What you can do now"),
    ("/cases", "Your open cases"),
    ("/cases overdue", "No open cases match"),
    ("/reminders", "No reminders are waiting"),
    ("/newcase", "Only inspectors and managers can set up a case"),
    ("/status", "Only managers can see the messages' status"),
    ("/survey", "no survey to answer"),
    ("what's due next week?", "Nothing is due next week"),
    ("what's due this week?", "Nothing is due this week"),
    ("is anything overdue?", "Nothing is overdue"),
    ("when is the inspection?", "The inspection visits of your open cases"),
    ("can I defer?", "Deferring the inspection"),
    ("what do I need to do?", "What you can do now"),
)
#: Questions naming no case: asked which case, each case pressed in turn.
_WHICH = ("when is the draft due?", "when are my comments due?", "how do I complain?")


def _walk(provider: FakeUser, refs: list[int]) -> list[BotMessage]:
    """Everything a provider can send on these cases, each answer waited for by its words."""
    said: list[BotMessage] = []
    for command, answer in _ACROSS:
        said.append(provider.ask(command, lambda m, a=answer: a in m.text))
    for ref in refs:
        for command, answer in _PER_CASE:
            text = command.format(ref=ref)
            said.append(provider.ask(text, lambda m, a=answer: a in m.text))
    for question in _WHICH:
        for ref in refs:
            picker = provider.ask(question, lambda m: "Which case" in m.text)
            said.append(picker)
            button = next(row[0] for row in picker.buttons if row[0].startswith(f"#{ref} "))
            said.append(
                provider.press_and_wait(
                    button, lambda m, r=ref: f"#{r}" in m.text and "Which case" not in m.text, message=picker
                )
            )
    return said


def test_an_unannounced_visit_is_kept_from_its_provider_until_it_begins(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        clock = tmp_path / "clock.txt"
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        home = _newcase(manager, f'/newcase ch-full "Oak House" {FIRST_PLAN.day}/3/2026')
        covid = _newcase(manager, f'/newcase covid-assurance "Oak House" {COVID_ON_SITE.day}/3/2026')
        for ref in (home, covid):
            assert "joined" in _invite(api, manager, inspector, "inspector", ref).text
        welcome = _invite(api, manager, provider, "provider", home)
        assert "Welcome, Pat" in welcome.text and "What you can do now" in welcome.text, welcome.text

        # The inspector moves the planned days: staff hear what moved, the provider nothing.
        edited = inspector.ask(f"/edit {home} days 18/3/2026 19/3/2026", lambda m: "Corrected" in m.text)
        assert "What changed" in edited.text, edited.text

        refs = [home, covid]
        said = [welcome, *_walk(provider, refs)]
        _settle(api, bot, datetime.combine(TODAY, time(10), tzinfo=UTC))
        patterns = date_patterns(secret_days())
        found = {
            m.text[:80]: leaks(everything_said(m), patterns)
            for m in [*said, *provider.messages()]
            if leaks(everything_said(m), patterns)
        }
        assert found == {}, found
        case_view = next(m for m in said if m.text.startswith(f"#{home} Oak House"))
        assert "Planned" not in case_view.text and _NOTHING in case_view.text, case_view.text
        listed = next(m for m in said if m.text.startswith("Your open cases"))
        assert f"#{home} Oak House" in listed.text and "no dates yet" in listed.text, listed.text
        assert "/defer" not in next(m for m in said if "What you can do now" in m.text).text.split("now")[1]

        # Nothing waits in the outbox for the provider that names one either (reminders, notices).
        ((person_id,),) = bot.query("SELECT id FROM people WHERE telegram_id = ?", PROVIDER)
        rows = bot.query("SELECT template, params, state FROM outbox WHERE person_id = ?", person_id)
        assert [r for r in rows if leaks(str(r[1]), patterns)] == [], rows
        assert not [r for r in rows if r[0] in ("remind", "moved") and r[2] == "pending"], rows

        # Inspectors and managers see everything, as before.
        staff = inspector.ask(f"/case {home}", lambda m: f"#{home} Oak House" in m.text)
        assert f"Planned on site from: {format_date(CH_START)}" in staff.text, staff.text
        assert format_date(CALENDAR.add_working_days(CH_END, 18)) in staff.text  # the draft report
        covid_staff = manager.ask(f"/due {covid}", lambda m: f"#{covid}" in m.text)
        assert format_date(date(2026, 3, 18)) in covid_staff.text  # the call

        # The first on-site day: the provider sees the case as before, and may ask to defer until the
        # last on-site day (deferral-policy.md section 2). The COVID-19 visit's call is that day too.
        first_day = datetime.combine(CH_START, time(9), tzinfo=UTC)
        _set_clock(clock, first_day)
        shown = provider.ask(f"/case {home}", lambda m: f"#{home} Oak House" in m.text)
        assert f"Planned on site from: {format_date(CH_START)}" in shown.text, shown.text
        assert _NOTHING not in shown.text
        helped = provider.ask("/help", lambda m: "What you can do now" in m.text)
        assert (
            f"Ask to defer the inspection: open until {format_date(CH_END)} (/defer {home})" in helped.text
        ), helped.text
        assert f"(/defer {covid})" in helped.text
        grounds = provider.ask(f"/defer {home}", lambda m: "Choose the ground" in m.text)
        assert ["The setting is due to close, merge or move"] in grounds.buttons
        assert "Cancelled" in provider.ask("/cancel", lambda m: "Cancelled" in m.text).text
        drafted = provider.ask(f"when is the draft due for #{home}?", lambda m: f"#{home}" in m.text)
        assert format_date(CALENDAR.add_working_days(CH_END, 18)) in drafted.text, drafted.text

        # Asked while inspectors are on site; the managers decide by the last on-site day. Approved, the
        # visit's new days are unannounced again: the provider is told it was approved, not when.
        marks = {u: u.mark() for u in (manager, provider)}
        _ask_to_defer(provider, home)
        asked = manager.wait_next(marks[manager], lambda m: "asks to defer" in m.text, timeout=15)
        assert f"Decide by {format_date(CH_END)}: once the visit has ended" in asked.text, asked.text
        manager.press_and_wait("Approve", lambda m: "first on-site day?" in m.text, message=asked)
        done = manager.ask("13/4/2026", lambda m: "Approved" in m.text)
        assert "Monday 13 April 2026" in done.text, done.text
        told = provider.wait_next(marks[provider], lambda m: "approved" in m.text, timeout=15)
        assert "No dates to show yet" in told.text, told.text
        again = provider.ask(f"/case {home}", lambda m: f"#{home} Oak House" in m.text)
        secret = date_patterns(secret_days() | _days_of("ch-full", date(2026, 4, 13), None))
        for message in (told, again, provider.ask(f"/due {home}", lambda m: f"#{home}" in m.text)):
            assert leaks(everything_said(message), secret) == [], message.text
        _settle(api, bot, first_day)


def _days_of(kind_id: str, start: date, end: date | None) -> set[date]:
    """A plan's on-site days and every date of its timeline."""
    kind, dates = get_kind(kind_id), CaseDates(start, end)
    found = set(on_site_days(kind, dates, CALENDAR))
    for d in compute_timeline(kind, dates, CALENDAR):
        found |= {d.due, d.last_day}
    return found
