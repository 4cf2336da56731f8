"""A module output that is one of the module's own resources (``module.pg.id = aws_db_parameter_group.this.id``)
still names that resource where the caller uses it: the reference index follows it across modules."""

from __future__ import annotations

from pathlib import Path

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-TLS-03"]


def _status(tmp_path: Path, force_ssl: str) -> Status:
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "main.tf").write_text(f'''
resource "aws_db_parameter_group" "this" {{
  name   = "pg"
  family = "postgres14"
  parameter {{
    name  = "rds.force_ssl"
    value = "{force_ssl}"
  }}
}}
output "id" {{
  value = aws_db_parameter_group.this.id
}}
''')
    (tmp_path / "main.tf").write_text('''
module "pg" {
  source = "./pg"
}
resource "aws_db_instance" "db" {
  engine               = "postgres"
  engine_version       = "14.10"
  instance_class       = "db.t3.micro"
  parameter_group_name = module.pg.id
}
''')
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    found = {f.resource_address: f for f in Engine([POLICY]).run(outcome.resources)}
    return found["aws_db_instance.db"].status


def test_parameter_group_from_a_module_output_is_judged(tmp_path: Path) -> None:
    assert _status(tmp_path, "0") == Status.VIOLATES


def test_parameter_group_from_a_module_output_complies(tmp_path: Path) -> None:
    assert _status(tmp_path, "1") == Status.COMPLIES
