"""What a Terraform module call the scan cannot see would have been checked for: unknown, never silent.

A module whose source is nowhere (not on disk, not installed by ``terraform init``, not downloaded) hides
its resources. Its inputs still say what they configure: an input named like a native attribute of a
Terraform type in the mapping tables (``backup_retention_period`` is where ``aws_db_instance`` and
``aws_rds_cluster`` keep ``backup_retention``) touches every policy that checks that fact on that kind.
Each touched policy gets one ``unknown`` finding on the call, naming the inputs, the module and how to
make it visible; a policy whose ``where`` the inputs themselves rule out (``engine = "mysql"`` for a
PostgreSQL check) is not touched. A call whose inputs touch nothing gets one ``SD-MODULE`` note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from scanner.loaders.terraform_modules import SOURCE, UNSEEN
from scanner.model import Finding, Resource, Severity, Status
from scanner.policy.catalog import Policy

UNSEEN_MODULE_POLICY = "SD-MODULE"
_META = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
# Facts that say which resource it is (its name, labels, engine) select what a policy applies to; a module
# input setting one of them is not a setting the policy judges.
_IDENTITY = frozenset({"name", "identifier", "namespace", "labels", "tags", "engine", "engine_family",
                       "cache_engine", "region", "location"})


def unseen_module_findings(resources: Iterable[Resource], policies: Sequence[Policy]) -> list[Finding]:
    calls = [r for r in resources if r.type == "module" and r.format == "terraform" and UNSEEN in r.facts]
    if not calls:
        return []
    reads = {policy.id: facts_read(policy) for policy in policies}
    findings: list[Finding] = []
    for call in calls:
        touched = _touched(call, policies, reads)
        if touched:
            findings.extend(_finding(call, policy, hits) for policy, hits in touched)
        else:
            findings.append(_note(call))
    return findings


def _touched(call: Resource, policies: Sequence[Policy], reads: Mapping[str, frozenset[str]],
             ) -> list[tuple[Policy, list[tuple[str, str]]]]:
    """(policy, [(input, fact), ...]) for each policy the call's inputs configure something for."""
    from scanner.loaders.terraform_modules import parse_source

    provider = parse_source(str(call.facts[SOURCE]).split(" ", 1)[0]).provider
    inputs = {k: v for k, v in call.attributes.items() if k not in _META}
    out: list[tuple[Policy, list[tuple[str, str]]]] = []
    for policy in policies:
        hits: list[tuple[str, str]] = []
        for name in inputs:
            for rtype, fact in _by_attribute().get(name, ()):
                if fact not in reads[policy.id] or not policy.kinds & _kinds(rtype) or (
                        provider and not rtype.startswith(f"{provider}_")):
                    continue
                if (name, fact) not in hits and not _rules_out(policy, rtype, call, inputs):
                    hits.append((name, fact))
        if hits:
            out.append((policy, hits))
    return out


def _finding(call: Resource, policy: Policy, hits: list[tuple[str, str]]) -> Finding:
    from scanner.policy.engine import display
    from scanner.secrets import redact, redact_value

    first, fact = hits[0]
    value = call.attributes.get(first)
    names = list(dict.fromkeys(name for name, _ in hits))
    inputs = ", ".join(f"{name} = {_shown(call.attributes.get(name))}" for name in names)
    said = f"input {inputs} sets" if len(names) == 1 else f"inputs {inputs} set"
    message = (f"{call.address} calls {call.facts[SOURCE]}, which is not in the scanned files: "
               f"{call.facts[UNSEEN]}. Its {said} what this policy checks "
               f"({', '.join(dict.fromkeys(f for _, f in hits))}) on resources the scan cannot see")
    lines = getattr(call.attributes, "key_lines", {}) or {}
    return Finding(
        policy_id=policy.id, requirement_ids=policy.requirements, title=policy.title, severity=policy.severity,
        status=Status.UNKNOWN, message=redact(message), resource_address=redact(call.address),
        resource_type=call.type, provider=call.provider, file=call.origin.file,
        line=lines.get(first, call.origin.line), end_line=call.origin.end_line, fact=fact,
        observed=redact_value(display(value)), source=call.source, origin=redact(call.origin.describe()))


def _note(call: Resource) -> Finding:
    from scanner.secrets import redact

    message = (f"{call.address} calls {call.facts[SOURCE]}, which is not in the scanned files: "
               f"{call.facts[UNSEEN]}. None of its inputs sets what a policy checks; its resources are not checked")
    return Finding(
        policy_id=UNSEEN_MODULE_POLICY, requirement_ids=(), title="Module source not found", severity=Severity.INFO,
        status=Status.UNKNOWN, message=redact(message), resource_address=redact(call.address),
        resource_type=call.type, provider=call.provider, file=call.origin.file, line=call.origin.line,
        end_line=call.origin.end_line, observed=redact(str(call.facts[SOURCE])), source=call.source,
        origin=redact(call.origin.describe()))


def _shown(value: Any) -> str:
    from scanner.policy.engine import display

    shown = display(value)
    return f'"{shown}"' if isinstance(value, str) else str(shown)


def _rules_out(policy: Policy, rtype: str, call: Resource, inputs: Mapping[str, Any]) -> bool:
    """Do the inputs alone fail the policy's ``where`` on ``rtype`` (``engine = "mysql"``)? Only facts the
    inputs set are judged; a fact they leave out could be anything inside the module."""
    if policy.where is None:
        return False
    from scanner.mappings import fact_value, mapping_for
    from scanner.policy.check import EvalContext, evaluate

    probe = Resource(call.provider, rtype, call.address, call.origin, inputs, format="terraform")
    mapping = mapping_for(probe)
    if mapping is None:
        return False
    facts: dict[str, Any] = {}
    for name, spec in mapping.facts.items():
        if spec.compute:
            continue  # computed from the whole resource: the module's other settings count too
        try:
            value, path = fact_value(spec, probe)
        except (KeyError, ValueError, TypeError):
            continue
        if path is not None:
            facts[name] = value
    params = {name: p.default for name, p in policy.parameters.items()}
    try:
        gate = evaluate(policy.where, facts, EvalContext(probe, params))
    except (KeyError, ValueError, TypeError):
        return False
    return gate.status == Status.VIOLATES


@cache
def _by_attribute() -> Mapping[str, tuple[tuple[str, str], ...]]:
    """Native attribute name (the last part of a fact's path) -> (Terraform type, fact) that reads it."""
    from scanner.loaders.terraform import PROVIDERS
    from scanner.mappings import tables

    prefixes = tuple(f"{p}_" for p in PROVIDERS)
    found: dict[str, list[tuple[str, str]]] = {}
    for rtype, mappings in tables().items():
        if not rtype.startswith(prefixes):
            continue
        for mapping in mappings:
            if mapping.format not in (None, "terraform"):
                continue
            for name, spec in mapping.facts.items():
                if name in _IDENTITY:
                    continue
                # A computed fact's first path is its setting; the others are context it is computed with.
                paths = spec.paths[:1] if spec.compute else spec.paths
                for path in (*paths, *([spec.fix_path] if spec.fix_path else [])):
                    leaf = next((p for p in reversed(path) if p != "*" and not p.isdigit()), None)
                    if leaf and (rtype, name) not in found.setdefault(leaf, []):
                        found[leaf].append((rtype, name))
    return {k: tuple(v) for k, v in found.items()}


@cache
def _kinds(rtype: str) -> frozenset[str]:
    from scanner.mappings import tables

    return frozenset(k for m in tables().get(rtype, ()) if m.format in (None, "terraform") for k in m.kinds)


def facts_read(policy: Policy) -> frozenset[str]:
    """The facts a policy's check reads: its leaves' facts, and the names a check function's code uses."""
    names: set[str] = set()
    _walk(policy.check, names)
    return frozenset(names)


def _walk(node: Any, names: set[str]) -> None:
    if isinstance(node, Mapping):
        for key in ("fact", "each"):
            if isinstance(node.get(key), str):
                names.add(node[key].split(".", 1)[0])
        if isinstance(node.get("function"), str):
            names.update(_function_names(node["function"]))
        for value in node.values():
            _walk(value, names)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _walk(item, names)


@cache
def _function_names(name: str) -> frozenset[str]:
    """The identifier-like string constants of a check function's code (the facts it asks for by name)."""
    from scanner.policy.functions import registered

    func = registered().get(name)
    if func is None:
        return frozenset()
    found: set[str] = set()
    codes = [func.__code__]
    while codes:
        code = codes.pop()
        for const in code.co_consts:
            if isinstance(const, str) and const.isidentifier():
                found.add(const)
            elif hasattr(const, "co_consts"):
                codes.append(const)
    return frozenset(found)
