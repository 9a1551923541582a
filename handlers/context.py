"""What every handler can reach: the database, the calendar and the clock, through the callback context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, BaseHandler, CallbackContext, ExtBot

from store.codec import utc_now
from store.database import Database
from store.models import Person
from workflows.calendar import WorkingCalendar

SERVICES_KEY = "services"
#: Where `PeopleRead` is kept in bot_data.
PEOPLE_READ_KEY = "people_read"


class PeopleRead:
    """Who sent each stored update, read with the inbox's write of its batch (`bot.polling`): one round
    trip for both, so `load_person` needs none (issue 23).

    Such a read stands while the database's `generation` is the one it was read at: any write
    transaction of this process since (a person invited, changed or deactivated) sends `load_person` to
    the database again. Another process's change (the command line) made between the batch's arrival
    and its handling is not seen: the same race as a change made just after `load_person` read.
    """

    def __init__(self) -> None:
        self._read: dict[int, tuple[int, Person | None]] = {}

    def keep(self, update_id: int, generation: int, person: Person | None) -> None:
        self._read[update_id] = (generation, person)

    def take(self, update_id: int, generation: int) -> tuple[bool, Person | None]:
        """(True, the person) when one was read for this update and still stands; (False, None) else.
        Either way it is forgotten."""
        read = self._read.pop(update_id, None)
        if read is None or read[0] != generation:
            return False, None
        return True, read[1]

    def forget(self, update_id: int) -> None:
        """The update was handled (or stopped before `load_person`, by a guard)."""
        self._read.pop(update_id, None)


def people_read(bot_data: dict[str, Any]) -> PeopleRead:
    """The application's `PeopleRead` (made on first use)."""
    found = bot_data.get(PEOPLE_READ_KEY)
    if not isinstance(found, PeopleRead):
        found = bot_data[PEOPLE_READ_KEY] = PeopleRead()
    return found


@dataclass(frozen=True)
class Services:
    """The I/O the handlers need, built once by `bot.app` and shared by every update."""

    db: Database
    calendar: WorkingCalendar
    zone: ZoneInfo
    bot_username: str
    clock: Callable[[], datetime] = utc_now

    def today(self) -> date:
        """Today in England, which is what every deadline is counted against."""
        return self.clock().astimezone(self.zone).date()


class InspectContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """A callback context that knows the bot's services (kept in the unpersisted `bot_data`) and who is
    asking.

    PTB builds one context per update and hands it to every group, so the person read by
    `load_person` (group -1) is the one every handler of the update sees: one lookup per update.
    """

    def __init__(self, application: Any, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self._person: Person | None = None
        self._person_loaded = False

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data[SERVICES_KEY])

    @property
    def person(self) -> Person | None:
        """The invited person behind this update, or None; read once per update by `load_person`."""
        if not self._person_loaded:
            raise RuntimeError("the person was not loaded: is load_person installed in group -1?")
        return self._person

    def use_person(self, person: Person | None) -> None:
        """The person behind this update, read already (`PeopleRead`)."""
        self._person = person
        self._person_loaded = True

    async def reload_person(self) -> Person | None:
        """Read the person again, after this update itself changed who they are (they just joined)."""
        user_id = self._user_id
        self._person = None if user_id is None else await self.services.db.people.get_by_telegram_id(user_id)
        self._person_loaded = True
        return self._person


async def load_person(update: object, context: InspectContext) -> None:
    """Group -1: who is asking, read once for every handler of this update (or already, with the inbox's
    write of its batch: `PeopleRead`)."""
    if isinstance(update, Update):
        known, person = people_read(context.bot_data).take(update.update_id, context.services.db.generation)
        if known:
            context.use_person(person)
            return
    await context.reload_person()


InspectApplication = Application[
    ExtBot[None], InspectContext, dict[str, Any], dict[str, Any], dict[str, Any], Any
]


#: What each handler module contributes to the table; the return type varies by step, so it is Any.
Handler = BaseHandler[Update, "InspectContext", Any]


def install_services(application: InspectApplication, services: Services) -> None:
    application.bot_data[SERVICES_KEY] = services
