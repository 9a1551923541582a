"""Cases through the repositories, against a real SQLite file: access, validation, audit, concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from store.database import Database
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Person, Role
from tests.storefixtures import Clock, first_manager


async def join(
    db: Database, inviter: Person | None, role: Role, telegram_id: int, case_ref: int | None = None
) -> Person:
    invite = await db.invites.create(inviter, role, case_ref=case_ref)
    return await db.invites.redeem(invite.code, telegram_id, f"Person {telegram_id}")


async def manager(db: Database) -> Person:
    return await first_manager(db)


START, END = date(2026, 3, 3), date(2026, 3, 4)


async def test_cases_are_numbered_from_1_and_an_inspector_who_opens_one_is_on_it(db: Database) -> None:
    boss = await manager(db)
    inspector = await join(db, boss, Role.INSPECTOR, 2)
    first = await db.cases.create(inspector, "ch-full", "  Oak   House ", START, END, urn="sc123456")
    second = await db.cases.create(boss, "la-sif", "Shire County Council", None)
    assert (first.ref, second.ref) == (1, 2)
    assert first.setting.name == "Oak House" and first.setting.urn == "SC123456"
    assert [(m.person_id, m.role) for m in first.members] == [(inspector.id, Role.INSPECTOR)]
    assert second.members == ()
    assert (first.status, first.planned_start, first.planned_end, first.judgement) == (
        "open",
        START,
        END,
        None,
    )
    assert await db.cases.get(inspector, 1) == first


async def test_a_setting_is_found_again_by_name_in_any_case_and_urn(db: Database) -> None:
    boss = await manager(db)
    one = await db.cases.create(boss, "ch-full", "Oak House", START, urn="SC1")
    two = await db.cases.create(boss, "ch-assurance", "oak house", START, urn="sc1")
    three = await db.cases.create(boss, "ch-full", "Oak House", START)
    assert one.setting == two.setting
    assert three.setting.id != one.setting.id


@pytest.mark.parametrize(
    ("kind", "name", "start", "end", "urn", "message"),
    [
        ("no-such-kind", "Oak", START, None, None, "kind of inspection"),
        ("ch-full", "   ", START, None, None, "name of the home"),
        ("ch-full", "x" * 201, START, None, None, "too long"),
        ("ch-full", "Oak", END, START, None, "before the first"),
        ("ch-full", "Oak", START, None, "SC-12 34", "doesn't look like a URN"),
    ],
)
async def test_bad_case_details_are_refused_with_a_sentence(
    db: Database, kind: str, name: str, start: date, end: date | None, urn: str | None, message: str
) -> None:
    boss = await manager(db)
    with pytest.raises(InvalidInput, match=message):
        await db.cases.create(boss, kind, name, start, end, urn=urn)
    assert await db.cases.list_for(boss) == []


async def test_each_person_sees_exactly_their_cases(db: Database) -> None:
    boss = await manager(db)
    ann = await join(db, boss, Role.INSPECTOR, 2)
    bob = await join(db, boss, Role.INSPECTOR, 3)
    oak = await db.cases.create(ann, "ch-full", "Oak House", START)
    elm = await db.cases.create(bob, "ch-full", "Elm House", START)
    oak_again = await db.cases.create(bob, "ch-assurance", "Oak House", START)
    oak_provider = await join(db, ann, Role.PROVIDER, 4, case_ref=oak.ref)
    assert [c.ref for c in await db.cases.list_for(boss)] == [3, 2, 1]
    assert [c.ref for c in await db.cases.list_for(ann)] == [oak.ref]
    assert [c.ref for c in await db.cases.list_for(bob)] == [oak_again.ref, elm.ref]
    # A provider sees every case of their setting, including one they were not invited to.
    assert [c.ref for c in await db.cases.list_for(oak_provider)] == [oak_again.ref, oak.ref]
    assert oak_provider.setting_id == oak.setting.id


async def test_a_case_of_another_setting_is_not_found_exactly_like_a_missing_one(db: Database) -> None:
    boss = await manager(db)
    inspector = await join(db, boss, Role.INSPECTOR, 2)
    oak = await db.cases.create(inspector, "ch-full", "Oak House", START)
    elm = await db.cases.create(inspector, "ch-full", "Elm House", START)
    provider = await join(db, inspector, Role.PROVIDER, 3, case_ref=oak.ref)
    with pytest.raises(NotFound) as hidden:
        await db.cases.get(provider, elm.ref)
    with pytest.raises(NotFound) as missing:
        await db.cases.get(provider, 99)
    assert str(hidden.value) == f"I can't find case #{elm.ref}."
    assert str(missing.value) == "I can't find case #99."
    for attempt in (
        db.cases.record_event(provider, elm.ref, "end", END),
        db.cases.notes(provider, elm.ref),
        db.audit.for_case(provider, elm.ref),
        db.invites.create(provider, Role.PROVIDER, case_ref=elm.ref),
    ):
        with pytest.raises(NotFound, match=f"#{elm.ref}"):
            await attempt


async def test_providers_and_other_inspectors_cannot_change_a_case(db: Database) -> None:
    boss = await manager(db)
    ann = await join(db, boss, Role.INSPECTOR, 2)
    bob = await join(db, boss, Role.INSPECTOR, 3)
    case = await db.cases.create(ann, "ch-full", "Oak House", START)
    provider = await join(db, ann, Role.PROVIDER, 4, case_ref=case.ref)
    with pytest.raises(PermissionDenied):
        await db.cases.record_event(provider, case.ref, "end", END)
    with pytest.raises(PermissionDenied):
        await db.cases.create(provider, "ch-full", "Elm House", START)
    with pytest.raises(NotFound):
        await db.cases.set_outcome(bob, case.ref, judgement="good")
    await db.cases.add_member(boss, case.ref, bob.id, Role.INSPECTOR)
    changed = await db.cases.set_outcome(bob, case.ref, judgement="good")
    assert changed.judgement == "good"


async def test_events_outcome_and_plans_are_validated_against_the_kind(db: Database) -> None:
    boss = await manager(db)
    full = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    assurance = await db.cases.create(boss, "ch-assurance", "Elm House", START)
    with pytest.raises(InvalidInput, match="isn't something I can record"):
        await db.cases.record_event(boss, full.ref, "dcs_email", END)  # assurance-only milestone
    with pytest.raises(InvalidInput, match="isn't a judgement"):
        await db.cases.set_outcome(boss, full.ref, judgement="brilliant")
    with pytest.raises(InvalidInput, match="isn't a judgement"):
        await db.cases.set_outcome(boss, assurance.ref, judgement="good")
    with pytest.raises(InvalidInput, match="before the first"):
        await db.cases.set_planned(boss, full.ref, END, START)
    case = await db.cases.record_event(boss, full.ref, "end", END)
    case = await db.cases.record_event(boss, full.ref, "draft_report", date(2026, 3, 27))
    assert case.events == {"end": END, "draft_report": date(2026, 3, 27)}
    case = await db.cases.clear_event(boss, full.ref, "draft_report")
    assert case.events == {"end": END}
    case = await db.cases.set_outcome(boss, assurance.ref, concerns=True)
    assert case.concerns and case.judgement is None
    case = await db.cases.set_planned(boss, full.ref, START, START)
    assert (case.planned_start, case.planned_end) == (START, START)


async def test_a_closed_case_cannot_change_until_reopened(db: Database, clock: Clock) -> None:
    boss = await manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START)
    closed = await db.cases.close(boss, case.ref)
    assert closed.status == "closed" and closed.closed_at == clock.now
    with pytest.raises(InvalidInput, match="closed"):
        await db.cases.record_event(boss, case.ref, "end", END)
    with pytest.raises(InvalidInput, match="closed"):
        await db.cases.add_note(boss, case.ref, "late thought")
    reopened = await db.cases.reopen(boss, case.ref)
    assert reopened.status == "open" and reopened.closed_at is None
    await db.cases.record_event(boss, case.ref, "end", END)


async def test_members_hold_their_own_role_and_providers_only_their_setting(db: Database) -> None:
    boss = await manager(db)
    inspector = await join(db, boss, Role.INSPECTOR, 2)
    oak = await db.cases.create(boss, "ch-full", "Oak House", START)
    elm = await db.cases.create(boss, "ch-full", "Elm House", START)
    provider = await join(db, boss, Role.PROVIDER, 3, case_ref=oak.ref)
    with pytest.raises(InvalidInput, match="registered as inspector, not provider"):
        await db.cases.add_member(boss, oak.ref, inspector.id, Role.PROVIDER)
    with pytest.raises(InvalidInput, match="another setting"):
        await db.cases.add_member(boss, elm.ref, provider.id, Role.PROVIDER)
    await db.cases.add_member(boss, oak.ref, inspector.id, Role.INSPECTOR)
    case = await db.cases.add_member(boss, oak.ref, inspector.id, Role.INSPECTOR)  # twice: no change
    assert sorted((m.person_id, m.role) for m in case.members) == [
        (inspector.id, Role.INSPECTOR),
        (provider.id, Role.PROVIDER),
    ]


async def test_a_deactivated_person_loses_access_at_once(db: Database) -> None:
    boss = await manager(db)
    inspector = await join(db, boss, Role.INSPECTOR, 2)
    case = await db.cases.create(inspector, "ch-full", "Oak House", START)
    with pytest.raises(PermissionDenied):
        await db.people.deactivate(inspector, boss.id)
    await db.people.deactivate(boss, inspector.id)
    assert await db.people.get_by_telegram_id(2) is None
    with pytest.raises(NotFound):
        await db.cases.get(inspector, case.ref)  # the stale Person object carries no access
    assert await db.cases.list_for(inspector) == []


async def test_ensure_admins_is_idempotent_and_promotes(db: Database) -> None:
    await db.people.ensure_admins([1, 2])
    await db.people.ensure_admins([2, 1])
    boss = await manager(db)
    await join(db, boss, Role.INSPECTOR, 3)
    await db.people.ensure_admins([3])
    promoted = await db.people.get_by_telegram_id(3)
    assert promoted is not None and promoted.role is Role.MANAGER
    creations = [e for e in await db.audit.all() if e.action == "person.create" and e.actor_label == "system"]
    assert len(creations) == 2
    with pytest.raises(InvalidInput):
        await db.people.ensure_admins([0])


async def test_two_tasks_writing_at_once_lose_nothing(db: Database) -> None:
    boss = await manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START)

    async def open_cases(n: int) -> list[int]:
        return [(await db.cases.create(boss, "ch-full", f"Home {n}-{i}", START)).ref for i in range(15)]

    async def write_notes() -> None:
        for i in range(15):
            await db.cases.add_note(boss, case.ref, f"note {i}")

    refs_a, refs_b, _ = await asyncio.gather(open_cases(1), open_cases(2), write_notes())
    assert sorted(refs_a + refs_b) == list(range(2, 32))
    assert len(await db.cases.list_for(boss)) == 31
    assert len(await db.cases.notes(boss, case.ref)) == 15


async def test_two_connections_writing_at_once_lose_nothing(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "shared.sqlite3"
    first = await Database.open(path, clock=clock)
    second = await Database.open(path, clock=clock)
    try:
        await first.people.ensure_admins([1])
        boss = await first.people.get_by_telegram_id(1)
        assert boss is not None

        async def open_cases(db: Database, tag: str) -> list[int]:
            refs = []
            for i in range(20):
                refs.append((await db.cases.create(boss, "ch-full", f"{tag} {i}", START)).ref)
                await db.state.put(tag, str(i), "x")
            return refs

        refs_a, refs_b = await asyncio.gather(open_cases(first, "a"), open_cases(second, "b"))
        assert sorted(refs_a + refs_b) == list(range(1, 41))
        assert len(await second.cases.list_for(boss)) == 40
        assert len(await first.state.get_all("a")) == len(await first.state.get_all("b")) == 20
        creations = [e for e in await first.audit.all() if e.action == "case.create"]
        assert sorted(e.case_ref or 0 for e in creations) == list(range(1, 41))
    finally:
        await first.close()
        await second.close()


async def test_the_clock_must_be_timezone_aware(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "naive.sqlite3", clock=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    db.clock = lambda: datetime(2026, 3, 2, 9, 0) + timedelta(0)
    try:
        with pytest.raises(ValueError, match="timezone-aware"):
            await db.people.ensure_admins([1])
    finally:
        await db.close()
