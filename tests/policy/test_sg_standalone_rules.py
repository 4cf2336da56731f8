"""ME-NET-08 on an AWS security group whose rules are standalone resources (aws_security_group_rule,
AWS::EC2::SecurityGroupIngress): the group is judged with them, not as a group with no rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES, scan_files

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-NET-08"]


@pytest.mark.parametrize("port, cidr, expected", [
    (3306, "0.0.0.0/0", Status.VIOLATES),
    (80, "0.0.0.0/0", Status.UNKNOWN),  # public port on a group nothing in the files uses
    (8080, "10.0.0.0/16", Status.COMPLIES),
])
def test_group_judged_with_its_standalone_rules(tmp_path: Path, port: int, cidr: str, expected: Status) -> None:
    (tmp_path / "main.tf").write_text(f'''
resource "aws_security_group" "this" {{
  name   = "app"
  vpc_id = "vpc-123"
}}
resource "aws_security_group_rule" "in" {{
  type              = "ingress"
  security_group_id = aws_security_group.this.id
  from_port         = {port}
  to_port           = {port}
  protocol          = "tcp"
  cidr_blocks       = ["{cidr}"]
}}
''')
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    found = {f.resource_address: f.status for f in Engine([POLICY]).run(outcome.resources)}
    assert found["aws_security_group.this"] == expected
    assert found["aws_security_group_rule.in"] == expected


# A group whose one inbound rule's port is the parameter Port (PORT: its further settings), from SOURCE.
PORT_PARAMETER_GROUP = '''AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Port:
    Type: Number
    PORT
  ClientCidr:
    Type: String
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      SecurityGroupIngress:
      - IpProtocol: tcp
        FromPort: !Ref Port
        ToPort: !Ref Port
        SOURCE
'''


@pytest.mark.parametrize("source, expected", [
    ("SourceSecurityGroupId: sg-0123456789abcdef0", Status.COMPLIES),  # only a group: the port does not matter
    ("CidrIp: 10.0.0.0/8", Status.UNKNOWN),  # a range: the database port may be among the ports
    ("CidrIp: !Ref ClientCidr", Status.UNKNOWN),  # a range and a port, both undecided
])
def test_group_source_decides_whatever_the_port(tmp_path: Path, source: str, expected: Status) -> None:
    """A rule from a security group is never world-open nor outside the app tier: a port left to a parameter
    without a default leaves nothing undecided; a range source still needs the port."""
    template = PORT_PARAMETER_GROUP.replace("PORT", "Description: any port").replace("SOURCE", source)
    found = {f.resource_address: f for f in scan_files(tmp_path, {"sg.yaml": template}, "ME-NET-08")}
    assert found["Group"].status == expected, found["Group"].message
