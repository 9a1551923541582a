"""The case review's ways in: the bot's prompt in the transaction that records the outcome, never two open
at once, the inspector's DCS email on assurance kinds, and a manager's start on any case."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from store import changes
from store.database import Database
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Person, Role
from tests.storefixtures import first_manager

# The clock (tests.storefixtures) says Monday 1 June 2026.


async def _join(db: Database, boss: Person, role: Role, telegram_id: int, ref: int | None = None) -> Person:
    invite = await db.invites.create(boss, role, case_ref=ref)
    return await db.invites.redeem(invite.code, telegram_id, f"Person {telegram_id}")


async def _finished(db: Database, boss: Person, kind: str = "ch-full") -> int:
    """A case whose visit ended on Wednesday 27 May 2026 (a judgement may be recorded)."""
    case = await db.cases.create(boss, kind, "Oak House", date(2026, 5, 26), date(2026, 5, 27))
    return case.ref


async def _reviews(db: Database, boss: Person, ref: int) -> list[Any]:
    return await db.requests.for_case(boss, ref, "case_review")


async def _rows(db: Database, sql: str, *args: object) -> list[tuple[Any, ...]]:
    async with db.reading() as conn, conn.execute(sql, args) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def test_an_inadequate_judgement_opens_one_review_with_the_managers_prompt(db: Database) -> None:
    boss = await first_manager(db)
    other = await _join(db, boss, Role.MANAGER, 2)
    ref = await _finished(db, boss)
    inspector = await _join(db, boss, Role.INSPECTOR, 3, ref)
    await db.cases.set_outcome(inspector, ref, judgement="good")
    assert await _reviews(db, boss, ref) == []  # nothing calls for one

    await db.cases.set_outcome(inspector, ref, judgement="inadequate")
    (review,) = await _reviews(db, boss, ref)
    assert review.state == "open" and review.last_label == "system" and review.asked_by is None
    assert review.payload["trigger"] == "inadequate"
    assert review.payload["due"] == "2026-06-03"  # 5 working days after Wednesday 27 May
    # The managers are prompted through the outbox (both of them; the inspector only on assurance kinds).
    told = await _rows(
        db, "SELECT person_id, template FROM outbox WHERE batch = ? ORDER BY person_id", f"req:{review.id}:1"
    )
    assert told == [(boss.id, "request"), (other.id, "request")]
    actions = [e.action for e in await db.audit.all()]
    assert actions[actions.index("case.outcome", actions.index("case.outcome") + 1) + 1] == (
        "request.case_review.start"
    )

    # Recording it again, and undoing it and recording it again, opens no second review while one is open.
    await db.cases.set_outcome(inspector, ref, judgement="inadequate")
    entry = await db.cases.last_recorded(boss, ref)
    assert entry is not None
    await db.cases.undo(boss, ref, entry.id)
    await db.cases.set_outcome(inspector, ref, judgement="inadequate")
    assert [r.id for r in await _reviews(db, boss, ref)] == [review.id]


async def test_undo_back_to_inadequate_after_a_decided_review_prompts_again(db: Database) -> None:
    boss = await first_manager(db)
    ref = await _finished(db, boss)
    await db.cases.set_outcome(boss, ref, judgement="inadequate")
    (first,) = await _reviews(db, boss, ref)
    await db.requests.send(boss, first.id, "debrief", {"recommendation": "Monitor"})
    await db.requests.send(boss, first.id, "decide", {"decision": "monitoring_visit"})
    await db.cases.set_outcome(boss, ref, judgement="good")  # corrected...
    entry = await db.cases.last_recorded(boss, ref)
    assert entry is not None
    await db.cases.undo(boss, ref, entry.id)  # ...and the correction undone: inadequate again
    states = [(r.id == first.id, r.state) for r in await _reviews(db, boss, ref)]
    assert states == [(True, "decided"), (False, "open")]


async def test_concerns_on_an_assurance_kind_tell_the_inspector_to_email_the_dcs(db: Database) -> None:
    boss = await first_manager(db)
    ref = await _finished(db, boss, "ch-assurance")
    inspector = await _join(db, boss, Role.INSPECTOR, 3, ref)
    await db.cases.set_outcome(inspector, ref, concerns=False)
    assert await _reviews(db, boss, ref) == []
    await db.cases.set_outcome(inspector, ref, concerns=True)
    (review,) = await _reviews(db, boss, ref)
    assert review.payload["trigger"] == "concerns"
    assert review.payload["dcs_email_due"] == "2026-05-28"  # the end of the next working day
    told = await _rows(
        db, "SELECT person_id FROM outbox WHERE batch = ? ORDER BY person_id", f"req:{review.id}:1"
    )
    assert told == [(boss.id,), (inspector.id,)]  # the recorder is told too: the bot is the one asking


async def test_a_refused_recording_opens_nothing(db: Database) -> None:
    boss = await first_manager(db)
    future = await db.cases.create(boss, "ch-full", "Elm House", date(2026, 6, 15), date(2026, 6, 16))
    with pytest.raises(InvalidInput):
        await db.cases.set_outcome(boss, future.ref, judgement="inadequate")  # before the visit
    assert await _reviews(db, boss, future.ref) == []
    assert await _rows(db, "SELECT count(*) FROM outbox WHERE template = 'request'") == [(0,)]


async def test_a_manager_starts_a_review_on_any_case_its_inspector_looks_it_up_others_cannot(
    db: Database,
) -> None:
    boss = await first_manager(db)
    ref = await _finished(db, boss)
    inspector = await _join(db, boss, Role.INSPECTOR, 3, ref)
    provider = await _join(db, boss, Role.PROVIDER, 4, ref)
    await db.cases.set_outcome(boss, ref, judgement="good")
    with pytest.raises(PermissionDenied):  # none open: only a manager starts one
        await db.reviews.start(inspector, ref)
    started, new = await db.reviews.start(boss, ref)
    assert new and started.state == "open" and started.payload["trigger"] == "manual"
    assert started.payload["due"] is None  # a good judgement sets no case-review deadline
    again, new = await db.reviews.start(boss, ref)
    assert not new and again.id == started.id
    # The case's inspector, who may give the debrief, looks up the open one; it starts nothing.
    seen, new = await db.reviews.start(inspector, ref)
    assert not new and seen.id == started.id
    with pytest.raises(PermissionDenied):
        await db.reviews.start(provider, ref)
    with pytest.raises(NotFound):
        await db.reviews.start(boss, 99)
    assert len(await _reviews(db, boss, ref)) == 1


async def test_a_start_handled_twice_opens_one_review(db: Database) -> None:
    boss = await first_manager(db)
    ref = await _finished(db, boss)
    with changes.handling(7):
        first, new = await db.reviews.start(boss, ref)
    with changes.handling(7):  # the process died before the update was marked done
        again, replayed_new = await db.reviews.start(boss, ref)
    assert new and replayed_new and again.id == first.id
    assert len(await _reviews(db, boss, ref)) == 1
