"""ME-NET-02 on an Aurora cluster: public access is set on each instance, so the cluster is judged by the
instances that are (or may be) its members: one public member makes it public; all private, private; a
public instance whose cluster the files do not tell leaves it unknown, and no instance at all is unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES, scan_files

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-NET-02"]

_CLUSTER = '''
variable "cluster_id" {
  type = string
}
resource "aws_rds_cluster" "main" {
  cluster_identifier          = "main"
  engine                      = "aurora-postgresql"
  master_username             = "admin"
  manage_master_user_password = true
}
'''


def _instance(name: str, cluster: str, public: bool | None) -> str:
    flag = "" if public is None else f"\n  publicly_accessible = {str(public).lower()}"
    return f'''
resource "aws_rds_cluster_instance" "{name}" {{
  cluster_identifier = {cluster}
  instance_class     = "db.r6g.large"
  engine             = "aurora-postgresql"{flag}
}}
'''


def _cluster_status(tmp_path: Path, text: str, cluster: str = _CLUSTER) -> Status | None:
    (tmp_path / "main.tf").write_text(cluster + text)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    found = {f.resource_address: f.status for f in Engine([POLICY]).run(outcome.resources)}
    return found.get("aws_rds_cluster.main")


@pytest.mark.parametrize("instances, expected", [
    ([("a", "aws_rds_cluster.main.id", None), ("b", "aws_rds_cluster.main.id", True)], Status.VIOLATES),
    ([("a", "aws_rds_cluster.main.id", None), ("b", "aws_rds_cluster.main.id", False)], Status.COMPLIES),
    ([("a", "var.cluster_id", False)], Status.COMPLIES),  # every instance that may be a member is private
    ([("a", "aws_rds_cluster.main.id", False), ("b", "var.cluster_id", True)], Status.UNKNOWN),
    ([], Status.UNKNOWN),
])
def test_cluster_judged_by_its_members(tmp_path: Path, instances: list[tuple[str, str, bool | None]],
                                       expected: Status) -> None:
    assert _cluster_status(tmp_path, "".join(_instance(*i) for i in instances)) == expected


def test_serverless_v1_cluster_has_no_public_endpoint(tmp_path: Path) -> None:
    """Aurora Serverless v1 (engine_mode serverless) has no instances and cannot be given a public address."""
    text = _CLUSTER.replace('engine                      = "aurora-postgresql"',
                            'engine                      = "aurora-postgresql"\n  engine_mode = "serverless"')
    assert _cluster_status(tmp_path, "", text) == Status.COMPLIES


_SUBNET_GROUP = '''
resource "aws_db_subnet_group" "db" {
  name       = "db"
  subnet_ids = ["subnet-1", "subnet-2", "subnet-3"]
}
'''


@pytest.mark.parametrize("settings, expected", [
    ("", Status.VIOLATES),  # no DB subnet group: CreateDBCluster makes a Multi-AZ DB cluster public
    ('db_subnet_group_name = aws_db_subnet_group.db.name', Status.COMPLIES),  # a group of its own: private
    ('db_subnet_group_name = "default"', Status.VIOLATES),  # the default group: public
    ('db_subnet_group_name = var.cluster_id', Status.UNKNOWN),  # may be the group named default
    ('db_subnet_group_name = aws_db_subnet_group.db.name\n  publicly_accessible = true', Status.VIOLATES),
    ('publicly_accessible = false', Status.COMPLIES),
])
def test_multi_az_db_cluster_is_judged_on_its_own(tmp_path: Path, settings: str, expected: Status) -> None:
    """A Multi-AZ DB cluster (a non-Aurora engine with db_cluster_instance_class) has no aws_rds_cluster_instance
    members: its publicly_accessible, or CreateDBCluster's default, is its own."""
    cluster = _CLUSTER.replace('"aurora-postgresql"', '"postgres"').replace(
        "engine    ", f'db_cluster_instance_class = "db.m6gd.large"\n  {settings}\n  engine    ')
    assert _cluster_status(tmp_path, _SUBNET_GROUP, cluster) == expected


@pytest.mark.parametrize("settings, expected", [
    ("", Status.VIOLATES),
    ("DBSubnetGroupName: !Ref Subnets", Status.COMPLIES),
    ("DBSubnetGroupName: default", Status.VIOLATES),
    ("DBSubnetGroupName: !Ref GroupName", Status.UNKNOWN),
    ("PubliclyAccessible: false", Status.COMPLIES),
])
def test_multi_az_db_cluster_in_cloudformation(tmp_path: Path, settings: str, expected: Status) -> None:
    template = f'''AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  GroupName:
    Type: String
Resources:
  Subnets:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: db
      SubnetIds: [subnet-1, subnet-2, subnet-3]
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: mysql
      DBClusterInstanceClass: db.m6gd.large
      ManageMasterUserPassword: true
      {settings}
'''
    found = {f.resource_address: f.status for f in scan_files(tmp_path, {"db.yaml": template}, "ME-NET-02")}
    assert found["Cluster"] == expected
