"""The ``specdrift`` command line. Exit codes: 0 pass, 1 findings at/above the fail level, 2 usage or tool error."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from scanner import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITIES = ("info", "low", "medium", "high", "critical")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"specdrift: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="specdrift", description=(
        "Check infrastructure-as-code and live state against the policies that encode your "
        "infrastructure guide, and report drift with fixes to paste."),
        epilog="exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 usage or tool error")
    parser.add_argument("--version", action="version", version=f"specdrift {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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
    scan.add_argument("--quiet", "-q", action="store_true", help="text format: hide compliant results")
    scan.add_argument("--no-color", action="store_true", help="no colour (NO_COLOR is honoured too)")
    scan.add_argument("--strict", action="store_true", help="unparseable files fail the gate (exit 2)")

    policies = sub.add_parser("policies", help="list and show the policy pack")
    psub = policies.add_subparsers(dest="policies_command", metavar="ACTION", parser_class=_Parser)
    plist = psub.add_parser("list", help="one line per policy")
    plist.add_argument("--policies-dir", action="append", type=Path, metavar="DIR")
    pshow = psub.add_parser("show", help="one policy in full")
    pshow.add_argument("policy_id")
    pshow.add_argument("--policies-dir", action="append", type=Path, metavar="DIR")
    return parser


def _use_color(args: argparse.Namespace, stream: object) -> bool:
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _cmd_scan(args: argparse.Namespace) -> int:
    from scanner.model import Severity, Status
    from scanner.reporters import Format, reporter_for
    from scanner.reporters.text import TextReporter
    from scanner.scan import ScanOptions, scan

    for path in args.paths:
        if not Path(path).exists():
            print(f"specdrift: error: no such file or directory: {path}", file=sys.stderr)
            return EXIT_ERROR
    options = ScanOptions(paths=args.paths, policy_dirs=args.policies_dir, var_files=args.var_file,
                          policies=args.policy, skip_policies=args.skip_policy)
    report = scan(options)
    fail_on = Severity(args.fail_on)
    fmt = Format(args.format)
    reporter = TextReporter(show_compliant=not args.quiet) if fmt is Format.TEXT else reporter_for(fmt)
    color = fmt is Format.TEXT and not args.output and _use_color(args, sys.stdout)
    _write(reporter.render(report, fail_on, color), args.output)
    errors = [f for f in report.findings if f.status == Status.ERROR]
    for finding in errors:
        print(f"specdrift: {finding.file}:{finding.line or '?'}: {finding.message}", file=sys.stderr)
    if args.strict and errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if report.failing(fail_on) else EXIT_OK


def _cmd_policies(args: argparse.Namespace) -> int:
    from scanner.policy.catalog import load_policies

    policies = load_policies(args.policies_dir)
    if args.policies_command == "show":
        match = [p for p in policies if p.id == args.policy_id]
        if not match:
            print(f"specdrift: error: no policy {args.policy_id}", file=sys.stderr)
            return EXIT_ERROR
        p = match[0]
        lines = [f"{p.id}  {p.title}", f"requirements: {', '.join(p.requirements)}", f"severity: {p.severity.value}",
                 f"applies to: {', '.join(sorted(p.kinds))}", f"sources: {', '.join(p.sources)}"]
        if p.guide:
            lines.append(f"guide: {p.guide}")
        for param in p.parameters.values():
            lines.append(f"parameter {param.name} = {param.default!r} ({param.type}) {param.description}")
        lines.append(f"file: {p.path}")
        print("\n".join(lines))
        return EXIT_OK
    for p in policies:
        print(f"{p.id:<12} {p.severity.value:<9} {','.join(p.requirements):<22} {p.title}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    from scanner.policy.catalog import PolicyError

    try:
        if args.command == "scan":
            return _cmd_scan(args)
        if args.command == "policies":
            if args.policies_command is None:
                args.policies_command = "list"
                args.policies_dir = None
            return _cmd_policies(args)
    except PolicyError as exc:
        print(f"specdrift: policy error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a tool error must exit 2 with one line, never a traceback with values in it
        print(f"specdrift: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("SPECDRIFT_DEBUG"):
            raise
        return EXIT_ERROR
    return EXIT_ERROR
