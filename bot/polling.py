"""Long polling through the inbox: no update is acknowledged to Telegram before it is in the database.

PTB's Updater asks for the next updates (acknowledging the last ones) before the last ones are handled,
so a crash loses them. Here each batch from `getUpdates` is stored first (`store.inbox`), and only the
next `getUpdates`, with an offset past the stored ones, tells Telegram they arrived. On start, updates
stored but never marked handled are handed over first, in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import cast

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.sending import LimitedBot
from handlers.context import SERVICES_KEY, AskedCase, InspectApplication, Services, people_read
from store.errors import NotFound
from store.inbox import InboxItem, InboxRepository
from store.models import Person
from workflows.questions import case_ref_of

log = logging.getLogger(__name__)

#: Pauses after a failed getUpdates: growing from the first to the last (seconds).
FIRST_PAUSE, LAST_PAUSE = 0.25, 2.0


def _named_case(update: Update) -> int | None:
    """The case a private text (not a command) names by number, as the question handler will read it."""
    message = update.message
    if message is None or not message.text or message.chat.type != "private" or message.text.startswith("/"):
        return None
    return case_ref_of(message.text)


def to_body(update: Update) -> str:
    return json.dumps(update.to_dict(), separators=(",", ":"))


class InboxPoller:
    """Fetches updates, stores them, and hands the new ones to the Application's queue."""

    def __init__(self, application: InspectApplication, inbox: InboxRepository, poll_timeout: int) -> None:
        self._application = application
        self._inbox = inbox
        self._poll_timeout = poll_timeout
        self._offset: int | None = None
        self._conflict_logged = False

    async def replay(self, *, delete_webhook: bool = True) -> int:
        """Hand over the updates stored but not handled before the last stop; returns how many.

        Polling after a run in webhook mode: Telegram refuses getUpdates while a webhook is set, so it
        is removed first (its pending updates stay with Telegram and arrive by getUpdates)."""
        bot = self._application.bot
        if delete_webhook:
            try:
                await bot.delete_webhook()
            except TelegramError as error:
                log.warning("telegram: deleteWebhook failed (%s); polling anyway", type(error).__name__)
        pending = await self._inbox.pending()
        for item in pending:
            update = Update.de_json(json.loads(item.body), bot)
            await self._application.update_queue.put(update)
        if pending:
            log.info(
                "inbox: handling %d update(s) left unhandled by the last run, from %d",
                len(pending),
                pending[0].update_id,
            )
        self._offset = await self._inbox.next_offset()
        return len(pending)

    async def run(self) -> None:
        """Poll until cancelled; failures are logged and retried, never fatal (but a wrong token).

        The update types wanted (all of them) go with the first getUpdates and again after a failed one:
        Telegram keeps them until told otherwise, and sent with every poll (20 names encoded as JSON, then
        as a form) they cost about 0.06 of the 1.46 ms of CPU an update took one at a time (issue 23)."""
        pause = FIRST_PAUSE
        types_told = False
        while True:
            try:
                updates = await self._application.bot.get_updates(
                    offset=self._offset,
                    timeout=self._poll_timeout,
                    allowed_updates=None if types_told else Update.ALL_TYPES,
                )
            except InvalidToken:
                raise
            except Conflict:
                if not self._conflict_logged:
                    log.error(
                        "telegram: another process is fetching this bot's updates (409 Conflict); two "
                        "inspectbot processes on one token but different databases is an operator error"
                    )
                    self._conflict_logged = True
                types_told = False  # the other process may have told Telegram other types
                await asyncio.sleep(pause)
                pause = min(pause * 2, LAST_PAUSE)
                continue
            except RetryAfter as error:
                await asyncio.sleep(float(error.retry_after if isinstance(error.retry_after, int) else 1))
                continue
            except (NetworkError, TelegramError) as error:
                log.warning(
                    "telegram: getUpdates failed (%s); trying again in %.2f s", type(error).__name__, pause
                )
                types_told = False
                await asyncio.sleep(pause)
                pause = min(pause * 2, LAST_PAUSE)
                continue
            pause = FIRST_PAUSE
            types_told = True
            if not updates:
                continue
            await self._accept(updates)

    async def _accept(self, updates: tuple[Update, ...]) -> None:
        """Store first; then the offset moves on (the next getUpdates acknowledges); then hand over.

        Who sent each update is read in the same round trip as the store (`Database.write_together`),
        for `handlers.context.load_person`, and so is the case a private text names by number ("#12"),
        for `handlers.due`: a question naming its case costs two round trips in all (issue 23).
        """
        bot = self._application.bot
        raw: dict[int, str] = bot.raw_updates if isinstance(bot, LimitedBot) else {}
        items = [InboxItem(u.update_id, raw.get(u.update_id) or to_body(u)) for u in updates]
        senders = {u.update_id: u.effective_user.id for u in updates if u.effective_user is not None}
        named = {
            update_id: ref
            for update_id, ref in ((u.update_id, _named_case(u)) for u in updates)
            if ref is not None
        }
        db = cast(Services, self._application.bot_data[SERVICES_KEY]).db

        async def store_and_read() -> tuple[
            list[int], dict[int, Person | None], dict[int, tuple[Person, AskedCase]], int
        ]:
            fresh = await self._inbox.store(items)
            who = {uid: await db.people.get_by_telegram_id(uid) for uid in set(senders.values())}
            cases: dict[int, tuple[Person, AskedCase]] = {}
            for update_id in set(fresh).intersection(named).intersection(senders):
                asker = who[senders[update_id]]
                if asker is None or not asker.active:
                    continue  # refused by the handler, which reads no case
                try:
                    cases[update_id] = asker, await db.cases.get(asker, named[update_id])
                except NotFound as exc:
                    cases[update_id] = asker, exc  # answered by the handler, as if it had read it there
                except Exception as exc:  # not the batch's business: the handler reads it again, meets it
                    # and reports it whole (handlers.setup.on_error); here its kind only
                    log.warning(
                        "inbox: the case of update %d was not read ahead (%s)", update_id, type(exc).__name__
                    )
            return fresh, who, cases, db.generation

        stored, people, cases, generation = await db.write_together(store_and_read)
        read = people_read(self._application.bot_data)
        for update_id in stored:
            if update_id in senders:
                read.keep(update_id, generation, people[senders[update_id]])
            if update_id in cases:
                asker, found = cases[update_id]
                read.keep_case(update_id, generation, asker, named[update_id], found)
        fresh = set(stored)
        self._offset = max(u.update_id for u in updates) + 1
        for update in updates:
            if update.update_id in fresh:
                await self._application.update_queue.put(update)
