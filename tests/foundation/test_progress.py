"""The progress line: shown after the delay when wanted, throttled, erased; never written to a non-terminal."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from scanner import progress
from scanner.loaders import load_files

ROOT = Path(__file__).resolve().parents[2]


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_line_appears_after_the_delay_and_is_cleared() -> None:
    clock, out = _Clock(), _Tty()
    with progress.showing("auto", out, clock=clock):
        progress.step("files", 1, 10)
        assert out.getvalue() == ""  # within the delay: nothing
        clock.now += 2.5
        progress.step("files", 2, 10)
        assert out.getvalue() == "\rspecdrift: files 2/10"
        progress.step("files", 3, 10)  # within the interval: throttled
        assert out.getvalue().count("\r") == 1
        clock.now += 1
        progress.step("API calls", 42)
        assert out.getvalue().endswith("\rspecdrift: API calls 42")
    assert out.getvalue().endswith("\r" + " " * len("specdrift: API calls 42") + "\r")
    progress.step("files", 4, 10)  # no longer active
    assert "4/10" not in out.getvalue()


def test_auto_writes_nothing_when_not_a_terminal() -> None:
    clock, out = _Clock(), io.StringIO()
    with progress.showing("auto", out, clock=clock) as line:
        clock.now += 10
        progress.step("files", 2, 10)
    assert line is None and out.getvalue() == ""


def test_never_and_always() -> None:
    clock, tty, plain = _Clock(), _Tty(), io.StringIO()
    with progress.showing("never", tty, clock=clock):
        clock.now += 10
        progress.step("files", 1, 2)
    assert tty.getvalue() == ""
    with progress.showing("always", plain, clock=clock):
        clock.now += 10
        progress.step("files", 1, 2)
    assert "specdrift: files 1/2" in plain.getvalue()


def test_the_loaders_file_loop_reports(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"m{i}.tf").write_text(f'resource "aws_s3_bucket" "b{i}" {{}}\n')
    out = io.StringIO()
    with progress.showing("always", out, delay=0.0) as line:
        assert line is not None
        line.interval = 0.0
        load_files([tmp_path], jobs=1)
    assert "specdrift: files 3/3" in out.getvalue()


def test_forced_progress_leaves_stdout_reports_unchanged(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    env = {"PYTHONPATH": str(ROOT), "SPECDRIFT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}

    def scan(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path), "-f", "json", *flags],
                              capture_output=True, text=True, env=env, cwd=tmp_path)

    def timeless(text: str) -> str:  # the run's time and duration differ between any two runs
        return re.sub(r'"generated_at": "[^"]*"|seconds": [0-9.]+', "", text)

    forced, default = scan("--progress"), scan("--no-progress")
    assert timeless(forced.stdout) == timeless(default.stdout) and forced.returncode == default.returncode
    assert "\r" not in default.stderr  # not a terminal, and turned off


def test_the_collectors_call_runner_reports() -> None:
    from scanner.collectors.calls import CallRunner

    out = io.StringIO()
    with progress.showing("always", out, delay=0.0):
        CallRunner("aws", 1).counted("DescribeInstances")
    assert "specdrift: API calls 1" in out.getvalue()
