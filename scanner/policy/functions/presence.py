"""Cross-resource presence: a resource that needs another one declared somewhere in the scan.

A hypertable needs its retention policy, a table its hypertable, and these often live in other
files (one migration per change). The check runs on the resource that needs (``for_types``) and
looks through every scanned resource for one of ``types`` whose facts equal ``match``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.model import Resource, Status
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register
from scanner.policy.references import index_of

_VERDICTS = {"skip": SKIP, "complies": Status.COMPLIES, "violates": Status.VIOLATES, "unknown": Status.UNKNOWN}


def find_resources(ctx: EvalContext, types: Any, match: Mapping[str, Any]) -> list[Resource]:
    """Scanned resources of ``types`` whose facts equal ``match`` (values may name parameters)."""
    wanted = {name: resolve_value(value, ctx.params) for name, value in match.items()}
    return [r for r in _of_types(ctx, types) if all(r.facts.get(name) == value for name, value in wanted.items())]


def _of_types(ctx: EvalContext, types: Any) -> Sequence[Resource]:
    """The scanned resources whose type is in ``types``, in scan order (grouped once per scan)."""
    try:
        named = frozenset(types)
    except TypeError:
        named = None
    if isinstance(types, str) or named is None:  # a substring test, or unhashable names: keep the scan
        return [r for r in ctx.resources if r.type in types]
    index = index_of(ctx.resources)
    key = ("of_types", named)
    if key not in index.memo:
        index.memo[key] = [r for r in ctx.resources if r.type in key[1]]
    found: list[Resource] = index.memo[key]
    return found


@register("requires_resource")
def requires_resource(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """``args``: for_types, types, match, present (skip|complies), absent (violates|unknown), message, fix."""
    from scanner.policy.engine import display, fill

    if ctx.resource.type not in args["for_types"]:
        return Outcome(SKIP)
    found = find_resources(ctx, args["types"], args.get("match") or {})
    values = {name: display(value) for name, value in ctx.params.items()}
    expected = fill(args.get("expected", "declared"), values)
    if found:
        first = found[0]
        where = first.origin.describe()
        return Outcome(_VERDICTS[args.get("present", "skip")], None, f"{first.address} ({where})", expected)
    fix = fill(args["fix"], values) if args.get("fix") else None
    return Outcome(_VERDICTS[args.get("absent", "violates")], None, None, expected,
                   fill(args.get("message", "a required resource is not declared"), values), op="requires_resource",
                   fix=fix)
