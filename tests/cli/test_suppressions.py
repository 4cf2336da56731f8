"""Suppressions in code, end to end: a ``specdrift:ignore`` comment suppresses its finding where it lives, in
every format; a careless one is a finding itself; suppressed findings are reported as suppressed, never passing."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from scanner.model import Status
from scanner.reporters import REPORTERS
from scanner.scan import ScanOptions, scan
from scanner.suppression import SUPPRESSION_POLICY
from tests.conftest import EXAMPLE, run_cli, write_files

REASON = 'reason="restored from snapshot weekly" expires=2999-03-01'


def _open(report: object, policy: str) -> list:
    return [f for f in report.findings if f.policy_id == policy and f.status == Status.VIOLATES  # type: ignore[attr-defined]
            and not f.accepted]


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / Path(name).name
    shutil.copy(EXAMPLE / name, target)
    return target


def _insert(path: Path, line: int, text: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(line - 1, text + "\n")
    path.write_text("".join(lines))


@pytest.mark.parametrize(("name", "policy", "line", "comment"), [
    ("gcp/main.tf", "ME-DB-02", 103, "  # specdrift:ignore ME-DB-02 {reason}"),  # above the setting
    ("gcp/main.tf", "ME-DB-02", 95, "// specdrift:ignore ME-DB-02 {reason}"),  # above the resource
    ("kubernetes/deployment.yaml", "ME-K8S-03", 19, "        # specdrift:ignore ME-K8S-03 {reason}"),
    ("aws/cloudformation.yaml", "ME-DB-08", 54, "    # specdrift:ignore ME-DB-08 {reason}"),  # inside the resource
    ("redis/redis.conf", "ME-RED-02", 3, "# specdrift:ignore ME-RED-02 {reason}"),
    ("backup/backup.sh", "ME-BAK-02", 10, "# specdrift:ignore ME-BAK-02 {reason}"),
])
def test_a_comment_suppresses_its_finding(tmp_path: Path, name: str, policy: str, line: int, comment: str) -> None:
    path = _copy(tmp_path, name)
    before = _open(scan(ScanOptions(paths=[str(path)])), policy)
    assert before
    _insert(path, line, comment.format(reason=REASON))
    report = scan(ScanOptions(paths=[str(path)]))
    suppressed = [f for f in report.findings if f.policy_id == policy and f.suppressed]
    assert len(suppressed) == 1 and suppressed[0].status == Status.VIOLATES  # suppressed, not passing
    assert len(_open(report, policy)) == len(before) - 1  # that one only (a script has two pipelines)
    assert suppressed[0].acceptance.suppressed_at == f"{path}:{line}"  # type: ignore[union-attr]
    assert not [f for f in report.findings if f.policy_id == SUPPRESSION_POLICY]


def test_dockerfile_and_sql_comments(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "Dockerfile": f"FROM postgres:16.2\n# specdrift:ignore ME-IMG-01 {REASON}\nUSER root\nCMD [\"postgres\"]\n",
        "tuning.sql": f"ALTER SYSTEM SET shared_buffers = '128MB';\n-- specdrift:ignore ME-PG-05 {REASON}\n"
                      "ALTER SYSTEM SET max_connections = 5000;\n"})
    report = scan(ScanOptions(paths=[str(tmp_path)]))
    assert {f.policy_id for f in report.findings if f.suppressed} == {"ME-IMG-01", "ME-PG-05"}
    assert _open(report, "ME-PG-01")  # another policy on the same resource stays open


def test_arm_through_metadata(tmp_path: Path) -> None:
    path = _copy(tmp_path, "azure/azuredeploy.json")
    template = json.loads(path.read_text())
    server = next(r for r in template["resources"] if r["type"] == "Microsoft.DBforPostgreSQL/flexibleServers")
    server["metadata"] = {"specdrift:ignore": f'ME-NET-02 {REASON}'}
    path.write_text(json.dumps(template, indent=2))
    report = scan(ScanOptions(paths=[str(path)]))
    # a requirement ID names every policy that enforces it (as in a baseline): ME-NET-02-PRIVATE cites ME-NET-02
    assert {f.policy_id for f in report.findings if f.suppressed} == {"ME-NET-02", "ME-NET-02-PRIVATE"}
    assert _open(report, "ME-DB-08")


@pytest.mark.parametrize(("comment", "problem"), [
    ("# specdrift:ignore ME-RED-02", 'has no reason="..."'),
    ('# specdrift:ignore ME-RED-99 reason="typo"', "names unknown policy ME-RED-99"),
    ('# specdrift:ignore ME-RED-02 reason="old" expires=2020-01-01', "expired on 2020-01-01"),
    ('# specdrift:ignore ME-RED-02 reason="x" expires=soon', "is not a date"),
])
def test_a_careless_suppression_is_itself_a_finding(tmp_path: Path, comment: str, problem: str) -> None:
    path = _copy(tmp_path, "redis/redis.conf")
    _insert(path, 3, comment)
    report = scan(ScanOptions(paths=[str(path)]))
    bad = [f for f in report.findings if f.policy_id == SUPPRESSION_POLICY]
    assert len(bad) == 1 and problem in bad[0].message and bad[0].line == 3
    assert bad[0].status == Status.VIOLATES and report.failing(bad[0].severity)
    assert _open(report, "ME-RED-02")  # and the finding it meant is not suppressed


def test_suppressed_findings_in_json_sarif_junit_and_text(tmp_path: Path) -> None:
    path = _copy(tmp_path, "redis/redis.conf")
    _insert(path, 3, f"# specdrift:ignore ME-RED-02 {REASON}")
    report = scan(ScanOptions(paths=[str(path)]))
    fail_on = report.findings[0].severity.parse("info")
    data = json.loads(REPORTERS["json"].render(report, fail_on, False))
    entry = next(f for f in data["findings"] if f["policy_id"] == "ME-RED-02")
    assert entry["status"] == "violates" and entry["acceptance"] is None
    assert entry["suppression"] == {"location": f"{path}:3", "reason": "restored from snapshot weekly",
                                    "expires": "2999-03-01", "expired": False}
    assert data["summary"]["suppressed"] == 1 and data["summary"]["accepted"] == 0
    sarif = json.loads(REPORTERS["sarif"].render(report, fail_on, False))
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "ME-RED-02")
    assert result["suppressions"][0]["kind"] == "inSource"
    assert "restored from snapshot weekly" in result["suppressions"][0]["justification"]
    junit = ET.fromstring(REPORTERS["junit"].render(report, fail_on, False))
    case = next(c for c in junit.iter("testcase") if c.get("classname") == "specdrift.ME-RED-02")
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith(f"suppressed in the source at {path}:3")
    text = REPORTERS["text"].render(report, fail_on, False)
    assert "~ suppressed at" in text and "1 suppressed in the source" in text


def test_cli_exit_code_follows_suppressions(tmp_path: Path) -> None:
    write_files(tmp_path, {"Dockerfile": "FROM postgres:16.2@sha256:" + "a" * 64 + "\nUSER root\n"})
    failing = run_cli("scan", str(tmp_path), "--policy", "ME-IMG-01", "--format", "json")
    assert failing.returncode == 1, failing.stderr
    write_files(tmp_path, {"Dockerfile": "FROM postgres:16.2@sha256:" + "a" * 64 +
                           f"\nUSER root  # specdrift:ignore ME-IMG-01 reason=\"init runs as root\" "
                           f"expires={date.today().replace(year=date.today().year + 1)}\n"})
    passing = run_cli("scan", str(tmp_path), "--policy", "ME-IMG-01", "--format", "json")
    assert passing.returncode == 0, passing.stdout
