"""GitHub Actions workflow commands: ``::error file=...,line=...::message`` annotations.

A format like any other (``--format github``), and also written automatically to stderr when the
scan runs inside GitHub Actions (``GITHUB_ACTIONS=true``; the runner reads workflow commands from
both streams), so stdout stays free for the machine report. Annotations are shown on the pull
request's diff; GitHub keeps a limited number per step, so the worst come first.
"""

from __future__ import annotations

from scanner.model import Finding, Severity, Status
from scanner.report import Report
from scanner.reporters import issues, reporter
from scanner.repository import find_root, repo_path

_COMMAND = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
            Severity.LOW: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, path: str | None) -> str:
    if finding.status == Status.ERROR:
        command = "error"
    elif finding.status == Status.UNKNOWN:
        command = "notice"
    else:
        command = _COMMAND[finding.severity]
    requirement = ", ".join(finding.requirement_ids) or finding.policy_id
    props = []
    if path:
        props.append(f"file={_prop(path)}")
        if finding.line:
            props.append(f"line={finding.line}")
    props.append(f"title={_prop(f'{requirement} {finding.status.value} ({finding.severity.value})')}")
    message = f"{finding.policy_id}: {finding.message}"
    if finding.resource_address:
        message += f" [{finding.resource_address}]"
    if finding.remediation is not None and finding.remediation.snippet and finding.status == Status.VIOLATES:
        message += f"\nFix ({finding.remediation.format}):\n{finding.remediation.snippet}"
    return f"::{command} {','.join(props)}::{_data(message)}"


@reporter("github", order=70)
class GithubReporter:
    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        root = find_root()
        lines = [annotation(f, repo_path(f.file, root) if f.file else None)
                 for f in issues(report) if not f.accepted]
        return "".join(line + "\n" for line in lines)
