"""Cross-resource storage checks: a bucket together with the companion resources that configure it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scanner.loaders.addressing import addresses_named, addressing_of, written_reference
from scanner.model import Resource
from scanner.policy.check import EvalContext, Outcome, evaluate
from scanner.policy.functions import register
from scanner.policy.resource_index import index_for

COMPANION_KIND = "storage_bucket_settings"


def _same_scope(a: Resource, b: Resource) -> bool:
    """Companions configure buckets of the same scope (a Terraform module, a template) and format."""
    if a.format != b.format or a.source != b.source:
        return False
    addressing = addressing_of(a)
    return addressing.scope(a.origin.file or "") == addressing.scope(b.origin.file or "")


def _named(reference: Any, prefix: str = "") -> tuple[list[str], list[str]]:
    """The bucket addresses a companion's ``parent`` names (within the module instance ``prefix`` of the
    companion), or the bucket names it is the literal name of."""
    expression = written_reference(reference)
    if expression is not None:
        return [prefix + address for address in addresses_named(expression)], []
    return [], [reference] if isinstance(reference, str) else []


def companions(resource: Resource, everything: tuple[Resource, ...]) -> list[Resource]:
    """The companion resources that configure ``resource``, in scan order (looked up by the address or
    name each companion names, indexed once per scan)."""
    memo = index_for(everything).memo
    if "storage_companions" not in memo:
        by_address: dict[str, list[int]] = defaultdict(list)
        by_name: dict[str, list[int]] = defaultdict(list)
        for i, other in enumerate(everything):
            if COMPANION_KIND in other.kinds:
                prefix = addressing_of(other).relative_prefix(other)
                addresses, names = _named(other.facts.get("parent"), prefix)
                for address in set(addresses):
                    by_address[address].append(i)
                for name in names:
                    by_name[name].append(i)
        memo["storage_companions"] = (by_address, by_name)
    by_address, by_name = memo["storage_companions"]
    hits = set(by_address.get(resource.address, ()))
    bucket_name = resource.facts.get("bucket_name")
    if isinstance(bucket_name, str):
        hits.update(by_name.get(bucket_name, ()))
    return [everything[i] for i in sorted(hits) if _same_scope(everything[i], resource)]


@register("with_companions")
def with_companions(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Evaluate ``args.check`` on the bucket's facts, overridden by those of its companion resources.

    Terraform's AWS provider (v4+) configures versioning, encryption, public access and
    lifecycle in separate resources (``aws_s3_bucket_versioning`` ...); ARM in child
    resources (``blobServices``, ``managementPolicies``). The line of a fact that came from
    a companion in the same file is the companion's.
    """
    merged = dict(facts)
    lines: dict[str, int] = {}
    for companion in companions(ctx.resource, ctx.resources):
        for name, value in companion.facts.items():
            if name == "parent":
                continue
            merged[name] = value
            line = companion.line_of(name)
            if companion.origin.file == ctx.resource.origin.file and line:
                lines[name] = line
    outcome = evaluate(args["check"], merged, ctx)
    top = (outcome.fact or "").split("[", 1)[0].split(".", 1)[0]
    if outcome.line is None and top in lines:
        return Outcome(outcome.status, outcome.fact, outcome.observed, outcome.expected, outcome.message,
                       outcome.target, outcome.op, lines[top])
    return outcome
