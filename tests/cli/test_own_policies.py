"""Own policies beside the shipped pack: --policies-dir adds, a shipped ID is overridden with a note,
--no-default-policies replaces the pack."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.policy.pack import load_policies
from tests.conftest import EXAMPLE, POLICIES, ROOT, run_cli, write_files

EXAMPLE_ARG = str(EXAMPLE.relative_to(ROOT))
SHIPPED = len(load_policies([POLICIES]))
OWN = """id: {pid}
requirements: [ME-DB-02]
title: Database backups are kept at least {days} days (our rule)
severity: high
applies_to: {{kinds: [sql_database]}}
check: {{fact: backup_retention, op: ">=", value: {days}d}}
message: "backups are kept {{observed}}"
"""


def _pack(tmp_path: Path, pid: str, days: int) -> Path:
    write_files(tmp_path / "own", {f"{pid}/policy.yaml": OWN.format(pid=pid, days=days)})
    return tmp_path / "own"


def _scan(*args: str) -> tuple[dict, str, int]:
    result = run_cli("scan", EXAMPLE_ARG, "--format", "json", *args)
    return (json.loads(result.stdout) if result.stdout else {}), result.stderr, result.returncode


def test_a_policies_dir_runs_beside_the_shipped_pack(tmp_path: Path) -> None:
    report, _, code = _scan("--policies-dir", str(_pack(tmp_path, "ACME-DB-01", 45)))
    assert code == 1 and report["summary"]["policies"] == SHIPPED + 1
    own = [f for f in report["findings"] if f["policy_id"] == "ACME-DB-01"]
    assert own and {f["status"] for f in own} >= {"violates"}
    assert any(f["policy_id"] == "ME-DB-02" for f in report["findings"])  # the shipped ones still run


def test_a_shipped_id_is_overridden_with_a_note(tmp_path: Path) -> None:
    report, stderr, _ = _scan("--policies-dir", str(_pack(tmp_path, "ME-DB-02", 7)))
    assert report["summary"]["policies"] == SHIPPED
    assert "policy ME-DB-02 from" in stderr and "overrides the shipped one" in stderr
    titles = {f["title"] for f in report["findings"] if f["policy_id"] == "ME-DB-02"}
    assert titles == {"Database backups are kept at least 7 days (our rule)"}


def test_no_default_policies_replaces_the_pack(tmp_path: Path) -> None:
    report, _, _ = _scan("--no-default-policies", "--policies-dir", str(_pack(tmp_path, "ACME-DB-01", 45)))
    assert report["summary"]["policies"] == 1
    assert {f["policy_id"] for f in report["findings"]} <= {"ACME-DB-01", "ME-SEC-01", "SD-PARSE"}
    _, stderr, code = _scan("--no-default-policies")
    assert code == 2 and "needs at least one --policies-dir" in stderr
