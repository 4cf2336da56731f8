"""``specdrift scan`` of a mid-sized public repository (kubernetes/examples at a pinned commit: about 300
manifests, hundreds of violations) as it shows in an 80-column terminal pane: the first screen holds the
verdict, the counts and the most severe violations; no line is wider than the pane unless it is one word
that cannot be broken (a path, a quoted JSON argument); values are never Python reprs.

The repository is read from the snapshot mirror (benchmarks/repos.py); without it the test skips, and fails
under CI (``SPECDRIFT_REQUIRE_SERVERS=1``), as the real-world suite does.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

import pytest

from benchmarks import repos
from benchmarks.run import REPO_CACHE
from scanner.reporters.text import cell_width
from tests.conftest import run_cli

WIDTH = 80
SCREEN = 24  # a terminal's first screen (tmux's default pane height is about that)
SEVERITIES = ("critical", "high", "medium", "low", "info")


@cache
def _scanned(tmp: str) -> tuple[list[str], dict]:
    repo = next(r for r in repos.REPOS if r.name == "rw-k8s-examples")
    try:
        root = repos.materialize(repo, REPO_CACHE)
    except repos.Absent as exc:
        message = f"the snapshot mirror lacks {repo.source}: {exc}; get it with: fetch github:{repo.source}"
        if os.environ.get("SPECDRIFT_REQUIRE_SERVERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    report = Path(tmp) / "report.json"
    done = run_cli("scan", ".", "--format", "text", "--format", f"json:{report}", cwd=root,
                   env={"COLUMNS": str(WIDTH)})
    assert done.returncode == 1, done.stderr
    return done.stdout.splitlines(), json.loads(report.read_text())


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], dict]:
    return _scanned(str(tmp_path_factory.mktemp("k8s-examples")))


def test_the_first_screen_shows_the_verdict_the_counts_and_the_worst_violations(
        scanned: tuple[list[str], dict]) -> None:
    lines, report = scanned
    failing = [f for f in report["findings"] if f["status"] == "violates"]
    assert len(failing) >= 100 and len(lines) > 10 * SCREEN  # mid-sized: many screens of output
    screen = lines[:SCREEN]
    assert screen[0] == f"✗ FAIL: {len(failing)} violation(s) at or above info fail the gate"
    counts = {status: sum(f["status"] == status for f in report["findings"]) for status in ("violates", "unknown")}
    assert screen[1].startswith(f"{counts['violates']} violate, {counts['unknown']} unknown, ")
    worst = next(s for s in SEVERITIES if any(f["severity"] == s for f in failing))
    by_severity = ", ".join(f"{n} {s}" for s in SEVERITIES if (n := sum(f["severity"] == s for f in failing)))
    assert screen[2] == f"violations by severity: {by_severity}"
    shown = [line for line in screen[1:] if line.lstrip().startswith("✗ ")]
    assert shown and all(f"✗ {worst} " in line for line in shown), shown  # the most severe come first


def test_no_line_is_wider_than_the_pane_unless_it_is_one_unbreakable_word(scanned: tuple[list[str], dict]) -> None:
    lines, _ = scanned
    wide = [line for line in lines if cell_width(line) > WIDTH]
    # a path or a quoted argument longer than the line keeps a line of its own (a shell continuation may follow)
    assert all(len(line.removesuffix(" \\").split()) == 1 for line in wide), wide


def test_messages_are_printed_whole_and_values_never_as_python_reprs(scanned: tuple[list[str], dict]) -> None:
    lines, report = scanned
    text = "\n".join(lines)
    printed = set(re.findall(r"\S+", text))
    for finding in report["findings"]:
        if finding["status"] == "violates":
            assert set(re.findall(r"\S+", finding["message"])) <= printed, finding["message"]
    reprs = [line for line in lines if re.search(r"\['|'\]|\bTrue\b|\bFalse\b|\bNone\b", line)]
    assert reprs == []
