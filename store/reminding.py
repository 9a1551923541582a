"""The outbox's share of the application's state, held by the store's connection (`db.reminding`): the
reminder settings and the count of rows written. Low in the store, below `store.connection`, so every
repository that writes outbox rows reaches it through the `Connection` it takes (store.outbox re-exports
both names).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON
from workflows.reminders import Hours


@dataclass(frozen=True)
class ReminderConfig:
    """When reminders go and which days count: the bot's settings (INSPECTBOT_REMIND_AT, INSPECTBOT_TZ,
    INSPECTBOT_CLOSURES), held by its `Database` (`db.reminding.config`)."""

    hours: Hours = field(default_factory=lambda: Hours(LONDON))
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)


class Reminding:
    """The outbox's share of the application's state, one per `Database` (`db.reminding`) and passed down
    to whatever writes rows: the reminder settings, and a count of the rows written that may be due soon,
    which the sender (bot/outbox.py) compares with the count it last saw to wake early. Not module state:
    two databases in one process (the tests, a CLI beside a bot) keep their own."""

    def __init__(self, config: ReminderConfig) -> None:
        self.config = config
        self.writes = 0

    def wrote(self) -> None:
        self.writes += 1
