"""ME-TLS-03's fix names the parameter group the resource takes: a DB parameter group for an instance, a DB
cluster parameter group for a cluster, with the family of its engine and major version (postgres14,
aurora-postgresql13), in the resource's format."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

CFN = '''AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Database:
    Type: {type}
    Properties:
      Engine: {engine}
      EngineVersion: '{version}'
      DBInstanceClass: db.m6g.large
      AllocatedStorage: 100
'''

TF = '''resource "{type}" "db" {{
  engine         = "{engine}"
  engine_version = "{version}"
  instance_class = "db.m6g.large"
}}
'''


@pytest.mark.parametrize("type_, engine, version, wanted, unwanted", [
    ("AWS::RDS::DBInstance", "postgres", "14.8", ["AWS::RDS::DBParameterGroup", "Family: postgres14"],
     ["aurora", "DBClusterParameterGroup"]),
    ("AWS::RDS::DBCluster", "aurora-postgresql", "13.9", ["AWS::RDS::DBClusterParameterGroup",
                                                         "Family: aurora-postgresql13"], []),
    ("AWS::RDS::DBCluster", "postgres", "14.8", ["AWS::RDS::DBClusterParameterGroup", "Family: postgres14"],
     ["aurora"]),
])
def test_cloudformation_fix_fits_the_resource(tmp_path: Path, type_: str, engine: str, version: str,
                                              wanted: list[str], unwanted: list[str]) -> None:
    template = CFN.format(type=type_, engine=engine, version=version)
    found = {f.resource_address: f for f in scan_files(tmp_path, {"db.yaml": template}, "ME-TLS-03")}
    fix = found["Database"].remediation
    assert fix is not None
    for text in wanted:
        assert text in fix.snippet, fix.snippet
    for text in unwanted:
        assert text not in fix.snippet, fix.snippet


@pytest.mark.parametrize("type_, engine, version, wanted, unwanted", [
    ("aws_db_instance", "postgres", "14.8", ['resource "aws_db_parameter_group"', 'family = "postgres14"'],
     ["aurora"]),
    ("aws_rds_cluster", "aurora-postgresql", "13.9", ['resource "aws_rds_cluster_parameter_group"',
                                                     'family = "aurora-postgresql13"'], []),
    ("aws_rds_cluster", "postgres", "14.8", ['family = "postgres14"'], ["aurora"]),
])
def test_terraform_fix_fits_the_resource(tmp_path: Path, type_: str, engine: str, version: str,
                                         wanted: list[str], unwanted: list[str]) -> None:
    found = {f.resource_address: f for f in scan_files(
        tmp_path, {"main.tf": TF.format(type=type_, engine=engine, version=version)}, "ME-TLS-03")}
    fix = found[f"{type_}.db"].remediation
    assert fix is not None
    for text in wanted:
        assert text in fix.snippet, fix.snippet
    for text in unwanted:
        assert text not in fix.snippet, fix.snippet
