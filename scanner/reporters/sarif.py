"""SARIF 2.1.0, shaped for GitHub code scanning.

One rule per policy evaluated (short and full description, help, ``security-severity``), one result
per finding that is not compliant, located by a path relative to the repository root (``%SRCROOT%``)
and a line; ``partialFingerprints`` carry the finding's line-independent fingerprint so an alert
survives edits above it. Accepted findings (baseline) are results with an external suppression.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.model import PARSE_ERROR_POLICY, Finding, Severity, Status
from scanner.policy.pack import Policy
from scanner.report import Report, cyclic_gc_paused
from scanner.reporters import issues, json_text, reporter
from scanner.repository import find_root, relative_path

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/specdrift/specdrift"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "specdrift/v1"
# GitHub code scanning reads security-severity as a CVSS-like score: >= 9 critical, 7-8.9 high,
# 4-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0", Severity.INFO: "1.0"}
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
         Severity.LOW: "note", Severity.INFO: "note"}


def _rule_name(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title)) or "Rule"


def _policy_rule(policy: Policy) -> dict[str, Any]:
    from scanner.display import display, fill, shown

    params = {name: shown(display(p.default)) for name, p in policy.parameters.items()}
    fix = fill(str(policy.remediation.get("description", "")), params).strip()
    full = " ".join((policy.description or policy.guide or policy.title).split())
    requirements = ", ".join(policy.requirements)
    guide = " ".join(policy.guide.split())
    # (plain text, markdown) of each part of the rule's help
    sections = [(f"Requirement {requirements}: {policy.title}.", f"**{requirements}**: {policy.title}")]
    if guide:
        sections.append((f"Guide: {guide}", f"> {guide}"))
    if fix:
        sections.append((f"Fix: {fix}", f"**Fix:** {fix}"))
    if params:
        sections.append(("Parameters: " + ", ".join(f"{k} = {v}" for k, v in params.items()),
                         "| parameter | default |\n|---|---|\n" +
                         "\n".join(f"| `{k}` | `{v}` |" for k, v in params.items())))
    return {
        "id": policy.id,
        "name": _rule_name(policy.title),
        "shortDescription": {"text": policy.title},
        "fullDescription": {"text": full},
        "help": {"text": "\n".join(text for text, _ in sections),
                 "markdown": "\n\n".join(markdown for _, markdown in sections)},
        "defaultConfiguration": {"level": LEVEL[policy.severity]},
        "properties": {
            # SARIF requires distinct tags; a policy's own tags may repeat ours.
            "tags": list(dict.fromkeys(["security", "infrastructure", *policy.tags, *policy.requirements])),
            "security-severity": SECURITY_SEVERITY[policy.severity],
            "precision": "high",
            "problem.severity": "recommendation" if LEVEL[policy.severity] == "note" else LEVEL[policy.severity],
            "requirements": list(policy.requirements),
        },
    }


def _finding_rule(finding: Finding) -> dict[str, Any]:
    """A rule for a finding no shipped policy describes (parse errors, checkov checks)."""
    if finding.policy_id == PARSE_ERROR_POLICY:
        text = "A file that should be checked could not be parsed, so none of its settings were checked."
    elif finding.source == "checkov":
        mapped = ", ".join(finding.requirement_ids) or "no catalogue requirement (unmapped)"
        text = f"checkov check {finding.policy_id}: {finding.title}. Maps to {mapped}."
    else:
        text = finding.title
    return {
        "id": finding.policy_id,
        "name": _rule_name(finding.title),
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": text},
        "help": {"text": text},
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": {"tags": list(dict.fromkeys(["security", "infrastructure", finding.source,
                                                    *finding.requirement_ids])),
                       "security-severity": SECURITY_SEVERITY[finding.severity],
                       "requirements": list(finding.requirement_ids)},
    }


def _location(finding: Finding, root: Path, places: dict[str, dict[str, str]]) -> dict[str, Any]:
    location: dict[str, Any] = {}
    if finding.file:
        if finding.file not in places:  # once per file, not per finding: each takes several path operations
            relative = relative_path(finding.file, root)
            places[finding.file] = ({"uri": relative, "uriBaseId": SRCROOT} if relative is not None
                                    else {"uri": _file_uri(finding.file)})
        artifact: dict[str, Any] = dict(places[finding.file])
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if finding.line:
            physical["region"] = {"startLine": finding.line}
        location["physicalLocation"] = physical
    if finding.resource_address:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.resource_address, "kind": "resource"}]
    return location


def _file_uri(path: str) -> str:
    return Path(path).resolve().as_uri()


def _result(finding: Finding, rule_index: int, root: Path, places: dict[str, dict[str, str]]) -> dict[str, Any]:
    failed = finding.status in (Status.VIOLATES, Status.ERROR)
    # SARIF: a result whose kind is not "fail" must have level "none".
    result: dict[str, Any] = {
        "ruleId": finding.policy_id,
        "ruleIndex": rule_index,
        "kind": "fail" if failed else "review",
        "level": (LEVEL[finding.severity] if finding.status == Status.VIOLATES else "error") if failed else "none",
        "message": _message(finding),
        "locations": [_location(finding, root, places)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "status": finding.status.value,
            "severity": finding.severity.value,
            "requirements": list(finding.requirement_ids),
            "resourceType": finding.resource_type,
            "source": finding.source,
            "fact": finding.fact,
            "observed": finding.observed,
            "expected": finding.expected,
        },
    }
    if finding.also_reported_as:
        result["properties"]["alsoReportedAs"] = list(finding.also_reported_as)
    if finding.acceptance is not None:
        acceptance = finding.acceptance
        result["properties"]["acceptance"] = {"owner": acceptance.owner, "reason": acceptance.reason,
                                              "expires": acceptance.expires, "expired": acceptance.expired}
        if acceptance.suppressed_at:  # a specdrift:ignore comment: SARIF's in-source suppression
            del result["properties"]["acceptance"]
            result["properties"]["suppression"] = {"location": acceptance.suppressed_at, "reason": acceptance.reason,
                                                   "expires": acceptance.expires, "expired": acceptance.expired}
            if not acceptance.expired:
                until = f" (until {acceptance.expires})" if acceptance.expires else ""
                result["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                           "justification": f"{acceptance.reason}{until}"}]
        elif not acceptance.expired:
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": f"{acceptance.reason} (owner {acceptance.owner}, "
                                                        f"until {acceptance.expires})"}]
    return result


def _message(finding: Finding) -> dict[str, str]:
    text = finding.message
    if finding.also_reported_as:
        text += f" (also reported by checkov as {', '.join(finding.also_reported_as)})"
    message = {"text": text}
    remediation = finding.remediation
    if remediation is not None and remediation.snippet and finding.status == Status.VIOLATES:
        fence = "```"
        message["markdown"] = (f"{text}\n\n{remediation.description}\n\n"
                               f"{fence}{remediation.format}\n{remediation.snippet}\n{fence}").replace("\n\n\n", "\n\n")
    return message


def sarif_log(report: Report) -> dict[str, Any]:
    """The whole log as one value (the reporter streams the same document instead)."""
    document, results = _sarif_parts(report)
    document["runs"][0]["results"] = list(results)
    return document


def _sarif_parts(report: Report) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The log with ``json_text.PLACEHOLDER`` for its results, and the results, made as they are read."""
    root = find_root()
    rules: list[dict[str, Any]] = [_policy_rule(p) for p in report.policies]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    shown = issues(report)
    for finding in shown:  # rules come first in the log, so findings of policies outside the pack are seen first
        if finding.policy_id not in index:
            index[finding.policy_id] = len(rules)
            rules.append(_finding_rule(finding))
    places: dict[str, dict[str, str]] = {}  # file -> its artifactLocation
    results = (_result(finding, index[finding.policy_id], root, places) for finding in shown)
    artifacts = []
    for path in sorted(report.files):
        relative = relative_path(path, root)
        artifacts.append({"location": {"uri": relative, "uriBaseId": SRCROOT} if relative is not None
                          else {"uri": _file_uri(path)}, "roles": ["analysisTarget"]})
    ended = report.started.timestamp() + report.duration_s
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "specdrift", "version": __version__, "semanticVersion": __version__,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "automationDetails": {"id": f"specdrift/{report.started.strftime('%Y-%m-%dT%H:%M:%SZ')}"},
            "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri() + "/"}},
            "invocations": [{
                "executionSuccessful": True,
                "startTimeUtc": report.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "endTimeUtc": datetime.fromtimestamp(ended, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }],
            "artifacts": artifacts,
            "results": json_text.PLACEHOLDER,
            "columnKind": "utf16CodeUnits",
        }],
    }
    return document, results


@reporter("sarif", order=30)
class SarifReporter:
    def chunks(self, report: Report, fail_on: Severity, color: bool = False) -> Iterator[str]:
        """The log's text in pieces, each result encoded when written (as the JSON reporter)."""
        with cyclic_gc_paused():
            document, results = _sarif_parts(report)
            yield from json_text.stream(document, results)

    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        return "".join(self.chunks(report, fail_on, color))
