"""Human report: one rich table per file, then the fixes to paste, then a summary line."""

from __future__ import annotations

import io
import os
from collections import defaultdict

from scanner.model import Finding, Severity, Status
from scanner.scan import Report

_STATUS_STYLE = {Status.VIOLATES: "bold red", Status.UNKNOWN: "yellow", Status.ERROR: "bold magenta",
                 Status.COMPLIES: "green"}
_STATUS_MARK = {Status.VIOLATES: "✗ violates", Status.UNKNOWN: "? unknown", Status.ERROR: "! error",
                Status.COMPLIES: "✓ complies"}


def _short(value: object, limit: int = 48) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(f: Finding) -> str:
    if f.status == Status.COMPLIES:
        return ""
    text = f.message
    if f.also_reported_as:
        text += f" (also checkov {', '.join(f.also_reported_as)})"
    if f.acceptance is not None:
        a = f.acceptance
        text += (f" [acceptance by {a.owner} expired {a.expires}]" if a.expired
                 else f" [accepted by {a.owner} until {a.expires}: {a.reason}]")
    return text


class TextReporter:
    def __init__(self, show_compliant: bool = True) -> None:
        self.show_compliant = show_compliant

    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        buffer = io.StringIO()
        width = int(os.environ.get("COLUMNS", "0") or 0) or 160
        console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False,
                          soft_wrap=False)
        by_file: dict[str, list[Finding]] = defaultdict(list)
        for finding in report.findings:
            if finding.status == Status.COMPLIES and not self.show_compliant:
                continue
            by_file[finding.file or finding.origin or "(live)"].append(finding)
        for path in sorted(by_file):
            findings = by_file[path]
            fmt = report.files.get(path, "")
            console.print(Text(f"{path}" + (f"  ({fmt})" if fmt else ""), style="bold underline"))
            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
            for column, kwargs in (("line", {"justify": "right", "no_wrap": True}), ("status", {"no_wrap": True}),
                                   ("severity", {"no_wrap": True}), ("requirement", {"no_wrap": True}),
                                   ("resource", {"overflow": "fold", "max_width": 44}),
                                   ("declared", {"overflow": "fold", "max_width": 30}),
                                   ("required", {"overflow": "fold", "max_width": 30}),
                                   ("message", {"overflow": "fold", "ratio": 1})):
                table.add_column(column, **kwargs)
            for f in findings:
                requirement = ",".join(f.requirement_ids) or f.policy_id
                if f.requirement_ids and f.requirement_ids != (f.policy_id,):
                    requirement = f"{f.policy_id} ({requirement})"
                mark = Text("~ accepted", style="dim") if f.accepted else \
                    Text(_STATUS_MARK[f.status], style=_STATUS_STYLE[f.status])
                # Text cells, not markup: addresses and messages hold brackets (x[0], containers[api]).
                table.add_row(str(f.line or ""), mark, f.severity.value, Text(requirement), Text(f.resource_address),
                              Text(_short(f.observed)), Text(_short(f.expected)), Text(_message(f)))
            console.print(table)
            fixes = [f for f in findings if f.status == Status.VIOLATES and not f.accepted and f.remediation
                     and f.remediation.snippet]
            for f in fixes:
                assert f.remediation is not None
                console.print(Text(f"  fix {f.policy_id} at line {f.line} ({f.remediation.format}):", style="cyan"))
                for line in f.remediation.snippet.splitlines():
                    console.print(Text("    " + line))
            console.print()
        counts = report.counts()
        failing = len(report.failing(fail_on))
        summary = (f"{len(report.files)} files, {report.resources} resources, {len(report.policies)} policies: "
                   f"{counts['violates']} violate ({failing} failing at or above {fail_on.value}), "
                   f"{counts['unknown']} unknown, {counts['error']} errors, {counts['complies']} comply")
        accepted = sum(1 for f in report.findings if f.accepted)
        if accepted:
            summary += f", {accepted} accepted by the baseline"
        console.print(Text(summary, style="bold red" if failing else "bold green"))
        return buffer.getvalue()


REPORTER = TextReporter()
