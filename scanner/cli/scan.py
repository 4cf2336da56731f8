"""``specdrift scan PATH...``: load IaC files, evaluate the policy pack, report in one or more formats."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, command, paths_exist, say, use_color, write_output


@command("scan", order=10)
def register(sub: Any) -> None:
    from scanner.cli.options import add_config_arguments

    scan = sub.add_parser("scan", help="scan IaC files and directories", description=(
        "Load every recognised file under PATH (Terraform, CloudFormation, ARM, Kubernetes, ...) "
        "and evaluate the policy pack on it. Named files are checked with their directory as context "
        "(--context); findings are reported for the named files only."),
        epilog="exit codes: 0 nothing at or above the fail level, 1 findings at or above it (not accepted by "
               "the baseline), 2 usage or tool error (with --strict also an unparseable file or a source that "
               "could not be read, a named file no loader reads, or no file read at all)")
    scan.add_argument("paths", nargs="+", metavar="PATH")
    add_config_arguments(scan)
    scan.add_argument("--jobs", "-j", type=int, metavar="N",
                      help="processes for loading large trees (default: the idle CPUs; 1: none; "
                           "SPECDRIFT_JOBS works too)")
    scan.add_argument("--parse-timeout", type=_seconds, metavar="SECONDS",
                      help="time one file's parse may take before the file is an error finding (default 30; "
                           "SPECDRIFT_PARSE_TIMEOUT works too)")
    scan.set_defaults(run=run)


def _seconds(text: str) -> float:
    from scanner.collectors.calls import positive_seconds  # at use: --help imports nothing of the collectors

    return positive_seconds(text)


def annotations_wanted(setting: str, destinations: list[tuple[str, str | None]]) -> bool:
    """Automatic GitHub annotations on stderr: in Actions (or always), unless stdout already gets them."""
    if setting == "never" or ("github", None) in destinations:
        return False
    return setting == "always" or os.environ.get("GITHUB_ACTIONS") == "true"


def run(args: argparse.Namespace) -> int:
    from scanner.cli import exits_after_command
    from scanner.report import cyclic_gc_paused

    # One pause over the scan and its reports: switched on between them, the collector would walk the
    # whole heap of resources and findings once more before the reports are written.
    with cyclic_gc_paused(resume=not exits_after_command()):
        return _scan_and_report(args)


def _scan_and_report(args: argparse.Namespace) -> int:
    from scanner.baseline import BaselineError
    from scanner.cli.options import load_config, report_destinations, scan_options
    from scanner.config import ConfigError
    from scanner.environment import EnvironmentFileError
    from scanner.model import Status
    from scanner.progress import showing
    from scanner.reporters import REPORTERS, output_of
    from scanner.reporters.text import TextReporter, screen_width, terminal_has_colour
    from scanner.scan import scan

    if not paths_exist(args.paths):
        return EXIT_ERROR
    if args.parse_timeout is not None:
        from scanner.loaders.budget import set_parse_seconds

        set_parse_seconds(args.parse_timeout)
    try:
        config = load_config(args)
        destinations = report_destinations(config)
        if config["environment"]:  # named explicitly: a missing file is a usage error, not an unknown
            from scanner.environment import load_components

            load_components(config["environment"])
        if not paths_exist(config["var_file"]):  # named explicitly: a missing one is a usage error
            return EXIT_ERROR
        with showing(config["progress"]):  # the line is erased before any report is written
            report = scan(replace(scan_options(config, args.paths), jobs=args.jobs))
    except (ConfigError, BaselineError, EnvironmentFileError) as exc:
        say(f"error: {exc}")
        return EXIT_ERROR
    fail_on = config.fail_on
    for name, output in destinations:
        on_screen = output is None
        reporter = REPORTERS[name] if name != "text" else TextReporter(
            show_passing=config["show_passing"], quiet=config["quiet"], compact=config["compact"],
            width=screen_width(sys.stdout if on_screen else None))  # a file: COLUMNS or 80
        color = name == "text" and on_screen and use_color(args, sys.stdout) and terminal_has_colour(sys.stdout)
        if output:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
        write_output(output_of(reporter, report, fail_on, color), output)
    if annotations_wanted(config["annotations"], destinations):
        sys.stderr.write(REPORTERS["github"].render(report, fail_on, False))
    errors = [f for f in report.findings if f.status == Status.ERROR and not f.accepted]
    for finding in errors:
        where = f"{finding.file}:{finding.line or '?'}" if finding.file else finding.origin
        say(f"{where}: {finding.message}")
    for note in report.notes:
        say(note)
    nothing_read = not report.files
    if nothing_read:  # an empty tree, only unknown file types, or all of it skipped: nothing was checked
        say(f"no file under {', '.join(args.paths)} is read by any loader: nothing was checked"
            f"{'' if config['strict'] else ' (--strict makes this an error)'}")
    if config["strict"] and (errors or report.unclaimed or nothing_read):
        return EXIT_ERROR
    return EXIT_FINDINGS if report.failing(fail_on) else EXIT_OK
