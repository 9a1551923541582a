"""Issue 20, through the local Bot API on the test clock (Wednesday 11 March 2026, 10:00 in London): people
where they belong (joining names the case, /assign, a provider on several settings and still kept to their
own cases, /edit urn, a duplicate case asks first, a too-long name refused), and what a change says (the
person who made it is not told twice, a date recorded again says so and /undo takes back the one before,
history lines in words, one wording for a rule's source for staff and none for providers, a too-long
deferral explanation refused as typed)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.localapi import FakeBotApi, FakeUser
from tests.e2e_helpers import invite_code, join
from tests.outbox_world import NOW
from tests.test_e2e_requests import _settle, running

MANAGER, INSPECTOR, SECOND_INSPECTOR, PROVIDER = 8001, 8003, 8006, 8004
_LINK = "?start="
#: The audit trail's own labels and seed citations: never in what people read.
_INTERNAL = re.compile(r"\((manager|inspector|provider):\d+\)|\(system\)|request\.[a-z_]+\.|case\.[a-z_]+")
_SEED = re.compile(r"\b\d{3} L\d+|\bseed\b", re.IGNORECASE)


def _new(manager: FakeUser, args: str) -> int:
    created = manager.ask(f"/newcase {args}", lambda m: "is set up" in m.text)
    return int(created.text.split("#", 1)[1].split()[0])


def _invite(api: FakeBotApi, manager: FakeUser, user: FakeUser, role: str, ref: int) -> str:
    code = invite_code(manager.ask(f"/invite {role} {ref}", _LINK), api.username)
    return join(user, code, lambda m: "joined" in m.text or "already" in m.text).text


def test_people_are_put_where_they_belong_and_providers_kept_to_their_settings(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        ian, ines = api.user(INSPECTOR, "Ian"), api.user(SECOND_INSPECTOR, "Ines")
        pat = api.user(PROVIDER, "Pat")
        manager.ask("/start", lambda m: "Hello" in m.text)
        oak = _new(manager, 'ch-full "Oak House" 23/3/2026 24/3/2026')
        elm = _new(manager, 'ch-full "Elm Lodge" 23/3/2026')
        birch = _new(manager, 'ch-full "Birch Court" 23/3/2026')

        # Joining names the case.
        assert f"You have joined as an inspector on #{oak} Oak House." in _invite(
            api, manager, ian, "inspector", oak
        )
        assert f"joined as an inspector on #{elm} Elm Lodge" in _invite(api, manager, ines, "inspector", elm)

        # A case with the same kind, name and dates as an open one: asked first (Yes/No).
        same = 'ch-full "oak house" 23/3/2026 24/3/2026'
        asked = manager.ask(f"/newcase {same}", lambda m: "Set up this case?" in m.text)
        assert f"An open case with the same kind, name and dates is already set up: #{oak}." in asked.text
        assert asked.buttons == [["Yes, set up another", "No"]]
        manager.press_and_wait("No", lambda m: "Cancelled" in m.text, message=asked)
        assert bot.query("SELECT count(*) FROM cases") == [(3,)]
        asked = manager.ask(f"/newcase {same}", lambda m: "Set up this case?" in m.text)
        made = manager.press_and_wait("Yes, set up another", lambda m: "is set up" in m.text, message=asked)
        extra = int(made.text.split("#", 1)[1].split()[0])
        manager.ask(f"/close {extra} mistake", lambda m: "Closed" in m.text or "closed" in m.text)
        assert bot.query("SELECT count(*) FROM cases WHERE status = 'open'") == [(3,)]

        # /assign: managers put an inspector who has joined on a case; the inspector is told.
        assert "Only managers" in ian.ask(f"/assign {oak} inspector Ines", "Only managers").text
        assert (
            "can't find an inspector called 'Zed'"
            in manager.ask(f"/assign {oak} inspector Zed", "can't find an inspector").text
        )
        since = ines.mark()
        done = manager.ask(f"/assign {oak} inspector ines", lambda m: "Ines" in m.text)
        assert f"Ines is now on #{oak} Oak House as its inspector; I've told them." in done.text, done.text
        told = ines.wait_next(since, lambda m: "put you on" in m.text, timeout=15)
        assert f"Mia put you on #{oak} Oak House as its inspector. Send /case {oak} to see it." in told.text
        assert f"#{oak} Oak House" in ines.ask("/cases", lambda m: "open cases" in m.text).text
        again = manager.ask(f"/assign {oak} inspector Ines", lambda m: "Ines" in m.text)
        assert f"Ines is already on #{oak} Oak House." in again.text
        by_number = manager.ask(f"/assign {elm} inspector {INSPECTOR}", lambda m: "Ian" in m.text)
        assert f"Ian is now on #{elm} Elm Lodge" in by_number.text, by_number.text
        assert ian.wait_for(lambda m: f"put you on #{elm} Elm Lodge" in m.text, timeout=15)
        # The step-by-step form, as /help shows it: the inspectors who have joined as buttons, the press
        # checked again; one already on the case is not offered.
        offered = manager.ask(f"/assign {birch}", lambda m: "Which inspector" in m.text)
        assert offered.buttons == [["Ian"], ["Ines"]], offered.buttons
        pressed = manager.press_and_wait("Ines", lambda m: "now on" in m.text, message=offered)
        assert f"Ines is now on #{birch} Birch Court as its inspector" in pressed.text, pressed.text
        assert manager.ask(f"/assign {birch}", lambda m: "Which inspector" in m.text).buttons == [["Ian"]]
        assert "Only managers" in ian.ask(f"/assign {birch}", "Only managers").text

        # A provider on two settings (one organisation, two homes): each invitation adds one.
        assert f"joined as a provider for #{oak} Oak House" in _invite(api, manager, pat, "provider", oak)
        assert f"joined as a provider for #{elm} Elm Lodge" in _invite(api, manager, pat, "provider", elm)
        assert bot.query("SELECT count(*) FROM provider_settings") == [(1,)]
        listed = pat.ask("/cases", lambda m: "open cases" in m.text).text
        assert f"#{oak} Oak House" in listed and f"#{elm} Elm Lodge" in listed, listed
        assert "Birch" not in listed  # ... and still only their own settings' cases
        assert "No dates to show yet" in pat.ask(f"/case {elm}", lambda m: "Elm Lodge" in m.text).text
        assert f"I can't find case #{birch}" in pat.ask(f"/case {birch}", "I can't find case").text
        assert f"I can't find case #{birch}" in pat.ask(f"/due {birch}", "I can't find case").text

        # /edit 12 urn: managers, checked, the setting itself.
        fixed = manager.ask(f"/edit {oak} urn 1234567", lambda m: "Corrected" in m.text)
        assert f"#{oak} Oak House" in fixed.text
        assert "URN: 1234567" in manager.ask(f"/case {oak}", lambda m: "URN" in m.text).text
        assert (
            "doesn't look like a URN" in manager.ask(f"/edit {oak} urn 12-34", lambda m: "URN" in m.text).text
        )
        assert (
            "Corrected"
            not in ian.ask(
                f"/edit {oak} urn 7654321",
                lambda m: "urn" in m.text.lower() or "URN" in m.text or "manager" in m.text,
            ).text
        )
        assert bot.query("SELECT urn FROM settings WHERE name = 'Oak House'") == [("1234567",)]

        # A name over the limit is refused with the limit, nothing cut or changed.
        long_name = manager.ask(f"/edit {oak} name {'Oak ' * 79}Lodge", lambda m: "too long" in m.text)
        assert "keep it under 200 characters" in long_name.text, long_name.text
        assert bot.query("SELECT count(*) FROM settings WHERE name = 'Oak House'") == [(1,)]

        # The history in words, by name.
        shown = manager.ask(f"/case {oak}", lambda m: "History" in m.text).text
        assert "Case set up (Mia)" in shown and "Ines added as inspector (Mia)" in shown, shown
        assert "URN corrected (Mia)" in shown
        assert not _INTERNAL.search(shown), shown
        _settle(api, bot, NOW)


def test_a_change_told_once_undo_in_order_history_in_words_and_checks_as_typed(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        ian, pat = api.user(INSPECTOR, "Ian"), api.user(PROVIDER, "Pat")
        manager.ask("/start", lambda m: "Hello" in m.text)
        ref = _new(manager, 'asa-full "Ash House" 2/3/2026 3/3/2026')
        _invite(api, manager, ian, "inspector", ref)
        _invite(api, manager, pat, "provider", ref)
        _settle(api, bot, NOW)  # what the new members had due goes first

        # The visit ended a day later than planned: the inspector sees what moved in the reply, and only
        # there; the provider is told of their deadlines that moved.
        marks = {u: u.mark() for u in (ian, pat)}
        ended = ian.ask(f"/record {ref} visit_ended 4/3/2026", lambda m: "Recorded" in m.text)
        assert "What changed:" in ended.text
        pat.wait_next(marks[pat], lambda m: "A deadline moved" in m.text, timeout=15)
        _settle(api, bot, NOW)
        moved = "SELECT count(*) FROM outbox o JOIN people p ON p.id = o.person_id"
        moved += " WHERE o.template = 'moved' AND p.telegram_id = ?"
        assert bot.query(moved, INSPECTOR) == [(0,)]
        assert bot.query(moved, PROVIDER)[0][0] > 0
        assert not [m for m in ian.messages() if "A deadline moved" in m.text]

        # The same date again changes nothing and says so; /undo then takes back B, then A, in order.
        same = ian.ask(f"/record {ref} visit_ended 4/3/2026", lambda m: "recorded" in m.text.lower())
        assert "Already recorded" in same.text and "Nothing changed." in same.text, same.text
        ian.ask(f"/record {ref} draft_report 10/3/2026", lambda m: "Recorded" in m.text)
        offer = ian.ask(f"/undo {ref}", lambda m: "Take it back?" in m.text)
        assert "Draft report sent to the provider: recorded as Tuesday 10 March 2026 (Ian)" in offer.text
        ian.press_and_wait("Undo it", lambda m: "Taken back" in m.text, message=offer)
        offer = ian.ask(f"/undo {ref}", lambda m: "Take it back?" in m.text)
        assert "Visit ended (feedback given): recorded as Wednesday 4 March 2026 (Ian)" in offer.text
        ian.press_and_wait("Keep it", lambda m: "Kept" in m.text, message=offer)

        # The final report brings the survey: the history says it in words, by whom.
        # Before the comments deadline, with none in: asked first (issue 18 item 3), the source in words.
        asked = ian.ask(f"/record {ref} final_report 11/3/2026", lambda m: "Please check" in m.text)
        assert "; SCCIF adoption support agencies, Timeframe)" in asked.text and not _SEED.search(asked.text)
        ian.press_and_wait("Yes, record it", lambda m: "Recorded" in m.text, message=asked)
        history = ian.ask(f"/case {ref}", lambda m: "History" in m.text).text
        assert "Survey offered (the bot)" in history, history
        assert "Last thing recorded taken back (Ian)" in history and "Case set up (Mia)" in history
        assert not _INTERNAL.search(history), history

        # One wording for a rule's source for staff; none, and no seed lines, for providers.
        staff = ian.ask(f"when is the draft due for #{ref}?", lambda m: "Rule:" in m.text).text
        assert "(SCCIF adoption support agencies, Timeframe)" in staff and not _SEED.search(staff), staff
        told = pat.ask(f"when is the draft due for #{ref}?", lambda m: "Rule:" in m.text).text
        assert "SCCIF" not in told and not _SEED.search(told), told
        for text in (ian.ask(f"/case {ref}", lambda m: "Deadlines" in m.text).text,):
            assert "Rule: 18 working days after the end of the inspection (SCCIF adoption" in text, text
        provider_case = pat.ask(f"/case {ref}", lambda m: "Deadlines" in m.text).text
        assert "Single individual: no" in provider_case and not _SEED.search(provider_case), provider_case

        # A children's home: the survey is offered with the draft, after the draft's own notice, and says
        # which report was sent when (issue 20 item 4).
        holly = _new(manager, 'ch-full "Holly House" 2/3/2026 3/3/2026')
        _invite(api, manager, ian, "inspector", holly)
        _invite(api, manager, pat, "provider", holly)
        ian.ask(f"/record {holly} visit_ended 3/3/2026", lambda m: "Recorded" in m.text)
        since = pat.mark()
        ian.ask(f"/record {holly} draft_report 10/3/2026", lambda m: "Recorded" in m.text)
        offer = pat.wait_next(
            since, lambda m: "would like to know" in m.text and "Holly" in m.text, timeout=20
        )
        draft = pat.wait_next(since, lambda m: "draft inspection report" in m.text and "Holly" in m.text)
        assert draft.message_id < offer.message_id, (draft.text, offer.text)
        assert (
            f"The draft report on #{holly} Holly House was sent to you on Tuesday 10 March 2026."
            in offer.text
        )

        # A visit to come: the notice's list of what to prepare has no seed lines; a deferral's words
        # over the limit are refused as typed, not said back with a Send button.
        later = _new(manager, 'asa-full "Beech House" 13/4/2026 14/4/2026')
        _invite(api, manager, ian, "inspector", later)
        _invite(api, manager, pat, "provider", later)
        since = pat.mark()
        ian.ask(f"/notify {later}", lambda m: "notified" in m.text)
        notice = pat.wait_next(since, lambda m: "were notified" in m.text, timeout=15)
        assert "What to prepare" in notice.text and not _SEED.search(notice.text), notice.text
        grounds = pat.ask(f"/defer {later}", lambda m: "Choose the ground" in m.text)
        pat.press_and_wait(
            grounds.buttons[0][0], lambda m: "Explain in a few words" in m.text, message=grounds
        )
        refused = pat.ask("x" * 1160, lambda m: "characters" in m.text)
        assert "That is 1,160 characters: keep it under 1,000. Nothing was sent." in refused.text, (
            refused.text
        )
        assert refused.buttons == [] and "Send the request" not in refused.text
        assert bot.query("SELECT count(*) FROM requests WHERE kind = 'deferral'") == [(0,)]
        kept = pat.ask("The home moves on 10 April.", lambda m: "Ask the managers to defer" in m.text)
        assert kept.buttons == [["Send the request"]]
        pat.ask("/cancel", lambda m: True)
        _settle(api, bot, NOW)
