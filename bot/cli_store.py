"""`inspectbot migrate`, `invite`, `export` and `purge`: the operator's hands on the database.

None of these needs a Telegram token: the database path comes straight from INSPECTBOT_DB, so an operator
can migrate or export on a machine that does not run the bot. Bad input gives one line on stderr and a
non-zero exit code, never a traceback. The store and asyncio load inside each command, so that
`inspectbot timeline` and `--help` start without them.
"""

from __future__ import annotations

import argparse
import json
import os

from bot.cli_base import Refused, db_path, existing_db, open_db, parse_ref, run

DEFAULT_RETENTION_DAYS = 365


def _migrate(args: argparse.Namespace) -> int:
    async def action() -> int:
        from store.migrations import LATEST

        path = db_path()
        if not path.parent.is_dir():
            raise Refused(f"The folder {path.parent} does not exist: create it or change INSPECTBOT_DB.")
        db = await open_db(path)
        try:
            version = await db.schema_version()
        finally:
            await db.close()
        print(f"The database at {path} is at schema version {version} (latest {LATEST}).")
        return 0

    return run(action)


def _invite(args: argparse.Namespace) -> int:
    async def action() -> int:
        from datetime import timedelta

        from store.models import Role
        from workflows.invites import MAX_TTL, deep_link, normalise_bot_username

        try:
            role = Role(args.role.strip().lower())
        except ValueError:
            raise Refused(f"'{args.role}' is not a role: use manager, inspector or provider.") from None
        username = args.bot_username or os.environ.get("INSPECTBOT_BOT_USERNAME")
        if not username:
            raise Refused("I need the bot's username: set INSPECTBOT_BOT_USERNAME or pass --bot-username.")
        try:
            username = normalise_bot_username(username)
        except ValueError as error:
            raise Refused(str(error)) from error
        ref = None if args.case is None else parse_ref(args.case)
        if role is Role.PROVIDER and ref is None:
            raise Refused("A provider is invited to a case: add --case REF.")
        days = args.days.strip()
        if not days.isdecimal() or not 1 <= int(days) <= MAX_TTL.days:
            raise Refused(f"--days must be a whole number from 1 to {MAX_TTL.days}, not '{args.days}'.")
        db = await open_db(existing_db())
        try:
            invite = await db.invites.create(None, role, case_ref=ref, ttl=timedelta(days=int(days)))
        finally:
            await db.close()
        print(deep_link(username, invite.code))
        print(f"It works once, until {invite.expires_at:%Y-%m-%d %H:%M} UTC.")
        return 0

    return run(action)


def _export(args: argparse.Namespace) -> int:
    if args.all:
        from bot.cli_programme import export_all

        return export_all()

    async def action() -> int:
        ref = parse_ref(args.case)
        db = await open_db(existing_db())
        try:
            record = await db.export_case(ref)
        finally:
            await db.close()
        print(json.dumps(record, indent=2, ensure_ascii=False))
        return 0

    return run(action)


def _purge(args: argparse.Namespace) -> int:
    async def action() -> int:
        text = args.days or os.environ.get("INSPECTBOT_RETENTION_DAYS") or str(DEFAULT_RETENTION_DAYS)
        if not text.strip().isdecimal():
            raise Refused(f"The retention period must be a whole number of days, not '{text}'.")
        days = int(text)
        db = await open_db(existing_db())
        try:
            purged = await db.purge_expired(days)
        finally:
            await db.close()
        print(f"Purged the free text of {purged} case(s) closed more than {days} days ago.")
        return 0

    return run(action)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `migrate`, `invite`, `export` and `purge`."""
    migrate = subparsers.add_parser("migrate", help="create the database or bring its schema up to date")
    migrate.set_defaults(handler=_migrate)

    invite = subparsers.add_parser("invite", help="print a one-time invitation link")
    invite.add_argument("role", metavar="ROLE", help="manager, inspector or provider")
    invite.add_argument("--case", metavar="REF", help="the case to join (needed for a provider)")
    invite.add_argument("--days", metavar="N", default="7", help="days before the link expires (default 7)")
    invite.add_argument("--bot-username", metavar="NAME", help="default: INSPECTBOT_BOT_USERNAME")
    invite.set_defaults(handler=_invite)

    export = subparsers.add_parser(
        "export", help="print a case's full record as JSON, or the programme as CSV"
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", metavar="REF", help="the case number, like 12 or #12")
    which.add_argument("--all", action="store_true", help="every open case, as the CSV 'import' reads")
    export.set_defaults(handler=_export)

    purge = subparsers.add_parser("purge", help="purge the free text of cases past the retention period")
    purge.add_argument("--days", metavar="N", help="default: INSPECTBOT_RETENTION_DAYS, else 365")
    purge.set_defaults(handler=_purge)
