"""Transforms for ``edge.yaml``: nginx time values and Cache-Control directives."""

from __future__ import annotations

import re
from typing import Any

from scanner.mappings import transform
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile
from scanner.units import DURATION, Quantity, parse_quantity

# nginx: M is months, m minutes; "max" expires in 2037 (10 years is what nginx documents as the cap).
_MONTHS = lazy_compile(r"(\d+)M\b")
_SPECIAL = {"max": Quantity(10 * 365 * 86400, DURATION, "max"), "off": Quantity(0, DURATION, "off"),
            "epoch": Quantity(0, DURATION, "epoch")}


@transform("nginx_time")
def nginx_time(value: Any, _: Resource) -> Any:
    """``1y``, ``30d``, ``1h30m``, ``max``, ``modified +24h`` as durations; ``@15h30m`` stays unresolved."""
    if isinstance(value, Unresolved) or not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower() in _SPECIAL:
        return _SPECIAL[text.lower()]
    if text.startswith("@"):
        return Unresolved(text, "expires at a time of day: how long depends on the request time")
    spelled = re.sub(r"^(modified|access)\s+", "", text).lstrip("+")
    if spelled.startswith("-"):
        return Quantity(0, DURATION, text)  # already expired: not cached
    spelled = _MONTHS.sub(lambda m: f"{m.group(1)}mon", spelled)
    quantity = parse_quantity(spelled, DURATION, "s")
    return Quantity(quantity.value, DURATION, text) if quantity is not None else Unresolved(text, "not an nginx time")


@transform("cache_control_directives")
def cache_control_directives(value: Any, _: Resource) -> Any:
    if isinstance(value, Unresolved) or not isinstance(value, str):
        return value
    return [part.split("=", 1)[0].strip().lower() for part in value.split(",") if part.strip()]
