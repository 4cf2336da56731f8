"""``specdrift policies list|show|coverage|docs``: the policy pack as a user browses it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Parser, command, write_output


@command("policies", order=20)
def register(sub: Any) -> None:
    policies = sub.add_parser("policies", help="list, show, document the policy pack and its coverage")
    add_pack_arguments(policies)
    policies.set_defaults(run=run, policies_command="list")
    psub = policies.add_subparsers(dest="policies_command", metavar="ACTION", parser_class=Parser)
    psub.add_parser("list", help="one line per policy")
    show = psub.add_parser("show", help="one policy in full: requirement, guide, parameters, examples")
    show.add_argument("policy_id")
    coverage = psub.add_parser("coverage", help="requirement x source matrix, proven by the policies' fixtures",
                               description="Which requirement is checked on which source (IaC format per cloud, "
                               "live API), counted against the catalogue's 'where it can be seen' column.")
    coverage.add_argument("--format", "-f", choices=("text", "json"), default="text")
    coverage.add_argument("--group", action="append", default=[], metavar="GROUP",
                          help="only these requirement groups (NET, DB, ...; repeatable)")
    coverage.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    coverage.add_argument("--check", action="store_true",
                          help="exit 1 when an IaC source the catalogue lists is not covered")
    docs = psub.add_parser("docs", help="write the policy reference (Markdown) generated from the policies")
    docs.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")


def add_pack_arguments(parser: argparse.ArgumentParser) -> None:
    """The pack options a command that reads policies takes, meaning what they mean to ``scan``."""
    parser.add_argument("--policies-dir", action="append", type=Path, metavar="DIR", default=None,
                        help="own policy directory, added to the shipped pack (repeatable; a policy with a shipped "
                             "policy's ID replaces it, with a note)")
    parser.add_argument("--no-default-policies", dest="default_policies", action="store_false",
                        help="leave the shipped pack out: only the --policies-dir policies")
    parser.add_argument("--external-checks-dir", action="append", type=Path, metavar="DIR", default=None,
                        help="directory of own Python check functions the policies may name (repeatable)")


def pack_of(args: argparse.Namespace) -> list[Any]:
    """The policies ``add_pack_arguments``' options name (the shipped pack by default); notes on stderr."""
    from scanner.policy.pack import load_pack

    policies, notes = load_pack(args.policies_dir or (), args.default_policies, args.external_checks_dir or ())
    for note in notes:
        print(f"specdrift: {note}", file=sys.stderr)
    return policies


def run(args: argparse.Namespace) -> int:
    policies = pack_of(args)
    if args.policies_command == "show":
        from scanner.policy.docs import describe

        match = [p for p in policies if p.id.lower() == args.policy_id.lower()]
        if not match:
            print(f"specdrift: error: no policy {args.policy_id}", file=sys.stderr)
            return EXIT_ERROR
        print("\n".join([*describe(match[0]), f"- file: {match[0].path}"]))
        return EXIT_OK
    if args.policies_command == "coverage":
        from scanner.policy.coverage import build_matrix, render_text

        matrix = build_matrix(policies, args.group)
        text = json.dumps(matrix.to_dict(), indent=2, ensure_ascii=False) + "\n" if args.format == "json" \
            else render_text(matrix)
        write_output(text, args.output)
        missing = [(r.requirement.id, s) for r in matrix.rows for s in r.missing_iac]
        return EXIT_FINDINGS if args.check and missing else EXIT_OK
    if args.policies_command == "docs":
        from scanner.policy.docs import render

        write_output(render(policies), args.output)
        return EXIT_OK
    for p in policies:
        print(f"{p.id:<18} {p.severity.value:<9} {','.join(p.requirements):<22} {p.title}")
    return EXIT_OK
