"""`inspectbot programme`: every setting whose next inspection falls due in a period, as CSV or JSON;
`inspectbot settings import FILE.csv`: a register of settings (kind, name, URN, registration date), all
rows or none, every bad line named, as `inspectbot import` reads the programme of cases.

The windows are the rules of workflows/programme_windows.py (each with its seed lines), kept on the
settings' rows (store/setting_windows.py). With no `--from`, overdue settings come first; with no `--to`,
every later window too (the bot's /programme stops at the end of the next inspection year).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date

from bot.cli_base import DEFAULT_DB, db_path
from workflows.dates import parse_date
from workflows.errors import DateParseError

#: The CSV's columns; the JSON's objects have the same keys.
COLUMNS = (
    "setting",
    "urn",
    "kind",
    "setting_kind",
    "due_from",
    "due_by",
    "overdue",
    "reason",
    "rule",
    "source",
    "latest_case",
)


def _fail(message: str) -> int:
    print(f"inspectbot: {message}", file=sys.stderr)
    return 1


def today() -> date:
    """London's today, from the bot's clock (a test clock file only when INSPECTBOT_TESTING=1)."""
    import os
    from pathlib import Path

    from bot.clock import make_clock
    from workflows.deadlines import LONDON

    clock_file = os.environ.get("INSPECTBOT_TEST_CLOCK_FILE")
    testing = os.environ.get("INSPECTBOT_TESTING", "").strip().lower() in {"1", "true", "yes"}
    clock = make_clock(Path(clock_file) if testing and clock_file else None)
    return clock().astimezone(LONDON).date()


def _programme(args: argparse.Namespace) -> int:
    import asyncio
    import sqlite3

    from store.database import Database
    from store.errors import StoreError
    from store.setting_programme import programme

    now = today()
    try:
        date_from = parse_date(args.date_from, now) if args.date_from else None
        date_to = parse_date(args.date_to, now) if args.date_to else None
    except DateParseError as error:
        return _fail(f"{error} (nothing was read)")
    if date_from is not None and date_to is not None and date_from > date_to:
        return _fail(f"--from ({date_from.isoformat()}) is after --to ({date_to.isoformat()}).")
    path = db_path()
    if not path.is_file():
        return _fail(f"There is no database at {path}: set INSPECTBOT_DB or run 'inspectbot migrate'.")

    async def read() -> list[dict[str, object]]:
        db = await Database.open(path)
        try:
            lines = await programme(db, None, date_from=date_from, date_to=date_to, kind=args.kind)
        finally:
            await db.close()
        return [line.as_json(now) for line in lines]

    try:
        rows = asyncio.run(read())
    except (StoreError, sqlite3.Error, OSError) as error:
        return _fail(f"database problem at {path}: {error}")
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row[key] is None else row[key] for key in COLUMNS})
    sys.stdout.write(out.getvalue())
    return 0


def _import_register(args: argparse.Namespace) -> int:
    import asyncio
    import sqlite3
    from datetime import UTC, datetime
    from pathlib import Path

    from bot.cli_programme import read_csv_text
    from store.database import Database
    from store.errors import StoreError
    from store.setting_programme import RegisterRejected, import_register
    from workflows.settings_register import read_register

    source = Path(args.file)
    try:
        text, _encoding = read_csv_text(source)
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"can't read {source}: {error} (save it as CSV UTF-8)")
    rows, problems = read_register(text, today())
    path = db_path()
    if not path.is_file():
        return _fail(f"There is no database at {path}: set INSPECTBOT_DB or run 'inspectbot migrate'.")

    async def write() -> tuple[int, int]:
        db = await Database.open(path)
        try:
            return await import_register(db, datetime.now(UTC), rows, problems)
        finally:
            await db.close()

    try:
        created, updated = asyncio.run(write())
    except RegisterRejected as rejected:
        for problem in rejected.problems:
            print(f"{source}: {problem}", file=sys.stderr)
        return _fail(f"{len(rejected.problems)} row(s) with problems in {source}: nothing was written.")
    except (StoreError, sqlite3.Error, OSError) as error:
        return _fail(f"database problem at {path}: {error} (nothing was written)")
    print(f"Settings: {created} added, {updated} updated.")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `programme` and `settings import`."""
    parser = subparsers.add_parser(
        "programme",
        help="the settings whose next inspection falls due in a period (overdue first)",
        description=(
            "Each setting's next-inspection window, the rule and its seed lines. Without --from, overdue"
            " settings are included; without --to, every later window too. The database is"
            f" INSPECTBOT_DB (default {DEFAULT_DB})."
        ),
    )
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="windows ending on or after DATE")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="windows starting on or before DATE")
    parser.add_argument("--kind", metavar="KIND", help="an inspection kind (ch-full) or a setting kind")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.set_defaults(handler=_programme)
    settings = subparsers.add_parser("settings", help="the register of settings")
    actions = settings.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    importer = actions.add_parser(
        "import",
        help="load a register of settings from CSV (all rows or none)",
        description=(
            "Columns: kind (childrens_home, adoption_support_agency, local_authority), name, urn,"
            " registered (a date, or blank) and, if given, provider_contact (how to reach the provider:"
            " a name, email or phone, one line; never a child's name; shown to managers on /setting)."
            " A row updates the setting with its URN (else, without a URN, its name), or adds one. The"
            f" database is INSPECTBOT_DB (default {DEFAULT_DB})."
        ),
    )
    importer.add_argument("file", metavar="FILE.csv")
    importer.set_defaults(handler=_import_register)
