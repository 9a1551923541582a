"""The edits a decision writes (issue 11): every copy of the request's previous version that offered its
reader buttons, sent or being sent, gets one `request_edit` row in the decision's transaction; the mover's
own copy, copies that never had buttons and copies not yet sent get none."""

from __future__ import annotations

import json
from typing import Any

from store.database import Database
from tests.test_store_requests import build


async def _rows(db: Database, sql: str, *args: object) -> list[tuple[Any, ...]]:
    async with db.reading() as conn, conn.execute(sql, args) as cur:
        return [tuple(r) for r in await cur.fetchall()]


async def _deliver(db: Database, person_id: int, request_id: int, state: str = "sent") -> int:
    """Pretend the sender took (or sent) this person's copy: the message id it would have had."""
    message_id = 500 + person_id
    async with db.transaction(counted=False) as conn:
        await conn.execute(
            "UPDATE outbox SET state = ?, message_id = ? WHERE person_id = ? AND template = 'request'"
            " AND json_extract(params, '$.request_id') = ?",
            (state, message_id if state == "sent" else None, person_id, request_id),
        )
    return message_id


async def _edits(db: Database) -> list[tuple[int, dict[str, Any]]]:
    found = await _rows(
        db, "SELECT person_id, params, kind FROM outbox WHERE template = 'request_edit' ORDER BY id"
    )
    assert all(kind == "reply" for _, _, kind in found)  # goes at once, at any hour: an edit makes no sound
    return [(int(person), json.loads(str(params))) for person, params, _ in found]


async def test_a_decision_edits_the_other_deciders_copies_that_are_out(db: Database) -> None:
    w = await build(db)
    asked = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "major_incident"})
    rid = asked.request.id
    told = await _rows(db, "SELECT person_id FROM outbox WHERE template = 'request' ORDER BY person_id")
    assert {p for (p,) in told} == {w.boss.id, w.other_boss.id, w.inspector.id}
    mine = await _deliver(db, w.boss.id, rid)
    await _deliver(db, w.other_boss.id, rid, "sending")  # in flight when the decision is made
    await _deliver(db, w.inspector.id, rid)
    copy = await db.outbox.shown_copy(w.boss, mine)
    assert copy is not None and copy.params["event"] == "ask" and copy.params["version"] == 1
    assert await db.outbox.shown_copy(w.other_boss, mine) is None  # someone else's message

    approved = await db.requests.send(w.boss, rid, "approve", {"start": "2026-06-29"}, version=1)
    assert approved.applied
    edits = await _edits(db)
    # Not the approver's own (the press handler edits it), not the inspector's (it had no buttons).
    assert [person for person, _ in edits] == [w.other_boss.id]
    params = edits[0][1]
    assert params["request_id"] == rid and params["version"] == 2 and params["state"] == "approved"
    assert params["by"] == w.boss.id and params["at"]
    original = await db.outbox.copy(int(params["row"]))
    assert original is not None and original.person_id == w.other_boss.id and original.state == "sending"

    # A stale press changes nothing, and writes no edit.
    stale = await db.requests.send(w.other_boss, rid, "decline", {"reason": "no"}, version=1)
    assert not stale.applied
    assert len(await _edits(db)) == 1


async def test_a_withdrawal_edits_the_managers_copies_but_not_one_still_waiting(db: Database) -> None:
    w = await build(db)
    asked = await db.requests.open(w.provider, w.future, "deferral", "ask", {"ground": "major_incident"})
    rid = asked.request.id
    await _deliver(db, w.boss.id, rid)  # the other manager's copy is still pending: rendered when sent
    withdrawn = await db.requests.send(w.provider, rid, "withdraw")
    assert withdrawn.applied and withdrawn.request.state == "withdrawn"
    edits = await _edits(db)
    assert [(person, p["state"], p["by"]) for person, p in edits] == [(w.boss.id, "withdrawn", w.provider.id)]
