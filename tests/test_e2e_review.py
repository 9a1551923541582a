"""End to end: what a review of the chat layer found, each pinned by the bot's own behaviour.

Recording things in an impossible order, a conversation cut off by /cancel in another one, a person
deactivated mid-flow, and button presses a modified client can forge (any callback data, on any message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from tests.botprocess import BotProcess
from tests.e2e_helpers import (
    CALENDAR,
    INSPECTOR,
    MANAGER,
    OTHER_PROVIDER,
    invite_code,
    join,
    today,
    typed,
    workday,
)

NOT_INVITED = "by invitation only"


def forge_press(api: FakeBotApi, user: FakeUser, data: str, message: BotMessage) -> str:
    """A button press with any callback data, as a modified client can send; returns the query id."""
    return user.forge_press(data, message)


@pytest.fixture
def setup(api: FakeBotApi, bot: BotProcess) -> tuple[FakeBotApi, BotProcess, FakeUser]:
    """The shared fake and bot (conftest), with a manager who has set up case #1."""
    manager = api.user(MANAGER, "Mia")
    manager.ask(f'/newcase ch-full "Oak House" {typed(CALENDAR.add_working_days(today(), -30))}', "is set up")
    return api, bot, manager


def test_concerns_on_a_graded_kind_are_refused_and_change_nothing(
    setup: tuple[FakeBotApi, BotProcess, FakeUser],
) -> None:
    _api, bot, manager = setup
    before = bot.snapshot()
    reply = manager.ask("/record 1 concerns yes", "is graded, not judged on serious or widespread concerns")
    assert "is graded, not judged on serious or widespread concerns" in reply.text, reply.text
    assert bot.snapshot() == before
    assert "Deadlines" in manager.ask("/case 1", "Deadlines").text


def test_cancel_in_one_conversation_leaves_the_other_whole(
    setup: tuple[FakeBotApi, BotProcess, FakeUser],
) -> None:
    """/newcase while /record waits for a button, then /cancel: the record buttons still work."""
    _api, bot, manager = setup
    asked = manager.ask("/record", "What happened on")
    assert "What happened on" in asked.text
    manager.ask("/newcase", "What kind of inspection")
    assert "Cancelled" in manager.ask("/cancel", "Cancelled").text
    label = next(row[0] for row in asked.buttons if row[0].startswith("Draft report"))
    step = manager.press_and_wait(label, "on what date", message=asked)
    assert "went wrong" not in step.text
    assert "on what date" in step.text, step.text
    sent = CALENDAR.add_working_days(today(), -1)
    assert "Recorded for" in manager.ask(typed(sent), "Recorded for").text
    assert bot.query("SELECT key FROM case_events") == [("draft_report",)]


def _set_active(bot: BotProcess, active: bool) -> None:
    bot.query("UPDATE people SET active = ? WHERE telegram_id = ?", int(active), MANAGER)


def test_a_person_deactivated_mid_flow_is_refused_once_per_press(
    setup: tuple[FakeBotApi, BotProcess, FakeUser],
) -> None:
    """Each button of /record and /newcase, pressed after a manager deactivated the presser."""
    _api, bot, manager = setup
    manager.ask(f'/newcase ch-full "Elm Lodge" {typed(CALENDAR.add_working_days(today(), -30))}', "is set up")

    def refused(button: str) -> None:
        _set_active(bot, False)
        assert NOT_INVITED in manager.press_and_wait(button, NOT_INVITED).text
        _set_active(bot, True)

    manager.ask("/record", "Which case?")
    refused("#1 Oak House")  # choosing the case
    manager.ask("/record", "Which case?")
    manager.press_and_wait("#1 Oak House", "What happened on")
    refused("Judgement")  # choosing what happened
    manager.ask("/record", "Which case?")
    manager.press_and_wait("#1 Oak House", "What happened on")
    manager.press_and_wait("Judgement", "What was the judgement?")
    refused("Good")  # the grade
    manager.ask("/record", "Which case?")
    manager.press_and_wait("#1 Oak House", "What happened on")
    manager.press_and_wait("Visit ended (feedback given)", "on what date")
    refused("Today")  # the day
    manager.ask("/newcase", "What kind of inspection")
    manager.press_and_wait("Children's home: full inspection", "What is the setting called")
    manager.ask("Ash Court", "first on-site day")
    manager.press_and_wait(
        manager.ask(typed(workday()), "last on-site day").buttons[0][0], "Set up this case?"
    )
    refused("Set it up")

    assert (
        "Here is what you can do" in manager.ask("/help", "Here is what you can do").text
    )  # every update before it is done
    assert not [m.text for m in manager.messages() if "went wrong" in m.text]
    assert bot.query("SELECT count(*) FROM case_events") == [(0,)]
    assert bot.query("SELECT count(*), max(judgement) FROM cases") == [(2, None)]


@pytest.mark.parametrize(
    "data",
    ["due:", "case:", "ask:draft_report:", "qcase:", "inv:provider:", "rec:case:"],
    ids=lambda d: d.rstrip(":"),
)
def test_a_forged_case_number_too_big_for_the_database_is_answered(
    setup: tuple[FakeBotApi, BotProcess, FakeUser], data: str
) -> None:
    api, _bot, manager = setup
    manager.ask(f'/newcase ch-full "Elm Lodge" {typed(workday())}', "is set up")
    manager.ask(
        "when is the draft due?", "Which case do you mean?"
    )  # two open cases: the question waits for one
    manager.ask("/record", "Which case?")  # and /record waits for one
    asked = manager.ask("/due", "Which case?")
    query_id = forge_press(api, manager, data + "9" * 30, asked)
    assert manager.wait_answer(query_id) is not None
    assert "Here is what you can do" in manager.ask("/help", "Here is what you can do").text
    assert not [m.text for m in manager.messages() if "went wrong" in m.text]


def test_a_forged_kind_of_inspection_is_answered(setup: tuple[FakeBotApi, BotProcess, FakeUser]) -> None:
    api, _bot, manager = setup
    asked = manager.ask("/newcase", "What kind of inspection")
    query_id = forge_press(api, manager, "nc:kind:nonsense", asked)
    assert manager.wait_answer(query_id) is not None
    assert "Here is what you can do" in manager.ask("/help", "Here is what you can do").text
    assert (
        "What is the setting called"
        in manager.press_and_wait("Children's home: full inspection", "What is the setting called").text
    )
    assert not [m.text for m in manager.messages() if "went wrong" in m.text]


def test_a_forged_record_step_is_answered_and_the_step_kept(
    setup: tuple[FakeBotApi, BotProcess, FakeUser],
) -> None:
    api, bot, manager = setup
    before = bot.snapshot()
    asked = manager.ask("/record", "What happened on")
    answer = manager.wait_answer(forge_press(api, manager, "rec:what:nonsense", asked))
    assert answer.text == "That button has expired. Please choose again."
    label = next(row[0] for row in asked.buttons if row[0].startswith("Visit ended"))
    assert "on what date" in manager.press_and_wait(label, "on what date").text  # the step still works
    assert "Cancelled" in manager.ask("/cancel", "Cancelled").text
    assert bot.snapshot() == before


def test_a_button_pressed_twice_before_the_first_press_is_handled(tmp_path: Path) -> None:
    """A double tap: the second press edits the message to what it already says, which Telegram refuses."""
    api = FakeBotApi(require_match=True).start()
    bot = BotProcess(api, tmp_path, admins=(MANAGER,)).start()
    try:
        manager = api.user(MANAGER, "Mia")
        for name in ("Oak House", "Elm Lodge"):
            manager.ask(f'/newcase ch-full "{name}" {typed(workday())}', "is set up")
        asked = manager.ask("/due", "Which case?")
        first, second = (forge_press(api, manager, "due:1", asked) for _ in range(2))
        manager.wait_answer(first)
        manager.wait_answer(second)
        assert "Here is what you can do" in manager.ask("/help", "Here is what you can do").text
        assert not [m.text for m in manager.messages() if "went wrong" in m.text]
        assert "update failed" not in bot.log_text()
    finally:
        bot.stop()
        api.stop()
    refused = [str(call) for call in api.errors() if call.method != "getUpdates"]
    assert all("message is not modified" in call for call in refused), refused


def test_forged_presses_about_someone_elses_case_leak_nothing(
    setup: tuple[FakeBotApi, BotProcess, FakeUser],
) -> None:
    """An inspector and a provider of case #2 press every kind of button with case #1's number."""
    api, bot, manager = setup
    manager.ask(f'/newcase ch-full "Elm Lodge" {typed(workday())}', "is set up")
    inspector = api.user(INSPECTOR, "Ian")
    provider = api.user(OTHER_PROVIDER, "Olu")
    join(inspector, invite_code(manager.ask("/invite inspector 2", "?start="), api.username), "joined as")
    join(provider, invite_code(manager.ask("/invite provider 2", "?start="), api.username), "joined as")
    before = bot.snapshot()
    forged = ["due:1", "case:1", "ask:draft_report:1", "ask::1", "qcase:1", "inv:provider:1", "rec:case:1"]
    for person in (inspector, provider):
        shown = person.ask("/help", "Here is what you can do")
        for data in forged:
            person.wait_answer(forge_press(api, person, data, shown))
        assert "Here is what you can do" in person.ask("/help", "Here is what you can do").text
        texts = [m.text for m in person.messages()] + [a.text or "" for a in person.answered_callbacks()]
        assert not [t for t in texts if "Oak House" in t or "went wrong" in t], texts
    assert bot.snapshot() == before
