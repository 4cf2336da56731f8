"""ME-ORC-01 on an ECS service that names neither a launch type nor a strategy: it runs on its cluster's
default strategy, judged on the cluster when the files declare it, and unknown when they do not (a
parameter, an import, a variable or a name of no declared cluster)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-ORC-01"]

_CFN = '''AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ClusterParam:
    Type: String
Resources:
  Declared:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterName: named-cluster
      DefaultCapacityProviderStrategy:
        - {CapacityProvider: FARGATE, Base: 2, Weight: 1}
        - {CapacityProvider: FARGATE_SPOT, Weight: 4}
  Service:
    Type: AWS::ECS::Service
    Properties:
      DesiredCount: 1
CLUSTER
'''


def _statuses(tmp_path: Path, name: str, text: str) -> dict[str, Status]:
    (tmp_path / name).write_text(text)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    return {f.resource_address: f.status for f in Engine([POLICY]).run(outcome.resources)}


@pytest.mark.parametrize("cluster, expected", [
    ("      Cluster: !Ref ClusterParam", Status.UNKNOWN),
    ("      Cluster: !ImportValue shared:ClusterName", Status.UNKNOWN),
    ("      Cluster: other-cluster", Status.UNKNOWN),
    ("", Status.UNKNOWN),  # the account's "default" cluster, not in the files
    ("      Cluster: !Ref Declared", None),
    ("      Cluster: named-cluster", None),
])
def test_cloudformation_service_without_strategy(tmp_path: Path, cluster: str, expected: Status | None) -> None:
    found = _statuses(tmp_path, "template.yaml", _CFN.replace("CLUSTER", cluster))
    assert found.get("Service") == expected
    assert found["Declared"] == Status.COMPLIES


@pytest.mark.parametrize("cluster, expected", [
    ("var.cluster_arn", Status.UNKNOWN),
    ("aws_ecs_cluster.main.id", None),
])
def test_terraform_service_without_strategy(tmp_path: Path, cluster: str, expected: Status | None) -> None:
    found = _statuses(tmp_path, "main.tf", f'''
variable "cluster_arn" {{
  type = string
}}
resource "aws_ecs_cluster" "main" {{
  name = "main"
  default_capacity_provider_strategy {{
    capacity_provider = "FARGATE"
    base              = 2
    weight            = 1
  }}
  default_capacity_provider_strategy {{
    capacity_provider = "FARGATE_SPOT"
    weight            = 4
  }}
}}
resource "aws_ecs_service" "api" {{
  name    = "api"
  cluster = {cluster}
}}
''')
    assert found.get("aws_ecs_service.api") == expected
    assert found["aws_ecs_cluster.main"] == Status.COMPLIES
