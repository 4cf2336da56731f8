"""Write a fix from the mapping table: the fact's native path, rendered in the resource's own format."""

from __future__ import annotations

import json
from typing import Any

import yaml

from scanner.mappings import fact_spec, unit_dimension
from scanner.model import Remediation, Resource
from scanner.units import Quantity, parse_quantity


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


def render(resource: Resource, fact: str, value: Any) -> Remediation | None:
    """The snippet that sets ``fact`` to ``value`` on ``resource``; None when the table can't say where."""
    spec = fact_spec(resource, fact)
    if spec is None or spec.write_path is None or "*" in spec.write_path:
        return None
    path = list(spec.write_path)
    native = native_value(resource, fact, value)
    tree: Any = native
    for part in reversed(path):
        tree = {part: tree}
    fmt = resource.format
    if fmt == "terraform":
        rtype, name = resource.address.split(".", 1)
        lines = [f'resource "{rtype}" "{name}" {{']
        indent = "  "
        for part in path[:-1]:
            lines.append(f"{indent}{part} {{")
            indent += "  "
        lines.append(f"{indent}{path[-1]} = {_hcl(native)}")
        for _ in path[:-1]:
            indent = indent[:-2]
            lines.append(f"{indent}}}")
        lines.append("}")
        return Remediation("terraform", "\n".join(lines), f"set {'.'.join(path)} in {resource.address}")
    if fmt == "cloudformation":
        cfn = {resource.address: {"Properties": tree}}
        return Remediation("cloudformation", yaml.safe_dump(cfn, sort_keys=False).rstrip(),
                           f"set Properties.{'.'.join(path)} on {resource.address}")
    if fmt == "arm":
        body: dict[str, Any] = {"type": resource.type, "name": resource.attributes.get("name", resource.address)}
        body.update(tree)
        return Remediation("arm", json.dumps(body, indent=2), f"set {'.'.join(path)} in the ARM resource")
    if fmt == "kubernetes":
        namespace = resource.facts.get("namespace")
        ns = f" -n {namespace}" if namespace else ""
        name = resource.facts.get("name") or resource.address.rsplit("/", 1)[-1]
        patch = json.dumps(tree, separators=(",", ":"))
        return Remediation("kubernetes", f"kubectl patch {resource.type.lower()} {name}{ns} --type merge -p '{patch}'",
                           f"set {'.'.join(path)} (and the same in the manifest)")
    return None
