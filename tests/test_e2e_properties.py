"""Property: whatever reaches any conversation step (text, commands, button data, update shapes), the bot
raises nothing unhandled, sends nothing Telegram would refuse, and a refused change leaves no trace.

One bot process serves every example (starting one per example would take most of the time budget);
`max_examples` keeps the whole test well under 30 s.
"""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.localapi import FakeBotApi
from tests.botprocess import BotProcess
from tests.e2e_helpers import CALENDAR, MANAGER, PROVIDER, invite_code, join, today, typed

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120).filter(
    str.strip
)
_COMMANDS = ["/newcase", "/record", "/invite", "/due", "/case", "/cases", "/cancel", "/start", "/help", "/x"]
_DATA_PREFIXES = ["", "due:", "case:", "ask:", "inv:", "rec:", "new:", "kind:", "ev:", "pick:"]

Action = tuple[str, Any]

_action: st.SearchStrategy[Action] = st.one_of(
    st.tuples(st.just("text"), _TEXT),
    st.tuples(st.just("text"), st.sampled_from(["today", "1", "ch-full", "yes", "3/3/2026", "31/12/9999"])),
    st.tuples(st.just("command"), st.tuples(st.sampled_from(_COMMANDS), st.just("") | _TEXT)),
    st.tuples(
        st.just("press"),
        st.tuples(st.sampled_from(_DATA_PREFIXES), st.text(alphabet="0123456789abc:_-", max_size=40)),
    ),
    st.tuples(st.just("long"), st.integers(min_value=4000, max_value=4500)),
    st.tuples(st.just("edited"), _TEXT),
    st.tuples(st.just("document"), st.binary(max_size=64)),
    st.tuples(st.just("channel"), _TEXT),
    st.tuples(st.just("inline"), _TEXT),
    st.tuples(st.just("group"), _TEXT),
)

BUSINESS = ["cases", "case_events", "case_members", "people", "settings", "invites", "audit", "case_notes"]


def _act(api: FakeBotApi, person: int, action: Action, serial: int) -> None:
    user = api.user(person)
    kind, value = action
    now = int(time.time())
    who = {"id": person, "is_bot": False, "first_name": "Pat"}
    if kind == "text":
        user.send(value)
    elif kind == "command":
        user.send(f"{value[0]} {value[1]}".strip())
    elif kind == "press":
        mine = user.messages()
        if mine:
            user.forge_press((value[0] + value[1])[:64], mine[-1])
    elif kind == "long":
        user.send("/record 1 end " + "x" * (value - 14))
    elif kind == "edited":
        chat = {"id": person, "type": "private", "first_name": "Pat"}
        message = {"message_id": 1, "date": now - 5, "edit_date": now, "chat": chat, "from": who}
        api.push_update({"edited_message": {**message, "text": value}})
    elif kind == "document":
        user.send_document("notes.txt", value or b"x", caption="/record 1 end today")
    elif kind == "channel":
        chat = api.channel(-1_000_000_000_000 - serial, "News")
        api.push_update({"channel_post": {"message_id": 1, "date": now, "chat": chat, "text": value}})
    elif kind == "group":
        user.send_in_group(value, -700_000 - serial)
    elif kind == "inline":
        api.push_update({"inline_query": {"id": str(serial), "from": who, "query": value, "offset": ""}})


def _settled(api: FakeBotApi, bot: BotProcess, person: int) -> None:
    """Every update so far handled: this person's last /help answered, and nothing left in the inbox."""
    user = api.user(person)
    user.ask("/cancel", lambda m: "Cancelled" in m.text or "nothing to cancel" in m.text)
    user.ask("/help", "/cases")
    deadline = time.monotonic() + 10
    while bot.query("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL")[0][0]:
        assert time.monotonic() < deadline, "updates left unhandled"
        time.sleep(0.05)


def _check_healthy(api: FakeBotApi, bot: BotProcess) -> None:
    log = bot.log_text()
    assert "Traceback" not in log and "update failed" not in log, log[-3000:]
    api.assert_no_internal_errors()
    refused = [
        c
        for c in api.errors()
        if c.method != "getUpdates" and "message is not modified" not in str(c.response.get("description"))
    ]
    assert not refused, [str(c) for c in refused]


def test_anything_sent_to_any_step_is_handled_within_limits(api: FakeBotApi, bot: BotProcess) -> None:
    manager = api.user(MANAGER, "Mia")
    manager.ask(f'/newcase ch-full "Oak House" {typed(CALENDAR.add_working_days(today(), 3))}', "#1")
    provider = api.user(PROVIDER, "Pat")
    join(provider, invite_code(manager.ask("/invite provider 1", "?start="), api.username), "joined as")
    serial = iter(range(1, 1_000_000))

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(actions=st.lists(_action, min_size=1, max_size=6), as_provider=st.booleans())
    def run(actions: list[Action], as_provider: bool) -> None:
        person = PROVIDER if as_provider else MANAGER
        before = {table: bot.query(f"SELECT * FROM {table} ORDER BY 1") for table in BUSINESS}
        for action in actions:
            _act(api, person, action, next(serial))
        _settled(api, bot, person)
        _check_healthy(api, bot)
        if as_provider:  # a provider can change nothing: every attempt is refused, without a trace
            after = {table: bot.query(f"SELECT * FROM {table} ORDER BY 1") for table in BUSINESS}
            assert after == before

    run()
