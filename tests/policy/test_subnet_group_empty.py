"""ME-NET-02-PRIVATE: a subnet group name of "" is no subnet group (the AWS provider sends none), so the
data store lands in the default VPC's subnets, as when the argument is omitted."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-NET-02-PRIVATE"]


@pytest.mark.parametrize("setting", ['  subnet_group_name = ""', "  subnet_group_name = var.group_name", ""])
def test_empty_subnet_group_is_the_default_vpc(tmp_path: Path, setting: str) -> None:
    (tmp_path / "main.tf").write_text(f'''
variable "group_name" {{
  default = ""
}}
resource "aws_elasticache_replication_group" "cache" {{
  replication_group_id = "cache"
  description          = "cache"
  engine               = "redis"
  node_type            = "cache.t4g.small"
{setting}
}}
''')
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    [finding] = [f for f in Engine([POLICY]).run(outcome.resources)]
    assert finding.status == Status.VIOLATES, finding.message
