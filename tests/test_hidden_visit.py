"""A provider's view of a visit kept from them (issue 18): `workflows.audience.hides_visit`, `timeline_for`,
`planned_for` and `nothing_dated` for every kind, and the lists across cases (SQL) that go through them.

Children's homes are inspected without notice (000 L534; 001 L56); a COVID-19 visit is announced by a call
the working day before its on-site day (002 L155-156).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_application, reveal_begun
from bot.settings import Settings
from handlers.context import InspectContext, Services
from handlers.request_messages import describe_for
from store.database import Database
from store.models import Role
from store.requests import Request
from tests.storefixtures import Clock, first_manager
from workflows import deferral, notification, visit
from workflows.audience import hides_visit, nothing_dated, planned_for, timeline_for
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, compute_timeline
from workflows.kinds import KINDS

CAL = WorkingCalendar()
MONDAY = date(2026, 3, 23)
DATES = CaseDates(MONDAY, date(2026, 3, 24))
HIDDEN_KINDS = ("ch-full", "ch-assurance", "ch-interim-2014", "covid-assurance")


@pytest.mark.parametrize("kind_id", sorted(KINDS))
def test_only_a_provider_is_kept_from_a_visit_without_notice_until_it_begins(kind_id: str) -> None:
    kind = KINDS[kind_id]
    timeline = compute_timeline(kind, DATES, CAL)
    before = date(2026, 3, 11)
    secret = kind_id in HIDDEN_KINDS
    assert hides_visit(Role.PROVIDER, kind, DATES, before, CAL) is secret
    for role in (Role.INSPECTOR, Role.MANAGER, None):
        assert not hides_visit(role, kind, DATES, before, CAL)
        assert timeline_for(role, kind, DATES, before, CAL, timeline) == timeline  # staff: everything
        assert planned_for(role, kind, DATES, before, CAL) == (DATES.start, DATES.end)
    shown = timeline_for(Role.PROVIDER, kind, DATES, before, CAL, timeline)
    assert (shown == []) is secret and (
        planned_for(Role.PROVIDER, kind, DATES, before, CAL) == (None, None)
    ) is secret
    if not secret:
        assert shown and all(not d.internal for d in shown)  # as before: no internal steps
    # From the day it begins the provider sees what they saw before this rule.
    begins = visit.begins(kind, DATES, CAL)
    assert not hides_visit(Role.PROVIDER, kind, DATES, begins, CAL)
    assert timeline_for(Role.PROVIDER, kind, DATES, begins, CAL, timeline)


def test_a_covid_visit_is_secret_until_its_call_and_a_recorded_call_or_start_reveals_it() -> None:
    kind = KINDS["covid-assurance"]
    on_site = CaseDates(date(2026, 3, 24), None)  # its call: Monday 23 March, the working day before
    assert hides_visit(Role.PROVIDER, kind, on_site, date(2026, 3, 20), CAL)
    assert not hides_visit(Role.PROVIDER, kind, on_site, date(2026, 3, 23), CAL)
    called = CaseDates(date(2026, 3, 24), None, {"notification": date(2026, 3, 12)})
    assert not hides_visit(Role.PROVIDER, kind, called, date(2026, 3, 12), CAL)
    home = KINDS["ch-full"]
    early = CaseDates(MONDAY, None, {"start": date(2026, 3, 16)})
    assert not hides_visit(Role.PROVIDER, home, early, date(2026, 3, 16), CAL)


@pytest.mark.parametrize("kind_id", HIDDEN_KINDS)
def test_what_a_provider_is_told_instead_names_no_day(kind_id: str) -> None:
    said = nothing_dated(KINDS[kind_id])
    digits = said.replace("COVID-19", "")
    assert said.startswith("No dates to show yet.") and not any(ch.isdigit() for ch in digits), said
    assert "working day" not in said


async def test_lists_show_a_provider_the_case_with_no_date_until_the_visit_begins(
    db: Database, clock: Clock
) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", MONDAY, date(2026, 3, 24))
    announced = await db.cases.create(boss, "asa-full", "Oak House", MONDAY, date(2026, 3, 24))
    invite = await db.invites.create(boss, Role.PROVIDER, case_ref=case.ref)
    provider = await db.invites.redeem(invite.code, 3, "Pat")
    today = date(2026, 3, 11)
    clock.now = datetime(2026, 3, 11, 10, tzinfo=UTC)

    page = await db.lists.open_cases(provider, today)
    lines = {line.case.ref: line for line in page.items}
    assert lines[case.ref].hidden and lines[case.ref].chase is None
    assert not lines[announced.ref].hidden and lines[announced.ref].chase is not None
    week = await db.lists.due_between(provider, today, date(2026, 3, 1), date(2027, 12, 31))
    assert week.total and {r.case.ref for r in week.items} == {announced.ref}
    staff = await db.lists.due_between(boss, today, date(2026, 3, 1), date(2027, 12, 31))
    assert case.ref in {r.case.ref for r in staff.items}  # staff: as before
    assert not any(line.hidden for line in (await db.lists.open_cases(boss, today)).items)

    # The first on-site day: the case is listed with its deadlines.
    page = await db.lists.open_cases(provider, MONDAY)
    shown = next(line for line in page.items if line.case.ref == case.ref)
    assert not shown.hidden and shown.chase is not None
    late = await db.lists.overdue(provider, date(2027, 12, 31))
    assert case.ref in {r.case.ref for r in late.items}


def _request(kind: str, ref: int, payload: dict[str, object]) -> Request:
    moment = datetime(2026, 3, 11, 10, tzinfo=UTC)
    return Request(1, kind, ref, "notified", None, None, None, "system", payload, 1, moment, moment)


async def test_a_notice_or_an_approval_names_no_day_to_the_provider_of_a_hidden_visit(
    db: Database, clock: Clock
) -> None:
    """Rendered at send time (handlers/request_messages.describe_for): the provider of a hidden visit reads a
    notice or a deferral's approval without its days; the inspector reads them with."""
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", MONDAY, date(2026, 3, 24))
    provider = await db.invites.redeem(
        (await db.invites.create(boss, Role.PROVIDER, case_ref=case.ref)).code, 3, "Pat"
    )
    inspector = await db.invites.redeem((await db.invites.create(boss, Role.INSPECTOR)).code, 4, "Ian")
    clock.now = datetime(2026, 3, 11, 10, tzinfo=UTC)
    services = Services(db, CAL, ZoneInfo("Europe/London"), "inspectbot", clock)
    notice = _request("notification", case.ref, {"day": "2026-03-11"})
    approval = _request("deferral", case.ref, {"start": "2026-04-14", "end": None, "ground": "closing"})
    for request, event in ((notice, notification.NOTIFY), (approval, deferral.APPROVE)):
        told = describe_for(services, provider, request, case, event, "Ian")
        assert "March" not in told and "April" not in told and "2026" not in told, told
        staff = describe_for(services, inspector, request, case, event, "Ian")
        assert "2026" in staff, staff
    assert "recorded that you were notified" in describe_for(
        services, provider, notice, case, notification.NOTIFY, "Ian"
    )


async def test_the_bot_reveals_begun_visits_at_start_and_daily(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    """The job that writes a provider's reminders once their hidden visit begins (outbox.reveal_begun)."""
    settings = Settings.model_validate(
        {"TELEGRAM_BOT_TOKEN": "1:a", "INSPECTBOT_DB": tmp_path / "bot.sqlite3"}
    )
    application = build_application(settings, db)
    assert application.job_queue is not None
    jobs = [job for job in application.job_queue.jobs() if job.name == "reveal"]
    assert len(jobs) == 2  # once soon after start (catch-up), then daily
    clock.now = datetime(2026, 3, 11, 10, tzinfo=UTC)
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", MONDAY, date(2026, 3, 24))
    invite = await db.invites.create(boss, Role.PROVIDER, case_ref=case.ref)
    provider = await db.invites.redeem(invite.code, 3, "Pat")  # reconciled while hidden
    assert await _pending(db, provider.id) == 0
    clock.now = datetime(2026, 3, 23, 0, 5, tzinfo=UTC)
    await reveal_begun(InspectContext.from_job(jobs[1], application))
    assert await _pending(db, provider.id) > 0


async def _pending(db: Database, person_id: int) -> int:
    async with db.reading() as conn:
        rows = await conn.execute_fetchall(
            "SELECT count(*) FROM outbox WHERE person_id = ? AND state = 'pending' AND template = 'remind'",
            (person_id,),
        )
    return int(next(iter(rows))[0])
