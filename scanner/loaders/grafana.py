"""Grafana dashboards (JSON): the bare dashboard model or the HTTP API envelope ``{"dashboard": {...}}``.

One ``grafana_dashboard`` Resource per file; its panels (nested rows included, both the
current ``panels`` of ``type: row`` and the old ``rows[].panels``) are flattened by the
mapping table's transform, with each panel's line.
"""

from __future__ import annotations

from pathlib import Path

from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.documents import json_document
from scanner.model import Origin, Resource
from scanner.regex import lazy_compile

NAME = "grafana"
# Unescaped keys only: a dashboard embedded as a string (a ConfigMap value) is not a dashboard file.
_PANELS = lazy_compile(r'(?<!\\)"(panels|rows)"\s*:\s*\[')
_DASHBOARD = lazy_compile(r'(?<!\\)"(schemaVersion|dashboard|targets|gridPos)"\s*:')


@loader("grafana", order=15)
class GrafanaLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        return path.suffix.lower() == ".json" and bool(_PANELS.search(head)) and bool(_DASHBOARD.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        document, error = json_document(path, text, NAME)
        if error is not None:
            return LoadResult(errors=[error])
        if isinstance(document, dict) and isinstance(document.get("dashboard"), dict):
            document = document["dashboard"]
        if not isinstance(document, dict) or not isinstance(document.get("panels", document.get("rows")), list):
            return LoadResult(errors=[ParseError(path, getattr(document, "line", 1) or 1,
                                                 "not a Grafana dashboard: no panels list", NAME)])
        address = str(document.get("uid") or document.get("title") or Path(path).stem)
        origin = Origin(path, getattr(document, "line", None) or 1, getattr(document, "end_line", None))
        return LoadResult(resources=[Resource("grafana", "grafana_dashboard", address, origin, document,
                                              format=NAME)])
