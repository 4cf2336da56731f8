"""One bad value, one failing loader, policy or remediation never ends the scan: the rest is still reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.model import Status
from scanner.scan import ScanOptions, scan

from .conftest import run_cli

ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

EMPTY_PORTS = {
    "main.tf": """resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = ""
    to_port     = ""
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""",
    "sg.yaml": """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: ""
          ToPort: ""
          CidrIp: 0.0.0.0/0
""",
    "nsg.json": json.dumps({
        "$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg",
            "location": "westeurope",
            "properties": {"securityRules": [{"name": "open", "properties": {
                "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Allow",
                "direction": "Inbound", "priority": 100, "sourcePortRange": "*", "destinationPortRange": ""}}]},
        }],
    }, indent=2),
}


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


@pytest.mark.parametrize("name", sorted(EMPTY_PORTS))
def test_an_empty_port_range_is_unknown_with_its_reason_not_a_crash(tmp_path: Path, name: str) -> None:
    root = _write(tmp_path, {name: EMPTY_PORTS[name]})
    report = scan(ScanOptions([str(root)], policies=["ME-NET-*"]))
    rules = [f for f in report.findings if f.fact and f.fact.startswith("ingress_rules")]
    assert rules, [(f.policy_id, f.status, f.message) for f in report.findings]
    for finding in rules:
        assert finding.status == Status.UNKNOWN, (finding.policy_id, finding.status, finding.message)
        assert "port" in finding.message and "''" in finding.message, finding.message
        assert finding.line is not None and finding.line > 1


def test_an_empty_port_range_among_other_files_exits_with_a_report(tmp_path: Path) -> None:
    root = _write(tmp_path, EMPTY_PORTS)
    result = run_cli("scan", str(root), "--format", "json")
    assert "internal error" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    assert {Path(f["location"]["file"]).name for f in report["findings"]} >= set(EMPTY_PORTS)


ARM_EXPRESSION_NAMES = json.dumps({
    "$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0",
    "parameters": {"prefix": {"type": "string"}},
    "resources": [
        {"type": "Microsoft.DBforPostgreSQL/flexibleServers", "apiVersion": "2022-12-01",
         "name": "[concat(parameters('prefix'), '-db')]", "location": "westeurope",
         "properties": {"version": "14", "backup": {"backupRetentionDays": 7},
                        "network": {"publicNetworkAccess": "Enabled"}}},
        {"type": "Microsoft.Cache/redis", "apiVersion": "2022-12-01",
         "name": "[format('{0}-cache', parameters('prefix'))]", "location": "westeurope",
         "properties": {"enableNonSslPort": True, "sku": {"name": "Basic", "family": "C", "capacity": 1}}},
    ],
}, indent=2)


def test_an_arm_name_left_an_expression_is_fixed_by_that_expression(tmp_path: Path) -> None:
    root = _write(tmp_path, {"azuredeploy.json": ARM_EXPRESSION_NAMES})
    result = run_cli("scan", str(root), "--format", "json")
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == 1
    report = json.loads(result.stdout)
    violations = [f for f in report["findings"] if f["status"] == "violates"]
    assert {f["resource"]["type"] for f in violations} >= {"Microsoft.DBforPostgreSQL/flexibleServers",
                                                          "Microsoft.Cache/redis"}
    written = {"Microsoft.DBforPostgreSQL/flexibleServers": "[concat(parameters('prefix'), '-db')]",
               "Microsoft.Cache/redis": "[format('{0}-cache', parameters('prefix'))]"}
    named = 0
    for finding in violations:
        snippet = finding["remediation"]["snippet"] if finding.get("remediation") else ""
        assert "<unresolved" not in snippet, snippet
        if finding["remediation"]["format"] == "arm" and snippet.lstrip().startswith("{"):
            body = json.loads(snippet)
            if body.get("type") == finding["resource"]["type"]:
                # the name as the template writes it: a user can paste the fix back into the same resource
                assert body["name"] == written[body["type"]], body
                named += 1
    assert named >= 2
