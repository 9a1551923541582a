"""What the survey's messages say, without a bot: the questions' buttons, the offer by kind, a case's
answers (skipped, not yet, removed by retention, escaped) and the managers' summary across cases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from handlers.request_base import decided_line
from handlers.survey import across_cases, case_answers, notice, question_message
from store.models import Case, Setting
from store.requests import Request
from workflows import survey
from workflows.deadlines import LONDON

_AT = datetime(2026, 3, 11, 10, tzinfo=UTC)


def _case(ref: int, kind: str = "ch-full", **events: date) -> Case:
    return Case(
        id=ref,
        ref=ref,
        kind=kind,
        setting=Setting(1, "Oak <House>", None),
        planned_start=date(2026, 3, 2),
        planned_end=date(2026, 3, 3),
        status="open",
        judgement=None,
        concerns=False,
        events=events,
        members=(),
        created_at=_AT,
        closed_at=None,
    )


def _request(ref: int, state: str, payload: dict[str, Any], purged: bool = False) -> Request:
    return Request(
        id=ref * 10,
        kind="survey",
        case_ref=ref,
        state=state,
        asked_by=None,
        decider=None,
        last_by=None,
        last_label="system",
        payload=payload,
        version=1,
        created_at=_AT,
        updated_at=_AT,
        purged_at=_AT if purged else None,
    )


def _done(ref: int, overall: int | None, clarity: int | None, improve: str | None) -> Request:
    answers = {"overall": overall, "clarity": clarity, "conduct": None, "improve": improve}
    return _request(ref, survey.DONE, {"answers": answers, "finished_on": "2026-03-11"})


def test_each_question_carries_its_request_and_key_and_a_written_one_asks_for_no_names() -> None:
    text, markup = question_message(7, survey.QUESTIONS[0])
    assert text.startswith(f"Question 1 of {len(survey.QUESTIONS)}: <b>")
    rows = [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    assert rows == [
        [(str(n), f"sv:7:overall:{n}") for n in range(1, 6)],
        [("Skip", "sv:7:overall:skip")],
    ]
    assert all(len(str(data).encode()) <= 64 for row in rows for _, data in row)
    written, markup = question_message(7, survey.QUESTIONS[3])
    assert "children's names" in written and f"up to {survey.TEXT_LIMIT} characters" in written
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["sv:7:improve:skip"]]


def test_the_offer_says_what_was_sent_and_when_and_buttons_only_while_it_waits() -> None:
    offered = _request(1, survey.OFFERED, {"answers": {}, "offered_with": ["final_report"]})
    sent = date(2026, 3, 11)
    text, markup = notice(offered, _case(1, "asa-full", final_report=sent), survey.OFFER, "the bot")
    assert text.startswith(
        "The final report on <b>#1 Oak &lt;House&gt;</b> was sent to you on Wednesday 11 March 2026."
    )
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [
        ["Start the survey", "Not now"],
        ["No thanks"],
    ]
    assert [b.callback_data for b in markup.inline_keyboard[0]] == ["sv:10:start", "sv:10:later"]
    # Children's homes (000 L1246): with the draft, then again with the final report while unanswered.
    # Said as sent, with its date, never "out": the offer may arrive before the draft's own notice.
    draft = _request(1, survey.OFFERED, {"answers": {}, "offered_with": ["draft_report"]})
    drafted = _case(1, "ch-full", draft_report=date(2026, 3, 6))
    assert notice(draft, drafted, survey.OFFER, "the bot")[0].startswith(
        "The draft report on <b>#1 Oak &lt;House&gt;</b> was sent to you on Friday 6 March 2026."
    )
    again = _request(1, survey.ANSWERING, {"answers": {}, "offered_again_on": "2026-04-14"})
    final = _case(1, "ch-full", draft_report=date(2026, 3, 6), final_report=date(2026, 4, 14))
    text, markup = notice(again, final, survey.OFFER, "the bot")
    assert text.startswith("The final report on <b>#1 Oak &lt;House&gt;</b> was sent to you on Tuesday")
    assert markup is not None
    assert [b.text for b in markup.inline_keyboard[0]] == ["Carry on with the survey"]
    visit, _ = notice(offered, _case(1, "covid-assurance", end=date(2026, 3, 3)), survey.OFFER, "the bot")
    assert visit.startswith("The visit to <b>#1 Oak &lt;House&gt;</b> ended on Tuesday 3 March 2026.")
    going = _request(1, survey.ANSWERING, {"answers": {"overall": 3}})
    _, markup = notice(going, _case(1), survey.OFFER, "the bot")
    assert markup is not None and [b.text for b in markup.inline_keyboard[0]] == ["Carry on with the survey"]
    over, markup = notice(_done(1, 4, 4, None), _case(1), survey.OFFER, "the bot")
    assert markup is None and "You have already done it" in over
    told, markup = notice(_done(1, 4, 4, None), _case(1), survey.FINISH, "Pat")
    assert markup is None and told.startswith("Pat finished the post-inspection survey on <b>#1")


def test_a_case_s_answers_say_skipped_not_yet_and_removed_apart() -> None:
    case = _case(3)
    going = _request(3, survey.ANSWERING, {"answers": {"overall": 2, "clarity": None}})
    text = case_answers(case, [going])
    assert "started, 2 of 4 questions answered or skipped" in text
    assert "carried out? <b>2</b> out of 5" in text
    assert "feedback? skipped" in text and "throughout? not answered yet" in text
    purged = _request(3, survey.DONE, {"answers": {"improve": None}, "finished_on": "2026-03-11"}, True)
    assert "better? (a few words) removed with the case's records" in case_answers(case, [purged])
    typed = case_answers(case, [_done(3, 5, 5, "Say <b>more</b>")])
    assert "“Say &lt;b&gt;more&lt;/b&gt;”" in typed and "finished on Wednesday 11 March 2026" in typed
    assert "No survey has been offered on <b>#3" in case_answers(case, [])


def test_the_summary_averages_finished_ratings_counts_skips_and_names_the_cases() -> None:
    requests = [
        _done(1, 5, 4, "Earlier feedback"),
        _done(2, 4, None, None),
        _done(3, 4, None, "More notice"),
        _request(4, survey.ANSWERING, {"answers": {"overall": 1}}),  # not finished: left out of figures
        _request(5, survey.DECLINED, {"answers": {}, "declined_on": "2026-03-11"}),
    ]
    text = across_cases(requests)
    assert "5 offered, 3 finished, 1 declined, 1 not finished." in text
    assert "carried out? average <b>4.33</b> out of 5 from 3 answers (0 skipped)" in text
    assert "feedback? average <b>4</b> out of 5 from 1 answer (2 skipped)" in text
    assert "throughout? no ratings from 0 answers (3 skipped)" in text
    assert "2 wrote an answer (1 skipped)" in text
    assert "Finished on cases #1, #2, #3." in text
    many = across_cases([_done(ref, 3, 3, None) for ref in range(1, 41)])
    assert "#30 and 10 more." in many and "#31" not in many
    assert "No post-inspection survey has been offered" in across_cases([])


def test_the_first_offer_edited_when_offered_again_says_so() -> None:
    """The copy of the draft's offer loses its buttons when the final report brings the second (000 L1246)."""
    at = datetime(2026, 4, 14, 8, 1, tzinfo=UTC)  # 09:01 in London (BST)
    line = decided_line(survey.OFFERED, "the bot", at, LONDON, date(2026, 4, 14))
    assert line == "<i>Offered again with the final report by the bot, 09:01.</i>"
