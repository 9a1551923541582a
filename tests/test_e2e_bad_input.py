"""End to end: malformed commands, unknown cases, impossible dates, emoji and very long messages.

Each gets a reply that says what was wrong and what to do, and the database is exactly as it was.
"""

from __future__ import annotations

import pytest

from bot.localapi import FakeBotApi, FakeUser
from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, MANAGER, today, typed, workday

# (what a person types, a fragment of the reply it must get)
BAD_INPUT = [
    ('/newcase nonsense "Oak House" 3/3/2026', "There is no kind of inspection called 'nonsense'"),
    ('/newcase ch-full "Oak House" 31/02/2026', "I couldn't read '31/02/2026' as a date. Try 3/3/2026"),
    ('/newcase ch-full "Oak House" next tuesday', "I couldn't read 'next tuesday' as a date"),
    ('/newcase ch-full "Oak House 3/3/2026', "A quote is not closed"),
    ("/newcase ch-full", "I need the kind, the setting's name and the first on-site day"),
    ('/newcase ch-full "Oak House" 5/3/2026 3/3/2026', "The last on-site day can't be before the first"),
    ('/newcase ch-full "<b>Oak</b> & Co" 32/1/2026', "I couldn't read '32/1/2026' as a date"),
    ("/case 999", "I can't find case #999."),
    ("/case abc", "I can't find an open case called 'abc'"),
    ("/case " + "x" * 4000, "I can't find an open case called 'xxxxxxxxxxxxxxx"),
    ("/due 999", "I can't find case #999."),
    ("/due soon", "I can't find a case 'soon' among yours"),
    ("/record 1 draft_report 31/02/2026", "I couldn't read '31/02/2026' as a date"),
    ("/record 1 nonsense 3/3/2026", "'nonsense' isn't something I can record for a children's home"),
    ("/record 1 complaint_window today", "is a window, not something anyone does"),
    ("/record 1 return_visit today", "is planned by Ofsted"),
    ("/record 1 end 1/1/9999", "I can only work with dates from 2000 to 2099"),
    ("/record 1 end " + "x" * 4082, "I couldn't read 'xxxxxxxx"),
    ('/newcase ch-full "Y" 30/12/9999', "I can only work with dates from 2000 to 2099"),
    ("/close 1 sideways", "'sideways' isn't a reason I know"),
    ("/close 1 other", "Say in a few words why the case is closed"),
    ("/close 999 completed", "I can't find case #999."),
    ("/reopen 1", "Case #1 is open already"),
    ("/edit 1 colour red", "One line: /edit 12 name"),
    ("/edit 1 kind nonsense", "I don't know the kind of inspection 'nonsense'"),
    ("/edit 1 days 31/02/2026", "I couldn't read '31/02/2026' as a date"),
    ("/undo abc", "I couldn't read 'abc' as a case number"),
    ("/record 1 judgement brilliant", "brilliant"),
    ("/record 1 concerns maybe", "I couldn't read 'maybe' as yes or no"),
    ("/record 999 end today", "I can't find case #999."),
    ("/record 1 end", "I need the case, what happened and when"),
    ("/record one end today", "I couldn't read 'one' as a case number"),
    ("/invite wizard", "I can't invite 'wizard'"),
    ("/invite provider", "A provider is invited to a case"),
    ("/invite provider 999", "I can't find case #999."),
    ("/frobnicate", "I don't know /frobnicate. Send /help"),  # nothing near it: no guess
    ("/comment 1", "I don't know /comment. Did you mean /comments?"),
    ("/reveiw 1", "Did you mean /review?"),
    ("\U0001f642\U0001f389\U0001f44d", "I didn't catch that"),
    ("blah " * 800, "I didn't catch that"),
    ("when is the draft due for #999?", "I can't find case #999."),
]


@pytest.fixture
def setup(api: FakeBotApi, bot: BotProcess) -> tuple[FakeBotApi, BotProcess, FakeUser]:
    """The shared fake and bot (conftest), with a manager who has set up case #1."""
    manager = api.user(MANAGER, "Mia")
    manager.ask(f'/newcase ch-full "Oak House" {typed(CALENDAR.add_working_days(today(), -2))}', "is set up")
    return api, bot, manager


def test_bad_input_gets_a_helpful_reply_and_changes_nothing(
    setup: tuple[FakeBotApi, BotProcess, FakeUser],
) -> None:
    _api, bot, manager = setup
    before = bot.snapshot()
    for text, fragment in BAD_INPUT:
        reply = manager.ask(text, fragment)
        assert fragment in reply.text, f"{text[:60]!r} got {reply.text!r}"
        assert "Traceback" not in reply.text and "went wrong" not in reply.text
    assert bot.snapshot() == before


def test_future_dates_cannot_be_recorded(setup: tuple[FakeBotApi, BotProcess, FakeUser]) -> None:
    _api, bot, manager = setup
    before = bot.snapshot()
    tomorrow = CALENDAR.add_working_days(today(), 1)
    reply = manager.ask(
        f"/record 1 draft_report {typed(tomorrow)}",
        "is in the future. Record things once they have happened.",
    )
    assert "is in the future. Record things once they have happened." in reply.text
    assert bot.snapshot() == before


def test_what_a_user_typed_is_escaped_not_interpreted(setup: tuple[FakeBotApi, BotProcess, FakeUser]) -> None:
    _api, _bot, manager = setup
    reply = manager.ask(
        '/newcase ch-full "<i>Elm</i> & <Lodge>" ' + typed(workday()), "#2 <i>Elm</i> & <Lodge>"
    )
    assert "#2 <i>Elm</i> & <Lodge>" in reply.text  # shown as typed, not as formatting
    assert "&lt;i&gt;Elm&lt;/i&gt; &amp; &lt;Lodge&gt;" in reply.html


def test_dates_the_rules_cannot_accept_are_refused(setup: tuple[FakeBotApi, BotProcess, FakeUser]) -> None:
    _api, bot, manager = setup
    start = CALENDAR.add_working_days(today(), -2)
    before = bot.snapshot()
    reply = manager.ask(f"/record 1 end {typed(CALENDAR.add_working_days(start, -1))}", "is before the first")
    assert "is before the first" in reply.text
    assert bot.snapshot() == before
    manager.ask(f"/record 1 end {typed(start)}", "Recorded for")
    recorded = bot.snapshot()
    reply = manager.ask(
        f"/record 1 draft_report {typed(CALENDAR.add_working_days(start, -1))}", "can't be on"
    )
    assert (
        "can't be on" in reply.text and "it comes after the visit, whose last on-site day was" in reply.text
    )
    assert bot.snapshot() == recorded
    assert "#1 Oak House" in manager.ask("/case 1", "#1 Oak House").text  # the case still reads
