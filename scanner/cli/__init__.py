"""The ``specdrift`` command line: one module per subcommand, each with ``register`` (declared with
``@command("name", order=N)``, ``--help`` lists the subcommands by ``order``) and ``run``.

Exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 usage or tool error.
Subcommand modules import their heavy dependencies inside ``run``, so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from scanner import __version__
from scanner.registry import DEFAULT_ORDER, Registry

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITIES = ("info", "low", "medium", "high", "critical")
AddParser = Callable[[Any], None]  # adds a subcommand's parser to ``add_subparsers()``'s result
COMMANDS: Registry[AddParser] = Registry("command", __name__, decorator="command")


def say(message: str) -> None:
    """One line for the user on stderr, ``specdrift: `` first, its control characters escaped (a file name or
    a value with an escape sequence in it is shown, never acted on by the terminal)."""
    from scanner.display import visible

    print(f"specdrift: {visible(message)}", file=sys.stderr)


def command(name: str, order: int = DEFAULT_ORDER) -> Callable[[AddParser], AddParser]:
    """Decorator of a subcommand module's ``register``: the subcommand ``name``, listed by ``order``."""
    return COMMANDS.register(name, order)


class _Formatter(argparse.HelpFormatter):
    """argparse's own, given the terminal's width: its way to find it imports ``shutil`` (3 ms, most of it its
    compression modules), and argparse makes a formatter for every option it adds, so every run paid it."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it: ``COLUMNS``, else the terminal's, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        say(f"error: {message}")
        raise SystemExit(EXIT_ERROR)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given the command line, only its subcommand is built (each costs imports and time)."""
    parser = Parser(prog="specdrift", description=(
        "Check infrastructure-as-code and live state against the policies that encode your "
        "infrastructure guide, and report drift with fixes to paste."),
        epilog="exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 usage or tool error")
    parser.add_argument("--version", action="version", version=f"specdrift {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    # The only top-level options take no value, so the first bare word is the subcommand. When it
    # names one, the others are not built: a pre-commit hook's scan should not pay for every parser.
    chosen = next((arg for arg in argv or () if not arg.startswith("-")), None)
    if chosen is None and argv and "--version" in argv and not {"-h", "--help"} & set(argv):
        return parser  # --version alone needs no subcommand (building them all imports the live side's options)
    for name in (chosen,) if chosen is not None and chosen in COMMANDS else COMMANDS.names():
        COMMANDS[name](sub)
    return parser


def use_color(args: argparse.Namespace, stream: object) -> bool:
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def paths_exist(paths: Sequence[str]) -> bool:
    """True when every path exists; otherwise says which one does not (the caller exits 2)."""
    for path in paths:
        if not Path(path).exists():
            say(f"error: no such file or directory: {path}")
            return False
    return True


def write_output(text: str | Iterable[str], output: str | None) -> None:
    """Machine output, whole or in pieces: to the file named, else stdout (logs go to stderr)."""
    pieces = [text] if isinstance(text, str) else text
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.writelines(pieces)
    else:
        sys.stdout.writelines(pieces)
        sys.stdout.flush()


_EXITING = False  # set by console(): the process ends when the command returns


def exits_after_command() -> bool:
    """Does the process end as soon as the command returns (the ``specdrift`` console script)? Then what only
    tidies the heap up for later work can be skipped."""
    return _EXITING


def console() -> NoReturn:
    """The ``specdrift`` command: ``main``, then exit without tearing the heap down.

    A large scan leaves millions of objects; freeing them one by one at interpreter exit took 2.6 s
    of a 20k-resource scan (16.3 s -> 13.7 s). Output is flushed first; nothing else is pending
    (worker pools are closed, files written with ``with``), so the process ends as mypy's does.
    """
    global _EXITING
    _EXITING = True
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # the reader went away (| head): nothing left to say
        code = code or EXIT_ERROR
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    from scanner.policy.pack import PolicyError

    try:
        result: int = args.run(args)
        return result
    except PolicyError as exc:
        say(f"policy error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped early (| head): the report was not delivered whole
        return EXIT_ERROR
    except Exception as exc:  # a tool error exits 2 with one line, never a traceback with values in it
        say(f"internal error: {type(exc).__name__}: {exc}")
        if os.environ.get("SPECDRIFT_DEBUG"):
            raise
        return EXIT_ERROR
    finally:
        from scanner import bytecode

        bytecode.keep()  # the dataclass methods this run compiled, for the next run (as .pyc files are)
