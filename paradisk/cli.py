"""The ``paradisk`` command line.

Every module in ``paradisk/commands`` is a sub-command: it defines ``add_parser(subparsers)``,
which adds its parser and sets ``func=run`` as default, and ``run(args) -> int``. New commands
need no change here.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import paradisk.commands
from paradisk.errors import UserInputError


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every discovered sub-command."""
    parser = argparse.ArgumentParser(
        prog="paradisk",
        description="Design parabolic polymer microdisk lasers coated with nanocrystals.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(paradisk.commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"paradisk.commands.{info.name}")
        if hasattr(module, "add_parser"):
            module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserInputError as exc:
        print(f"paradisk {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C: one line, the status of a SIGINT death
        print(f"paradisk {args.command}: {exc or 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
