"""Prometheus: the server configuration, alerting-rule files and PrometheusRule objects.

- configuration (``global`` + ``scrape_configs``): one ``prometheus_config`` Resource per file;
- rule files (``groups: [{rules: [{alert, expr, for, labels}]}]``) and files holding only
  ``kind: PrometheusRule`` objects: one ``prometheus_alert`` Resource per alerting rule
  (recording rules are skipped: nothing in the guide is about them).

Both are plain YAML, so the claim looks for their own top-level keys (``scrape_configs:``,
``groups:`` with ``alert:``/``expr:``) and leaves every other YAML to other loaders. A file
mixing PrometheusRule with other Kubernetes kinds stays with the Kubernetes loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.documents import structured
from scanner.model import Origin, Resource
from scanner.regex import lazy_compile

NAME = "prometheus"
_SCRAPE = lazy_compile(r"^scrape_configs\s*:", re.M)
_GLOBAL = lazy_compile(r"^global\s*:", re.M)
_INTERVAL = lazy_compile(r"^[ \t]+(scrape|evaluation)_interval\s*:", re.M)
_GROUPS = lazy_compile(r"^groups\s*:", re.M)
_RULE = lazy_compile(r"^\s*-?\s*(alert|record)\s*:", re.M)
_EXPR = lazy_compile(r"^\s*-?\s*expr\s*:", re.M)
_KIND = lazy_compile(r"^kind\s*:\s*[\"']?(\w+)", re.M)


# (Each line-anchored search below scans the whole head; a find of the literal it needs comes first.)
def _is_config(head: str) -> bool:
    return bool(("scrape_configs" in head and _SCRAPE.search(head))
                or ("global" in head and _GLOBAL.search(head) and "_interval" in head and _INTERVAL.search(head)))


def _is_rules(head: str) -> bool:
    return bool("groups" in head and _GROUPS.search(head) and "expr" in head and _RULE.search(head)
                and _EXPR.search(head))


def _only_prometheus_rules(head: str) -> bool:
    kinds = _KIND.findall(head)
    return bool(kinds) and all(kind == "PrometheusRule" for kind in kinds)


@loader("prometheus", order=15)
class PrometheusLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if path.suffix.lower() not in (".yaml", ".yml"):
            return False
        if "kind" in head and _KIND.search(head):
            return _only_prometheus_rules(head)
        return _is_config(head) or _is_rules(head)

    def load(self, path: str, text: str) -> LoadResult:
        documents, error = structured(path, text, NAME)
        if error is not None:
            return LoadResult(errors=[error])
        result = LoadResult()
        for document in documents:
            if document is None:
                continue
            if not isinstance(document, dict):
                result.errors.append(ParseError(path, getattr(document, "line", None),
                                                "a Prometheus file must be a mapping", NAME))
            elif document.get("kind") == "PrometheusRule":
                metadata = document.get("metadata") or {}
                prefix = f"{metadata.get('namespace') or 'default'}/{metadata.get('name', '<unnamed>')}/"
                spec = document.get("spec") or {}
                _alerts(spec.get("groups"), path, prefix, result)
            elif "groups" in document:
                _alerts(document.get("groups"), path, "", result)
            else:
                origin = Origin(path, getattr(document, "line", None) or 1, getattr(document, "end_line", None))
                result.resources.append(Resource("prometheus", "prometheus_config", "prometheus", origin, document,
                                                 format=NAME))
        return result


def _alerts(groups: Any, path: str, prefix: str, result: LoadResult) -> None:
    if not isinstance(groups, list):
        result.errors.append(ParseError(path, getattr(groups, "line", None), "groups must be a list", NAME))
        return
    seen: dict[str, int] = {}
    for group in groups:
        if not isinstance(group, dict):
            result.errors.append(ParseError(path, getattr(group, "line", None), "a rule group must be a mapping",
                                            NAME))
            continue
        for rule in _rules(group, path, result):
            if "alert" not in rule:
                continue
            address = f"{prefix}{group.get('name', '<unnamed>')}/{rule['alert']}"
            seen[address] = seen.get(address, 0) + 1
            if seen[address] > 1:
                address = f"{address}#{seen[address]}"
            origin = Origin(path, getattr(rule, "line", None), getattr(rule, "end_line", None))
            result.resources.append(Resource("prometheus", "prometheus_alert", address, origin, rule, format=NAME))


def _rules(group: dict[str, Any], path: str, result: LoadResult) -> Iterable[dict[str, Any]]:
    rules = group.get("rules") or []
    if not isinstance(rules, list):
        result.errors.append(ParseError(path, getattr(rules, "line", None), "rules must be a list", NAME))
        return []
    good = []
    for rule in rules:
        if isinstance(rule, dict) and "expr" in rule:
            good.append(rule)
        else:
            result.errors.append(ParseError(path, getattr(rule, "line", None), "a rule needs an expr", NAME))
    return good
