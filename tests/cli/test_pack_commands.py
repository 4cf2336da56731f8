"""``policies``, ``export`` and ``drift`` read the pack as ``scan`` does: ``--policies-dir`` adds to the shipped
pack (a shipped ID is overridden with a note), ``--no-default-policies`` replaces it, ``--external-checks-dir``
and the ``specdrift.checks`` entry points bring the check functions an own policy names."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT, run_cli, write_files
from tests.drift.test_drift_findings import TEMPLATE, _snapshot
from tests.policy.test_external_checks import CHECK, POLICY

OWN = """id: {pid}
requirements: [ME-DB-02]
title: Backups kept at least 45 days (our rule)
severity: high
applies_to: {{kinds: [sql_database]}}
check: {{fact: backup_retention, op: ">=", value: 45d}}
"""


def _own(tmp_path: Path, pid: str = "ACME-DB-01") -> str:
    write_files(tmp_path / "own", {f"{pid}/policy.yaml": OWN.format(pid=pid)})
    return str(tmp_path / "own")


def _listed(*args: str) -> tuple[set[str], str, int]:
    done = run_cli("policies", *args)
    return {line.split()[0] for line in done.stdout.splitlines() if line.strip()}, done.stderr, done.returncode


def test_policies_lists_own_policies_beside_the_shipped_ones(tmp_path: Path) -> None:
    own = _own(tmp_path)
    listed, _, code = _listed("--policies-dir", own)
    assert code == 0 and {"ACME-DB-01", "ME-DB-02", "ME-NET-02"} <= listed
    alone, _, code = _listed("--policies-dir", own, "--no-default-policies")
    assert code == 0 and "ACME-DB-01" in alone and "ME-DB-02" not in alone
    _, stderr, _ = _listed("--policies-dir", _own(tmp_path / "o", "ME-DB-02"))
    assert "policy ME-DB-02 from" in stderr and "overrides the shipped one" in stderr


def test_policies_shows_a_policy_naming_an_external_check(tmp_path: Path) -> None:
    write_files(tmp_path / "checks", {"acme.py": CHECK.format(name="acme_retention")})
    write_files(tmp_path / "p", {"ACME-DB-03/policy.yaml": POLICY.format(name="acme_retention", n="03")})
    refused = run_cli("policies", "--policies-dir", str(tmp_path / "p"))
    assert refused.returncode == 2 and "acme_retention" in refused.stderr
    listed, stderr, code = _listed("--policies-dir", str(tmp_path / "p"), "--external-checks-dir",
                                   str(tmp_path / "checks"))
    assert code == 0 and {"ACME-DB-03", "ME-DB-02"} <= listed, stderr


def test_export_writes_own_policies_beside_the_shipped_ones(tmp_path: Path) -> None:
    done = run_cli("export", "checkov", str(tmp_path / "out"), "--policies-dir", _own(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "exported ACME-DB-01" in done.stdout and "exported ME-DB-02" in done.stdout


def test_drift_judges_with_own_policies_beside_the_shipped_ones(tmp_path: Path) -> None:
    iac = tmp_path / "t.yaml"
    iac.write_text(TEMPLATE)
    live = _snapshot(tmp_path)
    done = run_cli("drift", "--iac", str(iac), "--live", str(live), "--format", "sarif", "--policies-dir",
                   _own(tmp_path), cwd=ROOT)
    assert done.returncode == 1, done.stderr
    rules = {r["ruleId"] for r in json.loads(done.stdout)["runs"][0]["results"]}
    assert {"ACME-DB-01", "ME-DB-02"} <= rules
