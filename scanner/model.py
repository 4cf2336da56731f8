"""The records every stage shares: Resource (what exists), Finding (what a policy says of it)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.digest import sha256
from scanner.regex import lazy_compile


class Status(str, enum.Enum):
    COMPLIES = "complies"
    VIOLATES = "violates"
    UNKNOWN = "unknown"
    ERROR = "error"


class Severity(str, enum.Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r}; expected one of {', '.join(s.value for s in cls)}") from None


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a resource was seen: a file and line range, or a live API."""

    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    account: str | None = None
    region: str | None = None
    api: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt by its constructor: the frozen dataclass's own pickling sets each slot through Python code,
        # which a large scan's worker processes pay for every resource they send back.
        return Origin, (self.file, self.line, self.end_line, self.account, self.region, self.api)

    def describe(self) -> str:
        if self.file:
            return f"{self.file}:{self.line}" if self.line else self.file
        parts = [p for p in (self.account, self.region, self.api) if p]
        return "/".join(parts) or "unknown"


_INSTANCE_KEY = lazy_compile(r"\[[^\]]*\]$")


def block_address(address: str) -> str:
    """A Terraform instance's address without its ``count`` / ``for_each`` key (``aws_s3_bucket.b["logs"]``
    -> ``aws_s3_bucket.b``): the block as written, which a fix edits."""
    return _INSTANCE_KEY.sub("", address) if address.endswith("]") else address


def module_prefix(address: str, rtype: str) -> str:
    """The module instance part of a Terraform address (``module.s3["a"].`` of
    ``module.s3["a"].aws_s3_bucket.b``): references written inside the module are relative to it."""
    at = address.rfind(f"{rtype}.")
    return address[:at] if at > 0 and address[at - 1] == "." else ""


# The attribute under which a loader records that a resource exists only under a condition it cannot
# decide (a CloudFormation ``Condition`` on a parameter without a default): an ``Unresolved``.
EXISTS_WHEN = "(exists when)"
# The attribute under which a loader records what a resource would be for each value its undecided inputs may
# take (a CloudFormation parameter without a default, with AllowedValues): an ``Alternatives``.
ALTERNATIVES = "(for each allowed value)"


@dataclass(frozen=True, slots=True)
class Alternatives:
    """The resource's attributes for every combination of the values its undecided inputs allow. ``names``: the
    inputs (parameters); ``worlds``: (their values, in ``names`` order; the attributes then, None when the
    resource is not created then). A policy every world decides the same way is decided (``Engine``)."""

    names: tuple[str, ...]
    worlds: tuple[tuple[tuple[Any, ...], Mapping[str, Any] | None], ...]

    def describe(self) -> str:
        """``Version: 13.9, 11.16`` (each input with the values it allows; past four, the first three and how
        many)."""
        said = []
        for i, name in enumerate(self.names):
            values = list(dict.fromkeys(str(values[i]) for values, _ in self.worlds))
            shown = ", ".join(values) if len(values) <= 4 else f"{', '.join(values[:3])}, ... ({len(values)} values)"
            said.append(f"{name}: {shown}")
        return "; ".join(said)


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value the IaC leaves to a variable, parameter or expression that could not be resolved."""

    expression: str
    reason: str = "not resolvable statically"

    def __str__(self) -> str:
        return f"<unresolved {self.expression}: {self.reason}>"

    def __reduce__(self) -> tuple[Any, ...]:  # by the constructor, as Origin
        return type(self), (self.expression, self.reason)


class Planned(str):
    """A string known before apply that came through a reference: what another resource's configuration sets
    (``engine_version = aws_rds_global_cluster.this.engine_version``). It is the value, and keeps the
    reference (``ref``) so the two resources stay linked."""

    ref: str

    def __new__(cls, value: str, ref: str) -> Planned:
        made = super().__new__(cls, value)
        made.ref = ref
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (str(self), self.ref)


# Not frozen, hashed as if it were (see Finding): every stage makes one per resource (loading, linking,
# normalizing), and nothing changes one once made.
@dataclass(slots=True, unsafe_hash=True)
class Resource:
    """One thing that exists (declared in a file or running live), in one shape for every source.

    ``attributes`` are native (as the source spells them; loaders give line-aware dicts and
    nobody mutates them); ``facts`` are normalized by the mapping tables so one policy reads
    every provider. ``fact_lines`` gives the line of the
    native attribute each fact came from, so findings point at the setting, not the block.
    """

    provider: str
    type: str
    address: str
    origin: Origin
    attributes: Mapping[str, Any] = field(default_factory=dict)
    facts: Mapping[str, Any] = field(default_factory=dict)
    kinds: frozenset[str] = frozenset()
    fact_lines: Mapping[str, int] = field(default_factory=dict)
    format: str = ""
    source: str = "iac"

    def __reduce__(self) -> tuple[Any, ...]:  # by the constructor, as Origin
        return Resource, (self.provider, self.type, self.address, self.origin, self.attributes, self.facts,
                          self.kinds, self.fact_lines, self.format, self.source)

    def line_of(self, fact: str | None) -> int | None:
        if fact and fact in self.fact_lines:
            return self.fact_lines[fact]
        return self.origin.line


@dataclass(frozen=True, slots=True)
class Remediation:
    """A fix a user can paste, in the syntax of the file (or API) they edit."""

    format: str
    snippet: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A baseline's acceptance of a finding (or an in-source suppression): who accepted it, why, and until when
    (ISO date; a suppression may have none)."""

    owner: str
    reason: str
    expires: str
    expired: bool = False
    suppressed_at: str = ""  # FILE:LINE of the in-source ``specdrift:ignore`` comment; "" for a baseline's


# Not frozen, hashed as if it were: a frozen dataclass sets each of these twenty fields through
# object.__setattr__ (twice the cost of making one; a large scan makes hundreds of thousands). Findings are
# never changed once made (``dataclasses.replace`` makes a new one).
@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """The verdict of one policy on one resource (or on one file, for parse errors)."""

    policy_id: str
    requirement_ids: tuple[str, ...]
    title: str
    severity: Severity
    status: Status
    message: str
    resource_address: str = ""
    resource_type: str = ""
    provider: str = ""
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    fact: str | None = None
    observed: Any = None
    expected: Any = None
    remediation: Remediation | None = None
    source: str = "iac"
    origin: str = ""
    acceptance: Acceptance | None = None  # set by a baseline; an expired one no longer shields the finding
    also_reported_as: tuple[str, ...] = ()  # other tools' check IDs merged into this finding (checkov)

    @property
    def accepted(self) -> bool:
        """Accepted by a baseline whose acceptance has not expired: reported, but not failing."""
        return self.acceptance is not None and not self.acceptance.expired

    @property
    def suppressed(self) -> bool:
        """Suppressed by a ``specdrift:ignore`` comment that has not expired (a kind of acceptance)."""
        return self.accepted and bool(self.acceptance and self.acceptance.suppressed_at)

    @property
    def fingerprint(self) -> str:
        """Stable identity across runs: survives line moves, not renames."""
        key = "\x1f".join((self.policy_id, self.resource_type, self.resource_address, self.file or "",
                           self.fact or ""))
        return sha256(key.encode()).hexdigest()[:32]


PARSE_ERROR_POLICY = "SD-PARSE"
