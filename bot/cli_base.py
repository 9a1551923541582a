"""What the operator's commands share: where the database is, opening it (as the bot plans, for a command
that writes the outbox), and a refusal or a database error as one line and exit code 1.

Below every `bot/cli_*.py` command module, so none imports another for these. The store and asyncio
load inside each call, so that `inspectbot timeline` and `--help` start without them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.database import Database

DEFAULT_DB = "./inspectbot.sqlite3"


class Refused(Exception):
    """Input the command can't act on; the message is the one line printed."""


def db_path() -> Path:
    """INSPECTBOT_DB, else ./inspectbot.sqlite3 (the same default as the bot's settings)."""
    return Path(os.environ.get("INSPECTBOT_DB") or DEFAULT_DB)


def parse_ref(text: str) -> int:
    """`12` or `#12`."""
    cleaned = text.strip().removeprefix("#")
    if not cleaned.isdecimal() or int(cleaned) < 1:
        raise Refused(f"'{text}' is not a case number: give it like 12 or #12.")
    return int(cleaned)


def existing_db() -> Path:
    path = db_path()
    if not path.is_file():
        raise Refused(f"There is no database at {path}: set INSPECTBOT_DB or run 'inspectbot migrate'.")
    return path


def run(action: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run one command; a refusal, a store error or a database error becomes one line and exit code 1."""
    import asyncio
    import sqlite3

    from store.errors import StoreError

    try:
        return asyncio.run(action())
    except (Refused, StoreError) as error:
        message = str(error)
    except (sqlite3.Error, OSError) as error:
        message = f"database problem at {db_path()}: {error}"
    print(f"inspectbot: {message}", file=sys.stderr)
    return 1


async def open_db(path: Path) -> Database:
    from store.database import Database

    return await Database.open(path)


async def open_planning(path: Path) -> Database:
    """`open_db` for a command that writes the outbox: it plans as the bot does, with the reminder settings
    read as the bot reads them (INSPECTBOT_TZ, INSPECTBOT_REMIND_AT: environment and .env) and the
    closures the stored deadlines were dated with (the bot's, since its last start). A bad setting is
    refused before the database is opened."""
    from bot.settings import SettingsError, load_reminder_settings

    try:
        settings = load_reminder_settings()
    except SettingsError as error:
        raise Refused(str(error)) from None
    db = await open_db(path)
    db.reminding.config = settings.reminder_config(db.calendar)
    return db
