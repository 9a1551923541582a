"""The post-inspection survey in the store: offered by the bot in the transaction that records the kind's
moment (the final report), once per case; its answers kept in the request's payload; the free-text answer
purged with the case by retention while the ratings stay."""

from __future__ import annotations

import json
from datetime import date, timedelta

from store.database import Database
from store.models import Person, Role
from tests.storefixtures import Clock, first_manager
from workflows import survey


async def _provider_case(db: Database, kind: str) -> tuple[Person, Person, int]:
    """A manager, a provider on a case of `kind` whose visit (2-3 March 2026) is over."""
    boss = await first_manager(db)
    case = await db.cases.create(boss, kind, "Oak House", date(2026, 3, 2), date(2026, 3, 3))
    invite = await db.invites.create(boss, Role.PROVIDER, case_ref=case.ref)
    provider = await db.invites.redeem(invite.code, 4, "Pat")
    await db.cases.record_event(boss, case.ref, "end", date(2026, 3, 3))
    return boss, provider, case.ref


async def _offers(db: Database) -> dict[str, list[tuple[object, ...]]]:
    async with db.reading() as conn:
        found: dict[str, list[tuple[object, ...]]] = {}
        for name, sql in (
            ("requests", "SELECT id, kind, state, last_label FROM requests WHERE kind = 'survey'"),
            ("outbox", "SELECT person_id, template, params FROM outbox WHERE template = 'request'"),
            ("audit", "SELECT actor_label, case_ref FROM audit WHERE action = 'request.survey.offer'"),
        ):
            async with conn.execute(sql) as cur:
                found[name] = [tuple(row) for row in await cur.fetchall()]
        return found


async def test_the_final_report_offers_the_survey_once_even_after_undo_and_record_again(db: Database) -> None:
    boss, provider, ref = await _provider_case(db, "asa-full")
    assert await _offers(db) == {"requests": [], "outbox": [], "audit": []}  # the visit's end is not it

    await db.cases.record_event(boss, ref, "final_report", date(2026, 3, 27))
    offered = await _offers(db)
    assert offered["requests"] == [(1, "survey", survey.OFFERED, "system")]
    assert offered["audit"] == [("system", ref)]
    ((person_id, template, params),) = offered["outbox"]  # the provider only: the managers hear at the end
    assert person_id == provider.id and template == "request"
    assert json.loads(str(params)) == {"by": None, "event": "offer", "request_id": 1, "version": 1}
    (request,) = await db.requests.for_case(provider, ref, "survey")
    assert request.payload == {"answers": {}, "offered_on": "2026-06-01", "offered_with": ["final_report"]}

    entry = await db.cases.last_recorded(boss, ref)
    assert entry is not None
    await db.cases.undo(boss, ref, entry.id)
    await db.cases.record_event(boss, ref, "final_report", date(2026, 3, 30))
    assert await _offers(db) == offered


async def test_a_childrens_home_survey_goes_with_the_draft_and_again_with_the_final_report(
    db: Database,
) -> None:
    """000 L1246: sent 'at the same time as when they receive both the draft and final inspection
    reports'. One survey: offered with the draft, offered again (once) with the final report while the
    provider has not finished or declined it; the answers so far are kept."""
    boss, provider, ref = await _provider_case(db, "ch-full")
    await db.cases.record_event(boss, ref, "draft_report", date(2026, 3, 27))
    first = await _offers(db)
    assert first["requests"] == [(1, "survey", survey.OFFERED, "system")] and len(first["outbox"]) == 1
    (request,) = await db.requests.for_case(provider, ref, "survey")
    assert request.payload["offered_with"] == ["draft_report"]
    await db.requests.send(provider, request.id, survey.ANSWER, {"question": "overall", "value": 4})

    await db.cases.record_event(boss, ref, "final_report", date(2026, 4, 14))
    again = await _offers(db)
    assert again["requests"] == [(1, "survey", survey.ANSWERING, "system")]  # the same survey
    assert again["audit"] == [("system", ref), ("system", ref)]
    (person_id, _, params) = again["outbox"][-1]
    assert person_id == provider.id
    assert json.loads(str(params)) == {"by": None, "event": "offer", "request_id": 1, "version": 3}
    (request,) = await db.requests.for_case(provider, ref, "survey")
    assert request.payload["answers"] == {"overall": 4} and request.payload["offered_again_on"]

    # Undone and recorded again: no third offer.
    entry = await db.cases.last_recorded(boss, ref)
    assert entry is not None
    await db.cases.undo(boss, ref, entry.id)
    await db.cases.record_event(boss, ref, "final_report", date(2026, 4, 15))
    assert len((await _offers(db))["audit"]) == 2


async def test_a_survey_finished_or_declined_with_the_draft_is_not_offered_again(db: Database) -> None:
    boss, provider, ref = await _provider_case(db, "ch-assurance")
    await db.cases.record_event(boss, ref, "draft_report", date(2026, 3, 27))
    (request,) = await db.requests.for_case(provider, ref, "survey")
    await db.requests.send(provider, request.id, survey.DECLINE)
    await db.cases.record_event(boss, ref, "final_report", date(2026, 4, 14))
    offers = await _offers(db)
    assert [state for _, _, state, _ in offers["requests"]] == [survey.DECLINED]
    assert len(offers["audit"]) == 1 and len(offers["outbox"]) == 1


async def test_a_kind_whose_guidance_sends_no_survey_is_offered_none(db: Database) -> None:
    boss, _, ref = await _provider_case(db, "ch-interim-2014")
    await db.cases.record_event(boss, ref, "publication", date(2026, 3, 27))  # its report, published
    assert (await _offers(db))["requests"] == []


async def test_answers_stay_in_the_payload_and_retention_purges_the_written_one(
    db: Database, clock: Clock
) -> None:
    boss, provider, ref = await _provider_case(db, "asa-full")
    await db.cases.record_event(boss, ref, "final_report", date(2026, 3, 27))
    (request,) = await db.requests.for_case(provider, ref, "survey")
    for key, value in (("overall", 4), ("clarity", None), ("conduct", 5), ("improve", "Earlier feedback")):
        await db.requests.send(provider, request.id, survey.ANSWER, {"question": key, "value": value})
    await db.requests.send(provider, request.id, survey.FINISH)
    done = await db.requests.get(boss, request.id)
    assert done.state == survey.DONE
    answers = {"overall": 4, "clarity": None, "conduct": 5, "improve": "Earlier feedback"}
    assert done.payload["answers"] == answers
    assert "improve" in survey.FLOW.free_text

    await db.cases.close(boss, ref)
    clock.now += timedelta(days=30)
    assert await db.purge_expired(30) == 1
    purged = await db.requests.get(boss, request.id)
    assert purged.payload["answers"] == {"overall": 4, "clarity": None, "conduct": 5, "improve": None}
    assert purged.purged_at is not None
