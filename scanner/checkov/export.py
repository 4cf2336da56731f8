"""``specdrift export checkov DIR``: policies as checkov custom YAML policies, where checkov can say them.

A policy's check is translated per native resource type through the same mapping tables that
normalize facts: a fact becomes the native attribute path, a value with a unit becomes a number in
the attribute's unit, the provider's default becomes ``not_exists`` (when the default complies) or
``exists`` (when it does not). What checkov's ``cond_type: attribute`` language cannot say is not
exported, with the reason: registered Python functions, ``each`` over list items, facts computed
from several attributes or read from alternative attributes, and formats checkov has no custom
YAML policies for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.loaders.terraform import PROVIDERS as TERRAFORM_PROVIDERS
from scanner.mappings import FactSpec, TypeMapping, fact_value, tables
from scanner.model import Origin, Resource, Status
from scanner.policy.check import EvalContext, evaluate, resolve_value
from scanner.policy.pack import Policy
from scanner.units import parse_quantity

OPERATORS = {"==": "equals", "!=": "not_equals", "<": "less_than", "<=": "less_than_or_equal",
             ">": "greater_than", ">=": "greater_than_or_equal", "in": "within", "not_in": "not_within",
             "matches": "regex_match", "not_matches": "not_regex_match", "contains": "contains",
             "not_contains": "not_contains", "exists": "exists", "absent": "not_exists"}
# Transforms that do not change what the native attribute holds, only how specdrift reads it.
NEUTRAL_TRANSFORMS = {None, "bool"}
# Transforms whose fact only says whether the attribute is there: checkov's exists / not_exists.
PRESENCE_TRANSFORMS = {"is_set"}
CATEGORIES = {"backup": "BACKUP_AND_RECOVERY", "network": "NETWORKING", "kubernetes": "KUBERNETES",
              "logging": "LOGGING", "encryption": "ENCRYPTION", "secrets": "SECRETS", "tls": "ENCRYPTION"}


class Unsupported(Exception):
    """This policy (or this resource type of it) cannot be said as a checkov attribute policy."""


@dataclass
class Exported:
    policy_id: str
    file: Path
    checkov_id: str
    resource_types: list[str]


@dataclass
class ExportResult:
    exported: list[Exported] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # policy -> why nothing was exported
    partial: dict[str, dict[str, str]] = field(default_factory=dict)  # policy -> {type: why not}
    caveats: dict[str, list[str]] = field(default_factory=dict)  # policy -> where checkov will differ


def framework(mapping: TypeMapping) -> str | None:
    """The checkov framework that reads this native type, from its spelling (None: none does)."""
    name = mapping.type
    if mapping.format in ("terraform", "cloudformation", "kubernetes", "arm"):
        return mapping.format
    if mapping.format:
        return None
    if "::" in name:
        return "cloudformation"
    if name.startswith("Microsoft."):
        return "arm"
    if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", name) and name.split("_", 1)[0] in TERRAFORM_PROVIDERS:
        return "terraform"
    if re.fullmatch(r"[A-Z][A-Za-z]+", name):
        return "kubernetes"
    return None


class _Translator:
    def __init__(self, policy: Policy, mapping: TypeMapping, fw: str) -> None:
        self.policy, self.mapping, self.fw = policy, mapping, fw
        self.params = {name: p.default for name, p in policy.parameters.items()}
        self.caveats: list[str] = []

    def node(self, node: Mapping[str, Any]) -> dict[str, Any]:
        if "function" in node:
            raise Unsupported(f"the check calls the Python function {node['function']!r}")
        if "each" in node:
            raise Unsupported(f"the check walks each item of {node['each']!r}")
        if "all" in node:
            return {"and": [self.node(child) for child in node["all"]]}
        if "any" in node:
            return {"or": [self.node(child) for child in node["any"]]}
        if "not" in node:
            return {"not": self.node(node["not"])}
        return self.leaf(node)

    def _spec(self, fact: str) -> tuple[FactSpec, list[tuple[str, str]]]:
        """The fact's mapping and its native attributes as (where the fact lives, the attribute compared).

        A fact read from alternatives takes the first that is present: the first *fact* path, so a
        ``labels.app`` check reads ``spec.template.metadata.labels`` when that exists, app or not.
        """
        top, _, rest = fact.partition(".")
        spec = self.mapping.facts.get(top)
        if spec is None:
            raise Unsupported(f"{self.mapping.type} has no mapping for fact {top!r}")
        if spec.compute:
            raise Unsupported(f"fact {top!r} of {self.mapping.type} is computed by {spec.compute!r}")
        if spec.transform not in NEUTRAL_TRANSFORMS | PRESENCE_TRANSFORMS:
            raise Unsupported(f"fact {top!r} of {self.mapping.type} is transformed by {spec.transform!r}")
        # checkov's graph, like specdrift's loaders, keeps CloudFormation Properties and ARM/k8s documents
        # as the resource's attributes, so the mapping table's native path is checkov's attribute.
        return spec, [(".".join(path), ".".join(path + (tuple(rest.split(".")) if rest else ())))
                      for path in spec.paths]

    def _native(self, spec: FactSpec, value: Any) -> Any:
        if spec.unit and isinstance(value, str):
            quantity = parse_quantity(value)
            if quantity is not None:
                number = quantity.in_unit(spec.unit)
                return int(number) if float(number).is_integer() else number
        if isinstance(value, list):
            return [self._native(spec, v) for v in value]
        return spec.to_native(value)

    def _default_complies(self, node: Mapping[str, Any], spec: FactSpec, top: str) -> bool | None:
        """Does the provider's default (the attribute left out) satisfy this leaf? None: no default."""
        probe = Resource("", self.mapping.type, "", Origin(), {}, {}, frozenset(), format=self.fw)
        default, _ = fact_value(spec, probe)
        if type(default) is object:  # the mapping tables' "absent" marker: the fact has no default
            return None
        return evaluate(node, {top: default}, EvalContext(probe, self.params)).status == Status.COMPLIES

    def _attr(self, attribute: str, operator: str, **value: Any) -> dict[str, Any]:
        return {"cond_type": "attribute", "resource_types": [self.mapping.type], "attribute": attribute,
                "operator": operator, **value}

    def leaf(self, node: Mapping[str, Any]) -> dict[str, Any]:
        fact, op = node["fact"], node["op"]
        spec, paths = self._spec(fact)

        def deciding(index: int) -> list[dict[str, Any]]:  # the fact comes from paths[index]
            return [self._attr(base, "not_exists") for base, _ in paths[:index]]

        present = _any([_all([*deciding(i), self._attr(attribute, "exists")]) for i, (_, attribute) in
                        enumerate(paths)])
        if op in ("exists", "absent"):
            return present if op == "exists" else {"not": present}
        if spec.transform in PRESENCE_TRANSFORMS:
            wanted = resolve_value(node.get("value"), self.params)
            if op not in ("==", "!=") or not isinstance(wanted, bool):
                raise Unsupported(f"fact {fact!r} only says whether an attribute is set; {op} {wanted!r} can't be said")
            return present if (op == "==") == wanted else {"not": present}
        value = self._native(spec, resolve_value(node.get("value"), self.params))
        if op in ("matches", "not_matches"):
            # checkov anchors regex_match at the start (re.match); specdrift searches (re.search).
            value = f"(?s).*?(?:{value})"
        # checkov's comparisons fail on a missing attribute; specdrift reads the provider's default
        # (or the policy's if_missing) instead, so say what a missing attribute means explicitly.
        complies_when_missing = self._default_complies(node, spec, fact.partition(".")[0])
        if complies_when_missing is None:
            verdict = node.get("if_missing", "unknown")
            complies_when_missing = verdict in ("skip", "complies")
            if verdict == "unknown":
                self.caveats.append(f"{self.mapping.type}: a missing {' / '.join(a for _, a in paths)} fails in "
                                    f"checkov, where specdrift reports unknown")
        branches = [_all([*deciding(i), self._attr(attribute, "exists"),
                          self._attr(attribute, OPERATORS[op], value=value)]) for i, (_, attribute) in
                    enumerate(paths)]
        if spec.default_unless and complies_when_missing:
            # The default does not hold where a voiding attribute is set (an Aurora member's retention comes
            # from its cluster): there a missing attribute is the policy's if_missing, not the default.
            voided = _any([self._attr(".".join(path), "exists") for path in spec.default_unless])
            missing = _all([self._attr(base, "not_exists") for base, _ in paths])
            if node.get("if_missing", "unknown") not in ("skip", "complies"):
                branches.append(_all([{"not": voided}, missing]))
                complies_when_missing = False
        elif spec.default_unless and node.get("if_missing", "unknown") in ("skip", "complies"):
            branches.append(_all([_any([self._attr(".".join(path), "exists") for path in spec.default_unless]),
                                  *[self._attr(base, "not_exists") for base, _ in paths]]))
        if complies_when_missing:
            # Missing: the deciding path lacks the attribute compared, or no path is there at all.
            branches += [_all([*deciding(i), self._attr(base, "exists"), self._attr(attribute, "not_exists")])
                         for i, (base, attribute) in enumerate(paths) if base != attribute]
            branches.append(_all([self._attr(base, "not_exists") for base, _ in paths]))
        return _any(branches)


def _all(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return conditions[0] if len(conditions) == 1 else {"and": conditions}


def _any(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return conditions[0] if len(conditions) == 1 else {"or": conditions}


def _definition(policy: Policy, mapping: TypeMapping, fw: str) -> tuple[dict[str, Any], list[str]]:
    """The checkov definition for one native type, and where checkov's verdict will differ from specdrift's."""
    translator = _Translator(policy, mapping, fw)
    check = translator.node(policy.check)
    if policy.where is not None:  # a gate: resources it excludes pass
        check = {"or": [{"not": translator.node(policy.where)}, check]}
    return check, translator.caveats


def _category(policy: Policy) -> str:
    for tag in policy.tags:
        if tag in CATEGORIES:
            return CATEGORIES[tag]
    return "GENERAL_SECURITY"


def _types_for(policy: Policy) -> list[TypeMapping]:
    return [m for entries in tables().values() for m in entries if m.kinds & policy.kinds]


def checkov_id(policy_id: str, index: int) -> str:
    base = "CKV2_SPECDRIFT_" + re.sub(r"[^A-Z0-9]+", "_", policy_id.upper()).strip("_")
    return base if index == 0 else f"{base}_{index + 1}"


def export_policies(policies: Sequence[Policy], out_dir: Path) -> ExportResult:
    """Write one checkov YAML policy per (policy, group of types with the same definition) into ``out_dir``."""
    import yaml

    result = ExportResult()
    out_dir.mkdir(parents=True, exist_ok=True)
    for policy in policies:
        groups: dict[str, tuple[dict[str, Any], list[str]]] = {}
        reasons: dict[str, str] = {}
        types = _types_for(policy)
        for mapping in types:
            fw = framework(mapping)
            if fw is None:
                reasons[mapping.type] = "checkov has no custom YAML policies for this format"
                continue
            try:
                definition, caveats = _definition(policy, mapping, fw)
            except Unsupported as exc:
                reasons[mapping.type] = str(exc)
                continue
            if caveats:
                result.caveats.setdefault(policy.id, []).extend(caveats)
            # Types whose definitions differ only in the resource type share one checkov policy.
            key = json.dumps(definition, sort_keys=True).replace(json.dumps(mapping.type), '"<type>"')
            if key in groups:
                groups[key][1].append(mapping.type)
            else:
                groups[key] = (definition, [mapping.type])
        if not groups:
            result.skipped[policy.id] = "; ".join(sorted(set(reasons.values()))) or \
                "no mapped resource type has this policy's kinds"
            continue
        if reasons:
            result.partial[policy.id] = reasons
        for index, (definition, rtypes) in enumerate(groups.values()):
            ident = checkov_id(policy.id, index)
            body = {
                "metadata": {
                    "id": ident,
                    "name": f"{policy.title} ({', '.join(policy.requirements)}, specdrift {policy.id})",
                    "category": _category(policy),
                    "severity": policy.severity.value.upper() if policy.severity.value != "info" else "INFO",
                    "guideline": " ".join((policy.guide or policy.title).split()),
                },
                "definition": _retype(definition, rtypes),
            }
            target = out_dir / (f"{policy.id}.yaml" if index == 0 else f"{policy.id}-{index + 1}.yaml")
            header = (f"# Exported by specdrift from {policy.id} ({', '.join(policy.requirements)}).\n"
                      f"# Run: checkov --external-checks-dir {out_dir} -d <path>\n")
            target.write_text(header + yaml.safe_dump(body, sort_keys=False, width=120), encoding="utf-8")
            result.exported.append(Exported(policy.id, target, ident, rtypes))
    return result


def _retype(node: Any, rtypes: list[str]) -> Any:
    if isinstance(node, dict):
        return {k: (list(rtypes) if k == "resource_types" else _retype(v, rtypes)) for k, v in node.items()}
    if isinstance(node, list):
        return [_retype(item, rtypes) for item in node]
    return node
