"""A drift report (and its findings after the baseline) as the record a store keeps."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timezone

from scanner import __version__
from scanner.drift.compare import CHANGED
from scanner.drift.report import DRIFT_STATUSES, DriftReport
from scanner.history.records import DriftRow, FindingRow, RunRecord, SourceRow
from scanner.model import Finding, Resource
from scanner.policy.pack import Policy


def finding_row(finding: Finding) -> FindingRow:
    acceptance = finding.acceptance
    return FindingRow(finding.fingerprint, finding.policy_id, tuple(finding.requirement_ids), finding.severity.value,
                      finding.status.value, finding.resource_address, finding.message, finding.fact,
                      finding.accepted, finding.suppressed, acceptance.owner if acceptance is not None else None)


def pack_version(policies: Sequence[Policy]) -> str:
    """A short digest of the pack judged (its policies, their severity and requirements): the pack has no version
    number of its own, and two runs judged by different packs should be told apart."""
    key = "\n".join(sorted(f"{p.id}|{p.severity.value}|{','.join(p.requirements)}" for p in policies))
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def record_of(report: DriftReport, findings: Sequence[Finding], *, kind: str, scope: str,
              sources: Sequence[SourceRow] = (), timings: dict[str, float] | None = None) -> RunRecord:
    """The run ``report`` was, with ``findings`` (the baseline applied) and the live sources' outcomes."""
    started = report.started if report.started.tzinfo else report.started.replace(tzinfo=timezone.utc)
    return RunRecord(kind, scope, started.astimezone(timezone.utc).isoformat(timespec="seconds"),
                     round(report.duration_s, 3), __version__, pack_version(report.policies),
                     [finding_row(f) for f in findings], list(sources), drift_rows(report), dict(timings or {}))


def drift_rows(report: DriftReport) -> list[DriftRow]:
    """The drifted (changed, missing, unmanaged) pairs of ``report``, as stored."""
    return [DriftRow(i.status, i.pair.type, _address(i.pair.declared or i.pair.live, i.pair.type),
                     report.live_source, tuple(d.fact for d in i.differences if d.status == CHANGED))
            for i in report.items if i.status in DRIFT_STATUSES]


def _address(resource: Resource | None, rtype: str) -> str:
    return resource.address if resource is not None else rtype
