"""ME-DB-09 on where a Terraform database password comes from: a generated value or a variable the
files give no value (in a conditional or an interpolation) is not a literal; a literal in a branch is."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-DB-09"]


def _status(tmp_path: Path, text: str) -> Status:
    (tmp_path / "main.tf").write_text(text)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    [finding] = [f for f in Engine([POLICY]).run(outcome.resources) if f.resource_address == "aws_db_instance.db"]
    return finding.status


@pytest.mark.parametrize("password, expected", [
    ("random_id.pw.hex", Status.COMPLIES),
    ("random_password.pw.result", Status.COMPLIES),
    ('"${var.db_password}"', Status.COMPLIES),
    ("var.replica ? null : var.db_password", Status.COMPLIES),
    ("var.db_password", Status.COMPLIES),
    ("local.is_replica ? null : var.db_password", Status.COMPLIES),
    ('var.primary ? "hunter2hunter2" : var.db_password', Status.VIOLATES),
    ('"prefix-${var.db_password}"', Status.UNKNOWN),
])
def test_password_source(tmp_path: Path, password: str, expected: Status) -> None:
    text = f'''
variable "db_password" {{
  type = string
}}
variable "replica" {{
  default = false
}}
variable "primary" {{
  default = true
}}
locals {{
  is_replica = var.replica
}}
resource "random_id" "pw" {{
  byte_length = 16
}}
resource "random_password" "pw" {{
  length = 32
}}
resource "aws_db_instance" "db" {{
  engine         = "postgres"
  instance_class = "db.t3.micro"
  password       = {password}
}}
'''
    assert _status(tmp_path, text) == expected
