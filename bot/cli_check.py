"""`inspectbot check`: is this installation able to run? One line per part, exit 1 if any part fails.

Meant for an operator after a change and for a container's health check, so it never changes anything:
the database is opened as it is (never created or migrated) and Telegram is only asked `getMe`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

#: How long each Bot API request of the check may take (seconds): a health check must answer quickly.
API_TIMEOUT = 10.0


@dataclass(frozen=True)
class Outcome:
    """One part of the check: its name, whether it passed, and one line saying what was found."""

    part: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.part}: {'ok' if self.ok else 'FAILED'} - {self.detail}"


def check_database(path: Path) -> Outcome:
    """The file exists, is not empty or read-only, SQLite finds it whole (`PRAGMA integrity_check`) and
    its schema is the latest."""
    import sqlite3

    from store.integrity import shallow_problem
    from store.migrations import LATEST

    if not path.exists():
        return Outcome("database", False, f"there is no database at {path} (run 'inspectbot migrate')")
    problem = shallow_problem(path)
    if problem is not None:
        return Outcome("database", False, problem)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as error:
        return Outcome("database", False, f"{path} can't be opened: {error}")
    try:
        verdict = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            return Outcome("database", False, f"{path} is damaged: {verdict[0]} ({len(verdict)} problem(s))")
        has_versions = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        version = 0
        if has_versions:
            row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
            version = int(row[0])
    except sqlite3.Error as error:
        return Outcome("database", False, f"{path} can't be read: {error}")
    finally:
        conn.close()
    if version < LATEST:
        return Outcome(
            "database", False, f"{path} is at schema {version} of {LATEST} (run 'inspectbot migrate')"
        )
    if version > LATEST:
        return Outcome(
            "database", False, f"{path} is at schema {version}, newer than this inspectbot ({LATEST})"
        )
    return Outcome("database", True, f"{path}, integrity ok, schema {version} (latest)")


async def check_telegram(settings: Settings) -> Outcome:
    """The Bot API answers at the configured URL and accepts the token (getMe)."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.aiohttp_request import AiohttpRequest

    # the bot's own transport, so a check that passes means the bot gets through the same way
    request = AiohttpRequest(connect_timeout=API_TIMEOUT, read_timeout=API_TIMEOUT)
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=request,
    )
    try:
        me = await bot.get_me()
    except InvalidToken:
        return Outcome("telegram", False, "Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather")
    except NetworkError as error:
        return Outcome("telegram", False, f"can't reach {settings.telegram_api_url} ({error.message})")
    except TelegramError as error:
        return Outcome("telegram", False, f"{settings.telegram_api_url} answered getMe with: {error.message}")
    finally:
        await request.shutdown()
    return Outcome("telegram", True, f"@{me.username} at {settings.telegram_api_url}")


def run_checks() -> list[Outcome]:
    """Settings first; the database even when the settings fail (its path is read on its own); Telegram
    only with settings that load, since it needs the token."""
    import asyncio

    from bot.cli_base import db_path
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        return [
            Outcome("settings", False, str(error).rstrip(".")),
            check_database(db_path()),
            Outcome("telegram", False, "not checked: the settings above must load first"),
        ]
    return [
        Outcome("settings", True, "loaded"),
        check_database(Path(settings.db)),
        asyncio.run(check_telegram(settings)),
    ]


def _check(args: argparse.Namespace) -> int:
    outcomes = run_checks()
    for outcome in outcomes:
        print(outcome.line(), flush=True)
    return 0 if all(outcome.ok for outcome in outcomes) else 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `check`."""
    parser = subparsers.add_parser(
        "check", help="check the settings, the database and Telegram (exit 1 if any fails)"
    )
    parser.set_defaults(handler=_check)
