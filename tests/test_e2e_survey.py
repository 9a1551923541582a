"""The post-inspection survey, end to end (issue 11): offered through the outbox when the final report is
recorded, answered one question at a time across a SIGTERM and a SIGKILL of the bot process, then read
by a manager per case and in summary. The bot's clock is a test clock file: Wednesday 11 March 2026,
10:00 in London; the adoption support agency's visit was on 2 and 3 March 2026."""

from __future__ import annotations

import signal
from pathlib import Path

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from tests.botprocess import BotProcess
from tests.e2e_helpers import invite_code
from tests.outbox_world import NOW
from tests.test_e2e_requests import _settle, running
from workflows import survey

MANAGER, INSPECTOR, PROVIDER, OTHER_PROVIDER = 8001, 8003, 8004, 8005
_LINK = "?start="
_OFFER = "Ofsted would like to know how the inspection went"


def _case(api: FakeBotApi, manager: FakeUser, people: list[tuple[FakeUser, str]], name: str) -> int:
    created = manager.ask(f'/newcase asa-full "{name}" 2/3/2026 3/3/2026', lambda m: "set up" in m.text)
    assert "is set up" in created.text, created.text
    ref = int(created.text.split("#", 1)[1].split()[0])
    for user, role in people:
        code = invite_code(manager.ask(f"/invite {role} {ref}", _LINK), api.username)
        # The visit is past: an overdue reminder may reach the new member before the welcome does.
        answer = user.ask(f"/start {code}", lambda m: "joined" in m.text or "Welcome" in m.text)
        assert "Reminder" not in answer.text, answer.text
    return ref


def _report_out(inspector: FakeUser, ref: int) -> None:
    ended = inspector.ask(f"/record {ref} end 3/3/2026", lambda m: "Recorded" in m.text)
    assert "Tuesday 3 March 2026" in ended.text, ended.text
    sent = _final_report(inspector, ref)
    assert "Wednesday 11 March 2026" in sent.text, sent.text


def _final_report(inspector: FakeUser, ref: int) -> BotMessage:
    """The final report on 11 March, before the comments deadline (no draft recorded): confirmed with Yes."""
    asked = inspector.ask(f"/record {ref} final_report 11/3/2026", lambda m: "Please check" in m.text)
    assert "none are recorded" in asked.text, asked.text
    return inspector.press_and_wait("Yes, record it", lambda m: "Recorded" in m.text, message=asked)


def _survey(bot: BotProcess, request_id: int) -> tuple[object, ...]:
    """What a refused answer must leave alone: the request's state, payload and version, and its trail."""
    rows = bot.query("SELECT state, payload, version FROM requests WHERE id = ?", request_id)
    trail = bot.query("SELECT count(*) FROM audit WHERE action LIKE 'request.survey.%'")
    return (*rows[0], trail[0][0])


def _handled(api: FakeBotApi, bot: BotProcess) -> None:
    """Every update so far handled and marked done (with its conversation step), so a kill lands after."""
    api.wait_until(
        lambda: bot.query("SELECT count(*) FROM inbox WHERE done_at IS NULL") == [(0,)],
        timeout=15,
        what="every update handled",
    )


def _says(user: FakeUser, text: str, expected: str) -> BotMessage:
    """Send `text` and wait for the answer that says `expected` (outbox messages may come meanwhile)."""
    return user.ask(text, lambda m: expected in m.text)


def _question(message: BotMessage, number: int) -> None:
    assert f"Question {number} of {len(survey.QUESTIONS)}" in message.text, message.text


def test_a_survey_interrupted_by_restarts_is_finished_and_read_by_a_manager(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        other = api.user(OTHER_PROVIDER, "Olu")
        ref = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House")
        elsewhere = _case(api, manager, [(other, "provider")], "Elm House")
        _says(provider, "/survey", "no survey to answer")

        # The final report recorded: the offer comes to the provider through the outbox, to nobody else.
        marks = {u: u.mark() for u in (manager, inspector, provider)}
        _report_out(inspector, ref)
        offer = provider.wait_next(marks[provider], lambda m: _OFFER in m.text, timeout=15)
        assert f"#{ref} Oak House" in offer.text
        assert offer.buttons == [["Start the survey", "Not now"], ["No thanks"]]
        assert (
            "The final report on" in offer.text and "was sent to you on Wednesday 11 March 2026" in offer.text
        )
        (request_id,) = bot.query("SELECT id FROM requests WHERE kind = 'survey'")[0]
        assert bot.query("SELECT state, last_label FROM requests") == [("offered", "system")]

        # Start: the message becomes the first question; a rating, then a skip.
        first = provider.press_and_wait("Start the survey", lambda m: "Question 1" in m.text, message=offer)
        _question(first, 1)
        assert first.buttons == [["1", "2", "3", "4", "5"], ["Skip"]]
        old_rating = first.callback_data["2"]
        second = provider.press_and_wait("4", lambda m: "Question 2" in m.text, message=first)
        _question(second, 2)
        third = provider.press_and_wait("Skip", lambda m: "Question 3" in m.text, message=second)
        assert bot.query("SELECT state, json_extract(payload, '$.answers') FROM requests") == [
            ("answering", '{"clarity":null,"overall":4}')
        ]

        # An earlier question's button pressed again: refused, nothing changes.
        before = _survey(bot, request_id)
        again = provider.forge_press(old_rating, third)
        assert "answered already" in (provider.wait_answer(again).text or "")
        assert _survey(bot, request_id) == before

        # Stopped (SIGTERM) and started again: /survey carries on at the third question.
        _handled(api, bot)
        bot.restart(signal.SIGTERM)
        resumed = provider.ask("/survey", lambda m: "Question" in m.text)
        _question(resumed, 3)
        written = provider.press_and_wait("5", lambda m: "Question 4" in m.text, message=resumed)
        assert "Type your answer" in written.text and "children's names" in written.text
        assert written.buttons == [["Skip"]]

        # Killed (SIGKILL) while the written answer is awaited: after the start, what is typed is taken.
        _handled(api, bot)
        assert bot.stop(signal.SIGKILL) == -signal.SIGKILL
        bot.start()
        before = _survey(bot, request_id)
        too_long = provider.ask("x" * (survey.TEXT_LIMIT + 1), lambda m: "characters" in m.text)
        assert f"Keep it under {survey.TEXT_LIMIT} characters" in too_long.text, too_long.text
        assert "send it again, or press Skip" in too_long.text
        assert _survey(bot, request_id) == before
        _says(provider, "/cancel", "Your answers so far are kept: send /survey to carry on")
        _question(provider.ask("/survey", lambda m: "Question" in m.text), 4)
        since = manager.mark()
        thanks = provider.ask("Feedback <came> late in the day.", lambda m: "Thank you" in m.text)
        assert f"answers on case #{ref} are with Ofsted's managers" in thanks.text
        answered = '{"clarity":null,"conduct":5,"improve":"Feedback <came> late in the day.","overall":4}'
        assert bot.query(
            "SELECT state, json_extract(payload, '$.answers') FROM requests WHERE id = ?", request_id
        ) == [("done", answered)]
        told = manager.wait_next(since, lambda m: "finished the post-inspection survey" in m.text, timeout=15)
        assert f"Pat finished the post-inspection survey on #{ref} Oak House" in told.text
        assert f"/feedback {ref}" in told.text
        finished = _survey(bot, request_id)
        late = provider.forge_press(old_rating, thanks)
        assert "already done" in (provider.wait_answer(late).text or "")
        _says(provider, "/feedback", "no survey to answer")
        assert _survey(bot, request_id) == finished

        # The manager reads the case's answers and the summary; the inspector is told who does.
        answers = manager.ask(f"/feedback {ref}", lambda m: "Survey on" in m.text)
        assert "finished on Wednesday 11 March 2026" in answers.text, answers.text
        assert "carried out? 4 out of 5" in answers.text
        assert "explanations and feedback? skipped" in answers.text
        assert "courtesy and respect throughout? 5 out of 5" in answers.text
        assert "“Feedback <came> late in the day.”" in answers.text
        assert "&lt;came&gt;" in (answers.html or "")
        summary = manager.ask("/feedback", lambda m: "Post-inspection surveys" in m.text)
        assert "1 offered, 1 finished, 0 declined, 0 not finished" in summary.text, summary.text
        assert "carried out? average 4 out of 5 from 1 answer (0 skipped)" in summary.text
        assert "explanations and feedback? no ratings from 0 answers (1 skipped)" in summary.text
        assert "1 wrote an answer (0 skipped)" in summary.text
        assert f"Finished on case #{ref}." in summary.text  # one case, one answer: no plurals (issue 20)
        assert f"Send /feedback {ref} for the answers on case #{ref}." in summary.text  # a case they see
        _says(manager, f"/feedback {elsewhere}", "No survey has been offered")
        _says(inspector, f"/feedback {ref}", "read by managers")
        _says(inspector, "/survey", "for providers")

        # Another provider's case: refused as unknown, by command and by a forged button.
        _says(other, f"/survey {ref}", f"I can't find case #{ref}")
        forged = other.forge_press(f"sv:{request_id}:start", other.wait_for(f"I can't find case #{ref}"))
        assert "can't find that request" in (other.wait_answer(forged).text or "")
        assert _survey(bot, request_id) == finished
        _settle(api, bot, NOW)


def test_not_now_keeps_the_survey_waiting_and_no_thanks_declines_it_for_good(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        ref = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House")
        since = provider.mark()
        _report_out(inspector, ref)
        offer = provider.wait_next(since, lambda m: _OFFER in m.text, timeout=15)
        assert "is out" not in offer.text, offer.text

        # Not now (issue 20 item 4): nothing changes; the reply says how to carry on, and /survey does.
        later = provider.press_and_wait("Not now", lambda m: "Not now, then" in m.text, message=offer)
        assert later.message_id == offer.message_id and later.buttons == [["Start the survey"]]
        assert f"send /survey {ref}" in later.text, later.text
        assert bot.query("SELECT state FROM requests") == [("offered",)]
        _question(provider.ask(f"/survey {ref}", lambda m: "Question" in m.text), 1)
        assert bot.query("SELECT state FROM requests") == [("offered",)]

        # No thanks: declined for good.
        pressed = provider.mark()
        provider.wait_answer(provider.forge_press(offer.callback_data["No thanks"], offer))
        declined = provider.wait_next(pressed, lambda m: "No survey then" in m.text)
        assert declined.message_id == offer.message_id and declined.buttons == []
        assert bot.query("SELECT state FROM requests") == [("declined",)]
        start = provider.forge_press(offer.callback_data["Start the survey"], offer)
        assert "already declined" in (provider.wait_answer(start).text or "")
        _says(provider, "/survey", "no survey to answer")

        # The report taken back and recorded again: still the one survey, and no second offer.
        undo = inspector.ask(f"/undo {ref}", lambda m: "Take it back?" in m.text)
        inspector.press_and_wait("Undo it", lambda m: "Taken back" in m.text, message=undo)
        assert bot.query("SELECT count(*) FROM case_events WHERE key = 'final_report'") == [(0,)]
        again = _final_report(inspector, ref)
        assert "Wednesday 11 March 2026" in again.text
        assert bot.query("SELECT count(*), min(state) FROM requests") == [(1, "declined")]
        assert bot.query("SELECT count(*) FROM outbox WHERE template = 'request'") == [(1,)]
        summary = manager.ask("/feedback", lambda m: "Post-inspection surveys" in m.text)
        assert "1 offered, 0 finished, 1 declined, 0 not finished" in summary.text, summary.text
        _says(manager, f"/feedback {ref}", "declined on Wednesday 11 March 2026")
        _settle(api, bot, NOW)
