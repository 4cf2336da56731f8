"""Facts a resource takes from another resource it names, when it does not declare them itself: a read replica
runs its source's engine and version (``relations.REPLICA_SOURCES``). Given once per scan, before any policy
judges the resources, so every policy reads the replica's engine as it runs; a source the scan does not have
leaves the facts absent (unknown, never guessed)."""

from __future__ import annotations

from dataclasses import replace

from scanner.mappings.relations import FROM_REPLICA_SOURCE, REPLICA_SOURCES
from scanner.model import Resource
from scanner.policy.resource_index import index_for, is_live

__all__ = ["with_inherited_facts"]


def with_inherited_facts(resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
    """``resources``, each replica that leaves engine facts undeclared given its source's (the same tuple when
    none does)."""
    replicas = [i for i, r in enumerate(resources) if r.type in REPLICA_SOURCES and not is_live(r)
                and r.attributes.get(REPLICA_SOURCES[r.type]) is not None
                and any(fact not in r.facts for fact in FROM_REPLICA_SOURCE)]
    if not replicas:
        return resources
    index = index_for(resources)
    out = list(resources)
    for i in replicas:
        replica = resources[i]
        if type(replica.facts) is not dict:  # a fact that failed to map stays an error, not overwritten
            continue
        for _, source in index.targets(replica.attributes[REPLICA_SOURCES[replica.type]], replica):
            if source is None or source is replica:
                continue
            taken = {f: source.facts[f] for f in FROM_REPLICA_SOURCE if f not in replica.facts and f in source.facts}
            if taken:
                # the findings on them point at the line that names the source
                line = replica.fact_lines.get("is_replica") or replica.origin.line
                lines = {**replica.fact_lines, **{f: line for f in taken if line}}
                out[i] = replace(replica, facts={**replica.facts, **taken}, fact_lines=lines)
            break
    return tuple(out)
