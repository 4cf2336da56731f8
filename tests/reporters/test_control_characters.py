"""Control characters and undecodable bytes in a file name or a value keep every output valid (issue 17)."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

import pytest

from scanner.model import Severity, Status
from scanner.report import Report
from scanner.reporters import REPORTERS
from tests.findings_fixture import FINDINGS, sample_report

# An escape sequence, a NUL, a form feed, a bell (a name that is not UTF-8 reaches no report: the loaders write
# its bytes as \\xff escapes, scanner.loaders.printable).
FILE = "k8s/ok-\x1b[31m\x00\x0c-\\xff.yaml"
VALUE = "image:\x07tag\x0b\x1f"


def _hostile_report() -> Report:
    report = sample_report()
    base = next(f for f in FINDINGS if f.status == Status.VIOLATES and f.file)
    errored = next(f for f in FINDINGS if f.status == Status.ERROR)
    hostile = [dataclasses.replace(base, file=FILE, observed=VALUE, message=f"bad {VALUE}",
                                   resource_address=f"x/{VALUE}"),
               dataclasses.replace(errored, file=FILE, message=f"cannot parse {FILE}")]
    return dataclasses.replace(report, findings=[*report.findings, *hostile],
                               files={**report.files, FILE: "kubernetes"})


def _render(fmt: str) -> str:
    return REPORTERS[fmt].render(_hostile_report(), Severity.INFO, False)


def test_junit_stays_valid_xml() -> None:
    out = _render("junit")
    root = ET.fromstring(out.encode("utf-8"))
    files = [case.get("file") for case in root.iter("testcase") if case.get("file", "").startswith("k8s/ok-")]
    assert files and all("\x1b" not in name and "\x00" not in name for name in files)


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab"])
def test_json_outputs_stay_valid_utf8_json(fmt: str) -> None:
    out = _render(fmt)
    json.loads(out.encode("utf-8"))  # a lone surrogate cannot be encoded: the output must not hold one


@pytest.mark.parametrize("fmt", sorted(REPORTERS.names()))
def test_every_format_renders_and_encodes(fmt: str) -> None:
    _render(fmt).encode("utf-8")
