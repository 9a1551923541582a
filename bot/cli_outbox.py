"""`inspectbot reminders`: the outbox for operators, filtered by case, person or state, as text or JSON.

Like the other store commands it reads INSPECTBOT_DB directly and never the Telegram token; the times are
shown in the bot's zone, its reminder settings read as the bot reads them (bot.cli_base.open_planning).
Rows are printed as they are read, so a large outbox is never held in memory.
"""

from __future__ import annotations

import argparse
import json

from bot.cli_base import Refused, existing_db, open_planning, parse_ref, run


def _reminders(args: argparse.Namespace) -> int:
    async def action() -> int:
        from store.outbox import State  # the store is imported when a command runs, as bot.cli_store does

        ref = None if args.case is None else parse_ref(args.case)
        person = None
        if args.person is not None:
            if not args.person.strip().isdecimal():
                raise Refused(f"--person takes a Telegram user id (a whole number), not '{args.person}'.")
            person = int(args.person)
        if args.state is not None and args.state not in tuple(State):
            raise Refused(f"--state is one of {', '.join(State)}, not '{args.state}'.")
        db = await open_planning(existing_db())  # the times shown in the bot's zone, read as it reads it
        count = 0
        try:
            async for row in db.outbox.listing(case_ref=ref, telegram_id=person, state=args.state):
                count += 1
                if args.format == "json":
                    print(json.dumps(row, ensure_ascii=False))
                else:
                    case = "-" if row["case"] is None else f"#{row['case']}"
                    what = row["milestone"] or row["template"]
                    lead = f" ({row['lead']})" if row["lead"] else ""
                    print(f"{row['due_at']}  {row['state']:<9}  {case:<6}  {row['person']:<12}  {what}{lead}")
        finally:
            await db.close()
        if args.format != "json":
            print(f"{count} message(s).")
        return 0

    return run(action)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `reminders`."""
    reminders = subparsers.add_parser("reminders", help="list the outbox: reminders and notices")
    reminders.add_argument("--case", metavar="REF", help="one case, like 12 or #12")
    reminders.add_argument("--person", metavar="TELEGRAM_ID", help="one person's messages")
    reminders.add_argument("--state", metavar="STATE", help="pending, sending, sent, cancelled or failed")
    reminders.add_argument("--format", choices=("text", "json"), default="text", help="json: one row a line")
    reminders.set_defaults(handler=_reminders)
