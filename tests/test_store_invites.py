"""Invitations against a real SQLite file: one use, expiry, hashing, who may invite, races."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from store import changes
from store.database import Database
from store.errors import InvalidInput, InviteInvalid, InviteThrottled, NotFound, PermissionDenied
from store.models import Person, Role
from tests.storefixtures import Clock, first_manager
from workflows.invites import hash_code


@pytest.fixture
async def boss(db: Database) -> Person:
    return await first_manager(db)


START = date(2026, 3, 3)


async def test_a_code_is_stored_only_as_its_hash(db: Database, boss: Person) -> None:
    invite = await db.invites.create(boss, Role.INSPECTOR)
    async with db.reading() as conn, conn.execute("SELECT * FROM invites") as cur:
        rows = [tuple(row) for row in await cur.fetchall()]
    assert len(rows) == 1
    assert hash_code(invite.code) in rows[0]
    assert not any(invite.code in str(value) for value in rows[0])
    assert invite.expires_at == datetime(2026, 6, 8, 9, 0, tzinfo=UTC)  # 7 days after the clock


async def test_an_invitation_used_twice_is_refused(db: Database, boss: Person) -> None:
    invite = await db.invites.create(boss, Role.INSPECTOR)
    person = await db.invites.redeem(invite.code, 2, "Ann  Inspector")
    assert (person.role, person.display_name, person.active) == (Role.INSPECTOR, "Ann Inspector", True)
    with pytest.raises(InviteInvalid) as refused:
        await db.invites.redeem(invite.code, 3, "Someone else")
    assert str(refused.value) == (
        "That invitation link has expired or has already been used. "
        "Ask the person who invited you for a new one."
    )
    assert await db.people.get_by_telegram_id(3) is None


async def test_an_invitation_after_expiry_is_refused(db: Database, boss: Person, clock: Clock) -> None:
    invite = await db.invites.create(boss, Role.INSPECTOR, ttl=timedelta(days=2))
    clock.now += timedelta(days=2)
    with pytest.raises(InviteInvalid):
        await db.invites.redeem(invite.code, 2, "Late")
    clock.now -= timedelta(seconds=1)  # one second before expiry it would have worked
    assert (await db.invites.redeem(invite.code, 2, "Just in time")).role is Role.INSPECTOR


@pytest.mark.parametrize("code", ["", "nonsense", "x" * 43, "bad code with spaces in it"])
async def test_unknown_codes_get_the_same_refusal(db: Database, code: str) -> None:
    with pytest.raises(InviteInvalid):
        await db.invites.redeem(code, 2, "Guess")


async def test_two_tasks_redeeming_one_code_at_once_only_one_wins(db: Database, boss: Person) -> None:
    invite = await db.invites.create(boss, Role.INSPECTOR)
    results = await asyncio.gather(
        *(db.invites.redeem(invite.code, 10 + i, f"Racer {i}") for i in range(8)), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, Person)]
    assert len(winners) == 1
    assert all(isinstance(r, InviteInvalid) for r in results if not isinstance(r, Person))


async def test_two_connections_redeeming_one_code_at_once_only_one_wins(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = await Database.open(path, clock=clock), await Database.open(path, clock=clock)
    try:
        invite = await first.invites.create(None, Role.MANAGER)
        results = await asyncio.gather(
            first.invites.redeem(invite.code, 10, "A"),
            second.invites.redeem(invite.code, 11, "B"),
            return_exceptions=True,
        )
        assert sorted(type(r).__name__ for r in results) == ["InviteInvalid", "Person"]
    finally:
        await first.close()
        await second.close()


async def test_a_provider_joins_the_case_and_its_setting(db: Database, boss: Person) -> None:
    inspector = await db.invites.redeem((await db.invites.create(boss, Role.INSPECTOR)).code, 2, "Ins")
    case = await db.cases.create(inspector, "ch-full", "Oak House", START)
    invite = await db.invites.create(inspector, Role.PROVIDER, case_ref=case.ref)
    assert (invite.case_ref, invite.setting_id) == (case.ref, case.setting.id)
    provider = await db.invites.redeem(invite.code, 3, "Pat")
    assert (provider.role, provider.setting_id) == (Role.PROVIDER, case.setting.id)
    members = (await db.cases.get(provider, case.ref)).members
    assert (provider.id, Role.PROVIDER) in [(m.person_id, m.role) for m in members]


async def test_an_existing_person_redeeming_joins_the_case(db: Database, boss: Person) -> None:
    inspector = await db.invites.redeem((await db.invites.create(boss, Role.INSPECTOR)).code, 2, "Ins")
    case = await db.cases.create(boss, "ch-full", "Oak House", START)
    invite = await db.invites.create(boss, Role.INSPECTOR, case_ref=case.ref)
    again = await db.invites.redeem(invite.code, 2, "Ins")
    assert again.id == inspector.id
    assert [c.ref for c in await db.cases.list_for(inspector)] == [case.ref]


async def test_a_person_in_another_role_is_refused_and_the_code_stays_usable(
    db: Database, boss: Person
) -> None:
    case = await db.cases.create(boss, "ch-full", "Oak House", START)
    invite = await db.invites.create(boss, Role.PROVIDER, case_ref=case.ref)
    with pytest.raises(InvalidInput, match="as a manager"):
        await db.invites.redeem(invite.code, 1, "Boss")
    assert (await db.invites.redeem(invite.code, 5, "Pat")).role is Role.PROVIDER


async def test_a_deactivated_person_comes_back_with_a_new_invitation(db: Database, boss: Person) -> None:
    first = await db.invites.redeem((await db.invites.create(boss, Role.INSPECTOR)).code, 2, "Ins")
    await db.people.deactivate(boss, first.id)
    back = await db.invites.redeem((await db.invites.create(boss, Role.INSPECTOR)).code, 2, "Ins Again")
    assert (back.id, back.active, back.display_name) == (first.id, True, "Ins Again")


async def test_who_may_invite(db: Database, boss: Person) -> None:
    ann = await db.invites.redeem((await db.invites.create(boss, Role.INSPECTOR)).code, 2, "Ann")
    bob = await db.invites.redeem((await db.invites.create(boss, Role.INSPECTOR)).code, 3, "Bob")
    case = await db.cases.create(ann, "ch-full", "Oak House", START)
    with pytest.raises(InvalidInput, match="needs a case"):
        await db.invites.create(boss, Role.PROVIDER)
    with pytest.raises(PermissionDenied):
        await db.invites.create(ann, Role.INSPECTOR)
    with pytest.raises(PermissionDenied):
        await db.invites.create(ann, Role.INSPECTOR, case_ref=case.ref)
    with pytest.raises(InvalidInput, match="90 days"):
        await db.invites.create(boss, Role.INSPECTOR, ttl=timedelta(days=365))
    provider = await db.invites.redeem(
        (await db.invites.create(ann, Role.PROVIDER, case_ref=case.ref)).code, 4, "Pat"
    )
    with pytest.raises(PermissionDenied):
        await db.invites.create(provider, Role.PROVIDER, case_ref=case.ref)
    await db.cases.close(ann, case.ref)
    with pytest.raises(InvalidInput, match="closed"):
        await db.invites.create(ann, Role.PROVIDER, case_ref=case.ref)
    assert (await db.invites.create(None, Role.MANAGER)).role is Role.MANAGER  # the operator
    with pytest.raises(NotFound):
        await db.invites.create(bob, Role.PROVIDER, case_ref=case.ref)  # not his case: it doesn't exist


async def test_five_failed_codes_make_a_person_wait_ten_minutes(
    db: Database, boss: Person, clock: Clock
) -> None:
    invite = await db.invites.create(boss, Role.INSPECTOR)
    for _ in range(5):
        with pytest.raises(InviteInvalid) as refused:
            await db.invites.redeem("x" * 43, 77, "Guesser")
        assert not isinstance(refused.value, InviteThrottled)
    with pytest.raises(InviteThrottled):  # even the right code, for now
        await db.invites.redeem(invite.code, 77, "Guesser")
    with pytest.raises(InviteInvalid):  # somebody else is not held up
        await db.invites.redeem("y" * 43, 78, "Other")
    clock.now += timedelta(minutes=10, seconds=1)
    person = await db.invites.redeem(invite.code, 77, "Guesser")
    assert person.role is Role.INSPECTOR


async def test_a_redemption_handled_twice_answers_with_the_person_it_added(
    db: Database, boss: Person
) -> None:
    invite = await db.invites.create(boss, Role.INSPECTOR)
    with changes.handling(900):
        first = await db.invites.redeem(invite.code, 80, "Ivy")
    with changes.handling(900):  # the same /start CODE update after a crash: not "expired"
        again = await db.invites.redeem(invite.code, 80, "Ivy")
    assert again == first
    with pytest.raises(InviteInvalid):  # a new update with the same code is refused, as always
        await db.invites.redeem(invite.code, 80, "Ivy")


async def test_a_provider_joins_several_settings_and_sees_only_their_cases(
    db: Database, boss: Person
) -> None:
    """Issue 20: each provider invitation adds its setting (one organisation, several homes); the cases of
    a setting they were not invited to stay hidden; coming back after deactivation brings only the new
    invitation's setting back."""
    oak, elm, birch = [
        await db.cases.create(boss, "ch-full", name, START) for name in ("Oak", "Elm", "Birch")
    ]

    async def joins(case_ref: int) -> Person:
        return await db.invites.redeem(
            (await db.invites.create(boss, Role.PROVIDER, case_ref=case_ref)).code, 5, "Pat"
        )

    pat = await joins(oak.ref)
    assert (await joins(elm.ref)).id == pat.id
    assert {c.ref for c in await db.cases.list_for(pat)} == {oak.ref, elm.ref}
    assert (await db.cases.get(pat, elm.ref)).setting.name == "Elm"
    with pytest.raises(NotFound):
        await db.cases.get(pat, birch.ref)
    with pytest.raises(PermissionDenied):
        await db.cases.record_event(pat, elm.ref, "end", START)
    await db.people.deactivate(boss, pat.id)
    back = await joins(birch.ref)
    assert {c.ref for c in await db.cases.list_for(back)} == {birch.ref}
    with pytest.raises(NotFound):
        await db.cases.get(back, elm.ref)
