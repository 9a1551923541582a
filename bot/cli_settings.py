"""`inspectbot programme`: every setting whose next inspection falls due in a period, as CSV or JSON.

The windows are the rules of workflows/programme_windows.py (each with its seed lines), kept on the
settings' rows (store/setting_windows.py). With no `--from`, overdue settings come first; with no `--to`,
the period runs to the end of the next inspection year (31 March).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date

from bot.cli_store import DEFAULT_DB, db_path
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
    from workflows.programme_windows import inspection_year, year_end

    now = today()
    try:
        date_from = parse_date(args.date_from, now) if args.date_from else None
        date_to = parse_date(args.date_to, now) if args.date_to else year_end(inspection_year(now) + 1)
    except DateParseError as error:
        return _fail(f"{error} (nothing was read)")
    if date_from is not None and date_from > date_to:
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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `programme`."""
    parser = subparsers.add_parser(
        "programme",
        help="the settings whose next inspection falls due in a period (overdue first)",
        description=(
            "Each setting's next-inspection window, the rule and its seed lines. Without --from, overdue"
            " settings are included; without --to, the period ends on 31 March of the next inspection"
            f" year. The database is INSPECTBOT_DB (default {DEFAULT_DB})."
        ),
    )
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="windows ending on or after DATE")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="windows starting on or before DATE")
    parser.add_argument("--kind", metavar="KIND", help="an inspection kind (ch-full) or a setting kind")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.set_defaults(handler=_programme)
