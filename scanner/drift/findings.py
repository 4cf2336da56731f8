"""The drift report as findings: what every reporter renders (``--format sarif|junit|gitlab|markdown|github``)
and what a baseline accepts, like a scan's.

- each policy's verdict on each side of a pair is the engine's own finding (the declared side's fingerprint is
  the scan's; the live side's names the live resource, with no file);
- each drifted setting is a finding of the pseudo-policy ``SD-DRIFT`` on the pair's declared address (the live
  one when nothing declares it) with the setting as its ``fact``: its fingerprint is the policy, the resource
  and the attribute, never a line, so a baseline entry can accept exactly one drifted attribute;
- a missing or unmanaged resource is an ``SD-DRIFT`` finding on the resource, without a fact;
- a requirement no collected resource could answer (a gap) is an ``unknown`` finding of its policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scanner.display import display, shown
from scanner.drift.compare import CHANGED, differing_keys
from scanner.drift.match import MISSING, UNMANAGED, Pair
from scanner.drift.report import DriftReport, Item
from scanner.model import Finding, Remediation, Severity, Status
from scanner.report import Report

DRIFT_POLICY = "SD-DRIFT"
DRIFT_TITLE = "Live state matches the IaC"
DRIFT_SEVERITY = Severity.HIGH  # shown by the reporters; any unaccepted drift fails the gate whatever --fail-on


def _drift(pair: Pair, status: Status, message: str, fact: str | None = None, observed: object = None,
           expected: object = None, remediation: Remediation | None = None) -> Finding:
    resource = pair.declared or pair.live
    declared = pair.declared
    return Finding(DRIFT_POLICY, (), DRIFT_TITLE, DRIFT_SEVERITY, status, message,
                   resource_address=resource.address if resource is not None else pair.type,
                   resource_type=pair.type, provider=resource.provider if resource is not None else "",
                   file=declared.origin.file if declared is not None else None,
                   line=declared.origin.line if declared is not None else None, fact=fact, observed=observed,
                   expected=expected, remediation=remediation, source="drift",
                   origin=pair.live.origin.describe() if pair.live is not None else "")


def _fix(item: Item, fact: str | None) -> Remediation | None:
    for fix in item.fixes:
        if fix.fact == fact:
            return Remediation(fix.format, fix.snippet, fix.description)
    return None


def _changed(fact: str, declared: object, live: object, most: int = 6) -> str:
    """What differs, in words: a settings map by the entries that differ (``shared_buffers: the IaC says 8GB,
    live is 128MB``), never two whole maps; other values in the sentence's syntax, never a Python repr."""
    if isinstance(declared, dict) and isinstance(live, dict):
        keys = differing_keys(declared, live)
        parts = [f"{k}: the IaC says {shown(display(declared[k])) if k in declared else '(not set)'}, live is "
                 f"{shown(display(live[k])) if k in live else '(not set)'}" for k in keys[:most]]
        more = f"; and {len(keys) - most} more" if len(keys) > most else ""
        return f"{fact}: " + "; ".join(parts) + more if parts else f"{fact}: the IaC and live differ"
    return f"{fact}: the IaC says {shown(display(declared))}, live is {shown(display(live))}"


def item_findings(item: Item) -> list[Finding]:
    """The findings of one pair: its drift, then each policy's verdict on each side."""
    pair = item.pair
    out: list[Finding] = []
    if item.status in (MISSING, UNMANAGED):
        out.append(_drift(pair, Status.VIOLATES, f"{item.status}: {pair.note}", remediation=_fix(item, None)))
    for diff in item.differences:
        changed = diff.status == CHANGED
        message = (_changed(diff.fact, diff.declared, diff.live) + (f" ({diff.reason})" if diff.reason else "")
                   if changed else f"{diff.fact}: {diff.reason}")
        out.append(_drift(pair, Status.VIOLATES if changed else Status.UNKNOWN, message, diff.fact,
                          diff.live, diff.declared, _fix(item, diff.fact) if changed else None))
    for row in item.requirements:
        out.extend(row.findings)
        if row.live is not None and not any(f.source == "live" for f in row.findings) and row.live.verdict == \
                Status.UNKNOWN.value:  # no live resource to judge: the gap or the failed pairing says why
            policy = row.policy
            resource = pair.declared or pair.live
            out.append(Finding(policy.id, tuple(policy.requirements), policy.title, policy.severity, Status.UNKNOWN,
                               row.live.message, resource_address=resource.address if resource else pair.type,
                               resource_type=pair.type, source="live"))
    return out


def drift_findings(report: DriftReport) -> list[Finding]:
    return [f for item in report.items for f in item_findings(item)]


def as_report(drift: DriftReport, findings: Sequence[Finding], notes: Sequence[str] = ()) -> Report:
    """A Report any reporter renders: the drift findings, the policies judged, the files read."""
    started = drift.started if isinstance(drift.started, datetime) else datetime.now()
    resources = len({id(r) for i in drift.items for r in (i.pair.declared, i.pair.live) if r is not None})
    return Report(list(findings), list(drift.policies), dict(drift.files), resources, started, drift.duration_s,
                  notes=list(notes))


def failing(findings: Sequence[Finding], fail_on: Severity) -> list[Finding]:
    """What fails the drift gate: any drift, or a violation (either side) at or above ``fail_on``, unless a
    baseline accepted it."""
    return [f for f in findings if not f.accepted and f.status == Status.VIOLATES
            and (f.policy_id == DRIFT_POLICY or f.severity.rank >= fail_on.rank)]
