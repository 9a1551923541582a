"""Retention, export and the key-value state, against a real SQLite file."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from store.database import Database
from store.errors import InvalidInput, NotFound
from store.models import Person, Role
from tests.storefixtures import Clock, first_manager


async def boss_of(db: Database) -> Person:
    return await first_manager(db)


async def test_free_text_is_purged_only_after_the_retention_period(db: Database, clock: Clock) -> None:
    boss = await boss_of(db)
    oak = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3), urn="SC1")
    elm = await db.cases.create(boss, "ch-full", "Elm House", date(2026, 3, 3))
    provider = await db.invites.redeem(
        (await db.invites.create(boss, Role.PROVIDER, case_ref=oak.ref)).code, 5, "Pat"
    )
    await db.cases.add_note(boss, oak.ref, "Planning note")
    await db.cases.add_note(boss, elm.ref, "Elm note")
    await db.cases.record_event(boss, oak.ref, "end", date(2026, 3, 4))
    await db.cases.set_outcome(boss, oak.ref, judgement="good")
    await db.cases.close(boss, oak.ref)
    async with db.transaction() as conn:  # the register's provider contact (issue 22) goes with the name
        await conn.execute("UPDATE settings SET provider_contact = 'Pat, 0161 496 0001' WHERE urn = 'SC1'")

    clock.now += timedelta(days=30)
    assert await db.purge_expired(30) == 1  # closed exactly 30 days ago: due
    case = await db.cases.get(boss, oak.ref)
    assert case.purged_at == clock.now
    assert [n.text for n in await db.cases.notes(boss, oak.ref)] == [None]
    assert [n.text for n in await db.cases.notes(boss, elm.ref)] == ["Elm note"]  # still open: kept
    # Dates and the outcome are the record of the inspection, not free text: kept.
    assert (case.events, case.judgement) == ({"end": date(2026, 3, 4)}, "good")
    # Oak House has no unpurged case left, so its name and URN go and its provider is let go.
    assert (case.setting.name, case.setting.urn) == (f"Setting {case.setting.id} (removed)", None)
    async with db.reading() as conn:
        contacts = [row[0] for row in await conn.execute_fetchall("SELECT provider_contact FROM settings")]
    assert contacts == [None, None]
    assert await db.people.get_by_telegram_id(5) is None
    assert (await db.people.get(provider.id)).display_name == "Former provider"
    purges = [e.action for e in await db.audit.all() if e.action.endswith(".purge")]
    assert purges == ["case.purge", "setting.purge"]
    assert await db.purge_expired(30) == 0  # nothing twice
    with pytest.raises(InvalidInput, match="retention period"):
        await db.cases.reopen(boss, oak.ref)


async def test_nothing_is_purged_before_its_time(db: Database, clock: Clock) -> None:
    boss = await boss_of(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    await db.cases.add_note(boss, case.ref, "keep me")
    await db.cases.close(boss, case.ref)
    clock.now += timedelta(days=29, hours=23)
    assert await db.purge_expired(30) == 0
    assert [n.text for n in await db.cases.notes(boss, case.ref)] == ["keep me"]
    clock.now += timedelta(hours=1)
    assert await db.purge_expired(30) == 1
    with pytest.raises(InvalidInput):
        await db.purge_expired(-1)


async def test_a_setting_with_an_open_case_keeps_its_name(db: Database, clock: Clock) -> None:
    boss = await boss_of(db)
    old = await db.cases.create(boss, "ch-full", "Oak House", date(2025, 3, 3))
    await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    await db.cases.close(boss, old.ref)
    clock.now += timedelta(days=400)
    assert await db.purge_expired(365) == 1
    assert (await db.cases.get(boss, old.ref)).setting.name == "Oak House"


async def test_export_gives_the_whole_record_as_json(db: Database) -> None:
    boss = await boss_of(db)
    case = await db.cases.create(boss, "ch-assurance", "Oak House", date(2026, 3, 3), urn="SC1")
    await db.cases.record_event(boss, case.ref, "end", date(2026, 3, 4))
    await db.cases.set_outcome(boss, case.ref, concerns=True)
    await db.cases.add_note(boss, case.ref, "A note")
    await db.invites.redeem((await db.invites.create(boss, Role.PROVIDER, case_ref=case.ref)).code, 5, "Pat")
    record = json.loads(json.dumps(await db.export_case(case.ref)))
    assert record["case"]["ref"] == case.ref and record["case"]["concerns"] is True
    assert record["setting"] == {"id": case.setting.id, "name": "Oak House", "urn": "SC1"}
    assert record["events"] == {"end": "2026-03-04"}
    assert [m["display_name"] for m in record["members"]] == ["Pat"]
    assert [n["text"] for n in record["notes"]] == ["A note"]
    assert [i["role"] for i in record["invites"]] == ["provider"]
    assert [e["action"] for e in record["audit"]] == [
        "case.create",
        "case.event",
        "case.outcome",
        "request.case_review.start",  # serious concerns open the case review, as the bot
        "case.note",
        "invite.create",
        "invite.redeem",
    ]
    assert [(r["kind"], r["state"]) for r in record["requests"]] == [("case_review", "open")]
    with pytest.raises(NotFound):
        await db.export_case(99)


async def test_state_is_a_namespaced_key_value_store(db: Database) -> None:
    await db.state.put("user_data", "1", '{"a": 1}')
    await db.state.put("user_data", "1", '{"a": 2}')
    await db.state.put("chat_data", "1", "{}")
    assert await db.state.get_all("user_data") == {"1": '{"a": 2}'}
    await db.state.delete("user_data", "1")
    await db.state.delete("user_data", "missing")
    assert await db.state.get_all("user_data") == {}
    assert await db.state.get_all("chat_data") == {"1": "{}"}


async def test_a_provider_of_several_settings_stays_when_one_setting_is_purged(
    db: Database, clock: Clock
) -> None:
    """Issue 20: an organisation with several homes. When one home's last case is purged its provider is
    let go only if that was their only setting; otherwise they keep the others, and only those."""
    boss = await boss_of(db)
    oak = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 3, 3))
    elm = await db.cases.create(boss, "ch-full", "Elm House", date(2026, 3, 3))
    for case in (oak, elm):
        invite = await db.invites.create(boss, Role.PROVIDER, case_ref=case.ref)
        pat = await db.invites.redeem(invite.code, 5, "Pat")
    await db.cases.close(boss, oak.ref)
    clock.now += timedelta(days=30)
    assert await db.purge_expired(30) == 1
    kept = await db.people.get_by_telegram_id(5)
    assert kept is not None and kept.id == pat.id and kept.display_name == "Pat"
    assert kept.setting_id == elm.setting.id
    assert [c.ref for c in await db.cases.list_for(kept)] == [elm.ref]
    with pytest.raises(NotFound):
        await db.cases.get(kept, oak.ref)
    async with db.reading() as conn:
        assert await conn.execute_fetchall("SELECT * FROM provider_settings") == []
