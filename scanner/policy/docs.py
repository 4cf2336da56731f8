"""The policy reference, generated from the policies themselves (never written twice): for each policy its
requirement, the guide's sentence, parameters, the sources its fixtures prove, and its examples."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from scanner.catalog import requirements
from scanner.policy.coverage import fixture_files, fixture_result, format_of, formats, source_order
from scanner.policy.pack import Policy
from scanner.tables import read_table

HEADER = """# Policy reference

Generated from `policies/` by `specdrift policies docs --output docs/policies.md`; do not edit by hand
(a test fails when this file is out of date). Each policy cites the requirement it enforces from the
catalogue (`scanner/catalog/requirements.md`). "Proven on" lists the sources where the policy's own
`pass/` fixtures comply; the fixtures are beside the policy and `expected.yaml` lists every violation
its `fail/` fixtures must produce.
"""


def expected_violations(policy: Policy) -> list[dict[str, object]]:
    path = policy.directory / "expected.yaml"
    if not path.is_file():
        return []
    return list((read_table(path, None) or {}).get("violations") or [])


def _value(value: object) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def describe(policy: Policy) -> list[str]:
    """The lines ``specdrift policies show`` prints and the reference renders (Markdown-friendly)."""
    catalogue = requirements()
    lines = [f"{policy.id}: {policy.title}", ""]
    for rid in policy.requirements:
        row = catalogue.get(rid)
        if row is not None:
            lines.append(f"- requirement {rid} ({row.section}): {row.text}"
                         + (f" — {row.value}" if row.value else "") + (f" [{row.basis}]" if row.basis else ""))
            if row.where:
                lines.append(f"  where it can be seen: {row.where}")
    if policy.guide:
        lines.append(f"- guide: {policy.guide}")
    if policy.description:
        lines.append(f"- what is checked: {policy.description}")
    lines.append(f"- severity: {policy.severity.value}; applies to: {', '.join(sorted(policy.kinds))}")
    if policy.tags:
        lines.append(f"- tags: {', '.join(policy.tags)}")
    result = fixture_result(policy)
    proven = sorted(result.covered, key=source_order)
    lines.append(f"- proven on: {', '.join(proven) or 'nothing (no complying fixture)'}")
    if policy.parameters:
        lines.append("- parameters:")
        for param in policy.parameters.values():
            lines.append(f"  - `{param.name}` = `{_value(param.default)}` ({param.type})"
                         + (f": {param.description}" if param.description else ""))
    lines.append("- examples:")
    for sub in ("pass", "fail"):
        files = [str(f.relative_to(policy.directory)) for f in fixture_files(policy, sub)]
        lines.append(f"  - {sub}: {', '.join(files) or 'none'}")
    for item in expected_violations(policy):
        text = _line_text(policy.directory / str(item.get("file")), item.get("line"))
        lines.append(f"  - violation: {item.get('file')}:{item.get('line')} {item.get('address')}"
                     + (f" — `{text}`" if text else ""))
    return lines


def _line_text(path: Path, line: object) -> str:
    if not isinstance(line, int) or not path.is_file():
        return ""
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[line - 1].strip()[:100] if 0 < line <= len(lines) else ""


def render(policies: Sequence[Policy]) -> str:
    """The whole reference as Markdown, grouped by requirement group, in ID order."""
    out = [HEADER]
    groups: dict[str, list[Policy]] = {}
    for policy in sorted(policies, key=lambda p: p.id):
        groups.setdefault(policy.id.split("-")[1], []).append(policy)
    out.append("| policy | requirement | severity | title | proven on |")
    out.append("|---|---|---|---|---|")
    for group_policies in groups.values():
        for policy in group_policies:
            order = formats()
            proven = sorted({format_of(s) for s in fixture_result(policy).covered},
                            key=lambda f: (order.index(f), f) if f in order else (len(order), f))
            out.append(f"| [{policy.id}](#{policy.id.lower()}) | {', '.join(policy.requirements)} | "
                       f"{policy.severity.value} | {policy.title} | {', '.join(proven)} |")
    for group, group_policies in groups.items():
        out.append("")
        out.append(f"## {group}")
        for policy in group_policies:
            lines = describe(policy)
            out.append("")
            out.append(f"### {policy.id}")
            out.append("")
            out.append(f"**{policy.title}**")
            out.append("")
            out.extend(lines[2:])
    return "\n".join(out) + "\n"
