"""The scan pipeline: files -> loaders -> Resources -> policy engine -> a Report."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.model import Finding, Resource, Severity, Status
from scanner.policy.catalog import Policy, PolicyError, load_policies


@dataclass
class ScanOptions:
    paths: Sequence[str]
    policy_dirs: Sequence[Path] | None = None
    var_files: Sequence[str] = ()
    policies: Sequence[str] = ()  # selection by ID, requirement or tag, with wildcards
    skip_policies: Sequence[str] = ()
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    parameter_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    formats: Sequence[str] = ()
    baseline_env: str | None = None  # baselines/<env>.yaml for component checks (default: production)


@dataclass
class Report:
    findings: list[Finding]
    policies: list[Policy]
    files: dict[str, str]
    resources: int
    started: datetime
    duration_s: float
    version: str = __version__

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for finding in self.findings:
            counts[finding.status.value] += 1
        return counts

    def failing(self, fail_on: Severity, strict: bool = False) -> list[Finding]:
        """Findings that fail the gate: violations at or above ``fail_on``; errors too when strict."""
        return [f for f in self.findings
                if (f.status == Status.VIOLATES and f.severity.rank >= fail_on.rank)
                or (strict and f.status == Status.ERROR)]


def _matches(policy: Policy, patterns: Sequence[str]) -> bool:
    names = (policy.id, *policy.requirements, *policy.tags)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns for name in names)


def select_policies(policies: Sequence[Policy], options: ScanOptions) -> list[Policy]:
    selected = [p for p in policies if not options.policies or _matches(p, options.policies)]
    selected = [p for p in selected if not _matches(p, options.skip_policies)]
    known = {p.id for p in policies}
    for pid in list(options.severity_overrides) + list(options.parameter_overrides):
        if pid not in known:
            raise PolicyError(f"override names unknown policy {pid}")
    out = []
    for policy in selected:
        severity = options.severity_overrides.get(policy.id)
        params = options.parameter_overrides.get(policy.id)
        if severity or params:
            policy = policy.with_overrides(Severity.parse(severity) if severity else None, params)
        out.append(policy)
    return out


def evaluate_resources(resources: Sequence[Resource], policies: Sequence[Policy]) -> list[Finding]:
    from scanner.policy.engine import Engine

    return Engine(policies).run(resources)


def scan(options: ScanOptions) -> Report:
    from scanner.loaders import load_paths
    from scanner.policy.engine import Engine, parse_error_findings

    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    policies = select_policies(load_policies(options.policy_dirs), options)
    outcome = load_paths(options.paths, {"var_files": list(options.var_files)}, options.formats or None)
    settings = {"baseline_env": options.baseline_env} if options.baseline_env else {}
    findings = parse_error_findings(outcome.errors) + Engine(policies, settings).run(outcome.resources)
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.policy_id, f.resource_address))
    return Report(findings, policies, outcome.files, len(outcome.resources), started, time.perf_counter() - t0)
