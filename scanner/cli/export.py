"""``specdrift export checkov DIR``: the policy pack as checkov custom YAML policies, where it can be said."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner.cli import EXIT_OK, Parser, command


@command("export", order=50)
def register(sub: Any) -> None:
    from scanner.cli.policies import add_pack_arguments

    export = sub.add_parser("export", help="export policies for other tools (checkov)")
    targets = export.add_subparsers(dest="export_target", metavar="TARGET", parser_class=Parser, required=True)
    checkov = targets.add_parser("checkov", help="write checkov custom YAML policies into DIR", description=(
        "Write each policy whose check checkov's attribute conditions can express as a checkov custom policy "
        "(metadata + definition with cond_type: attribute), one file per policy and group of resource types; "
        "say which policies (or resource types) could not be exported and why. "
        "Use them with: checkov --external-checks-dir DIR -d PATH"))
    checkov.add_argument("directory", type=Path, metavar="DIR")
    add_pack_arguments(checkov)
    checkov.add_argument("--policy", action="append", default=[], metavar="PATTERN",
                         help="only these policies (ID, requirement or tag, wildcards)")
    export.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scanner.checkov.export import export_policies
    from scanner.cli.policies import pack_of
    from scanner.scan import ScanOptions, select_policies

    policies = select_policies(pack_of(args), ScanOptions(paths=(), policies=args.policy))
    result = export_policies(policies, args.directory)
    for item in result.exported:
        print(f"exported {item.policy_id} -> {item.file} ({item.checkov_id}: {', '.join(item.resource_types)})")
    for policy_id, reasons in result.partial.items():
        for rtype, why in reasons.items():
            print(f"partial  {policy_id}: {rtype} not exported: {why}")
    for policy_id, caveats in result.caveats.items():
        for caveat in caveats:
            print(f"caveat   {policy_id}: {caveat}")
    for policy_id, why in result.skipped.items():
        print(f"skipped  {policy_id}: {why}")
    print(f"specdrift: {len({e.policy_id for e in result.exported})} of {len(policies)} policies exported to "
          f"{args.directory}", file=sys.stderr)
    return EXIT_OK
