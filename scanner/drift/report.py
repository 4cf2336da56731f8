"""Assemble the drift report: per resource pair, the differences, each side's verdict per requirement,
and the fixes for both directions. Gaps in collection become ``unknown`` rows, never compliant ones."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from scanner import __version__
from scanner.collectors.collection import Collection, Gap
from scanner.display import display
from scanner.drift.compare import CHANGED, UNKNOWN, Difference, differences
from scanner.drift.fixes import IAC, Fix, cloud_fix, iac_fix, missing_fixes, unmanaged_fixes
from scanner.drift.match import MATCHED, MISSING, UNMANAGED, MatchOptions, Pair, match
from scanner.loaders.base import ParseError
from scanner.mappings import mapping_for_type, normalize
from scanner.mappings.identity import IDENTITIES, comparer, live_type, provider_identity
from scanner.model import Finding, Resource, Severity, Status
from scanner.policy.engine import Engine
from scanner.policy.pack import Policy

IN_SYNC, LIVE_ONLY = "in_sync", "live_only"
DRIFT_STATUSES = (CHANGED, MISSING, UNMANAGED)
_ORDER = {CHANGED: 0, MISSING: 1, UNMANAGED: 2, UNKNOWN: 3, IN_SYNC: 4, LIVE_ONLY: 5}  # how the report lists items


@dataclass(frozen=True)
class Side:
    """One side's verdict on one requirement: the value it has and what the policy says of it."""

    value: Any
    verdict: str  # complies | violates | unknown | error
    message: str = ""
    line: int | None = None


@dataclass
class RequirementRow:
    policy: Policy
    fact: str | None
    required: Any
    declared: Side | None = None
    live: Side | None = None
    findings: tuple[Finding, ...] = ()  # the policy's verdicts on each side, as a scan would report them

    def violates(self) -> bool:
        return any(s is not None and s.verdict == Status.VIOLATES.value for s in (self.declared, self.live))


@dataclass
class Item:
    pair: Pair
    differences: list[Difference] = field(default_factory=list)
    requirements: list[RequirementRow] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.pair.status != MATCHED:
            return self.pair.status
        if any(d.status == CHANGED for d in self.differences):
            return CHANGED
        return UNKNOWN if any(d.status == UNKNOWN for d in self.differences) else IN_SYNC


@dataclass
class DriftReport:
    items: list[Item]
    gaps: list[Gap]
    policies: list[Policy]
    files: dict[str, str]
    parse_errors: list[ParseError]
    live_source: str
    account: str | None
    regions: tuple[str, ...]
    collected_at: datetime
    started: datetime
    duration_s: float
    version: str = __version__

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in (IN_SYNC, CHANGED, MISSING, UNMANAGED, UNKNOWN, LIVE_ONLY)}
        for item in self.items:
            out[item.status] = out.get(item.status, 0) + 1
        return out

    def failing(self, fail_on: Severity) -> list[Item]:
        """Items that fail the gate: any drift, or a violation (either side) at or above ``fail_on``."""
        return [i for i in self.items if i.status in DRIFT_STATUSES
                or any(r.violates() and r.policy.severity.rank >= fail_on.rank for r in i.requirements)]


def _side(finding: Finding | None) -> Side | None:
    if finding is None:
        return None
    return Side(finding.observed, finding.status.value, finding.message, finding.line)


def _kinds(rtype: str, fmt: str) -> frozenset[str]:
    mapping = mapping_for_type(rtype, fmt)
    return mapping.kinds if mapping else frozenset()


class _Builder:
    def __init__(self, policies: Sequence[Policy], declared: Sequence[Resource], live: Sequence[Resource],
                 stack: str | None, provider: str, gaps: Sequence[Gap] = ()) -> None:
        self.engine = Engine(policies)
        self.declared_all = tuple(declared)
        self.live_all = tuple(live)
        self.stack = stack
        self.provider = provider
        self.iac_format = next((d.format for d in declared if d.provider == provider), None)
        table = provider_identity(provider)
        self.live_format = table.format if table is not None else f"{provider}-api"
        consulted = table.consulted if table is not None else {}
        self.gap_kinds = [(consulted[rtype], gap) for gap in gaps for rtype in gap.types if rtype in consulted]

    def item(self, pair: Pair) -> Item:
        item = Item(pair)
        if pair.declared is not None and pair.live is not None:
            item.differences = differences(pair.declared, pair.live)
        item.requirements = self.requirements(pair)
        item.fixes = self.fixes(item)
        return item

    def requirements(self, pair: Pair) -> list[RequirementRow]:
        policies: dict[str, Policy] = {}
        for resource in (pair.declared, pair.live):
            if resource is not None:
                policies.update({p.id: p for p in self.engine.policies_for(resource)})
        rows = []
        for policy in policies.values():
            declared = self.engine.evaluate(policy, pair.declared, self.declared_all) if pair.declared else None
            live = self.engine.evaluate(policy, pair.live, self.live_all) if pair.live else None
            if declared is None and live is None:
                continue
            shown = live or declared
            assert shown is not None
            live_side = _side(live)
            if pair.live is None and pair.status not in (MISSING,):
                live_side = Side(None, Status.UNKNOWN.value, pair.note)
            elif live is not None and (blind := self.blind_for(policy, pair.live)):
                live_side = Side(None, Status.UNKNOWN.value, blind)
            rows.append(RequirementRow(policy, shown.fact, shown.expected, _side(declared), live_side,
                                       tuple(f for f in (declared, live) if f is not None)))
        return rows

    def blind_for(self, policy: Policy, resource: Resource | None) -> str | None:
        """Why ``policy`` cannot judge ``resource`` live: it consults other resources of a type a gap hid (a
        workload's NetworkPolicy when NetworkPolicies could not be listed: ``identity.consulted``); None when
        nothing it needs is hidden."""
        if resource is None:
            return None
        function = policy.check.get("function") if isinstance(policy.check, Mapping) else None
        hidden = [gap for kinds, gap in self.gap_kinds if policy.kinds & (kinds - resource.kinds) or function in kinds]
        return "not collected: " + "; ".join(sorted({g.describe() for g in hidden})) if hidden else None

    def _target(self, policy: Policy, resource: Resource | None) -> Any:
        if resource is None:
            return None
        try:
            outcome = self.engine.outcome(policy, resource, self.live_all)
        except Exception:  # the evaluation already reported this fault as an error finding; no fix to offer
            return None
        if outcome is None:
            return None
        # a check function's wanted value (the settings to set) is its target
        return outcome.target if outcome.target is not None else outcome.wanted

    def fixes(self, item: Item) -> list[Fix]:
        pair = item.pair
        if pair.status == MISSING and pair.declared is not None:
            return missing_fixes(pair.declared, pair.stack or self.stack)
        out: list[Fix] = []
        handled: set[str] = set()
        covered: dict[str, set[str]] = {}  # fact -> the settings of a map the differences' fixes set
        for diff in item.differences:
            if diff.status != CHANGED or pair.live is None or pair.declared is None:
                continue
            rows = [r for r in item.requirements if (r.fact or "").split(".", 1)[0] == diff.fact]
            targets: list[Any] = []
            accepted: list[Any] = []
            parts = _entries(diff, pair.live.provider)
            for wanted, actual in parts:
                broken = [f for r in rows for f in r.findings if f.status == Status.VIOLATES and _about(f, wanted)]
                declared_ok = not any(f.source != "live" for f in broken)
                live_ok = not any(f.source == "live" for f in broken)
                # the IaC's value, unless it breaks a requirement: then the requirement's, where the live value
                # breaks it too (a live value that complies is not changed to another: the IaC is what to fix)
                target = wanted if declared_ok else None if live_ok else next(
                    (t for r in rows if set(r.findings) & set(broken)
                     and (t := self._target(r.policy, pair.live)) is not None), None)
                if target is not None:
                    targets.append(target)
                if live_ok:
                    accepted.append(actual)
            if targets:
                target = _merged(targets)
                fix = cloud_fix(pair.live, diff.fact, target)
                out.append(fix or Fix("cloud", "text", f"re-apply the IaC to restore {diff.fact} = {display(target)}",
                                      "no CLI call is known for this setting", diff.fact))
            if accepted:
                fix = iac_fix(pair.declared, diff.fact, _merged(accepted))
                if fix is not None:
                    out.append(Fix(IAC, fix.format, fix.snippet, f"or accept the live value: {fix.description}",
                                   diff.fact))
            handled.add(diff.fact)
            if isinstance(diff.declared, Mapping) and comparer(pair.live.provider, diff.fact) is not None:
                # a map of settings compared one by one: the settings these fixes set
                covered.setdefault(diff.fact, set()).update(name for wanted, _ in parts for name in wanted)
        for row in item.requirements:
            fact = (row.fact or "").split(".", 1)[0]
            if fact in handled and not _beyond(row, covered.get(fact)):
                continue
            if row.live and row.live.verdict == Status.VIOLATES.value and pair.live is not None:
                target = _without(self._target(row.policy, pair.live), covered.get(fact, set()))
                fix = cloud_fix(pair.live, fact, target) if target is not None else None
                if fix is not None:
                    out.append(fix)
            if row.declared and row.declared.verdict == Status.VIOLATES.value and pair.declared is not None:
                finding = self.engine.evaluate(row.policy, pair.declared, self.declared_all)
                if finding is not None and finding.remediation is not None and finding.remediation.format != "text":
                    rem = finding.remediation
                    out.append(Fix(IAC, rem.format, rem.snippet, rem.description, fact))
        if pair.status == UNMANAGED and pair.live is not None:
            out.extend(unmanaged_fixes(pair.live, self.iac_format))
        return out

    def gap_items(self, gaps: Sequence[Gap], covered: set[str]) -> list[Item]:
        """A gap no declared resource stands for still makes every check that needed it unknown."""
        items = []
        seen: set[tuple[str, str | None]] = set()
        for gap in gaps:
            for rtype in gap.types:
                key = (rtype, gap.region)
                if key in seen or rtype in covered:
                    continue
                seen.add(key)
                kinds = _kinds(rtype, self.live_format)
                policies = [p for p in self.engine.policies if p.kinds & kinds]
                if not policies:
                    continue
                pair = Pair(UNKNOWN, rtype, note=f"not collected: {gap.describe()}")
                rows = [RequirementRow(p, None, None, None, Side(None, Status.UNKNOWN.value, pair.note))
                        for p in policies]
                items.append(Item(pair, requirements=rows))
        return items


def _entries(diff: Difference, provider: str) -> list[tuple[Any, Any]]:
    """A difference as the values a fix sets: each entry of a map of settings compared entry by entry
    (``identity.compare``: pg_settings), else the whole value."""
    if comparer(provider, diff.fact) is not None and isinstance(diff.declared, Mapping) and \
            isinstance(diff.live, Mapping):
        return [({name: value}, {name: diff.live.get(name)}) for name, value in diff.declared.items()]
    return [(diff.declared, diff.live)]


def _named(finding: Finding) -> set[str] | None:
    """The settings of a map a finding is about (its expected values, or the setting of its fact:
    ``pg_settings.shared_buffers``); None when its fact names no entry."""
    entry = (finding.fact or "").partition(".")[2]
    if not entry:
        return None
    return {str(k) for k in finding.expected} if isinstance(finding.expected, Mapping) else {entry}


def _about(finding: Finding, wanted: Any) -> bool:
    """Whether a violation is about the value a fix would set: for one entry of a map of settings, a violation
    naming that setting."""
    named = _named(finding)
    return not isinstance(wanted, Mapping) or named is None or bool(named & set(wanted))


def _beyond(row: RequirementRow, covered: set[str] | None) -> bool:
    """Whether a row's live violation names settings the differences' fixes do not set (the server breaks the
    guide on a setting the file leaves alone): it needs a fix of its own."""
    if covered is None:
        return False
    named: set[str] = set()
    for finding in row.findings:
        if finding.source == "live" and finding.status == Status.VIOLATES:
            named |= _named(finding) or set()
    return bool(named - covered)


def _without(target: Any, covered: set[str]) -> Any:
    """A policy's target for a map of settings without the settings a difference's fix already sets."""
    if not covered or not isinstance(target, (Mapping, list)):
        return target
    pairs = list(target.items()) if isinstance(target, Mapping) else target
    if not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        return target
    return [(name, value) for name, value in pairs if name not in covered] or None


def _merged(values: list[Any]) -> Any:
    """The values of a difference's entries as one value: maps (and lists of (setting, value) pairs, a policy's
    target) merged, else the one value."""
    if len(values) == 1:
        return values[0]
    merged: dict[Any, Any] = {}
    for value in values:
        merged.update(value.items() if isinstance(value, Mapping) else value)
    return merged


def _address(pair: Pair) -> str:
    resource = pair.declared or pair.live
    return resource.address if resource is not None else ""


def build(declared: Sequence[Resource], collection: Collection, policies: Sequence[Policy],
          options: MatchOptions | None = None, files: dict[str, str] | None = None,
          parse_errors: Sequence[ParseError] = (), live_source: str | None = None) -> DriftReport:
    """The drift report for declared resources (already normalized) against one live collection."""
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    options = options or MatchOptions(regions=collection.regions)
    if options.provider is None:
        options = replace(options, provider=collection.provider)
    live = [normalize(r) for r in collection.resources]
    builder = _Builder(policies, declared, live, options.stacks[0] if options.stacks else None, collection.provider,
                       collection.gaps)
    # IaC that declares nothing this source collects (manifests beside --postgres URL) pairs nothing: what runs
    # is judged without a drift verdict, as without IaC, rather than left out of the report
    declares = any(live_type(d, collection.provider) for d in declared) or (declared and options.unmanaged == "all")
    if declares:
        pairs = match(declared, live, collection.gaps, options)
        # a live type no declaration can pair with (no identity: TimescaleDB's objects) is judged, not left out
        paired = {id(p.live) for p in pairs if p.live is not None}
        pairs += [Pair(LIVE_ONLY, r.type, live=r) for r in live
                  if r.kinds and id(r) not in paired and r.type not in IDENTITIES]
    else:  # no IaC of this source: judge what runs, without a drift verdict
        pairs = [Pair(LIVE_ONLY, r.type, live=r) for r in live if r.kinds]
    items = [builder.item(p) for p in pairs]
    covered = {p.type for p in pairs if p.status == UNKNOWN}
    items += builder.gap_items(collection.gaps, covered)
    items.sort(key=lambda i: (_ORDER.get(i.status, 9), i.pair.type, _address(i.pair)))
    return DriftReport(items, list(collection.gaps), list(policies), dict(files or {}), list(parse_errors),
                       live_source or collection.provider, collection.account, collection.regions,
                       collection.collected_at, started, time.perf_counter() - t0)


def combined(reports: Sequence[DriftReport]) -> DriftReport:
    """Several live sources' reports (``--postgres URL --redis URL``) as one: their items and gaps together."""
    if len(reports) == 1:
        return reports[0]
    first = reports[0]
    items = sorted((i for r in reports for i in r.items),
                   key=lambda i: (_ORDER.get(i.status, 9), i.pair.type, _address(i.pair)))
    return replace(first, items=items, gaps=[g for r in reports for g in r.gaps],
                   live_source=", ".join(r.live_source for r in reports),
                   regions=tuple(x for r in reports for x in r.regions),
                   duration_s=sum(r.duration_s for r in reports))
