"""ME-TLS-03 on an RDS for PostgreSQL instance that keeps the engine's rds.force_ssl default: 1 from major
version 15, 0 before. An engine version the files do not fix leaves the default, and so the verdict, unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files


@pytest.mark.parametrize("version, expected", [
    ("EngineVersion: '16.3'", Status.COMPLIES),
    ("EngineVersion: '14.8'", Status.VIOLATES),
    ("EngineVersion: !Ref Version", Status.UNKNOWN),  # a parameter without a default: 15+ or not
    ("", Status.UNKNOWN),  # RDS picks its current default major version
])
def test_default_parameter_group_follows_the_version(tmp_path: Path, version: str, expected: Status) -> None:
    template = f'''AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version:
    Type: String
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.m6g.2xlarge
      AllocatedStorage: 100
      {version}
'''
    found = {f.resource_address: f for f in scan_files(tmp_path, {"db.yaml": template}, "ME-TLS-03")}
    assert found["Database"].status == expected, found["Database"].message
