"""The case review's two ways in (issue 11): the bot's prompt when an outcome that calls for one is
recorded, and a manager's `/review REF` on any case.

Both open the review through `RequestRepository.open_on`, so it is a request like the others (audit entry,
outbox rows to the managers, compare-and-set transitions after). A case has at most one review that is
not yet decided: recording the judgement again, or undoing it and recording it again, finds the open one
and opens nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiosqlite

from store import changes, guard
from store.errors import PermissionDenied
from store.models import Person
from store.requests import Request, RequestRepository, requests_of
from workflows import case_review
from workflows.flows import NEW, Party, party_of
from workflows.kinds import KINDS

if TYPE_CHECKING:
    from store.connection import Connection

KIND = case_review.MACHINE.kind


async def open_review(conn: aiosqlite.Connection, case_id: int) -> Request | None:
    """The case's review still waiting for its debrief or decision, if there is one."""
    final = case_review.MACHINE.final
    return next(
        (r for r in await requests_of(conn, case_id) if r.kind == KIND and r.state not in final), None
    )


class ReviewRepository:
    """Opening case reviews: the bot's prompt (inside the recording's transaction) and a manager's start."""

    def __init__(self, db: Connection, requests: RequestRepository) -> None:
        self._db = db
        self._requests = requests  # a review is a request: opened through the request repository

    async def prompt_on(self, conn: aiosqlite.Connection, ref: int) -> Request | None:
        """Inside the transaction that changed the case's outcome: open the review the outcome now calls
        for (`case_review.trigger`), as the bot, unless one is already open. Returns the new review."""
        row = await guard.case_row(conn, ref)
        if row is None:
            raise RuntimeError(f"case #{ref} vanished inside its own transaction")
        if case_review.trigger(KINDS[row["kind"]], row["judgement"], bool(row["concerns"])) is None:
            return None
        if await open_review(conn, row["id"]) is not None:
            return None
        sent = await self._requests.open_on(conn, None, row, KIND, case_review.START, system=True)
        return sent.request

    async def start(self, actor: Person, ref: int) -> tuple[Request, bool]:
        """A manager's `/review REF`: the open review, or a new one (True) when none is open. The case's
        inspector, who may give the debrief, may look up an open one (and /help sends them here); anyone
        else, or an inspector with none open, is refused (`PermissionDenied`)."""
        async with self._db.transaction() as conn:
            row = await guard.visible_case(conn, actor, ref)
            subject = await guard.subject_of(conn, actor)
            party = party_of(subject, await guard.scope_of(conn, row["id"], row["setting_id"]))
            if party is Party.INSPECTOR and (existing := await open_review(conn, row["id"])) is not None:
                return existing, False
            if party is None or case_review.START not in case_review.MACHINE.events(NEW, party):
                raise PermissionDenied(
                    "Only managers start case reviews; the case's inspector can look up one that is open."
                )
            if (earlier := changes.replayed()) is not None:  # the same update, handled again
                found = [r for r in await requests_of(conn, row["id"]) if r.id == int(earlier)]
                return found[0], True
            existing = await open_review(conn, row["id"])
            if existing is not None:
                return existing, False
            sent = await self._requests.open_on(conn, actor, row, KIND, case_review.START)
            changes.remember(str(sent.request.id))
            return sent.request, True
