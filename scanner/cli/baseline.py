"""``specdrift baseline create|update FILE PATH...``: accept the current findings in a baseline file.

``create`` writes an ``accepted:`` entry for every finding that fails a gate (violations, and files
that could not be parsed), each with owner, reason and expiry; it refuses to overwrite entries that
exist (use ``update``). ``update`` keeps the entries that still accept a finding (their owner,
reason and expiry untouched), adds entries for new findings and drops the ones that accept nothing
any more. Only the ``accepted:`` list is rewritten; the rest of the file is left as it was.

``migrate FILE`` brings a file written by an older specdrift to the current layout, comments kept: a file of
accepted findings alone that hides an environment's components gets them copied in, and an ``accepted:`` list
with YAML anchors is written without them. Every scan that reads such a file names it and this command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_OK, Parser, command, paths_exist

DEFAULT_DAYS = 90


def _expiry(text: str) -> dt.date:
    """``2025-06-30`` or a number of days from today (``90d``)."""
    if text.endswith("d") and text[:-1].isdigit():
        return dt.date.today() + dt.timedelta(days=int(text[:-1]))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD or a number of days like 90d, got {text!r}") from None


@command("baseline", order=40)
def register(sub: Any) -> None:
    from scanner.cli.options import add_config_arguments

    baseline = sub.add_parser("baseline", help="accept current findings in a baseline file (create, update, migrate)")
    actions = baseline.add_subparsers(dest="baseline_command", metavar="ACTION", parser_class=Parser, required=True)
    for name, text in (("create", "write a new accepted: list from the current findings"),
                       ("update", "keep still-matching entries, add new findings, drop fixed ones")):
        action = actions.add_parser(name, help=text, description=__doc__)
        action.add_argument("file", type=Path, metavar="FILE", help="baseline file, e.g. baselines/production.yaml")
        action.add_argument("paths", nargs="+", metavar="PATH", help="what to scan")
        action.add_argument("--owner", required=True, help="who accepts the findings (team or person)")
        action.add_argument("--reason", default=None, help="why they are accepted")
        action.add_argument("--expires", type=_expiry, default=None, metavar="DATE|Nd",
                            help=f"expiry of new entries (default: {DEFAULT_DAYS} days from today)")
        if name == "create":
            action.add_argument("--force", action="store_true", help="replace an existing accepted: list")
        add_config_arguments(action, reports=False)
    migrate = actions.add_parser("migrate", help="bring a file written by an older specdrift to the current layout",
                                 description=__doc__)
    migrate.add_argument("file", type=Path, metavar="FILE", help="baseline file, e.g. baselines/production.yaml")
    baseline.set_defaults(run=run)


def run_migrate(path: Path) -> int:
    from scanner.baseline import BaselineError, migrate

    if not path.is_file():
        print(f"specdrift: error: no such file: {path}", file=sys.stderr)
        return EXIT_ERROR
    try:
        done = migrate(path)
    except BaselineError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"specdrift: {path}: " + ("; ".join(done) if done else "already in the current layout, left as it was"),
          file=sys.stderr)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from scanner.baseline import (
        SOON_DAYS,
        BaselineError,
        hidden_environment,
        load_accepted,
        shown_path,
        start_from_environment,
        updated_entries,
        write_accepted,
    )
    from scanner.cli.options import load_config, scan_options
    from scanner.config import ConfigError
    from scanner.scan import scan

    if args.baseline_command == "migrate":
        return run_migrate(args.file)
    if not paths_exist(args.paths):
        return EXIT_ERROR
    today = dt.date.today()
    expires = args.expires or today + dt.timedelta(days=DEFAULT_DAYS)
    if expires < today:
        print(f"specdrift: error: --expires {expires.isoformat()} is in the past: an acceptance that has expired "
              f"accepts nothing", file=sys.stderr)
        return EXIT_ERROR
    if (expires - today).days <= SOON_DAYS:
        print(f"specdrift: warning: the new acceptances expire on {expires.isoformat()}, in "
              f"{(expires - today).days} day(s); every scan will say so", file=sys.stderr)
    reason = args.reason or f"accepted when the baseline was {args.baseline_command}d"
    try:
        existing = load_accepted(args.file) if args.file.exists() else []
        if args.baseline_command == "create" and existing and not args.force:
            print(f"specdrift: error: {args.file} already accepts {len(existing)} finding(s); use "
                  f"`specdrift baseline update` (or create --force)", file=sys.stderr)
            return EXIT_ERROR
        config = load_config(args)
        options = scan_options(config, args.paths)
        options.baseline = None  # accept what the scan finds, not what the old baseline already hides
        report = scan(options)
        previous = existing if args.baseline_command == "update" else []
        entries, added, dropped = updated_entries(report.findings, previous, args.owner, reason, expires)
        args.file.parent.mkdir(parents=True, exist_ok=True)
        environment = hidden_environment(args.file)
        if environment is not None:
            start_from_environment(args.file, environment)
            print(f"specdrift: {args.file}: starts with the components of {shown_path(environment)}, which it would "
                  f"otherwise hide as the environment {args.file.stem!r}", file=sys.stderr)
        write_accepted(args.file, entries)
    except (ConfigError, BaselineError) as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"specdrift: {args.file}: {len(entries)} accepted finding(s): {added} added, "
          f"{len(entries) - added} kept, {dropped} dropped", file=sys.stderr)
    return EXIT_OK
