"""The case review in chat, end to end (issue 11): an inadequate judgement recorded prompts the managers
through the outbox (checklist with sources, due date, Debrief), the debrief's recommendation is typed,
Decide offers the decisions, a compliance notice records its compliance date and the monitoring visit
appears on the case; /review for managers only. The bot's clock is Wednesday 11 March 2026, 10:00 in
London (tests.outbox_world.NOW); the cases' visits were on Monday 9 and Tuesday 10 March 2026."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from tests.e2e_helpers import CALENDAR, invite_code, join
from tests.outbox_world import NOW
from tests.test_e2e_requests import _case, _settle, _state, running
from workflows.dates import format_date
from workflows.lateness import distance

MANAGER, SECOND_MANAGER, INSPECTOR, PROVIDER = 8001, 8002, 8003, 8004
_PROMPT = "is due at once"
_DECIDE_NOTICE = "decided the case review"
_HELP = "Here is what you can do"


def _with(user: FakeUser, since: int, ref: int, words: str) -> BotMessage:
    return user.wait_next(since, lambda m: words in m.text and f"#{ref} " in m.text, timeout=15)


def test_inadequate_judgement_prompts_debrief_and_a_compliance_notice_brings_the_visit(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        second = api.user(SECOND_MANAGER, "Max")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        invited = invite_code(manager.ask("/invite manager", "?start="), api.username)
        assert "joined" in join(second, invited, "joined").text
        ref = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House", "9/3/2026")
        due = CALENDAR.add_working_days(date(2026, 3, 10), 5)  # the end of the inspection + 5 working days

        # The inspector records the judgement: the managers are prompted at once, through the outbox.
        marks = {u: u.mark() for u in (manager, second, inspector, provider)}
        recorded = inspector.ask(f"/record {ref} judgement inadequate", lambda m: "Recorded" in m.text)
        assert "judgement: inadequate" in recorded.text, recorded.text
        assert "The managers are prompted for the case review" in recorded.text
        prompt = _with(manager, marks[manager], ref, _PROMPT)
        assert "Why: an inadequate judgement was recorded." in prompt.text, prompt.text
        away = distance(due, NOW.date(), CALENDAR)  # how far off, as every date the bot gives
        assert f"Due by {format_date(due)} ({away}). Rule: 5 working days after" in prompt.text, prompt.text
        assert "Debrief between the inspector and their manager first" in prompt.text
        assert "(SCCIF children's homes, Post-inspection" in prompt.text  # each item with its section
        assert "000 L1117" not in prompt.text
        assert prompt.buttons == [["Debrief"]]
        assert _with(second, marks[second], ref, _PROMPT).buttons == [["Debrief"]]

        # Recording it again changes nothing, says so (issue 20 item 9), and opens no second review.
        again = inspector.ask(f"/record {ref} judgement inadequate", lambda m: "Already recorded" in m.text)
        assert "Nothing changed" in again.text and "prompted" not in again.text
        assert bot.query("SELECT count(*) FROM requests WHERE kind = 'case_review'") == [(1,)]

        # The inspector, who may give the debrief too, is sent to /review by /help, and /review shows it.
        helped = inspector.ask("/help", lambda m: "What you can do now" in m.text)
        assert f"Give the case review's debrief (/review {ref})" in helped.text, helped.text
        shown = inspector.ask(f"/review {ref}", lambda m: "case review" in m.text)
        assert "is open: waiting for the debrief" in shown.text and shown.buttons == [["Debrief"]], shown.text

        # Debrief: the recommendation typed; the other manager is told, with Decide.
        asked = manager.press_and_wait("Debrief", lambda m: "recommendation" in m.text, message=prompt)
        assert "Type it" in asked.text and "don't include children's names" in asked.text
        since = second.mark()
        debriefed = manager.ask("Compliance notice on staffing.", lambda m: "Recorded the debrief" in m.text)
        assert debriefed.buttons == [["Decide"]]
        told = _with(second, since, ref, "recorded the debrief")
        assert "The debrief's recommendation: Compliance notice on staffing." in told.text
        assert told.buttons == [["Decide"]]
        snapshot = _state(bot)
        stale = manager.forge_press(prompt.callback_data["Debrief"], prompt)  # after the debrief
        assert "can't be done now: the case review is debriefed" in (manager.wait_answer(stale).text or "")
        forged = manager.forge_press("rvd:1:2:nonsense", prompt)
        assert "isn't one I know" in (manager.wait_answer(forged).text or "")
        assert _state(bot) == snapshot

        # Decide: a compliance notice; a past compliance date is refused and nothing changes.
        choices = manager.press_and_wait("Decide", lambda m: "What is decided" in m.text, message=debriefed)
        assert ["Compliance notice (with a compliance date)"] in choices.buttons
        assert ["Monitoring visit"] in choices.buttons
        notice = "Compliance notice (with a compliance date)"
        manager.press_and_wait(notice, lambda m: "compliance date" in m.text, message=choices)
        before = _state(bot)
        past = manager.ask("10/3/2026", lambda m: "past" in m.text)
        assert "can't be in the past (Tuesday 10 March 2026)" in past.text, past.text
        assert "Please send it again" in past.text
        assert _state(bot) == before
        since = {u: u.mark() for u in (inspector, second)}
        decided = manager.ask("15/4/2026", lambda m: "Decided" in m.text)
        visit = CALENDAR.add_working_days(date(2026, 4, 15), 5)
        assert "Compliance notice" in decided.text, decided.text
        assert "The compliance date Wednesday 15 April 2026 is recorded on the case." in decided.text
        assert f"monitoring visit to check it is due by {format_date(visit)}" in decided.text
        assert bot.query("SELECT day FROM case_events WHERE key = 'compliance_date'") == [("2026-04-15",)]
        for user in (inspector, second):
            notice = _with(user, since[user], ref, _DECIDE_NOTICE)
            assert "Decision: Compliance notice (with a compliance date)." in notice.text, notice.text
            assert notice.buttons == []

        # The timeline now holds the monitoring visit, with its rule.
        due_now = manager.ask(f"/due {ref}", lambda m: "Monitoring visit" in m.text)
        assert f"{format_date(visit)}: Monitoring visit to check the compliance notice" in due_now.text
        shown = manager.ask(f"/case {ref}", lambda m: "Monitoring visit" in m.text).text.splitlines()
        at = next(i for i, x in enumerate(shown) if "Monitoring visit to check the compliance notice" in x)
        assert format_date(visit) in shown[at], shown[at]
        assert "5 working days after the compliance date" in shown[at + 1], shown[at : at + 2]

        # The other manager's Decide, pressed twice after the decision: refused, nothing changes. (Their copy
        # loses its buttons once the decision's edit is sent: the press is the one they could make before.)
        snapshot = _state(bot)
        for _ in range(2):
            stale = second.forge_press(told.callback_data["Decide"], told)
            assert "already decided by" in (second.wait_answer(stale).text or "")
            assert _state(bot) == snapshot
        # ... and the decision's own choice pressed again: too late.
        again = manager.forge_press(choices.callback_data["Monitoring visit"], choices)
        assert "Too late" in (manager.wait_answer(again).text or "")
        assert _state(bot) == snapshot
        assert bot.query("SELECT state, json_extract(payload, '$.decision') FROM requests") == [
            ("decided", "compliance_notice")
        ]

        # The provider never hears of the review.
        assert not [m for m in provider.messages() if m.message_id > marks[provider] and "review" in m.text]
        _settle(api, bot, NOW + timedelta(minutes=1))


def test_review_command_for_managers_only_and_the_dcs_email_on_assurance(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        ref = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Elm House", "9/3/2026")
        inspector.ask(f"/record {ref} judgement good", lambda m: "Recorded" in m.text)
        assert bot.query("SELECT count(*) FROM requests") == [(0,)]  # a good judgement prompts nothing

        # The command is on the managers' menu and in their help, not on the others'.
        def menu(chat_id: int) -> set[str]:
            return {str(c["command"]) for c in api.commands({"type": "chat", "chat_id": chat_id})}

        assert (
            f"/review {ref}: start or see the case review"
            in manager.ask("/start", "start or see the case review").text
        )
        assert "review" in menu(MANAGER)
        assert "review" not in menu(INSPECTOR) | menu(PROVIDER)
        assert "/review" not in inspector.ask("/help", _HELP).text

        # Refused: a provider, an inspector (the machine lets only managers start one), an unknown case.
        before = _state(bot)
        assert "Only managers" in provider.ask(f"/review {ref}", "Only managers").text
        assert (
            "Only managers start case reviews"
            in inspector.ask(f"/review {ref}", "Only managers start case reviews").text
        )  # none open
        assert "I can't find case #99" in manager.ask("/review 99", "I can't find case #99").text
        assert "Which case?" in manager.ask("/review", "Which case?").text
        assert _state(bot) == before

        # A manager starts one on a good case; asking again shows the open one and its next step.
        started = manager.ask(f"/review {ref}", lambda m: "review" in m.text)
        assert f"Started a case review of #{ref} Elm House" in started.text, started.text
        assert "Why: started by a manager." in started.text and "Due by" not in started.text
        assert started.buttons == [["Debrief"]]
        shown = manager.ask(f"/review {ref}", lambda m: "review" in m.text)
        assert "is open: waiting for the debrief" in shown.text, shown.text
        assert "Next: the debrief between the inspector and their manager" in shown.text
        assert bot.query("SELECT count(*), min(last_label) FROM requests") == [(1, "manager:1")]

        # Serious concerns on an assurance inspection: the inspector is told to email the DCS, and by when.
        created = manager.ask('/newcase ch-assurance "Ash House" 10/3/2026', lambda m: "set up" in m.text)
        ash = int(created.text.split("#", 1)[1].split()[0])
        invited = invite_code(manager.ask(f"/invite inspector {ash}", "?start="), api.username)
        joined = join(inspector, invited, "joined")  # a reminder may come first
        assert "joined" in joined.text, joined.text
        since = inspector.mark()
        manager.ask(f"/record {ash} concerns yes", lambda m: "Recorded" in m.text)
        told = _with(inspector, since, ash, _PROMPT)
        assert "Why: serious or widespread concerns were recorded." in told.text, told.text
        email_by = CALENDAR.add_working_days(date(2026, 3, 10), 1)  # the end of the next working day
        away = distance(email_by, NOW.date(), CALENDAR)  # how far off (or late), as every date
        assert f"Email the directors of children's services by {format_date(email_by)} ({away})." in told.text
        assert told.buttons == [["Debrief"]]  # the inspector may record the debrief too
        _settle(api, bot, NOW)
