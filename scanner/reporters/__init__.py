"""Reporters: one module per output format behind one small interface.

A reporter turns a finished :class:`~scanner.scan.Report` into text for stdout or a file.
Modules are imported only when their format is asked for.
"""

from __future__ import annotations

import enum
import importlib
from typing import Protocol

from scanner.model import Severity
from scanner.scan import Report


class Reporter(Protocol):
    def render(self, report: Report, fail_on: Severity, color: bool) -> str: ...


class Format(str, enum.Enum):
    TEXT = "text"
    JSON = "json"

    @property
    def module(self) -> str:
        return {"text": "text", "json": "json_report"}[self.value]


def reporter_for(fmt: Format) -> Reporter:
    module = importlib.import_module(f"{__name__}.{fmt.module}")
    reporter: Reporter = module.REPORTER
    return reporter
