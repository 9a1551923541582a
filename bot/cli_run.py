"""`inspectbot run`: start the bot with long polling.

Settings (pydantic), asyncio and the application load inside `_run`, so that other subcommands start
without them.
"""

from __future__ import annotations

import argparse
import logging
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `run`."""
    parser = subparsers.add_parser("run", help="run the bot (long polling)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from bot.app import StartupError, serve
    from bot.settings import SettingsError, load_settings

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"inspectbot: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(settings))
    except StartupError as exc:
        print(f"inspectbot: {exc}", file=sys.stderr)
        return 1
    return 0
