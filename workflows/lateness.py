"""How far away, or how late, a deadline is, in working days: one answer for the chat and the CLI.

Late counts the working days since the deadline, not from it: due Monday and asked on Saturday is 4
working days late (Tuesday to Friday); due Friday and asked at the weekend is "overdue" (no working day
has passed since).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from workflows.calendar import WorkingCalendar


class When(StrEnum):
    TODAY = "today"
    AHEAD = "ahead"
    LATE = "late"


@dataclass(frozen=True)
class Distance:
    """`working_days` is positive ahead, negative late, 0 today or with no working day in between."""

    when: When
    working_days: int

    def __str__(self) -> str:
        """'today', '4 working days from today', 'before the next working day', '2 working days late'."""
        if self.when is When.TODAY:
            return "today"
        if self.when is When.AHEAD:
            if self.working_days == 0:  # a weekend or bank holiday before the next working day
                return "before the next working day"
            return f"{_days(self.working_days)} from today"
        if self.working_days == 0:  # due on Friday, asked at the weekend
            return "overdue"
        return f"{_days(-self.working_days)} late"


def distance(due: date, today: date, calendar: WorkingCalendar) -> Distance:
    """How far `due` is from `today`, as the rules count working days."""
    if due == today:
        return Distance(When.TODAY, 0)
    if due > today:
        return Distance(When.AHEAD, calendar.working_days_between(today, due))
    return Distance(When.LATE, -calendar.working_days_between(due, today))


def _days(n: int) -> str:
    return f"{n} working day{'' if n == 1 else 's'}"
