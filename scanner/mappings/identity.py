"""How a live resource is named, and how the IaC names the same thing: per provider, as data.

Each live table (``<provider>_live.yaml``) has an ``identity:`` section, read here (Cloud Custodian keeps the
same knowledge in each resource type's ``TypeInfo``):

- per live type: the attributes that identify it (``keys``: id, name, ARN or selfLink, what a deployment's
  physical ID or a Terraform state ``id`` holds), the one its CLI takes (``cli``), per declared format the
  attribute that writes its name literally (``names``) and the types that declare it (``declared``);
- for the provider: the format of its live resources, the format of its ``cli:`` fixes, where its tags are
  and which tag names a resource, the IaC's own deployment record when the provider has one (CloudFormation
  stacks), and the fixes drift offers for a missing or unmanaged resource (``drift_fixes``).

The drift engine asks these functions, never a provider's name: a new cloud is a new table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from scanner.mappings import MISSING, documents, lookup
from scanner.model import Resource
from scanner.regex import lazy_compile


@dataclass(frozen=True)
class Identity:
    """How one live type is named and declared."""

    provider: str
    live_type: str
    live_keys: tuple[str, ...]
    cli_key: str
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # declared format -> name attributes
    declared: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # declared format -> declaring types
    # A declaration that names nothing pairs with the only live resource of the type (a server's configuration
    # file describes the one server it is checked against)
    sole: bool = False
    # Declared types that each write part of its configuration (ALTER SYSTEM files, over its postgresql.conf): with
    # ``sole``, every one pairs with the only live resource of the type, beside its main declaration
    layers: tuple[str, ...] = ()

    @property
    def terraform_types(self) -> tuple[str, ...]:
        return self.declared.get("terraform", ())


@dataclass(frozen=True)
class Deployment:
    """A live resource in which the IaC tool records which declared resource became which live one (a
    CloudFormation stack), and the tags it puts on what it creates."""

    type: str
    declared_format: str
    name: str
    resources: str
    logical_id: str
    resource_type: str
    physical_id: str
    logical_id_tag: str = ""
    name_tag: str = ""


@dataclass(frozen=True)
class DriftFix:
    format: str
    command: str
    description: str


@dataclass(frozen=True)
class ProviderIdentity:
    provider: str
    format: str  # of its live resources
    cli_format: str  # of its ``cli:`` fixes
    tag_keys: tuple[str, ...]
    name_tag: str | None
    deployment: Deployment | None
    drift_fixes: Mapping[str, Mapping[str, DriftFix]]  # kind (missing, forget, delete, adopt) -> format -> fix
    types: Mapping[str, Identity]
    # fact -> the transform that picks the entries of a map fact to compare (a file writes a few settings, a
    # server reports them all, in units of its own): (declared entries, live entries) that differ
    compare: Mapping[str, str] = field(default_factory=dict)
    # live type -> kinds of the checks (or check functions) that consult resources of that type while judging another
    # resource (a workload's NetworkPolicy): where the type could not be collected, those checks are unknown on the
    # others
    consulted: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # fact -> the live fact listing its entries changed but applied only at a restart (pg_settings pending_restart)
    pending: Mapping[str, str] = field(default_factory=dict)

    def drift_fix(self, kind: str, declared_format: str | None) -> DriftFix | None:
        """The ``kind`` fix for a declaration of ``declared_format`` (its own entry, else ``*``)."""
        entries = self.drift_fixes.get(kind, {})
        return entries.get(declared_format or "*") or entries.get("*")


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


def _provider(section: Mapping[str, Any]) -> ProviderIdentity:
    name = str(section["provider"])
    types = {str(rtype): Identity(name, str(rtype), _strings(entry.get("keys")), str(entry.get("cli") or ""),
                                  {str(f): _strings(v) for f, v in (entry.get("names") or {}).items()},
                                  {str(f): _strings(v) for f, v in (entry.get("declared") or {}).items()},
                                  bool(entry.get("sole", False)), _strings(entry.get("layers")))
             for rtype, entry in (section.get("types") or {}).items()}
    raw = section.get("deployment")
    deployment = Deployment(**{k: str(v) for k, v in raw.items()}) if raw else None
    fixes = {str(kind): {str(fmt): DriftFix(str(e["format"]), str(e["command"]), str(e.get("description", "")))
                         for fmt, e in (by_format or {}).items()}
             for kind, by_format in (section.get("drift_fixes") or {}).items()}
    return ProviderIdentity(name, str(section.get("format") or f"{name}-api"),
                            str(section.get("cli_format") or f"{name}-cli"),
                            _strings(section.get("tags")) or ("tags",), section.get("name_tag"), deployment, fixes,
                            types, {str(k): str(v) for k, v in (section.get("compare") or {}).items()},
                            {str(k): frozenset(_strings(v)) for k, v in (section.get("consulted") or {}).items()},
                            {str(k): str(v) for k, v in (section.get("pending") or {}).items()})


@cache
def providers() -> Mapping[str, ProviderIdentity]:
    """Provider name -> its identity section, from every table that has one (a provider once only)."""
    out: dict[str, ProviderIdentity] = {}
    for data in documents():
        section = data.get("identity")
        if section:
            found = _provider(section)
            if found.provider in out:
                raise ValueError(f"two mapping tables declare the identity of provider {found.provider!r}")
            out[found.provider] = found
    return out


@cache
def _by_type() -> dict[str, Identity]:
    return {rtype: ident for p in providers().values() for rtype, ident in p.types.items()}


@cache
def _declared_to_live() -> dict[tuple[str, str, str], str]:
    """(provider, declared format, declared type) -> live type."""
    return {(ident.provider, fmt, declared): ident.live_type for ident in _by_type().values()
            for fmt, types in ident.declared.items() for declared in types}


class _Identities(Mapping[str, Identity]):
    """Live type -> Identity across providers, read from the tables when first asked."""

    def __getitem__(self, rtype: str) -> Identity:
        return _by_type()[rtype]

    def __iter__(self) -> Iterator[str]:
        return iter(_by_type())

    def __len__(self) -> int:
        return len(_by_type())


IDENTITIES: Mapping[str, Identity] = _Identities()
ADDRESS = "@address"  # in ``names``: the declaration's address, where both sides are addressed alike
# AWS's deployment record (aws_live.yaml ``identity.deployment.type``): resources of it are records, not
# infrastructure; named here for the tests that leave it out of the types they check.
STACK_TYPE = "AWS::CloudFormation::Stack"


def provider_identity(provider: str) -> ProviderIdentity | None:
    return providers().get(provider)


def live_type(declared: Resource, provider: str | None = None) -> str | None:
    """The live type a declared resource is collected as (of ``provider``'s types, when given), or None when
    no collector produces it."""
    found = _by_type().get(declared.type)
    if found is not None and found.provider == declared.provider:
        return declared.type if provider in (None, found.provider) else None
    if provider is not None and provider != declared.provider:
        return None
    return _declared_to_live().get((declared.provider, declared.format, declared.type))


def identifiers(resource: Resource) -> set[str]:
    """Every name the live resource answers to (case-folded: RDS and S3 names are lower case anyway)."""
    ident = _by_type().get(resource.type)
    keys = ident.live_keys if ident else ()
    found = {str(resource.attributes.get(k)).casefold() for k in keys if resource.attributes.get(k)}
    return found | {resource.address.casefold()}


def cli_id(resource: Resource) -> str:
    """The identifier the provider's CLI takes for the live resource (its address when the table names none)."""
    ident = _by_type().get(resource.type)
    if ident and "{" in ident.cli_key:  # a template of attribute paths ("{metadata.name} -n {metadata.namespace}")
        return _CLI_SLOT.sub(lambda m: _attribute(resource, m.group(1)), ident.cli_key)
    value = resource.attributes.get(ident.cli_key) if ident and ident.cli_key else None
    return str(value) if value else resource.address


_CLI_SLOT = lazy_compile(r"\{([\w.-]+)\}")


def _attribute(resource: Resource, path: str) -> str:
    value = lookup(resource.attributes, tuple(path.split(".")))
    return "" if value is MISSING or value is None else str(value)


def declared_name(declared: Resource) -> str | None:
    """The name the IaC gives the resource (DBClusterIdentifier, bucket, ...), when written literally."""
    ident = _by_type().get(live_type(declared) or "")
    if ident is None:
        return None
    for key in ident.names.get(declared.format, ()):
        # "@address": the declaration's address is the live one's (a manifest's namespace/Kind/name)
        value = declared.address if key == ADDRESS else declared.attributes.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def declaring_type(live_type_name: str, declared_format: str | None) -> str | None:
    """The first type that declares ``live_type_name`` in ``declared_format`` (None when the table has none)."""
    ident = _by_type().get(live_type_name)
    types = ident.declared.get(declared_format or "", ()) if ident else ()
    return types[0] if types else None


def comparer(provider: str, fact: str) -> str | None:
    """The transform that picks the entries of ``fact`` to compare between a declaration and ``provider``'s live
    resource (``identity.compare``), or None: the fact compares whole."""
    table = providers().get(provider)
    return table.compare.get(fact) if table is not None else None


def pending_entries(live: Resource, fact: str) -> tuple[str, ...]:
    """The entries of ``fact`` the live resource changed but applies only at its next restart (``identity.pending``
    names the live fact that lists them); none when its provider has no such fact."""
    table = providers().get(live.provider)
    listed = live.facts.get(table.pending.get(fact, "")) if table is not None else None
    return tuple(str(n) for n in listed) if isinstance(listed, (list, tuple)) else ()


def sole(live_type_name: str) -> bool:
    """Whether a declaration that names nothing pairs with the only live resource of ``live_type_name``."""
    found = _by_type().get(live_type_name)
    return found is not None and found.sole


def layer(live_type_name: str, declared_type: str) -> bool:
    """Whether declarations of ``declared_type`` each write part of a ``live_type_name`` (``layers``): they pair
    with the one live resource beside its main declaration, and do not make the pairing ambiguous."""
    found = _by_type().get(live_type_name)
    return found is not None and declared_type in found.layers


def tags(resource: Resource) -> dict[str, Any]:
    """Tags (labels) of a live resource or a declaration, provider tags (``aws:...``) included: a mapping, or
    a ``[{Key, Value}]`` list, under the attribute the provider's table names."""
    table = providers().get(resource.provider)
    keys = table.tag_keys if table else ("Tags", "TagList", "tags", "labels")
    raw = next((resource.attributes[k] for k in keys if k in resource.attributes), None)
    if isinstance(raw, Mapping):
        return dict(raw)
    out: dict[str, Any] = {}
    for tag in raw if isinstance(raw, list) else []:
        if isinstance(tag, Mapping):
            key = tag.get("Key", tag.get("key"))
            if key is not None:
                out[str(key)] = tag.get("Value", tag.get("value"))
    return out
