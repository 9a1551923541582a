"""Issue 18 loose end 1: a children's home is deferred after inspectors arrive (deferral-policy.md section 2),
often once its start is recorded. Approving the deferral moves the visit: the abandoned visit's recorded start
is cleared (audited, with the new planned days, in one transaction), so the provider's view reads as hidden
again until the new first day (000 L534), and they are told it was approved without a date.

The bot's clock is Wednesday 11 March 2026; the home is planned for Wednesday 18 March, when the inspector
records the start and the provider asks to defer; the manager approves Monday 13 April.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

from bot.localapi import FakeBotApi
from tests.test_e2e_hidden_visit import _invite, _newcase, date_patterns, everything_said, leaks
from tests.test_e2e_requests import INSPECTOR, MANAGER, PROVIDER, _ask_to_defer, _set_clock, _settle, running
from workflows.dates import format_date

PLANNED, NEW_START = date(2026, 3, 18), date(2026, 4, 13)
_NOTHING = "No dates to show yet"


def test_an_approved_deferral_clears_the_recorded_start_and_hides_the_new_days(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        home = _newcase(manager, f'/newcase ch-full "Oak House" {PLANNED.day}/3/2026')
        assert "joined" in _invite(api, manager, inspector, "inspector", home).text
        _invite(api, manager, provider, "provider", home)

        first_day = datetime.combine(PLANNED, time(9), tzinfo=UTC)
        _set_clock(tmp_path / "clock.txt", first_day)
        started = inspector.ask(f"/record {home} start 18/3/2026", lambda m: "Recorded for" in m.text)
        assert format_date(PLANNED) in started.text, started.text
        shown = provider.ask(f"/case {home}", lambda m: f"#{home} Oak House" in m.text)
        assert _NOTHING not in shown.text, shown.text  # the visit has begun: the provider sees it

        marks = {u: u.mark() for u in (manager, provider)}
        _ask_to_defer(provider, home)
        asked = manager.wait_next(marks[manager], lambda m: "asks to defer" in m.text, timeout=15)
        manager.press_and_wait("Approve", lambda m: "first on-site day?" in m.text, message=asked)
        done = manager.ask("13/4/2026", lambda m: "Approved" in m.text)
        assert format_date(NEW_START) in done.text, done.text

        # The case: the recorded start is gone, the new planned days set, both in the audit trail.
        assert bot.query("SELECT key FROM case_events") == []
        assert bot.query("SELECT planned_start FROM cases WHERE ref = ?", home) == [(NEW_START.isoformat(),)]
        trail = [
            (action, json.loads(str(before or "null")), json.loads(str(after or "null")))
            for action, before, after in bot.query("SELECT action, before, after FROM audit ORDER BY id")
        ]
        cleared = [t for t in trail if t[0] == "case.event" and t[2] == {"key": "start", "day": None}]
        assert cleared and cleared[0][1] == {"key": "start", "day": PLANNED.isoformat()}, trail
        assert trail.index(cleared[0]) < next(i for i, t in enumerate(trail) if t[0] == "case.planned")

        # The provider: told it was approved, without a date; the case reads as hidden again.
        told = provider.wait_next(marks[provider], lambda m: "approved" in m.text, timeout=15)
        secret = date_patterns({NEW_START})
        again = provider.ask(f"/case {home}", lambda m: f"#{home} Oak House" in m.text)
        assert _NOTHING in again.text and "Planned" not in again.text, again.text
        due = provider.ask(f"/due {home}", lambda m: f"#{home}" in m.text)
        for message in (told, again, due):
            assert leaks(everything_said(message), secret) == [], message.text
        # Staff still see the new days.
        staff = inspector.ask(f"/case {home}", lambda m: f"#{home} Oak House" in m.text)
        assert f"Planned on site from: {format_date(NEW_START)}" in staff.text, staff.text
        _settle(api, bot, first_day)
