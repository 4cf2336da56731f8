"""The scan pipeline: files -> loaders -> Resources -> policy engine -> a Report."""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

from scanner.model import Finding, Resource, Severity
from scanner.policy.pack import Policy, PolicyError, load_pack
from scanner.report import Report, cyclic_gc_paused
from scanner.units import parse_quantity


@dataclass
class ScanOptions:
    paths: Sequence[str]
    policy_dirs: Sequence[Path] | None = None  # own policy directories, beside the shipped pack
    default_policies: bool = True  # false: the shipped pack is left out (only ``policy_dirs``)
    external_checks: Sequence[Path] = ()  # directories of own check functions (beside the entry points)
    var_files: Sequence[str] = ()
    policies: Sequence[str] = ()  # selection by ID, requirement or tag, with wildcards
    skip_policies: Sequence[str] = ()
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    parameter_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    formats: Sequence[str] = ()
    # Files loaded only for cross-file context (a staged file's Terraform module): their findings are dropped,
    # findings are reported for ``paths`` only.
    context_paths: Sequence[str] = ()
    baseline: str | None = None  # accepted findings (scanner/baseline.py)
    with_checkov: bool = False
    checkov_path: str = "checkov"
    checkov_timeout: float = 600.0
    environment: str | None = None  # baselines/<env>.yaml for component checks (default: production)
    jobs: int | None = None  # processes for loading large trees; None: the idle CPUs
    download_external_modules: bool = False  # fetch registry and git module sources (nothing is fetched otherwise)
    skip_paths: Sequence[str] = ()  # gitignore-like globs of paths left out (scanner/loaders/path_globs.py)
    follow_symlinks: bool = False  # follow symbolic links inside the scanned directories (never out of them)


def _matches(policy: Policy, patterns: Sequence[str]) -> bool:
    names = (policy.id, *policy.requirements, *policy.tags)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns for name in names)


def unmatched_patterns(policies: Sequence[Policy], patterns: Sequence[str]) -> list[str]:
    """The patterns that match no policy of the pack (a misspelt ID would otherwise select or skip nothing)."""
    return [pattern for pattern in patterns if not any(_matches(p, (pattern,)) for p in policies)]


def select_policies(policies: Sequence[Policy], options: ScanOptions) -> list[Policy]:
    """The policies ``options`` select, with their overrides; a pattern that matches nothing is a ``PolicyError``
    (a gate that runs no policy must not pass)."""
    for flag, patterns in (("--policy", options.policies), ("--skip-policy", options.skip_policies)):
        unmatched = unmatched_patterns(policies, patterns)
        if unmatched:
            raise PolicyError(f"{flag} {', '.join(unmatched)} matches no policy (patterns match an ID, a "
                              f"requirement ID or a tag; `specdrift policies list` shows them)")
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
            params = {name: coerce_parameter(policy, name, value) for name, value in (params or {}).items()}
            policy = policy.with_overrides(Severity.parse(severity) if severity else None, params)
        out.append(policy)
    return out


def coerce_parameter(policy: Policy, name: str, value: Any) -> Any:
    """A parameter override as the policy's type wants it (flags and environment give strings)."""
    param = policy.parameters.get(name)
    if param is None or not isinstance(value, str):
        return value
    try:
        if param.type == "integer":
            return int(value)
        if param.type == "number":
            return float(value)
        if param.type == "boolean":
            if value.lower() not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
                raise ValueError(value)
            return value.lower() in ("true", "yes", "on", "1")
        if param.type == "list":
            return [item.strip() for item in value.split(",") if item.strip()]
        if param.type in ("size", "duration", "cpu") and parse_quantity(value, param.type) is None:
            raise ValueError(value)
    except ValueError:
        raise PolicyError(f"{policy.id} parameter {name}: {value!r} is not a valid {param.type}") from None
    return value


def _in_scope(paths: Sequence[str]) -> Callable[[str], bool]:
    """A predicate: is this file one of ``paths`` or under one of them (the files findings are kept for)?"""
    roots = [Path(p).resolve() for p in paths]

    @cache  # asked once per finding: a file's answer is worked out once (resolve() reads the file system)
    def contains(file: str) -> bool:
        resolved = Path(file).resolve()
        return any(resolved == root or root in resolved.parents for root in roots)

    return contains


def evaluate_resources(resources: Sequence[Resource], policies: Sequence[Policy]) -> list[Finding]:
    from scanner.policy.engine import Engine

    return Engine(policies).run(resources)


def scan(options: ScanOptions) -> Report:
    from scanner.loaders.suppressions import read_suppressions
    from scanner.mappings import load_paths
    from scanner.policy.engine import Engine, parse_error_findings
    from scanner.policy.resource_index import forget_index

    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    with cyclic_gc_paused():
        pack, pack_notes = load_pack(options.policy_dirs or (), options.default_policies,
                                       options.external_checks)
        policies = select_policies(pack, options)
        context = {"var_files": list(options.var_files),
                   "download_external_modules": options.download_external_modules,
                   "follow_symlinks": options.follow_symlinks,
                   "context_files": list(options.context_paths)}  # read only to inform: their parses are kept
        outcome = load_paths([*options.paths, *options.context_paths], context, options.formats or None,
                             options.jobs, options.skip_paths)
        settings = {"environment": options.environment} if options.environment else {}
        # Context files inform the checks; their resources' own findings would be dropped below: not made.
        in_scope = _in_scope(options.paths) if options.context_paths else None
        findings = parse_error_findings(outcome.errors) + Engine(policies, settings).run(outcome.resources, in_scope)
    files, resources = outcome.files, len(outcome.resources)
    if in_scope is not None:
        findings = [f for f in findings if f.file is None or in_scope(f.file)]
        files = {path: fmt for path, fmt in files.items() if in_scope(path)}
        resources = sum(1 for r in outcome.resources if r.origin.file is None or in_scope(r.origin.file))
    suppressions = read_suppressions(files)  # ``specdrift:ignore`` comments, with the lines of their resources
    spans = {(r.origin.file, r.address): (r.origin.line, r.origin.end_line or r.origin.line)
             for r in outcome.resources if r.origin.file in suppressions and r.origin.line}
    # The resources are judged: freed (with the reference index that keeps them) before the findings are
    # sorted and written, which then have the memory to themselves.
    outcome.resources = []
    forget_index()
    not_infrastructure = outcome.not_infrastructure
    if in_scope is not None:
        not_infrastructure = {path: what for path, what in not_infrastructure.items() if in_scope(path)}
    notes = pack_notes + not_infrastructure_notes(not_infrastructure) + passed_over_notes(outcome.passed_over)
    named = {os.path.normpath(p) for p in options.paths if os.path.isfile(p)}
    unclaimed = [path for path in outcome.skipped if os.path.normpath(path) in named]
    if unclaimed:
        notes.append(f"no loader reads {len(unclaimed)} named file(s), not scanned: {', '.join(unclaimed)}")
    if options.with_checkov:
        from scanner.checkov.runner import add_checkov_findings

        findings, checkov_notes = add_checkov_findings(findings, options.paths, options.checkov_path,
                                                       options.checkov_timeout, policies)
        notes.extend(checkov_notes)
    if suppressions:
        from scanner.suppression import apply_suppressions

        findings = apply_suppressions(findings, suppressions, spans,
                                      {name for p in pack for name in (p.id, *p.requirements)})
    from scanner.baseline import old_layout_notes
    from scanner.environment import DEFAULT_ENV

    notes.extend(old_layout_notes(options.environment or DEFAULT_ENV, options.baseline))  # at every run
    if options.baseline:
        from scanner.baseline import apply_baseline, known_ids

        findings, baseline_notes = apply_baseline(findings, options.baseline, known_ids(pack))
        notes.extend(baseline_notes)
    findings = sorted_findings(findings)
    return Report(findings, policies, files, resources, started, time.perf_counter() - t0, notes=notes,
                  unclaimed=unclaimed)


def sorted_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Findings by file, line, policy and resource, in a stable sort: file by file, so that the sort keys of one
    file exist at a time (a key for every finding at once was 30 MiB of a 50k-resource scan's peak memory)."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.file or "", []).append(finding)
    ordered: list[Finding] = []
    for file in sorted(by_file):
        group = by_file.pop(file)
        group.sort(key=lambda f: (f.line or 0, f.policy_id, f.resource_address))
        ordered.extend(group)
    return ordered


def _listed_by(files: Mapping[str, str], shown: int) -> list[tuple[str, str]]:
    """(value, the paths that have it, listed) for each value of ``files`` (path -> value), sorted."""
    by_value: dict[str, list[str]] = {}
    for path, value in files.items():
        by_value.setdefault(value, []).append(path)
    out = []
    for value, paths in sorted(by_value.items()):
        paths.sort()
        out.append((value, ", ".join(paths[:shown]) + (f" and {len(paths) - shown} more" if len(paths) > shown
                                                       else "")))
    return out


def passed_over_notes(files: Mapping[str, str], shown: int = 5) -> list[str]:
    """One note per reason files were not read (a symbolic link not followed, a FIFO), naming them."""
    return [f"not read, {why}: {listed}" for why, listed in _listed_by(files, shown)]


def not_infrastructure_notes(files: Mapping[str, str], shown: int = 5) -> list[str]:
    """One note per kind of file that is not infrastructure (a Helm template, a workflow), naming the files."""
    from scanner.loaders.not_infrastructure import hint

    notes = []
    for what, listed in _listed_by(files, shown):
        todo = hint(what)
        notes.append(f"not judged as infrastructure ({what}; searched for literal secrets only): {listed}"
                     f"{'; to check such files, ' + todo if todo else ''}")
    return notes
