"""A read replica runs its source's engine: an ``aws_db_instance`` with ``replicate_source_db`` (CloudFormation's
``SourceDBInstanceIdentifier``) that declares no engine takes its engine facts from the source when the scan
has it, and stays unknown when it does not (never guessed). What the replica declares itself wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

POLICIES_BY_ID = {p.id: p for p in load_policies([POLICIES])}

_PRIMARY = '''
resource "aws_db_instance" "primary" {
  identifier                  = "primary"
  engine                      = "%(engine)s"
  engine_version              = "%(version)s"
  instance_class              = "db.t4g.large"
  allocated_storage           = 20
  username                    = "admin"
  manage_master_user_password = true
}
'''

_REPLICA = '''
variable "source_db" {
  type = string
}
resource "aws_db_instance" "replica" {
  identifier          = "replica"
  replicate_source_db = %(source)s
  instance_class      = "db.t4g.large"%(own)s
}
'''


def _statuses(tmp_path: Path, text: str, policy: str) -> dict[str, tuple[Status, str]]:
    (tmp_path / "main.tf").write_text(text)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    return {f.resource_address: (f.status, f.message)
            for f in Engine([POLICIES_BY_ID[policy]]).run(outcome.resources)}


@pytest.mark.parametrize("source", ["aws_db_instance.primary.identifier", "aws_db_instance.primary.arn"])
def test_replica_runs_its_sources_engine(tmp_path: Path, source: str) -> None:
    text = _PRIMARY % {"engine": "postgres", "version": "15.4"} + _REPLICA % {"source": source, "own": ""}
    status, message = _statuses(tmp_path, text, "ME-DB-01")["aws_db_instance.replica"]
    assert status == Status.COMPLIES, message
    status, message = _statuses(tmp_path, text, "ME-DB-05")["aws_db_instance.replica"]
    assert status == Status.VIOLATES, message  # no log exports of its own


def test_replicas_own_version_wins(tmp_path: Path) -> None:
    text = _PRIMARY % {"engine": "postgres", "version": "15.4"} + _REPLICA % {
        "source": "aws_db_instance.primary.identifier", "own": '\n  engine_version = "17"'}
    status, message = _statuses(tmp_path, text, "ME-DB-01")["aws_db_instance.replica"]
    assert status == Status.VIOLATES, message
    assert "17" in message


def test_replica_of_another_engine_is_not_postgresql(tmp_path: Path) -> None:
    text = _PRIMARY % {"engine": "mysql", "version": "8.0"} + _REPLICA % {
        "source": "aws_db_instance.primary.identifier", "own": ""}
    assert "aws_db_instance.replica" not in _statuses(tmp_path, text, "ME-DB-01")


def test_replica_whose_source_is_not_in_the_files_stays_unknown(tmp_path: Path) -> None:
    text = _REPLICA % {"source": "var.source_db", "own": ""}
    status, message = _statuses(tmp_path, text, "ME-DB-01")["aws_db_instance.replica"]
    assert status == Status.UNKNOWN
    assert "is not declared" in message, message


def test_cloudformation_replica(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text('''
Resources:
  Primary:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      EngineVersion: "15.4"
      DBInstanceClass: db.t4g.large
      AllocatedStorage: "20"
      MasterUsername: admin
      ManageMasterUserPassword: true
  Replica:
    Type: AWS::RDS::DBInstance
    Properties:
      SourceDBInstanceIdentifier: !Ref Primary
      DBInstanceClass: db.t4g.large
''')
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    found = {f.resource_address: f.status for f in Engine([POLICIES_BY_ID["ME-DB-01"]]).run(outcome.resources)}
    assert found["Replica"] == Status.COMPLIES
