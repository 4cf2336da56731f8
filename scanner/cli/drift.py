"""``specdrift drift --iac PATH (--aws | --live state.json)``: declared vs live vs required, per requirement."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scanner.cli import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    SEVERITIES,
    command,
    paths_exist,
    say,
    use_color,
    write_output,
)
from scanner.cli.collect import add_collector_arguments


@command("drift", order=70)
def register(sub: Any) -> None:
    drift = sub.add_parser("drift", help="compare IaC with live state and the policies", description=(
        "Match what the IaC declares with what runs (CloudFormation stacks and logical-ID tags, Terraform state, "
        "names, tags), report changed / missing / unmanaged resources and each side's verdict per requirement, "
        "with the fix for the cloud (AWS CLI) and for the IaC (a snippet in its format)."))
    drift.add_argument("--iac", action="append", default=[], metavar="PATH",
                       help="IaC files or directories (repeatable); without it only live state is judged")
    from scanner.collectors import COLLECTORS

    # Any number of live sources, one report: --gcp --azure, --aws with a snapshot, the databases beside them.
    for name in COLLECTORS.names():
        if getattr(COLLECTORS[name], "takes_value", False):
            continue  # its own option selects it and names what to read (--postgres URL, repeatable)
        aliases = [f"--{alias}" for alias in getattr(COLLECTORS[name], "aliases", ())]  # --kube for --kubernetes
        drift.add_argument(f"--{name}", *aliases, dest="providers", action="append_const", const=name,
                           help=COLLECTORS[name].description)
    drift.add_argument("--live", metavar="FILE", help="a snapshot written by `specdrift collect`")
    drift.add_argument("--stack", action="append", default=[], metavar="NAME",
                       help="CloudFormation stack the templates were deployed as (default: inferred)")
    drift.add_argument("--tf-state", action="append", default=[], metavar="FILE",
                       help="terraform.tfstate or `terraform show -json` output, to pair by resource ID")
    drift.add_argument("--unmanaged", choices=("declared-types", "all", "none"), default="declared-types",
                       help="report live resources no IaC declares: of the types the IaC declares (default), "
                            "of every collected type, or not at all")
    from scanner.reporters import REPORTERS

    drift.add_argument("--format", "-f", choices=tuple(dict.fromkeys(("text", "json", *REPORTERS.names()))),
                       default="text", help="text and json: the drift report (declared, live, required per "
                                            "requirement); the others: its findings, as `scan` writes them")
    drift.add_argument("--baseline", metavar="FILE",
                       help="baseline whose accepted: entries accept drift and live findings as they do scan "
                            "findings (policy SD-DRIFT for a drifted attribute, missing or unmanaged resource)")
    drift.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    drift.add_argument("--fail-on", choices=SEVERITIES, default="info",
                       help="exit 1 on any drift, or on a violation of this severity or higher (default: info)")
    from scanner.cli.policies import add_pack_arguments

    add_pack_arguments(drift)
    drift.add_argument("--policy", action="append", default=[], metavar="PATTERN",
                       help="only these policies: ID, requirement ID or tag, wildcards allowed (repeatable)")
    drift.add_argument("--skip-policy", action="append", default=[], metavar="PATTERN",
                       help="leave these policies out (repeatable)")
    drift.add_argument("--quiet", "-q", action="store_true", help="text format: hide resources in sync")
    drift.add_argument("--no-color", action="store_true", help="no colour (NO_COLOR is honoured too)")
    from scanner.cli.history import add_store_argument

    add_store_argument(drift, "keep this run in the history store (a SQLite file or a postgresql:// URL)")
    drift.add_argument("--scope", metavar="NAME", help="with --store: the runs this one is compared with "
                                                       "(default: drift:<sources>)")
    add_collector_arguments(drift)
    drift.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scanner.baseline import BaselineError, apply_baseline, known_ids
    from scanner.cli.policies import pack_of
    from scanner.collectors import COLLECTORS
    from scanner.collectors.calls import CollectorError
    from scanner.collectors.snapshot import SnapshotError, load
    from scanner.drift.findings import as_report, drift_findings, failing
    from scanner.drift.match import MatchOptions
    from scanner.drift.render import render_json, render_text
    from scanner.drift.report import build, combined
    from scanner.drift.tfstate import StateError, load_ids
    from scanner.mappings import load_paths
    from scanner.model import Severity
    from scanner.progress import showing
    from scanner.reporters import REPORTERS, output_of
    from scanner.scan import ScanOptions, select_policies

    if not paths_exist(args.iac):
        return EXIT_ERROR
    pack = pack_of(args)
    policies = select_policies(pack,
                               ScanOptions(paths=(), policies=args.policy, skip_policies=args.skip_policy))
    try:
        tf_state: dict[str, set[str]] = {}
        for path in args.tf_state:
            tf_state.update(load_ids(path))
        sources = _sources(args, COLLECTORS)
        if not sources:
            print("specdrift: error: give a live source: " + ", ".join(
                f"--{n} URL" if getattr(COLLECTORS[n], "takes_value", False) else f"--{n}" for n in COLLECTORS.names())
                  + " or --live FILE", file=sys.stderr)
            return EXIT_ERROR
        collections = []
        for name in sources:
            if name == "--live":
                collections.append((load(args.live), f"snapshot {args.live}"))
            else:
                plugin = COLLECTORS[name]
                with showing(args.progress or "auto"):
                    collections.append((plugin.collect(plugin.options(args)), name))
    except (CollectorError, SnapshotError, StateError) as exc:
        say(f"error: {exc}")
        return EXIT_ERROR
    outcome = load_paths(args.iac) if args.iac else None
    declared = outcome.resources if outcome else []
    reports = [build(declared, collection, policies,
                     MatchOptions(stacks=tuple(args.stack), tf_state=tf_state, unmanaged=args.unmanaged,
                                  regions=collection.regions),
                     outcome.files if outcome else {}, outcome.errors if outcome else [], source)
               for collection, source in collections]
    report = combined(reports)
    fail_on = Severity(args.fail_on)
    findings = drift_findings(report)
    notes: list[str] = []
    if args.baseline:
        try:
            findings, notes = apply_baseline(findings, args.baseline, known_ids(pack))
        except BaselineError as exc:
            say(f"error: {exc}")
            return EXIT_ERROR
    color = not args.output and use_color(args, sys.stdout)
    if args.format == "json":
        text: Any = render_json(report, fail_on, findings)
    elif args.format == "text":
        text = render_text(report, fail_on, color, show_in_sync=not args.quiet, findings=findings)
    else:
        text = output_of(REPORTERS[args.format], as_report(report, findings, notes), fail_on, color)
    write_output(text, args.output)
    if args.store:
        from scanner.cli.history import store_drift_run

        if not store_drift_run(args, report, findings, [s.lstrip("-") for s in sources]):
            return EXIT_ERROR
    for note in notes:
        say(note)
    for error in report.parse_errors:
        say(f"{error.file}:{error.line or '?'}: {error.message}")
    for gap in report.gaps:
        say(f"could not read {gap.describe()}")
    return EXIT_FINDINGS if failing(findings, fail_on) else EXIT_OK


def _sources(args: argparse.Namespace, collectors: Any) -> list[str]:
    """The live sources asked for, in order: a snapshot, a flag (--aws), the sources whose option names what to
    read (--postgres URL, --redis URL: several in one report)."""
    chosen = (["--live"] if args.live else []) + list(dict.fromkeys(getattr(args, "providers", None) or ()))
    return chosen + [n for n in collectors.names() if getattr(collectors[n], "takes_value", False)
                     and getattr(args, n.replace("-", "_"), None)]
