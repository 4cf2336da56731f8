"""A CloudFormation parameter without a default but with ``AllowedValues`` can only take one of those values
(CloudFormation rejects any other): a policy that every allowed value decides the same way is decided; one the
values decide differently stays unknown, as does anything that depends on another undecided input."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files
from tests.policy.test_sg_standalone_rules import PORT_PARAMETER_GROUP

_DATABASE = '''AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version:
    Type: String
    ALLOWED
  Other:
    Type: String
Conditions:
  IsOld: !Equals [!Ref Version, '11.16']
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      EngineVersion: VERSION
      ManageMasterUserPassword: true
'''


@pytest.mark.parametrize("allowed, version, expected", [
    ("AllowedValues: ['13.9', '11.16']", "!Ref Version", Status.VIOLATES),  # every value: not 15
    ("AllowedValues: ['15.3', '15.4']", "!Ref Version", Status.COMPLIES),  # every value: 15
    ("AllowedValues: ['15.3', '13.9']", "!Ref Version", Status.UNKNOWN),  # the values disagree
    ("Description: any", "!Ref Version", Status.UNKNOWN),  # no allowed values: anything
    ("AllowedValues: ['15.3', '11.16']", "!If [IsOld, '11.16', '15.2']", Status.UNKNOWN),  # through a condition
    ("AllowedValues: ['15.3', '13.9']", "!If [IsOld, '11.16', '15.2']", Status.COMPLIES),  # IsOld never holds
    ("AllowedValues: ['13.9', '11.16']", "!If [IsOld, '11.16', '13.9']", Status.VIOLATES),
    ("AllowedValues: ['13.9', '11.16']", "!Sub '${Version}'", Status.VIOLATES),  # through Fn::Sub
    ("AllowedValues: ['13.9', '11.16']", "!Sub '${Other}'", Status.UNKNOWN),  # another parameter, no choices
])
def test_every_allowed_value_decides(tmp_path: Path, allowed: str, version: str, expected: Status) -> None:
    template = _DATABASE.replace("ALLOWED", allowed).replace("VERSION", version)
    found = {f.resource_address: f for f in scan_files(tmp_path, {"db.yaml": template}, "ME-DB-01")}
    assert found["Cluster"].status == expected, found["Cluster"].message


def test_the_finding_names_the_values(tmp_path: Path) -> None:
    """A verdict every allowed value gives shows what each of them declares, and a complying one which values."""
    template = _DATABASE.replace("ALLOWED", "AllowedValues: ['13.9', '11.16']").replace("VERSION", "!Ref Version")
    found = scan_files(tmp_path, {"db.yaml": template}, "ME-DB-01")
    finding = next(f for f in found if f.resource_address == "Cluster")
    assert "PostgreSQL 13 or 11 is declared" in finding.message  # the policy's message, with both versions
    assert finding.observed == "13 or 11"
    assert finding.remediation is not None
    template = _DATABASE.replace("ALLOWED", "AllowedValues: ['15.3', '15.4']").replace("VERSION", "!Ref Version")
    found = scan_files(tmp_path, {"db.yaml": template}, "ME-DB-01")
    finding = next(f for f in found if f.resource_address == "Cluster")
    assert finding.message.startswith("with every value its inputs allow (Version: 15.3, 15.4)"), finding.message


def _group(ports: str, source: str, standalone_port: int | None = None) -> str:
    """A group whose inline rule's port is a parameter allowing ``ports``, and maybe a standalone world-open rule."""
    template = PORT_PARAMETER_GROUP.replace("PORT", f"AllowedValues: {ports}").replace("SOURCE", source)
    if standalone_port is None:
        return template
    return template + f'''\
  WorldOpen:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Group
      IpProtocol: tcp
      FromPort: {standalone_port}
      ToPort: {standalone_port}
      CidrIp: 0.0.0.0/0
'''


@pytest.mark.parametrize("ports, source, standalone, expected", [
    ("[5432, 6379]", "CidrIp: 203.0.113.0/24", None, Status.VIOLATES),  # every port: a database port, public
    ("[8080, 8081]", "CidrIp: 10.0.0.0/8", None, Status.COMPLIES),  # every port: not a database port
    ("[8080, 5432]", "CidrIp: 203.0.113.0/24", None, Status.UNKNOWN),  # the ports disagree
    # Each allowed value is judged with the template's other resources: the standalone rule opening 443 to the
    # world on a group no load balancer is known to use leaves the group unknown, whatever its inline port.
    ("[8080, 8081]", "CidrIp: 10.0.0.0/8", 443, Status.UNKNOWN),
])
def test_security_group_ports(tmp_path: Path, ports: str, source: str, standalone: int | None,
                              expected: Status) -> None:
    found = {f.resource_address: f for f in scan_files(tmp_path, {"sg.yaml": _group(ports, source, standalone)},
                                                       "ME-NET-08")}
    assert found["Group"].status == expected, found["Group"].message


def test_a_policy_no_allowed_value_applies_to_gives_no_finding(tmp_path: Path) -> None:
    """An engine left to a parameter whose every allowed value is a MySQL one: the PostgreSQL policies do not
    apply, whichever it is (widdix's Aurora Serverless MySQL template)."""
    template = _DATABASE.replace("ALLOWED", "AllowedValues: ['aurora-mysql']").replace(
        "Engine: aurora-postgresql", "Engine: !Ref Version").replace("VERSION", "'5.7.mysql_aurora.2.08.3'")
    found = scan_files(tmp_path, {"db.yaml": template}, "ME-DB-01", "ME-DB-08")
    assert sorted(f.policy_id for f in found if f.resource_address == "Cluster") == ["ME-DB-08"], found
