"""The deadlines a case's reminders were last planned from (its basis), kept once per distinct text.

A change compares a case's timeline with its basis to say what moved (store.outbox); cases of one kind
and dates share one (5,317 distinct among 100,000 cases), so each text is stored once under its digest
(`reminder_bases`) and a case names it (`case_bases`): a closure that re-plans 70,000 cases writes their
digests, not ~256 MB of text. Texts no case names any more go with the nightly pruning.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache

import aiosqlite

from store.reads import first_row


@lru_cache(maxsize=4_096)
def digest_of(text: str) -> str:
    """A basis text's key (128 bits of its SHA-256: texts are few and never chosen by anyone)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


async def write(conn: aiosqlite.Connection, texts: Iterable[str], named: list[tuple[int, str]]) -> None:
    """Keep `texts` (distinct, each once) and set each case's basis to the digest it names."""
    await conn.executemany(
        "INSERT INTO reminder_bases (digest, deadlines) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING",
        [(digest_of(text), text) for text in texts],
    )
    await conn.executemany(
        "INSERT INTO case_bases (case_id, digest) VALUES (?, ?)"
        " ON CONFLICT (case_id) DO UPDATE SET digest = excluded.digest",
        named,
    )


async def of_case(conn: aiosqlite.Connection, case_id: int) -> str | None:
    """The case's basis text, or None before its reminders were first planned."""
    row = await first_row(
        conn,
        "SELECT r.deadlines FROM case_bases b JOIN reminder_bases r ON r.digest = b.digest"
        " WHERE b.case_id = ?",
        (case_id,),
    )
    return None if row is None else str(row[0])


async def of_cases(
    conn: aiosqlite.Connection, among: str, batch: str, known: dict[str, str]
) -> dict[int, str]:
    """The basis texts of the cases `among` selects (a JSON array `batch`), by case id: the digests
    read, and each text not in `known` (digest to text, filled here) read once."""
    named = {
        int(r[0]): str(r[1])
        for r in await conn.execute_fetchall(
            f"SELECT case_id, digest FROM case_bases WHERE case_id {among}", (batch,)
        )
    }
    wanted = sorted({d for d in named.values() if d not in known})
    if wanted:
        for digest, text in await conn.execute_fetchall(
            "SELECT digest, deadlines FROM reminder_bases WHERE digest IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        ):
            known[str(digest)] = str(text)
    return {case_id: known[digest] for case_id, digest in named.items()}


async def prune(conn: aiosqlite.Connection) -> int:
    """Forget the texts no case names any more (a case planned again names another); returns how many."""
    cursor = await conn.execute(
        "DELETE FROM reminder_bases WHERE digest NOT IN (SELECT digest FROM case_bases)"
    )
    return cursor.rowcount


async def share(conn: aiosqlite.Connection) -> None:
    """Migration 13's follow-up: each case's basis from `reminder_basis` (one text a case) into the
    shared tables, then that table dropped. Read in chunks: at 100,000 cases the texts are ~450 MB."""
    async with conn.execute("SELECT case_id, deadlines FROM reminder_basis ORDER BY case_id") as cursor:
        while rows := await cursor.fetchmany(5_000):
            texts = {str(r[1]) for r in rows}
            await write(conn, texts, [(int(r[0]), digest_of(str(r[1]))) for r in rows])
    await conn.execute("DROP TABLE reminder_basis")
