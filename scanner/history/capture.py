"""A drift report (and its findings after the baseline) as the record a store keeps."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import timezone
from typing import Any

from scanner import __version__
from scanner.display import display
from scanner.drift.compare import CHANGED, differing_keys
from scanner.drift.findings import item_findings
from scanner.drift.fixes import Fix
from scanner.drift.report import DRIFT_STATUSES, DriftReport
from scanner.history.records import DriftRow, FindingRow, FixRow, RunRecord, SourceRow
from scanner.model import Finding, Resource
from scanner.policy.pack import Policy


def finding_row(finding: Finding, details: dict[str, Any] | None = None) -> FindingRow:
    """``finding`` as stored; ``details``: its declared, live and required values and fixes (``details_by``)."""
    acceptance = finding.acceptance
    return FindingRow(finding.fingerprint, finding.policy_id, tuple(finding.requirement_ids), finding.severity.value,
                      finding.status.value, finding.resource_address, finding.message, finding.fact,
                      finding.accepted, finding.suppressed, acceptance.owner if acceptance is not None else None,
                      **(details or {}))


def shown(value: Any) -> str | None:
    """A value as a report cell: display()'s spelling, JSON for lists and maps; None stays None."""
    value = display(value)
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _fixes(fixes: Sequence[Fix], fact: str | None) -> tuple[FixRow, ...]:
    return tuple(FixRow(x.direction, x.format, x.description, x.snippet) for x in fixes if x.fact == fact)


def _differing(declared: Any, live: Any) -> tuple[Any, Any]:
    """A drifted settings map as a report shows it: only the entries that differ, on both sides."""
    if not (isinstance(declared, dict) and isinstance(live, dict)):
        return declared, live
    keys = differing_keys(declared, live)
    return {k: declared[k] for k in keys if k in declared}, {k: live[k] for k in keys if k in live}


def details_by(report: DriftReport) -> dict[str, dict[str, Any]]:
    """Per finding fingerprint, what the drift report knows beyond the verdict: the declared, live and required
    values, and the fixes both ways (the cloud, the IaC) for its setting."""
    out: dict[str, dict[str, Any]] = {}
    for item in report.items:
        rows = {id(f): row for row in item.requirements for f in row.findings}
        for finding in item_findings(item):
            row = rows.get(id(finding))
            values: dict[str, Any]
            if row is None:  # drift of a setting (IaC value vs live value), a missing/unmanaged resource, a gap
                declared, live = _differing(finding.expected, finding.observed)
                values = {"declared": shown(declared), "live": shown(live), "required": None}
                fact = finding.fact
            else:
                values = {"declared": shown(row.declared.value) if row.declared else None,
                          "live": shown(row.live.value) if row.live else None, "required": shown(row.required)}
                fact = (row.fact or "").split(".", 1)[0] or None
            values["fixes"] = _fixes(item.fixes, fact)
            out[finding.fingerprint] = values
    return out


def pack_version(policies: Sequence[Policy]) -> str:
    """A short digest of the pack judged (its policies, their severity and requirements): the pack has no version
    number of its own, and two runs judged by different packs should be told apart."""
    key = "\n".join(sorted(f"{p.id}|{p.severity.value}|{','.join(p.requirements)}" for p in policies))
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def record_of(report: DriftReport, findings: Sequence[Finding], *, kind: str, scope: str,
              sources: Sequence[SourceRow] = (), timings: dict[str, float] | None = None) -> RunRecord:
    """The run ``report`` was, with ``findings`` (the baseline applied) and the live sources' outcomes."""
    details = details_by(report)
    started = report.started if report.started.tzinfo else report.started.replace(tzinfo=timezone.utc)
    return RunRecord(kind, scope, started.astimezone(timezone.utc).isoformat(timespec="seconds"),
                     round(report.duration_s, 3), __version__, pack_version(report.policies),
                     [finding_row(f, details.get(f.fingerprint)) for f in findings], list(sources), drift_rows(report),
                     dict(timings or {}))


def drift_rows(report: DriftReport) -> list[DriftRow]:
    """The drifted (changed, missing, unmanaged) pairs of ``report``, as stored."""
    return [DriftRow(i.status, i.pair.type, _address(i.pair.declared or i.pair.live, i.pair.type),
                     report.live_source, tuple(d.fact for d in i.differences if d.status == CHANGED))
            for i in report.items if i.status in DRIFT_STATUSES]


def _address(resource: Resource | None, rtype: str) -> str:
    return resource.address if resource is not None else rtype
