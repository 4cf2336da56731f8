"""Every fix, from the mapping tables: the one remediation path of specdrift.

A fix makes a fact of a resource what a requirement wants. How to write that in the resource's own
syntax is data, read here from the tables of this package:

- ``fixes:`` sections, per native type or format and fact: a template (placeholders: the resource as
  written ``{name} {address} {type} {type_lower} {namespace} {item}``, the failed check's
  ``{observed} {expected} {value}``, the wanted values a policy names ``{value:FACT}``, and the
  resource's own facts ``{fact:FACT}``), or ``{writer: NAME, ...}`` naming one of ``WRITERS`` below;
  the key ``create`` of a type says how to declare one that is missing.
- ``cli:`` (``<provider>_live.yaml``): per live type and fact, the CLI call that sets it (``cli_fix``;
  placeholders ``{id}``, ``{attr:KEY}``, ``{value}`` and ``{value_as:FORM}`` of ``VALUE_FORMS``).
- a fact's ``path`` (or ``fix: {path}``): where the generic per-format writers (``render``) put it.

Policies and check functions name facts and wanted values only. What cannot be a template is in
``WRITERS``, each with the reason it is code (``WHY_CODE``); the facts policies check but no table
can fix are in ``UNFIXABLE``, each with its reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from scanner.mappings import documents, fact_spec, unit_dimension
from scanner.model import Remediation, Resource, Unresolved
from scanner.regex import lazy_compile
from scanner.units import Quantity, parse_quantity

# The type and name labels at the end of a Terraform address (module.a.aws_db_instance.main,
# aws_s3_bucket.this["logs"]): the instance key is not part of the block's label.
_TF_LABELS = lazy_compile(r"([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?$")
_TF_LABEL = lazy_compile(r"[A-Za-z_][\w-]*")


@lru_cache(maxsize=1024)  # asked two or three times per violation of the same resource (its label, its fix's block)
def terraform_labels(address: str) -> tuple[str, str]:
    """(type, name) labels of the ``resource`` block a Terraform address names."""
    # The common shapes by splitting (the search below retries at every position of a long module address:
    # about 15 us each, once per violation); anything else, by that search.
    base = address
    if address.endswith("]"):
        at = address.rfind("[")
        base = address[:at] if at >= 0 and "]" not in address[at + 1:-1] else "["
    if "[" not in base and "]" not in base:
        head, _, name = base.rpartition(".")
        rtype = head.rpartition(".")[2]
        if head and _TF_LABEL.fullmatch(rtype) and _TF_LABEL.fullmatch(name):
            return rtype, name
    match = _TF_LABELS.search(address)
    if match is None:
        return address, address
    return match.group(1), match.group(2)


def written(value: Any) -> str:
    """A name as the file writes it: an unresolved template expression stays that expression."""
    return value.expression if isinstance(value, Unresolved) else str(value)


def label(resource: Resource) -> str:
    """The name a fix refers to the resource by, as written: the Terraform block label
    (``aws_db_instance.main`` -> ``main``), the CloudFormation logical ID, the ARM ``name``
    (an expression stays an expression), the Kubernetes ``metadata.name``."""
    if resource.format == "terraform":
        return terraform_labels(resource.address)[1]
    if resource.format == "cloudformation":
        return resource.address
    if resource.format == "arm":
        return written(resource.attributes.get("name", resource.address.rsplit("/", 1)[-1]))
    name = resource.facts.get("name")
    return written(name) if name not in (None, "") else resource.address.rsplit("/", 1)[-1].rsplit(".", 1)[-1]


def native_value(resource: Resource, fact: str, value: Any) -> Any:
    spec = fact_spec(resource, fact)
    if isinstance(value, str) and spec is not None and spec.unit:
        value = parse_quantity(value, unit_dimension(spec.unit)) or value
    if isinstance(value, Quantity) and spec is not None and spec.unit:
        number = value.in_unit(spec.unit if spec.unit.lower() != "cpu" else "")
        return int(number) if float(number).is_integer() else number
    if spec is not None:
        if spec.transform == "not" and isinstance(value, bool):  # the native attribute says the opposite
            return not value
        native = spec.to_native(value)
        if spec.fix_keys and isinstance(native, list):
            native = [{spec.fix_keys.get(k, k): v for k, v in item.items()} if isinstance(item, dict) else item
                      for item in native]
        if spec.fix_as == "number":
            digits = _DIGITS.search(str(native))
            return int(digits.group()) if digits else native
        return str(native) if spec.fix_as == "string" else native
    return value


_DIGITS = lazy_compile(r"\d+")


def _hcl(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    return json.dumps(str(value))


@dataclass(frozen=True)
class _Item:
    """A list element named by one of its keys (``node_pool`` named "api", an agent pool profile)."""

    key: str
    name: str


def _nest(path: list[Any], value: Any) -> Any:
    tree: Any = value
    for part in reversed(path):
        tree = [{part.key: part.name, **tree}] if isinstance(part, _Item) else {part: tree}
    return tree


def _hcl_block(lines: list[str], path: list[Any], value: Any, indent: str) -> None:
    if not path:
        return
    part, rest = path[0], path[1:]
    if isinstance(part, _Item):
        lines.append(f"{indent}{part.key} = {_hcl(part.name)}")
        _hcl_block(lines, rest, value, indent)
        return
    if not rest:
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:  # a list of objects is a repeated nested block in HCL
                lines.append(f"{indent}{part} {{")
                lines.extend(f"{indent}  {k} = {_hcl(v)}" for k, v in item.items())
                lines.append(f"{indent}}}")
            return
        lines.append(f"{indent}{part} = {_hcl(value)}")
        return
    if isinstance(rest[0], _Item):
        lines.append(f"{indent}{part} {{")
        _hcl_block(lines, rest, value, indent + "  ")
        lines.append(f"{indent}}}")
        return
    lines.append(f"{indent}{part} {{")
    _hcl_block(lines, rest, value, indent + "  ")
    lines.append(f"{indent}}}")


def _target(resource: Resource, write_path: tuple[str, ...]) -> tuple[str, str, Any, list[Any]]:
    """(type, address, name attribute, full path) of the block to write: the parent's for a child resource."""
    parent = resource.facts.get("parent")
    if not isinstance(parent, dict):
        return resource.type, resource.address, label(resource), list(write_path)
    inner = list(write_path)
    if parent.get("wrap") and inner and inner[0] == parent["wrap"]:
        inner = inner[1:]
    path: list[Any] = [*str(parent["path"]).split("."), _Item(parent["key"], parent["name"]), *inner]
    address = str(parent["address"])
    name = address[len(parent["type"]) + 1:] if address.startswith(f"{parent['type']}/") else address
    return str(parent["type"]), address, name, path


@dataclass(frozen=True)
class _Place:
    """Where a generic fix goes: the block's type, address and name, the path in it, and the value."""

    type: str
    address: str
    name: Any
    path: list[Any]
    native: Any
    shown: str


def _terraform_block(resource: Resource, at: _Place) -> Remediation:
    # A module instance (module.gke.google_container_node_pool.api) is fixed in the module's block,
    # or through the call's input that sets the value.
    tf_type, tf_name = terraform_labels(at.address)
    lines = [f'resource "{tf_type}" "{tf_name}" {{']
    _hcl_block(lines, at.path, at.native, "  ")
    lines.append("}")
    where = (f"{at.address} (in the module's source, or through the module call's input that sets it)"
             if at.address.startswith("module.") else at.address)
    return Remediation("terraform", "\n".join(lines), f"set {at.shown} in {where}")


def _cloudformation_property(resource: Resource, at: _Place) -> Remediation:
    import yaml

    cfn = {at.address: {"Properties": _nest(at.path, at.native)}}
    return Remediation("cloudformation", yaml.safe_dump(cfn, sort_keys=False).rstrip(),
                       f"set Properties.{at.shown} on {at.address}")


def _arm_property(resource: Resource, at: _Place) -> Remediation:
    body: dict[str, Any] = {"type": at.type, "name": at.name}
    body.update(_nest(at.path, at.native))
    return Remediation("arm", json.dumps(body, indent=2), f"set {at.shown} in the ARM resource")


def _kubernetes_patch(resource: Resource, at: _Place) -> Remediation:
    namespace = resource.facts.get("namespace")
    ns = f" -n {namespace}" if namespace else ""
    k8s_name = resource.facts.get("name") or resource.address.rsplit("/", 1)[-1]
    patch = json.dumps(_nest(at.path, at.native), separators=(",", ":"))
    kind = "merge" if not any(isinstance(p, _Item) for p in at.path) else "strategic"
    return Remediation("kubernetes", f"kubectl patch {resource.type.lower()} {k8s_name}{ns} --type {kind} -p '{patch}'",
                       f"set {at.shown} (and the same in the manifest)")


def words(value: Any) -> str:
    """A value as the words of a configuration line (redis.conf ``save 900 1 300 10``, ``bind 10.0.0.1 ::1``):
    a list's items, nested lists flattened, separated by spaces."""
    if isinstance(value, (list, tuple)):
        return " ".join(words(v) for v in value)
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _directive_line(resource: Resource, at: _Place) -> Remediation:
    """``directive value``: a line of a file of such lines (redis.conf), where the last one wins."""
    where = resource.origin.file or resource.address
    return Remediation(resource.format, f"{at.path[-1]} {words(at.native)}", f"set {at.shown} in {where}")


# The generic writers: a fact's native path (from its table entry) and value, in each format's syntax.
FORMAT_WRITERS: dict[str, Callable[[Resource, _Place], Remediation]] = {
    "terraform": _terraform_block,
    "cloudformation": _cloudformation_property,
    "arm": _arm_property,
    "kubernetes": _kubernetes_patch,
    "redis_conf": _directive_line,
}


def render(resource: Resource, fact: str, value: Any) -> Remediation | None:
    """The snippet that sets ``fact`` to ``value`` on ``resource`` at the fact's native path; None when the
    table can't say where, or the format has no generic writer."""
    spec = fact_spec(resource, fact)
    if spec is None or spec.write_path is None or "*" in spec.write_path:
        return None
    native = native_value(resource, fact, value)
    rtype, address, name, path = _target(resource, spec.write_path)
    if path and path[-1] == "0":  # the first item of a list (InstanceTypes.0): write a one-item list
        path, native = path[:-1], [native]
    if any(isinstance(p, str) and p.isdigit() for p in path):
        return None  # a later list item: no fragment says "the third" unambiguously
    writer = FORMAT_WRITERS.get(resource.format)
    if writer is None:
        return None
    shown = ".".join(f"[{p.key}={p.name}]" if isinstance(p, _Item) else str(p) for p in path)
    return writer(resource, _Place(rtype, address, name, path, native, shown))


def _deep_merge(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value
    return into


def combine(fixes: list[Remediation]) -> Remediation | None:
    """Several fixes of one resource as one snippet in its format (the parts of a compound requirement):
    Terraform bodies inside one ``resource`` block, CloudFormation / ARM documents merged key by key."""
    unique = list(dict.fromkeys(fixes))
    if len(unique) <= 1:
        return unique[0] if unique else None
    description = "; ".join(dict.fromkeys(f.description for f in unique if f.description))
    formats = {f.format for f in unique}
    fmt = formats.pop() if len(formats) == 1 else "text"
    snippets = [f.snippet for f in unique]
    if fmt == "terraform":
        heads = {s.split("\n", 1)[0] for s in snippets}
        if len(heads) == 1 and all(s.rstrip().endswith("}") and "\n" in s for s in snippets):
            bodies = [s.rstrip()[:-1].split("\n", 1)[1].rstrip("\n") for s in snippets]
            return Remediation(fmt, "\n".join([heads.pop(), *bodies, "}"]), description)
    elif fmt in ("cloudformation", "arm"):
        import yaml

        try:
            documents = [yaml.safe_load(s) if fmt == "cloudformation" else json.loads(s) for s in snippets]
        except (yaml.YAMLError, ValueError):
            documents = []
        if documents and all(isinstance(d, dict) for d in documents):
            merged: dict[str, Any] = {}
            for document in documents:
                _deep_merge(merged, document)
            text = (yaml.safe_dump(merged, sort_keys=False).rstrip() if fmt == "cloudformation"
                    else json.dumps(merged, indent=2))
            return Remediation(fmt, text, description)
    return Remediation(fmt, "\n".join(snippets), description)


# ---- fixes from the tables' ``fixes:`` and ``cli:`` sections ------------------------------------------------

@dataclass(frozen=True)
class Create:
    """The wanted value of a check that a resource of ``type`` be declared: the table's ``create`` fix."""

    type: str


def _keyed(section: Any) -> dict[str, dict[str, Any]]:
    """``{type: {fact: entry}}``, entry keys as strings (a YAML ``true:`` is "true", the spelling lookups use)."""
    out: dict[str, dict[str, Any]] = {}
    for key, facts in (section or {}).items():
        out[str(key)] = {str(fact): ({_key(k): v for k, v in entry.items()}
                                     if isinstance(entry, dict) and "writer" not in entry else entry)
                         for fact, entry in (facts or {}).items()}
    return out


def _key(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


@cache
def fix_tables() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(``fixes``: type or format -> fact -> template or writer, ``cli``: live type -> fact -> CLI template),
    merged from every table; two tables that write one (key, fact) differently are an error."""
    merged: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]] = ({}, {})
    for data in documents():
        for into, section in zip(merged, (_keyed(data.get("fixes")), _keyed(data.get("cli"))), strict=True):
            for key, facts in section.items():
                have = into.setdefault(key, {})
                for fact, entry in facts.items():
                    if have.get(fact, entry) != entry:
                        raise ValueError(f"mapping tables disagree on the fix of {fact!r} for {key}")
                    have[fact] = entry
    return merged


def cli_templates() -> dict[str, dict[str, Any]]:
    """Live type -> fact -> the CLI template (or templates keyed by the wanted value) that sets it."""
    return fix_tables()[1]


_SLOT = lazy_compile(r"\{(\w+|value:[^{}\s]+|fact:[^{}\s]+)\}")


def fill_template(template: str, resource: Resource, context: Mapping[str, Any],
                  wanted: Mapping[str, Any]) -> str:
    """``template`` with its placeholders filled (see the module's docstring); unknown ones stay as written."""
    def slot(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("value:"):
            return str(wanted[name[6:]]) if name[6:] in wanted else match.group(0)
        if name.startswith("fact:"):
            return str(resource.facts.get(name[5:])) if name[5:] in resource.facts else match.group(0)
        return str(context[name]) if name in context else match.group(0)

    return _SLOT.sub(slot, template) if "{" in template else template


Writer = Callable[[Mapping[str, Any], Resource, Any, Mapping[str, Any], Mapping[str, Any]], "str | None"]


def _lines(entry: Mapping[str, Any], resource: Resource, value: Any, context: Mapping[str, Any],
           wanted: Mapping[str, Any]) -> str | None:
    items = value if isinstance(value, (list, tuple)) else [value]
    return "\n".join(fill_template(entry["item"], resource, {**context, "item": item}, wanted) for item in items)


def _dockerfile_from(entry: Mapping[str, Any], resource: Resource, value: Any, context: Mapping[str, Any],
                     wanted: Mapping[str, Any]) -> str | None:
    stage = resource.facts.get("stage_name")
    return f"FROM {value}" + (f" AS {stage}" if isinstance(stage, str) else "")


def _guide_spelling(value: Any) -> str:
    """A value as SQL and postgresql.conf write it: numbers and booleans bare, anything else quoted."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _server(resource: Resource) -> dict[str, str]:
    """The server a configuration resource belongs to, as the file refers to it (``server_id`` as written;
    the ARM name's server part), so its fix is valid where it is pasted."""
    server_id = resource.attributes.get("server_id")
    own_name = resource.address[len(resource.type) + 1:] if resource.address.startswith(f"{resource.type}/") \
        else label(resource)
    return {"server_id": written(server_id) if server_id is not None else "var.server_id",
            "server": own_name.rsplit("/", 1)[0] if "/" in own_name else own_name}


def _settings(entry: Mapping[str, Any], resource: Resource, value: Any, context: Mapping[str, Any],
              wanted: Mapping[str, Any]) -> str | None:
    """PostgreSQL settings, one ``item`` each between ``header`` and ``footer``, valued in the source's units."""
    from scanner.mappings.postgresql import native_number

    booleans = entry.get("booleans", ["on", "off"])
    values = {"address": resource.address, "type": resource.type, "name": label(resource), **_server(resource)}
    items = []
    for setting, required in (value.items() if isinstance(value, Mapping) else value):
        if entry.get("values") == "guide":
            shown = _guide_spelling(required)
        elif isinstance(required, bool):
            shown = booleans[0] if required else booleans[1]
        else:
            shown = native_number(setting, required)
        item = entry["item"]
        for key, text in {**values, "setting": setting, "value": shown}.items():
            item = item.replace("{" + key + "}", str(text))
        items.append(item)
    parts = [entry.get("header", ""), *items, entry.get("footer", ""), _restart(entry, resource, value)]
    text = "\n".join(p for p in parts if p)
    for key, shown in values.items():
        text = text.replace("{" + key + "}", str(shown))
    return text


def _restart(entry: Mapping[str, Any], resource: Resource, value: Any) -> str:
    """The entry's ``restart`` line naming the settings set that a running server applies only at a restart
    (pg_settings context ``postmaster``); empty when none is, or the resource is not a running server."""
    running = resource.attributes.get("settings")
    if not entry.get("restart") or not isinstance(running, Mapping):
        return ""
    names = [name for name, _ in (value.items() if isinstance(value, Mapping) else value)]
    restart = [n for n in names if isinstance(running.get(n), Mapping) and running[n].get("context") == "postmaster"]
    return str(entry["restart"]).replace("{settings}", ", ".join(restart)) if restart else ""


def _parameter_family(entry: Mapping[str, Any], resource: Resource, value: Any, context: Mapping[str, Any],
                      wanted: Mapping[str, Any]) -> str | None:
    """The entry's ``template`` with ``{family}``: the parameter group family of the resource's engine and
    major version (``postgres14``, ``aurora-postgresql13``), as RDS names them."""
    engine, major = resource.facts.get("engine"), resource.facts.get("engine_major_version")
    shown = f"{major:g}" if isinstance(major, (int, float)) and not isinstance(major, bool) else "<major version>"
    family = (engine if isinstance(engine, str) else "<engine>") + shown
    return fill_template(entry["template"], resource, {**context, "family": family}, wanted)


# Writers a table entry may name (``{writer: NAME}``): the fixes a template cannot say.
WRITERS: dict[str, Writer] = {"lines": _lines, "settings": _settings, "dockerfile_from": _dockerfile_from,
                              "parameter_family": _parameter_family}
WHY_CODE = {
    "lines": "one line per item of a list value (redis.conf save points, CREATE INDEX per missing index): a "
             "template has no loop",
    "settings": "PostgreSQL settings: each value converted to the setting's base unit (native_number, from the "
                "settings table) or the guide's spelling, booleans as the service spells them, the "
                "server a configuration belongs to read from the resource, and a restart named only for the "
                "settings a running server applies at a restart (its pg_settings context)",
    "dockerfile_from": "the stage's AS clause is written only when the stage is named: a template has no "
                       "condition",
    "parameter_family": "a parameter group's family joins the engine and its major version (postgres14, "
                        "aurora-postgresql13), with no separator and the major number written without a "
                        "decimal from version 10: a template places facts as they are",
}

# Facts policies check that no table can fix, and why: their findings carry the policy's description as a text
# fix. Fact -> native type (or "*", every type) -> reason.
_SIZE = ("a size is a choice among the provider's machine types, counts and tiers: the guide sets a floor, not one "
         "value to write")
_DESIGN = "the fix is a design change (new resources and their wiring), not one attribute: the description says it"
_DERIVED = "the fact is derived from several resources or attributes, so no single native value writes it back"
UNFIXABLE: dict[str, dict[str, str]] = {
    **{fact: {"*": _SIZE} for fact in ("vcpu", "machine_type", "disk_size", "disk_type", "network_gbps", "count",
                                       "instances", "replicas")},
    "hpa_min_replicas": {"*": "scaling lives in a HorizontalPodAutoscaler, another resource: the description "
                              "names it"},
    "cpu_utilization": {"HorizontalPodAutoscaler": "an autoscaling/v2 metric is a list item matched by name: no "
                                                   "patch path says which"},
    "target": {"HorizontalPodAutoscaler": "the HPA must target another workload: a choice only its author can make"},
    "containers": {"*": "a per-container setting of a workload the guide does not name (probes, security context, "
                        "image policy): the description says what to add"},
    "kind": {"Secret": "a plain Secret becomes a SealedSecret: re-encrypted with the cluster's key, not rewritten"},
    "network_policy": {"*": _DESIGN},
    "rules": {"NetworkPolicy": _DESIGN},
    "schema": {"*": "the manifest fails its Kubernetes schema: the fix is the field the validator names"},
    "default_network": {"*": _DESIGN},
    "address_space": {"*": "the address plan is the organisation's: the guide gives a range only for its own VPC"},
    "backup_copy": {"aws_rds_cluster": "Aurora has no automated cross-region backup copy: AWS Backup copy rules "
                                       "(another resource) do it",
                    "AWS::RDS::DBCluster": "Aurora has no automated cross-region backup copy: AWS Backup copy rules "
                                           "(another resource) do it"},
    "subnet_group": {"*": _DESIGN},
    "private_network": {"*": _DESIGN},
    "delegated_subnet": {"azurerm_redis_cache": _DESIGN},
    "nat": {"azurerm_virtual_network": _DESIGN},
    "listeners": {"*": _DERIVED},
    "cdn": {"*": _DESIGN},
    "cdn_enabled": {"*": _DESIGN},
    "subnets": {"*": "the subnets to spread over are the network's: a list only its author knows"},
    "ingress_rules": {"*": "a rule open to the internet is narrowed to the sources that need it: only its author "
                           "knows them"},
    "launch_type": {"*": "moving a service to Fargate or a capacity provider changes its task definition and "
                         "networking too"},
    "shown": {"*": "a secret in a format without a secret reference syntax: the description says to move it"},
    "certificate": {"*": "a certificate is issued for the domain: only its ARN from ACM can be written"},
    "redirects_to_https": {"*": _DESIGN},
}


def unfixable(resource_type: str, fact: str) -> str | None:
    """Why no table fixes ``fact`` on ``resource_type`` (None when a table should)."""
    reasons = UNFIXABLE.get(fact, {})
    return reasons.get(resource_type) or reasons.get("*")


def table_fix(resource: Resource, facts: Sequence[str], context: Mapping[str, Any],
              wanted: Mapping[str, Any], value: Any = None) -> str | None:
    """The first of ``facts`` the tables can fix on ``resource`` (by its type, then its format), rendered; a
    ``Create`` value asks for the table's ``create`` entry of the missing type."""
    fixes = fix_tables()[0]
    if isinstance(value, Create):
        keys: tuple[str, ...] = (value.type,)
        facts = ("create",)
    else:
        keys = (resource.type, resource.format)
    for fact in facts:
        for key in keys:
            entry = fixes.get(key, {}).get(fact)
            if entry is None:
                continue
            if isinstance(entry, str):
                return fill_template(entry, resource, context, wanted)
            return WRITERS[entry["writer"]](entry, resource, value, context, wanted)
    return None


def table_writes(resource: Resource, fact: str) -> bool:
    """Whether a ``fixes:`` writer (not a template) of the tables writes ``fact`` on ``resource``: it takes the
    value itself (settings, lines), so a drifted value can be written back."""
    fixes = fix_tables()[0]
    entry = fixes.get(resource.type, {}).get(fact) or fixes.get(resource.format, {}).get(fact)
    return isinstance(entry, dict) and "writer" in entry


def _strategy(value: Any) -> list[dict[str, Any]]:
    """Capacity provider strategy items in the CLI's terms, from the fact's shape (``provider``) or a
    template's (``CapacityProvider`` / ``capacity_provider``)."""
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            lowered = {str(k).lower().replace("_", ""): v for k, v in item.items()}
            out.append({"capacityProvider": lowered.get("provider", lowered.get("capacityprovider")),
                        "weight": lowered.get("weight", 0) or 0, "base": lowered.get("base", 0) or 0})
    return out


def _shorthand(items: list[dict[str, Any]]) -> str:
    return " ".join(",".join(f"{k}={v}" for k, v in item.items()) for item in items)


def _source_ranges(native: Any) -> str:
    """A GCP firewall rule's wanted source ranges, comma-separated, from the fact's list of rules."""
    if not isinstance(native, list):
        return str(native)
    return ",".join(dict.fromkeys(str(s) for rule in native if isinstance(rule, Mapping)
                                  for s in rule.get("sources") or []))


# ``{value_as:FORM}`` in a ``cli:`` template: the wanted value (in the API's unit) spelled as a command line wants it.
VALUE_FORMS: dict[str, Callable[[Any], str]] = {
    "json": lambda native: json.dumps(native, separators=(",", ":")),
    "words": words,
    "capacity_providers": lambda native: " ".join(str(i["capacityProvider"]) for i in _strategy(native)),
    "capacity_strategy": lambda native: _shorthand(_strategy(native)),
    "source_ranges": _source_ranges,
}


def cli_fix(live: Resource, fact: str, value: Any, resource_id: str) -> str | None:
    """The cloud CLI call (``cli:`` of the live table) that sets ``fact`` to ``value`` on the live resource;
    None when the table has none. ``resource_id``: the identifier the CLI takes."""
    template: Any = cli_templates().get(live.type, {}).get(fact)
    if isinstance(template, dict) and "writer" in template:  # a statement per item (ALTER SYSTEM per setting)
        return WRITERS[template["writer"]](template, live, value, {"id": resource_id}, {})
    native = native_value(live, fact, value)
    if isinstance(template, dict):  # keyed by the wanted fact value (true/false), else by its native spelling
        template = template.get(_key(value)) if isinstance(value, bool) else template.get(_key(native))
    if not isinstance(template, str):
        return None
    snippet = _ATTR_SLOT.sub(lambda m: str(live.attributes.get(m.group(1), m.group(0))), template)
    snippet = _VALUE_SLOT.sub(lambda m: VALUE_FORMS[m.group(1)](native), snippet)
    snippet = snippet.replace("{id}", resource_id).replace(
        "{value}", str(json.dumps(native) if isinstance(native, bool) else native))
    return " ".join(snippet.split())


_ATTR_SLOT = lazy_compile(r"\{attr:(\w+)\}")  # a live attribute the command needs beside the ID (project, location)
_VALUE_SLOT = lazy_compile(r"\{value_as:(\w+)\}")
