"""How each IaC format names its resources and spells a reference to another one.

``!Ref X`` / ``!GetAtt X.Arn`` / ``${X}`` (CloudFormation), ``aws_subnet.a.id`` /
``aws_subnet.public[*].id`` (Terraform), ``resourceId('T', 'vnet', 'db')`` (ARM): ``refs_in`` turns each
into a ``Ref`` naming its target. Which resource a target names depends on the format of the resource
that wrote it: an ``Addressing`` says, for one format, the scope its names are unique in (a template file,
a Terraform module directory), the keys a resource answers to and the keys a reference is looked up by.
The policy layer's resolver (``scanner.policy.resource_index``) asks ``addressing_of(resource)`` and never
the format itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scanner.model import Planned, Resource, Unresolved, block_address, module_prefix
from scanner.regex import lazy_compile

# Terraform: a resource type has an underscore (var., local., each., count., module. do not).
_TF_REF = lazy_compile(
    r"(?<![\w.\"'])((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]*\.[A-Za-z_][\w-]*)(\[[^\]]*\])?(?:\.([A-Za-z_]\w*))?")
# A module's resource by its full address (a module output's value as its caller sees it).
_TF_MODULE_REF = lazy_compile(r"(?<![\w.\"'])((?:module\.[\w-]+(?:\[[^\]]*\])?\.)+(?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]*"
                              r"\.[A-Za-z_][\w-]*)(\[[^\]]*\])?(?:\.([A-Za-z_]\w*))?")
_CFN_REF = lazy_compile(r"!Ref ([A-Za-z0-9_:]+)")
_CFN_GETATT = lazy_compile(r"!GetAtt ([A-Za-z0-9_]+)\.?([A-Za-z0-9_.]*)")
_CFN_SUB_VAR = lazy_compile(r"\$\{(?!!)([A-Za-z0-9_:]+)(?:\.([A-Za-z0-9_.]+))?\}")
_ARM_RESOURCE_ID = lazy_compile(r"resourceId\(((?:\s*'[^']*'\s*,?)+)\)", re.I)
_ARM_STRING = lazy_compile(r"'([^']*)'")
_ARM_RESOURCE_PATH = lazy_compile(r"^[A-Za-z]+\.[A-Za-z]+/[\w./-]+$")  # an extension's "scope": "Microsoft.X/y/name"


@dataclass(slots=True, unsafe_hash=True)  # made per reference followed: not frozen (see check.Outcome)
class Ref:
    """One reference as written: its target key, the attribute read, an index (``0``, ``*``)."""

    target: str
    attribute: str = ""
    index: str | None = None
    expression: str = ""
    live: bool = False  # a physical identifier in live state, not a reference written in a file

    def __str__(self) -> str:
        return self.expression or self.target


def refs_in(value: Any) -> list[Ref]:
    """Every reference inside ``value`` (a native attribute value, nested or not), in any format's spelling."""
    found: list[Ref] = []
    _collect(value, found)
    return found


def _arm_key(args: str) -> str | None:
    parts = _ARM_STRING.findall(args)
    if len(parts) < 2:
        return None
    # resourceId([subscriptionId,] [resourceGroup,] type, name1, name2...): the type is the first with a '/'
    for i, part in enumerate(parts):
        if "/" in part and "." in part.split("/", 1)[0]:
            return f"{part}/{'/'.join(parts[i + 1:])}"
    return None


def _collect(value: Any, found: list[Ref]) -> None:
    if isinstance(value, Unresolved):
        found.extend(_refs_in_expression(value.expression))
    elif isinstance(value, Planned):  # a value another resource's configuration sets: still a reference to it
        found.extend(_refs_in_expression(value.ref))
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
    if expression.startswith("!Join"):  # the loader writes its items out: !Ref X, !GetAtt X.Y, !Sub ...${X}
        refs = [Ref(m.group(1), expression=m.group(0)) for m in _CFN_REF.finditer(expression)
                if not m.group(1).startswith("AWS::")]
        refs += [Ref(m.group(1), m.group(2), expression=m.group(0)) for m in _CFN_GETATT.finditer(expression)]
        return refs + _sub_refs(expression)
    if "resourceId(" in expression or "resourceid(" in expression.lower():
        refs = []
        for match in _ARM_RESOURCE_ID.finditer(expression):
            key = _arm_key(match.group(1))
            if key:
                refs.append(Ref(key, expression=match.group(0)))
        return refs
    out = []
    if "module." in expression:
        for match in _TF_MODULE_REF.finditer(expression):
            index = match.group(2)[1:-1].strip() if match.group(2) else None
            out.append(Ref(match.group(1), match.group(3) or "", index, match.group(0)))
    for match in _TF_REF.finditer(expression):
        index = match.group(2)[1:-1].strip() if match.group(2) else None
        out.append(Ref(match.group(1), match.group(3) or "", index, match.group(0)))
    return out


# --- references by address or name, in any scope (cluster members, attached disks) -------------

_WORDISH = lazy_compile(r"[\w-]")
_WORDISH_OR_DOT = lazy_compile(r"[\w.-]")


def _mentions(expression: str, address: str) -> bool:
    """``address`` referenced in a Terraform expression, whole or indexed (``x.y[count.index].id``)."""
    return re.search(rf"(?<![\w.-]){re.escape(address)}(\[[^\]]*\])?(?=\.|$|[^\w-])", expression) is not None


def refers_to(value: Any, target: Resource) -> bool:
    """Whether an attribute value references ``target`` (Terraform expression, CFN Ref/GetAtt, or its name)."""
    if isinstance(value, Unresolved):
        return _mentions(value.expression.strip("${}"), target.address)
    if isinstance(value, Mapping):
        if "Ref" in value:
            return value["Ref"] == target.address
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt:
            return getatt[0] == target.address
        return False
    name = target.facts.get("name")
    return isinstance(value, str) and isinstance(name, str) and value == name


_INTERPOLATION = lazy_compile(r"^\$\{(.*)\}$")


def written_reference(value: Any) -> str | None:
    """The expression an unresolved reference is written as, without a Terraform ``${...}`` around it; None
    for a value that is not a reference."""
    if not isinstance(value, Unresolved):
        return None
    return _INTERPOLATION.sub(r"\1", value.expression.strip()).strip()


def addresses_named(expression: str) -> list[str]:
    """The addresses a reference expression names: itself and each prefix before a dot
    (``aws_s3_bucket.b.id`` names ``aws_s3_bucket.b``), an address ``b[*]`` also as ``b``."""
    found = [expression] + [expression[:i] for i, c in enumerate(expression) if c == "."]
    return found + [address[:-3] for address in found if address.endswith("[*]")]


def mentioned(value: Any, longest: int) -> tuple[set[str], set[str]]:
    """What ``refers_to(value, target)`` compares a target with, turned around: the addresses (of at most
    ``longest`` characters) and the names for which it is true.

    In an expression ``_mentions`` finds an address that starts where no word character, dot or hyphen
    precedes it and ends before the end or a character that is neither a word character nor a hyphen
    (the optional ``[index]`` starts with such a character), so the addresses are exactly the
    substrings between such a start and such an end.
    """
    if isinstance(value, Unresolved):
        expression = value.expression.strip("${}")
        size = len(expression)
        starts = [p for p in range(size + 1) if p == 0 or not _WORDISH_OR_DOT.match(expression, p - 1)]
        ends = [q for q in range(size + 1) if q == size or not _WORDISH.match(expression, q)]
        return {expression[p:q] for p in starts for q in ends if p <= q <= p + longest}, set()
    if isinstance(value, Mapping):
        if "Ref" in value:
            ref = value["Ref"]
            return ({ref} if isinstance(ref, str) else set()), set()
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt:
            return ({getatt[0]} if isinstance(getatt[0], str) else set()), set()
        return set(), set()
    return set(), ({value} if isinstance(value, str) else set())


# --- zones and instances as written -------------------------------------------------------------

# Terraform: the N-th zone of the region's availability zones data source, or the one of each instance.
_AZ_DATA = lazy_compile(r"data\.aws_availability_zones\.[\w-]+\.(?:names|zone_ids)\s*(?:\[\s*(\d+|count\.index)\s*\])?")
_AZ_ELEMENT = lazy_compile(
    r"element\(\s*data\.aws_availability_zones\.[\w-]+\.(?:names|zone_ids)\s*,\s*count\.index\s*\)")


def instance_count(resource: Resource) -> int | None:
    """How many instances a Terraform resource with ``count`` / ``for_each`` has (1 without them)."""
    count = resource.attributes.get("count")
    if count is None:
        each = resource.attributes.get("for_each")
        if each is None:
            return 1
        return len(each) if isinstance(each, (list, dict)) else None
    try:
        return int(count)
    except (TypeError, ValueError):
        return None


def zones_written(value: Any, resource: Resource, ref: Ref | None = None) -> list[str] | Unresolved:
    """The zone(s) a zone setting ``value`` of ``resource`` names (of the instances ``ref`` selects):
    ``us-east-1a`` as written, or ``az#N`` for the N-th zone of the region (``!Select [N, !GetAZs '']``,
    ``data.aws_availability_zones.x.names[N]``, ``...names[count.index]`` for each instance)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and "Fn::Select" in value:
        args = value["Fn::Select"]
        if isinstance(args, list) and len(args) == 2 and isinstance(args[1], dict) and "Fn::GetAZs" in args[1]:
            region = args[1]["Fn::GetAZs"]
            if region in ("", None) or isinstance(region, (Unresolved, dict)):
                return [f"az#{args[0]}"]
    if isinstance(value, Unresolved):
        element = _AZ_ELEMENT.search(value.expression)
        match = _AZ_DATA.search(value.expression)
        per_instance = element is not None or (match is not None and match.group(1) == "count.index")
        if per_instance:
            count = instance_count(resource)
            if count is None:
                return Unresolved(value.expression, f"the count of {resource.address} is not known statically")
            indexes = range(count)
            if ref is not None and ref.index not in (None, "*"):
                try:
                    indexes = range(int(str(ref.index)), int(str(ref.index)) + 1)
                except ValueError:
                    return Unresolved(str(ref), f"{ref} selects an instance not known statically")
            return [f"az#{i}" for i in indexes]
        if match is not None and match.group(1) is not None:
            return [f"az#{match.group(1)}"]
        return Unresolved(value.expression, value.reason)
    return Unresolved(str(value), f"the zone of {resource.address} is computed at deployment")


# --- how a format's resources answer to references ---------------------------------------------

class Addressing:
    """Names unique within their file, each resource answering to its address only (CloudFormation
    logical IDs, Kubernetes objects, and every format that names no other resource)."""

    # A reference may name a resource of another scope by its full address (Terraform's module outputs).
    full_addresses = False
    # A plain string may name a resource by its ``name`` attribute (``db_subnet_group_name = local.name``).
    names_by_value = False

    def scope(self, file: str) -> str:
        """The scope a resource declared in ``file`` is named in."""
        return file

    def keys(self, resource: Resource) -> list[str]:
        """The keys ``resource`` answers to within its scope."""
        return [resource.address]

    def by_full_address(self, ref: Ref) -> bool:
        """Whether ``ref`` names its target by full address, from any scope."""
        return False

    def lookup_keys(self, ref: Ref, origin: Resource) -> Sequence[str]:
        """The keys ``ref``, written in ``origin``, is looked up by in ``origin``'s scope, first match wins."""
        return (ref.target, ref.target.lower())

    def relative_prefix(self, resource: Resource) -> str:
        """What an address written in ``resource`` is relative to (``""``: the scope itself)."""
        return ""

    # Children may be declared inside their parent's own block or named under it (ARM's ``<parent>/<child>``).
    nested_children = False

    def declared_under(self, parent: Resource, child: Resource) -> bool:
        """Whether ``child`` (of the same format) is declared inside ``parent``'s block or named under it."""
        return False

    def parent_name(self, resource: Resource) -> str | None:
        """The name of the parent a child resource's address names it under (None: the address names none)."""
        return None


class TerraformAddressing(Addressing):
    """A module directory is the scope; a reference inside a module instance names that instance's
    resources, an indexed one (``aws_s3_bucket.b["logs"]``) one instance of a ``count`` / ``for_each``."""

    full_addresses = True
    names_by_value = True

    def scope(self, file: str) -> str:
        return _parent(file)

    def keys(self, resource: Resource) -> list[str]:
        if resource.address.endswith("]"):
            # An instance (aws_s3_bucket.b["logs"]) also answers to its block's address, so a reference
            # whose index is not known (or not written) still finds the resource, by its first instance.
            return [resource.address, block_address(resource.address)]
        return [resource.address]

    def by_full_address(self, ref: Ref) -> bool:
        return ref.target.startswith("module.")

    def lookup_keys(self, ref: Ref, origin: Resource) -> Sequence[str]:
        prefix = module_prefix(origin.address, origin.type)
        keys = [f"{ref.target}[{ref.index}]"] if ref.index not in (None, "*") else []
        keys.append(ref.target)
        if prefix:
            keys = [k for key in keys for k in (prefix + key, key)]
        keys += (ref.target, ref.target.lower())
        return keys

    def relative_prefix(self, resource: Resource) -> str:
        return module_prefix(resource.address, resource.type)


class ArmAddressing(Addressing):
    """Names unique within their template, compared without case; a nested child is declared by its
    short name (type plus its own name only)."""

    def keys(self, resource: Resource) -> list[str]:
        name = resource.address[len(resource.type) + 1:] if resource.address.startswith(resource.type) else ""
        keys = [resource.address, resource.address.lower()]
        if name:
            keys.append(arm_short(resource.address))
        return keys

    def lookup_keys(self, ref: Ref, origin: Resource) -> Sequence[str]:
        return (ref.target, ref.target.lower(), arm_short(ref.target))

    nested_children = True

    def declared_under(self, parent: Resource, child: Resource) -> bool:
        nested = (parent.origin.line or 0) < (child.origin.line or 0) <= (parent.origin.end_line or 0)
        name = child.attributes.get("name")
        return nested or (isinstance(name, str) and name.startswith(f"{_own_name(parent)}/"))

    def parent_name(self, resource: Resource) -> str | None:
        parts = resource.address.split("/")
        return parts[-2] if len(parts) > 1 else None


def _own_name(resource: Resource) -> str:
    """An ARM resource's ``name`` as written (``server`` of ``Microsoft.DBforPostgreSQL/servers/server``)."""
    name = resource.attributes.get("name")
    return str(name) if isinstance(name, str) else resource.address.rsplit("/", 1)[-1]


def arm_short(key: str) -> str:
    """``Microsoft.X/y/z/parent/child`` -> type plus the last name only (how nested children are keyed)."""
    lowered = key.lower()
    provider, _, rest = lowered.partition("/")
    parts = rest.split("/")
    types = (len(parts) + 1) // 2  # type segments and name segments alternate after the provider
    type_part = "/".join(parts[:types])
    names = parts[types:]
    return f"{provider}/{type_part}/{names[-1] if names else ''}"


@cache
def _parent(file: str) -> str:
    """``str(Path(file).parent)``, once per file: every reference lookup asks it of its resource."""
    return str(Path(file).parent)


FILE_SCOPED = Addressing()
_BY_FORMAT: dict[str, Addressing] = {"terraform": TerraformAddressing(), "arm": ArmAddressing()}


def addressing_of(resource: Resource) -> Addressing:
    """How the format ``resource`` was written in names resources and references."""
    return _BY_FORMAT.get(resource.format, FILE_SCOPED)
