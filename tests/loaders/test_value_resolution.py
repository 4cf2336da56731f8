"""Static value resolution: CloudFormation Conditions and intrinsics, ARM expressions, references."""

from __future__ import annotations

from pathlib import Path

from scanner.loaders.addressing import refs_in
from scanner.mappings import load_paths
from scanner.model import Unresolved
from scanner.policy.resource_index import ResourceIndex

CFN = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: prod}
  Region2: {Type: String}
  Days: {Type: Number, Default: 35}
Mappings:
  Sizes:
    prod: {Class: db.r6g.2xlarge}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Undecided: !Equals [!Ref Region2, eu-west-1]
Resources:
  DevVpc:
    Type: AWS::EC2::VPC
    Condition: IsDev
    Properties: {CidrBlock: 10.9.0.0/16}
  Db:
    Type: AWS::RDS::DBCluster
    Properties:
      BackupRetentionPeriod: !If [IsProd, !Ref Days, 1]
      DeletionProtection: !If [Undecided, true, false]
      DBClusterIdentifier: !Sub "${Env}-pg"
      Stack: !Sub "${AWS::StackName}-pg"
      Joined: !Join ["-", [!Ref Env, db]]
      DBInstanceClass: !FindInMap [Sizes, !Ref Env, Class]
      SnapshotIdentifier: !If [IsProd, !Ref AWS::NoValue, snap-1]
      AvailabilityZones: [!Select [1, !GetAZs ""]]
      VpcSecurityGroupIds: [!GetAtt DbSg.GroupId]
"""


def _load(path: Path) -> dict:
    outcome = load_paths([path])
    assert not outcome.errors, outcome.errors
    return {r.address: r for r in outcome.resources}


def test_cloudformation_conditions_and_intrinsics(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(CFN)
    res = _load(tmp_path / "t.yaml")
    assert "DevVpc" not in res  # Condition IsDev is false with the defaults
    db = res["Db"].attributes
    assert db["BackupRetentionPeriod"] == 35
    assert res["Db"].fact_lines["backup_retention"] == 21
    assert isinstance(db["DeletionProtection"], Unresolved)
    assert "Region2 has no default" in db["DeletionProtection"].reason
    assert db["DBClusterIdentifier"] == "prod-pg"
    assert isinstance(db["Stack"], Unresolved) and "AWS::StackName" in db["Stack"].reason
    assert db["Joined"] == "prod-db"
    assert db["DBInstanceClass"] == "db.r6g.2xlarge"
    assert "SnapshotIdentifier" not in db  # AWS::NoValue removes the property
    assert db["AvailabilityZones"] == [{"Fn::Select": [1, {"Fn::GetAZs": ""}]}]
    assert [r.target for r in refs_in(db["VpcSecurityGroupIds"])] == ["DbSg"]


ARM = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {
    "env": {"type": "string", "defaultValue": "prod"},
    "adminPassword": {"type": "securestring"},
    "sku": {"type": "string"}
  },
  "variables": {
    "vnetName": "[concat(parameters('env'), '-vnet')]",
    "serverName": "[format('{0}-pg', parameters('env'))]",
    "isProd": "[equals(parameters('env'), 'prod')]"
  },
  "resources": [
    {"type": "Microsoft.Network/virtualNetworks", "name": "[variables('vnetName')]",
     "properties": {"subnets": [{"name": "db", "properties": {"addressPrefix": "10.0.2.0/24"}}]}},
    {"type": "Microsoft.Network/publicIPAddresses", "name": "dev-ip", "condition": "[not(variables('isProd'))]"},
    {"type": "Microsoft.DBforPostgreSQL/flexibleServers", "name": "[variables('serverName')]",
     "sku": {"name": "[parameters('sku')]"},
     "properties": {
       "administratorLoginPassword": "[parameters('adminPassword')]",
       "highAvailability": {"mode": "[if(variables('isProd'), 'ZoneRedundant', 'Disabled')]"},
       "network": {"delegatedSubnetResourceId":
         "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnetName'), 'db')]"},
       "note": "[[literal]"
     }}
  ]
}
"""


def test_arm_expressions_and_resource_ids(tmp_path: Path) -> None:
    (tmp_path / "azuredeploy.json").write_text(ARM)
    res = _load(tmp_path / "azuredeploy.json")
    assert "Microsoft.Network/publicIPAddresses/dev-ip" not in res
    pg = res["Microsoft.DBforPostgreSQL/flexibleServers/prod-pg"]
    props = pg.attributes["properties"]
    assert props["highAvailability"]["mode"] == "ZoneRedundant"
    assert props["note"] == "[literal]"
    assert "secure" in props["administratorLoginPassword"].reason
    assert "'sku' has no defaultValue" in pg.attributes["sku"]["name"].reason
    subnet_ref = props["network"]["delegatedSubnetResourceId"]
    assert subnet_ref.expression == "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'prod-vnet', 'db')]"
    index = ResourceIndex(list(res.values()))
    (_ref, subnet), = index.targets(subnet_ref, pg)
    assert subnet is not None and subnet.attributes["properties"]["addressPrefix"] == "10.0.2.0/24"
    assert subnet.origin.line == 15


def test_terraform_references_with_index_and_splat() -> None:
    refs = refs_in(Unresolved("concat(aws_subnet.public[*].id, [aws_subnet.extra.id, var.other])"))
    assert [(r.target, r.index, r.attribute) for r in refs] == [
        ("aws_subnet.public", "*", "id"), ("aws_subnet.extra", None, "id")]
    assert [r.target for r in refs_in(Unresolved("data.aws_availability_zones.available.names[0]"))] == [
        "data.aws_availability_zones.available"]
    assert refs_in(Unresolved("local.subnet_ids")) == []
