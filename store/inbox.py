"""Telegram updates kept until they are handled: the inbox the bot writes before acknowledging them."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import aiosqlite

from store.codec import time_to_text
from store.reads import first_row

if TYPE_CHECKING:
    from store.connection import Connection


#: Rows in one INSERT (3 parameters each: far below SQLite's limit of 32,766); Telegram sends at most 100
#: updates a getUpdates.
_ROWS_A_STATEMENT = 100


@dataclass(frozen=True)
class InboxItem:
    update_id: int
    body: str


class InboxRepository:
    """Bodies are opaque JSON text (the bot serialises); the store only keeps and orders them."""

    def __init__(self, db: Connection) -> None:
        self._db = db
        #: Done marks waiting for the one being written (`mark_done`), and whether one is.
        self._marks: list[tuple[int, asyncio.Future[None]]] = []
        self._marking = False
        #: Marks handed to the writing connection's thread and not yet written (`mark_done_soon`), shared
        #: with that thread.
        self._soon: list[int] = []
        self._soon_lock = threading.Lock()

    async def store(self, items: list[InboxItem]) -> list[int]:
        """Keep every item (`INSERT OR IGNORE`: a repeated delivery changes nothing); returns the ids that
        were new, in order, so only those are handed on for handling.

        One statement a batch (SQLite commits it whole, and `RETURNING` names the rows it added), so a
        batch of updates is one round trip to the database's thread, not one per update.
        """
        if not items:
            return []
        now = time_to_text(self._db.now())
        added: set[int] = set()
        for first in range(0, len(items), _ROWS_A_STATEMENT):
            chunk = items[first : first + _ROWS_A_STATEMENT]
            rows = await self._db.write_alone_returning(
                "INSERT OR IGNORE INTO inbox (update_id, body, received_at) VALUES "
                + ", ".join(["(?, ?, ?)"] * len(chunk))
                + " RETURNING update_id",
                tuple(value for item in chunk for value in (item.update_id, item.body, now)),
            )
            added.update(int(row[0]) for row in rows)
        fresh: list[int] = []
        for item in items:
            if item.update_id in added:
                added.discard(item.update_id)  # a batch naming one update twice hands it on once
                fresh.append(item.update_id)
        return fresh

    async def pending(self) -> list[InboxItem]:
        """Updates stored but not handled (the process stopped first), oldest first."""
        async with self._db.reading() as conn:
            return [
                InboxItem(int(row["update_id"]), str(row["body"]))
                for row in await conn.execute_fetchall(
                    "SELECT update_id, body FROM inbox WHERE done_at IS NULL ORDER BY update_id"
                )
            ]

    async def next_offset(self) -> int | None:
        """The `getUpdates` offset that acknowledges everything stored; None when nothing ever was."""
        async with self._db.reading() as conn:
            row = await first_row(conn, "SELECT MAX(update_id) FROM inbox")
        return None if row is None or row[0] is None else int(row[0]) + 1

    async def mark_done(self, update_id: int) -> None:
        """Mark one update handled (no state goes with it); returns once the mark is committed.

        Marks asked for while one is being written wait and go together in the next statement (a group
        commit): updates handled at once share round trips (issue 23), and none returns before its own
        mark is on disk, so a crash replays exactly the unmarked ones, as before."""
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((update_id, mine))
        if not self._marking:
            self._marking = True
            try:
                await self._write_marks()
            finally:
                self._marking = False
        await mine

    def mark_done_soon(self, update_id: int, on_failure: Callable[[BaseException], object]) -> bool:
        """Mark one update handled without waiting for the mark to be written (`Connection.write_soon`):
        marks handed over before the statement runs go in it together. A failure goes to `on_failure`
        (the marks are then not written: those updates are handled again at the next start). False when
        it can't be handed over now (a transaction holds the writing connection): `mark_done` then."""
        with self._soon_lock:
            self._soon.append(update_id)
            if len(self._soon) > 1:
                return True  # the statement handed over for the first of them has not run: it takes this one
        if self._db.write_soon(self._write_marks_soon, on_failure):
            return True
        with self._soon_lock:  # no statement of this list was handed over, so the thread can't have taken it
            self._soon.remove(update_id)
        return False

    def _write_marks_soon(self, conn: sqlite3.Connection) -> None:
        """On the writing connection's thread: every mark handed over so far, a statement a group."""
        with self._soon_lock:
            marks, self._soon = self._soon, []
        now = time_to_text(self._db.now())
        for first in range(0, len(marks), _ROWS_A_STATEMENT * 3):
            group = marks[first : first + _ROWS_A_STATEMENT * 3]
            conn.execute(
                "UPDATE inbox SET done_at = ? WHERE done_at IS NULL AND update_id IN ("
                + ", ".join("?" * len(group))
                + ")",
                (now, *group),
            )

    async def _write_marks(self) -> None:
        """Write the waiting marks, a statement a group, until none waits. A failure goes to every
        waiting caller through its future (the writing caller's own included), not raised here."""
        while self._marks:
            group, self._marks = self._marks[: _ROWS_A_STATEMENT * 3], self._marks[_ROWS_A_STATEMENT * 3 :]
            try:
                await self._db.write_alone(
                    "UPDATE inbox SET done_at = ? WHERE done_at IS NULL AND update_id IN ("
                    + ", ".join("?" * len(group))
                    + ")",
                    (time_to_text(self._db.now()), *(update_id for update_id, _ in group)),
                )
            except BaseException as exc:
                waiting, self._marks = group + self._marks, []
                for _, future in waiting:
                    if future.done():  # its caller was cancelled meanwhile
                        continue
                    if isinstance(exc, Exception):
                        future.set_exception(exc)
                    else:  # cancelled (or stopping): nobody is left to write them
                        future.cancel()
                return
            for _, future in group:
                if not future.done():
                    future.set_result(None)

    async def mark_done_in(self, conn: aiosqlite.Connection, update_id: int) -> None:
        """Mark done inside a transaction the caller holds (with the conversation state it saves)."""
        await conn.execute(
            "UPDATE inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL",
            (time_to_text(self._db.now()), update_id),
        )

    async def is_done(self, update_id: int) -> bool:
        async with self._db.reading() as conn:
            row = await first_row(conn, "SELECT done_at FROM inbox WHERE update_id = ?", (update_id,))
        return row is not None and row[0] is not None

    async def prune(self, older_than: timedelta) -> int:
        """Forget handled updates and their change records older than `older_than`; the newest update
        stays, so the next offset is still known. Returns how many updates were forgotten."""
        cutoff = time_to_text(self._db.now() - older_than)
        async with self._db.transaction(counted=False) as conn:
            cursor = await conn.execute(
                "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?"
                " AND update_id < (SELECT MAX(update_id) FROM inbox)",
                (cutoff,),
            )
            await conn.execute("DELETE FROM update_changes WHERE at < ?", (cutoff,))
            return cursor.rowcount
