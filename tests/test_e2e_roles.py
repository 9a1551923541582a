"""End to end, through HTTP: a manager sets up a case and invites people; each learns what is theirs to know.

The bot runs as its own process (`inspectbot run`) against the fake Bot API; the test acts as the people.
"""

from __future__ import annotations

from bot.localapi import FakeBotApi
from handlers.people import PRIVATE_ONLY
from tests.botprocess import BotProcess
from tests.e2e_helpers import (
    CALENDAR,
    INSPECTOR,
    MANAGER,
    OTHER_PROVIDER,
    PROVIDER,
    STRANGER,
    expected,
    invite_code,
    join,
    today,
    typed,
    workday,
)
from workflows.dates import format_date


def test_manager_inspector_and_providers_each_get_their_own_answers(api: FakeBotApi, bot: BotProcess) -> None:
    # The visit has begun, so its provider is told its dates (before that, none: test_e2e_hidden_visit.py).
    start = workday()
    due = expected("ch-full", start)
    manager = api.user(MANAGER, "Mia")
    inspector = api.user(INSPECTOR, "Ian")
    provider = api.user(PROVIDER, "Pat")
    other = api.user(OTHER_PROVIDER, "Olu")
    stranger = api.user(STRANGER, "Sam")

    assert "Hello, Mia" in manager.ask("/start", "Hello, Mia").text

    created = manager.ask(f'/newcase ch-full "Oak House" {typed(start)}', "is set up")
    assert "#1" in created.text and "Oak House" in created.text
    assert format_date(due["draft_report"].due) in created.text

    code = invite_code(manager.ask("/invite inspector 1", "?start="), api.username)
    assert "joined as an inspector" in join(inspector, code, "joined as an inspector").text
    code = invite_code(manager.ask("/invite provider 1", "?start="), api.username)
    welcome = join(provider, code, "joined as a provider for #1 Oak House")
    assert "joined as a provider for #1 Oak House" in welcome.text

    # The inspector asks about the draft: date, distance, owner and rule in one message.
    answer = inspector.ask("when is the draft due?", "Rule: 18 working days after the end of the inspection")
    draft = due["draft_report"]
    days = CALENDAR.working_days_between(today(), draft.due)
    assert f"<b>{format_date(draft.due)}</b> ({days} working days from today)" in answer.html
    assert "Rule: 18 working days after the end of the inspection" in answer.text
    assert "(SCCIF children's homes, Timeframe)" in answer.text  # the one wording for staff (issue 20)
    assert "000 L624" not in answer.text

    # The provider asks about their comments: their deadline, chained on the planned draft.
    answer = provider.ask("when do my comments have to be in?", "Owner: Provider")
    assert format_date(due["provider_comments"].due) in answer.text
    assert "Owner: Provider" in answer.text
    assert "5 working days after" in answer.text

    answer = manager.ask("what's the complaint deadline for #1?", "complaint")
    assert format_date(due["complaint_window"].due) in answer.text
    answer = provider.ask("when will the report be published?", "ublish")
    assert format_date(due["publication"].due) in answer.text
    assert "Nothing is overdue." in inspector.ask("is anything overdue?", "Nothing is overdue.").text

    # Each person's /cases shows the case; the inspector's /due marks their own deadline.
    assert "#1 Oak House" in provider.ask("/cases", "#1 Oak House").text
    listing = inspector.ask("/due", "Deadlines still to come")
    assert "(yours)" in listing.html
    assert format_date(due["evidence_upload"].due) in listing.text

    # A second setting with its own provider.
    manager.ask(f'/newcase ch-full "Elm Lodge" {typed(start)}', "is set up")
    join(other, invite_code(manager.ask("/invite provider 2", "?start="), api.username), "joined as")
    assert "#2 Elm Lodge" in other.ask("/cases", "#2 Elm Lodge").text

    # The other provider and a stranger learn nothing about case #1, not even that it exists.
    assert other.ask("/case 1", "can't find case #1").text == other.ask(
        "/case 99", "can't find case #99"
    ).text.replace("#99", "#1")
    assert "can't find case #1" in other.ask("when is the draft due for #1?", "can't find case #1").text
    assert "can't find case #1" in other.ask("/due 1", "can't find case #1").text
    for text in [
        "/start",
        "/case 1",
        "/cases",
        "when is the draft due for #1?",
        "what's next for #99?",
        "/due 1",
        "/newcase",
    ]:
        assert "by invitation only" in stranger.ask(text, "by invitation only").text
    leaked = [m.text for m in other.messages() + stranger.messages() if "Oak House" in m.text]
    assert not leaked

    # An invitation works once.
    assert "expired or has already been used" in join(stranger, code, "expired or has already been used").text
    assert "by invitation only" in stranger.ask("/cases", "by invitation only").text


def test_providers_cannot_change_cases_or_invite(api: FakeBotApi, bot: BotProcess) -> None:
    start = CALENDAR.add_working_days(today(), 2)
    manager = api.user(MANAGER, "Mia")
    provider = api.user(PROVIDER, "Pat")
    manager.ask(f'/newcase ch-assurance "Ash Court" {typed(start)}', "is set up")
    join(provider, invite_code(manager.ask("/invite provider 1", "?start="), api.username), "joined as")
    before = bot.snapshot()
    assert (
        "Only inspectors and managers can set up"
        in provider.ask('/newcase ch-full "X" 3/3/2026', "Only inspectors and managers can set up").text
    )
    assert (
        "Only the inspector on a case or a manager"
        in provider.ask(f"/record 1 end {typed(today())}", "Only the inspector on a case or a manager").text
    )
    assert (
        "Only inspectors and managers can invite"
        in provider.ask("/invite provider 1", "Only inspectors and managers can invite").text
    )
    assert bot.snapshot() == before


def test_a_group_is_refused_once_and_left(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    manager.ask(f'/newcase ch-full "Oak House" {typed(CALENDAR.add_working_days(today(), 3))}', "is set up")
    group = api.chat(-500)
    since = group.mark()
    manager.send_in_group("/cases", -500)
    assert group.wait_next(since, PRIVATE_ONLY).text == PRIVATE_ONLY
    api.wait_for_call("leaveChat", lambda call: call.params.get("chat_id") in (-500, "-500"))
    assert api.left_chats() == [-500]
    for text in ["/case 1", "/start", "/due 1"]:  # no longer reaches the bot, as in Telegram
        manager.send_in_group(text, -500)
    assert manager.ask(
        "/help", "Here is what you can do"
    ).text  # handled after the group's messages: they did not reach the bot
    assert [m.text for m in group.messages()] == [PRIVATE_ONLY]


def test_inspectors_invite_only_the_provider_of_their_own_case(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    inspector = api.user(INSPECTOR, "Ian")
    provider = api.user(PROVIDER, "Pat")
    start = typed(CALENDAR.add_working_days(today(), 3))
    manager.ask(f'/newcase ch-full "Oak House" {start}', "is set up")
    join(inspector, invite_code(manager.ask("/invite inspector", "?start="), api.username), "joined as")
    created = inspector.ask(f'/newcase ch-full "Elm Lodge" {start}', "#2 Elm Lodge")
    assert "#2 Elm Lodge" in created.text  # the inspector's own case

    before = bot.snapshot()
    assert (
        "can't find case #1" in inspector.ask("/invite provider 1", "can't find case #1").text
    )  # not theirs: not even seen
    refused = inspector.ask("/invite manager", "invite")
    assert "invite" in refused.text and "t.me" not in refused.text
    assert bot.snapshot() == before

    asked = inspector.ask("/invite", "which case?")  # the step-by-step form goes straight to their cases
    assert asked.buttons == [["#2 Elm Lodge"]]
    link = inspector.press_and_wait("#2 Elm Lodge", "?start=", message=asked)
    assert (
        "joined as a provider for #2 Elm Lodge"
        in join(provider, invite_code(link, api.username), "joined as a provider for #2 Elm Lodge").text
    )
    assert "Oak House" not in provider.ask("/cases", "Your open cases").text


def test_a_forged_button_press_in_a_group_reveals_nothing(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    manager.ask(f'/newcase ch-full "Oak House" {typed(CALENDAR.add_working_days(today(), 3))}', "is set up")
    group = api.chat(-501)
    manager.send_in_group("hello", -501)  # plain text: the bot sees it (a real group needs a mention)
    api.wait_for_call("leaveChat")
    refusal = group.messages()[0]
    assert refusal.text == PRIVATE_ONLY
    before = len(api.calls("answerCallbackQuery"))
    for data in ["due:1", "case:1", "ask:draft_report:1", "inv:provider:1"]:
        manager.forge_press(data, refusal, chat_id=-501)  # the bot has left: nothing reaches it
    assert manager.ask(
        "/help", "Here is what you can do"
    ).text  # handled after the presses, so they were not delivered or ignored
    assert len(api.calls("answerCallbackQuery")) == before
    assert [m.text for m in group.messages()] == [PRIVATE_ONLY]
    assert bot.snapshot()["invites"] == []
