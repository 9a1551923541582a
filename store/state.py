"""A small key-value store the Telegram persistence layer keeps conversation and user data in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.codec import time_to_text

if TYPE_CHECKING:
    from store.connection import Connection
    from store.inbox import InboxRepository


class StateRepository:
    """Values are opaque strings (the caller serialises); namespaces keep callers apart."""

    def __init__(self, db: Connection, inbox: InboxRepository) -> None:
        self._db = db
        self._inbox = inbox  # an update is marked handled with the state it led to

    async def get_all(self, namespace: str) -> dict[str, str]:
        async with self._db.reading() as conn:
            return {
                row["key"]: row["value"]
                for row in await conn.execute_fetchall(
                    "SELECT key, value FROM kv_state WHERE namespace = ? ORDER BY key", (namespace,)
                )
            }

    async def put(self, namespace: str, key: str, value: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO kv_state (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (namespace, key)"
                " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (namespace, key, value, time_to_text(self._db.now())),
            )

    async def delete(self, namespace: str, key: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM kv_state WHERE namespace = ? AND key = ?", (namespace, key))

    async def write_batch(
        self, changes: list[tuple[str, str, str | None]], *, done_update_id: int | None = None
    ) -> None:
        """Apply (namespace, key, value) changes in one transaction; a None value deletes the key.

        The Telegram layer saves a conversation's step and its answers together this way, so a crash
        can never leave a step on disk without the answers it depends on; with `done_update_id`, the
        update that led to them is marked handled in the same transaction, so it is replayed after a
        crash exactly when its step was not saved.
        """
        if not changes:
            if done_update_id is not None:  # most updates: nothing but the done mark to write
                await self._inbox.mark_done(done_update_id)
            return
        now = time_to_text(self._db.now())
        async with self._db.transaction(counted=False) as conn:
            if done_update_id is not None:
                await self._inbox.mark_done_in(conn, done_update_id)
            for namespace, key, value in changes:
                if value is None:
                    await conn.execute(
                        "DELETE FROM kv_state WHERE namespace = ? AND key = ?", (namespace, key)
                    )
                else:
                    await conn.execute(
                        "INSERT INTO kv_state (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (namespace, key)"
                        " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                        (namespace, key, value, now),
                    )
