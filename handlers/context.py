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

    async def reload_person(self) -> Person | None:
        """Read the person again, after this update itself changed who they are (they just joined)."""
        user_id = self._user_id
        self._person = None if user_id is None else await self.services.db.people.get_by_telegram_id(user_id)
        self._person_loaded = True
        return self._person


async def load_person(update: object, context: InspectContext) -> None:
    """Group -1: who is asking, read once for every handler of this update."""
    await context.reload_person()


InspectApplication = Application[
    ExtBot[None], InspectContext, dict[str, Any], dict[str, Any], dict[str, Any], Any
]


#: What each handler module contributes to the table; the return type varies by step, so it is Any.
Handler = BaseHandler[Update, "InspectContext", Any]


def install_services(application: InspectApplication, services: Services) -> None:
    application.bot_data[SERVICES_KEY] = services
