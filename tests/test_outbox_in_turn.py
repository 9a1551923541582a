"""One person's outbox groups go out in claim order even when an earlier one is slower to render."""

from __future__ import annotations

import asyncio

from bot.outbox import InTurn


async def test_a_slow_first_group_is_not_overtaken_by_later_ones_to_the_same_person() -> None:
    turns, sent = InTurn(), []

    async def group(person: int, name: str, render_s: float) -> None:
        async with turns.of(person):
            await asyncio.sleep(render_s)  # rendering: reads the database
            sent.append(name)

    await asyncio.gather(
        group(1, "decision", 0.05), group(1, "moved", 0.0), group(2, "other", 0.0), group(1, "third", 0.0)
    )
    assert [name for name in sent if name != "other"] == ["decision", "moved", "third"]
    assert sent.index("other") < sent.index("decision")  # another person's group is not held back
    assert turns._turns == {}  # nothing kept once everyone's turn is over
