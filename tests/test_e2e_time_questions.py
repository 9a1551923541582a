"""End to end: time in plain words (issue 20, found 6 and 7). The bot's clock is a test clock file set to
Sunday 6 December 2026, so "this week" is the coming week (Monday 7 to Sunday 13 December 2026).

Cases: #1 Oak Lodge, a children's home (unannounced) whose visit starts on Monday 7 December 2026, the
day after "today", so its provider may not learn its days yet; #2 Birch Adoption Support (announced),
from Monday 8 February 2027; #3 Elm House, a children's home from Monday 8 February 2027 (its complaint
window closes on Thursday 1 April 2027).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi, FakeUser
from tests.e2e_helpers import (
    CALENDAR,
    INSPECTOR,
    MANAGER,
    OTHER_PROVIDER,
    PROVIDER,
    expected,
    invite_code,
    join,
    typed,
)
from tests.inprocess import InProcessBot
from workflows.dates import format_date
from workflows.deadlines import CaseDates, on_site_days
from workflows.kinds import get_kind

SUNDAY = date(2026, 12, 6)
NOW = "2026-12-06T12:00:00+00:00"
OAK, BIRCH = date(2026, 12, 7), date(2027, 2, 8)
_DATE = re.compile(
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} "
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"
)


@pytest.fixture
def clocked(api: FakeBotApi, tmp_path: Path) -> Iterator[InProcessBot]:
    """The bot with its clock at midday on Sunday 6 December 2026, and the three cases set up."""
    clock = tmp_path / "clock.txt"
    clock.write_text(NOW)
    bot = InProcessBot(
        api, tmp_path, admins=(MANAGER,), INSPECTBOT_TESTING="1", INSPECTBOT_TEST_CLOCK_FILE=str(clock)
    ).start()
    manager = api.user(MANAGER, "Mia")
    for kind, name, start in (
        ("ch-full", "Oak Lodge", OAK),
        ("asa-full", "Birch Adoption Support", BIRCH),
        ("ch-full", "Elm House", BIRCH),
    ):
        day = f"{start.day}/{start.month}/{start.year}"
        manager.ask(f'/newcase {kind} "{name}" {day}', lambda m, name=name: name in m.text and "#" in m.text)
    yield bot
    bot.stop()
    bot.assert_healthy()


def _asked(user: FakeUser, text: str, head: str) -> str:
    """The answer to `text`: the message starting with `head`."""
    return user.ask(text, lambda m: m.text.startswith(head)).text


def test_staff_ask_about_time_in_plain_words(api: FakeBotApi, clocked: InProcessBot) -> None:
    manager = api.user(MANAGER, "Mia")
    oak, birch, elm = expected("ch-full", OAK), expected("asa-full", BIRCH), expected("ch-full", BIRCH)

    # On a Sunday, this week is the coming week (it was "Sunday 6 December 2026 to Sunday 6 December 2026").
    week = _asked(manager, "what's due this week?", "Nothing is due this week")
    assert "Monday 7 December 2026 to Sunday 13 December 2026" in week, week
    tomorrow = _asked(manager, "what's due tomorrow?", "Nothing is due tomorrow")
    assert tomorrow == "Nothing is due tomorrow, Monday 7 December 2026.", tomorrow

    # A named month: every open deadline of every case with its last day in March 2027, soonest first.
    march = _asked(manager, "what's due in March?", "Due in March 2027")
    assert march.startswith("Due in March 2027, Monday 1 March 2027 to Wednesday 31 March 2027 (7):"), march
    wanted = sorted(
        (d.last_day, title)
        for title, timeline in (("#2 Birch Adoption Support", birch), ("#3 Elm House", elm))
        for d in timeline.values()
        if date(2027, 3, 1) <= d.last_day <= date(2027, 3, 31)
    )
    rows = [line for line in march.splitlines() if line.startswith("#")]
    assert len(rows) == len(wanted) == 7, march
    for row, (day, title) in zip(rows, wanted, strict=True):
        assert row.startswith(title) and format_date(day) in row, (row, day, title)

    month = _asked(manager, "what's due this month?", "Due in December 2026")
    assert "Sunday 6 December 2026 to Thursday 31 December 2026" in month
    assert format_date(oak["evidence_upload"].due) in month and "#1 Oak Lodge" in month

    fortnight = _asked(manager, "what's due in the next 2 weeks?", "Due from")
    assert fortnight.startswith("Due from Sunday 6 December 2026 to Sunday 20 December 2026 (")
    assert format_date(oak["evidence_upload"].due) in fortnight

    first_april = _asked(manager, "what's due on 1/4/2027?", "Due on Thursday 1 April 2027")
    assert "#3 Elm House" in first_april and "omplaint" in first_april, first_april
    assert "Birch" not in first_april
    assert elm["complaint_window"].last_day == date(2027, 4, 1)

    # A span with more than a page of deadlines: one message, Next / Previous edit it in place.
    every = [
        d
        for timeline in (oak, birch, elm)
        for d in timeline.values()
        if SUNDAY <= d.last_day <= date(2027, 3, 31)
    ]
    paged = manager.ask("what's due by the end of March?", lambda m: m.text.startswith("Due from"))
    head = "Due from Sunday 6 December 2026 to Wednesday 31 March 2027"
    assert paged.text.startswith(f"{head} ({len(every)}):") and len(every) > 10, paged.text
    assert paged.buttons == [["Next »"]] and f"1 to 10 of {len(every)}" in paged.text
    second = manager.press_and_wait("Next »", lambda m: f"11 to {len(every)} of" in m.text, message=paged)
    assert second.message_id == paged.message_id and second.text.startswith(head)
    shown = [line for text in (paged.text, second.text) for line in text.splitlines() if line.startswith("#")]
    assert len(shown) == len(every)
    assert second.buttons == [["« Previous"]]

    bad = _asked(manager, "what's due on 31/2/2027?", "I couldn't read")
    assert "'31/2/2027'" in bad

    # The visit's days, per case, in one message.
    visits = _asked(manager, "when is the inspection?", "The inspection visits of your open cases (3):")
    first, last = on_site_days(get_kind("ch-full"), CaseDates(start=OAK, end=None), CALENDAR)
    assert (
        f"#1 Oak Lodge: the inspection visit is planned from {format_date(first)} to {format_date(last)}"
        in (visits)
    ), visits
    assert format_date(BIRCH) in visits

    # Deferral: until when the provider may ask, per case.
    defer = _asked(manager, "can I defer?", "Deferring the inspection, on your open cases (3):")
    assert "#2 Birch Adoption Support: the provider can ask to defer until Friday 5 February 2027" in defer
    one = _asked(manager, "can we defer case 2?", "#2 Birch")
    assert one.startswith(
        "#2 Birch Adoption Support: the provider can ask to defer until Friday 5 February 2027"
    )

    todo = _asked(manager, "what do I need to do?", "What you can do now, on your open cases (3):")
    assert "#1 Oak Lodge" in todo

    # An inspector is asked about the cases they are on, and only those.
    inspector = api.user(INSPECTOR, "Ian")
    join(
        inspector,
        invite_code(manager.ask("/invite inspector 2", lambda m: "t.me" in m.text), api.username),
        "joined",
    )
    theirs = _asked(inspector, "what do I need to do?", "What you can do now, on your open cases (1):")
    assert "#2 Birch Adoption Support" in theirs and "Oak" not in theirs, theirs
    visit = _asked(inspector, "when is the inspection?", "The inspection visits of your open cases (1):")
    assert "#2 Birch Adoption Support: the inspection visit is planned from Monday 8 February 2027" in visit
    march_theirs = _asked(inspector, "what's due in March?", "Due in March 2027")
    assert "(4):" in march_theirs and "Elm House" not in march_theirs, march_theirs


def test_a_provider_asks_about_time_and_names_a_case_that_is_not_theirs(
    api: FakeBotApi, clocked: InProcessBot
) -> None:
    manager = api.user(MANAGER, "Mia")
    oak_provider = api.user(PROVIDER, "Pat")
    join(
        oak_provider,
        invite_code(manager.ask("/invite provider 1", lambda m: "t.me" in m.text), api.username),
        "joined",
    )
    birch_provider = api.user(OTHER_PROVIDER, "Bea")
    join(
        birch_provider,
        invite_code(manager.ask("/invite provider 2", lambda m: "t.me" in m.text), api.username),
        "joined",
    )

    # Found 7: a name that matches none of their cases is said so, and they are asked which case.
    willow = oak_provider.ask("when is the draft due for willow?", lambda m: "willow" in m.text)
    assert willow.text.startswith("No case of yours is called 'willow'."), willow.text
    assert willow.buttons == [["#1 Oak Lodge"]]
    assert not _DATE.search(willow.text)

    # The children's home's visit is unannounced: its provider learns no day of it before it begins.
    visit = _asked(oak_provider, "when is the inspection?", "The inspection visits")
    assert "#1 Oak Lodge: No inspection visit is planned that I can tell you about." in visit, visit
    assert not _DATE.search(visit), visit
    defer = _asked(oak_provider, "can I defer?", "Deferring the inspection")
    assert not _DATE.search(defer), defer
    one = _asked(oak_provider, "when is the inspection for #1?", "#1 Oak Lodge")
    assert not _DATE.search(one), one
    todo = _asked(oak_provider, "what do I need to do?", "What you can do now")
    assert "#1 Oak Lodge" in todo and not _DATE.search(todo), todo
    tomorrow = oak_provider.ask("what's due tomorrow for #1?", lambda m: "tomorrow" in m.text).text
    assert tomorrow == "Nothing is due on #1 Oak Lodge tomorrow, Monday 7 December 2026.", tomorrow

    # The adoption support agency's visit is announced: its provider is told until when to ask.
    announced = _asked(birch_provider, "can I defer?", "Deferring the inspection")
    assert "yes, you can ask to defer until Friday 5 February 2027" in announced, announced
    assert "/defer 2" in announced
    march = _asked(birch_provider, "what's due in March?", "Due in March 2027")
    assert "#2 Birch" in march and "Elm House" not in march and "Oak Lodge" not in march
    one = _asked(
        birch_provider, "what's due in March for #2?", "Due on #2 Birch Adoption Support in March 2027"
    )
    assert format_date(expected("asa-full", BIRCH)["provider_comments"].due) in one, one


def test_a_providers_period_list_names_no_day_of_a_visit_kept_from_them(
    api: FakeBotApi, clocked: InProcessBot
) -> None:
    """The days of #1 Oak Lodge's deadlines are counted from its visit, which its provider may not know of
    before Monday 7 December 2026: a period list leaves them out (store/lists.py, with the hidden-visit
    filtering of workflows.visit.hidden_from_provider)."""
    manager = api.user(MANAGER, "Mia")
    provider = api.user(PROVIDER, "Pat")
    join(
        provider,
        invite_code(manager.ask("/invite provider 1", lambda m: "t.me" in m.text), api.username),
        "joined",
    )
    oak = expected("ch-full", OAK)
    staff = _asked(manager, "what's due in January?", "Due in January 2027")
    assert format_date(oak["draft_report"].due) in staff  # the staff see it
    told = provider.ask("what's due in January?", lambda m: "January 2027" in m.text).text
    assert "Oak Lodge" not in told and format_date(oak["draft_report"].due) not in told, told
    # Nor the span's own days, one of which could be a day counted from the visit: the month in words.
    assert told == "Nothing is due in January 2027.", told
    asked_day = typed(oak["draft_report"].due)
    on_day = provider.ask(f"what's due on {asked_day}?", lambda m: "Nothing is due" in m.text).text
    assert on_day == "Nothing is due on the day you asked about.", on_day
