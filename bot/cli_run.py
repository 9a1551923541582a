"""`inspectbot run`: start the bot, with long polling or (`--webhook URL`) a webhook.

Settings (pydantic), asyncio and the application load inside `_run`, so that other subcommands start
without them. Command-line options override the settings of the same name.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `run`."""
    parser = subparsers.add_parser("run", help="run the bot (long polling, or a webhook with --webhook)")
    parser.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="default: INSPECTBOT_LOG_LEVEL, INFO",
    )
    parser.add_argument(
        "--log-format",
        choices=["kv", "json"],
        help="key=value or JSON lines (default: INSPECTBOT_LOG_FORMAT, kv)",
    )
    hook = parser.add_argument_group("webhook mode (the secret token is INSPECTBOT_WEBHOOK_SECRET)")
    hook.add_argument("--webhook", metavar="URL", help="the public URL Telegram posts updates to")
    hook.add_argument("--listen", metavar="ADDRESS", help="address to listen on (default 0.0.0.0)")
    hook.add_argument("--port", metavar="PORT", help="port to listen on (default 8443)")
    hook.add_argument("--cert", metavar="PEM", help="a self-signed certificate: served, and sent to Telegram")
    hook.add_argument("--key", metavar="PEM", help="the certificate's private key")
    parser.set_defaults(handler=_run)


#: Option -> the setting it overrides.
_OVERRIDES = {
    "log_level": "INSPECTBOT_LOG_LEVEL",
    "log_format": "INSPECTBOT_LOG_FORMAT",
    "webhook": "INSPECTBOT_WEBHOOK_URL",
    "listen": "INSPECTBOT_WEBHOOK_LISTEN",
    "port": "INSPECTBOT_WEBHOOK_PORT",
    "cert": "INSPECTBOT_WEBHOOK_CERT",
    "key": "INSPECTBOT_WEBHOOK_KEY",
}


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from bot import logs
    from bot.app import StartupError, serve
    from bot.settings import SettingsError, load_settings

    overrides: dict[str, Any] = {
        name: getattr(args, option)
        for option, name in _OVERRIDES.items()
        if getattr(args, option) is not None
    }
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"inspectbot: {exc}", file=sys.stderr)
        return 2
    secrets = [settings.telegram_bot_token.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    logs.configure(settings.log_level, settings.log_format, secrets=secrets)
    try:
        asyncio.run(serve(settings, settle_heap=True))
    except StartupError as exc:
        print(f"inspectbot: {exc}", file=sys.stderr)
        return 1
    return 0
