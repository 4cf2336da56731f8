"""Diff the facts of one declared and one live resource: what the IaC says vs what runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.model import Resource, Unresolved
from scanner.units import Quantity, parse_quantity

CHANGED, UNKNOWN = "changed", "unknown"
# Facts that only describe where a resource sits; the match itself already used them.
_NOT_COMPARED = frozenset({"vpc_id", "subnet_id", "subnets", "security_groups", "task_definition"})
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


def _intrinsic(value: Any) -> bool:
    """A CloudFormation intrinsic (Ref, Fn::...) still unresolved: compared through the match, not here."""
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
        return tuple(sorted((canonical(v) for v in value), key=repr))
    return str(value)


def same(a: Any, b: Any) -> bool:
    return bool(canonical(a) == canonical(b))


def differences(declared: Resource, live: Resource) -> list[Difference]:
    """Every fact the IaC states (or defaults) that the live resource reports otherwise or unreadably."""
    out: list[Difference] = []
    for fact, wanted in declared.facts.items():
        if fact in _NOT_COMPARED or fact not in live.facts or _intrinsic(wanted):
            continue
        actual = live.facts[fact]
        line = declared.fact_lines.get(fact)
        default = fact not in declared.fact_lines
        unresolved = find_unresolved(wanted)
        if unresolved is not None:
            out.append(Difference(fact, UNKNOWN, wanted, actual, line, default,
                                  f"declared value is {unresolved.expression}: {unresolved.reason}"))
            continue
        unresolved = find_unresolved(actual)
        if unresolved is not None:
            out.append(Difference(fact, UNKNOWN, wanted, actual, line, default,
                                  f"live value unreadable: {unresolved.expression}: {unresolved.reason}"))
            continue
        if fact in _CASE_INSENSITIVE and isinstance(wanted, str) and isinstance(actual, str):
            wanted_cmp, actual_cmp = wanted.casefold(), actual.casefold()
        else:
            wanted_cmp, actual_cmp = wanted, actual
        if not same(wanted_cmp, actual_cmp):
            out.append(Difference(fact, CHANGED, wanted, actual, line, default))
    return out
