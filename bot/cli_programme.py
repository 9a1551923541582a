"""`inspectbot import FILE.csv` and `inspectbot export --all`: the inspection programme in bulk.

The CSV shape is `workflows.programme.COLUMNS`; `export --all` writes what `import` reads. An import
writes all its rows or, when any row has a problem, none, and names every bad line; a row repeating an
open case (the same setting, kind and first day: a file imported twice) is such a problem, and
`--dry-run` gives the same answer without writing. Rows without an inspector get an invitation link for
one, printed here (so the bot's username is needed only then).

Excel is the operator's usual editor: `export --all` starts with a byte order mark, without which Excel
reads UTF-8 as Windows-1252 ("CafÃ© Lodge"), and `import` reads UTF-8 (with or without the mark) or,
failing that, Windows-1252, which is what Excel's "CSV (Comma delimited)" writes on a UK machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

from bot.cli_base import DEFAULT_DB, Refused, db_path, open_planning


def _fail(message: str) -> int:
    print(f"inspectbot: {message}", file=sys.stderr)
    return 1


#: Excel's encoding for "CSV (Comma delimited)" on an English Windows machine.
EXCEL_CSV = "cp1252"


def read_csv_text(source: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read in: UTF-8 (a leading byte order mark dropped), else
    Windows-1252. Raises OSError, or UnicodeDecodeError for bytes neither can read."""
    data = source.read_bytes()
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode(EXCEL_CSV), "Windows-1252"


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
        text, encoding = read_csv_text(source)
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"can't read {source}: {error} (save it as CSV UTF-8)")
    if encoding != "UTF-8":
        print(
            f'{source} is not UTF-8: read as {encoding} (Excel\'s "CSV (Comma delimited)").', file=sys.stderr
        )
    rows, problems = read_programme(text, datetime.now(UTC).astimezone(LONDON).date())
    username: str | None = None
    if not problems and not args.dry_run and any(row.inspector is None for row in rows):
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
            made = await import_programme(
                db, rows, timedelta(days=int(days)), found_earlier=problems, dry_run=args.dry_run
            )
        finally:
            await db.close()
        return [(m.line, m.ref, m.invite_code) for m in made]

    try:
        made = asyncio.run(write())
    except ProgrammeRejected as rejected:
        problems = rejected.problems
    except Refused as refused:
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
    if args.dry_run:
        print(
            f"Dry run: {len(made)} case(s) would be imported, #{made[0][1]} to #{made[-1][1]}"
            f" ({sum(1 for m in made if m[2] is not None)} with an invitation link); nothing was written."
        )
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
        text = asyncio.run(read())
    except (sqlite3.Error, OSError) as error:
        return _fail(f"database problem at {path}: {error}")
    try:
        sys.stdout.buffer.write(("\ufeff" + text).encode("utf-8"))  # the mark Excel reads UTF-8 by
        sys.stdout.buffer.flush()
    except OSError as error:
        return _fail(f"can't write the export: {error}")
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
    parser.add_argument(
        "--dry-run", action="store_true", help="check every row against the database; write nothing"
    )
    parser.set_defaults(handler=_import)
