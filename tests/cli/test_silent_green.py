"""Mistakes never turn the gate green: a policy pattern matching nothing, a scan with nothing to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.policy.pack import PolicyError
from scanner.scan import ScanOptions, scan
from tests.conftest import EXAMPLE, ROOT, run_cli, write_files

EXAMPLE_ARG = str(EXAMPLE.relative_to(ROOT))


@pytest.mark.parametrize("flag", ["--policy", "--skip-policy"])
def test_a_policy_pattern_that_matches_nothing_is_a_usage_error(flag: str) -> None:
    result = run_cli("scan", EXAMPLE_ARG, flag, "ME-NOPE-99", "--format", "json")
    assert result.returncode == 2, result.stderr
    assert "ME-NOPE-99" in result.stderr and "matches no policy" in result.stderr
    assert result.stdout == ""  # no report that could be read as a pass


def test_one_unmatched_pattern_among_matching_ones_is_still_an_error() -> None:
    with pytest.raises(PolicyError, match="ME-DB-99"):
        scan(ScanOptions(paths=[str(EXAMPLE)], policies=["ME-DB-02", "ME-DB-99"]))
    # wildcards, requirement IDs and tags that match are fine
    report = scan(ScanOptions(paths=[str(EXAMPLE)], policies=["ME-DB-*"], skip_policies=["ME-DB-02"]))
    assert report.policies and all(p.id.startswith("ME-DB-") and p.id != "ME-DB-02" for p in report.policies)


def test_an_empty_directory_says_so_and_strict_fails(tmp_path: Path) -> None:
    result = run_cli("scan", str(tmp_path), "--format", "json")
    assert result.returncode == 0
    assert "no file" in result.stderr and str(tmp_path) in result.stderr
    strict = run_cli("scan", str(tmp_path), "--strict", "--format", "json")
    assert strict.returncode == 2 and "no file" in strict.stderr


def test_only_unknown_file_types_say_so_and_strict_fails(tmp_path: Path) -> None:
    write_files(tmp_path, {"notes.txt": "hello\n", "data.bin": "\x01\x02", "src/app.py": "print(1)\n"})
    result = run_cli("scan", str(tmp_path), "--strict")
    assert result.returncode == 2
    assert "no file" in result.stderr


def test_everything_skipped_by_skip_path_is_no_silent_green(tmp_path: Path) -> None:
    write_files(tmp_path, {"app/deploy.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"})
    ok = run_cli("scan", str(tmp_path), "--format", "json")
    assert "no file" not in ok.stderr
    skipped = run_cli("scan", str(tmp_path), "--skip-path", "app/", "--strict", "--format", "json")
    assert skipped.returncode == 2 and "no file" in skipped.stderr
