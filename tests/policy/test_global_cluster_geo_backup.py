"""ME-DB-07 on an Aurora global database: a cluster that is a member of an ``aws_rds_global_cluster`` with
another member cluster in the scan replicates to another region (each secondary cluster of a global database
is in a region of its own), so its data survives a region; a global cluster with only this member does not.
The members are usually module instances whose ``global_cluster_identifier`` comes in through a variable
from the caller, so the reference is followed to the caller's resource."""

from __future__ import annotations

from pathlib import Path

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES, write_files

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-DB-07"]

_GLOBAL = '''
resource "aws_rds_global_cluster" "g" {
  global_cluster_identifier = "global"
  engine                    = "aurora-postgresql"
  engine_version            = "15.4"
}
'''

_MODULE = '''
variable "global_cluster_identifier" {
  default = null
}
variable "region" {
  default = null
}
resource "aws_rds_cluster" "this" {
  region                      = var.region
  cluster_identifier          = "db"
  engine                      = "aurora-postgresql"
  global_cluster_identifier   = var.global_cluster_identifier
  manage_master_user_password = true
  master_username             = "root"
}
'''


def _call(name: str, region: str | None = None) -> str:
    where = f'\n  region = "{region}"' if region else ""
    return (f'module "{name}" {{\n  source = "./db"\n'
            f'  global_cluster_identifier = aws_rds_global_cluster.g.id{where}\n}}\n')


def _statuses(tmp_path: Path, files: dict[str, str]) -> dict[str, Status]:
    write_files(tmp_path, files)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    return {f.resource_address: f.status for f in Engine([POLICY]).run(outcome.resources)}


def test_member_of_a_global_cluster_with_a_secondary_complies(tmp_path: Path) -> None:
    found = _statuses(tmp_path, {"main.tf": _GLOBAL + _call("primary") + _call("secondary", "us-east-1"),
                                 "db/main.tf": _MODULE})
    assert found["module.primary.aws_rds_cluster.this"] == Status.COMPLIES
    assert found["module.secondary.aws_rds_cluster.this"] == Status.COMPLIES


def test_only_member_of_a_global_cluster_violates(tmp_path: Path) -> None:
    found = _statuses(tmp_path, {"main.tf": _GLOBAL + _call("primary"), "db/main.tf": _MODULE})
    assert found["module.primary.aws_rds_cluster.this"] == Status.VIOLATES


def test_members_in_one_module(tmp_path: Path) -> None:
    clusters = "".join(f'''
resource "aws_rds_cluster" "{name}" {{
  cluster_identifier          = "{name}"
  engine                      = "aurora-postgresql"
  global_cluster_identifier   = aws_rds_global_cluster.g.id
  manage_master_user_password = true
  master_username             = "root"
}}
''' for name in ("primary", "secondary"))
    found = _statuses(tmp_path, {"main.tf": _GLOBAL + clusters})
    assert found["aws_rds_cluster.primary"] == Status.COMPLIES


def test_caller_prefix() -> None:
    from scanner.policy.resource_index import _caller_prefix

    assert _caller_prefix("module.a.") == ""
    assert _caller_prefix("module.a.module.b.") == "module.a."
    assert _caller_prefix('module.a["x.module.y"].module.b[0].') == 'module.a["x.module.y"].'
