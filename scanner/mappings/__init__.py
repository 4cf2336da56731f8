"""Native attributes <-> shared facts, as data.

Each ``*.yaml`` table in this folder says, per native resource type, which kinds the
resource is (``sql_database``, ``k8s_workload``, ...) and where each fact lives::

    aws_rds_cluster:
      kinds: [sql_database]
      facts:
        backup_retention: {path: backup_retention_period, unit: d, default: 1}

The same entry drives remediation: the fact's first ``path`` (or its ``fix`` path) is where
the fix is written, with ``map`` read backwards. Fact spec keys:

- ``path``: dotted path, or a list of alternatives (first present wins); ``*`` walks every
  item of a list; a list of nested blocks (Terraform) is walked implicitly.
- ``default``: the provider's documented default when the attribute is absent.
- ``unit``: bare numbers are quantities in this unit (``d``, ``GB``, ``cpu``).
- ``map``: native value -> fact value (case-insensitive on strings).
- ``transform``: a registered function applied to the value found.
- ``compute``: a registered function of the whole resource, for facts no path can say
  (it returns ``MISSING`` when the resource does not have the fact at all).
- ``fix``: ``{path: ...}`` when the fix is written elsewhere than ``path``; ``{as: string}`` when the
  native attribute wants the value as a string (``engine_version = "15"``), ``{as: number}`` when it
  wants the value's number (a cache size ``C3`` written as its capacity ``3``); ``{keys: {fact key:
  native key}}`` when the value is a list of objects whose keys the format spells its own way (a
  capacity provider strategy's ``provider`` is Terraform's ``capacity_provider``).
- ``missing``: why the attribute may be absent, shown when a check on it is unknown.
- ``default_unless``: attribute path(s) that, when set, mean the default does not apply (an Aurora
  member's ``DBClusterIdentifier``: its retention and encryption are the cluster's, not RDS's defaults).

Transforms live in the Python modules of this package (``@transform("name")``); a table just names its
functions, and the module that declares a name is imported when a fact first needs it (``scanner.registry``).

A type entry may also declare ``children``: list items that are resources of their own
(inline node pools are node pools), expanded by ``normalize_all`` into child Resources of
the named type so one mapping serves both spellings::

    google_container_cluster:
      children:
        - {path: node_pool, type: google_container_node_pool, key: name, address: "{parent}/node_pool/{name}"}

(``wrap: properties`` puts the item under that key, the shape of the standalone type.) A
type named ``"*"`` with a ``format`` (and optionally a ``provider``) gives every resource of that
format its kinds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scanner.faults import Fault, FaultyFacts, describe, reraise_when_debugging
from scanner.loaders import LoadOutcome, load_files
from scanner.loaders.base import BlockList, ParseError, line_at
from scanner.model import Origin, Resource, Unresolved
from scanner.registry import Registry
from scanner.tables import read_tables
from scanner.units import CPU, DURATION, SIZE, parse_quantity

TABLE_DIR = Path(__file__).parent
Transform = Callable[[Any, Resource], Any]
TRANSFORMS: Registry[Transform] = Registry("transform", __name__, decorator="transform")
# What a ``compute`` transform returns when the resource has no such fact.
MISSING = object()


def transform(name: str) -> Callable[[Transform], Transform]:
    """Register a function a mapping table may name in ``transform`` or ``compute`` (a name once only)."""
    return TRANSFORMS.register(name)


@dataclass(frozen=True)
class FactSpec:
    name: str
    paths: tuple[tuple[str, ...], ...] = ()
    default: Any = MISSING
    unit: str | None = None
    value_map: Mapping[str, Any] = field(default_factory=dict)
    transform: str | None = None
    compute: str | None = None
    fix_path: tuple[str, ...] | None = None
    fix_as: str | None = None
    fix_keys: Mapping[str, str] = field(default_factory=dict)  # an object item's fact keys -> native keys
    missing: str = ""  # why the fact may be absent, for the "unknown" message
    default_unless: tuple[tuple[str, ...], ...] = ()  # attributes that, when set, void the default

    @property
    def write_path(self) -> tuple[str, ...] | None:
        return self.fix_path or (self.paths[0] if self.paths else None)

    def to_native(self, value: Any) -> Any:
        """The native spelling of a fact value (``map`` read backwards)."""
        for native, fact_value in self.value_map.items():
            if fact_value == value and type(fact_value) is type(value):
                return _native_literal(native)
        return value


@dataclass(frozen=True)
class ChildSpec:
    """List items of a resource that are resources of their own type (inline node pools)."""

    path: tuple[str, ...]
    type: str
    key: str = "name"
    address: str = "{parent}/{name}"
    wrap: str | None = None


@dataclass(frozen=True)
class TypeMapping:
    type: str
    kinds: frozenset[str]
    facts: Mapping[str, FactSpec]
    format: str | None = None
    children: tuple[ChildSpec, ...] = ()
    provider: str | None = None  # a wildcard entry may also name the provider it is for
    # Directives that make a configuration file partial (redis.conf ``include``): the file may not be all
    # the server reads, so a fact it leaves out is unknown rather than the built-in default.
    partial_when: tuple[str, ...] = ()


def _native_literal(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if text.isdigit():  # day-of-week numbers and the like: written as numbers, not strings
        return int(text)
    return text


def _split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def _spec(name: str, raw: Any) -> FactSpec:
    if isinstance(raw, (str, list)):  # shorthand: a path, or alternative paths
        raw = {"path": raw}
    paths = raw.get("path", [])
    paths = [paths] if isinstance(paths, str) else paths
    fix = raw.get("fix")
    return FactSpec(
        name=name,
        paths=tuple(_split(p) for p in paths),
        default=raw.get("default", MISSING),
        unit=raw.get("unit"),
        value_map={str(k): v for k, v in (raw.get("map") or {}).items()},
        transform=raw.get("transform"),
        compute=raw.get("compute"),
        fix_path=_split(fix["path"]) if isinstance(fix, dict) and "path" in fix else None,
        fix_as=fix.get("as") if isinstance(fix, dict) else None,
        fix_keys=dict(fix.get("keys") or {}) if isinstance(fix, dict) else {},
        missing=raw.get("missing", ""),
        default_unless=tuple(_split(p) for p in _as_list(raw.get("default_unless", []))),
    )


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


class _Tables(Mapping[str, tuple[TypeMapping, ...]]):
    """Native type -> its mappings, each type's built on first use from the raw table entries.

    The tables describe some 200 types with about 1,300 facts; a scan of a few files meets a handful
    of types, so building every spec up front would be most of a pre-commit run's mapping work.
    """

    def __init__(self, raw: dict[str, list[Mapping[str, Any]]]) -> None:
        self._raw = raw
        self._built: dict[str, tuple[TypeMapping, ...]] = {}

    def __getitem__(self, rtype: str) -> tuple[TypeMapping, ...]:
        built = self._built.get(rtype)
        if built is None:
            built = self._built[rtype] = tuple(_type_mapping(rtype, entry) for entry in self._raw[rtype])
        return built

    def __contains__(self, rtype: object) -> bool:
        return rtype in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _type_mapping(rtype: str, entry: Mapping[str, Any]) -> TypeMapping:
    facts = {name: _spec(name, raw) for name, raw in (entry.get("facts") or {}).items()}
    children = tuple(ChildSpec(_split(c["path"]), c["type"], c.get("key", "name"),
                               c.get("address", "{parent}/{name}"), c.get("wrap"))
                     for c in entry.get("children") or ())
    return TypeMapping(rtype, frozenset(entry.get("kinds", ())), facts, entry.get("format"), children,
                       entry.get("provider"), tuple(entry.get("partial_when") or ()))


@cache
def documents() -> tuple[Mapping[str, Any], ...]:
    """Every mapping table, as its YAML data (``types``, and the ``fixes`` and ``cli`` sections remediation
    reads), in file name order; from the cache unless a table changed."""
    from scanner.installed import kept_per_install

    # The tables an install ships are known by the install: not listed, read and hashed at every run.
    found = kept_per_install("shipped-mappings", [TABLE_DIR],
                             lambda: read_tables("mappings", sorted(TABLE_DIR.glob("*.yaml"))))
    return tuple(data or {} for data in found)


@cache
def tables() -> Mapping[str, tuple[TypeMapping, ...]]:
    """Native type -> its mappings (one per format that spells the type, usually one)."""
    raw: dict[str, list[Mapping[str, Any]]] = {}
    for data in documents():
        for rtype, entry in (data.get("types") or {}).items():
            raw.setdefault(rtype, []).append(entry)
    return _Tables(raw)


def mapping_for(resource: Resource) -> TypeMapping | None:
    """The merged mapping of every table entry for this type and format (tables may split by domain)."""
    return mapping_for_type(resource.type, resource.format, resource.provider)


@cache
def _arm_spellings() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for rtype in tables():
        if rtype.startswith("Microsoft."):
            found.setdefault(rtype.lower(), []).append(rtype)
    return {k: tuple(v) for k, v in found.items()}


@cache
def mapping_for_type(rtype: str, fmt: str, provider: str = "") -> TypeMapping | None:
    """The merged mapping of a type in a format, without a Resource (drift asks it of the types it pairs)."""
    # ARM resource types are case-insensitive: Microsoft.Cache/Redis is the table's Microsoft.Cache/redis.
    spellings = _arm_spellings().get(rtype.lower(), (rtype,)) if fmt == "arm" else (rtype,)
    entries = [m for spelling in spellings for m in tables().get(spelling, ())
               if m.format is None or m.format == fmt]
    # An entry written for this very format (live API shapes: ``aws-api``) replaces the generic ones, which
    # describe the IaC spelling of the same type and would otherwise lend it their paths and defaults.
    specific = [m for m in entries if m.format is not None]
    entries = specific or entries
    entries += [m for m in tables().get("*", ()) if m.format == fmt  # wildcards name their format
                and (m.provider is None or m.provider == provider)]
    if not entries:
        return None
    if len(entries) == 1:
        return entries[0]
    kinds: frozenset[str] = frozenset()
    facts: dict[str, FactSpec] = {}
    children: list[ChildSpec] = []
    partial: tuple[str, ...] = ()
    for entry in entries:
        kinds |= entry.kinds
        partial += tuple(p for p in entry.partial_when if p not in partial)
        children.extend(c for c in entry.children if c not in children)
        for name, spec in entry.facts.items():
            if name in facts and facts[name] != spec:
                raise ValueError(f"mapping tables disagree on fact {name!r} of {rtype}")
            facts[name] = spec
    return TypeMapping(rtype, kinds, facts, fmt, tuple(children), partial_when=partial)


def lookup(tree: Any, path: tuple[str, ...]) -> Any:
    """Follow ``path`` through dicts and lists; ``MISSING`` when absent."""
    if len(path) == 1 and isinstance(tree, dict):  # most facts: one key of the body (the loop below, in one step)
        part = path[0]
        if part not in tree:
            return MISSING
        found = tree[part]
        return found[0] if isinstance(found, BlockList) and len(found) == 1 else found
    node = tree
    for index, part in enumerate(path):
        if isinstance(node, Unresolved):
            return node
        if isinstance(node, list):
            if part == "*":
                rest = path[index + 1:]
                items = [lookup(item, rest) for item in node]
                return [item for item in items if item is not MISSING]
            if part.isdigit():
                node = node[int(part)] if int(part) < len(node) else MISSING
                if node is MISSING:
                    return node
                continue
            if not isinstance(node, BlockList):
                return MISSING
            if len(node) == 1:
                node = node[0]
            else:
                items = [lookup(item, path[index:]) for item in node]
                return [item for item in items if item is not MISSING]
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    if isinstance(node, BlockList) and len(node) == 1:
        return node[0]
    return node


def _line_path(tree: Any, path: tuple[str, ...]) -> list[str | int]:
    out: list[str | int] = []
    node = tree
    for part in path:
        if isinstance(node, list):
            if part == "*" or not node:
                break
            if part.isdigit():
                out.append(int(part))
                node = node[int(part)] if int(part) < len(node) else None
                continue
            out.append(0)
            node = node[0]
        out.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    return out


@cache  # a table's few units, asked for every fact with a unit of every resource (a parse each time)
def unit_dimension(unit: str) -> str:
    if unit.lower() in ("cpu", "vcpu", "cores", "m"):
        return CPU
    if parse_quantity(f"1{unit}", SIZE) is not None and unit.lower() not in ("d", "h", "s", "min", "ms"):
        return SIZE
    return DURATION


def fact_value(spec: FactSpec, resource: Resource) -> tuple[Any, tuple[str, ...] | None]:
    """The fact's value on ``resource`` and the native path it came from (``MISSING`` if absent)."""
    value: Any = MISSING
    found: tuple[str, ...] | None = None
    for path in spec.paths:
        value = lookup(resource.attributes, path)
        if value is not MISSING:
            found = path
            break
    if spec.compute:  # ``path`` then only tells which line the fact is reported at
        computed = TRANSFORMS[spec.compute](None, resource)
        if computed is MISSING:
            return MISSING, None
        if computed is None:  # nothing to say: the fact is absent (or takes its default)
            return (MISSING, None) if not _has_default(spec, resource) else (
                _convert(spec, spec.default, resource, from_default=True), None)
        return _convert(spec, computed, resource, from_default=True), found
    if value is MISSING:
        if not _has_default(spec, resource):
            return MISSING, None
        return _convert(spec, spec.default, resource, from_default=True), None
    return _convert(spec, value, resource), found


def _has_default(spec: FactSpec, resource: Resource) -> bool:
    """The fact has a default and nothing on the resource voids it (``default_unless``)."""
    if spec.default is MISSING:
        return False
    return not any(lookup(resource.attributes, path) not in (MISSING, None, "") for path in spec.default_unless)


def _convert(spec: FactSpec, value: Any, resource: Resource, from_default: bool = False) -> Any:
    if isinstance(value, Unresolved):
        # Most transforms cannot read an unresolved value; some (``is_set``) can: it is set, just not known.
        func = TRANSFORMS.get(spec.transform) if spec.transform else None
        return func(value, resource) if func is not None and getattr(func, "accepts_unresolved", False) else value
    if spec.value_map and not from_default:
        key = str(value).lower()
        for native, fact_value in spec.value_map.items():
            if native.lower() == key:
                value = fact_value
                break
    if spec.transform:
        value = TRANSFORMS[spec.transform](value, resource)
    if spec.unit and not isinstance(value, (bool, Unresolved)):
        quantity = parse_quantity(value, unit_dimension(spec.unit), spec.unit)
        if quantity is not None:
            return quantity
    return value


def normalize(resource: Resource) -> Resource:
    """The resource with its kinds, facts and the line of each fact's native attribute."""
    mapping = mapping_for(resource)
    if mapping is None:
        return resource
    facts: dict[str, Any] = dict(resource.facts)
    lines: dict[str, int] = dict(resource.fact_lines)
    faulty = any(isinstance(value, Fault) for value in facts.values()) if facts else False
    partial = _partial_reason(mapping, resource)
    attributes = resource.attributes
    for name, spec in mapping.facts.items():
        try:
            value, path = fact_value(spec, resource)
        except Exception as exc:  # one fact of one resource: the checks that read it are errors, no others
            reraise_when_debugging()
            value, path = Fault(name, f"mapping fact {name} failed ({describe(exc)})"), None
        if value is MISSING:
            continue
        if partial and path is None and not spec.compute and spec.default is not MISSING and spec.paths:
            value = Unresolved(f"{'.'.join(spec.paths[0])} not set", partial)  # another file may set it
        facts[name] = value
        if isinstance(value, Fault):
            faulty = True
        if path is not None:
            line = _fact_line(attributes, path)
            if line:
                lines[name] = line
    if faulty:
        facts = FaultyFacts(facts, resource.address)
    # the mapping's own set of kinds when it holds the resource's (most resources have none of their own): one
    # set per type, not one per resource
    kinds = mapping.kinds if resource.kinds <= mapping.kinds else mapping.kinds | resource.kinds
    return Resource(resource.provider, resource.type, resource.address, resource.origin, resource.attributes,
                    facts, kinds, lines, resource.format, resource.source)


def _fact_line(tree: Any, path: tuple[str, ...]) -> int | None:
    """``line_at(tree, _line_path(tree, path))``: for the common one-key path, in one step."""
    if len(path) == 1 and isinstance(tree, dict):
        part = path[0]
        line: int | None = getattr(tree, "line", None) or None
        if part in tree:
            key_lines = getattr(tree, "key_lines", None)
            if key_lines and part in key_lines:
                line = key_lines[part]
        return line
    return line_at(tree, _line_path(tree, path))


def _partial_reason(mapping: TypeMapping, resource: Resource) -> str:
    """Why the file may not be all the server reads (``include /etc/redis/common.conf``), or ''."""
    for key in mapping.partial_when:
        value = resource.attributes.get(key) if isinstance(resource.attributes, dict) else None
        while isinstance(value, list) and value:
            value = value[0]
        if value is not None:
            shown = value.expression if isinstance(value, Unresolved) else value
            return f"the file includes {shown}, which may set it"
    return ""


def children_of(resource: Resource) -> list[Resource]:
    """The child Resources a mapping's ``children`` declare (inline node pools, agent pool profiles)."""
    mapping = mapping_for(resource)
    if mapping is None or not mapping.children:
        return []
    from scanner.lines import LineDict

    found: list[Resource] = []
    for child in mapping.children:
        items = lookup(resource.attributes, child.path)
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            name = item.get(child.key)
            label = name if isinstance(name, str) else str(index)
            attributes: Any = item
            if child.wrap:
                attributes = LineDict({child.key: name, child.wrap: item})
                attributes.line, attributes.end_line = getattr(item, "line", 0), getattr(item, "end_line", 0)
                attributes.key_lines = {child.key: getattr(item, "key_lines", {}).get(child.key, attributes.line),
                                        child.wrap: attributes.line}
            parent = {"address": resource.address, "type": resource.type, "path": ".".join(child.path),
                      "key": child.key, "name": label, "wrap": child.wrap}
            origin = Origin(resource.origin.file, getattr(item, "line", None) or resource.origin.line,
                            getattr(item, "end_line", None) or resource.origin.end_line, resource.origin.account,
                            resource.origin.region, resource.origin.api)
            found.append(Resource(resource.provider, child.type, child.address.format(parent=resource.address,
                                                                                       name=label),
                                  origin, attributes, {"parent": parent}, format=resource.format,
                                  source=resource.source))
    return found


def normalize_all(resources: Iterable[Resource], errors: list[ParseError] | None = None) -> list[Resource]:
    """Every resource normalized, each followed by its normalized children.

    A resource whose mapping fails as a whole is kept as loaded (secrets and references still see it), and
    the failure is added to ``errors`` naming the file and the resource.
    """
    out: list[Resource] = []
    for resource in resources:
        out.extend(_guarded(lambda r: [normalize(r)], resource, [resource], errors))
        out.extend(_guarded(lambda r: [normalize(child) for child in children_of(r)], resource, [], errors))
    return out


def load_paths(paths: Iterable[str | os.PathLike[str]], context: dict[str, Any] | None = None,
               only: Sequence[str] | None = None, jobs: int | None = None, skip: Sequence[str] = ()) -> LoadOutcome:
    """Every recognised file under ``paths`` but those the ``skip`` globs match loaded and linked
    (``loaders.load_files``), each format's resources given their facts as soon as they are linked, so the
    resources as loaded are freed format by format."""
    return load_files(paths, context, only, jobs, skip, then=normalize_all)


def _guarded(step: Callable[[Resource], list[Resource]], resource: Resource, fallback: list[Resource],
             errors: list[ParseError] | None) -> list[Resource]:
    try:
        return step(resource)
    except Exception as exc:
        reraise_when_debugging()
        if errors is not None:
            errors.append(ParseError(resource.origin.file or resource.address, resource.origin.line,
                                     f"{resource.address} could not be mapped to facts ({describe(exc)}); "
                                     "no policy checked it", resource.format, resource.address))
        return fallback


def fact_spec(resource: Resource, fact: str) -> FactSpec | None:
    mapping = mapping_for(resource)
    return mapping.facts.get(fact) if mapping else None
