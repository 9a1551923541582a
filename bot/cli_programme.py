"""`inspectbot import FILE.csv` and `inspectbot export --all`: the inspection programme in bulk.

The CSV shape is `workflows.programme.COLUMNS`; `export --all` writes what `import` reads. An import
writes all its rows or, when any row has a problem, none, and names every bad line. Rows without an
inspector get an invitation link for one, printed here (so the bot's username is needed only then).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

from bot.cli_store import DEFAULT_DB, _Refused, db_path, open_planning


def _fail(message: str) -> int:
    print(f"inspectbot: {message}", file=sys.stderr)
    return 1


def _import(args: argparse.Namespace) -> int:
    import asyncio
    import sqlite3
    from datetime import UTC, datetime

    from store.errors import StoreError
    from store.programme import ProgrammeRejected, import_programme
    from workflows.deadlines import LONDON
    from workflows.invites import MAX_TTL, deep_link, normalise_bot_username
    from workflows.programme import read_programme

    source = Path(args.file)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"can't read {source}: {error}")
    rows, problems = read_programme(text, datetime.now(UTC).astimezone(LONDON).date())
    username: str | None = None
    if not problems and any(row.inspector is None for row in rows):
        given = args.bot_username or os.environ.get("INSPECTBOT_BOT_USERNAME") or ""
        try:
            username = normalise_bot_username(given)
        except ValueError:
            return _fail(
                "rows without an inspector get an invitation link, which needs the bot's username: set"
                " INSPECTBOT_BOT_USERNAME or pass --bot-username (nothing was written)."
            )
    days = args.days.strip()
    if not days.isdecimal() or not 1 <= int(days) <= MAX_TTL.days:
        return _fail(f"--days must be a whole number from 1 to {MAX_TTL.days}, not '{args.days}'.")
    path = db_path()
    if not path.is_file():
        return _fail(f"There is no database at {path}: set INSPECTBOT_DB or run 'inspectbot migrate'.")

    async def write() -> list[tuple[int, int, str | None]]:
        db = await open_planning(path)  # reminders planned with the bot's settings, not the defaults
        try:
            made = await import_programme(db, rows, timedelta(days=int(days)), found_earlier=problems)
        finally:
            await db.close()
        return [(m.line, m.ref, m.invite_code) for m in made]

    try:
        made = asyncio.run(write())
    except ProgrammeRejected as rejected:
        problems = rejected.problems
    except _Refused as refused:
        return _fail(f"{refused} (nothing was written)")
    except (StoreError, sqlite3.Error, OSError) as error:
        return _fail(f"database problem at {path}: {error} (nothing was written)")
    if problems:
        for problem in problems:
            print(f"{source}: {problem}", file=sys.stderr)
        return _fail(f"{len(problems)} row(s) with problems in {source}: nothing was written.")
    if not made:
        print(f"{source} has no rows: nothing to import.")
        return 0
    print(f"Imported {len(made)} case(s), #{made[0][1]} to #{made[-1][1]}.")
    for line, ref, code in made:
        if code is not None:
            assert username is not None  # asked for above whenever a row has no inspector
            print(f"line {line}, case #{ref}: invite its inspector with {deep_link(username, code)}")
    return 0


def export_all() -> int:
    """`inspectbot export --all`: every open case with a planned start, as the CSV `import` reads."""
    import asyncio
    import sqlite3

    from store.database import Database
    from store.programme import programme_rows
    from workflows.programme import write_programme

    path = db_path()
    if not path.is_file():
        return _fail(f"There is no database at {path}: set INSPECTBOT_DB or run 'inspectbot migrate'.")

    async def read() -> str:
        db = await Database.open(path)
        try:
            return write_programme(await programme_rows(db))
        finally:
            await db.close()

    try:
        sys.stdout.write(asyncio.run(read()))
    except (sqlite3.Error, OSError) as error:
        return _fail(f"database problem at {path}: {error}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `import`."""
    parser = subparsers.add_parser(
        "import",
        help="open the cases of an inspection programme from a CSV file (all rows or none)",
        description=(
            "Columns: kind,setting,urn,first_day,last_day,inspector (a Telegram user id, or blank for an"
            f" invitation link). The database is INSPECTBOT_DB (default {DEFAULT_DB})."
        ),
    )
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument("--days", metavar="N", default="7", help="days before invitation links expire")
    parser.add_argument("--bot-username", metavar="NAME", help="default: INSPECTBOT_BOT_USERNAME")
    parser.set_defaults(handler=_import)
