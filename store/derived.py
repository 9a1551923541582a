"""What the store keeps derived from a case, refreshed in the same transaction as every change to it.

Every repository method that changes a case (created, recorded, undone, corrected, closed, reopened,
someone joining it) calls `case_changed` inside its transaction, so derived rows are never stale and a
change and what follows from it commit together. Each kind of derived row has its own module, called here
in order: the stored deadlines first (`store.deadlines`), the setting's next-inspection window read
from them (`store.setting_windows`), then the reminders computed from them (the
outbox's issue: read a case's rows with `deadlines_of`).

What follows a case change in other repositories (the survey offered once its moment is recorded, the
case review an outcome calls for) is an `AfterChange` the case repository is handed by `store.database`:
those repositories open requests, whose transitions change cases in turn, so cases can't import them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from store import consistency, deadlines, outbox, setting_windows
from store.models import Case
from workflows.calendar import WorkingCalendar
from workflows.deadlines import Deadline
from workflows.reminders import judgement_change_told


@dataclass(frozen=True)
class AfterChange:
    """What a case change sets off in other repositories, inside the change's transaction (on its
    connection), so the change and what follows from it commit together."""

    #: A recorded date may make the kind's survey due: offer it to the providers (store.requests).
    offer_survey: Callable[[aiosqlite.Connection, aiosqlite.Row], Awaitable[object]]
    #: An outcome set or undone may call for a case review: open it (store.reviews), given the case ref.
    prompt_review: Callable[[aiosqlite.Connection, int], Awaitable[object]]


async def case_changed(
    conn: aiosqlite.Connection,
    case_id: int,
    now: datetime,
    calendar: WorkingCalendar,
    reminding: outbox.Reminding,
    *,
    changed_by: int | None = None,
) -> None:
    """Bring every derived row of case `case_id` up to date, inside the caller's transaction; the person
    `changed_by` (a people id) made the change and is sent no notices of it. `calendar` and `reminding`
    are the database's (`db.calendar`, `db.reminding`)."""
    await deadlines.refresh(conn, case_id, calendar)
    await setting_windows.case_changed(conn, case_id)
    await outbox.reconcile_case(conn, reminding, case_id, now, changed_by=changed_by)


async def judgement_changed(
    conn: aiosqlite.Connection, reminding: outbox.Reminding, case: Case, before: str | None, now: datetime
) -> None:
    """After a case's judgement was set or undone, inside that transaction: its providers are told at
    once when the kind's guidance says so and the draft report is not yet sent (000 L1238, 003 L968)."""
    records = consistency.case_dates(case).records
    if case.judgement is not None and judgement_change_told(case.kind, before, case.judgement, records):
        await outbox.tell_judgement_changed(conn, reminding, now, case, before, case.judgement)


async def deadlines_of(conn: aiosqlite.Connection, case_id: int) -> list[Deadline]:
    """Case `case_id`'s stored deadlines, in timeline order, as written by its last change (closed cases
    keep theirs; the case's `status` says whether it is open). Unchecked: for callers inside the store."""
    return await deadlines.stored_deadlines(conn, case_id)
