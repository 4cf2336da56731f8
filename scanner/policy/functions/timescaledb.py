"""TimescaleDB checks YAML cannot say: every required index of a hypertable exists (in any scanned file)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.mappings.timescaledb import pg_order_list
from scanner.model import Status
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register
from scanner.policy.functions.presence import find_resources


@register("timescaledb_indexes")
def timescaledb_indexes(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Each required index (``"metric_name, time DESC"``) exists on the hypertable, with the same column order."""
    if ctx.resource.type != "timescaledb_hypertable":
        return Outcome(SKIP)
    table = facts.get("table")
    required = [[c.strip() for c in str(spec).split(",")] for spec in resolve_value(args["indexes"], ctx.params)]
    indexes = find_resources(ctx, ("postgresql_index",), {"table": table})
    have = {tuple(r.facts.get("index_columns") or ()): r for r in indexes}
    missing: list[str] = []
    present: list[str] = []
    for columns in required:
        normalized = tuple(pg_order_list(columns, ctx.resource))
        (present if normalized in have else missing).append(", ".join(normalized))
    expected = "; ".join(f"({', '.join(c)})" for c in required)
    if not missing:
        return Outcome(Status.COMPLIES, "index_columns", "; ".join(f"({p})" for p in present), expected)
    return Outcome(Status.VIOLATES, "index_columns", "; ".join(f"({p})" for p in present) or "none", expected,
                   f"{table} lacks the index(es) " + "; ".join(f"({m})" for m in missing), op="timescaledb_indexes",
                   wanted=missing)
