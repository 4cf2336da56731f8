"""Transforms for ``monitoring.yaml``: alert thresholds, flattened Grafana panels, k6 threshold limits."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.mappings import MISSING, lookup, transform
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile
from scanner.units import DURATION, parse_quantity

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_ABOVE = lazy_compile(rf"(>=|>)\s*(?:bool\s+)?({_NUMBER})(?![\w.])")
_BELOW_REVERSED = lazy_compile(rf"(?<![\w.])({_NUMBER})\s*(<=|<)\s*(?:bool\s+)?[A-Za-z_(]")
_METRIC = lazy_compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_PERCENTILE = lazy_compile(rf"^\s*p\(\s*({_NUMBER})\s*\)\s*(<=|<)\s*({_NUMBER})\s*$")
_RATE = lazy_compile(rf"^\s*rate\s*(<=|<)\s*({_NUMBER})\s*$")
_QUERY_KEYS = ("expr", "expression", "query", "rawSql")


@transform("prometheus_lag_threshold")
def prometheus_lag_threshold(_: Any, resource: Resource) -> Any:
    """The duration an alert expression compares a lag with (``pg_replication_lag > 60`` is 60 s)."""
    expr = resource.attributes.get("expr")
    if not isinstance(expr, str):
        return MISSING if expr is None else Unresolved(str(expr), "the expression is not a string")
    matches = [(m.start(), m.group(2)) for m in _ABOVE.finditer(expr)] + \
        [(m.start(), m.group(1)) for m in _BELOW_REVERSED.finditer(expr)]
    found = [number for _, number in matches]
    if len(found) > 1:  # the outermost comparison decides when the alert fires; nested ones filter the series
        outer = [number for start, number in matches if expr.count("(", 0, start) == expr.count(")", 0, start)]
        found = outer if len(outer) == 1 else found
    if len(found) != 1:
        reason = "no comparison with a number" if not found else "several comparisons with a number"
        return Unresolved(expr, f"{reason}: the threshold is not read")
    metrics = " ".join(_METRIC.findall(expr)).lower()
    if "bytes" in metrics or "lsn" in metrics:
        return Unresolved(expr, "the lag is measured in bytes, not time")
    unit = "ms" if re.search(r"_(ms|milliseconds)\b", metrics) else "s"
    return parse_quantity(f"{found[0]}{unit}", DURATION)


def _panels(items: Any) -> Iterator[dict[str, Any]]:
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        nested = item.get("panels")
        if item.get("type") == "row" or (isinstance(nested, list) and "targets" not in item):
            yield from _panels(nested)  # a row (or an old-schema row) only groups panels
        else:
            yield item


@transform("grafana_panels")
def grafana_panels(_: Any, resource: Resource) -> Any:
    """Every panel, rows flattened, as ``{title, type, queries}`` with the panel's line."""
    attributes = resource.attributes
    if "panels" not in attributes and "rows" not in attributes:
        return MISSING
    out = LineList()
    out.line = getattr(attributes.get("panels", attributes.get("rows")), "line", 0)
    for panel in itertools.chain(_panels(attributes.get("panels")), _panels(attributes.get("rows"))):
        queries = LineList()
        targets = panel.get("targets")
        for target in targets if isinstance(targets, list) else []:
            if isinstance(target, dict):
                queries.extend(str(target[key]) for key in _QUERY_KEYS if isinstance(target.get(key), str))
        item = LineDict(title=str(panel.get("title", "")), type=str(panel.get("type", "")), queries=queries)
        item.line = item.end_line = getattr(panel, "line", 0)
        item.key_lines = {"title": getattr(panel, "key_lines", {}).get("title", item.line)}
        out.append(item)
    return out


@transform("grafana_panel_titles")
def grafana_panel_titles(value: Any, resource: Resource) -> Any:
    panels = grafana_panels(value, resource)
    return panels if panels is MISSING else [panel["title"] for panel in panels]


def _threshold_expressions(resource: Resource, metric: str) -> Any:
    thresholds = lookup(resource.attributes, ("thresholds",))
    if thresholds is MISSING or isinstance(thresholds, Unresolved):
        return thresholds
    entries = thresholds.get(metric, MISSING) if isinstance(thresholds, dict) else MISSING
    if entries is MISSING or isinstance(entries, Unresolved):
        return entries
    out: list[Any] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        out.append(entry.get("threshold") if isinstance(entry, dict) else entry)
    return out


def _tightest(expressions: Any, pattern: re.Pattern[str], accept: Any) -> Any:
    if expressions is MISSING or isinstance(expressions, Unresolved):
        return expressions
    limits = []
    unresolved = None
    for expression in expressions:
        if isinstance(expression, Unresolved):
            unresolved = expression
            continue
        match = pattern.match(str(expression))
        if match and accept(match):
            limits.append(float(match.group(match.lastindex or 0)))
    if limits:
        best = min(limits)
        return int(best) if best.is_integer() else best
    return unresolved if unresolved is not None else MISSING


@transform("k6_p95_ms")
def k6_p95_ms(_: Any, resource: Resource) -> Any:
    """``p(95)<500`` on ``http_req_duration`` is 500 (ms); a ``p(99)`` limit bounds p95 too."""
    return _tightest(_threshold_expressions(resource, "http_req_duration"), _PERCENTILE,
                     lambda m: float(m.group(1)) >= 95)


@transform("k6_error_rate")
def k6_error_rate(_: Any, resource: Resource) -> Any:
    """``rate<0.01`` on ``http_req_failed`` is 0.01."""
    return _tightest(_threshold_expressions(resource, "http_req_failed"), _RATE, lambda m: True)

