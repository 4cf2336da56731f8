"""Drift findings go through the reporters and honour the baseline, as scan findings do."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from scanner.collectors.collection import Collection
from scanner.collectors.snapshot import dumps
from scanner.drift.findings import DRIFT_POLICY, drift_findings
from scanner.drift.report import build
from scanner.mappings import load_paths
from scanner.model import Finding, Origin, Resource, Status
from scanner.policy.pack import load_policies
from tests.conftest import run_cli

REGION = "eu-west-1"
TEMPLATE = """Resources:
  Db:
    Type: AWS::RDS::DBCluster
    Properties:
      DBClusterIdentifier: orders-db
      Engine: aurora-postgresql
      BackupRetentionPeriod: 30
"""


def _snapshot(tmp_path: Path, retention: int = 3) -> Path:
    arn = f"arn:aws:rds:{REGION}:1:cluster:orders-db"
    cluster = Resource("aws", "AWS::RDS::DBCluster", arn, Origin(account="1", region=REGION,
                                                                 api="rds:DescribeDBClusters"),
                       {"DBClusterIdentifier": "orders-db", "DBClusterArn": arn, "Engine": "aurora-postgresql",
                        "BackupRetentionPeriod": retention, "MemberInstances": []}, format="aws-api", source="live")
    path = tmp_path / "live.json"
    path.write_text(dumps(Collection("aws", [cluster], account="1", regions=(REGION,))))
    return path


def _drift_of(tmp_path: Path, template: str) -> list[Finding]:
    iac = tmp_path / "t.yaml"
    iac.write_text(template)
    from scanner.collectors.snapshot import load

    report = build(load_paths([iac]).resources, load(_snapshot(tmp_path)), load_policies())
    return [f for f in drift_findings(report) if f.policy_id == DRIFT_POLICY]


def test_a_drifted_attribute_is_a_finding_whose_fingerprint_ignores_lines(tmp_path: Path) -> None:
    [before] = _drift_of(tmp_path, TEMPLATE)
    assert (before.fact, before.status, before.resource_address) == ("backup_retention", Status.VIOLATES, "Db")
    assert before.remediation is not None and "--backup-retention-period 30" in before.remediation.snippet
    [moved] = _drift_of(tmp_path, "# a comment\n\n" + TEMPLATE)
    assert moved.line != before.line and moved.fingerprint == before.fingerprint


def test_every_reporter_renders_drift_and_the_baseline_accepts_one_attribute(tmp_path: Path) -> None:
    iac = tmp_path / "t.yaml"
    iac.write_text(TEMPLATE)
    live = _snapshot(tmp_path)
    args = ("drift", "--iac", str(iac), "--live", str(live), "--fail-on", "critical")
    for fmt in ("sarif", "junit", "gitlab", "markdown", "github"):
        done = run_cli(*args, "--format", fmt)
        assert done.returncode == 1 and "backup_retention" in done.stdout, (fmt, done.stderr)
    sarif = json.loads(run_cli(*args, "--format", "sarif").stdout)
    drift = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == DRIFT_POLICY]
    assert len(drift) == 1 and drift[0]["partialFingerprints"]
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("accepted:\n  - {policy: SD-DRIFT, resource: Db, fact: backup_retention, owner: dba, "
                        "reason: restoring from a snapshot, expires: 2999-01-01}\n")
    done = run_cli(*args, "--baseline", str(baseline), "--format", "gitlab")
    assert done.returncode == 0, done.stderr  # the one drift is accepted; nothing critical violates
    other = tmp_path / "other.yaml"
    other.write_text(baseline.read_text().replace("backup_retention", "engine_version"))
    assert run_cli(*args, "--baseline", str(other)).returncode == 1  # another attribute accepts nothing


def test_the_json_and_text_views_show_fingerprints_and_acceptances_as_the_exit_code_does(tmp_path: Path) -> None:
    iac = tmp_path / "t.yaml"
    iac.write_text(TEMPLATE)
    args = ("drift", "--iac", str(iac), "--live", str(_snapshot(tmp_path)), "--fail-on", "critical")
    plain = json.loads(run_cli(*args, "--format", "json").stdout)
    [diff] = [d for i in plain["items"] for d in i["differences"] if d["fact"] == "backup_retention"]
    sarif = json.loads(run_cli(*args, "--format", "sarif").stdout)
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == DRIFT_POLICY]
    assert diff["fingerprint"] == next(iter(result["partialFingerprints"].values()))
    assert diff["accepted"] is None and plain["summary"]["failing"] == 1 and plain["summary"]["accepted"] == 0
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("accepted:\n  - {policy: SD-DRIFT, resource: Db, fact: backup_retention, owner: dba, "
                        "reason: restoring from a snapshot, expires: 2999-01-01}\n")
    done = run_cli(*args, "--baseline", str(baseline), "--format", "json")
    accepted = json.loads(done.stdout)
    [diff] = [d for i in accepted["items"] for d in i["differences"] if d["fact"] == "backup_retention"]
    assert done.returncode == 0 and accepted["summary"]["failing"] == 0 and accepted["summary"]["accepted"] == 1
    assert diff["accepted"] == {"owner": "dba", "reason": "restoring from a snapshot", "expires": "2999-01-01"}
    text = run_cli(*args, "--baseline", str(baseline), "--format", "text").stdout
    assert "accepted (dba: restoring from a snapshot, until 2999-01-01)" in text
    assert "0 failing at or above critical" in text and "1 accepted" in text


def _drift_with_baseline(tmp_path: Path, entry: str) -> subprocess.CompletedProcess[str]:
    iac = tmp_path / "t.yaml"
    iac.write_text(TEMPLATE)
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("accepted:\n" + entry)
    return run_cli("drift", "--iac", str(iac), "--live", str(_snapshot(tmp_path)), "--fail-on", "critical",
                   "--baseline", str(baseline), "--format", "json")


def test_an_expired_acceptance_makes_its_drift_fail_again(tmp_path: Path) -> None:
    entry = ("  - {policy: SD-DRIFT, resource: Db, fact: backup_retention, owner: dba, "
             "reason: restoring from a snapshot, expires: %s}\n")
    assert _drift_with_baseline(tmp_path, entry % "2999-01-01").returncode == 0
    expired = _drift_with_baseline(tmp_path, entry % "2020-01-01")
    assert expired.returncode == 1, expired.stderr
    assert "1 acceptance(s) expired and fail again: SD-DRIFT Db (owner dba, expired 2020-01-01)" in expired.stderr


def test_a_drift_acceptance_naming_an_unknown_policy_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    done = _drift_with_baseline(tmp_path, "  - policy: SD-DRIFTS\n    resource: Db\n    owner: dba\n"
                                          "    reason: typo\n    expires: 2999-01-01\n")
    assert done.returncode == 2 and "baseline.yaml:2: accepted[0]: policy 'SD-DRIFTS'" in done.stderr, done.stderr
    assert "did you mean `SD-DRIFT`" in done.stderr


def test_a_drifted_settings_map_is_told_by_the_entries_that_differ_never_as_two_reprs() -> None:
    from scanner.drift.findings import _changed

    declared = {"shared_buffers": "8GB", "work_mem": "16MB", "max_connections": "200"}
    live = {"shared_buffers": "128MB", "work_mem": "16384kB", "max_connections": "200", "jit": "on"}
    message = _changed("pg_settings", declared, live)
    assert message == ("pg_settings: shared_buffers: the IaC says 8GB, live is 128MB; "
                       "jit: the IaC says (not set), live is on")  # work_mem is the same 16 MB
    assert "{" not in _changed("redis_bind", ["0.0.0.0"], ["127.0.0.1", "::1"])
    many = _changed("m", {str(i): i for i in range(9)}, {str(i): i + 1 for i in range(9)}, most=6)
    assert many.endswith("; and 3 more")
