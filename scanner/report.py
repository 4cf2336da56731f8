"""A scan's Report: its findings and the policies that judged them, what every reporter renders; and the
pause of the cyclic garbage collector that building or writing a large one runs under."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from scanner import __version__
from scanner.model import Finding, Severity, Status
from scanner.policy.pack import Policy


@dataclass
class Report:
    findings: list[Finding]
    policies: list[Policy]
    files: dict[str, str]
    resources: int
    started: datetime
    duration_s: float
    version: str = __version__
    notes: list[str] = field(default_factory=list)  # for the user, on stderr (baseline entries unused, ...)
    unclaimed: list[str] = field(default_factory=list)  # files named on the command line no loader reads

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for finding in self.findings:
            counts[finding.status._value_] += 1  # ``_value_``: ``.value`` is a Python-level property, per finding
        return counts

    def failing(self, fail_on: Severity, strict: bool = False) -> list[Finding]:
        """Findings that fail the gate: violations at or above ``fail_on``; errors too when strict."""
        # The severities at or above ``fail_on`` once (``rank`` is a Python-level property), and ``accepted`` asked
        # only of the findings that would fail: most comply.
        severe = frozenset(s for s in Severity if s.rank >= fail_on.rank)
        return [f for f in self.findings
                if ((f.status == Status.VIOLATES and f.severity in severe) or (strict and f.status == Status.ERROR))
                and not f.accepted]


@contextmanager
def cyclic_gc_paused(resume: bool = True) -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a scan.

    A scan allocates millions of small, long-lived, acyclic containers (parsed trees,
    facts, findings); the collector would walk all of them again and again while they are
    being built (measured: about 20% of a large scan's time, 75% of unpickling results
    from worker processes). Reference counting still frees everything; cycles made
    meanwhile are collected once the collector is back on.

    ``resume`` False: the collector stays off afterwards, for a process that ends right after (the ``specdrift``
    command): back on, its first collection walked every object the scan had made (3.5 % of a pre-commit run),
    to free nothing the exit would not.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled and resume:
            gc.enable()
