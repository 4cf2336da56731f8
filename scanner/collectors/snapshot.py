"""Live state on disk: collect where the credentials are, evaluate later (in CI) from the file.

The file is versioned JSON (``scanner/schemas/live-snapshot.schema.json``). Resources keep their
native attributes, not facts, so a newer mapping table reads an older snapshot. Credentials are
masked again on the way out, whatever collector made the resources.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.collectors.collection import Collection, Gap
from scanner.masking import mask_fields
from scanner.model import Origin, Resource, Unresolved

SCHEMA_VERSION = "1.0"
KIND = "specdrift-live-snapshot"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "live-snapshot.schema.json"
_UNRESOLVED = "$unresolved"
# A snapshot or state file nested deeper than this is refused: every walk of its values (decoding, masking,
# mapping, comparing) recurses, and real live attributes (policy documents included) stay far below it.
MAX_NESTING = 100


class SnapshotError(ValueError):
    """A snapshot file that cannot be read or does not match the schema (a tool error, exit 2)."""


def _encode(value: Any) -> Any:
    if isinstance(value, Unresolved):
        return {_UNRESOLVED: {"expression": value.expression, "reason": value.reason}}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_UNRESOLVED} and isinstance(value[_UNRESOLVED], dict):
            inner = value[_UNRESOLVED]
            return Unresolved(str(inner.get("expression", "")), str(inner.get("reason", "")))
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def to_dict(collection: Collection) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "tool": {"name": "specdrift", "version": __version__},
        "provider": collection.provider,
        "collected_at": collection.collected_at.isoformat(timespec="seconds"),
        "duration_seconds": round(collection.duration_s, 3),
        "scope": {"account": collection.account, "regions": list(collection.regions),
                  "services": list(collection.services)},
        "stats": collection.stats,
        "resources": [{
            "provider": r.provider, "type": r.type, "address": r.address, "format": r.format,
            "origin": {"account": r.origin.account, "region": r.origin.region, "api": r.origin.api},
            "attributes": _encode(mask_fields(dict(r.attributes))),
        } for r in collection.resources],
        "gaps": [{"provider": g.provider, "service": g.service, "api": g.api, "reason": g.reason,
                  "region": g.region, "types": list(g.types), "code": g.code} for g in collection.gaps],
    }


def dumps(collection: Collection) -> str:
    return json.dumps(to_dict(collection), indent=1, sort_keys=False, default=str) + "\n"


@cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def from_dict(data: Any, where: str = "snapshot") -> Collection:
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = "/".join(str(p) for p in first.absolute_path) or "(top)"
        raise SnapshotError(f"{where}: not a specdrift live snapshot: {location}: {first.message}")
    scope = data["scope"]
    collection = Collection(
        provider=data["provider"], account=scope["account"], regions=tuple(scope["regions"]),
        services=tuple(scope["services"]), collected_at=datetime.fromisoformat(data["collected_at"]),
        duration_s=float(data.get("duration_seconds", 0.0)), stats=dict(data.get("stats") or {}))
    for item in data["resources"]:
        origin = Origin(account=item["origin"].get("account"), region=item["origin"].get("region"),
                        api=item["origin"].get("api"))
        collection.resources.append(Resource(item["provider"], item["type"], item["address"], origin,
                                             _decode(item["attributes"]), format=item["format"], source="live"))
    collection.gaps = [Gap(g["provider"], g["service"], g["api"], g["reason"], g["region"], tuple(g["types"]),
                           g["code"]) for g in data["gaps"]]
    return collection


def read_json(path: str | Path, error: type[ValueError]) -> Any:
    """A JSON file's content; an unreadable or malformed file raises ``error`` with file and line."""
    too_deep = error(f"{path}: values nested more than {MAX_NESTING} deep; not read")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise too_deep from None
    if nesting(data, MAX_NESTING) > MAX_NESTING:
        raise too_deep
    return data


def nesting(value: Any, limit: int) -> int:
    """How deep lists and objects nest in ``value`` (a walk without recursion; it stops past ``limit``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            depth += 1
            if depth > limit:
                return depth
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def load(path: str | Path) -> Collection:
    return from_dict(read_json(path, SnapshotError), str(path))
