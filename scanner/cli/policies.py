"""``specdrift policies list|show``: the policy pack as a user browses it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_OK, Parser


def register(sub: Any) -> None:
    policies = sub.add_parser("policies", help="list and show the policy pack")
    policies.add_argument("--policies-dir", action="append", type=Path, metavar="DIR",
                          help="policy pack directory (repeatable; default: the shipped pack)")
    policies.set_defaults(run=run, policies_command="list")
    psub = policies.add_subparsers(dest="policies_command", metavar="ACTION", parser_class=Parser)
    psub.add_parser("list", help="one line per policy")
    show = psub.add_parser("show", help="one policy in full")
    show.add_argument("policy_id")


def run(args: argparse.Namespace) -> int:
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
