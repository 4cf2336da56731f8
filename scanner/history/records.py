"""What a store keeps of a run, and what a run changed since the previous one of its scope."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FixRow:
    """One way to make a finding go away: change the cloud (``cloud``) or the IaC (``iac``)."""

    direction: str  # cloud | iac
    format: str
    description: str
    snippet: str


@dataclass(frozen=True)
class FindingRow:
    """One finding of a run, as stored: enough to tell new from fixed and to list it again."""

    fingerprint: str
    policy: str
    requirements: tuple[str, ...]
    severity: str
    status: str  # complies | violates | unknown | error
    resource: str
    message: str = ""
    fact: str | None = None
    accepted: bool = False
    suppressed: bool = False
    owner: str | None = None  # the acceptance's owner
    # what a report shows beyond the verdict (as displayed; None: no such side or not known)
    declared: str | None = None
    live: str | None = None
    required: str | None = None
    fixes: tuple[FixRow, ...] = ()

    @property
    def open(self) -> bool:
        """Fails the run: a violation nobody accepted."""
        return self.status == "violates" and not self.accepted


@dataclass(frozen=True)
class SourceRow:
    """A live source of a run: whether it answered, and why not."""

    name: str
    up: bool
    reason: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class DriftRow:
    """A drifted (changed, missing, unmanaged) or unknown resource pair."""

    status: str
    resource_type: str
    address: str
    source: str = ""
    facts: tuple[str, ...] = ()  # the drifted settings


@dataclass
class RunRecord:
    """One run, whole: what a store writes in one transaction and reads back."""

    kind: str  # drift | nightly
    scope: str  # runs of one scope are compared with each other
    started_at: str  # ISO 8601, UTC
    duration_s: float
    tool_version: str
    pack_version: str
    findings: list[FindingRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    drift: list[DriftRow] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    id: int | None = None  # set by the store


@dataclass(frozen=True)
class Changes:
    """What a run changed since the previous run of its scope (everything is new when there is none)."""

    previous: int | None
    new: tuple[FindingRow, ...]
    fixed: tuple[FindingRow, ...]  # open before, not open now (gone or complying; accepted ones are not fixed)
    still_open: tuple[FindingRow, ...]
    newly_accepted: tuple[FindingRow, ...]

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "fixed": len(self.fixed), "open": len(self.still_open) + len(self.new),
                "newly_accepted": len(self.newly_accepted)}


def changes_between(current: RunRecord, previous: RunRecord | None) -> Changes:
    """New, fixed, still open and newly accepted findings of ``current`` against ``previous``, by fingerprint."""
    before = {f.fingerprint: f for f in previous.findings} if previous else {}
    now = {f.fingerprint: f for f in current.findings}
    was_open = {fp for fp, f in before.items() if f.open}
    new = tuple(f for fp, f in now.items() if f.open and fp not in was_open)
    still = tuple(f for fp, f in now.items() if f.open and fp in was_open)
    fixed = tuple(f for fp, f in before.items() if f.open and not (fp in now and (now[fp].open or now[fp].accepted)))
    accepted = tuple(f for fp, f in now.items() if f.accepted and not (fp in before and before[fp].accepted))
    return Changes(previous.id if previous else None, _worst_first(new), _worst_first(fixed), _worst_first(still),
                   _worst_first(accepted))


_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def _worst_first(rows: tuple[FindingRow, ...]) -> tuple[FindingRow, ...]:
    return tuple(sorted(rows, key=lambda f: (_RANK.get(f.severity, 5), f.policy, f.resource, f.fact or "")))
