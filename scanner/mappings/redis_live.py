"""Transforms of ``redis_live.yaml``: CONFIG GET's one-string values as the facts redis.conf's lines give."""

from __future__ import annotations

from typing import Any

from scanner.mappings import MISSING, lookup, transform
from scanner.mappings.redis import redis_bind_addresses, redis_save_points
from scanner.model import Resource, Unresolved


@transform("redis_live_words")
def redis_live_words(value: Any, resource: Resource) -> Any:
    """``bind`` as CONFIG GET answers it (``"127.0.0.1 -::1"``) -> the addresses, as redis.conf's words give."""
    if not isinstance(value, str):
        return value
    return redis_bind_addresses(value.split(), resource)


@transform("redis_live_save")
def redis_live_save(_: Any, resource: Resource) -> Any:
    """``save`` as CONFIG GET answers it (``"3600 1 300 100"``, ``""`` when snapshots are off) -> save points."""
    value = lookup(resource.attributes, ("config", "save"))
    if value is MISSING or isinstance(value, Unresolved):
        return value if isinstance(value, Unresolved) else MISSING
    words = str(value).split()
    return redis_save_points([words] if words else [""], resource)


@transform("redis_live_auth_enabled")
def redis_live_auth_enabled(_: Any, resource: Resource) -> Any:
    """Clients must authenticate: requirepass is set (the snapshot masks it: set shows as ``****``). An ACL
    password of the default user set otherwise is not seen (ACL LIST is outside the minimal ACL)."""
    value = lookup(resource.attributes, ("config", "requirepass"))
    if isinstance(value, Unresolved) or value is MISSING:
        return value if isinstance(value, Unresolved) else MISSING
    return bool(value)
