"""Terraform state (``terraform.tfstate``) or ``terraform show -json`` output: address -> live IDs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scanner.collectors.snapshot import read_json

# State attributes that hold what a live resource answers to (id, ARN, the name it was given).
_ID_KEYS = ("id", "arn", "identifier", "cluster_identifier", "replication_group_id", "bucket", "name")


class StateError(ValueError):
    """A state or plan file that cannot be read (a tool error, exit 2)."""


def _show_json_resources(module: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in module.get("resources") or []:
        if item.get("mode", "managed") == "managed":
            yield str(item.get("address", "")), item.get("values") or {}
    for child in module.get("child_modules") or []:
        yield from _show_json_resources(child)


def _state_resources(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in data.get("resources") or []:
        if item.get("mode") != "managed":
            continue
        prefix = f"{item['module']}." if item.get("module") else ""
        base = f"{prefix}{item.get('type')}.{item.get('name')}"
        for instance in item.get("instances") or []:
            key = instance.get("index_key")
            address = base if key is None else f"{base}[{json.dumps(key)}]"
            yield address, instance.get("attributes") or {}


def load_ids(path: str | Path) -> dict[str, set[str]]:
    """Each managed resource address (module path and index included) -> the IDs its instance has live."""
    data = read_json(path, StateError)
    if not isinstance(data, dict):
        raise StateError(f"{path}: not a Terraform state or plan")
    if "values" in data or "prior_state" in data:  # terraform show -json (state or plan)
        values = data.get("values") or (data.get("prior_state") or {}).get("values") or {}
        items = _show_json_resources(values.get("root_module") or {})
    elif "resources" in data:
        items = _state_resources(data)
    else:
        raise StateError(f"{path}: not a Terraform state or plan (no resources, values or prior_state)")
    out: dict[str, set[str]] = {}
    for address, attrs in items:
        ids = {str(attrs[k]).casefold() for k in _ID_KEYS if isinstance(attrs.get(k), (str, int)) and attrs.get(k)}
        if ids:
            out.setdefault(address, set()).update(ids)
    return out


def ids_for(state: dict[str, set[str]], address: str) -> list[set[str]]:
    """IDs of every instance of ``address`` (``type.name``), in any module, with any count/for_each key."""
    found = []
    for candidate, ids in state.items():
        bare = candidate.split("[", 1)[0]
        if bare == address or bare.endswith(f".{address}"):
            found.append(ids)
    return found
