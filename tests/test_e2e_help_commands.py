"""Every command /help shows works as shown (issue 20, "must show"): for each role and each stage of a
case (planned, visit ended, draft sent, final report sent), /help is sent, every "/command ..." it prints
is sent exactly as printed, and no answer is a usage text or a refusal. End to end through the local Bot
API; the bot's clock is a test clock file, moved along with the case."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bot.localapi import BotMessage, FakeBotApi, FakeUser
from tests.test_e2e_requests import INSPECTOR, MANAGER, PROVIDER, _case, _set_clock, _settle, running

_HELP = "Here is what you can do"
#: The replies of a command that did not do what it was sent for: its usage, or a refusal. Each is a
#: phrase the handlers use for exactly that (handlers/*.py), so an informative answer ("No survey has
#: been offered on #1 yet") is not taken for one; /undo with nothing to undo is.
_NOT_AS_SHOWN = re.compile(
    r"One line:|Which case\? Send|I need the case|I couldn't read|isn't something I can correct"
    r"|^Only |Only (the|a|managers|providers) |I can't find|I don't know|I didn't catch|isn't a "
    r"|can't be |cannot |is not open|not open yet|no longer|Comments open once|has no judgement"
    r"|not an adoption support agency|can only|Send <code>/|try again|left to undo",
)
_CANCELLED = ("Cancelled.", "There is nothing to cancel.", "Paused.")


def shown_commands(text: str) -> list[str]:
    """Every command form in a /help text, exactly as printed: a piece between ':', ';', ',', brackets
    and ' or ' that starts with '/'."""
    found: list[str] = []
    for line in text.splitlines():
        for piece in re.split(r"[:;,()]| or ", line.lstrip("• ")):
            piece = piece.strip()
            if re.fullmatch(r"/[a-z_]+( [\w#-]+)*", piece) and piece not in found:
                found.append(piece)
    return found


def _answers(user: FakeUser, command: str) -> list[BotMessage]:
    """What the bot says to `command`: every message it sends before it answers the /cancel sent next
    (one person's updates are handled in order, bot.processor)."""
    if command == "/cancel":  # its own answer is the one waited for
        return [user.ask(command, lambda m: m.text.startswith(_CANCELLED), timeout=15)]
    before = {m.message_id for m in user.messages()}
    user.send(command)
    user.send("/cancel")
    done = user.wait_for(lambda m: m.message_id not in before and m.text.startswith(_CANCELLED), timeout=15)
    return [m for m in user.messages() if m.message_id not in before and m.message_id < done.message_id]


def _check_help(user: FakeUser, role: str, stage: str, sent: dict[str, list[str]]) -> None:
    helped = user.ask("/help", lambda m: m.text.startswith(_HELP), timeout=15)
    commands = shown_commands(helped.text)
    assert commands, helped.text
    for command in commands:
        replies = _answers(user, command)
        assert replies, f"{role} at {stage}: no answer to {command!r}"
        for message in replies:
            assert not _NOT_AS_SHOWN.search(message.text), (
                f"{role} at {stage}: {command!r} (as /help shows it) was answered with:\n{message.text}"
                f"\n\n/help said:\n{helped.text}"
            )
    sent[f"{role} at {stage}"] = commands


def test_every_command_help_shows_works_as_shown(api: FakeBotApi, tmp_path: Path) -> None:
    with running(api, tmp_path) as bot:
        clock = tmp_path / "clock.txt"
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        ref = _case(
            api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House", "23/3/2026"
        )
        people = [(manager, "manager"), (inspector, "inspector"), (provider, "provider")]
        sent: dict[str, list[str]] = {}

        def every_role(stage: str) -> None:
            for user, role in people:
                _check_help(user, role, stage, sent)

        every_role("planned")  # Wednesday 11 March 2026; the inspection starts Monday 23 March
        _set_clock(clock, datetime(2026, 3, 26, 10, 0, tzinfo=UTC))
        ended = inspector.ask(f"/record {ref} end 25/3/2026", lambda m: "Recorded" in m.text or "#" in m.text)
        assert "Recorded" in ended.text, ended.text
        every_role("visit ended")
        _set_clock(clock, datetime(2026, 4, 8, 10, 0, tzinfo=UTC))
        drafted = inspector.ask(f"/record {ref} draft_report 8/4/2026", lambda m: "Recorded" in m.text)
        assert "Recorded" in drafted.text, drafted.text
        every_role("draft sent")
        _set_clock(clock, datetime(2026, 4, 29, 10, 0, tzinfo=UTC))
        final = inspector.ask(f"/record {ref} final_report 29/4/2026", lambda m: "Recorded" in m.text)
        assert "Recorded" in final.text, final.text
        every_role("final report sent")

        # The forms the issue found failing are among those sent, and stages' own ones show up.
        assert f"/record {ref}" in sent["inspector at planned"]
        assert f"/edit {ref} days" in sent["inspector at planned"]
        assert f"/undo {ref}" not in sent["inspector at planned"]  # nothing recorded yet to take back
        assert f"/undo {ref}" in sent["inspector at visit ended"]
        assert {"/reminders", f"/mute {ref}", f"/unmute {ref}"} <= set(sent["provider at planned"])
        assert "/status" in sent["manager at planned"]
        # A children's home is inspected without notice: nothing offers to defer it before the visit
        # begins (issue 18); an announced kind's deferral is shown below.
        assert f"/defer {ref}" not in sent["provider at planned"]
        assert f"/comments {ref}" in sent["provider at draft sent"]
        assert f"/complain {ref}" in sent["provider at visit ended"]
        for stage, commands in sent.items():
            print(f"{stage}: {len(commands)} commands: {', '.join(commands)}")
        _settle(api, bot, datetime(2026, 4, 29, 10, 0, tzinfo=UTC))


def test_shown_commands_reads_each_form_as_printed() -> None:
    text = (
        "Here is what you can do:\n"
        "• /case 3 or /case oak: everything recorded on a case\n"
        "• /calendar 3: your deadlines; /timeline 3: a picture\n"
        "• /close 3: close a case (completed, withdrawn...); /reopen: bring a closed one back\n"
        "• Record: visit ended by Monday 2 March 2026 (/record 3)"
    )
    assert shown_commands(text) == [
        "/case 3",
        "/case oak",
        "/calendar 3",
        "/timeline 3",
        "/close 3",
        "/reopen",
        "/record 3",
    ]


def test_announced_kind_notify_record_step_by_step_edit_days_and_no_judgement(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """An announced kind's /notify shows (and works) for its manager; `/record N` asks what happened on
    #N; an inspector's `/edit N days` asks for the days and `/edit N name` says who may; an assurance
    visit's judgement is answered with what can be recorded instead (issue 20 items 2 and 12)."""
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        sent: dict[str, list[str]] = {}
        _check_help(manager, "manager", "no case yet", sent)  # only forms that need no case
        assert "/status" in sent["manager at no case yet"] and "/due 12" not in sent["manager at no case yet"]
        announced = manager.ask('/newcase asa-full "Ash Agency" 13/4/2026', lambda m: "set up" in m.text)
        agency = int(announced.text.split("#", 1)[1].split()[0])
        _check_help(manager, "manager", "announced, planned", sent)
        assert f"/notify {agency}" in sent["manager at announced, planned"]

        ref = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Elm House", "2/3/2026")
        asked = inspector.ask(f"/record {ref}", lambda m: "What happened on" in m.text)
        assert asked.text == f"What happened on #{ref} Elm House?", asked.text
        assert ["Visit ended (feedback given)"] in asked.buttons, asked.buttons
        refused = provider.ask(f"/record {ref}", lambda m: "record what happened" in m.text)
        assert refused.text == "Only the inspector on a case or a manager can record what happened."
        inspector.ask("/cancel", lambda m: m.text.startswith("Cancelled"))

        days = inspector.ask(f"/edit {ref} days", lambda m: m.text.startswith("Correcting"))
        assert f"Correcting #{ref} Elm House. Send the first on-site day" in days.text, days.text
        corrected = inspector.ask("9/3/2026 11/3/2026", lambda m: m.text.startswith("Corrected"))
        assert f"Corrected #{ref} Elm House." in corrected.text, corrected.text
        assert bot.query("SELECT planned_start, planned_end FROM cases WHERE ref = ?", ref) == [
            ("2026-03-09", "2026-03-11")
        ]
        named = inspector.ask(f"/edit {ref} name", lambda m: "manager" in m.text)
        assert named.text.startswith("Only a manager can correct the setting's name or the kind."), named.text
        assert "/edit 12 kind" not in named.text and '/edit 12 name "' not in named.text
        usage = inspector.ask(f"/edit {ref} colour red", lambda m: "isn't something" in m.text)
        assert "name" not in usage.text.split("A manager")[0], usage.text  # only what inspectors may use

        # A deferral resting on staff absence: warned before Send, and it can still be sent.
        planned = _case(api, manager, [(provider, "provider")], "Ash Agency", "23/3/2026", kind="asa-full")
        grounds = provider.ask(f"/defer {planned}", lambda m: "Choose the ground" in m.text)
        provider.press_and_wait(
            "Other (explain)", lambda m: "Explain in a few words" in m.text, message=grounds
        )
        confirm = provider.ask("because our registered manager is on leave", lambda m: "Press Send" in m.text)
        assert (
            "⚠️ Staff absence (someone on leave, off sick or away) is not one of the grounds in Ofsted's "
            "deferral policy: a request resting on it alone is unlikely to be granted."
            "\nPress Send, or /cancel."
        ) in confirm.text, confirm.text
        sent = provider.press_and_wait("Send the request", lambda m: "Sent" in m.text, message=confirm)
        assert sent.text.startswith(f"Sent: your request to defer case #{planned}"), sent.text

        visit = manager.ask('/newcase ch-assurance "Willow House" 2/3/2026', lambda m: "set up" in m.text)
        willow = int(visit.text.split("#", 1)[1].split()[0])
        none = manager.ask(f"/record {willow} judgement inadequate", lambda m: "judgement" in m.text)
        assert "(none)" not in none.text, none.text
        assert (
            "has no judgement to record. You can record whether there were serious or widespread concerns: "
            f"/record {willow} concerns yes or no."
        ) in none.text, none.text
        assert bot.query("SELECT judgement FROM cases WHERE ref = ?", willow) == [(None,)]
        _settle(api, bot, datetime(2026, 3, 11, 10, 0, tzinfo=UTC))
