"""Disaster-recovery plans: a YAML (or JSON) file whose top-level key is ``disaster_recovery``.

The guide's shape: ``rpo``/``rto``, ``backup_schedule`` (cron), ``replication`` per data
store, ``failover``. One Resource per file; the mapping table (``mappings/recovery.yaml``)
names its facts. The file is claimed by that top-level key only, so no other YAML is taken.
"""

from __future__ import annotations

import re
from pathlib import Path

from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.documents import structured
from scanner.model import Origin, Resource
from scanner.regex import lazy_compile

NAME = "dr-config"
ROOT = "disaster_recovery"
_SNIFF_YAML = lazy_compile(rf"^[\"']?{ROOT}[\"']?\s*:", re.M)
_SNIFF_JSON = lazy_compile(rf"^\s{{0,8}}\"{ROOT}\"\s*:", re.M)


@loader("dr-config", order=15)
class DisasterRecoveryLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        suffix = path.suffix.lower()
        if ROOT not in head:  # both patterns hold it: a find, before a line-anchored scan of the whole head
            return False
        if suffix in (".yaml", ".yml"):
            return bool(_SNIFF_YAML.search(head))
        return suffix == ".json" and bool(_SNIFF_JSON.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        documents, error = structured(path, text, NAME)
        if error is not None:
            return LoadResult(errors=[error])
        result = LoadResult()
        for document in documents:
            if not isinstance(document, dict) or ROOT not in document:
                continue
            plan = document[ROOT]
            line = document.line_of(ROOT) if hasattr(document, "line_of") else None
            if not isinstance(plan, dict):
                result.errors.append(ParseError(path, line, f"{ROOT} must be a mapping", NAME))
                continue
            origin = Origin(path, line, getattr(plan, "end_line", None))
            result.resources.append(Resource("dr", "disaster_recovery", ROOT, origin, plan, format=NAME))
        if not result.resources and not result.errors:
            result.errors.append(ParseError(path, 1, f"no top-level {ROOT} mapping", NAME))
        return result
