"""A Classic Load Balancer (AWS::ElasticLoadBalancing::LoadBalancer, aws_elb) is the public load balancer of the
many templates written before ALBs: its inline listeners decide TLS termination (it cannot redirect HTTP to HTTPS,
so an HTTP listener serves plain HTTP), its subnets or zones the zone spread, a CloudFront origin the CDN. One with
TCP/SSL listeners only is a layer-4 balancer, judged as a network load balancer."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files

_TEMPLATE = '''AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Certificate:
    Type: String
    Default: arn:aws:acm:us-east-1:123456789012:certificate/abc
Resources:
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: vpc-1
      CidrBlock: 10.0.0.0/24
      AvailabilityZone: us-east-1a
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: vpc-1
      CidrBlock: 10.0.1.0/24
      AvailabilityZone: us-east-1b
  Balancer:
    Type: AWS::ElasticLoadBalancing::LoadBalancer
    Properties:
      PLACEMENT
      Listeners:
LISTENERS
'''
_HTTP = "      - {LoadBalancerPort: '80', InstancePort: '80', Protocol: HTTP}"
_HTTPS = "      - {LoadBalancerPort: '443', InstancePort: '80', Protocol: HTTPS, SSLCertificateId: !Ref Certificate}"
_TCP = "      - {LoadBalancerPort: '5432', InstancePort: '5432', Protocol: TCP}"


def _statuses(tmp_path: Path, listeners: list[str],
              placement: str = "AvailabilityZones: !GetAZs ''") -> dict[str, Status]:
    template = _TEMPLATE.replace("PLACEMENT", placement).replace("LISTENERS", "\n".join(listeners))
    found = scan_files(tmp_path, {"elb.yaml": template}, "ME-NET-05", "ME-NET-06", "ME-NET-07")
    return {f.policy_id: f.status for f in found if f.resource_address == "Balancer"}


@pytest.mark.parametrize("listeners, expected", [
    ([_HTTP], Status.VIOLATES),  # plain HTTP only
    ([_HTTPS, _HTTP], Status.VIOLATES),  # a Classic Load Balancer cannot redirect: port 80 serves plain HTTP
    ([_HTTPS], Status.COMPLIES),
])
def test_tls_termination_from_inline_listeners(tmp_path: Path, listeners: list[str], expected: Status) -> None:
    statuses = _statuses(tmp_path, listeners)
    assert statuses["ME-NET-05"] == expected, statuses
    assert statuses["ME-NET-07"] == Status.VIOLATES  # no CloudFront in front


def test_layer_four_only_is_a_network_balancer(tmp_path: Path) -> None:
    statuses = _statuses(tmp_path, [_TCP])
    assert "ME-NET-05" not in statuses and "ME-NET-07" not in statuses, statuses


@pytest.mark.parametrize("placement, expected", [
    ("Subnets: [!Ref SubnetA, !Ref SubnetB]", Status.COMPLIES),
    ("Subnets: [!Ref SubnetA]", Status.VIOLATES),
    ("AvailabilityZones: [us-east-1a, us-east-1b]", Status.COMPLIES),
    ("AvailabilityZones: [us-east-1a]", Status.VIOLATES),
    ("AvailabilityZones: !GetAZs ''", Status.COMPLIES),  # every zone of the region: at least two in every region
])
def test_zones(tmp_path: Path, placement: str, expected: Status) -> None:
    assert _statuses(tmp_path, [_HTTPS], placement)["ME-NET-06"] == expected


def test_terraform(tmp_path: Path) -> None:
    text = '''
resource "aws_elb" "web" {
  availability_zones = ["us-east-1a", "us-east-1b"]
  listener {
    instance_port     = 80
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
}
'''
    found = {f.policy_id: f.status for f in scan_files(tmp_path, {"main.tf": text}, "ME-NET-05", "ME-NET-06",
                                                       "ME-NET-07") if f.resource_address == "aws_elb.web"}
    assert found == {"ME-NET-05": Status.VIOLATES, "ME-NET-06": Status.COMPLIES, "ME-NET-07": Status.VIOLATES}
