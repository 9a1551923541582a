"""The update processor: people in parallel, each person's updates in order; and saving one update's
conversation state without saving another's that is still being handled."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from telegram import Chat, Message, Update, User

from bot.persistence import SQLitePersistence
from bot.processor import PersonProcessor
from store import changes
from store.database import Database
from store.inbox import InboxItem


def _update(update_id: int, user_id: int, chat_id: int | None = None) -> Update:
    chat = Chat(chat_id or user_id, "private" if chat_id is None else "group")
    message = Message(update_id, datetime.now(), chat, from_user=User(user_id, "P", False), text="x")
    return Update(update_id, message=message)


async def test_one_person_in_order_different_people_at_once() -> None:
    done: list[int] = []
    processor = PersonProcessor(running=4, on_done=lambda uid: _append(done, uid))
    await processor.initialize()
    log: list[str] = []
    started = {1: asyncio.Event(), 3: asyncio.Event()}
    release = asyncio.Event()

    async def work(name: str, update_id: int, wait: bool) -> None:
        log.append(f"start {name} {changes.replayed() is None}")
        if update_id in started:
            started[update_id].set()
        if wait:
            await release.wait()
        log.append(f"end {name}")

    first = asyncio.create_task(processor.process_update(_update(1, 10), work("a1", 1, True)))
    second = asyncio.create_task(processor.process_update(_update(2, 10), work("a2", 2, False)))
    other = asyncio.create_task(processor.process_update(_update(3, 20), work("b1", 3, False)))
    await asyncio.wait_for(started[3].wait(), 2)  # person 20 is not held up by person 10
    await started[1].wait()
    assert "start a2 True" not in log  # person 10's second update waits for the first
    release.set()
    await asyncio.gather(first, second, other)
    assert log.index("end a1") < log.index("start a2 True")
    assert sorted(done) == [1, 2, 3]


async def _append(done: list[int], update_id: int) -> None:
    done.append(update_id)


async def test_a_group_flood_does_not_take_the_running_places() -> None:
    processor = PersonProcessor(running=2)
    await processor.initialize()
    gate = asyncio.Event()

    async def slow() -> None:
        await gate.wait()

    async def quick() -> None:
        return None

    flood = [
        asyncio.create_task(processor.process_update(_update(100 + n, 30 + n % 3, -5), slow()))
        for n in range(30)
    ]
    await asyncio.sleep(0)
    await asyncio.wait_for(
        processor.process_update(_update(999, 77), quick()), 2
    )  # a private chat gets a place
    gate.set()
    await asyncio.gather(*flood)


async def test_commit_update_writes_only_that_updates_chat_and_person(db: Database) -> None:
    persistence = SQLitePersistence(db.state)
    await persistence.update_user_data(10, {"step": "a"})
    await persistence.update_user_data(20, {"step": "b"})  # another person, still being handled
    await persistence.update_conversation("newcase", (10, 10), 2)
    await persistence.update_conversation("newcase", (20, 20), 3)
    await persistence.commit_update(1, 10, 10)
    assert await db.state.get_all("user_data") == {"10": json.dumps({"step": "a"})}
    assert await db.state.get_all("conversation:newcase") == {json.dumps([10, 10]): "2"}
    await persistence.commit()  # the rest when its own update commits (or at shutdown)
    assert set(await db.state.get_all("user_data")) == {"10", "20"}


async def test_stage_data_writes_a_person_s_data_once_and_drops_it_when_emptied(db: Database) -> None:
    """`bot.app._persist_now` stages an update's chat and person data itself while no conversation step
    waits (issue 23): what changed is written with the done mark, what did not is not written again."""
    persistence = SQLitePersistence(db.state)
    await db.inbox.store([InboxItem(n, "{}") for n in (1, 2, 3)])
    persistence.stage_data(10, {}, 10, {"question": "when?"})
    await persistence.commit_update(1, 10, 10)
    assert await db.state.get_all("user_data") == {"10": json.dumps({"question": "when?"})}
    assert await db.state.get_all("chat_data") == {}
    assert await db.inbox.is_done(1)

    persistence.stage_data(10, None, 10, {"question": "when?"})  # unchanged: nothing to write
    assert not persistence._pending
    await persistence.commit_update(2, 10, 10)
    assert not await db.inbox.is_done(2) and 2 not in persistence.finished  # bot.app's processor marks it

    persistence.stage_data(10, None, 10, {})  # emptied: the row goes
    await persistence.commit_update(3, 10, 10)
    assert await db.state.get_all("user_data") == {}
    assert await db.inbox.is_done(3)
