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
    """A callback context that knows the bot's services (kept in the unpersisted `bot_data`)."""

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data[SERVICES_KEY])


InspectApplication = Application[
    ExtBot[None], InspectContext, dict[str, Any], dict[str, Any], dict[str, Any], Any
]


#: What each handler module contributes to the table; the return type varies by step, so it is Any.
Handler = BaseHandler[Update, "InspectContext", Any]


def install_services(application: InspectApplication, services: Services) -> None:
    application.bot_data[SERVICES_KEY] = services
