"""The drift report as text (one block per resource) or JSON (``scanner/schemas/drift-report.schema.json``)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from scanner.display import display, visible
from scanner.drift.compare import CHANGED
from scanner.drift.findings import DRIFT_POLICY, failing, item_findings
from scanner.drift.report import DriftReport, Item, Side
from scanner.model import Acceptance, Finding, Resource, Severity, Unresolved

SCHEMA_VERSION = "1.0"
_MARK = {"complies": "✓ complies", "violates": "✗ violates", "unknown": "? unknown", "error": "! error"}
_STATUS_STYLE = {"changed": "bold red", "missing": "bold red", "unmanaged": "bold red", "unknown": "yellow",
                 "in_sync": "green", "live_only": "cyan"}


def _where(resource: Resource | None) -> dict[str, Any] | None:
    if resource is None:
        return None
    out: dict[str, Any] = {"address": resource.address, "type": resource.type, "format": resource.format}
    if resource.source == "live":
        out.update(account=resource.origin.account, region=resource.origin.region, api=resource.origin.api)
    else:
        out.update(file=resource.origin.file, line=resource.origin.line)
    return out


class Verdicts:
    """The findings of a drift run after the baseline: each item's findings by fingerprint, so the drift views
    show the same fingerprints and acceptances as the reporters, and count failing items as the exit code does."""

    def __init__(self, report: DriftReport, findings: Sequence[Finding] | None, fail_on: Severity) -> None:
        """``findings``: the run's findings after the baseline (None: none accepted)."""
        self._found = {id(item): item_findings(item) for item in report.items}  # each item's, made once
        if findings is None:
            findings = [f for found in self._found.values() for f in found]
        self.by_fingerprint = {f.fingerprint: f for f in findings}
        self.failing = {f.fingerprint for f in failing(findings, fail_on)}
        self.accepted = sum(1 for f in findings if f.accepted)

    def of(self, item: Item) -> list[Finding]:
        """The item's findings as the baseline left them."""
        return [self.by_fingerprint.get(f.fingerprint, f) for f in self._found[id(item)]]

    def item_fails(self, item: Item) -> bool:
        return any(f.fingerprint in self.failing for f in self._found[id(item)])


def _acceptance(finding: Finding | None) -> dict[str, Any] | None:
    if finding is None or not finding.accepted or finding.acceptance is None:
        return None
    return _accepted_dict(finding.acceptance)


def _accepted_dict(acceptance: Acceptance) -> dict[str, Any]:
    return {"owner": acceptance.owner, "reason": acceptance.reason, "expires": acceptance.expires or None}


def _mark(finding: Finding | None) -> dict[str, Any]:
    if finding is None:
        return {"fingerprint": None, "accepted": None}
    return {"fingerprint": finding.fingerprint, "accepted": _acceptance(finding)}


def _side(side: Side | None, finding: Finding | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {"value": display(side.value), "verdict": side.verdict, "message": side.message, "line": side.line,
            **_mark(finding)}


def _drift_finding(findings: Sequence[Finding], fact: str | None) -> Finding | None:
    return next((f for f in findings if f.policy_id == DRIFT_POLICY and f.fact == fact), None)


def _side_finding(findings: Sequence[Finding], policy_id: str, live: bool) -> Finding | None:
    return next((f for f in findings if f.policy_id == policy_id and (f.source == "live") == live), None)


def item_dict(item: Item, verdicts: Verdicts) -> dict[str, Any]:
    pair = item.pair
    found = verdicts.of(item)
    whole = _drift_finding(found, None) if item.status in ("missing", "unmanaged") else None
    return {
        "status": item.status,
        "type": pair.type,
        "declared": _where(pair.declared),
        "live": _where(pair.live),
        "matched_by": pair.matched_by or None,
        "note": pair.note or None,
        **_mark(whole),
        "differences": [{"fact": d.fact, "status": d.status, "declared": display(d.declared),
                         "live": display(d.live), "declared_line": d.declared_line,
                         "declared_default": d.declared_default, "reason": d.reason or None,
                         **_mark(_drift_finding(found, d.fact))}
                        for d in item.differences],
        "requirements": [{"policy_id": r.policy.id, "requirement_ids": list(r.policy.requirements),
                          "title": r.policy.title, "severity": r.policy.severity.value, "fact": r.fact,
                          "required": display(r.required),
                          "declared": _side(r.declared, _side_finding(found, r.policy.id, live=False)),
                          "live": _side(r.live, _side_finding(found, r.policy.id, live=True))}
                         for r in item.requirements],
        "remediation": [{"direction": f.direction, "format": f.format, "fact": f.fact, "snippet": f.snippet,
                         "description": f.description} for f in item.fixes],
    }


def report_dict(report: DriftReport, fail_on: Severity, findings: Sequence[Finding] | None = None) -> dict[str, Any]:
    """The drift report as JSON; ``findings`` are the run's findings after the baseline (default: none accepted)."""
    verdicts = Verdicts(report, findings, fail_on)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "specdrift-drift-report",
        "tool": {"name": "specdrift", "version": report.version},
        "generated_at": report.started.isoformat(timespec="seconds"),
        "duration_seconds": round(report.duration_s, 3),
        "fail_on": fail_on.value,
        "live": {"source": report.live_source, "account": report.account, "regions": list(report.regions),
                 "collected_at": report.collected_at.isoformat(timespec="seconds")},
        "summary": {**report.counts(), "failing": sum(map(verdicts.item_fails, report.items)),
                    "accepted": verdicts.accepted, "gaps": len(report.gaps), "files": len(report.files),
                    "policies": len(report.policies)},
        "files": [{"path": p, "format": f} for p, f in sorted(report.files.items())],
        "parse_errors": [{"file": e.file, "line": e.line, "message": e.message, "format": e.format}
                         for e in report.parse_errors],
        "gaps": [{"service": g.service, "api": g.api, "region": g.region, "types": list(g.types), "code": g.code,
                  "reason": g.reason} for g in report.gaps],
        "items": [item_dict(i, verdicts) for i in report.items],
    }



def render_json(report: DriftReport, fail_on: Severity, findings: Sequence[Finding] | None = None) -> str:
    from scanner.reporters import json_text

    return json_text.dumps(report_dict(report, fail_on, findings)) + "\n"


def _shown(value: Any) -> Any:
    """Unresolved values by their expression (the reason is in the drift column)."""
    if isinstance(value, Unresolved):
        return value.expression
    if isinstance(value, (list, tuple)):
        return [_shown(v) for v in value]
    return display(value)


def _short(value: Any, limit: int = 40) -> str:
    if value is None:
        return "—"
    shown = _shown(value)
    text = json.dumps(shown) if isinstance(shown, (list, dict)) else str(shown)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_text(report: DriftReport, fail_on: Severity, color: bool = False, show_in_sync: bool = True,
                findings: Sequence[Finding] | None = None) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    width = int(os.environ.get("COLUMNS", "0") or 0) or 160
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False,
                      soft_wrap=False)
    verdicts = Verdicts(report, findings, fail_on)
    for item in report.items:
        if item.status == "in_sync" and not show_in_sync:
            continue
        pair = item.pair
        # what came from a file or a service is escaped: a terminal never acts on an escape sequence in it
        title = visible(pair.declared.address if pair.declared else (pair.live.address if pair.live else pair.type))
        console.print(Text.assemble((f"[{item.status}] ", _STATUS_STYLE.get(item.status, "")), (title, "bold"),
                                    f"  {pair.type}"))
        if pair.declared is not None:
            where = f"{pair.declared.origin.file}:{pair.declared.origin.line}" if pair.declared.origin.file else ""
            console.print(Text(f"  declared  {visible(where)} ({pair.declared.format})"))
        if pair.live is not None:
            console.print(Text(visible(f"  live      {pair.live.address}  ({pair.live.origin.describe()})"
                                       + (f"  matched by {pair.matched_by}" if pair.matched_by else ""))))
        if pair.note:
            console.print(Text(f"  note      {visible(pair.note)}", style="yellow"))
        rows = _rows(item)
        if rows:
            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
            for column in ("fact", "declared", "live", "required", "drift", "declared verdict", "live verdict",
                           "requirement"):
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*row)
            console.print(table)
        for finding in verdicts.of(item):
            if finding.accepted and finding.acceptance is not None:
                a = finding.acceptance
                what = f"{finding.policy_id} {finding.fact}" if finding.fact else finding.policy_id
                until = f", until {a.expires}" if a.expires else ""
                console.print(Text(f"  {what}: accepted ({a.owner}: {a.reason}{until})", style="cyan"))
        for fix in item.fixes:
            label = "fix the cloud" if fix.direction == "cloud" else "fix the IaC"
            console.print(Text(f"  {label} ({fix.format}): {visible(fix.description)}", style="cyan"))
            for line in fix.snippet.splitlines():
                console.print(Text("    " + visible(line)))
        console.print()
    counts = report.counts()
    failing = [item for item in report.items if verdicts.item_fails(item)]
    summary = (f"{len(report.items)} resources: {counts['changed']} changed, {counts['missing']} missing, "
               f"{counts['unmanaged']} unmanaged, {counts['unknown']} unknown, {counts['in_sync']} in sync"
               + (f", {counts['live_only']} live only" if counts.get("live_only") else "")
               + f"; {len(failing)} failing at or above {fail_on.value}"
               + (f", {verdicts.accepted} accepted" if verdicts.accepted else "")
               + f"; {len(report.gaps)} collection gaps")
    for gap in report.gaps:
        console.print(Text(f"gap: {visible(gap.describe())}", style="yellow"))
    console.print(Text(summary, style="bold red" if failing else "bold green"))
    return buffer.getvalue()


def _rows(item: Item) -> list[tuple[str, ...]]:
    """One row per fact: the difference (if any) and each requirement judging that fact."""
    by_fact: dict[str, list[tuple[str, ...]]] = {}
    diffs = {d.fact: d for d in item.differences}
    for row in item.requirements:
        fact = row.fact or "—"
        top = fact.split(".", 1)[0].split("[", 1)[0]
        diff = _entry(diffs.get(top), fact)
        declared = diff.declared if diff else (row.declared.value if row.declared else None)
        live = diff.live if diff else (row.live.value if row.live else None)
        by_fact.setdefault(top, []).append((
            fact, _short(declared), _short(live), _short(row.required), _drift(diff),
            _MARK.get(row.declared.verdict, row.declared.verdict) if row.declared else "—",
            _MARK.get(row.live.verdict, row.live.verdict) if row.live else "—",
            f"{row.policy.id} ({row.policy.severity.value})"))
    for fact, diff in diffs.items():
        if isinstance(diff.declared, dict) and isinstance(diff.live, dict) and fact in by_fact:
            # a map compared entry by entry (settings): one row per entry that differs
            shown = {row[0] for row in by_fact[fact]}
            by_fact[fact] += [(f"{fact}.{key}", _short(value), _short(diff.live.get(key)), "—",
                               _drift(_entry(diff, f"{fact}.{key}")), "—", "—", "—")
                              for key, value in diff.declared.items() if f"{fact}.{key}" not in shown]
        elif fact not in by_fact:
            declared = _short(diff.declared) + (" (default)" if diff.declared_default else "")
            by_fact[fact] = [(fact, declared, _short(diff.live), "—", _drift(diff), "—", "—", "—")]
    return [tuple(map(visible, row)) for fact in sorted(by_fact) for row in by_fact[fact]]


def _entry(diff: Any, fact: str) -> Any:
    """The difference a requirement row on ``fact`` shows: a map's own entry when the row names one (a row on
    ``pg_settings.work_mem`` of a settings map shows work_mem, or nothing when work_mem is in sync)."""
    entry = fact.split(".", 1)[1] if "." in fact else None
    if diff is None or entry is None or not (isinstance(diff.declared, dict) and isinstance(diff.live, dict)):
        return diff
    if entry not in diff.declared:
        return None
    return replace(diff, declared=diff.declared[entry], live=diff.live.get(entry),
                   pending=tuple(p for p in diff.pending if p == entry))


def _drift(diff: Any) -> str:
    if diff is None:
        return "="
    if diff.status == CHANGED:
        return "≠ pending restart" if diff.pending else "≠ changed"
    return f"? {diff.reason}"
