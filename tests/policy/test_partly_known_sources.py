"""ME-NET-08 on a rule whose address ranges are partly known: a known public range on a database port is a
violation whatever the unknown ones are (a registry module's output, a template with an unknown part split
into a list), and the unknown ones keep a rule with nothing wrong in its known ranges unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status, Unresolved
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-NET-08"]

VPC = '''module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
  cidr    = "10.20.0.0/20"
}
resource "aws_security_group" "db" {
  name = "db"
}
'''


def _rule(cidr_blocks: str, port: int = 5432, prelude: str = "") -> str:
    return f'''{prelude}
resource "aws_security_group_rule" "in" {{
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  from_port         = {port}
  to_port           = {port}
  protocol          = "tcp"
  cidr_blocks       = {cidr_blocks}
}}
'''


def _verdicts(tmp_path: Path, text: str) -> dict[str, Status]:
    (tmp_path / "main.tf").write_text(VPC + text)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    return {f.resource_address: f.status for f in Engine([POLICY]).run(outcome.resources)}


@pytest.mark.parametrize("cidr_blocks, port, expected", [
    ('["3.3.3.3/32", module.vpc.vpc_cidr_block]', 5432, Status.VIOLATES),
    ('["10.0.0.0/8", module.vpc.vpc_cidr_block]', 5432, Status.UNKNOWN),
    ('compact(split(",", "3.3.3.3/32,${module.vpc.vpc_cidr_block}"))', 5432, Status.VIOLATES),
    ('split(",", "3.3.3.3/32,${module.vpc.vpc_cidr_block}")', 5432, Status.VIOLATES),
    ('compact(split(",", "10.1.0.0/16,${module.vpc.vpc_cidr_block}"))', 5432, Status.UNKNOWN),
    ('compact(split(",", "${module.vpc.vpc_cidr_block},3.3.3.3/32"))', 5432, Status.UNKNOWN),
    # the unknown range may be the world's, which 8080 may not be open to
    ('compact(split(",", "3.3.3.3/32,${module.vpc.vpc_cidr_block}"))', 8080, Status.UNKNOWN),
])
def test_known_ranges_decide_beside_unknown_ones(tmp_path: Path, cidr_blocks: str, port: int,
                                                 expected: Status) -> None:
    found = _verdicts(tmp_path, _rule(cidr_blocks, port))
    assert found["aws_security_group_rule.in"] == expected
    assert found["aws_security_group.db"] == expected


def test_a_template_passed_to_a_module_and_split_there(tmp_path: Path) -> None:
    """terraform-aws-security-group's computed rules: the caller's template, split in the module."""
    (tmp_path / "sg").mkdir()
    (tmp_path / "sg" / "main.tf").write_text('''
variable "rules" {
  type    = list(map(string))
  default = []
}
resource "aws_security_group" "db" {
  name = "db"
}
resource "aws_security_group_rule" "in" {
  count             = length(var.rules)
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  from_port         = 5432
  to_port           = 5432
  protocol          = "tcp"
  cidr_blocks       = compact(split(",", lookup(var.rules[count.index], "cidr_blocks", "")))
}
''')
    (tmp_path / "main.tf").write_text('''module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
}
module "sg" {
  source = "./sg"
  rules  = [{ cidr_blocks = "3.3.3.3/32,${module.vpc.vpc_cidr_block}" }]
}
''')
    outcome = load_paths([tmp_path])
    found = {f.resource_address: f.status for f in Engine([POLICY]).run(outcome.resources)}
    assert found["module.sg.aws_security_group_rule.in[0]"] == Status.VIOLATES


def test_the_list_a_split_gives_has_an_unknown_length(tmp_path: Path) -> None:
    """The known items lead a list whose length stays unknown: the unknown part may hold separators."""
    (tmp_path / "main.tf").write_text('''resource "null_resource" "x" {
  a = split(",", "3.3.3.3/32,${aws_vpc.v.cidr_block}")
  n = length(split(",", "3.3.3.3/32,${aws_vpc.v.cidr_block}"))
  p = "${aws_vpc.v.cidr_block}-x"
}
''')
    outcome = load_paths([tmp_path])
    attributes = {r.address: r for r in outcome.resources}["null_resource.x"].attributes
    assert attributes["a"][0] == "3.3.3.3/32" and isinstance(attributes["a"][-1], Unresolved)
    assert isinstance(attributes["n"], Unresolved)
    assert isinstance(attributes["p"], Unresolved)
