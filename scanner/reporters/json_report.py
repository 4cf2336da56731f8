"""Machine-readable report; its shape is ``scanner/schemas/report.schema.json`` (versioned)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import Acceptance, Finding, Severity
from scanner.report import Report, cyclic_gc_paused
from scanner.reporters import json_text, reporter

SCHEMA_VERSION = "1.0"


def finding_dict(finding: Finding) -> dict[str, Any]:
    acceptance = finding.acceptance
    if acceptance is not None and acceptance.suppressed_at:  # in the source, not by a baseline: said so
        return _suppressed(_finding_dict(finding), acceptance)
    return _finding_dict(finding)


def _suppressed(entry: dict[str, Any], acceptance: Acceptance) -> dict[str, Any]:
    """A finding a ``specdrift:ignore`` comment suppresses: ``suppression`` in place of ``acceptance``."""
    entry["acceptance"] = None
    entry["suppression"] = {"location": acceptance.suppressed_at, "reason": acceptance.reason,
                            "expires": acceptance.expires or None, "expired": acceptance.expired}
    return entry


def _finding_dict(finding: Finding) -> dict[str, Any]:
    remediation = finding.remediation
    return {
        "fingerprint": finding.fingerprint,
        "policy_id": finding.policy_id,
        "requirement_ids": finding.requirement_ids,  # a tuple: written as the list it was
        "title": finding.title,
        "severity": finding.severity._value_,  # ``_value_``: ``.value`` is a Python-level property, per finding
        "status": finding.status._value_,
        "message": finding.message,
        "resource": {"address": finding.resource_address, "type": finding.resource_type,
                     "provider": finding.provider},
        "location": {"file": finding.file, "line": finding.line, "end_line": finding.end_line,
                     "origin": finding.origin},
        "source": finding.source,
        "fact": finding.fact,
        "observed": finding.observed,
        "expected": finding.expected,
        "remediation": None if remediation is None else {
            "format": remediation.format, "snippet": remediation.snippet, "description": remediation.description},
        "acceptance": None if finding.acceptance is None else {
            "owner": finding.acceptance.owner, "reason": finding.acceptance.reason,
            "expires": finding.acceptance.expires, "expired": finding.acceptance.expired},
        "also_reported_as": finding.also_reported_as,
    }


def report_dict(report: Report, fail_on: Severity) -> dict[str, Any]:
    """The whole report as one value (the reporter streams the same document instead)."""
    return {**_envelope(report, fail_on), "findings": [finding_dict(f) for f in report.findings]}


def _envelope(report: Report, fail_on: Severity) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "specdrift", "version": report.version},
        "generated_at": report.started.isoformat(timespec="seconds"),
        "duration_seconds": round(report.duration_s, 3),
        "fail_on": fail_on.value,
        "summary": {
            "files": len(report.files),
            "resources": report.resources,
            "policies": len(report.policies),
            "findings": len(report.findings),
            "by_status": report.counts(),
            "failing": len(report.failing(fail_on)),
            "accepted": sum(1 for f in report.findings if f.acceptance is not None and f.accepted and not f.suppressed),
            **_suppressed_count(report),
        },
        "files": [{"path": path, "format": fmt} for path, fmt in sorted(report.files.items())],
        "findings": json_text.PLACEHOLDER,
    }


def _suppressed_count(report: Report) -> dict[str, int]:
    """``suppressed``: findings in-source comments suppress (present only when there are any)."""
    count = sum(1 for f in report.findings if f.acceptance is not None and f.suppressed)
    return {"suppressed": count} if count else {}


@reporter("json", order=20)
class JsonReporter:
    def chunks(self, report: Report, fail_on: Severity, color: bool = False) -> Iterator[str]:
        """The report's text in pieces: each finding is encoded when written, never all at once."""
        # Tens of thousands of small dicts made on top of a heap of resources: the cyclic collector would
        # walk that heap again and again (report.cyclic_gc_paused).
        with cyclic_gc_paused():
            yield from json_text.stream(_envelope(report, fail_on), map(finding_dict, report.findings))

    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        return "".join(self.chunks(report, fail_on, color))
