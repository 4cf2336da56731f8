"""Sizing and orchestration checks: component sizes from the baseline, traffic tiers, capacity providers.

Sizes compare a resource's normalized ``vcpu`` / ``memory`` / ``disk_size`` / ``instance_count``
facts (resolved from the machine shape catalogue) with what the baseline component or the
policy requires. A dimension the resource type has no mapping for does not apply (a managed
cache has no disk); one the mapping knows but the file leaves out is unknown, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scanner.catalog.shapes import lookup as shape_lookup
from scanner.catalog.shapes import suggest
from scanner.coerce import whole
from scanner.environment import DEFAULT_ENV, Component, Components, EnvironmentFileError, load_components
from scanner.mappings import fact_spec
from scanner.mappings.compute import gib, ssd_class
from scanner.mappings.relations import CLUSTER_TYPES
from scanner.model import Resource, Status, Unresolved
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register
from scanner.policy.resource_index import ResourceIndex, index_for, is_live
from scanner.units import SIZE, Quantity, comparable, format_quantity, parse_quantity

_MISSING = object()
# Kinds whose instances are single resources: their count is the number of selected resources.
_SINGLE_UNITS = ({"compute_instance"}, {"sql_database", "sql_database_instance"})


def components_for(ctx: EvalContext) -> Components | Outcome:
    """The baseline components of the scan's environment (``--environment``, default production).

    A missing or broken baseline makes the component checks unknown (with the reason) rather than
    errors on every resource; the CLI already refuses an ``--environment`` it cannot load.
    """
    env = str(ctx.settings.get("environment") or DEFAULT_ENV)
    memo = index_for(ctx.resources).memo
    # A scan's resources have an index of their own (one scan, one working directory and environment): what
    # was found for them is asked by the environment alone, not by a getcwd and an environment read per check.
    if ctx.resources and ("components of this scan", env) in memo:
        known: Components | Outcome = memo[("components of this scan", env)]
        return known
    # Once per scan, not per resource (finding the file is a few stat calls: 1 s of a 50k scan); keyed by
    # what decides which file it is, as scans with no resources share one index.
    key = ("components", env, os.getcwd(), os.environ.get("SPECDRIFT_BASELINES"))
    if key not in memo:
        try:
            memo[key] = load_components(env)
        except EnvironmentFileError as exc:
            memo[key] = Outcome(Status.UNKNOWN, "component", None, None, f"component sizes not checked: {exc}")
    found: Components | Outcome = memo[key]
    if ctx.resources:
        memo[("components of this scan", env)] = found
    return found


@dataclass(slots=True, unsafe_hash=True)  # made per compared dimension: not frozen (see check.Outcome)
class _Dim:
    """One compared dimension of a size."""

    fact: str
    status: Status
    observed: Any
    required: Any
    reason: str = ""
    scaled_by: str = ""  # the autoscaler's minimum decides the count: the fact a fix raises, not the count


def _quantity(value: Any) -> Quantity | None:
    if value is None:
        return None
    return value if isinstance(value, Quantity) else parse_quantity(str(value), SIZE)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Quantity) and not _lettered(value.text):
        return format_quantity(value)  # a bare number from the file: show it with its unit
    return str(value)


@lru_cache(maxsize=4096)  # the same few quantity texts, asked many times
def _lettered(text: str) -> bool:
    """Has a quantity's text a letter (a unit)?"""
    return any(c.isalpha() for c in text)


def _dimension(resource: Resource, fact: str, required: Any) -> _Dim | None:
    """Compare ``fact`` >= ``required``; None when the requirement or the dimension does not apply."""
    if required is None:
        return None
    value = resource.facts.get(fact, _MISSING)
    if value is _MISSING or value is None:
        spec = fact_spec(resource, fact)
        if spec is None:
            return None
        if fact == "disk_size" and resource.facts.get("storage_managed") is True:
            return None  # Aurora-style storage grows by itself: there is no size to declare
        return _Dim(fact, Status.UNKNOWN, None, required, spec.missing or f"{fact} is not declared")
    if isinstance(value, Unresolved):
        return _Dim(fact, Status.UNKNOWN, value.expression, required, f"{value.expression}: {value.reason}")
    try:
        have, want = comparable(value, required)
        ok = float(have) >= float(want)
    except (TypeError, ValueError) as exc:
        return _Dim(fact, Status.UNKNOWN, value, required, f"cannot compare {fact}: {exc}")
    return _Dim(fact, Status.COMPLIES if ok else Status.VIOLATES, value, required)


def _disk_dimension(resource: Resource, required: Quantity | None, index: ResourceIndex) -> _Dim | None:
    """A machine's disk: its own disks plus the volumes attached to it by reference (Azure data disk
    attachments, GCE attached disks, EBS volume attachments). A part whose size is unknown makes the
    total a lower bound: enough is enough, too little is unknown."""
    own = _dimension(resource, "disk_size", required)
    if own is None or required is None or "compute_instance" not in resource.kinds:
        return own
    attached = index.attached_disks(resource)
    if not attached:
        return own
    total, parts, unknown = 0.0, [], []
    if own.status == Status.UNKNOWN:
        unknown.append(own.reason)
    else:
        size = _quantity(own.observed)
        total += size.value if size is not None else 0.0
        parts.append(f"its own disks {_shown(own.observed)}")
    for disk in attached:
        size = disk.facts.get("disk_size")
        if isinstance(size, Quantity):
            total += size.value
            parts.append(f"{disk.address} {_shown(size)}")
        else:
            unknown.append(f"{disk.address}: {size.reason if isinstance(size, Unresolved) else 'size not declared'}")
    observed = gib(total / 1024**3)
    reason = " + ".join(parts)
    if total >= required.value:
        return _Dim("disk_size", Status.COMPLIES, observed, required, reason)
    if unknown:
        return _Dim("disk_size", Status.UNKNOWN, observed, required, "; ".join(unknown))
    return _Dim("disk_size", Status.VIOLATES, observed, required, reason)


def _defers_to_members(resource: Resource, index: ResourceIndex) -> bool:
    """An Aurora cluster without a class of its own is sized by its instances when they are in scope."""
    if resource.type not in CLUSTER_TYPES or "vcpu" in resource.facts:
        return False
    return bool(index.members_of(resource))


def _count(ctx: EvalContext, index: ResourceIndex, selects: Callable[[Resource], bool] | None) -> _Dim | None:
    """The instances this resource stands for (observed only; compared by ``_compare_count``)."""
    resource = ctx.resource
    if "k8s_workload" in resource.kinds:
        replicas, source = index.effective_replicas(resource)
        if replicas is None:
            return None
        if isinstance(replicas, Unresolved):
            return _Dim("replicas", Status.UNKNOWN, replicas.expression, None, replicas.reason)
        # A source is named only when an HPA sets the minimum: then its minReplicas is what a fix raises.
        return _Dim("replicas", Status.COMPLIES, replicas, None, source, "hpa_min_replicas" if source else "")
    unit = next((u for u in _SINGLE_UNITS if not u.isdisjoint(resource.kinds)), None)
    if unit is not None and selects is not None:
        # Machines and databases are one resource per instance (or a Terraform count): add up the
        # component's resources of the same kind across the scan (once per scan, not per resource).
        key = ("siblings", id(getattr(selects, "__self__", selects)), tuple(sorted(unit)), resource.provider,
               resource.format)
        if key not in index.memo:
            # (isdisjoint: no set made per resource of the scan)
            index.memo[key] = [r for r in ctx.resources if not unit.isdisjoint(r.kinds)
                               and r.provider == resource.provider and r.format == resource.format and selects(r)
                               and not _defers_to_members(r, index)]
        siblings = index.memo[key]
        if not siblings:
            return _units_total([resource])
        # Every sibling gets the same total: add it up once, not once per sibling.
        if ("total", key) not in index.memo:
            index.memo[("total", key)] = _units_total(siblings)
        return index.memo[("total", key)]
    scaled = index.autoscaler_for(resource)
    if scaled is not None:  # what the autoscaler may scale down to, not the count the group starts with
        scaler, minimum = scaled
        if isinstance(minimum, Unresolved):
            return _Dim("instance_count", Status.UNKNOWN, minimum.expression, None, minimum.reason)
        if minimum is None:
            return _Dim("instance_count", Status.UNKNOWN, None, None, f"{scaler.address} declares no minimum")
        return _Dim("instance_count", Status.COMPLIES, minimum, None,
                    f"autoscaler {scaler.address} keeps at least {minimum}", "autoscaler_minimum")
    if "instance_count" in resource.facts or fact_spec(resource, "instance_count") is not None:
        value = resource.facts.get("instance_count")
        if value is None:
            spec = fact_spec(resource, "instance_count")
            return _Dim("instance_count", Status.UNKNOWN, None, None,
                        (spec.missing if spec else "") or "the instance count is not declared")
        if isinstance(value, Unresolved):
            return _Dim("instance_count", Status.UNKNOWN, value.expression, None, value.reason)
        return _Dim("instance_count", Status.COMPLIES, value, None)
    return None


def _units_total(units: list[Resource]) -> _Dim:
    """The instances of ``units`` together (each one, or its count), naming the first few."""
    total = 0
    for unit in units:
        count = unit.facts.get("instance_count", 1)
        if isinstance(count, Unresolved):
            return _Dim("instance_count", Status.UNKNOWN, count.expression, None, count.reason)
        total += count if isinstance(count, int) else 1
    names = ", ".join(s.address for s in units[:5]) + (", ..." if len(units) > 5 else "")
    return _Dim("count", Status.COMPLIES, total, None, f"in the scanned files: {names}")


def _compare_count(dim: _Dim, required: int) -> _Dim:
    if dim.status == Status.UNKNOWN or dim.observed is None:
        return _Dim(dim.fact, Status.UNKNOWN, dim.observed, required, dim.reason)
    count = whole(dim.observed, dim.fact)
    if isinstance(count, Unresolved):
        return _Dim(dim.fact, Status.UNKNOWN, dim.observed, required, count.reason)
    ok = count >= required
    return _Dim(dim.fact, Status.COMPLIES if ok else Status.VIOLATES, dim.observed, required, dim.reason,
                dim.scaled_by)


def size_outcome(ctx: EvalContext, label: str, vcpu: float | None = None, memory: Any = None, disk: Any = None,
                 count_min: int | None = None, selects: Callable[[Resource], bool] | None = None,
                 sizes_pods: bool = False) -> Outcome:
    """Compare the resource's per-instance size and instance count with the minimums given."""
    resource = ctx.resource
    index = index_for(ctx.resources)
    if _defers_to_members(resource, index):
        return Outcome(SKIP)
    dims: list[_Dim] = []
    if sizes_pods or "k8s_workload" not in resource.kinds:  # a pod's size is ME-K8S-04's business
        for fact, required in (("vcpu", vcpu), ("memory", _quantity(memory))):
            dim = _dimension(resource, fact, required)
            if dim is not None:
                dims.append(dim)
        dim = _disk_dimension(resource, _quantity(disk), index)
        if dim is not None:
            dims.append(dim)
    if count_min is not None and "compute_template" not in resource.kinds and "container_task" not in resource.kinds:
        counted = _count(ctx, index, selects)
        if counted is not None:
            dims.append(_compare_count(counted, count_min))
    if not dims:
        return Outcome(SKIP)
    return _verdict(resource, label, dims, vcpu, _quantity(memory))


_UNITS = {"vcpu": "vCPU", "memory": "memory", "disk_size": "disk", "instance_count": "instances",
          "replicas": "replicas", "count": "instances"}
_COUNTS = ("instance_count", "replicas", "count")


def _describe(dim: _Dim, resource: Resource) -> str:
    text = f"{_UNITS.get(dim.fact, dim.fact)} {_shown(dim.observed)} < {_shown(dim.required)}"
    spec = fact_spec(resource, dim.fact)
    if dim.fact == "disk_size" and dim.reason:
        text += f" ({dim.reason})"  # the disks that make up the total, attached ones included
    elif dim.fact not in resource.fact_lines and spec is not None and spec.paths and not spec.compute:
        text += f" ({spec.paths[0][-1]} is not set: the provider's default)"
    return text


def _requirement(dim: _Dim) -> str:
    prefix = ">= " if dim.fact in _COUNTS else ""
    return f"{prefix}{_shown(dim.required)} {_UNITS.get(dim.fact, dim.fact)}"


def _verdict(resource: Resource, label: str, dims: list[_Dim], vcpu: float | None, memory: Quantity | None) -> Outcome:
    failed = [d for d in dims if d.status == Status.VIOLATES]
    unknown = [d for d in dims if d.status == Status.UNKNOWN]
    machine = resource.facts.get("machine_type")
    expected = ", ".join(_requirement(d) for d in dims)
    shape = ", ".join(f"{_shown(d.observed)} {_UNITS[d.fact]}"
                      for d in dims if d.observed is not None and d.fact in ("vcpu", "memory", "disk_size"))
    observed = f"{machine} ({shape})" if isinstance(machine, str) and shape else shape or None
    if failed:
        first = failed[0]
        what = "; ".join(_describe(d, resource) for d in failed)
        subject = f"{machine}" if isinstance(machine, str) and first.fact in ("vcpu", "memory") else resource.address
        message = f"{subject} is below the {label} minimum: {what}"
        if any(d.reason for d in failed if d.fact in _COUNTS):
            message += " (" + "; ".join(d.reason for d in failed if d.reason and d.fact in _COUNTS) + ")"
        fact, target = first.fact, first.required
        if first.fact in ("vcpu", "memory") and isinstance(machine, str):
            fact = "machine_type"
            target = suggest(machine, vcpu, memory.value / 1024**3 if memory is not None else None)
            if target:
                message += f"; the smallest size of its family that meets it is {target}"
        elif first.fact == "vcpu":
            target = None  # ECS CPU units: no machine type to suggest, the description says what to set
        elif first.fact == "memory" and (spec := fact_spec(resource, "memory")) is not None and spec.compute \
                and spec.fix_path is None:
            target = None  # derived (Aurora Serverless v1 capacity units): no attribute takes the size as such
        elif first.fact == "disk_size" and first.reason:
            target = None  # attached disks count too: which disk to grow is the owner's choice
        elif first.fact == "count":
            fact, target = _count_fix(resource, first)
        elif first.fact == "instance_count":
            fact = _count_fact(resource)
        if first.scaled_by:  # an HPA's minReplicas or an autoscaler's minimum is what to raise, not the count
            fact, target = first.scaled_by, None
        return Outcome(Status.VIOLATES, fact, observed if fact == "machine_type" else first.observed, expected,
                       message, target, ">=")
    if unknown:
        first = unknown[0]
        return Outcome(Status.UNKNOWN, first.fact, first.observed, expected,
                       f"{label}: {first.fact} unknown ({first.reason})", op=">=")
    counts = [d for d in dims if d.fact in _COUNTS]
    if counts and counts[0].reason and not shape:
        observed = f"{_shown(counts[0].observed)} ({counts[0].reason})"
    elif counts:
        observed = f"{observed + ', ' if observed else ''}{_shown(counts[0].observed)} instances"
    fact = "machine_type" if isinstance(machine, str) else dims[0].fact
    return Outcome(Status.COMPLIES, fact, observed, expected, op=">=")


def _count_fact(resource: Resource) -> str:
    """The attribute a count fix writes: the autoscaling minimum of an autoscaling pool, else the fixed count."""
    if resource.facts.get("autoscaling_enabled") is True and fact_spec(resource, "autoscaling_min") is not None:
        return "autoscaling_min"
    if fact_spec(resource, "node_count") is not None:
        return "node_count"
    return "instance_count"


def _count_fix(resource: Resource, dim: _Dim) -> tuple[str, Any]:
    """For a count made of separate resources, raise this one's count meta-argument by the shortfall."""
    own = resource.facts.get("instance_count")
    if not isinstance(own, int) or fact_spec(resource, "instance_count") is None:
        return "count", None
    return "instance_count", own + int(dim.required) - int(dim.observed)


@register("component_size")
def component_size(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The resource, when the baseline component selects it, has the component's size and count."""
    components = components_for(ctx)
    if isinstance(components, Outcome):
        return components
    key = str(resolve_value(args["component"], ctx.params))
    component = components.get(key)
    if component is None:
        return Outcome(Status.UNKNOWN, message=f"baseline {components.path} declares no component {key!r}")
    if not component.selects(ctx.resource):
        return Outcome(SKIP)
    return size_outcome(ctx, component.title, component.vcpu, component.memory, component.disk,
                        component.count_min, component.selects)


@register("minimum_size")
def minimum_size(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Per-instance vCPU / memory / disk at least the given minimums (no component selection)."""
    def arg(name: str) -> Any:
        return resolve_value(args[name], ctx.params) if name in args else None

    return size_outcome(ctx, str(arg("label") or "required"), arg("vcpu"), arg("memory"), arg("disk"))


def _tier_shape(spec: Mapping[str, Any]) -> tuple[float | None, float | None, str]:
    shape = shape_lookup(str(spec.get("shape", ""))) if spec.get("shape") else None
    if shape is None:
        return None, None, ""
    return shape.vcpu, shape.memory_gib, shape.name


@register("traffic_tier")
def traffic_tier(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The component sizing of the environment's declared traffic tier (guide: Cost Optimization table)."""
    components = components_for(ctx)
    if isinstance(components, Outcome):
        return components
    tier = components.traffic_tier
    if not tier:
        return Outcome(SKIP)
    tiers = resolve_value(args["tiers"], ctx.params)
    columns = resolve_value(args["columns"], ctx.params)
    row = tiers.get(tier)
    if row is None:
        return Outcome(Status.UNKNOWN, message=f"traffic tier {tier!r} of {components.path} is not one of "
                                               f"{', '.join(tiers)}")
    for column, spec in row.items():
        component: Component | None = components.get(str(columns.get(column, column)))
        if component is None or not component.selects(ctx.resource):
            continue
        label = f"{component.title} at the {tier} traffic tier"
        if spec.get("autoscaling"):
            return _autoscales(ctx, label)
        if spec.get("serverless"):
            return _serverless(ctx, label)
        vcpu, memory_gib, shape = _tier_shape(spec)
        if not shape and "count" not in spec:
            return Outcome(SKIP)
        count = spec.get("count")
        label += f" ({count} x {shape})" if count and shape else f" ({shape})" if shape else f" ({count} instances)"
        memory = Quantity(memory_gib * 1024**3, SIZE, f"{memory_gib:g}GiB") if memory_gib else None
        return size_outcome(ctx, label, vcpu, memory, None, count, component.selects)
    return Outcome(SKIP)


def _autoscales(ctx: EvalContext, label: str) -> Outcome:
    resource = ctx.resource
    if "k8s_workload" in resource.kinds:
        hpa = index_for(ctx.resources).hpa_for(resource)
        if hpa is not None:
            return Outcome(Status.COMPLIES, "replicas", f"scaled by {hpa.address}", "autoscaling")
        return Outcome(Status.VIOLATES, "replicas", resource.facts.get("replicas"), "autoscaling",
                       f"{label} requires autoscaling; no HorizontalPodAutoscaler targets {resource.address}")
    enabled = resource.facts.get("autoscaling_enabled")
    if enabled is None:
        return Outcome(SKIP)
    if isinstance(enabled, Unresolved):
        return Outcome(Status.UNKNOWN, "autoscaling_enabled", enabled.expression, "true", enabled.reason)
    status = Status.COMPLIES if enabled is True else Status.VIOLATES
    return Outcome(status, "autoscaling_enabled", enabled, "true", f"{label} requires autoscaling", True, "==")


def _serverless(ctx: EvalContext, label: str) -> Outcome:
    machine = ctx.resource.facts.get("machine_type")
    if machine is None:
        return Outcome(SKIP)
    ok = str(machine) == "db.serverless"
    return Outcome(Status.COMPLIES if ok else Status.VIOLATES, "machine_type", machine, "db.serverless",
                   f"{label} is Aurora Serverless v2 (db.serverless); this instance is {machine}",
                   "db.serverless", "==")


# A policy's list of SSD classes, lower-cased once per list (the parameter's value, the same object for every
# resource) rather than once per resource; kept with the list, so its id stays its own.
_LOWERED: dict[int, tuple[Any, list[str]]] = {}


def _lowered(values: Any) -> list[str]:
    """``[str(v).lower() for v in values]``, shared: never to be changed."""
    found = _LOWERED.get(id(values))
    if found is None or found[0] is not values:
        if len(_LOWERED) >= 64:  # parameters made anew per call (tests): bounded
            _LOWERED.clear()
        found = _LOWERED[id(values)] = (values, [str(t).lower() for t in values])
    return found[1]


@register("ssd_storage")
def ssd_storage(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The disk or database storage is SSD class; types the mapping cannot see are unknown with the reason."""
    resource = ctx.resource
    ssd = _lowered(resolve_value(args["ssd_types"], ctx.params))
    value = facts.get("disk_type")
    if value is None:
        spec = fact_spec(resource, "disk_type")
        if spec is None:
            return Outcome(SKIP)
        return Outcome(Status.UNKNOWN, "disk_type", None, "an SSD class",
                       spec.missing or "the storage type is not declared")
    if isinstance(value, Unresolved):
        return Outcome(Status.UNKNOWN, "disk_type", value.expression, "an SSD class", value.reason)
    if str(value).lower() in ssd:
        return Outcome(Status.COMPLIES, "disk_type", value, "an SSD class")
    target = ssd_class(resource, ssd)
    return Outcome(Status.VIOLATES, "disk_type", value, "an SSD class",
                   f"storage type {value} is not SSD class", target, "in")


@register("at_least_shape")
def at_least_shape(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The pool's machine is at least as large as the guide's machine for its cloud (both vCPU and memory)."""
    shapes = resolve_value(args["shapes"], ctx.params)
    name = shapes.get(ctx.resource.provider) if isinstance(shapes, Mapping) else None
    reference = shape_lookup(str(name)) if name else None
    if reference is None:
        return Outcome(SKIP)
    memory = Quantity((reference.memory_gib or 0) * 1024**3, SIZE, f"{reference.memory_gib:g}GiB")
    outcome = size_outcome(ctx, f"guide's {reference.name}", reference.vcpu, memory)
    return outcome


def _strategy_text(items: list[Mapping[str, Any]]) -> str:
    return ", ".join(f"{i.get('provider')} base {_shown(i.get('base', 0))} weight {_shown(i.get('weight', 0))}"
                     for i in items)


@register("capacity_strategy")
def capacity_strategy(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """ECS runs on the guide's capacity provider mix (clusters' defaults, services that override them)."""
    resource = ctx.resource
    wanted = list(resolve_value(args["strategy"], ctx.params))
    expected = _strategy_text(wanted)
    # The wanted strategy in the fact's terms; the mapping table spells its keys as the resource's format does.
    target = [{"provider": w["provider"], "weight": int(w.get("weight", 0)), "base": int(w.get("base", 0))}
              for w in wanted]
    strategy = facts.get("capacity_provider_strategy")
    if "container_service" in resource.kinds:
        launch = facts.get("launch_type")
        if launch is not None and strategy is None:
            return Outcome(Status.VIOLATES, "launch_type", launch, expected,
                           f"the service sets launch_type {launch}, which bypasses the capacity provider strategy "
                           f"({expected})")
        if strategy is None:
            return _cluster_default_strategy(ctx, facts, expected)
    elif strategy is None:
        if index_for(ctx.resources).strategy_elsewhere(resource):
            return Outcome(SKIP)  # an aws_ecs_cluster_capacity_providers / association carries it
        return Outcome(Status.VIOLATES, "capacity_provider_strategy", None, expected,
                       f"no default capacity provider strategy: tasks run on whatever launch type they name "
                       f"instead of {expected}", target, "==")
    if isinstance(strategy, Unresolved):
        return Outcome(Status.UNKNOWN, "capacity_provider_strategy", strategy.expression, expected, strategy.reason)
    for item in strategy:
        for key in ("base", "weight"):
            if isinstance(item.get(key), Unresolved):
                return Outcome(Status.UNKNOWN, "capacity_provider_strategy", item[key].expression, expected,
                               item[key].reason)
    have = {str(i.get("provider")): i for i in strategy}
    problems = []
    line = None
    for want in wanted:
        item = have.get(str(want["provider"]))
        if item is None:
            problems.append(f"{want['provider']} is missing")
            continue
        for key in ("base", "weight"):
            if int(item.get(key) or 0) != int(want.get(key, 0)):
                problems.append(f"{want['provider']} {key} is {item.get(key) or 0}, not {want.get(key, 0)}")
                line = line or item.get("line")
    extra = [p for p in have if p not in {str(w["provider"]) for w in wanted}]
    problems += [f"{p} is not in the guide's mix" for p in extra]
    observed = _strategy_text(strategy)
    if problems:
        return Outcome(Status.VIOLATES, "capacity_provider_strategy", observed, expected,
                       "capacity provider strategy differs from the guide: " + "; ".join(problems), target, "==",
                       line)
    return Outcome(Status.COMPLIES, "capacity_provider_strategy", observed, expected)


def _cluster_default_strategy(ctx: EvalContext, facts: Mapping[str, Any], expected: str) -> Outcome:
    """A service without a launch type or strategy of its own runs on its cluster's default strategy: the
    cluster is judged itself when the files declare it; otherwise the strategy is not in the files."""
    resource = ctx.resource
    if is_live(resource):
        return Outcome(SKIP)  # the live cluster is collected and judged with the service
    cluster = facts.get("ecs_cluster")
    index = index_for(ctx.resources)
    if any(found is not None for _, found in index.targets(cluster, resource)):
        return Outcome(SKIP)
    name = "default" if cluster is None else cluster
    if isinstance(name, str) and any(
            isinstance(c.facts.get("name"), str) and name.rsplit("/", 1)[-1] == c.facts["name"]
            for c in index.of_kind("ecs_cluster")):
        return Outcome(SKIP)
    shown = name.expression if isinstance(name, Unresolved) else str(name)
    return Outcome(Status.UNKNOWN, "capacity_provider_strategy", None, expected,
                   "the service sets neither a launch type nor a capacity provider strategy, so it runs on the "
                   f"default strategy of its cluster {shown}, which the scanned files do not declare")


@register("network_bandwidth")
def network_bandwidth(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The machine's sustained network bandwidth (from the shape catalogue) is at least the minimum."""
    minimum = float(resolve_value(args["min_gbps"], ctx.params))
    value = facts.get("network_gbps")
    machine = facts.get("machine_type")
    expected = f">= {minimum:g} Gbit/s"
    if value is None:
        return Outcome(SKIP)
    if isinstance(value, Unresolved):
        return Outcome(Status.UNKNOWN, "network_gbps", value.expression, expected, value.reason)
    observed = f"{machine}: {float(value):g} Gbit/s" if machine else f"{float(value):g} Gbit/s"
    if float(value) >= minimum:
        return Outcome(Status.COMPLIES, "network_gbps", observed, expected)
    return Outcome(Status.VIOLATES, "network_gbps", observed, expected,
                   f"{machine or ctx.resource.address} sustains {float(value):g} Gbit/s; services need at least "
                   f"{minimum:g} Gbit/s between them")
