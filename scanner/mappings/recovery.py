"""Transforms for ``recovery.yaml``: cron schedules as the longest gap between two runs."""

from __future__ import annotations

from typing import Any

from scanner.mappings import transform
from scanner.model import Resource, Unresolved
from scanner.schedules import longest_gap
from scanner.units import DURATION, Quantity, format_quantity


@transform("cron_interval")
def cron_interval(value: Any, _: Resource) -> Any:
    """``0 * * * *`` is 1h, ``0 2 * * 0`` is 7d: the longest wait between two runs."""
    if isinstance(value, Unresolved):
        return value
    gap = longest_gap(str(value))
    if gap is None:
        return Unresolved(str(value), "not a standard five-field cron schedule")
    quantity = Quantity(gap.total_seconds(), DURATION)
    return Quantity(quantity.value, DURATION, f"{format_quantity(quantity)} ({value})")
