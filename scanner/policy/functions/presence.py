"""Cross-resource presence: a resource that needs another one declared somewhere in the scan.

A hypertable needs its retention policy, a table its hypertable, and these often live in other
files (one migration per change). The check runs on the resource that needs (``for_types``) and
looks through every scanned resource for one of ``types`` whose facts equal ``match``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scanner.mappings.remediation import Create
from scanner.model import Resource, Status
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register
from scanner.policy.resource_index import index_for

_VERDICTS = {"skip": SKIP, "complies": Status.COMPLIES, "violates": Status.VIOLATES, "unknown": Status.UNKNOWN}


def find_resources(ctx: EvalContext, types: Any, match: Mapping[str, Any]) -> list[Resource]:
    """Scanned resources of ``types`` whose facts equal ``match`` (values may name parameters)."""
    wanted = {name: resolve_value(value, ctx.params) for name, value in match.items()}
    names = tuple(sorted(wanted))
    values = tuple(wanted[name] for name in names)
    try:
        named_types = frozenset(types)
        hash(values)
    except TypeError:  # unhashable names or values: compare resource by resource
        named_types = None
    if isinstance(types, str) or named_types is None:  # ``in`` on a string is a substring test: keep the scan
        return [r for r in ctx.resources if r.type in types and all(r.facts.get(n) == v for n, v in wanted.items())]
    index = index_for(ctx.resources)
    key = ("find_resources", named_types, names)
    if key not in index.memo:  # once per scan: the resources of these types by the values of these facts
        candidates = [r for r in ctx.resources if r.type in named_types]
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        loose: list[int] = []  # facts that cannot be a dict key are compared on each lookup
        for i, resource in enumerate(candidates):
            have = tuple(resource.facts.get(name) for name in names)
            try:
                groups[have].append(i)
            except TypeError:
                loose.append(i)
        index.memo[key] = (candidates, dict(groups), loose)
    candidates, grouped, unhashable = index.memo[key]
    hits = grouped.get(values, []) + [i for i in unhashable
                                      if all(candidates[i].facts.get(n) == v for n, v in wanted.items())]
    return [candidates[i] for i in sorted(hits)]


@register("requires_resource")
def requires_resource(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """``args``: for_types, types, match, present (skip|complies), absent (violates|unknown), message."""
    from scanner.display import display, fill

    if ctx.resource.type not in args["for_types"]:
        return Outcome(SKIP)
    found = find_resources(ctx, args["types"], args.get("match") or {})
    values = {name: display(value) for name, value in ctx.params.items()}
    expected = fill(args.get("expected", "declared"), values)
    if found:
        first = found[0]
        where = first.origin.describe()
        return Outcome(_VERDICTS[args.get("present", "skip")], None, f"{first.address} ({where})", expected)
    # the fix: declare the first of ``types`` (the tables' ``create`` entry of that type, when it has one)
    return Outcome(_VERDICTS[args.get("absent", "violates")], None, None, expected,
                   fill(args.get("message", "a required resource is not declared"), values), op="requires_resource",
                   wanted=Create(args["types"][0]))
