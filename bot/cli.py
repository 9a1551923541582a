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
        # prog is "inspectbot" or "inspectbot console": the help to try is that command's own.
        self.exit(2, f"inspectbot: {message} (try '{self.prog} --help')\n")

    def parse_args(self, args: Sequence[str] | None = None, namespace: None = None) -> argparse.Namespace:  # type: ignore[override]
        """As argparse's, but words no parser knows are reported by the subcommand they follow, so the
        help suggested is that subcommand's ('inspectbot console --help')."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            sub = _subparser(self, getattr(parsed, "command", None))
            (sub or self).error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed


def _subparser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser | None:
    """The parser of `command` under `parser`, if there is one."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command is not None:
            found = action.choices.get(command)
            return found if isinstance(found, argparse.ArgumentParser) else None
    return None


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
