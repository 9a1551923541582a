"""End to end: questions in plain words with several cases, typos, and ambiguity answered with buttons."""

from __future__ import annotations

from bot.localapi import FakeBotApi, FakeUser
from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, MANAGER, STRANGER, expected, today, typed
from workflows.dates import format_date


def _two_cases(api: FakeBotApi) -> FakeUser:
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), 3)
    manager.ask(f'/newcase ch-full "Oak House" {typed(start)}', "is set up")
    manager.ask(f'/newcase asa-full "Birch Adoption Support" {typed(start)}', "is set up")
    return manager


def test_due_with_several_cases_asks_which(api: FakeBotApi, bot: BotProcess) -> None:
    manager = _two_cases(api)
    start = CALENDAR.add_working_days(today(), 3)
    asked = manager.ask("/due", "Which case?")
    assert asked.text == "Which case?"
    assert sorted(asked.buttons) == [["#1 Oak House"], ["#2 Birch Adoption Support"]]
    shown = manager.press_and_wait(
        "#2 Birch Adoption Support", "Deadlines still to come on #2 Birch Adoption Support"
    )
    assert shown.message_id == asked.message_id  # edited in place
    assert "Deadlines still to come on #2 Birch Adoption Support" in shown.text
    assert format_date(expected("asa-full", start)["publication"].due) in shown.text


def test_a_question_waits_for_the_case_then_is_answered(api: FakeBotApi, bot: BotProcess) -> None:
    manager = _two_cases(api)
    start = CALENDAR.add_working_days(today(), 3)
    asked = manager.ask("when is the drfat due?", "Which case do you mean?")  # a typo, and two cases
    assert asked.text == "Which case do you mean?"
    answer = manager.press_and_wait("#1 Oak House", "Draft report")
    assert format_date(expected("ch-full", start)["draft_report"].due) in answer.text
    assert "Rule: 18 working days after the end of the inspection" in answer.text
    # The same question naming the case is answered at once.
    direct = manager.ask("when is the draft due for case 2?", "Draft report")
    assert format_date(expected("asa-full", start)["draft_report"].due) in direct.text


def test_an_ambiguous_question_offers_the_likely_meanings(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), 3)
    manager.ask(f'/newcase ch-full "Oak House" {typed(start)}', "is set up")
    asked = manager.ask("when is the report due?", "Which do you mean?")
    assert asked.text == "Which do you mean?"
    choices = [row[0] for row in asked.buttons]
    assert len(choices) >= 2
    final = next(choice for choice in choices if choice.startswith("Final report"))
    answer = manager.press_and_wait(final, "Final report", message=asked)
    assert answer.message_id == asked.message_id
    assert format_date(expected("ch-full", start)["final_report"].due) in answer.text


def test_a_deadline_the_kind_does_not_have_is_named(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    manager.ask(
        f'/newcase la-sif "Northshire County Council" {typed(CALENDAR.add_working_days(today(), 3))}',
        "is set up",
    )
    answer = manager.ask("when is the complaint deadline?", "There is no complaint window deadline")
    assert "There is no complaint window deadline" in answer.text
    assert "/due 1" in answer.text


def test_case_review_only_after_an_inadequate_judgement(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), -10)
    manager.ask(f'/newcase ch-full "Oak House" {typed(start)}', "is set up")
    assert (
        "no case review deadline"
        in manager.ask("when is the case review due?", "no case review deadline").text
    )
    manager.ask("/record 1 judgement inadequate", "Recorded for")
    answer = manager.ask("when is the case review due?", "Owner:")
    review = expected("ch-full", start, judgement="inadequate")["case_review"]
    assert format_date(review.due) in answer.text
    assert "Owner:" in answer.text and "Rule: 5 working days after the end of the inspection" in answer.text


def test_is_anything_overdue_for_a_named_case(api: FakeBotApi, bot: BotProcess) -> None:
    """ "Is anything overdue for #1?" reads the asker and the case in one go (as a deadline question naming
    its case does), and answers for that case only; an unknown case, or a stranger, learns nothing."""
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), -40)
    manager.ask(f'/newcase ch-full "Oak House" {typed(start)}', "is set up")
    manager.ask(f'/newcase ch-full "Elm Lodge" {typed(CALENDAR.add_working_days(today(), 3))}', "is set up")
    late = expected("ch-full", start)["draft_report"]

    answer = manager.ask("is anything overdue for #1?", "Overdue (")
    assert answer.text.startswith("Overdue ("), answer.text
    assert "#1 Oak House" in answer.text and format_date(late.due) in answer.text
    assert "Elm Lodge" not in answer.text
    assert manager.ask("is anything overdue for #2?", "Nothing is overdue.").text == "Nothing is overdue."
    assert (
        manager.ask("is anything overdue for #9?", "I can't find case #9. Send /cases to see yours.").text
        == "I can't find case #9. Send /cases to see yours."
    )
    refusal = api.user(STRANGER, "Sam").ask("is anything overdue for #1?", "invitation")
    assert "Oak House" not in refusal.text and "invitation" in refusal.text, refusal.text


def test_an_inadequate_local_authority_shows_managers_its_monitoring_visits(
    api: FakeBotApi, bot: BotProcess
) -> None:
    """004 L907: quarterly monitoring visits and a re-inspection window in the managers' /due; no
    children's home case review is opened (its decisions cite seed 000)."""
    manager = api.user(MANAGER, "Mia")
    start = CALENDAR.add_working_days(today(), -30)
    manager.ask(f'/newcase la-sif "Northshire County Council" {typed(start)}', lambda m: "set up" in m.text)
    recorded = manager.ask("/record 1 judgement inadequate", lambda m: "Recorded" in m.text)
    assert "judgement: inadequate" in recorded.text, recorded.text
    timeline = expected("la-sif", start, judgement="inadequate")
    shown = manager.ask("/due 1", lambda m: "Quarterly monitoring visit 4" in m.text)
    visit = timeline["monitoring_visit_4"]
    assert visit.due_until is not None and format_date(visit.due_until) in shown.text
    reinspection = manager.ask(
        "when is the re-inspection due for case 1?", lambda m: "Re-inspection" in m.text
    )
    assert reinspection.text.count(format_date(timeline["reinspection"].due)) >= 1, reinspection.text
    assert bot.query("SELECT count(*) FROM requests WHERE kind = 'case_review'") == [(0,)]
