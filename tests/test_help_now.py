"""/help's "What you can do now" over many cases: 10 at most, the rest counted, and a case where a request
waits for the person comes first even when its deadlines are the furthest away."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from handlers.context import Services
from handlers.help_now import LIMIT, now_section
from handlers.render import action_line
from store.database import Database
from store.models import Role
from tests.storefixtures import Clock, first_manager
from workflows.actions import Action
from workflows.calendar import WorkingCalendar


def _context(db: Database, clock: Clock) -> Any:
    services = Services(db, WorkingCalendar(), ZoneInfo("Europe/London"), "inspectbot", clock)
    return cast(Any, SimpleNamespace(services=services))


async def test_ten_cases_at_most_the_rest_counted_and_waiting_ones_first(db: Database, clock: Clock) -> None:
    boss = await first_manager(db)
    invite = await db.invites.create(boss, Role.INSPECTOR)
    inspector = await db.invites.redeem(invite.code, 2, "Ian")
    refs = []
    for n in range(LIMIT + 2):  # Mondays from 15 June 2026: the later the case, the later its deadlines
        case = await db.cases.create(
            inspector, "ch-full", f"Home {n}", date(2026, 6, 15) + timedelta(weeks=n)
        )
        refs.append(case.ref)
    context = _context(db, clock)

    # Once every visit has ended (the last on 1 September), each has a report step to record; before, none
    # (a report step is not offered before its visit ends: /record would refuse it).
    assert "/record" not in (await now_section(context, inspector)).text
    opened = clock.now
    clock.now = datetime(2026, 9, 2, 9, 0, tzinfo=UTC)
    text = (await now_section(context, inspector)).text
    shown = [ref for ref in refs if f"(/record {ref})" in text]
    assert shown == refs[:LIMIT]  # the soonest ten
    assert "(2 more open cases not shown here: see them all, soonest first, with /cases.)" in text
    clock.now = opened

    # A request waiting on the furthest case puts it on the manager's list.
    last = refs[-1]
    invite = await db.invites.create(boss, Role.PROVIDER, case_ref=last)
    provider = await db.invites.redeem(invite.code, 3, "Pat")
    # Unannounced (000 L534): nothing before the visit begins, not even the day before it.
    hidden = (await now_section(context, provider)).text
    assert "/defer" not in hidden and "August" not in hidden and "September" not in hidden, hidden
    # On its first day (Monday 31 August 2026), until its last on-site day (deferral-policy.md s2).
    clock.now = datetime(2026, 8, 31, 9, 0, tzinfo=UTC)
    assert (
        f"Ask to defer the inspection: open until Tuesday 1 September 2026 (/defer {last})"
        in (await now_section(context, provider)).text
    )
    await db.requests.open(provider, last, "deferral", "ask", {"ground": "closing"})
    managed = (await now_section(context, boss)).text
    assert f"#{last} Home {LIMIT + 1}</b>\n• Decide the request to defer by Tuesday" in managed
    assert "2 more open cases" in managed  # still ten looked at, of twelve

    assert (
        f"(/defer {last})" not in (await now_section(context, provider)).text
    )  # asked already: not offered again


def test_action_lines_say_until_by_or_late() -> None:
    day = date(2026, 3, 20)
    assert action_line(Action("defer", "ask to defer the inspection", "/defer 1", day)) == (
        "Ask to defer the inspection: open until Friday 20 March 2026 (/defer 1)"
    )
    assert action_line(Action("record", "record: draft report", "/record 1", day)) == (
        "Record: draft report by Friday 20 March 2026 (/record 1)"
    )
    assert action_line(Action("comment", "comment on the draft report", "/comments 1", day, True)) == (
        "Comment on the draft report: it was due by Friday 20 March 2026 (late: still accepted, marked late)"
        " (/comments 1)"
    )
    assert action_line(Action("survey", "answer the <survey>", None, None)) == "Answer the &lt;survey&gt;"
