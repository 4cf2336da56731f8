"""Markdown for a pull/merge request comment: the verdict first, then what fails, then the fixes.

Kept under GitHub's comment limit (65,536 characters): long tables are cut with a note saying how
many rows were left out, and the full report is one ``--format sarif|json`` away.
"""

from __future__ import annotations

from scanner.model import Finding, Severity, Status
from scanner.report import Report
from scanner.reporters import issues, reporter

MAX_ROWS = 100
MAX_CHARS = 60000
_FENCE = {"terraform": "hcl", "arm": "json", "cloudformation": "yaml", "kubernetes": "sh"}  # highlighter names
_MARK = {Status.VIOLATES: "✗", Status.ERROR: "!", Status.UNKNOWN: "?", Status.COMPLIES: "✓"}


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.replace("|", "\\|").split())


def _code(value: object) -> str:
    text = _cell(value)
    return f"`{text.replace('`', '')}`" if text else ""


def _where(finding: Finding) -> str:
    if finding.file:
        return _code(f"{finding.file}:{finding.line}" if finding.line else finding.file)
    return _cell(finding.origin)


def _requirement(finding: Finding) -> str:
    ids = ", ".join(finding.requirement_ids)
    if finding.source == "checkov":
        return f"{finding.policy_id} → {ids}" if ids else f"{finding.policy_id} (unmapped)"
    return ids if ids in ("", finding.policy_id) or not finding.policy_id else f"{finding.policy_id} ({ids})"


def _table(findings: list[Finding], message: bool = True) -> list[str]:
    header = "| | severity | requirement | location | resource | declared | required |"
    rows = [header + (" finding |" if message else ""), "|---" * (8 if message else 7) + "|"]
    for f in findings[:MAX_ROWS]:
        text = _cell(f.message)
        if f.also_reported_as:
            text += f" (also checkov {', '.join(f.also_reported_as)})"
        row = (f"| {_MARK[f.status]} | {f.severity.value} | {_cell(_requirement(f))} | {_where(f)} | "
               f"{_code(f.resource_address)} | {_code(f.observed)} | {_code(f.expected)} |")
        rows.append(row + (f" {text} |" if message else ""))
    if len(findings) > MAX_ROWS:
        rows.append(f"\n…and {len(findings) - MAX_ROWS} more (see the full report).")
    return rows


def _details(summary: str, body: list[str]) -> list[str]:
    return ["", f"<details><summary>{summary}</summary>", "", *body, "", "</details>"]


@reporter("markdown", order=60)
class MarkdownReporter:
    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        failing = report.failing(fail_on)
        counts = report.counts()
        found = issues(report)
        open_ = [f for f in found if not f.accepted and f.status in (Status.VIOLATES, Status.ERROR)]
        unknown = [f for f in found if not f.accepted and f.status == Status.UNKNOWN]
        accepted = [f for f in found if f.accepted]
        verdict = (f"✗ {len(failing)} finding(s) at or above `{fail_on.value}` fail the gate" if failing
                   else f"✓ nothing at or above `{fail_on.value}` fails the gate")
        lines = [f"### specdrift: {verdict}", "",
                 f"{len(report.files)} files · {report.resources} resources · {len(report.policies)} policies — "
                 f"{counts['violates']} violate · {counts['unknown']} unknown · {counts['error']} errors · "
                 f"{counts['complies']} comply" + (f" · {len(accepted)} accepted by the baseline" if accepted else "")]
        if open_:
            lines += ["", *_table(open_)]
        fixes = [f for f in open_ if f.remediation is not None and f.remediation.snippet][:MAX_ROWS]
        if fixes:
            body = []
            for f in fixes:
                assert f.remediation is not None
                body += [f"**{f.policy_id}** at {_where(f)}: {_cell(f.remediation.description)}", "",
                         f"```{_FENCE.get(f.remediation.format, f.remediation.format)}", f.remediation.snippet, "```",
                         ""]
            lines += _details(f"Fixes to paste ({len(fixes)})", body)
        if unknown:
            lines += _details(f"Unknown: could not be decided ({len(unknown)})", _table(unknown))
        if accepted:
            body = ["| requirement | location | resource | owner | expires | reason |", "|---|---|---|---|---|---|"]
            for f in accepted[:MAX_ROWS]:
                assert f.acceptance is not None
                body.append(f"| {_cell(_requirement(f))} | {_where(f)} | {_code(f.resource_address)} | "
                            f"{_cell(f.acceptance.owner)} | {_cell(f.acceptance.expires)} | "
                            f"{_cell(f.acceptance.reason)} |")
            lines += _details(f"Accepted by the baseline ({len(accepted)})", body)
        text = "\n".join(lines) + "\n"
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS].rsplit("\n", 1)[0] + "\n\n…cut to fit a comment; see the full report.\n"
        return text
