"""What a collector hands back: resources seen live, and the gaps it could not see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from scanner.model import Resource, Unresolved


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


def unresolved_from(gap: Gap) -> Unresolved:
    """The placeholder a detail gets when the call that reads it failed: checks on it are unknown."""
    return Unresolved(gap.api, gap.reason)
