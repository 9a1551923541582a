"""python-telegram-bot persistence kept in the bot's own SQLite database.

Conversation states and per-user scratch data live beside the cases, so a restart in the middle of a
conversation carries on where the person was, and there is one file to back up. Values are JSON: handlers
keep only plain data (strings, numbers, lists, dicts) in `user_data`, never objects. `bot_data` is not
persisted: it holds the live services (database, calendar) the handlers use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from store.state import StateRepository

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]

_USER = "user_data"
_CHAT = "chat_data"


def _conversation_namespace(name: str) -> str:
    return f"conversation:{name}"


class SQLitePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Stores user, chat and bot data and conversation states through `store.state`."""

    def __init__(self, state: StateRepository, update_interval: float = 5) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self._state = state
        self._pending: dict[tuple[str, str], str | None] = {}
        #: What the database holds for each entry loaded or written (absent: no row), so an entry PTB hands
        #: over unchanged (every update's user and chat data) is not written again.
        self._written: dict[tuple[str, str], str] = {}
        #: Updates whose state was saved with their done mark (the processor need not mark them again).
        self.finished: set[int] = set()

    async def _load_ids(self, namespace: str) -> dict[int, dict[str, Any]]:
        rows = await self._state.get_all(namespace)
        self._written.update(((namespace, key), value) for key, value in rows.items())
        return {int(key): json.loads(value) for key, value in rows.items()}

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return await self._load_ids(_USER)

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return await self._load_ids(_CHAT)

    async def get_bot_data(self) -> dict[str, Any]:
        """Not persisted (see the module docstring)."""
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        namespace = _conversation_namespace(name)
        rows = await self._state.get_all(namespace)
        self._written.update(((namespace, key), value) for key, value in rows.items())
        return {tuple(json.loads(key)): json.loads(value) for key, value in rows.items()}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        value = None if new_state is None else json.dumps(new_state)
        self._stage(_conversation_namespace(name), json.dumps(list(key)), value)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        self._stage(_USER, str(user_id), json.dumps(data) if data else None)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        self._stage(_CHAT, str(chat_id), json.dumps(data) if data else None)

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        """Not persisted (see the module docstring); PTB does not call it with bot_data off."""

    async def update_callback_data(self, data: Any) -> None:
        """Arbitrary callback data is off: buttons carry short strings only."""

    def stage_data(
        self,
        chat_id: int | None,
        chat_data: dict[str, Any] | None,
        user_id: int | None,
        user_data: dict[str, Any] | None,
    ) -> None:
        """What PTB's `update_persistence` stages for one update's chat and person (`update_chat_data`,
        `update_user_data`; data gone or empty deletes the row), at once and without its tasks."""
        if chat_id is not None:
            self._stage(_CHAT, str(chat_id), json.dumps(chat_data) if chat_data else None)
        if user_id is not None:
            self._stage(_USER, str(user_id), json.dumps(user_data) if user_data else None)

    async def drop_chat_data(self, chat_id: int) -> None:
        self._stage(_CHAT, str(chat_id), None)

    async def drop_user_data(self, user_id: int) -> None:
        self._stage(_USER, str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing else writes user data, so the copy in memory is current."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Nothing else writes chat data, so the copy in memory is current."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """Nothing else writes bot data, so the copy in memory is current."""

    async def flush(self) -> None:
        """Called at shutdown, after PTB's last update_persistence."""
        await self.commit()

    async def commit(self) -> None:
        """Write everything staged since the last commit in one transaction.

        PTB hands over a conversation's new step and the user's data as separate, concurrent calls;
        writing them together means a crash leaves either both or neither on disk.
        """
        changes, self._pending = list(self._pending.items()), {}
        await self._state.write_batch([(namespace, key, value) for (namespace, key), value in changes])
        self._remember(changes)

    async def commit_update(self, update_id: int, chat_id: int | None, user_id: int | None) -> None:
        """Write what one update changed (its chat's and its person's data and conversations), and mark
        it handled, in one transaction (when it changed nothing, neither: see `finished`).

        Updates of different people are handled at once, and PTB's `update_persistence` stages every
        changed entry, including those of updates still being handled. Only this update's own entries
        are written here (nobody else touches them: the processor serialises per chat and per user);
        the others wait for their own update's commit, so a crash never saves a step whose update will
        be handled again.
        """
        ids = {i for i in (chat_id, user_id) if i is not None}
        mine = {key: value for key, value in self._pending.items() if _belongs(key, ids)}
        if not mine:
            return  # nothing to save: the processor marks it handled (bot.app), without waiting
        for key in mine:
            del self._pending[key]
        try:
            await self._state.write_batch(
                [(namespace, key, value) for (namespace, key), value in mine.items()],
                done_update_id=update_id,
            )
        except BaseException:
            for key, value in mine.items():
                self._pending.setdefault(key, value)  # newer values staged meanwhile win
            raise
        self._remember(mine.items())
        self.finished.add(update_id)

    def _stage(self, namespace: str, key: str, value: str | None) -> None:
        entry = (namespace, key)
        if entry not in self._pending and self._written.get(entry) == value:
            return  # the database holds this already
        self._pending[entry] = value

    def _remember(self, written: Iterable[tuple[tuple[str, str], str | None]]) -> None:
        for entry, value in written:
            if value is None:
                self._written.pop(entry, None)
            else:
                self._written[entry] = value


def _belongs(entry: tuple[str, str], ids: set[int]) -> bool:
    """Whether a staged entry is the data or a conversation of one of `ids` (a chat and a person)."""
    namespace, key = entry
    if namespace in (_USER, _CHAT):
        return int(key) in ids
    return any(part in ids for part in json.loads(key) if isinstance(part, int))
