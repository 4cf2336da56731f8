"""Reporters: one module per output format behind one small interface.

A reporter turns a finished :class:`~scanner.report.Report` into text for stdout or a file. Each module
declares its class with ``@reporter("format", order=N)``; the ``--format`` names are the registry's keys
(listed by ``order``), and a module is imported only when its format is asked for (``scanner.registry``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from scanner.model import Finding, Severity, Status
from scanner.registry import DEFAULT_ORDER, Registry
from scanner.report import Report


class Reporter(Protocol):
    def render(self, report: Report, fail_on: Severity, color: bool) -> str: ...


def output_of(reporter: Reporter, report: Report, fail_on: Severity, color: bool) -> str | Iterable[str]:
    """The reporter's text, in pieces when it can stream it (JSON, SARIF: the big reports)."""
    chunks = getattr(reporter, "chunks", None)
    if chunks is not None:
        pieces: Iterable[str] = chunks(report, fail_on, color)
        return pieces
    return reporter.render(report, fail_on, color)


REPORTERS: Registry[Reporter] = Registry("report format", __name__, decorator="reporter")


def reporter(name: str, order: int = DEFAULT_ORDER) -> Callable[[type[Reporter]], type[Reporter]]:
    """Class decorator: the reporter of ``--format name``, listed after the formats of a lower ``order``."""
    return REPORTERS.register_class(name, order)


def issues(report: Report) -> list[Finding]:
    """What a CI format reports: every finding that is not compliant, worst first, then by place."""
    return sorted((f for f in report.findings if f.status != Status.COMPLIES),
                  key=lambda f: (f.accepted, _STATUS_ORDER[f.status], -f.severity.rank, f.file or "", f.line or 0,
                                 f.policy_id, f.resource_address))


_STATUS_ORDER = {Status.ERROR: 0, Status.VIOLATES: 1, Status.UNKNOWN: 2, Status.COMPLIES: 3}
