"""Redis checks YAML cannot say: RDB snapshot points cover the guide's schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import Status, Unresolved
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register

CONFIG_FILE = "redis_config_file"  # the kind of Redis's own configuration file (mappings/redis.yaml)


def _pairs(points: Any) -> list[tuple[int, int]]:
    """``["900 1", ...]`` or ``[[900, 1], ...]`` as (seconds, changes) pairs."""
    pairs = []
    for point in points:
        seconds, changes = (point.split() if isinstance(point, str) else point)
        pairs.append((int(seconds), int(changes)))
    return pairs


@register("redis_save_points")
def redis_save_points(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Every required point (S seconds, C changes) is covered by a configured point at least as eager.

    A configured ``save s c`` with s <= S and c <= C snapshots at least as often as the guide's
    point, so extra or tighter points comply; a missing or looser one violates.
    """
    fact = "redis_save"
    required = _pairs(resolve_value(args["required"], ctx.params))
    expected = " / ".join(f"save {s} {c}" for s, c in required)
    if fact not in facts:
        if CONFIG_FILE not in ctx.resource.kinds:  # a managed service: its table gives the default it has
            return Outcome(SKIP)
        return Outcome(Status.UNKNOWN, fact, None, expected, "no save directive: Redis uses its built-in snapshot "
                       "schedule, which differs by version (7.0+: 3600 1 300 100 60 10000)")
    configured = facts[fact]
    if isinstance(configured, Unresolved):
        return Outcome(Status.UNKNOWN, fact, configured.expression, expected, configured.reason)
    points = _pairs(configured)
    observed = " / ".join(f"save {s} {c}" for s, c in points) or 'save "" (snapshots off)'
    missing = [(s, c) for s, c in required if not any(ps <= s and pc <= c for ps, pc in points)]
    if not missing:
        return Outcome(Status.COMPLIES, fact, observed, expected)
    if not points:
        message = "RDB snapshots are turned off (save \"\")"
    else:
        message = "no snapshot point covers " + ", ".join(f"save {s} {c}" for s, c in missing)
    return Outcome(Status.VIOLATES, fact, observed, expected, message, op="redis_save_points",
                   wanted=[f"{s} {c}" for s, c in required])
