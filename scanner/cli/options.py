"""Flags shared by the commands that scan (``scan``, ``config``, ``baseline``): one per configuration key.

Every flag defaults to None, so the configuration layer can tell "not given" from a value and apply
its precedence (flags > environment > file > defaults).

Report destinations: ``--format`` is repeatable and takes ``FORMAT`` or ``FORMAT:FILE``. ``--output
FILE`` gives a destination to the nearest ``--format`` before it that has none (or, if there is none
before it, to the next one after it; with no ``--format`` at all, to the configured format). Only
one format may go to stdout. So ``--format sarif --output a.sarif --format junit:b.xml --format
text`` writes SARIF to a.sarif, JUnit to b.xml and text to stdout.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.cli import SEVERITIES
from scanner.config import KEYS_BY_NAME, Config, ConfigError, flags_from, parameter_overrides, resolve, split_format

STDOUT = "-"


class _Ordered(argparse.Action):
    """Record --format and --output in command-line order, so each --output finds its --format."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        events = list(getattr(namespace, "destinations", None) or [])
        events.append((self.dest, values))
        namespace.destinations = events


def add_config_arguments(parser: argparse.ArgumentParser, reports: bool = True) -> None:
    """The configuration flags; ``reports`` adds --format/--output and the report-only switches."""
    key = KEYS_BY_NAME
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="configuration file (default: .specdrift.yaml or pyproject.toml [tool.specdrift], "
                             "found from the working directory upwards)")
    if reports:
        parser.add_argument("--format", "-f", dest="format", action=_Ordered, metavar="FORMAT[:FILE]",
                            help="report format, repeatable: text, json, sarif, junit, gitlab, markdown, github; "
                                 "FORMAT:FILE writes that format to FILE (default: text)")
        parser.add_argument("--output", "-o", dest="output", action=_Ordered, metavar="FILE",
                            help="destination of the nearest --format without one ('-' = stdout)")
        parser.add_argument("--quiet", "-q", action="store_const", const=True, default=None,
                            help=key["quiet"].help)
        parser.add_argument("--show-passing", "-v", dest="show_passing", action="store_const", const=True,
                            default=None, help=key["show_passing"].help)
        parser.add_argument("--compact", action="store_const", const=True, default=None, help=key["compact"].help)
        parser.add_argument("--no-color", action="store_true", help="no colour (NO_COLOR is honoured too)")
        parser.add_argument("--annotations", choices=key["annotations"].choices, default=None,
                            help=key["annotations"].help)
        add_progress_arguments(parser)
    parser.add_argument("--fail-on", choices=SEVERITIES, default=None, help=key["fail_on"].help + " (default: info)")
    parser.add_argument("--baseline", metavar="FILE", default=None, help=key["baseline"].help)
    parser.add_argument("--strict", action="store_const", const=True, default=None, help=key["strict"].help)
    parser.add_argument("--policies-dir", dest="policies_dir", action="append", metavar="DIR", default=None,
                        help="own policy directory, added to the shipped pack (repeatable; a policy with a shipped "
                             "policy's ID replaces it, with a note)")
    parser.add_argument("--no-default-policies", dest="default_policies", action="store_const", const=False,
                        default=None, help="leave the shipped pack out: only the --policies-dir policies run")
    parser.add_argument("--external-checks-dir", dest="external_checks_dir", action="append", metavar="DIR",
                        default=None, help=key["external_checks_dir"].help + " (repeatable)")
    parser.add_argument("--policy", action="append", default=None, metavar="PATTERN",
                        help=key["policy"].help + " (repeatable)")
    parser.add_argument("--skip-policy", dest="skip_policy", action="append", default=None, metavar="PATTERN",
                        help=key["skip_policy"].help + " (repeatable)")
    parser.add_argument("--skip-path", dest="skip_path", action="append", default=None, metavar="GLOB",
                        help=key["skip_path"].help + " (repeatable)")
    parser.add_argument("--severity", action="append", default=None, metavar="POLICY=SEVERITY",
                        help="override a policy's severity (repeatable)")
    parser.add_argument("--param", dest="parameters", action="append", default=None, metavar="POLICY.PARAM=VALUE",
                        help="override a policy parameter, e.g. ME-DB-02.min_retention=35d (repeatable)")
    parser.add_argument("--var-file", dest="var_file", action="append", default=None, metavar="FILE",
                        help="Terraform .tfvars / .tfvars.json values (repeatable)")
    parser.add_argument("--context", choices=key["context"].choices, default=None, help=key["context"].help)
    parser.add_argument("--environment", "--baseline-env", dest="environment", default=None, metavar="ENV",
                        help=key["environment"].help)
    parser.add_argument("--with-checkov", dest="with_checkov", action="store_const", const=True, default=None,
                        help=key["with_checkov"].help + " (a checkov on PATH, or --checkov-path)")
    parser.add_argument("--checkov-path", dest="checkov_path", default=None, metavar="PATH",
                        help=key["checkov_path"].help)
    parser.add_argument("--follow-symlinks", dest="follow_symlinks", action="store_const", const=True, default=None,
                        help=key["follow_symlinks"].help)
    parser.add_argument("--download-external-modules", dest="download_external_modules", action="store_const",
                        const=True, default=None, help=key["download_external_modules"].help)


def destinations_from_events(events: Sequence[tuple[str, str]]) -> tuple[list[str] | None, list[str]]:
    """(``format`` flag entries or None when no --format was given, --output values left unbound)."""
    formats: list[list[str | None]] = []
    waiting: list[str] = []
    for kind, value in events:
        if kind == "format":
            name, path = split_format(value)
            if path is None and waiting:
                path = waiting.pop(0)
            formats.append([name, path])
            continue
        free = [entry for entry in formats if entry[1] is None]
        if free:
            free[-1][1] = value
        else:
            waiting.append(value)
    entries = [f"{name}:{path}" if path else str(name) for name, path in formats]
    return (entries or None), waiting


def load_config(args: argparse.Namespace) -> Config:
    """The effective configuration for this command line (raises ConfigError)."""
    flags = flags_from(args)
    waiting: list[str] = []
    if hasattr(args, "destinations"):
        flags["format"], waiting = destinations_from_events(getattr(args, "destinations", None) or [])
    config = resolve(flags, config_file=getattr(args, "config", None))
    if waiting:
        if len(waiting) > 1:
            raise ConfigError("more --output than --format: give each output its format (FORMAT:FILE)")
        free = [i for i, entry in enumerate(config["format"]) if split_format(entry)[1] is None]
        if len(free) != 1:
            raise ConfigError("--output needs exactly one format without a destination to apply to")
        name = split_format(config["format"][free[0]])[0]
        config.values["format"][free[0]] = f"{name}:{waiting[0]}"
        config.sources["format"] = "flag --output" if config.sources["format"] == "default" else \
            f"{config.sources['format']} + flag --output"
    return config


def report_destinations(config: Config) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout), checked: at most one format on stdout."""
    out = []
    for entry in config["format"]:
        name, path = split_format(entry)
        out.append((name, None if path in (None, STDOUT) else path))
        if path not in (None, STDOUT):
            _writable_target(name, str(path))
    if sum(1 for _, path in out if path is None) > 1:
        raise ConfigError("only one format can go to stdout; give the others a file (FORMAT:FILE or --output)")
    return out


def _writable_target(name: str, path: str) -> None:
    """A report file can be written there: checked before the scan, so a bad target costs no scan."""
    if Path(path).is_dir():
        raise ConfigError(f"--format {name}:{path}: is a directory; give a file name")
    blocking = next((p for p in Path(path).parents if p.exists()), None)  # made if missing, unless a file
    if blocking is not None and not blocking.is_dir():
        raise ConfigError(f"--format {name}:{path}: {blocking} is a file, not a directory")


def scan_options(config: Config, paths: Sequence[str]) -> Any:
    """ScanOptions from the configuration, with context files when files are named."""
    from scanner.context import context_files
    from scanner.scan import ScanOptions

    try:
        timeout = float(config["checkov_timeout"])
    except ValueError:
        raise ConfigError(f"checkov_timeout: expected seconds, got {config['checkov_timeout']!r}") from None
    return ScanOptions(
        paths=list(paths), policy_dirs=[Path(p) for p in config["policies_dir"]] or None,
        default_policies=config["default_policies"],
        external_checks=[Path(p) for p in config["external_checks_dir"]],
        var_files=config["var_file"], policies=config["policy"], skip_policies=config["skip_policy"],
        severity_overrides=config["severity"], parameter_overrides=parameter_overrides(config),
        context_paths=context_files(paths, config["context"], config["skip_path"]), baseline=config["baseline"],
        with_checkov=config["with_checkov"], checkov_path=config["checkov_path"], checkov_timeout=timeout,
        environment=config["environment"], download_external_modules=config["download_external_modules"],
        skip_paths=config["skip_path"], follow_symlinks=config["follow_symlinks"])


def add_progress_arguments(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress``: the ``progress`` key as always / never."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_const", const="always", default=None,
                       help="show the progress line on stderr even when it is not a terminal")
    group.add_argument("--no-progress", dest="progress", action="store_const", const="never",
                       help="never show the progress line (default: only on a terminal, after two seconds)")
