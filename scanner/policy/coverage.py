"""Which requirement is checked on which source, proven by the policies' own fixtures.

A policy covers an IaC source (``cloudformation``, ``terraform/aws``, ``terraform/gcp``, ``terraform/azure``,
``arm``, ``kubernetes``) when its ``pass/`` fixtures comply in that source; its fixtures are *complete*
for a format when the ``fail/`` fixtures also produce a violation there. A live source (``live/aws``, ...)
counts when the policy lists it in ``sources`` and a collector for it exists. The matrix is read against
the catalogue: each requirement's row says which sources it must be seen in.
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.catalog import IAC_SOURCES, LIVE_SOURCES, Requirement, requirements
from scanner.model import Resource, Status
from scanner.policy.pack import Policy

ANY = "any"  # ``sources: [any]``: a policy over every file format (secrets)
LIVE_ALIASES = {"aws": "live/aws", "gcp": "live/gcp", "azure": "live/azure", "postgres": "live/postgres",
                 "redis": "live/redis"}


# Formats the catalogue's sources split by provider (``terraform/aws``, ``terraform/gcp``: one format, every cloud).
_BY_PROVIDER = frozenset(source.split("/", 1)[0] for source in IAC_SOURCES if "/" in source)


def source_of(resource: Resource) -> str:
    """The coverage source of a declared resource: its format, with the provider where the catalogue's
    sources split the format by provider (Terraform)."""
    if resource.source != "iac":
        return f"live/{resource.provider}"
    if resource.format in _BY_PROVIDER:
        return f"{resource.format}/{resource.provider}"
    return resource.format


def format_of(source: str) -> str:
    return source.split("/", 1)[0]


def formats() -> tuple[str, ...]:
    """Every file format a loader reads, cloud IaC first (the order the matrix and the reference use)."""
    from scanner.loaders import all_loaders

    first = ("cloudformation", "terraform", "arm", "kubernetes")
    names = {loader.name for loader in all_loaders()}
    return tuple(n for n in first if n in names) + tuple(sorted(names - set(first)))


def source_order(source: str) -> tuple[int, str]:
    known = IAC_SOURCES + LIVE_SOURCES
    return (known.index(source), "") if source in known else (len(known), source)


@dataclass(frozen=True)
class FixtureResult:
    """What one policy's fixtures prove: sources where pass/ complies and fail/ violates."""

    policy: str
    complies: frozenset[str]
    violates: frozenset[str]
    errors: tuple[str, ...] = ()

    @property
    def covered(self) -> frozenset[str]:
        return self.complies

    @property
    def formats_complying(self) -> frozenset[str]:
        return frozenset(format_of(s) for s in self.complies)

    @property
    def formats_violating(self) -> frozenset[str]:
        return frozenset(format_of(s) for s in self.violates)


_RESULTS: dict[tuple[str, str], FixtureResult] = {}


def fixture_result(policy: Policy) -> FixtureResult:
    """Run ``policy`` over its own pass/ and fail/ fixtures (each directory on its own); once per process."""
    key = (policy.id, policy.path)
    if key not in _RESULTS:
        _RESULTS[key] = _run_fixtures(policy)
    return _RESULTS[key]


def _run_fixtures(policy: Policy) -> FixtureResult:
    from scanner.mappings import load_paths
    from scanner.policy.engine import Engine

    seen: dict[str, set[str]] = {"pass": set(), "fail": set()}
    errors: list[str] = []
    engine = Engine([policy])
    for sub, wanted in (("pass", Status.COMPLIES), ("fail", Status.VIOLATES)):
        directory = policy.directory / sub
        if not directory.is_dir():
            continue
        outcome = load_paths([directory])
        errors.extend(f"{e.file}:{e.line}: {e.message}" for e in outcome.errors)
        everything = tuple(outcome.resources)
        for resource in everything:
            if policy.id not in {p.id for p in engine.policies_for(resource)}:
                continue
            finding = engine.evaluate(policy, resource, everything)
            if finding is not None and finding.status == wanted:
                seen[sub].add(source_of(resource))
    return FixtureResult(policy.id, frozenset(seen["pass"]), frozenset(seen["fail"]), tuple(errors))


def verify_sources(policy: Policy) -> list[str]:
    """Why the policy's ``sources`` cannot be trusted (empty when they can): every IaC format it claims
    needs a pass fixture that complies and a fail fixture that violates in that format, every format its
    fixtures exercise must be claimed, and a live source needs a collector."""
    result = fixture_result(policy)
    known = formats()
    problems = [f"{policy.id}: fixture error {e}" for e in result.errors]
    if ANY in policy.sources:  # every format: the fixtures must still prove both verdicts somewhere
        if not result.complies or not result.violates:
            problems.append(f"{policy.id}: claims any format but its fixtures do not both comply and violate")
        return problems
    claimed = {s for s in policy.sources if s in known}
    for fmt in sorted(claimed - result.formats_complying):
        problems.append(f"{policy.id}: claims {fmt} but no pass/ fixture in {fmt} complies")
    for fmt in sorted(claimed - result.formats_violating):
        problems.append(f"{policy.id}: claims {fmt} but no fail/ fixture in {fmt} violates")
    for fmt in sorted((result.formats_complying | result.formats_violating) - claimed):
        problems.append(f"{policy.id}: its fixtures exercise {fmt}, which sources does not list")
    for source in sorted(claimed_live(policy)):
        if not collector_exists(source):
            problems.append(f"{policy.id}: claims {source} but there is no collector for it")
    unknown = [s for s in policy.sources if s not in known and LIVE_ALIASES.get(s, s) not in LIVE_SOURCES]
    problems.extend(f"{policy.id}: unknown source {s!r} (formats: {', '.join(known)})" for s in unknown)
    return problems


def claimed_live(policy: Policy) -> frozenset[str]:
    return frozenset(LIVE_ALIASES.get(s, s) for s in policy.sources if LIVE_ALIASES.get(s, s) in LIVE_SOURCES)


def collector_exists(source: str) -> bool:
    """A live source counts only when ``scanner/collectors/<name>.py`` exists to read it."""
    name = source.split("/", 1)[1]
    try:
        return importlib.util.find_spec(f"scanner.collectors.{name}") is not None
    except ModuleNotFoundError:
        return False


@dataclass
class Row:
    requirement: Requirement
    required: tuple[str, ...]
    covered: dict[str, list[str]] = field(default_factory=dict)  # source -> policy IDs

    @property
    def missing(self) -> list[str]:
        return [s for s in self.required if s not in self.covered]

    @property
    def missing_iac(self) -> list[str]:
        return [s for s in self.missing if s in IAC_SOURCES]


@dataclass
class Matrix:
    sources: tuple[str, ...]
    rows: list[Row]

    def summary(self) -> dict[str, int]:
        required = sum(len(r.required) for r in self.rows)
        covered = sum(len([s for s in r.required if s in r.covered]) for r in self.rows)
        iac_required = sum(len([s for s in r.required if s in IAC_SOURCES]) for r in self.rows)
        iac_covered = sum(len([s for s in r.required if s in IAC_SOURCES and s in r.covered]) for r in self.rows)
        return {"requirements": len(self.rows), "required": required, "covered": covered,
                "iac_required": iac_required, "iac_covered": iac_covered}

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "requirements": [{
                "id": r.requirement.id, "group": r.requirement.group, "requirement": r.requirement.text,
                "required": list(r.required), "covered": {s: ids for s, ids in sorted(r.covered.items())},
                "missing": r.missing} for r in self.rows],
            "summary": self.summary(),
        }


def build_matrix(policies: Sequence[Policy], groups: Iterable[str] = ()) -> Matrix:
    wanted = {g.upper() for g in groups}
    by_requirement: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for policy in policies:
        result = fixture_result(policy)
        live = {s for s in claimed_live(policy) if collector_exists(s)}
        for rid in policy.requirements:
            for source in sorted(result.covered | live):
                by_requirement[rid][source].append(policy.id)
    rows = []
    for requirement in requirements().values():
        if wanted and requirement.group not in wanted:
            continue
        rows.append(Row(requirement, requirement.sources, dict(by_requirement.get(requirement.id, {}))))
    # Formats beyond the clouds' IaC (nginx, shell, prometheus, ...) get a column when something covers them.
    extra = sorted({s for r in rows for s in r.covered if s not in IAC_SOURCES + LIVE_SOURCES})
    return Matrix(IAC_SOURCES + LIVE_SOURCES + tuple(extra), rows)


_MARK = {"covered": "✓", "missing": "✗", "extra": "+", "none": "·"}
_SHORT = {"cloudformation": "cfn", "terraform/aws": "tf-aws", "terraform/gcp": "tf-gcp", "terraform/azure": "tf-az",
          "arm": "arm", "kubernetes": "k8s", "live/aws": "L-aws", "live/gcp": "L-gcp", "live/azure": "L-az",
          "live/kubernetes": "L-k8s", "live/postgres": "L-pg", "live/redis": "L-rds"}


def render_text(matrix: Matrix) -> str:
    """The matrix as a fixed-width table: ✓ covered, ✗ required but not covered, + covered beyond the
    catalogue, · neither."""
    columns = [_SHORT.get(s, s) for s in matrix.sources]
    widths = [max(len(c), 1) for c in columns]
    lines = ["requirement  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)) + "  policies"]
    for row in matrix.rows:
        cells = []
        for source, width in zip(matrix.sources, widths, strict=True):
            required, covered = source in row.required, source in row.covered
            mark = _MARK["covered" if required and covered else "missing" if required else
                         "extra" if covered else "none"]
            cells.append(mark.ljust(width))
        policies = sorted({p for ids in row.covered.values() for p in ids})
        lines.append(f"{row.requirement.id:<12} " + "  ".join(cells) + "  " + ",".join(policies))
    total = matrix.summary()
    lines.append("")
    lines.append(f"{total['requirements']} requirements; IaC sources covered {total['iac_covered']}/"
                 f"{total['iac_required']}, all sources {total['covered']}/{total['required']} "
                 "(✓ covered by fixtures, ✗ listed by the catalogue but not covered, + beyond the catalogue)")
    return "\n".join(lines) + "\n"


def fixture_files(policy: Policy, sub: str) -> list[Path]:
    directory = policy.directory / sub
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.is_dir() else []
