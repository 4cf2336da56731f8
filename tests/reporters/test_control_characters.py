"""Control characters and undecodable bytes in a file name or a value keep every output valid (issue 17)."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

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


# --- terminal escapes: what a terminal would act on never reaches it raw (issue 17) -------------------------

# CSI (colour, clear screen), OSC (window title, hyperlink; ended by BEL or ST), a C1 CSI, a carriage return that
# would overwrite the line, a backspace, and a right-to-left override that reorders what is shown.
ESCAPES = ("\x1b[2J", "\x1b]0;pwned\x07", "\x1b]8;;http://evil\x1b\\", "\x9b31m", "\r", "\x08", "\u202e")
HOSTILE = "".join(ESCAPES)


def _raw_controls(text: str) -> list[str]:
    """Control characters a terminal acts on (newline and tab aside), and bidirectional overrides."""
    return [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
            or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]


def _escaping_report() -> Report:
    report = sample_report()
    base = next(f for f in FINDINGS if f.status == Status.VIOLATES and f.file)
    errored = next(f for f in FINDINGS if f.status == Status.ERROR)
    unknown = next(f for f in FINDINGS if f.status == Status.UNKNOWN)
    name = f"k8s/a{HOSTILE}.yaml"
    hostile = [dataclasses.replace(base, file=name, observed=f"v{HOSTILE}", expected=[f"e{HOSTILE}"],
                                   message=f"m{HOSTILE}", resource_address=f"r{HOSTILE}"),
               dataclasses.replace(errored, file=name, message=f"cannot parse {HOSTILE}"),
               dataclasses.replace(unknown, file=name, message=f"u{HOSTILE}", resource_address=f"r{HOSTILE}")]
    report = dataclasses.replace(report, findings=[*report.findings, *hostile], files={**report.files, name: "k8s"})
    report.notes = [*report.notes, f"not read, a symbolic link: {name}"]
    return report


@pytest.mark.parametrize("options", [{}, {"compact": True}, {"show_passing": True}])
@pytest.mark.parametrize("color", [False, True])
def test_text_output_shows_escape_sequences_visibly_never_raw(options: dict[str, bool], color: bool) -> None:
    from scanner.reporters.text import TextReporter

    out = TextReporter(width=100, **options).render(_escaping_report(), Severity.INFO, color)
    if color:  # the reporter's own colours are the only escape sequences left
        out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert _raw_controls(out) == []
    assert "\\x1b[2J" in out and "\\x1b]0;pwned\\x07" in out and "\\u202e" in out  # shown, escaped
    assert "\\x9b31m" in out and "\\r" in out


def test_visible_keeps_ordinary_text_and_escapes_each_control_once() -> None:
    from scanner.display import visible

    assert visible("plain ✓ ünïcode\ttab") == "plain ✓ ünïcode\ttab"
    assert visible("a\nb") == "a\\nb" and visible("a\nb", newlines=True) == "a\nb"
    assert visible("\x1b[31m\x00\x7f\x85\u2066") == "\\x1b[31m\\x00\\x7f\\x85\\u2066"


def test_the_scan_commands_stderr_shows_file_names_and_messages_escaped(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    bad = tmp_path / "a\x1b]0;pwned\x07.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n")
    (tmp_path / "b\x1b[2J.tf").symlink_to("/etc/passwd")
    result = run_cli("scan", str(tmp_path), "--format", "json:" + str(tmp_path / "out.json"), "--annotations", "never")
    assert result.returncode == 0, result.stderr  # an error finding fails only with --strict
    assert "\\x1b]0;pwned\\x07" in result.stderr and "\\x1b[2J" in result.stderr
    assert _raw_controls(result.stderr) == []


@pytest.mark.parametrize("color", [False, True])
def test_the_drift_text_report_shows_live_values_and_names_escaped(tmp_path: Path, color: bool) -> None:
    from scanner.collectors.snapshot import load
    from scanner.drift.render import render_text
    from scanner.drift.report import build
    from scanner.policy.pack import load_policies
    from tests.conftest import ROOT

    data = json.loads((ROOT / "tests" / "history" / "redis-snapshot.json").read_text())
    live = data["resources"][0]
    live["address"] = f"redis://h{HOSTILE}:6379/0"
    live["attributes"]["config"] = {**live["attributes"].get("config", {}), "protected-mode": f"no{HOSTILE}",
                                    f"bind{HOSTILE}": HOSTILE}
    snapshot = tmp_path / "live.json"
    snapshot.write_text(json.dumps(data))
    out = render_text(build([], load(snapshot), load_policies()), Severity.INFO, color)
    if color:
        out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "\\x1b[2J" in out and _raw_controls(out) == []
