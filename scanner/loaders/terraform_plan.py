"""Terraform plan and state JSON (``terraform show -json``), where variables are already resolved.

Resources come out in the same shape as the HCL loader's (provider, type, address such as
``module.db.aws_db_instance.main``, ``format="terraform"``), so the same mapping tables,
policies and fixes apply; attributes come from ``planned_values`` (a plan) or ``values`` (a
state). Nested blocks, which the JSON spells as arrays of objects, become the same block
lists the HCL loader builds. Values the plan only knows after apply are ``Unresolved``,
naming the reference from the plan's configuration (``aws_s3_bucket.b.id``) when it has one;
values marked sensitive are ``Unresolved`` too, so no report can repeat them. Lines come
from the JSON text (a ``terraform show -json`` file is one line; a pretty-printed one is not).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.loaders import loader
from scanner.loaders.base import BlockList, LoadResult, ParseError
from scanner.loaders.documents import json_document
from scanner.loaders.terraform import PROVIDERS
from scanner.model import Origin, Resource, Unresolved
from scanner.regex import lazy_compile

NAME = "terraform-plan"
_SNIFF_VERSION = lazy_compile(r'"format_version"\s*:')
_SNIFF_BODY = lazy_compile(r'"(planned_values|resource_changes|root_module)"\s*:')
_INDEX = lazy_compile(r"\[[^\]]*\]")


@loader("terraform-plan", order=5)
class TerraformPlanLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        return path.suffix.lower() == ".json" and bool(_SNIFF_VERSION.search(head)) \
            and bool(_SNIFF_BODY.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        document, error = json_document(path, text, NAME)
        if error is not None:
            return LoadResult(errors=[error])
        if not isinstance(document, dict) or "format_version" not in document:
            return LoadResult(errors=[ParseError(path, 1, "not Terraform JSON output: no format_version", NAME)])
        root = (document.get("planned_values") or document.get("values") or {}).get("root_module")
        if root is None:
            if document.get("planned_values") is None and document.get("values") is None:
                return LoadResult(errors=[ParseError(path, 1, "neither planned_values nor values: not a plan or a "
                                                              "state", NAME)])
            return LoadResult()  # an empty plan or state
        changes = {c.get("address"): c.get("change") or {} for c in document.get("resource_changes") or []
                   if isinstance(c, dict)}
        references = _references((document.get("configuration") or {}).get("root_module") or {}, "")
        result = LoadResult()
        for item in _resources(root):
            resource = _resource(item, path, changes.get(item.get("address")) or {}, references)
            if resource is not None:
                result.resources.append(resource)
        return result


def _resources(module: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(module, dict):
        return
    for item in module.get("resources") or []:
        if isinstance(item, dict):
            yield item
    for child in module.get("child_modules") or []:
        yield from _resources(child)


def _references(module: dict[str, Any], prefix: str) -> dict[tuple[str, str], str]:
    """(resource address without index, attribute) -> the first reference its expression makes."""
    found: dict[tuple[str, str], str] = {}
    for resource in module.get("resources") or []:
        address = f"{prefix}{resource.get('address', '')}"
        for attribute, expression in (resource.get("expressions") or {}).items():
            refs = expression.get("references") if isinstance(expression, dict) else None
            if refs:
                found[(address, attribute)] = f"{prefix}{refs[0]}"
    for name, call in (module.get("module_calls") or {}).items():
        found.update(_references((call or {}).get("module") or {}, f"{prefix}module.{name}."))
    return found


def _resource(item: dict[str, Any], path: str, change: dict[str, Any],
              references: dict[tuple[str, str], str]) -> Resource | None:
    rtype, address = item.get("type"), item.get("address")
    if not isinstance(rtype, str) or not isinstance(address, str):
        return None
    values = item.get("values")
    attributes = _blocks(values if isinstance(values, dict) else LineDict())
    attributes = _mask_sensitive(attributes, item.get("sensitive_values") or {})
    unknown = change.get("after_unknown") or {}
    config_address = _INDEX.sub("", address)
    for key, is_unknown in unknown.items() if isinstance(unknown, dict) else ():
        if is_unknown is True and key not in attributes:
            reference = references.get((config_address, key))
            attributes[key] = Unresolved(reference or f"{address}.{key}", "known after apply")
    origin = Origin(path, getattr(item, "line", None), getattr(item, "end_line", None))
    if item.get("mode") == "data":
        return Resource("terraform", f"data.{rtype}", address, origin, attributes, format="terraform")
    provider_name = str(item.get("provider_name", ""))
    short = provider_name.rsplit("/", 1)[-1] or rtype.split("_", 1)[0]
    return Resource(PROVIDERS.get(short, short), rtype, address, origin, attributes, format="terraform")


def _blocks(value: Any) -> Any:
    """Arrays of objects become block lists (nested blocks), keeping every line."""
    if isinstance(value, dict):
        out = LineDict((k, _blocks(v)) for k, v in value.items())
        out.line, out.end_line = getattr(value, "line", 0), getattr(value, "end_line", 0)
        out.key_lines = dict(getattr(value, "key_lines", {}))
        return out
    if isinstance(value, list):
        kind = BlockList if value and all(isinstance(v, dict) for v in value) else LineList
        items = kind(_blocks(v) for v in value)
        items.line, items.end_line = getattr(value, "line", 0), getattr(value, "end_line", 0)
        return items
    return value


def _mask_sensitive(value: Any, sensitive: Any) -> Any:
    """Replace every value the plan marks sensitive, so it never leaves this loader."""
    if sensitive is True:
        return Unresolved("(sensitive)", "marked sensitive in the plan")
    if isinstance(value, dict) and isinstance(sensitive, dict):
        for key, marker in sensitive.items():
            if key in value:
                value[key] = _mask_sensitive(value[key], marker)
    elif isinstance(value, list) and isinstance(sensitive, list):
        for index, marker in enumerate(sensitive[: len(value)]):
            value[index] = _mask_sensitive(value[index], marker)
    return value
