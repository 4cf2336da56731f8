"""Follow references between declared resources, in every IaC spelling.

``!Ref X`` / ``!GetAtt X.Arn`` / ``${X}`` (CloudFormation), ``aws_subnet.a.id`` /
``aws_subnet.public[*].id`` (Terraform), ``resourceId('T', 'vnet', 'db')`` (ARM): each becomes a
``Ref`` naming its target, which ``ResourceIndex.resolve`` turns into the Resource it names,
or ``None`` when the scanned files do not declare it (the caller then says so: a check that
depends on an undeclared resource is unknown, not guessed).

Live resources (``source == "live"``) name each other by physical identifier instead: a subnet's
``vpc`` is ``vpc-0a1b...``, a listener's ``load_balancer`` an ARN. Their facts' strings are the
references, and a live resource answers to every identifier it has (id, ARN, name), so the same
checks follow the same facts on live state.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.model import Origin, Resource, Unresolved

# Terraform: a resource type has an underscore (var., local., each., count., module. do not).
_TF_REF = re.compile(
    r"(?<![\w.\"'])((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]*\.[A-Za-z_][\w-]*)(\[[^\]]*\])?(?:\.([A-Za-z_]\w*))?")
_CFN_SUB_VAR = re.compile(r"\$\{(?!!)([A-Za-z0-9_:]+)(?:\.([A-Za-z0-9_.]+))?\}")
_ARM_RESOURCE_ID = re.compile(r"resourceId\(((?:\s*'[^']*'\s*,?)+)\)", re.I)
_ARM_STRING = re.compile(r"'([^']*)'")
_ARM_RESOURCE_PATH = re.compile(r"^[A-Za-z]+\.[A-Za-z]+/[\w./-]+$")  # an extension's "scope": "Microsoft.X/y/name"


@dataclass(frozen=True)
class Ref:
    """One reference as written: its target key, the attribute read, an index (``0``, ``*``)."""

    target: str
    attribute: str = ""
    index: str | None = None
    expression: str = ""
    live: bool = False  # a physical identifier in live state, not a reference written in a file

    def __str__(self) -> str:
        return self.expression or self.target


def _arm_key(args: str) -> str | None:
    parts = _ARM_STRING.findall(args)
    if len(parts) < 2:
        return None
    # resourceId([subscriptionId,] [resourceGroup,] type, name1, name2...): the type is the first with a '/'
    for i, part in enumerate(parts):
        if "/" in part and "." in part.split("/", 1)[0]:
            return f"{part}/{'/'.join(parts[i + 1:])}"
    return None


def refs_in(value: Any) -> list[Ref]:
    """Every reference inside ``value`` (a native attribute value, nested or not)."""
    found: list[Ref] = []
    _collect(value, found)
    return found


def is_live(resource: Resource) -> bool:
    return resource.source == "live"


def live_refs(value: Any) -> list[Ref]:
    """The identifiers a live resource's fact names (a string, or strings in a list)."""
    if isinstance(value, str) and value:
        return [Ref(value, expression=value, live=True)]
    if isinstance(value, (list, tuple)):
        return [ref for item in value for ref in live_refs(item)]
    return []


def _collect(value: Any, found: list[Ref]) -> None:
    if isinstance(value, Unresolved):
        found.extend(_refs_in_expression(value.expression))
    elif isinstance(value, dict):
        if len(value) == 1:
            key, inner = next(iter(value.items()))
            if key == "Ref" and isinstance(inner, str):
                if not inner.startswith("AWS::"):
                    found.append(Ref(inner, expression=f"!Ref {inner}"))
                return
            if key == "Fn::GetAtt":
                parts = inner.split(".", 1) if isinstance(inner, str) else list(inner or [])
                if parts and isinstance(parts[0], str):
                    attr = str(parts[1]) if len(parts) > 1 else ""
                    found.append(Ref(parts[0], attr, expression=f"!GetAtt {parts[0]}.{attr}"))
                return
            if key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(text, str):
                    found.extend(_sub_refs(text))
                if isinstance(inner, list) and len(inner) > 1:
                    _collect(inner[1], found)
                return
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found)
    elif isinstance(value, str) and value.startswith("resourceId("):
        found.extend(_refs_in_expression(value))
    elif isinstance(value, str) and _ARM_RESOURCE_PATH.match(value):
        found.append(Ref(value, expression=value))


def _sub_refs(text: str) -> list[Ref]:
    return [Ref(m.group(1), m.group(2) or "", expression=m.group(0)) for m in _CFN_SUB_VAR.finditer(text)
            if not m.group(1).startswith("AWS::")]


def _refs_in_expression(expression: str) -> list[Ref]:
    if expression.startswith("!Sub"):
        return _sub_refs(expression)
    if "resourceId(" in expression or "resourceid(" in expression.lower():
        refs = []
        for match in _ARM_RESOURCE_ID.finditer(expression):
            key = _arm_key(match.group(1))
            if key:
                refs.append(Ref(key, expression=match.group(0)))
        return refs
    out = []
    for match in _TF_REF.finditer(expression):
        index = match.group(2)[1:-1].strip() if match.group(2) else None
        out.append(Ref(match.group(1), match.group(3) or "", index, match.group(0)))
    return out


class ResourceIndex:
    """Every declared resource by the names references use, within its scope.

    A CloudFormation logical ID and an ARM name are scoped to their template file, a
    Terraform address to its module directory; a reference from another scope is not resolved.
    """

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.resources = tuple(resources)
        self._by_key: dict[tuple[str, str], Resource] = {}
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        for resource in self.resources:
            self._add(resource)
            for child in _inline_subnets(resource):
                self._add(child)

    def _add(self, resource: Resource) -> None:
        self._by_type[resource.type].append(resource)
        for kind in resource.kinds:
            self._by_kind[kind].append(resource)
        scope = scope_of(resource)
        for key in _keys(resource):
            self._by_key.setdefault((scope, key), resource)

    def of_type(self, *types: str) -> list[Resource]:
        return [r for t in types for r in self._by_type.get(t, ())]

    def of_kind(self, kind: str) -> list[Resource]:
        return list(self._by_kind.get(kind, ()))

    def resolve(self, ref: Ref, origin: Resource) -> Resource | None:
        if ref.live:
            return self._by_key.get((LIVE_SCOPE, ref.target.casefold()))
        scope = scope_of(origin)
        found = self._by_key.get((scope, ref.target)) or self._by_key.get((scope, ref.target.lower()))
        if found is None and origin.format == "arm":  # nested children are declared by their short name
            found = self._by_key.get((scope, _arm_short(ref.target)))
        return found

    def targets(self, value: Any, origin: Resource) -> list[tuple[Ref, Resource | None]]:
        """Each reference in ``value`` with the resource it names (None when not declared)."""
        refs = live_refs(value) if is_live(origin) else refs_in(value)
        return [(ref, self.resolve(ref, origin)) for ref in refs]

    def points_to(self, value: Any, origin: Resource, target: Resource) -> bool:
        return any(found is target for _, found in self.targets(value, origin))

    def referrers(self, target: Resource, candidates: Iterable[Resource], *facts: str) -> Iterator[Resource]:
        """Resources among ``candidates`` whose named facts reference ``target``."""
        for candidate in candidates:
            if scope_of(candidate) != scope_of(target):
                continue
            for fact in facts:
                if fact in candidate.facts and self.points_to(candidate.facts[fact], candidate, target):
                    yield candidate
                    break


LIVE_SCOPE = "<live>"  # one account's live state: identifiers are unique across it


def scope_of(resource: Resource) -> str:
    if is_live(resource):
        return LIVE_SCOPE
    file = resource.origin.file or ""
    if resource.format == "terraform":
        return str(Path(file).parent)
    return file


def _keys(resource: Resource) -> list[str]:
    if is_live(resource):
        from scanner.drift.identity import identifiers  # the names each live type answers to

        return sorted(identifiers(resource))
    if resource.format == "arm":
        name = resource.address[len(resource.type) + 1:] if resource.address.startswith(resource.type) else ""
        keys = [resource.address, resource.address.lower()]
        if name:
            keys.append(_arm_short(resource.address))
        return keys
    return [resource.address]


def _arm_short(key: str) -> str:
    """``Microsoft.X/y/z/parent/child`` -> type plus the last name only (how nested children are keyed)."""
    lowered = key.lower()
    provider, _, rest = lowered.partition("/")
    parts = rest.split("/")
    types = (len(parts) + 1) // 2  # type segments and name segments alternate after the provider
    type_part = "/".join(parts[:types])
    names = parts[types:]
    return f"{provider}/{type_part}/{names[-1] if names else ''}"


SUBNET_CHILD = "Microsoft.Network/virtualNetworks/subnets"


def _inline_subnets(resource: Resource) -> list[Resource]:
    """Subnets declared inside a virtual network, as resources of their own (ARM ``properties.subnets``,
    Terraform ``subnet {}`` blocks), so ``resourceId(...subnets...)`` and ``...subnet[0].id`` resolve."""
    from scanner.mappings import normalize

    if resource.type == "Microsoft.Network/virtualNetworks":
        items = (resource.attributes.get("properties") or {}).get("subnets") or []
        vnet = resource.address[len(resource.type) + 1:]
        out = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                line = getattr(item, "line", None) or resource.origin.line
                out.append(normalize(Resource(
                    resource.provider, SUBNET_CHILD, f"{SUBNET_CHILD}/{vnet}/{item['name']}",
                    Origin(resource.origin.file, line, getattr(item, "end_line", None)), item, format="arm",
                    source=resource.source)))
        return out
    return []


_INDEX: list[tuple[tuple[Resource, ...], ResourceIndex]] = []


def index_for(resources: tuple[Resource, ...]) -> ResourceIndex:
    """The index of one scan's resources, built once per scan (the engine passes the same tuple)."""
    if _INDEX and _INDEX[0][0] is resources:
        return _INDEX[0][1]
    index = ResourceIndex(resources)
    _INDEX[:] = [(resources, index)]
    return index


def undeclared(ref: Ref) -> str:
    if ref.live:
        return f"{ref.target} is not among the collected live resources"
    return f"{ref.target} is referenced ({ref}) but not declared in the scanned files"
