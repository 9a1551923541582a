"""Every copy of a request says how it ended (issue 11), end to end through the fake Bot API: two managers
get a deferral, one approves, the other's copy loses its buttons and says who approved (the fake's record
of edits); a provider withdraws; a complaint is responded to and the provider told; a `la-sif` deferral
offers only its exceptional circumstances. After each, stale presses change nothing in the database.

The bot's clock is the test clock of tests/test_e2e_requests.py: Wednesday 11 March 2026, 10:00 in London.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from tests.e2e_helpers import invite_code, join
from tests.inprocess import InProcessBot
from tests.test_e2e_requests import (
    _LINK,
    ANNOUNCED,
    INSPECTOR,
    MANAGER,
    PROVIDER,
    SECOND_MANAGER,
    _ask_to_defer,
    _case,
    _changes,
    _request_message,
    _set_clock,
    _settle,
    _state,
    running,
)
from workflows import deferral
from workflows.dates import format_date
from workflows.kinds import KINDS

_DECIDED = re.compile(r"(Approved|Declined|Withdrawn|Responded to) by (.+), 1\d:\d\d\.$")
_YOU_WROTE = "You wrote"  # the check before sending, which says back what was typed


def _quiet(api: FakeBotApi, bot: InProcessBot) -> None:
    """No message or edit in flight: what the sender does next no longer moves rows under a snapshot."""
    busy = "SELECT count(*) FROM outbox WHERE state = 'sending' OR (state = 'pending' AND kind = 'reply')"
    api.wait_until(lambda: bot.query(busy) == [(0,)], timeout=15, what="the outbox sent its edits")


def _edited(user: FakeUser, copy: BotMessage, says: str) -> BotMessage:
    """The copy, once edited to say how the request ended."""
    return user.wait_for(lambda m: m.message_id == copy.message_id and says in m.text, timeout=15)


def _edit_calls(api: FakeBotApi, user: FakeUser, copy: BotMessage) -> list[str]:
    """The texts the bot edited this copy into, from the fake server's record of calls."""
    return [
        str(call.params["text"])
        for call in api.calls("editMessageText")
        if str(call.params.get("chat_id")) == str(user.user_id)
        and str(call.params.get("message_id")) == str(copy.message_id)
        and call.ok
    ]


def test_the_other_managers_copy_says_who_approved_and_a_withdrawal_is_seen(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        second = api.user(SECOND_MANAGER, "Max")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        assert (
            "joined"
            in join(second, invite_code(manager.ask("/invite manager", _LINK), api.username), "joined").text
        )
        one = _case(
            api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House", kind=ANNOUNCED
        )

        # Two managers get the deferral with Approve / Decline; Mia approves.
        marks = {u: u.mark() for u in (manager, second, inspector)}
        _ask_to_defer(provider, one)
        mine = _request_message(manager, marks[manager], one)
        theirs = _request_message(second, marks[second], one)
        told = _request_message(inspector, marks[inspector], one)
        assert mine.buttons == theirs.buttons == [["Approve"], ["Decline"]] and told.buttons == []
        manager.press_and_wait("Approve", lambda m: "first on-site day?" in m.text, message=mine)
        approved = manager.ask("13/4/2026", lambda m: m.text.startswith("Approved")).text
        assert approved.endswith("The provider, the inspector and the other managers are told."), approved

        # Max's copy loses its buttons and says who approved, when; the text it had stays above.
        edited = _edited(second, theirs, "Approved by Manager 8001")
        assert edited.buttons == [] and edited.history == [theirs.text]
        assert edited.text.startswith(theirs.text) and _DECIDED.search(edited.text), edited.text
        assert [text.endswith("</i>") for text in _edit_calls(api, second, theirs)] == [True]
        # Mia's own copy is edited in place by her press; Ian's never had buttons and is left alone.
        own = _edited(manager, mine, "Approved by you")
        assert own.buttons == [] and own.text.startswith(mine.text)
        assert not inspector.message(told.message_id).edited
        _quiet(api, bot)
        assert bot.query("SELECT state FROM outbox WHERE template = 'request_edit'") == [("sent",)]

        # Stale presses after the approval change nothing.
        snapshot = _state(bot)
        stale = second.forge_press(theirs.callback_data["Decline"], theirs)
        assert "already approved by Manager 8001" in (second.wait_answer(stale).text or "")
        again = manager.forge_press(mine.callback_data["Approve"], mine)
        assert "already approved by Manager 8001" in (manager.wait_answer(again).text or "")
        _quiet(api, bot)
        assert _state(bot) == snapshot

        # A withdrawal: the provider's Withdraw button; both managers' copies say so.
        two = _case(api, manager, [(provider, "provider")], "Oak House", kind=ANNOUNCED)
        marks = {u: u.mark() for u in (manager, second)}
        confirmation = _ask_to_defer(provider, two)
        assert confirmation.buttons == [["Withdraw the request"]], confirmation.text
        copies = {u: _request_message(u, marks[u], two) for u in (manager, second)}
        done = provider.press_and_wait(
            "Withdraw the request", lambda m: m.text.startswith("Withdrawn"), message=confirmation
        )
        assert f"Withdrawn: your request to defer #{two} Oak House" in done.text, done.text
        assert _edited(provider, confirmation, "Withdrawn by you").buttons == []
        for user, copy in copies.items():
            assert _edited(user, copy, "Withdrawn by Pat").buttons == []
        assert bot.query("SELECT state FROM requests WHERE id = 2") == [("withdrawn",)]
        _quiet(api, bot)
        snapshot = _state(bot)
        stale = manager.forge_press(copies[manager].callback_data["Approve"], copies[manager])
        assert "already withdrawn by Pat" in (manager.wait_answer(stale).text or "")
        twice = provider.forge_press(confirmation.callback_data["Withdraw the request"], confirmation)
        assert "already withdrawn by Pat" in (provider.wait_answer(twice).text or "")
        nothing = provider.ask(f"/defer {two} withdraw", "No request of yours to defer case")
        assert "No request of yours to defer case" in nothing.text and "was withdrawn" in nothing.text
        not_theirs = manager.ask(f"/defer {two} withdraw", "Only the provider who asked")
        assert "Only the provider who asked" in not_theirs.text
        _quiet(api, bot)
        assert _state(bot) == snapshot

        # /defer REF withdraw does the same as the button.
        three = _case(api, manager, [(provider, "provider")], "Oak House", kind=ANNOUNCED)
        marks = {u: u.mark() for u in (manager,)}
        _ask_to_defer(provider, three)
        copy = _request_message(manager, marks[manager], three)
        typed = provider.ask(f"/defer {three} withdraw", lambda m: m.text.startswith("Withdrawn"))
        assert f"Withdrawn: your request to defer #{three} Oak House" in typed.text, typed.text
        assert _edited(manager, copy, "Withdrawn by Pat").buttons == []
        _settle(api, bot, datetime(2026, 3, 11, 10, 0, tzinfo=UTC))


def test_a_complaint_responded_to_tells_the_provider_and_edits_the_other_copy(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        clock = tmp_path / "clock.txt"
        manager = api.user(MANAGER, "Mia")
        second = api.user(SECOND_MANAGER, "Max")
        provider = api.user(PROVIDER, "Pat")
        assert (
            "joined"
            in join(second, invite_code(manager.ask("/invite manager", _LINK), api.username), "joined").text
        )
        ref = _case(api, manager, [(provider, "provider")], "Oak House", start="2/3/2026")
        (last,) = bot.query(
            "SELECT d.last_day FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
            " WHERE c.ref = ? AND d.key = 'complaint_window'",
            ref,
        )[0]
        moment = datetime.combine(date.fromisoformat(str(last)), time(10), tzinfo=UTC)
        _set_clock(clock, moment)
        assert "can be made until" in provider.ask(f"/complain {ref}", "can be made until").text
        confirm = provider.ask("The inspector did not look at our records.", _YOU_WROTE)
        marks = {u: u.mark() for u in (manager, second, provider)}
        provider.press_and_wait("Send the complaint", lambda m: "Sent" in m.text, message=confirm)
        copies = {
            u: u.wait_next(marks[u], lambda m: "formal complaint" in m.text, timeout=15)
            for u in (manager, second)
        }
        assert all(copy.buttons == [["Respond"]] for copy in copies.values())

        # Mia responds: the response is typed; bad input is refused and changes nothing.
        question = manager.press_and_wait(
            "Respond", lambda m: "Ofsted's response" in m.text, message=copies[manager]
        )
        assert "/cancel" in question.text
        # What the sender writes on its own on this day, not the refused input: its first pass on a new day
        # plans the managers' morning digests (under load that pass can come late), and what is due goes a
        # message's worth at a time. Both are let finish before each snapshot.
        digests = "SELECT count(*) FROM outbox WHERE dedup LIKE ?"
        day = f"digest:%:{moment.date().isoformat()}"
        api.wait_until(lambda: bot.query(digests, day) != [(0,)], timeout=15, what="the day's digests")
        _quiet(api, bot)
        _settle(api, bot, moment)
        snapshot = _state(bot)
        too_long = manager.ask("x" * 4001, lambda m: "under 4000" in m.text)
        assert "Please send it again" in too_long.text
        _quiet(api, bot)
        _settle(api, bot, moment)
        after = _state(bot)
        assert after == snapshot, _changes(snapshot, after)
        done = manager.ask(
            "We reviewed the records & found them read.", lambda m: m.text.startswith("Recorded Ofsted")
        )
        assert "Oak House" in done.text and done.text.endswith("The provider is told."), done.text
        told = provider.wait_next(
            marks[provider], lambda m: "response to your complaint" in m.text, timeout=15
        )
        assert "Manager 8001 recorded Ofsted's response" in told.text
        assert "We reviewed the records & found them read." in told.text
        assert bot.query("SELECT state, json_extract(payload, '$.response') FROM requests") == [
            ("responded", "We reviewed the records & found them read.")
        ]
        edited = _edited(second, copies[second], "Responded to by Manager 8001")
        assert edited.buttons == [] and edited.history == [copies[second].text]
        assert "Responded to by you" in _edited(manager, copies[manager], "Responded to by you").text

        # Stale presses change nothing.
        _quiet(api, bot)
        snapshot = _state(bot)
        stale = second.forge_press(copies[second].callback_data["Respond"], copies[second])
        assert "already responded by Manager 8001" in (second.wait_answer(stale).text or "")
        forged = provider.forge_press(copies[second].callback_data["Respond"], confirm)
        assert "already responded" in (provider.wait_answer(forged).text or "")
        _quiet(api, bot)
        assert _state(bot) == snapshot
        _settle(api, bot, moment)


def test_a_la_sif_deferral_offers_only_its_exceptional_circumstances(api: FakeBotApi, tmp_path: Path) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        provider = api.user(PROVIDER, "Pat")
        created = manager.ask(
            '/newcase la-sif "Northshire County Council" 23/3/2026', lambda m: "set up" in m.text
        )
        ref = int(created.text.split("#", 1)[1].split()[0])
        code = invite_code(manager.ask(f"/invite provider {ref}", _LINK), api.username)
        joined = join(provider, code, lambda m: "joined" in m.text or "Welcome" in m.text)
        assert "joined" in joined.text or "Welcome" in joined.text, joined.text
        before = dict(bot.query("SELECT key, due FROM case_deadlines WHERE case_id = 1"))

        grounds = provider.ask(f"/defer {ref}", "absence of the DCS, is not a reason")
        offered = [g.label for g in deferral.grounds(KINDS["la-sif"])]  # whole, not cut mid-word
        assert grounds.buttons == [[label] for label in offered], grounds.buttons
        assert "absence of the DCS, is not a reason" in grounds.text
        assert not any("close, merge or move" in row[0] for row in grounds.buttons)

        # A general ground forged onto the la-sif question is refused when sent: nothing is asked.
        provider.forge_press("dfg:closing", grounds)
        provider.wait_for(lambda m: "Explain in a few words" in m.text, timeout=15)
        confirm = provider.ask("A merger.", _YOU_WROTE)
        snapshot = _state(bot)
        refused = provider.press_and_wait(
            "Send the request", lambda m: "Nothing was sent" in m.text, message=confirm
        )
        assert "Choose one of the grounds the policy allows" in refused.text
        assert "Serious weather makes access to sites difficult or dangerous" in refused.text
        assert _state(bot) == snapshot

        # A ground it allows goes to the manager; the approval moves every date.
        grounds = provider.ask(f"/defer {ref}", "Choose the ground")
        provider.press_and_wait(offered[0], lambda m: "Explain in a few words" in m.text, message=grounds)
        confirm = provider.ask("Flooding closes the roads to the council offices.", _YOU_WROTE)
        since = manager.mark()
        provider.press_and_wait("Send the request", lambda m: "Sent" in m.text, message=confirm)
        asked = _request_message(manager, since, ref)
        assert "Ground: Serious weather makes access to sites difficult or dangerous" in asked.text
        manager.press_and_wait("Approve", lambda m: "first on-site day?" in m.text, message=asked)
        assert (
            "Monday 13 April 2026" in manager.ask("13/4/2026", lambda m: m.text.startswith("Approved")).text
        )
        assert bot.query("SELECT planned_start FROM cases WHERE ref = ?", ref) == [("2026-04-13",)]
        after = dict(bot.query("SELECT key, due FROM case_deadlines WHERE case_id = 1"))
        assert after.keys() == before.keys() and all(str(after[k]) > str(before[k]) for k in before)
        assert "Approved by you" in _edited(manager, asked, "Approved by you").text

        # Notified (by the manager, on a case with no inspector): the provider reads the new days and
        # the Annex A deadline counted from the call.
        since = provider.mark()
        assert (
            "was notified on Wednesday 11 March 2026"
            in manager.ask(f"/notify {ref}", "was notified on Wednesday 11 March 2026").text
        )
        told = provider.wait_next(since, lambda m: "were notified" in m.text, timeout=15)
        (annex,) = bot.query("SELECT due FROM case_deadlines WHERE case_id = 1 AND key = 'annex_a'")[0]
        assert "the first on-site day is Monday 13 April 2026" in told.text, told.text
        by = format_date(date.fromisoformat(str(annex)))
        assert f"emails the list after the call), by {by}\n" in told.text, told.text
        assert "004 L" not in told.text  # no seed lines for providers (issue 20)
        assert "reports on missing children (when inspectors arrive), by " in told.text
        _settle(api, bot, datetime(2026, 3, 11, 10, 0, tzinfo=UTC))
