"""The `inspectbot` command: one entry point, each subcommand in a module of its own."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import cast

from bot import (
    cli_backup,
    cli_check,
    cli_console,
    cli_outbox,
    cli_programme,
    cli_run,
    cli_settings,
    cli_store,
    cli_timeline,
)

#: Each subcommand module offers `register(subparsers)`, which adds its parsers and sets `handler`.
_MODULES: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    cli_run.register,
    cli_console.register,
    cli_timeline.register,
    cli_store.register,
    cli_check.register,
    cli_backup.register,
    cli_programme.register,
    cli_outbox.register,
    cli_settings.register,
)


class _Parser(argparse.ArgumentParser):
    """Bad arguments give one clear line and exit 2, never a usage dump followed by a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"inspectbot: {message} (try 'inspectbot {self.prog.split()[-1]} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="inspectbot", description="Deadlines of Ofsted children's social care inspections.")
    subparsers = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser),
    )
    for register in _MODULES:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code: int = handler(args)
    except BrokenPipeError:
        # The reader went away (`inspectbot timeline ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
