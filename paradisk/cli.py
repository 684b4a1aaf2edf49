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


# exceptions of the libraries that mean "the input is wrong", by module: a module that was
# never imported cannot have raised its error, so none is imported here (the CLI stays quick)
_INPUT_ERRORS = (
    ("gain.modetable", "ModeTableError"),
    ("solvers.materials", "MaterialError"),
    ("geometry.profile", "NotAnchoredError"),
    ("geometry.profile", "NothingWrittenError"),
    ("geometry.inverse", "ImplausibleDoseError"),
    ("layouts.errors", "LayoutError"),
)


def _input_error_types() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [UserInputError]
    for module, name in _INPUT_ERRORS:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input, 130 when interrupted).

    Every failure the user can act on is one line on stderr, never a traceback: bad input
    (exit 2), Ctrl-C (130, as a shell reports SIGINT) and a closed stdout (a pipe into ``head``:
    the rest of the output is dropped quietly, exit 141 as for SIGPIPE)."""
    from paradisk.executors import single_threaded_numerics

    single_threaded_numerics()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        try:
            return int(args.func(args) or 0)
        finally:
            sys.stdout.flush()
    except KeyboardInterrupt as exc:  # Ctrl-C: one line, the status of a SIGINT death
        print(f"paradisk {args.command}: {str(exc) or 'interrupted'}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except Exception as exc:
        if isinstance(exc, _input_error_types()):
            print(f"paradisk {args.command}: error: {_one_line(exc)}", file=sys.stderr)
            return 2
        if isinstance(exc, OSError) and exc.filename is not None:
            # the file system refused (a folder that cannot be made, a full disk): nothing a
            # traceback would explain; outputs are atomic, so nothing is left half-written
            print(f"paradisk {args.command}: error: {exc.filename}: "
                  f"{exc.strerror or type(exc).__name__}", file=sys.stderr)
            return 1
        raise


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
