"""The HTML report opened in headless Chromium (Debian's chromium, installed by .ci/run): the rendered DOM has the
headline figures, the trend chart's SVG with one point per stored run, and the filter script ran (under the
page's own Content-Security-Policy). Skipped with a reason where chromium is absent; fails under CI."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scanner.history import FindingRow, RunRecord, SourceRow, open_store
from scanner.history.records import DriftRow
from scanner.reporters.html import render_run, trend_of
from tests.conftest import server_unavailable

pytestmark = pytest.mark.server
CHROMIUM = "/usr/bin/chromium"


def chromium(*args: str, tmp_path: Path) -> str:
    """Run headless Chromium on its own profile, offline; its stdout."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        server_unavailable("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    binary = CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
    done = subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _finding(fp: str, severity: str = "high", status: str = "violates") -> FindingRow:
    return FindingRow(fp, "ME-DB-01", ("ME-DB-01",), severity, status, f"aws_db_instance.{fp}", "retention too short",
                      "backup_retention_days", declared="7", live="1", required=">= 7")


def test_chromium_renders_the_headline_and_one_trend_point_per_run(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.db") as store:
        nights = [["a", "b", "c"], ["a", "b", "c", "d"], ["a", "d", "e"]]
        for day, fps in enumerate(nights, start=1):
            last = RunRecord("nightly", "prod", f"2026-12-0{day}T02:00:00+00:00", 2.0, "0.1.0", "p",
                             [_finding(fp) for fp in fps] + [_finding("blind", status="unknown")],
                             [SourceRow("aws", True), SourceRow("gcp", day != 3, "" if day != 3 else "quota exceeded")],
                             [DriftRow("changed", "aws_db_instance", "aws_db_instance.a", "aws")] * day)
            store.save(last)
        page = tmp_path / "report.html"
        page.write_text(render_run(last, store.changes(last), trend_of(store, last)))
    dom = chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path)
    figures = dict(re.findall(r'data-figure="(\w+)"><b>(\d+)</b>', dom))
    assert figures == {"new": "1", "fixed": "2", "open": "3", "accepted": "0", "unknown": "1", "drift": "3"}
    assert re.search(r"<b>1 new</b> finding since the last run", dom) and "quota exceeded" in dom
    svg = re.search(r'<svg id="trend".*?</svg>', dom, re.S)
    assert svg is not None
    runs = re.findall(r'<circle class="point" data-series="open" data-run="(\d+)" data-value="(\d+)"', svg.group(0))
    assert runs == [("1", "3"), ("2", "4"), ("3", "3")]
    assert len(re.findall(r"<polyline ", svg.group(0))) == 3
    # the inline script ran (the page's CSP allows inline script only): it counted the rows the filters show,
    # every one here (new e, open a and d, fixed b and c, unknown blind)
    rows = re.findall(r'<tr class="\w+" data-change="(\w+)"', dom)
    assert sorted(rows) == ["fixed", "fixed", "new", "open", "open", "unknown"]
    assert '<span id="shown" class="msg">6 shown</span>' in dom, re.findall(r'id="shown"[^<]*<', dom)


def test_a_screenshot_of_the_report_is_an_image(tmp_path: Path) -> None:
    run = RunRecord("nightly", "prod", "2026-12-06T02:00:00+00:00", 1.0, "0.1.0", "p", [_finding("a")])
    run.id = 1
    from scanner.history import changes_between

    page = tmp_path / "report.html"
    page.write_text(render_run(run, changes_between(run, None)))
    shot = tmp_path / "shot.png"
    chromium(f"--screenshot={shot}", "--window-size=800,600", page.as_uri(), tmp_path=tmp_path)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
