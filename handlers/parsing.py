"""Reading what people type: case references and the words of one-line commands."""

from __future__ import annotations

import re
import shlex
from datetime import date

from workflows.dates import parse_date
from workflows.errors import DateParseError

#: Phones turn straight quotes into curly ones; one-line commands must still split on them.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"})
_REF = re.compile(r"^(?:case\s*)?#?\s*(\d{1,9})$", re.IGNORECASE)
#: A case number in button data. Clients can send any data: more digits than SQLite's integers hold
#: would crash the lookup, so a forged one matches no handler and is answered as an expired button.
REF_DATA = "[0-9]{1,9}"


class ArgumentError(ValueError):
    """What was typed can't be read; the message says what to type instead."""


def parse_ref(text: str) -> int | None:
    """'#12', '12', 'case 12' -> 12; anything else -> None."""
    match = _REF.match(text.strip())
    return int(match.group(1)) if match else None


def split_args(text: str) -> list[str]:
    """Split like a shell, so a setting's name can be given in quotes."""
    try:
        return shlex.split(text.translate(_QUOTES))
    except ValueError as exc:
        raise ArgumentError(
            'A quote is not closed. Put the name in straight quotes, like "Oak House".'
        ) from exc


def command_text(text: str) -> str:
    """The text after '/command' (and '/command@botname')."""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def two_dates(words: list[str], today: date) -> tuple[date, date | None]:
    """One or two dates, each of one word (3/3/2026) or several (3 March 2026)."""
    try:
        return parse_date(" ".join(words), today), None
    except DateParseError as whole:
        for cut in range(1, len(words)):
            try:
                return parse_date(" ".join(words[:cut]), today), parse_date(" ".join(words[cut:]), today)
            except DateParseError:
                continue
        if len(words) > 1:
            try:
                parse_date(words[0], today)
            except DateParseError:
                raise whole from None  # neither part reads: name all of what was typed
            raise DateParseError(
                f"I couldn't read '{' '.join(words[1:])[:40]}' as a date. Try 3/3/2026 or 3 March 2026."
            ) from whole
        raise
