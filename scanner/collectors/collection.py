"""What a collector hands back: resources seen live, and the gaps it could not see."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from scanner.model import Resource, Unresolved

MASK = "****"
# Keys whose string values are credentials; "...Arn"/"...Id"/"...Enabled" name or flag a secret, they are not one.
_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|private_?key|credential|auth_?key|api_?key)")
_NOT_SECRET_SUFFIX = re.compile(r"(?i)(arn|id|ids|enabled|status|type|name|date|time|version|rotation)$")
# Lists of {name, value} pairs (ECS container environment, CloudFront custom headers).
_PAIR_KEYS = (("name", "value"), ("Name", "Value"), ("HeaderName", "HeaderValue"))


@dataclass(frozen=True)
class Gap:
    """A call that did not answer: what it would have produced, where, and why.

    ``types`` lists the resource types the call would have produced; empty when the resources
    exist but one of their details could not be read (those details are ``Unresolved``).
    """

    provider: str
    service: str
    api: str
    reason: str
    region: str | None = None
    types: tuple[str, ...] = ()
    code: str = "error"  # access_denied | region_unavailable | throttled | timeout | error

    def describe(self) -> str:
        where = f" in {self.region}" if self.region else ""
        return f"{self.api}{where}: {self.reason}"


@dataclass
class Collection:
    """One collector run: resources (attributes in the API's own shape), gaps, and the scope looked at."""

    provider: str
    resources: list[Resource] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    account: str | None = None
    regions: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    collected_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    duration_s: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    def gaps_for(self, rtype: str, region: str | None = None) -> list[Gap]:
        """Gaps that hide resources of ``rtype`` (in ``region``, or anywhere when None)."""
        return [g for g in self.gaps if rtype in g.types and (region is None or g.region in (None, region))]


def mask_secrets(value: Any, key: str = "") -> Any:
    """A copy of an API answer with credential values replaced by ``****`` (keys kept, so shape stays)."""
    if isinstance(value, Mapping):
        for name_key, value_key in _PAIR_KEYS:
            if set(value) >= {name_key, value_key} and isinstance(value.get(value_key), str):
                secret = name_key == "HeaderName" or _is_secret_key(str(value.get(name_key, "")))
                if secret and value[value_key]:
                    return {k: (MASK if k == value_key else mask_secrets(v, k)) for k, v in value.items()}
        return {k: mask_secrets(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(item, key) for item in value]
    if isinstance(value, str) and value and _is_secret_key(key):
        return MASK
    return value


def _is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not _NOT_SECRET_SUFFIX.search(key)


def unresolved_from(gap: Gap) -> Unresolved:
    """The placeholder a detail gets when the call that reads it failed: checks on it are unknown."""
    return Unresolved(gap.api, gap.reason)
