"""Diff the facts of one declared and one live resource: what the IaC says vs what runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.loaders.addressing import refs_in
from scanner.mappings import TRANSFORMS, fact_spec
from scanner.mappings.identity import comparer, pending_entries
from scanner.model import Planned, Resource, Unresolved
from scanner.units import Quantity, parse_quantity

CHANGED, UNKNOWN = "changed", "unknown"
# Facts that only describe where a resource sits; the match itself already used them.
_NOT_COMPARED = frozenset({"vpc", "subnet", "subnets", "security_groups", "route_table", "task_definition"})
# Keys of a list fact's items that say where an item is written or how it is labelled (a line, a position
# such as ``ingress[0]``), not what it sets: items compare by content.
_ITEM_LABELS = frozenset({"line", "name"})
# Names AWS stores in lower case (RDS, ElastiCache identifiers) whatever case the IaC wrote.
_CASE_INSENSITIVE = frozenset({"name"})


@dataclass(frozen=True)
class Difference:
    fact: str
    status: str  # changed | unknown
    declared: Any
    live: Any
    declared_line: int | None = None
    declared_default: bool = False  # the IaC leaves it out; the mapping's default stands in
    reason: str = ""
    # entries of a map of settings changed on the server that it applies only at its next restart (pg_settings
    # pending_restart): what runs is still the old value
    pending: tuple[str, ...] = ()


def _intrinsic(value: Any) -> bool:
    """A reference to another declared resource (CloudFormation Ref / Fn::..., a Terraform ``aws_x.y.id``):
    live state holds the other resource's ID there, which the match pairs, so it is not compared here."""
    if isinstance(value, Unresolved):
        return bool(refs_in(value))
    if isinstance(value, Planned):  # another resource's configured value (a name, where live has its self-link)
        return True
    if isinstance(value, Mapping):
        return any(k == "Ref" or str(k).startswith("Fn::") for k in value) or any(_intrinsic(v) for v in
                                                                                  value.values())
    if isinstance(value, (list, tuple)):
        return any(_intrinsic(v) for v in value)
    return False


def find_unresolved(value: Any) -> Unresolved | None:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            found = find_unresolved(item)
            if found is not None:
                return found
    return None


def canonical(value: Any) -> Any:
    """A hashable form in which equal settings are equal: quantities by magnitude, numbers as floats,
    lists as sorted multisets, mappings by sorted items."""
    if isinstance(value, Quantity):
        return ("quantity", value.dimension, round(value.value, 6))
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        stripped = value.strip()
        try:
            return float(stripped)
        except ValueError:
            quantity = parse_quantity(stripped)
            return canonical(quantity) if quantity is not None else stripped
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), canonical(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted((canonical(v) for v in items(value)), key=repr))
    return str(value)


def items(values: Iterable[Any]) -> list[Any]:
    """A list fact's items as compared: by content (without their labels), a firewall rule once per source.
    (A template writes one rule per source, or several sources in one rule; the API one per permission.)"""
    out: list[Any] = []
    for item in values:
        if not isinstance(item, Mapping):
            out.append(item)
            continue
        content = {k: v for k, v in item.items() if k not in _ITEM_LABELS}
        sources, groups = content.get("sources"), content.get("groups")
        if isinstance(sources, list) and isinstance(groups, list) and len(sources) + len(groups) > 1:
            out.extend({**content, "sources": [s], "groups": []} for s in sources)
            out.extend({**content, "sources": [], "groups": [g]} for g in groups)
        else:
            out.append(content)
    return out


def same(a: Any, b: Any) -> bool:
    return bool(canonical(a) == canonical(b))


def differing_keys(declared: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
    """The entries of two settings maps that differ: set on one side only, or to values that are not the same."""
    return [k for k in {**declared, **live} if k not in declared or k not in live or not same(declared[k], live[k])]


def _setting(declared: Resource, fact: str) -> tuple[str, ...] | str:
    """The native attribute a declared fact is read from (several facts may read one: backup_retention,
    log_retention and pitr_enabled all read BackupRetentionPeriod)."""
    spec = fact_spec(declared, fact)
    return spec.paths[0] if spec is not None and spec.paths else fact


def _same_shape(wanted: Any, actual: Any) -> bool:
    """Both maps or both lists: what an ``identity.compare`` transform picks entries from."""
    return (isinstance(wanted, Mapping) and isinstance(actual, Mapping)) or \
        (isinstance(wanted, list) and isinstance(actual, list))


def differences(declared: Resource, live: Resource) -> list[Difference]:
    """Every setting the IaC states (or defaults) that the live resource reports otherwise or unreadably,
    once per native attribute: under the first fact the mapping reads from it."""
    out: list[Difference] = []
    seen: set[tuple[str, ...] | str] = set()
    for fact, wanted in declared.facts.items():
        if fact in _NOT_COMPARED or fact not in live.facts or _intrinsic(wanted):
            continue
        setting = _setting(declared, fact)
        if setting in seen:
            continue
        before = len(out)
        actual = live.facts[fact]
        line = declared.fact_lines.get(fact)
        entries = comparer(live.provider, fact)
        if entries is not None and _same_shape(wanted, actual):
            # a map of settings (or a list of items): only what the declaration writes, compared as the provider
            # reads it
            lines = getattr(wanted, "key_lines", {}) if isinstance(wanted, Mapping) else {}
            pick: Any = TRANSFORMS[entries]  # (declared, live) -> the entries that differ
            wanted, actual = pick(wanted, actual)
            if not wanted:
                continue
            if lines:
                line = lines.get(next(iter(wanted)), line)
        default = fact not in declared.fact_lines
        unresolved = find_unresolved(wanted)
        if unresolved is not None:
            out.append(Difference(fact, UNKNOWN, wanted, actual, line, default,
                                  f"declared value is {unresolved.expression}: {unresolved.reason}"))
            seen.add(setting)
            continue
        unresolved = find_unresolved(actual)
        if unresolved is not None:
            out.append(Difference(fact, UNKNOWN, wanted, actual, line, default,
                                  f"live value unreadable: {unresolved.expression}: {unresolved.reason}"))
            seen.add(setting)
            continue
        if fact in _CASE_INSENSITIVE and isinstance(wanted, str) and isinstance(actual, str):
            wanted_cmp, actual_cmp = wanted.casefold(), actual.casefold()
        else:
            wanted_cmp, actual_cmp = wanted, actual
        if not same(wanted_cmp, actual_cmp):
            waiting = tuple(n for n in pending_entries(live, fact) if isinstance(wanted, Mapping) and n in wanted)
            out.append(Difference(fact, CHANGED, wanted, actual, line, default,
                                  f"pending restart: {', '.join(waiting)} changed on the server, applied at its next "
                                  "restart" if waiting else "", waiting))
        if len(out) > before:
            seen.add(setting)
    return out
