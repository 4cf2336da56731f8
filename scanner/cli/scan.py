"""``specdrift scan PATH...``: load IaC files, evaluate the policy pack, report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, SEVERITIES, use_color, write_output


def register(sub: Any) -> None:
    scan = sub.add_parser("scan", help="scan IaC files and directories", description=(
        "Load every recognised file under PATH (Terraform, CloudFormation, ARM, Kubernetes, ...) "
        "and evaluate the policy pack on it."))
    scan.add_argument("paths", nargs="+", metavar="PATH")
    scan.add_argument("--format", "-f", choices=("text", "json"), default="text")
    scan.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    scan.add_argument("--fail-on", choices=SEVERITIES, default="info",
                      help="exit 1 when a violation of this severity or higher is found (default: info)")
    scan.add_argument("--policies-dir", action="append", type=Path, metavar="DIR",
                      help="policy pack directory (repeatable; default: the shipped pack)")
    scan.add_argument("--policy", action="append", default=[], metavar="PATTERN",
                      help="only these policies: ID, requirement ID or tag, wildcards allowed (repeatable)")
    scan.add_argument("--skip-policy", action="append", default=[], metavar="PATTERN",
                      help="leave these policies out (repeatable)")
    scan.add_argument("--var-file", action="append", default=[], metavar="FILE",
                      help="Terraform .tfvars / .tfvars.json values (repeatable)")
    scan.add_argument("--baseline-env", metavar="ENV", default=os.environ.get("SPECDRIFT_BASELINE_ENV"),
                      help="environment baseline (baselines/ENV.yaml) whose components sizing policies check "
                           "(default: $SPECDRIFT_BASELINE_ENV, else production)")
    scan.add_argument("--quiet", "-q", action="store_true", help="text format: hide compliant results")
    scan.add_argument("--no-color", action="store_true", help="no colour (NO_COLOR is honoured too)")
    scan.add_argument("--strict", action="store_true", help="unparseable files fail the gate (exit 2)")
    scan.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scanner.model import Severity, Status
    from scanner.reporters import Format, reporter_for
    from scanner.reporters.text import TextReporter
    from scanner.scan import ScanOptions, scan

    for path in args.paths:
        if not Path(path).exists():
            print(f"specdrift: error: no such file or directory: {path}", file=sys.stderr)
            return EXIT_ERROR
    if args.baseline_env:
        from scanner.baseline.components import BaselineError, load_components

        try:
            load_components(args.baseline_env)
        except BaselineError as exc:
            print(f"specdrift: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
    options = ScanOptions(paths=args.paths, policy_dirs=args.policies_dir, var_files=args.var_file,
                          policies=args.policy, skip_policies=args.skip_policy, baseline_env=args.baseline_env)
    report = scan(options)
    fail_on = Severity(args.fail_on)
    fmt = Format(args.format)
    reporter = TextReporter(show_compliant=not args.quiet) if fmt is Format.TEXT else reporter_for(fmt)
    color = fmt is Format.TEXT and not args.output and use_color(args, sys.stdout)
    write_output(reporter.render(report, fail_on, color), args.output)
    errors = [f for f in report.findings if f.status == Status.ERROR]
    for finding in errors:
        print(f"specdrift: {finding.file}:{finding.line or '?'}: {finding.message}", file=sys.stderr)
    if args.strict and errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if report.failing(fail_on) else EXIT_OK
