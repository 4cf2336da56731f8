"""ME-DB-10 on an Aurora Serverless v1 cluster (engine mode serverless): it has no instances and no instance
class; its size is its capacity, in Aurora capacity units of about 2 GiB of memory each, up to its maximum. A
maximum below the guide's memory is too small; enough memory leaves the vCPU count (AWS documents none per
ACU) unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files


@pytest.mark.parametrize("scaling, expected", [
    ("ScalingConfiguration:\n        MinCapacity: 2\n        MaxCapacity: 2", Status.VIOLATES),  # about 4 GiB
    ("ScalingConfiguration:\n        MaxCapacity: 8", Status.VIOLATES),  # about 16 GiB
    ("ScalingConfiguration:\n        MaxCapacity: 64", Status.UNKNOWN),  # 128 GiB; the vCPUs are not documented
    ("ScalingConfiguration:\n        MaxCapacity: !Ref Capacity", Status.UNKNOWN),
    ("", Status.UNKNOWN),  # no maximum declared
])
def test_cloudformation(tmp_path: Path, scaling: str, expected: Status) -> None:
    template = f'''AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Capacity:
    Type: Number
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      EngineMode: serverless
      EngineVersion: '13.9'
      ManageMasterUserPassword: true
      {scaling}
'''
    found = {f.resource_address: f for f in scan_files(tmp_path, {"db.yaml": template}, "ME-DB-10")}
    assert found["Cluster"].status == expected, found["Cluster"].message
    if expected == Status.VIOLATES:
        assert "ACU" in found["Cluster"].message, found["Cluster"].message


@pytest.mark.parametrize("scaling, expected", [
    ("scaling_configuration {\n    max_capacity = 4\n  }", Status.VIOLATES),
    ("scaling_configuration {\n    max_capacity = 32\n  }", Status.UNKNOWN),
])
def test_terraform(tmp_path: Path, scaling: str, expected: Status) -> None:
    text = f'''
resource "aws_rds_cluster" "main" {{
  cluster_identifier          = "main"
  engine                      = "aurora-postgresql"
  engine_mode                 = "serverless"
  master_username             = "admin"
  manage_master_user_password = true
  {scaling}
}}
'''
    found = {f.resource_address: f for f in scan_files(tmp_path, {"main.tf": text}, "ME-DB-10")}
    assert found["aws_rds_cluster.main"].status == expected, found["aws_rds_cluster.main"].message


def test_provisioned_cluster_keeps_its_instances(tmp_path: Path) -> None:
    """A provisioned Aurora cluster is still sized by its instances: no instance in the files, unknown."""
    text = '''
resource "aws_rds_cluster" "main" {
  cluster_identifier          = "main"
  engine                      = "aurora-postgresql"
  master_username             = "admin"
  manage_master_user_password = true
  scaling_configuration {
    max_capacity = 4
  }
}
'''
    found = {f.resource_address: f for f in scan_files(tmp_path, {"main.tf": text}, "ME-DB-10")}
    assert found["aws_rds_cluster.main"].status == Status.UNKNOWN
