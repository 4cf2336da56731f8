"""A CloudFormation resource under a Condition the template cannot decide (it depends on a parameter
without a default) may not be created: its violations are unknown, not certain; its compliance stands."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-TLS-02"]

_TEMPLATE = '''AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Certificate:
    Type: String
DEFAULT
Conditions:
  HasCertificate: !Not [!Equals [!Ref Certificate, ""]]
Resources:
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Condition: HasCertificate
    Properties:
      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1
      Port: 443
      Protocol: HTTPS
      Certificates:
        - CertificateArn: !Ref Certificate
      DefaultActions:
        - Type: forward
          TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/1
SSLPOLICY
'''


@pytest.mark.parametrize("default, policy, expected", [
    ("", "", Status.UNKNOWN),
    ("", "      SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06", Status.COMPLIES),
    ("    Default: arn:aws:acm:eu-west-1:123456789012:certificate/abc", "", Status.VIOLATES),
    ('    Default: ""', "", None),
])
def test_listener_under_an_undecided_condition(tmp_path: Path, default: str, policy: str,
                                                expected: Status | None) -> None:
    (tmp_path / "template.yaml").write_text(_TEMPLATE.replace("DEFAULT", default).replace("SSLPOLICY", policy))
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    found = {f.resource_address: f for f in Engine([POLICY]).run(outcome.resources)}
    assert (found["Listener"].status if "Listener" in found else None) == expected
    if expected == Status.UNKNOWN:
        assert "HasCertificate" in found["Listener"].message
