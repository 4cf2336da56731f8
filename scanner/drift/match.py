"""Pair declared resources with live ones; what is left over is missing (declared) or unmanaged (live).

Evidence, strongest first: a Terraform state ID; the deployment's own record of which physical resource a
logical ID became (a CloudFormation stack); the logical-ID tag the deployment puts on what it creates; the
name the IaC gives the resource; its name tag. Each live resource pairs at most once, and only a unique
candidate counts: two equally good candidates leave the declaration unpaired, saying why.

What counts as evidence is each provider's table (``identity:`` of ``scanner/mappings/<provider>_live.yaml``,
read through ``scanner.mappings.identity``); what the provider makes by itself (a default network) its
collector says (``Collector.provider_made``). Nothing here names a provider.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.collection import Gap
from scanner.drift.tfstate import ids_for
from scanner.mappings import identity as ident
from scanner.model import Resource

MATCHED, MISSING, UNMANAGED, UNKNOWN = "matched", "missing", "unmanaged", "unknown"


@dataclass
class Pair:
    status: str  # matched | missing | unmanaged | unknown
    type: str
    declared: Resource | None = None
    live: Resource | None = None
    matched_by: str = ""
    note: str = ""
    stack: str | None = None  # the deployment (CloudFormation stack) a declaration was deployed as, when known


@dataclass
class MatchOptions:
    stacks: Sequence[str] = ()  # deployments (CloudFormation stacks) the templates were deployed as (default: inferred)
    tf_state: Mapping[str, set[str]] = field(default_factory=dict)  # address -> IDs (scanner.drift.tfstate)
    unmanaged: str = "declared-types"  # declared-types | all | none
    regions: Sequence[str] = ()
    provider: str | None = None  # the live side's provider (default: those of the live resources and gaps)


@dataclass
class _Stack:
    name: str
    region: str | None
    resources: dict[str, tuple[str, str]]  # logical ID -> (type, physical ID)
    spec: ident.Deployment


def _providers(live: Sequence[Resource], gaps: Sequence[Gap], options: MatchOptions) -> list[ident.ProviderIdentity]:
    names = [options.provider] if options.provider else sorted({r.provider for r in live} | {g.provider for g in gaps})
    if not names:  # nothing seen to say which: every provider a table describes
        names = sorted(ident.providers())
    return [p for name in names if (p := ident.provider_identity(name)) is not None]


def _stacks(live: Iterable[Resource], providers: Sequence[ident.ProviderIdentity]) -> list[_Stack]:
    specs = {p.deployment.type: p.deployment for p in providers if p.deployment is not None}
    out = []
    for r in live:
        spec = specs.get(r.type)
        if spec is None or not isinstance(r.attributes.get(spec.resources), list):
            continue
        resources = {str(s.get(spec.logical_id)): (str(s.get(spec.resource_type)), str(s.get(spec.physical_id)))
                     for s in r.attributes[spec.resources] if isinstance(s, Mapping)}
        out.append(_Stack(str(r.attributes.get(spec.name, r.address)), r.origin.region, resources, spec))
    return out


def _choose_stacks(declared: Sequence[Resource], stacks: list[_Stack], wanted: Sequence[str]) -> tuple[list[_Stack],
                                                                                                      str]:
    """The deployments a set of declarations was deployed as: named, or the best-scoring one."""
    if wanted:
        return [s for s in stacks if s.name in wanted], ""
    formats = {s.spec.declared_format for s in stacks}
    recorded = [(d.address, d.type) for d in declared if d.format in formats]
    if not recorded:
        return [], ""
    scores = Counter({s.name: sum(1 for logical, rtype in recorded if s.resources.get(logical, ("",))[0] == rtype)
                      for s in stacks})
    best = max(scores.values(), default=0)
    if best == 0:
        return [], ""
    names = sorted(n for n, v in scores.items() if v == best)
    if len(names) > 1:
        return [], f"the template matches stacks {', '.join(names)} equally: choose one with --stack"
    return [s for s in stacks if s.name == names[0]], ""


class _Index:
    def __init__(self, live: Sequence[Resource]) -> None:
        self.by_id: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        self.by_logical: dict[tuple[str, str], list[tuple[str | None, Resource]]] = defaultdict(list)
        self.by_name_tag: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        self.by_type: dict[str, list[Resource]] = defaultdict(list)
        for r in live:
            self.by_type[r.type].append(r)
            for key in ident.identifiers(r):
                self.by_id[(r.type, key)].append(r)
            table = ident.provider_identity(r.provider)
            if table is None:
                continue
            tags = ident.tags(r)
            spec = table.deployment
            if spec is not None and spec.logical_id_tag and tags.get(spec.logical_id_tag):
                self.by_logical[(r.type, str(tags[spec.logical_id_tag]))].append(
                    (tags.get(spec.name_tag) if spec.name_tag else None, r))
            if table.name_tag and tags.get(table.name_tag):
                self.by_name_tag[(r.type, str(tags[table.name_tag]))].append(r)
        self.taken: set[int] = set()

    def free(self, candidates: Iterable[Resource]) -> list[Resource]:
        unique = {id(c): c for c in candidates if id(c) not in self.taken}
        return list(unique.values())


def match(declared: Sequence[Resource], live: Sequence[Resource], gaps: Sequence[Gap],
          options: MatchOptions | None = None) -> list[Pair]:
    """Pairs for every comparable declared resource and every live resource in scope."""
    options = options or MatchOptions()
    providers = _providers(live, gaps, options)
    index = _Index(live)
    stacks = _stacks(live, providers)
    chosen, ambiguity = _choose_stacks(declared, stacks, options.stacks)
    chosen_names = {s.name for s in chosen}
    pairs: list[Pair] = []
    comparable = [(d, t) for d in declared for p in providers if (t := ident.live_type(d, p.provider))]
    # layers (ALTER SYSTEM files) pair after the main declaration of their live resource, and are not counted as
    # rivals of it
    comparable.sort(key=lambda pair: ident.layer(pair[1], pair[0].type))
    declaring = Counter(t for d, t in comparable if not ident.layer(t, d.type))
    for decl, rtype in comparable:
        recorded_as = [s for s in chosen if s.spec.declared_format == decl.format]
        for pair in _pair_one(decl, rtype, index, recorded_as, options, ambiguity, gaps, declaring[rtype]):
            if len(recorded_as) == 1:
                pair.stack = recorded_as[0].name
            pairs.append(pair)
    if options.unmanaged != "none" and declared:
        in_scope = {t for _, t in comparable} if options.unmanaged == "declared-types" else None
        pairs.extend(_unmanaged(live, index, stacks, chosen_names, in_scope, providers))
    return pairs


def _pair_one(decl: Resource, rtype: str, index: _Index, chosen: list[_Stack], options: MatchOptions,
              ambiguity: str, gaps: Sequence[Gap], declarations: int = 1) -> list[Pair]:
    notes: list[str] = []
    if decl.format == "terraform" and options.tf_state:
        instances = ids_for(dict(options.tf_state), decl.address)
        found = []
        for ids in instances:
            candidates = index.free(r for key in ids for r in index.by_id.get((rtype, key), ()))
            if len(candidates) == 1:
                index.taken.add(id(candidates[0]))
                found.append(Pair(MATCHED, rtype, decl, candidates[0], "terraform state"))
        if found:
            return found
        if instances:
            notes.append("the Terraform state records it, but no live resource has its ID")
    table = ident.provider_identity(decl.provider)
    spec = table.deployment if table is not None else None
    if spec is not None and decl.format == spec.declared_format:
        for stack in chosen:
            entry = stack.resources.get(decl.address)
            if entry is None or entry[0] != rtype:
                continue
            candidates = index.free(index.by_id.get((rtype, entry[1].casefold()), ()))
            if len(candidates) == 1:
                return [_take(index, decl, rtype, candidates[0], f"stack {stack.name} ({entry[1]})")]
            notes.append(f"stack {stack.name} records it as {entry[1]}, which no longer exists")
        tagged = [r for stack_name, r in index.by_logical.get((rtype, decl.address), ())
                  if not chosen or stack_name is None or stack_name in {s.name for s in chosen}]
        candidates = index.free(tagged)
        if len(candidates) == 1 and not ambiguity:
            return [_take(index, decl, rtype, candidates[0], f"tag {spec.logical_id_tag}={decl.address}")]
        if len(candidates) > 1:
            notes.append(f"{len(candidates)} live resources carry logical ID {decl.address}: pass --stack")
        elif not candidates and not notes:
            notes.append(f"no live {rtype} is recorded as, or tagged with, logical ID {decl.address}")
    name = ident.declared_name(decl)
    if name:
        candidates = index.free(index.by_id.get((rtype, name.casefold()), ()))
        if len(candidates) == 1:
            return [_take(index, decl, rtype, candidates[0], f"name {name}")]
    name_key = table.name_tag if table is not None else None
    name_tag = ident.tags(decl).get(name_key) if name_key else None
    if isinstance(name_tag, str) and name_tag:
        candidates = index.free(index.by_name_tag.get((rtype, name_tag), ()))
        if len(candidates) == 1:
            return [_take(index, decl, rtype, candidates[0], f"tag {name_key}={name_tag}")]
        if len(candidates) > 1:
            notes.append(f"{len(candidates)} live resources are named {name_tag}")
    if ident.sole(rtype) and ident.layer(rtype, decl.type) and (every := index.by_type.get(rtype, [])):
        if len(every) == 1:
            return [_take(index, decl, rtype, every[0], f"the only {rtype} collected ({decl.type} sets part of its "
                                                         "configuration)")]
        return [Pair(UNKNOWN, rtype, decl, note=f"{len(every)} live {rtype}: nothing in {decl.type} names which one "
                                                 "it configures")]
    if ident.sole(rtype) and (candidates := index.free(index.by_type.get(rtype, ()))):
        if len(candidates) == 1 and declarations == 1:
            return [_take(index, decl, rtype, candidates[0], f"the only {rtype} collected")]
        return [Pair(UNKNOWN, rtype, decl, note=f"{declarations} declarations and {len(candidates)} live {rtype}: "
                                                 "nothing names which is which")]
    if ambiguity:
        return [Pair(UNKNOWN, rtype, decl, note=ambiguity)]
    blind = [g for g in gaps if rtype in g.types and (not options.regions or g.region in (None, *options.regions))]
    if blind:
        return [Pair(UNKNOWN, rtype, decl, note="not collected: " + "; ".join(sorted({g.describe() for g in blind})))]
    return [Pair(MISSING, rtype, decl, note="; ".join(notes) or "no live resource matches it")]


def _take(index: _Index, decl: Resource, rtype: str, found: Resource, how: str) -> Pair:
    index.taken.add(id(found))
    return Pair(MATCHED, rtype, decl, found, how)


def _unmanaged(live: Sequence[Resource], index: _Index, stacks: list[_Stack], chosen: set[str],
               in_scope: set[str] | None, providers: Sequence[ident.ProviderIdentity]) -> list[Pair]:
    from scanner.collectors import COLLECTORS

    made: set[str] = set()
    for table in providers:
        plugin = COLLECTORS.get(table.provider)
        if plugin is not None:
            made |= plugin.provider_made([r for r in live if r.provider == table.provider])
    # Physical IDs other deployments own: managed by IaC, just not by the IaC scanned here.
    elsewhere = {(rtype, physical.casefold()): s.name for s in stacks if s.name not in chosen
                 for rtype, physical in s.resources.values()}
    out = []
    for r in live:
        if id(r) in index.taken or r.type not in ident.IDENTITIES or r.address in made:
            continue
        if in_scope is not None and r.type not in in_scope:
            continue
        own = ident.provider_identity(r.provider)
        spec = own.deployment if own is not None else None
        stack_tag = ident.tags(r).get(spec.name_tag) if spec is not None and spec.name_tag else None
        if stack_tag and stack_tag not in chosen:
            continue
        if any((r.type, key) in elsewhere for key in ident.identifiers(r)):
            continue
        out.append(Pair(UNMANAGED, r.type, live=r, note="runs, but no scanned IaC declares it"))
    return out


def summary(pairs: Sequence[Pair]) -> dict[str, Any]:
    return dict(Counter(p.status for p in pairs))
