"""Bad input: one error finding per bad file, with file and line, and the good files still scanned."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, run_cli

BROKEN = {
    "broken.tf": 'resource "aws_db_instance" "x" {\n  engine = "postgres"\n  backup_retention_period = = 7\n}\n',
    "broken-cfn.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Db:\n    Type: AWS::RDS::DBInstance\n"
                       "    Properties: {Engine: postgres\n",
    "broken-arm.json": '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
                       '  "resources": [\n    {"type": "Microsoft.DBforPostgreSQL/flexibleServers",\n',
    "broken-k8s.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n   namespace: bad\n",
    "binary.tf": None,
}


@pytest.fixture()
def mixed_dir(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "good")
    bad = tmp_path / "bad"
    bad.mkdir()
    for name, text in BROKEN.items():
        if text is None:
            (bad / name).write_bytes(b"\x00\x01\x02binary\xff\xfe" * 10)
        else:
            (bad / name).write_text(text)
    return tmp_path


def test_each_bad_file_is_one_error_and_good_files_still_report(mixed_dir: Path) -> None:
    result = run_cli("scan", str(mixed_dir), "--format", "json")
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    errors = [f for f in report["findings"] if f["status"] == "error"]
    by_file = {Path(f["location"]["file"]).name: f for f in errors}
    assert sorted(by_file) == sorted(BROKEN), by_file.keys()
    assert len(errors) == len(BROKEN)
    assert by_file["broken.tf"]["location"]["line"] == 3
    assert by_file["broken-cfn.yaml"]["location"]["line"] in (5, 6)
    assert by_file["broken-arm.json"]["location"]["line"] >= 3
    assert by_file["broken-k8s.yaml"]["location"]["line"] == 5
    assert by_file["binary.tf"]["location"]["line"] == 1
    for f in errors:
        assert f["message"], f
    # the good copy of the guide still yields its true findings
    assert any(f["policy_id"] == "ME-K8S-03" and f["status"] == "violates" for f in report["findings"])
    assert result.returncode == 1


def test_strict_turns_parse_errors_into_exit_2(mixed_dir: Path) -> None:
    result = run_cli("scan", str(mixed_dir / "bad"), "--strict", "--format", "json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_parse_errors_alone_do_not_fail_the_gate_without_strict(mixed_dir: Path) -> None:
    result = run_cli("scan", str(mixed_dir / "bad"), "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["summary"]["by_status"]["error"] == len(BROKEN)
