"""Errors a person can fix: each message is one plain sentence, to show as it is (after HTML escaping)."""

from __future__ import annotations


class TimelineError(ValueError):
    """The dates or choices given for a timeline do not fit the kind of inspection."""


class DateParseError(ValueError):
    """Text typed as a date could not be read as one (British, day first)."""


class DateOutOfRange(TimelineError):
    """A date outside the years the working-day calendar knows (workflows.calendar.FIRST_YEAR..LAST_YEAR)."""
