"""Write a fix from the mapping table: the fact's native path, rendered in the resource's own format."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from scanner.mappings import fact_spec, unit_dimension
from scanner.model import Remediation, Resource, Unresolved
from scanner.units import Quantity, parse_quantity

# The type and name labels at the end of a Terraform address (module.a.aws_db_instance.main,
# aws_s3_bucket.this["logs"]): the instance key is not part of the block's label.
_TF_LABELS = re.compile(r"([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?$")
_TF_LABEL = re.compile(r"[A-Za-z_][\w-]*")


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
        return str(native) if spec.fix_as == "string" else native
    return value


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


def render(resource: Resource, fact: str, value: Any) -> Remediation | None:
    """The snippet that sets ``fact`` to ``value`` on ``resource``; None when the table can't say where."""
    spec = fact_spec(resource, fact)
    if spec is None or spec.write_path is None or "*" in spec.write_path:
        return None
    native = native_value(resource, fact, value)
    rtype, address, name, path = _target(resource, spec.write_path)
    if path and path[-1] == "0":  # the first item of a list (InstanceTypes.0): write a one-item list
        path, native = path[:-1], [native]
    if any(isinstance(p, str) and p.isdigit() for p in path):
        return None  # a later list item: no fragment says "the third" unambiguously
    shown = ".".join(f"[{p.key}={p.name}]" if isinstance(p, _Item) else str(p) for p in path)
    tree = _nest(path, native)
    fmt = resource.format
    if fmt == "terraform":
        # A module instance (module.gke.google_container_node_pool.api) is fixed in the module's block,
        # or through the call's input that sets the value.
        tf_type, tf_name = terraform_labels(address)
        lines = [f'resource "{tf_type}" "{tf_name}" {{']
        _hcl_block(lines, path, native, "  ")
        lines.append("}")
        where = (f"{address} (in the module's source, or through the module call's input that sets it)"
                 if address.startswith("module.") else address)
        return Remediation("terraform", "\n".join(lines), f"set {shown} in {where}")
    if fmt == "cloudformation":
        import yaml

        cfn = {address: {"Properties": tree}}
        return Remediation("cloudformation", yaml.safe_dump(cfn, sort_keys=False).rstrip(),
                           f"set Properties.{shown} on {address}")
    if fmt == "arm":
        body: dict[str, Any] = {"type": rtype, "name": name}
        body.update(tree)
        return Remediation("arm", json.dumps(body, indent=2), f"set {shown} in the ARM resource")
    if fmt == "kubernetes":
        namespace = resource.facts.get("namespace")
        ns = f" -n {namespace}" if namespace else ""
        k8s_name = resource.facts.get("name") or resource.address.rsplit("/", 1)[-1]
        patch = json.dumps(tree, separators=(",", ":"))
        kind = "merge" if not any(isinstance(p, _Item) for p in path) else "strategic"
        return Remediation("kubernetes",
                           f"kubectl patch {resource.type.lower()} {k8s_name}{ns} --type {kind} -p '{patch}'",
                           f"set {shown} (and the same in the manifest)")
    return None


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
