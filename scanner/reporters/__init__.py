"""Reporters: one module per output format behind one small interface.

A reporter turns a finished :class:`~scanner.report.Report` into text for stdout or a file.
Modules are imported only when their format is asked for.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterable
from typing import Protocol

from scanner.model import Finding, Severity, Status
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


class Format(str, enum.Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    GITLAB = "gitlab"  # GitLab Code Quality
    MARKDOWN = "markdown"
    GITHUB = "github"  # GitHub Actions workflow commands (annotations)

    @property
    def module(self) -> str:
        return {"json": "json_report"}.get(self.value, self.value)

    @property
    def extension(self) -> str:
        """The usual file name suffix, for messages and docs."""
        return {"text": ".txt", "json": ".json", "sarif": ".sarif", "junit": ".xml", "gitlab": ".json",
                "markdown": ".md", "github": ".txt"}[self.value]


def reporter_for(fmt: Format) -> Reporter:
    module = importlib.import_module(f"{__name__}.{fmt.module}")
    reporter: Reporter = module.REPORTER
    return reporter


def issues(report: Report) -> list[Finding]:
    """What a CI format reports: every finding that is not compliant, worst first, then by place."""
    return sorted((f for f in report.findings if f.status != Status.COMPLIES),
                  key=lambda f: (f.accepted, _STATUS_ORDER[f.status], -f.severity.rank, f.file or "", f.line or 0,
                                 f.policy_id, f.resource_address))


_STATUS_ORDER = {Status.ERROR: 0, Status.VIOLATES: 1, Status.UNKNOWN: 2, Status.COMPLIES: 3}
