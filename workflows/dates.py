"""Dates as British people type and read them: day first, never US order, no ordinals in what we write."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from workflows.errors import DateParseError

#: The years a person may give a date in (workflows.calendar knows bank holidays a little beyond them).
FIRST_YEAR, LAST_YEAR = 2000, 2099

#: Month names, January first; the words a person types for them: full names, the usual short forms, "sept".
MONTH_NAMES: tuple[str, ...] = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTH_WORDS: dict[str, int] = (
    {name: n for n, name in enumerate(MONTH_NAMES, start=1)}
    | {name[:3]: n for n, name in enumerate(MONTH_NAMES, start=1)}
    | {"sept": 9}
)
_MONTHS = MONTH_WORDS

#: Weekday names, Monday first (0, as date.weekday()); the words typed for them: full names and "mon".
WEEKDAY_NAMES: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
WEEKDAY_WORDS: dict[str, int] = {name: i for i, name in enumerate(WEEKDAY_NAMES)} | {
    name[:3]: i for i, name in enumerate(WEEKDAY_NAMES)
}
_WEEKDAY_NUMBERS = WEEKDAY_WORDS

_RELATIVE = {"today": 0, "tomorrow": 1, "yesterday": -1}

_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDS = re.compile(r"(?:([a-z]+),?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{2}|\d{4})")


def format_date(day: date) -> str:
    """'Tuesday 3 March 2026': GOV.UK style, no ordinals, no commas."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def format_time(moment: time) -> str:
    """'9:30am', '5pm', 'midday', 'midnight' (GOV.UK style)."""
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    if moment.hour == 0 and moment.minute == 0:
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    if moment.minute == 0:
        return f"{hour}{suffix}"
    return f"{hour}:{moment.minute:02d}{suffix}"


def _error(text: str) -> DateParseError:
    shown = text if len(text) <= 40 else text[:39] + "…"  # quoted back in a reply: keep it short
    return DateParseError(f"I couldn't read '{shown}' as a date. Try 3/3/2026 or 3 March 2026.")


def _year(digits: str) -> int:
    """Two-digit years are this century: '26' is 2026."""
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def parse_date(text: str, today: date) -> date:
    """Read a date typed by a person; day first. Raises DateParseError with the chat-style message.

    Accepts 3/3/2026, 03/03/26, 3-3-2026, 3.3.2026, 3 March 2026, 3 Mar 26, 3rd March 2026,
    Tuesday 3 March 2026 (the weekday must match), 2026-03-03, today, tomorrow, yesterday.
    """
    shown = text.strip()
    cleaned = re.sub(r"\s+", " ", shown.lower())
    if cleaned in _RELATIVE:
        return today + timedelta(days=_RELATIVE[cleaned])
    weekday: str | None = None
    if match := _ISO.fullmatch(cleaned):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _NUMERIC.fullmatch(cleaned):
        day, month, year = int(match[1]), int(match[3]), _year(match[4])
    elif (match := _WORDS.fullmatch(cleaned)) and match[3] in _MONTHS:
        weekday, day, month, year = match[1], int(match[2]), _MONTHS[match[3]], _year(match[4])
    else:
        raise _error(shown)
    try:
        result = date(year, month, day)
    except ValueError:
        raise _error(shown) from None
    if weekday is not None and _WEEKDAY_NUMBERS.get(weekday) != result.weekday():
        raise _error(shown)
    if not FIRST_YEAR <= result.year <= LAST_YEAR:
        raise DateParseError(
            f"I can only work with dates from {FIRST_YEAR} to {LAST_YEAR}; '{shown[:40]}' is outside that."
        )
    return result


#: A date written inside a sentence: 24/12/2026, 2026-12-24, 24 December 2026 (not "today": too common).
_IN_TEXT = re.compile(
    r"(?<![\d/.-])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})"
    r"|(?:[a-z]+,?\s+)?\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+\.?,?\s+(?:\d{4}|\d{2}))(?![\d/.-])"
)


def find_date(text: str, today: date) -> tuple[date, int, int] | None:
    """The first date written inside `text`, with where it starts and ends; None when there is none.

    Raises DateParseError when something written as a date can't be one (31/2/2026, year 9999), so a
    question about an impossible date is answered as such rather than as if no date had been given.
    """
    lowered = text.lower()
    for match in _IN_TEXT.finditer(lowered):
        written = match.group(0)
        try:
            return parse_date(written, today), match.start(), match.end()
        except DateParseError:
            if re.fullmatch(r"[\d/.-]+", written):
                raise
            words = written.split()
            # "on 24 December 2026": a leading word that is not a weekday is just a word before the date
            if len(words) == 4 and not words[0].rstrip(",").startswith(tuple(_WEEKDAY_NUMBERS)):
                tail = " ".join(words[1:])
                return parse_date(tail, today), match.start() + written.index(words[1]), match.end()
            if words[-2].rstrip(".,") in _MONTHS:
                raise
    return None
