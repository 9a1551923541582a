"""`inspectbot console`: try the bot in a terminal, without Telegram, a token or the network.

The real bot runs as `inspectbot run` in a child process (the same Application, handlers, store, scheduler
and outbox), pointed at the local Bot API (`bot.localapi`) on 127.0.0.1 with a fixed fake token; this
process plays the users (`bot.console_chat`). The database is a demo (`--demo`), an empty one in a
temporary folder, or a real file (`--db PATH`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.console_chat import TerminalChat
    from bot.localapi import FakeBotApi

#: A fixed token of the right shape: the local Bot API accepts only it, and Telegram never sees it.
TOKEN = "123456:LOCAL-CONSOLE"
USERNAME = "inspectbot_console_bot"
#: Settings the console sets for the bot process; the rest (time zone, reminding hour...) are the user's.
_DROPPED = ("INSPECTBOT_WEBHOOK_URL", "INSPECTBOT_TEST_CLOCK_FILE", "INSPECTBOT_TESTING")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `console`."""
    parser = subparsers.add_parser(
        "console", help="try the bot in this terminal: no Telegram, no token, no network"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--demo", action="store_true", help="a demo database: three people, three cases, a reminder soon"
    )
    where.add_argument("--db", metavar="PATH", type=Path, help="a database file (default: an empty one)")
    parser.add_argument(
        "--reminder-in",
        metavar="SECONDS",
        type=float,
        default=60.0,
        help="with --demo: when the demo's reminder is due (default 60)",
    )
    parser.add_argument(
        "--files",
        metavar="DIR",
        type=Path,
        default=Path(tempfile.gettempdir()) / "inspectbot-console-files",
        help="where files the bot sends (timelines, calendars) are saved (default: %(default)s)",
    )
    parser.set_defaults(handler=_console)


def _console(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="inspectbot-console-") as folder:
        return _session(args, Path(folder))


def _session(args: argparse.Namespace, folder: Path) -> int:
    import asyncio

    from bot.console_chat import HELP, ConsoleClock, PeopleBook, TerminalChat
    from bot.console_demo import MANAGER, build_demo
    from bot.localapi import FakeBotApi
    from bot.settings import SettingsError, load_settings
    from workflows.calendar import WorkingCalendar
    from workflows.reminders import Hours

    try:
        # As the bot process will read them: the environment less what the console sets, and no .env
        # (the bot runs in the temporary folder).
        unset = {
            "INSPECTBOT_WEBHOOK_URL": None,
            "INSPECTBOT_TEST_CLOCK_FILE": None,
            "INSPECTBOT_TESTING": False,
        }
        settings = load_settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, **unset)
    except SettingsError as exc:
        print(f"inspectbot: {exc}", file=sys.stderr)
        return 2
    db = args.db.resolve() if args.db is not None else folder / "inspectbot.sqlite3"
    welcome: list[str] = []
    if args.demo:
        hours = Hours(settings.zone, settings.remind_at)
        demo = asyncio.run(
            build_demo(
                db,
                delay=timedelta(seconds=args.reminder_in),
                hours=hours,
                calendar=WorkingCalendar(settings.closures),
            )
        )
        at = demo.due_at.astimezone(settings.zone)
        welcome += [
            "Demo: Maya Manager, Ian Inspector and Pat Provider; cases #1 Oak Lodge (draft report sent),",
            "#2 Willow House (assurance visit last week) and #3 Beacon Adoption Support (planned).",
            f"At {at:%H:%M:%S} ({demo.due_at.astimezone(UTC):%H:%M} UTC) Pat Provider gets {demo.note}.",
        ]
    log_path = folder / "bot.log"
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED}
    with FakeBotApi(token=TOKEN, username=USERNAME, first_name="Inspectbot") as api:
        env.update(api.env())
        env.update(
            {
                "INSPECTBOT_DB": str(db),
                "NO_PROXY": "127.0.0.1,localhost",
                "PYTHONUNBUFFERED": "1",
                "INSPECTBOT_OVERALL_RATE": "0",  # no Telegram to protect
            }
        )
        # The bot runs on a test clock the console can set (`/clock`): real time until then.
        clock = ConsoleClock(folder / "clock.txt", settings.zone)
        clock.start(datetime.now(UTC))
        env.update({"INSPECTBOT_TESTING": "1", "INSPECTBOT_TEST_CLOCK_FILE": str(clock.path)})
        people = PeopleBook(db)
        chat = TerminalChat(api, people, sys.stdout, files=args.files.resolve(), clock=clock)
        if args.db is None:
            env["INSPECTBOT_ADMINS"] = str(MANAGER)
            api.user(MANAGER, "Manager", started=True)
        chat.meet_everyone()  # before the bot starts: the outbox may write to them at once
        with log_path.open("ab") as log:
            bot = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                env=env,
                cwd=folder,  # a .env in the user's folder is not read: the bot runs on the local API only
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            if not _wait_until_polling(api, bot):
                print(f"inspectbot: the bot did not start:\n{_tail(log_path)}", file=sys.stderr)
                return 1
            chat.on_idle = lambda: (
                None if bot.poll() is None else f"(the bot stopped with exit code {bot.returncode})"
            )
            print(f"inspectbot console: the real bot on a local Bot API at {api.api_root} (no Telegram).")
            print(f"Database: {db}{'' if args.db else ' (temporary)'}. The bot's log: {log_path}.")
            for line in welcome:
                print(line)
            print(HELP, flush=True)
            chat.start()
            if people.first_with_role("manager") is not None:
                chat.switch("manager")
            try:
                for line in sys.stdin:
                    if bot.poll() is not None or not _handle(chat, line):
                        break
            except KeyboardInterrupt:
                pass  # Ctrl-C: stop as /quit does (the bot, in the same process group, stops on it too)
            chat.stop()
        finally:
            if bot.poll() is None:
                bot.terminate()
                try:
                    bot.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.wait()
        if bot.returncode not in (0, -15):
            print(f"inspectbot: the bot stopped with {bot.returncode}:\n{_tail(log_path)}", file=sys.stderr)
            return 1
    return 0


def _handle(chat: TerminalChat, line: str) -> bool:
    """One typed line; what the local Bot API refuses is printed and the console carries on (the demo's
    temporary database lives only as long as the console)."""
    try:
        return chat.handle(line)
    except AssertionError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        chat.say(f"(that could not be done: {first}; carry on)")
        return True


def _wait_until_polling(api: FakeBotApi, bot: subprocess.Popen[bytes], timeout: float = 60) -> bool:
    """True once the bot asks for updates; False if it exits first or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.poll() is not None:
            return False
        try:
            api.wait_until_polling(timeout=0.2)
            return True
        except AssertionError:
            continue  # not yet
    return False


def _tail(path: Path, lines: int = 20) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])
