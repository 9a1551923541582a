"""How dates and times are written in SQLite: ISO-8601 text, times always in UTC so they sort as text."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def time_to_text(moment: datetime) -> str:
    """A moment as fixed-width UTC text; naive datetimes are refused because their zone is a guess."""
    if moment.tzinfo is None:
        raise ValueError("the store only accepts timezone-aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def time_from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def opt_time(text: str | None) -> datetime | None:
    return None if text is None else time_from_text(text)


def day_to_text(day: date) -> str:
    if isinstance(day, datetime):
        raise ValueError("a date was expected, not a date and time")
    return day.isoformat()


def opt_day_text(day: date | None) -> str | None:
    return None if day is None else day_to_text(day)


def day_from_text(text: str) -> date:
    return date.fromisoformat(text)


def opt_day(text: str | None) -> date | None:
    return None if text is None else day_from_text(text)
