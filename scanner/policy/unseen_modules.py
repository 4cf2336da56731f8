"""What a Terraform module call the scan cannot see would have been checked for: unknown, never silent.

A module whose source is nowhere (not on disk, not installed by ``terraform init``, not downloaded) hides
its resources. Its inputs still say what they configure: an input named like a native attribute of a
Terraform type in the mapping tables (``backup_retention_period`` is where ``aws_db_instance`` and
``aws_rds_cluster`` keep ``backup_retention``) touches every policy that checks that fact on that kind.
A nested attribute is named in full (``backup_configuration_enabled``) or through an object input's keys
(``backup_configuration = { retained_backups = 7 }``); a bare name stands for a nested attribute only in
a module whose source names that resource's service (``tier`` of ``sql-db`` is ``settings.tier``). Types
of other clouds than the module's (``.../rds/aws``, ``terraform-google-...``) are not considered.
Each touched policy gets one ``unknown`` finding on the call, naming the inputs, the module and how to
make it visible; a policy whose ``where`` the inputs themselves rule out (``engine = "mysql"`` for a
PostgreSQL check) is not touched. A call whose inputs touch nothing gets one ``SD-MODULE`` note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from scanner.loaders.terraform_modules import SOURCE, UNSEEN
from scanner.model import Finding, Resource, Severity, Status
from scanner.policy.pack import Policy

UNSEEN_MODULE_POLICY = "SD-MODULE"
_META = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
# Facts that say which resource it is (its name, labels, engine) select what a policy applies to; a module
# input setting one of them is not a setting the policy judges.
_IDENTITY = frozenset({"name", "identifier", "namespace", "labels", "tags", "engine", "engine_family",
                       "cache_engine", "region", "location"})


def unseen_module_findings(resources: Iterable[Resource], policies: Sequence[Policy]) -> list[Finding]:
    calls = [r for r in resources if UNSEEN in r.facts]  # the loader marks a call whose source it cannot see
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
             ) -> list[tuple[Policy, list[_Hit]]]:
    """(policy, hits) for each policy the call's inputs configure something for."""
    from scanner.loaders.terraform_modules import parse_source

    provider = parse_source(str(call.facts[SOURCE]).split(" ", 1)[0]).provider
    inputs = {k: v for k, v in call.attributes.items() if k not in _META}
    source = str(call.facts[SOURCE]).lower()
    candidates: list[tuple[_Hit, str]] = []  # (hit, the Terraform type whose setting it is)
    for path, value, line in _input_paths(call.attributes):
        entries = [entry for entry in _by_attribute(call.format).get(path[-1] if len(path) > 1 else path[0], ())
                   if not provider or entry[0].startswith(f"{provider}_")]
        # ``tier`` is a Cloud SQL and a Memorystore setting: a module named for one of them (``sql-db``) is read
        # as that one, and its flat inputs as the nested settings they stand for (``tier`` is ``settings.tier``).
        named = {rtype for rtype, _, _ in entries if _named_in(rtype, source)}
        candidates.extend(
            (_Hit(".".join(path), fact, value, line), rtype) for rtype, fact, native in entries
            if (not named or rtype in named) and (_matches(path, native) or (
                rtype in named and len(path) == 1 and path[0] == native[-1] and path[0] not in _FLAGS
                and not isinstance(value, (Mapping, list)))))  # an object input is read by its keys
    out: list[tuple[Policy, list[_Hit]]] = []
    for policy in policies:
        hits: list[_Hit] = []
        for hit, rtype in candidates:
            if hit.fact in reads[policy.id] and policy.kinds & _kinds(rtype, call.format) and hit not in hits \
                    and not _rules_out(policy, rtype, call, inputs):
                hits.append(hit)
        if hits:
            out.append((policy, hits))
    return out


@dataclass(frozen=True)
class _Hit:
    """An input (``backup_retention_period``, or ``backup_configuration.retained_backups`` inside an object)
    that sets a fact a policy checks."""

    input: str
    fact: str
    value: Any = field(compare=False)
    line: int | None = field(compare=False)


def _named_in(rtype: str, source: str) -> bool:
    """Does the module's source name the service of ``rtype`` (``postgresql`` in ``...-dbforpostgresql-...``)?"""
    return any(len(word) > 1 and word not in _GENERIC and word in source for word in rtype.split("_")[1:])


_GENERIC = frozenset({"instance", "resource", "group", "account", "service", "default", "config", "policy"})
# Names too general to stand for a nested setting of the same name (every module has an ``enabled``).
_FLAGS = frozenset({"enabled", "enable", "name", "type", "mode", "status", "id", "value", "key"})


def _input_paths(attributes: Mapping[str, Any]) -> list[tuple[tuple[str, ...], Any, int | None]]:
    """Each input, and the keys of an object input (or a list of objects) two levels down, with its line."""
    out: list[tuple[tuple[str, ...], Any, int | None]] = []

    def walk(path: tuple[str, ...], value: Any, line: int | None) -> None:
        out.append((path, value, line))
        if len(path) > 2:
            return
        items = [value] if isinstance(value, Mapping) else \
            [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
        for item in items:
            lines = getattr(item, "key_lines", None) or {}
            for key, inner in item.items():
                walk((*path, str(key)), inner, lines.get(key, line))

    lines = getattr(attributes, "key_lines", None) or {}
    for name, value in attributes.items():
        if name not in _META:
            walk((name,), value, lines.get(name))
    return out


def _matches(given: tuple[str, ...], native: tuple[str, ...]) -> bool:
    """Does an input path name this native attribute? A single name must be a top-level attribute
    (``storage_encrypted``) or a nested one spelled in full (``backup_configuration_enabled``): a bare
    ``enabled`` is not every nested ``enabled``. An object's key must end the path and its parents
    appear on it in order (``backup_configuration.retained_backups``)."""
    if len(given) == 1:
        return len(native) == 1 or given[0] != native[-1]
    remaining = iter(native[:-1])
    return given[-1] == native[-1] and all(part in remaining for part in given[:-1])


def _finding(call: Resource, policy: Policy, hits: list[_Hit]) -> Finding:
    from scanner.display import display
    from scanner.masking import mask_value

    # Secrets are masked in the values a finding shows (the inputs quoted), never in names or addresses.
    names = list(dict.fromkeys(f"{hit.input} = {_shown(mask_value(hit.value))}" for hit in hits))
    said = f"input {names[0]} sets" if len(names) == 1 else f"inputs {', '.join(names)} set"
    message = (f"{call.address} calls {call.facts[SOURCE]}, which is not in the scanned files: "
               f"{call.facts[UNSEEN]}. Its {said} what this policy checks "
               f"({', '.join(dict.fromkeys(hit.fact for hit in hits))}) on resources the scan cannot see")
    first = hits[0]
    return Finding(
        policy_id=policy.id, requirement_ids=policy.requirements, title=policy.title, severity=policy.severity,
        status=Status.UNKNOWN, message=message, resource_address=call.address,
        resource_type=call.type, provider=call.provider, file=call.origin.file,
        line=first.line or call.origin.line, end_line=call.origin.end_line, fact=first.fact,
        observed=mask_value(display(first.value)), source=call.source, origin=call.origin.describe())


def _note(call: Resource) -> Finding:
    from scanner.masking import mask_value

    message = (f"{call.address} calls {call.facts[SOURCE]}, which is not in the scanned files: "
               f"{call.facts[UNSEEN]}. None of its inputs sets what a policy checks; its resources are not checked")
    return Finding(
        policy_id=UNSEEN_MODULE_POLICY, requirement_ids=(), title="Module source not found", severity=Severity.INFO,
        status=Status.UNKNOWN, message=message, resource_address=call.address,
        resource_type=call.type, provider=call.provider, file=call.origin.file, line=call.origin.line,
        end_line=call.origin.end_line, observed=mask_value(str(call.facts[SOURCE])), source=call.source,
        origin=call.origin.describe())


def _shown(value: Any) -> str:
    from scanner.display import display

    shown = display(value)
    return f'"{shown}"' if isinstance(value, str) else str(shown)


def _rules_out(policy: Policy, rtype: str, call: Resource, inputs: Mapping[str, Any]) -> bool:
    """Do the inputs alone fail the policy's ``where`` on ``rtype`` (``engine = "mysql"``)? Only facts the
    inputs set are judged; a fact they leave out could be anything inside the module."""
    if policy.where is None:
        return False
    from scanner.mappings import fact_value, mapping_for
    from scanner.policy.check import EvalContext, evaluate

    probe = Resource(call.provider, rtype, call.address, call.origin, inputs, format=call.format)
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
def _by_attribute(fmt: str) -> Mapping[str, tuple[tuple[str, str, tuple[str, ...]], ...]]:
    """The names an input may have -> (Terraform type, fact, native path, as format ``fmt`` spells it) of the
    setting it would be: each path's last attribute, and its trailing attributes joined by ``_``
    (``backup_configuration_enabled``)."""
    from scanner.loaders.terraform import PROVIDERS
    from scanner.mappings import tables

    prefixes = tuple(f"{p}_" for p in PROVIDERS)
    found: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for rtype, mappings in tables().items():
        if not rtype.startswith(prefixes):
            continue
        for mapping in mappings:
            if mapping.format not in (None, fmt):
                continue
            for name, spec in mapping.facts.items():
                if name in _IDENTITY:
                    continue
                # A computed fact's first path is its setting; the others are context it is computed with.
                paths = spec.paths[:1] if spec.compute else spec.paths
                for path in (*paths, *([spec.fix_path] if spec.fix_path else [])):
                    native = tuple(p for p in path if p != "*" and not p.isdigit())
                    keys = {native[-1], *("_".join(native[-k:]) for k in range(2, len(native) + 1))} if native \
                        else set()
                    for key in keys:
                        if (rtype, name, native) not in found.setdefault(key, []):
                            found[key].append((rtype, name, native))
    return {k: tuple(v) for k, v in found.items()}


@cache
def _kinds(rtype: str, fmt: str) -> frozenset[str]:
    """The kinds the mapping tables give ``rtype`` written in format ``fmt``."""
    from scanner.mappings import tables

    return frozenset(k for m in tables().get(rtype, ()) if m.format in (None, fmt) for k in m.kinds)


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
    from scanner.policy.functions import FUNCTIONS

    func = FUNCTIONS.get(name)
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
