"""Named files (a pre-commit hook's staged files) are checked with their directory as context, reported alone."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from scanner.context import context_files
from tests.conftest import EXAMPLE, run_cli

MAIN = """resource "aws_db_instance" "main" {
  engine                  = "postgres"
  backup_retention_period = var.retention
}
"""
VARIABLES = """variable "retention" {
  default = 7
}
"""
OTHER = """resource "aws_db_instance" "legacy" {
  engine                  = "postgres"
  backup_retention_period = 1
}
"""


def _module(tmp_path: Path) -> Path:
    module = tmp_path / "modules" / "db"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(MAIN)
    (module / "variables.tf").write_text(VARIABLES)
    (module / "legacy.tf").write_text(OTHER)
    (module / "README.md").write_text("# not terraform\n")
    (module / "values.yaml").write_text("replicas: 1\n")
    return module


def _findings(*args: str) -> tuple[list[dict], dict]:
    result = run_cli("scan", *args, "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    return [f for f in report["findings"] if f["policy_id"] == "ME-DB-02"], report


def test_a_named_file_sees_its_modules_variables_but_reports_alone(tmp_path: Path) -> None:
    module = _module(tmp_path)
    findings, report = _findings(str(module / "main.tf"))
    assert [(Path(f["location"]["file"]).name, f["status"], f["observed"]) for f in findings] == \
        [("main.tf", "violates", "7d")]  # var.retention resolved from the unnamed variables.tf
    assert [Path(f["path"]).name for f in report["files"]] == ["main.tf"]  # legacy.tf's violation not re-reported
    alone, _ = _findings(str(module / "main.tf"), "--context", "none")
    assert [f["status"] for f in alone] == ["unknown"]  # without context the variable is unresolved


def test_context_takes_only_files_of_the_named_files_formats(tmp_path: Path) -> None:
    module = _module(tmp_path)
    found = sorted(Path(p).name for p in context_files([str(module / "main.tf")]))
    assert found == ["legacy.tf", "variables.tf"]
    assert context_files([str(module)]) == []  # a directory is its own context
    assert context_files([str(module / "main.tf")], "none") == []


def test_repo_context_reaches_other_directories(tmp_path: Path) -> None:
    module = _module(tmp_path)
    (tmp_path / ".git").mkdir()  # the repository root
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "versions.tf").write_text('terraform {\n  required_version = ">= 1.5"\n}\n')
    previous = Path.cwd()
    try:
        os.chdir(module)
        found = sorted(Path(p).name for p in context_files(["main.tf"], "repo"))
    finally:
        os.chdir(previous)
    assert found == ["legacy.tf", "variables.tf", "versions.tf"]


def test_directories_and_files_together_report_both(tmp_path: Path) -> None:
    module = _module(tmp_path)
    findings, _ = _findings(str(module / "main.tf"), str(EXAMPLE / "gcp"))
    assert {Path(f["location"]["file"]).name for f in findings if f["status"] == "violates"} == {"main.tf"}
    assert len({f["location"]["file"] for f in findings}) == 2  # the module's main.tf and the example's gcp/main.tf


def test_hook_sized_scan_is_fast() -> None:
    files = [str(EXAMPLE / "kubernetes" / "deployment.yaml"), str(EXAMPLE / "gcp" / "main.tf"),
             str(EXAMPLE / "aws" / "cloudformation.yaml")]
    started = time.perf_counter()
    result = run_cli("scan", *files, "--quiet")
    elapsed = time.perf_counter() - started
    assert result.returncode == 1
    assert elapsed < 5, f"a three-file scan took {elapsed:.1f}s"  # measured ~0.5 s; generous for a shared CI box


def test_context_resources_are_referred_to_but_not_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A staged Deployment is judged with its neighbours (the HPA that scales it), whose own findings, which the
    report would drop, are not made at all."""
    from scanner.cli import main
    from scanner.policy.engine import Engine

    for name in ("deployment.yaml", "hpa.yaml", "service.yaml"):
        (tmp_path / name).write_bytes((EXAMPLE / "kubernetes" / name).read_bytes())
    judged: set[str] = set()
    evaluate_all = Engine.evaluate_all

    def recording(self: Engine, policy: Any, resource: Any, everything: Any = ()) -> Any:
        judged.add(Path(resource.origin.file).name)
        return evaluate_all(self, policy, resource, everything)

    monkeypatch.setattr(Engine, "evaluate_all", recording)
    main(["scan", str(tmp_path / "deployment.yaml"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert judged == {"deployment.yaml"}
    hpa = [f for f in report["findings"] if f["policy_id"] == "ME-K8S-02"]
    assert hpa and {f["status"] for f in hpa} == {"complies"}  # the HPA in hpa.yaml was there to be found
    assert {Path(f["location"]["file"]).name for f in report["findings"]} == {"deployment.yaml"}
