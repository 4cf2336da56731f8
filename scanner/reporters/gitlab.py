"""GitLab Code Quality report (the ``codequality`` artifact): a JSON array of issues.

Each issue names its check, a severity on GitLab's scale, a stable fingerprint (GitLab compares
them between the merge request and its target to show new and fixed issues) and a location relative
to the repository root. Compliant results are left out, and so are findings accepted by the baseline
and findings without a file (live ones): the merge request widget is about the code.
"""

from __future__ import annotations

from typing import Any

from scanner.model import Finding, Severity, Status
from scanner.report import Report
from scanner.reporters import issues, json_text, reporter
from scanner.repository import find_root, repo_path

SEVERITY = {Severity.INFO: "info", Severity.LOW: "minor", Severity.MEDIUM: "major", Severity.HIGH: "critical",
            Severity.CRITICAL: "blocker"}


def _issue(finding: Finding, path: str) -> dict[str, Any]:
    requirement = ", ".join(finding.requirement_ids)
    prefix = f"{finding.policy_id} ({requirement})" if requirement and requirement != finding.policy_id \
        else finding.policy_id
    status = "" if finding.status == Status.VIOLATES else f"[{finding.status.value}] "
    issue: dict[str, Any] = {
        "type": "issue",
        "engine_name": "specdrift" if finding.source != "checkov" else "checkov",
        "check_name": finding.policy_id,
        "description": f"{status}{prefix}: {finding.message}",
        "categories": ["Security"],
        # Unknown results inform, they never block: GitLab's lowest level.
        "severity": SEVERITY[finding.severity] if finding.status != Status.UNKNOWN else "info",
        "fingerprint": finding.fingerprint,
        "location": {"path": path, "lines": {"begin": finding.line or 1}},
    }
    remediation = finding.remediation
    if remediation is not None and finding.status == Status.VIOLATES:
        body = remediation.description
        if remediation.snippet and remediation.snippet != remediation.description:
            body += f"\n\n```{remediation.format}\n{remediation.snippet}\n```"
        issue["content"] = {"body": body.strip()}
    return issue


@reporter("gitlab", order=50)
class GitlabReporter:
    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        root = find_root()
        out = [_issue(f, repo_path(f.file, root)) for f in issues(report) if f.file and not f.accepted]
        return json_text.dumps(out) + "\n"
