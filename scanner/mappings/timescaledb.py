"""Transforms for TimescaleDB facts (``timescaledb.yaml``): relation names, column lists, intervals."""

from __future__ import annotations

import re
from typing import Any

from scanner.mappings import transform
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile
from scanner.units import DURATION, Quantity, parse_quantity

_CLOCK = lazy_compile(r"(?:(\d+)\s+days?\s+)?(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?$", re.I)


def identifier(text: str) -> str:
    """A SQL identifier as PostgreSQL stores it: folded to lower case unless double-quoted."""
    text = text.strip()
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text.lower()


@transform("pg_relation")
def pg_relation(value: Any, _: Resource) -> Any:
    """``public.metrics`` / ``"Metrics"`` -> the relation name (schema dropped: one schema is assumed)."""
    if not isinstance(value, str):
        return value
    return identifier(value.rsplit(".", 1)[-1])


@transform("pg_identifier")
def pg_identifier(value: Any, _: Resource) -> Any:
    return identifier(value) if isinstance(value, str) else value


@transform("pg_column_list")
def pg_column_list(value: Any, _: Resource) -> Any:
    """``'metric_name, channel'`` -> ``metric_name,channel`` (TimescaleDB's comma-separated spelling)."""
    if not isinstance(value, str):
        return value
    return ",".join(identifier(part) for part in value.split(",") if part.strip())


def _order_item(text: str) -> str:
    words = text.split()
    if not words:
        return ""
    rest = [w.upper() for w in words[1:]]
    if rest[:1] == ["ASC"]:
        rest = rest[1:]  # ascending is the default direction
    return " ".join([identifier(words[0]), *rest])


@transform("pg_order_list")
def pg_order_list(value: Any, _: Resource) -> Any:
    """Index columns ``["metric_name", "time DESC"]`` normalized (``ASC`` dropped, identifiers folded)."""
    if not isinstance(value, list):
        return value
    return [_order_item(str(v)) for v in value]


@transform("pg_order_list_text")
def pg_order_list_text(value: Any, _: Resource) -> Any:
    """``'time DESC'`` -> ``time DESC``; several columns joined by commas as TimescaleDB writes them."""
    if not isinstance(value, str):
        return value
    return ",".join(_order_item(part) for part in value.split(",") if part.strip())


@transform("pg_interval")
def pg_interval(value: Any, _: Resource) -> Any:
    """A PostgreSQL interval literal as a duration: ``'90 days'``, ``'1 hour'``, ``'02:00:00'``."""
    if isinstance(value, (Unresolved, Quantity)) or not isinstance(value, str):
        return value  # integer time columns take plain numbers: left as they are
    text = value.strip()
    clock = _CLOCK.match(text)
    if clock:
        days, hours, minutes, seconds = clock.groups()
        total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds or 0)
        return Quantity(total, DURATION, text)
    parsed = parse_quantity(text, DURATION)
    return parsed if parsed is not None else Unresolved(text, "an interval this scanner cannot read")
