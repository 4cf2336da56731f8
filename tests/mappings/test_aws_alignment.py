"""Live AWS facts equal IaC facts, in name and in representation.

The policies read the facts the domain tables (network, tls, database, compute, redis, storage) give a
CloudFormation or Terraform resource; ``scanner/mappings/aws_live.yaml`` must give the API's answer for the
same thing the same facts, or a policy judges live state differently from the file (a ``"1.2"`` where the
pack compares the number 1.2, a ``Quantity`` of CPUs where it expects a count) and the drift diff reports
spelling as drift. Each case below is one resource written in a template and the record the collector
makes of it once deployed (API shapes, literal IDs where the template would say ``!Ref``); every fact both
sides have must be present on both and equal, with the same types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scanner.drift.compare import items
from scanner.mappings import load_paths, mapping_for_type, normalize
from scanner.model import Origin, Resource, Unresolved
from scanner.units import Quantity

ACCOUNT, REGION = "123456789012", "eu-west-1"
LB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/web/0123456789abcdef"
CERT_ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/api:3"

# Domain facts of a CloudFormation type that no API answer can give, and why.
NOT_OBSERVABLE_LIVE = {
    "AWS::RDS::DBCluster": {"credentials"},  # the API never returns a password, only whether one is managed
    "AWS::RDS::DBInstance": {"credentials"},
    # how the template spells the token; the eviction policy of its (default) parameter group, which
    # DescribeReplicationGroups does not name
    "AWS::ElastiCache::ReplicationGroup": {"redis_secret_literal", "redis_maxmemory_policy"},
    "AWS::S3::Bucket": {"name"},  # the IaC label (logical ID / Terraform name); live has bucket_name
}


@dataclass
class Case:
    """One resource: its template spelling (CloudFormation properties or a Terraform block) and the
    collector's record of it. ``one_sided``: facts one side has by design, each with the reason."""

    name: str
    type: str  # the live (CloudFormation) type
    live: dict[str, Any]
    cloudformation: str = ""  # YAML of the Properties
    terraform: str = ""  # an HCL resource block
    one_sided: dict[str, str] = field(default_factory=dict)


def _tags(**pairs: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


_GROUPS = [{"NodeGroupId": f"000{g}", "NodeGroupMembers": [
    {"CacheClusterId": f"sessions-00{g}-{m}", "CurrentRole": "primary" if m == 1 else "replica"} for m in (1, 2, 3)]}
    for g in (1, 2, 3)]

CASES = [
    Case("vpc", "AWS::EC2::VPC", {
        "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": False, "EnableDnsSupport": True,
        "EnableDnsHostnames": True,
        "Tags": _tags(Name="main", team="core", **{"aws:cloudformation:logical-id": "Vpc"})},
        cloudformation="""
      CidrBlock: 10.0.0.0/16
      EnableDnsSupport: true
      EnableDnsHostnames: true
      Tags: [{Key: Name, Value: main}, {Key: team, Value: core}]""",
        terraform="""
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true"""),
    Case("subnet", "AWS::EC2::Subnet", {
        "SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.10.0/24", "AvailabilityZone": "eu-west-1a",
        "MapPublicIpOnLaunch": False, "DefaultForAz": False, "Tags": _tags(Name="private-a"),
        "RouteTable": {"RouteTableId": "rtb-private", "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"},
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "Origin": "CreateRoute"}]}},
        cloudformation="""
      VpcId: vpc-1
      CidrBlock: 10.0.10.0/24
      AvailabilityZone: eu-west-1a
      MapPublicIpOnLaunch: false
      Tags: [{Key: Name, Value: private-a}]""",
        terraform="""
  vpc_id                  = "vpc-1"
  cidr_block              = "10.0.10.0/24"
  availability_zone       = "eu-west-1a"
  map_public_ip_on_launch = false"""),
    Case("route_table", "AWS::EC2::RouteTable", {
        "RouteTableId": "rtb-private", "VpcId": "vpc-1", "Tags": _tags(Name="private"),
        "Associations": [{"SubnetId": "subnet-a", "Main": False}],
        "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"},
                   {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "Origin": "CreateRoute"}]},
        cloudformation="""
      VpcId: vpc-1
      Tags: [{Key: Name, Value: private}]""",
        terraform="""
  vpc_id = "vpc-1"
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = "nat-1"
  }"""),
    Case("nat", "AWS::EC2::NatGateway", {
        "NatGatewayId": "nat-1", "SubnetId": "subnet-public-a", "VpcId": "vpc-1", "State": "available",
        "ConnectivityType": "public", "Tags": _tags(Name="nat-a")},
        cloudformation="""
      SubnetId: subnet-public-a
      AllocationId: eipalloc-1
      Tags: [{Key: Name, Value: nat-a}]""",
        terraform="""
  subnet_id     = "subnet-public-a"
  allocation_id = "eipalloc-1\""""),
    Case("igw", "AWS::EC2::InternetGateway", {
        "InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1", "State": "available"}],
        "Tags": _tags(Name="igw")},
        cloudformation="""
      Tags: [{Key: Name, Value: igw}]""",
        terraform="""
  vpc_id = "vpc-1\""""),
    Case("security_group", "AWS::EC2::SecurityGroup", {
        "GroupId": "sg-web", "GroupName": "web", "VpcId": "vpc-1", "Tags": _tags(team="core"),
        "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
             "Ipv6Ranges": [], "UserIdGroupPairs": [], "PrefixListIds": []},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
             "Ipv6Ranges": [], "UserIdGroupPairs": [], "PrefixListIds": []},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
             "IpRanges": [{"CidrIp": "10.0.0.0/16"}, {"CidrIp": "10.1.0.0/16"}],
             "UserIdGroupPairs": [{"GroupId": "sg-app"}]}],
        "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
        cloudformation="""
      GroupName: web
      GroupDescription: web tier
      VpcId: vpc-1
      Tags: [{Key: team, Value: core}]
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.0.0.0/16}
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.1.0.0/16}
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: sg-app}""",
        terraform="""
  name   = "web"
  vpc_id = "vpc-1"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    cidr_blocks     = ["10.0.0.0/16", "10.1.0.0/16"]
    security_groups = ["sg-app"]
  }"""),
    Case("instance", "AWS::EC2::Instance", {
        "InstanceId": "i-1", "InstanceType": "m5.xlarge", "SubnetId": "subnet-a",
        "Placement": {"AvailabilityZone": "eu-west-1a"}, "State": {"Name": "running"},
        "Tags": _tags(Name="api-1", Component="api"),
        "InstanceTypeInfo": {"InstanceType": "m5.xlarge", "VCpuInfo": {"DefaultVCpus": 4},
                             "MemoryInfo": {"SizeInMiB": 16384}, "NetworkPerformance": "Up to 10 Gigabit"}},
        cloudformation="""
      InstanceType: m5.xlarge
      ImageId: ami-12345678
      SubnetId: subnet-a
      AvailabilityZone: eu-west-1a
      Tags: [{Key: Name, Value: api-1}, {Key: Component, Value: api}]""",
        terraform="""
  instance_type = "m5.xlarge"
  ami           = "ami-12345678"
  subnet_id     = "subnet-a"
  tags = {
    Name      = "api-1"
    Component = "api"
  }"""),
    Case("load_balancer", "AWS::ElasticLoadBalancingV2::LoadBalancer", {
        "LoadBalancerArn": LB_ARN, "LoadBalancerName": "web", "DNSName": "web-1.eu-west-1.elb.amazonaws.com",
        "Type": "application", "Scheme": "internet-facing", "SecurityGroups": ["sg-web"],
        "AvailabilityZones": [{"ZoneName": "eu-west-1a", "SubnetId": "subnet-pa"},
                              {"ZoneName": "eu-west-1b", "SubnetId": "subnet-pb"}],
        "Attributes": {"deletion_protection": {"enabled": "true"}, "access_logs": {"s3": {"enabled": "true"}},
                       "routing": {"http": {"drop_invalid_header_fields": {"enabled": "true"}}}},
        "Listeners": [], "Tags": _tags(team="core")},
        cloudformation="""
      Name: web
      Type: application
      Scheme: internet-facing
      Subnets: [subnet-pa, subnet-pb]
      SecurityGroups: [sg-web]
      LoadBalancerAttributes:
        - {Key: deletion_protection.enabled, Value: "true"}
        - {Key: access_logs.s3.enabled, Value: "true"}
        - {Key: routing.http.drop_invalid_header_fields.enabled, Value: "true"}
      Tags: [{Key: team, Value: core}]""",
        terraform="""
  name               = "web"
  load_balancer_type = "application"
  internal           = false
  subnets            = ["subnet-pa", "subnet-pb"]
  security_groups    = ["sg-web"]""",
        one_sided={"listeners": "live: DescribeListeners, inline; a template declares listeners as resources"}),
    Case("https_listener", "AWS::ElasticLoadBalancingV2::Listener", {
        "ListenerArn": f"{LB_ARN.replace(':loadbalancer/', ':listener/')}/1", "LoadBalancerArn": LB_ARN,
        "Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "Certificates": [{"CertificateArn": CERT_ARN}],
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": "arn:tg"}]},
        cloudformation=f"""
      LoadBalancerArn: {LB_ARN}
      Port: 443
      Protocol: HTTPS
      SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
      Certificates: [{{CertificateArn: "{CERT_ARN}"}}]
      DefaultActions: [{{Type: forward, TargetGroupArn: "arn:tg"}}]""",
        terraform=f"""
  load_balancer_arn = "{LB_ARN}"
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = "{CERT_ARN}"
  default_action {{
    type             = "forward"
    target_group_arn = "arn:tg"
  }}"""),
    Case("http_listener", "AWS::ElasticLoadBalancingV2::Listener", {
        "ListenerArn": f"{LB_ARN.replace(':loadbalancer/', ':listener/')}/2", "LoadBalancerArn": LB_ARN,
        "Port": 80, "Protocol": "HTTP",
        "DefaultActions": [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443",
                                                                   "StatusCode": "HTTP_301"}}]},
        cloudformation=f"""
      LoadBalancerArn: {LB_ARN}
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: redirect
          RedirectConfig: {{Protocol: HTTPS, Port: "443", StatusCode: HTTP_301}}""",
        terraform=f"""
  load_balancer_arn = "{LB_ARN}"
  port              = 80
  protocol          = "HTTP"
  default_action {{
    type = "redirect"
    redirect {{
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }}
  }}"""),
    Case("ecs_cluster", "AWS::ECS::Cluster", {
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/main", "clusterName": "main",
        "capacityProviders": ["FARGATE_SPOT", "FARGATE"], "tags": _tags(team="core"),
        "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 2},
                                            {"capacityProvider": "FARGATE_SPOT", "weight": 4, "base": 0}]},
        cloudformation="""
      ClusterName: main
      CapacityProviders: [FARGATE, FARGATE_SPOT]
      DefaultCapacityProviderStrategy:
        - {CapacityProvider: FARGATE, Weight: 1, Base: 2}
        - {CapacityProvider: FARGATE_SPOT, Weight: 4}
      Tags: [{Key: team, Value: core}]""",
        terraform="""
  name = "main"
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 2
  }
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 4
  }"""),
    Case("ecs_service", "AWS::ECS::Service", {
        "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/main/api", "serviceName": "api",
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/main", "desiredCount": 3, "taskDefinition": TASK_ARN,
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 2}],
        "tags": _tags(Component="api")},
        cloudformation=f"""
      ServiceName: api
      Cluster: main
      DesiredCount: 3
      TaskDefinition: "{TASK_ARN}"
      CapacityProviderStrategy: [{{CapacityProvider: FARGATE, Weight: 1, Base: 2}}]
      Tags: [{{Key: Component, Value: api}}]""",
        terraform=f"""
  name            = "api"
  cluster         = "main"
  desired_count   = 3
  task_definition = "{TASK_ARN}"
  capacity_provider_strategy {{
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 2
  }}
  tags = {{
    Component = "api"
  }}"""),
    Case("task_definition", "AWS::ECS::TaskDefinition", {
        "taskDefinitionArn": TASK_ARN, "family": "api", "cpu": "4096", "memory": "16384",
        "requiresCompatibilities": ["FARGATE"], "ephemeralStorage": {"sizeInGiB": 50},
        "containerDefinitions": [{"name": "api", "image": "marketingengine/api:1.4.2"}],
        "tags": _tags(Component="api")},
        cloudformation="""
      Family: api
      Cpu: "4096"
      Memory: "16384"
      RequiresCompatibilities: [FARGATE]
      EphemeralStorage: {SizeInGiB: 50}
      ContainerDefinitions: [{Name: api, Image: "marketingengine/api:1.4.2"}]
      Tags: [{Key: Component, Value: api}]""",
        terraform="""
  family                   = "api"
  cpu                      = "4096"
  memory                   = "16384"
  requires_compatibilities = ["FARGATE"]
  ephemeral_storage {
    size_in_gib = 50
  }
  container_definitions = "[]"
  tags = {
    Component = "api"
  }"""),
    Case("aurora_cluster", "AWS::RDS::DBCluster", {
        "DBClusterIdentifier": "orders-db", "DBClusterArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:orders-db",
        "Engine": "aurora-postgresql", "EngineVersion": "15.4", "BackupRetentionPeriod": 30,
        "PreferredBackupWindow": "03:00-04:00", "PreferredMaintenanceWindow": "sun:04:00-sun:05:00",
        "EnabledCloudwatchLogsExports": ["postgresql"], "StorageEncrypted": True, "DeletionProtection": True,
        "DBSubnetGroup": "db-private", "DBClusterParameterGroup": "pg15", "AllocatedStorage": 1,
        "StorageType": "aurora", "TagList": _tags(team="core"), "MemberInstances": [],
        "Parameters": {"rds.force_ssl": "1"}},
        cloudformation="""
      DBClusterIdentifier: orders-db
      Engine: aurora-postgresql
      EngineVersion: "15.4"
      BackupRetentionPeriod: 30
      PreferredBackupWindow: "03:00-04:00"
      PreferredMaintenanceWindow: "Sun:04:00-Sun:05:00"
      EnableCloudwatchLogsExports: [postgresql]
      StorageEncrypted: true
      DeletionProtection: true
      DBSubnetGroupName: db-private
      DBClusterParameterGroupName: pg15
      Tags: [{Key: team, Value: core}]""",
        terraform="""
  cluster_identifier              = "orders-db"
  engine                          = "aurora-postgresql"
  engine_version                  = "15.4"
  backup_retention_period         = 30
  preferred_backup_window         = "03:00-04:00"
  preferred_maintenance_window    = "sun:04:00-sun:05:00"
  enabled_cloudwatch_logs_exports = ["postgresql"]
  storage_encrypted               = true
  deletion_protection             = true
  db_subnet_group_name            = "db-private"
  db_cluster_parameter_group_name = "pg15"
  tags = {
    team = "core"
  }"""),
    Case("multi_az_cluster", "AWS::RDS::DBCluster", {
        "DBClusterIdentifier": "reports", "DBClusterArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:reports",
        "Engine": "postgres", "EngineVersion": "15.4", "DBClusterInstanceClass": "db.r5.2xlarge",
        "AllocatedStorage": 500, "StorageType": "io1", "PubliclyAccessible": False, "BackupRetentionPeriod": 30,
        "PreferredBackupWindow": "03:00-04:00", "PreferredMaintenanceWindow": "sun:04:00-sun:05:00",
        "EnabledCloudwatchLogsExports": [], "StorageEncrypted": True, "DeletionProtection": False,
        "DBSubnetGroup": "db-private", "DBClusterParameterGroup": "pg15", "TagList": [], "MemberInstances": []},
        cloudformation="""
      DBClusterIdentifier: reports
      Engine: postgres
      EngineVersion: "15.4"
      DBClusterInstanceClass: db.r5.2xlarge
      AllocatedStorage: 500
      StorageType: io1
      Iops: 3000
      PubliclyAccessible: false
      BackupRetentionPeriod: 30
      PreferredBackupWindow: "03:00-04:00"
      PreferredMaintenanceWindow: "sun:04:00-sun:05:00"
      StorageEncrypted: true
      DBSubnetGroupName: db-private
      DBClusterParameterGroupName: pg15""",
        terraform="""
  cluster_identifier              = "reports"
  engine                          = "postgres"
  engine_version                  = "15.4"
  db_cluster_instance_class       = "db.r5.2xlarge"
  allocated_storage               = 500
  storage_type                    = "io1"
  iops                            = 3000
  backup_retention_period         = 30
  preferred_backup_window         = "03:00-04:00"
  preferred_maintenance_window    = "sun:04:00-sun:05:00"
  storage_encrypted               = true
  db_subnet_group_name            = "db-private"
  db_cluster_parameter_group_name = "pg15\"""",
        one_sided={"publicly_accessible": "Terraform's aws_rds_cluster has no publicly_accessible argument"}),
    Case("db_instance", "AWS::RDS::DBInstance", {
        "DBInstanceIdentifier": "ledger", "DBInstanceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:ledger",
        "Engine": "postgres", "EngineVersion": "15.4", "DBInstanceClass": "db.m5.2xlarge", "AllocatedStorage": 500,
        "StorageType": "gp3", "BackupRetentionPeriod": 30, "PreferredBackupWindow": "03:00-04:00",
        "PreferredMaintenanceWindow": "sun:04:00-sun:05:00", "EnabledCloudwatchLogsExports": ["postgresql"],
        "MultiAZ": True, "AvailabilityZone": "eu-west-1a", "StorageEncrypted": True, "DeletionProtection": True,
        "PubliclyAccessible": False, "DBSubnetGroup": {"DBSubnetGroupName": "db-private", "Subnets": []},
        "DBParameterGroups": [{"DBParameterGroupName": "pg15", "ParameterApplyStatus": "in-sync"}],
        "TagList": _tags(team="core"), "Parameters": {},
        "InstanceTypeInfo": {"VCpuInfo": {"DefaultVCpus": 8}, "MemoryInfo": {"SizeInMiB": 32768}}},
        cloudformation="""
      DBInstanceIdentifier: ledger
      Engine: postgres
      EngineVersion: "15.4"
      DBInstanceClass: db.m5.2xlarge
      AllocatedStorage: 500
      StorageType: gp3
      BackupRetentionPeriod: 30
      PreferredBackupWindow: "03:00-04:00"
      PreferredMaintenanceWindow: "sun:04:00-sun:05:00"
      EnableCloudwatchLogsExports: [postgresql]
      MultiAZ: true
      AvailabilityZone: eu-west-1a
      StorageEncrypted: true
      DeletionProtection: true
      PubliclyAccessible: false
      DBSubnetGroupName: db-private
      DBParameterGroupName: pg15
      Tags: [{Key: team, Value: core}]""",
        terraform="""
  identifier                      = "ledger"
  engine                          = "postgres"
  engine_version                  = "15.4"
  instance_class                  = "db.m5.2xlarge"
  allocated_storage               = 500
  storage_type                    = "gp3"
  backup_retention_period         = 30
  backup_window                   = "03:00-04:00"
  maintenance_window              = "sun:04:00-sun:05:00"
  enabled_cloudwatch_logs_exports = ["postgresql"]
  multi_az                        = true
  availability_zone               = "eu-west-1a"
  storage_encrypted               = true
  deletion_protection             = true
  publicly_accessible             = false
  db_subnet_group_name            = "db-private"
  parameter_group_name            = "pg15"
  tags = {
    team = "core"
  }""",
        one_sided={"availability_zone": "Terraform's aws_db_instance table does not map availability_zone"}),
    Case("aurora_member", "AWS::RDS::DBInstance", {
        "DBInstanceIdentifier": "orders-db-1", "DBInstanceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders-db-1",
        "DBClusterIdentifier": "orders-db", "Engine": "aurora-postgresql", "EngineVersion": "15.4",
        "DBInstanceClass": "db.r5.2xlarge", "AvailabilityZone": "eu-west-1b", "PubliclyAccessible": False,
        "AllocatedStorage": 1, "StorageType": "aurora", "BackupRetentionPeriod": 30,
        "PreferredBackupWindow": "03:00-04:00", "PreferredMaintenanceWindow": "sun:04:00-sun:05:00",
        "EnabledCloudwatchLogsExports": [], "MultiAZ": False, "StorageEncrypted": True, "DeletionProtection": False,
        "DBSubnetGroup": {"DBSubnetGroupName": "db-private"},
        "DBParameterGroups": [{"DBParameterGroupName": "default.aurora-postgresql15"}], "TagList": [],
        "Parameters": {}},
        cloudformation="""
      DBInstanceIdentifier: orders-db-1
      DBClusterIdentifier: orders-db
      Engine: aurora-postgresql
      EngineVersion: "15.4"
      DBInstanceClass: db.r5.2xlarge
      AvailabilityZone: eu-west-1b
      PubliclyAccessible: false
      PreferredMaintenanceWindow: "sun:04:00-sun:05:00"
      DBSubnetGroupName: db-private
      DBParameterGroupName: default.aurora-postgresql15""",
        one_sided={  # an Aurora member takes these from its cluster; the API repeats the cluster's values
            "backup_window": "inherited from the cluster", "log_exports": "inherited from the cluster",
            "multi_az": "not an Aurora instance setting", "storage_encrypted": "inherited from the cluster",
            "deletion_protection": "set on the cluster"}),
    Case("redis", "AWS::ElastiCache::ReplicationGroup", {
        "ReplicationGroupId": "sessions", "ARN": f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:sessions",
        "Engine": "redis", "CacheNodeType": "cache.r5.xlarge", "NodeGroups": _GROUPS, "ClusterEnabled": True,
        "AutomaticFailover": "enabled", "MultiAZ": "enabled", "TransitEncryptionEnabled": True,
        "AtRestEncryptionEnabled": True, "AuthTokenEnabled": True, "CacheSubnetGroupName": "cache-private",
        "Tags": _tags(team="core")},
        cloudformation="""
      ReplicationGroupId: sessions
      ReplicationGroupDescription: sessions
      Engine: redis
      CacheNodeType: cache.r5.xlarge
      NumNodeGroups: 3
      ReplicasPerNodeGroup: 2
      AutomaticFailoverEnabled: true
      MultiAZEnabled: true
      TransitEncryptionEnabled: true
      AtRestEncryptionEnabled: true
      AuthToken: "{{resolve:secretsmanager:redis-auth}}"
      CacheSubnetGroupName: cache-private
      Tags: [{Key: team, Value: core}]""",
        terraform="""
  replication_group_id       = "sessions"
  description                = "sessions"
  engine                     = "redis"
  node_type                  = "cache.r5.xlarge"
  num_node_groups            = 3
  replicas_per_node_group    = 2
  automatic_failover_enabled = true
  transit_encryption_enabled = true
  auth_token                 = var.redis_auth_token
  subnet_group_name          = "cache-private"
  tags = {
    team = "core"
  }""",
        one_sided={"redis_cluster_enabled": "live: the group's node groups; a template says it in a parameter group"}),
    Case("bucket", "AWS::S3::Bucket", {
        "Name": "marketing-engine-backups", "Region": REGION, "Versioning": {"Status": "Enabled"},
        "ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms"}}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                           "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
        "LifecycleRules": [{"ID": "keep", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 90},
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}],
        "Tags": _tags(team="core")},
        cloudformation="""
      BucketName: marketing-engine-backups
      VersioningConfiguration: {Status: Enabled}
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: "aws:kms"}
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        IgnorePublicAcls: true
        BlockPublicPolicy: true
        RestrictPublicBuckets: true
      LifecycleConfiguration:
        Rules:
          - {Id: keep, Status: Enabled, ExpirationInDays: 90, NoncurrentVersionExpiration: {NoncurrentDays: 30}}
      Tags: [{Key: team, Value: core}]""",
        terraform="""
  bucket = "marketing-engine-backups"
  versioning {
    enabled = true
  }
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm = "aws:kms"
      }
    }
  }
  lifecycle_rule {
    enabled = true
    expiration {
      days = 90
    }
    noncurrent_version_expiration {
      days = 30
    }
  }"""),
    Case("cdn", "AWS::CloudFront::Distribution", {
        "Id": "E1", "ARN": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1", "Tags": _tags(team="core"),
        "DistributionConfig": {
            "Enabled": True, "Aliases": {"Quantity": 1, "Items": ["cdn.marketingengine.io"]},
            "Origins": {"Quantity": 1, "Items": [{"Id": "api", "DomainName": "web-1.eu-west-1.elb.amazonaws.com"}]},
            "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https"},
            "ViewerCertificate": {"ACMCertificateArn": CERT_ARN, "MinimumProtocolVersion": "TLSv1.2_2021",
                                  "SSLSupportMethod": "sni-only"},
            "PriceClass": "PriceClass_100"}},
        cloudformation=f"""
      DistributionConfig:
        Enabled: true
        Aliases: [cdn.marketingengine.io]
        Origins: [{{Id: api, DomainName: web-1.eu-west-1.elb.amazonaws.com}}]
        DefaultCacheBehavior: {{TargetOriginId: api, ViewerProtocolPolicy: redirect-to-https}}
        ViewerCertificate:
          AcmCertificateArn: "{CERT_ARN}"
          MinimumProtocolVersion: TLSv1.2_2021
          SslSupportMethod: sni-only
        PriceClass: PriceClass_100
      Tags: [{{Key: team, Value: core}}]""",
        terraform="""
  enabled = true
  origin {
    origin_id   = "api"
    domain_name = "web-1.eu-west-1.elb.amazonaws.com"
  }"""),
]

def _terraform_type(rtype: str) -> str:
    """The Terraform type of a live type (the first the drift engine pairs with it)."""
    from scanner.mappings.identity import IDENTITIES

    return IDENTITIES[rtype].terraform_types[0]


def same_facts(declared: Any, live: Any, facts: Iterable[str]) -> list[str]:
    """Assert each of ``facts`` is on both sides or neither, with the same value and type; the facts compared."""
    compared = []
    for fact in sorted(facts):
        assert (fact in declared.facts) == (fact in live.facts), (
            f"{fact}: declared {declared.facts.get(fact, '<absent>')!r}, live {live.facts.get(fact, '<absent>')!r}")
        if fact in declared.facts:
            assert strict(declared.facts[fact]) == strict(live.facts[fact]), (
                f"{fact}: declared {declared.facts[fact]!r} != live {live.facts[fact]!r}")
            compared.append(fact)
    return compared


def strict(value: Any) -> Any:
    """``value`` with its type kept: a number is not a string, a quantity not a number. Lists compare as the
    drift engine compares them (items by content, in any order, a firewall rule per source)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, Quantity):
        return ("quantity", value.dimension, round(value.value, 6))
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if isinstance(value, str):
        return ("text", value)
    if value is None:
        return ("none",)
    if isinstance(value, Unresolved):
        return ("unresolved", value.expression, value.reason)
    if isinstance(value, Mapping):
        return ("mapping", tuple(sorted((str(k), strict(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(sorted((strict(v) for v in items(value)), key=repr)))
    return ("other", type(value).__name__, repr(value))


def _live(case: Case) -> Resource:
    return normalize(Resource("aws", case.type, f"arn:{case.name}", Origin(account=ACCOUNT, region=REGION, api="x"),
                              case.live, format="aws-api", source="live"))


def _declared(tmp_path: Path, case: Case, fmt: str) -> Resource:
    if fmt == "cloudformation":
        path = tmp_path / f"{case.name}.yaml"
        path.write_text(f"Resources:\n  {case.name.title().replace('_', '')}:\n    Type: {case.type}\n"
                        f"    Properties:{case.cloudformation}\n")
    else:
        path = tmp_path / f"{case.name}.tf"
        path.write_text(f'resource "{_terraform_type(case.type)}" "{case.name}" {{{case.terraform}\n}}\n')
    result = load_paths([path])
    assert not result.errors, result.errors
    [resource] = [r for r in result.resources if r.provider == "aws"]
    return resource


def test_every_live_type_has_a_case_and_the_domain_kinds_and_facts() -> None:
    from scanner.collectors.aws import resource_types
    from scanner.mappings.identity import STACK_TYPE

    live_types = {t for t in resource_types() if t != STACK_TYPE}
    assert {c.type for c in CASES} == live_types
    for rtype in sorted(live_types):
        live, cfn = mapping_for_type(rtype, "aws-api"), mapping_for_type(rtype, "cloudformation")
        assert live is not None and cfn is not None, rtype
        assert live.kinds == cfn.kinds, rtype
        # Every fact the domain tables give the template spelling, live state gives too (unless no API can).
        assert set(cfn.facts) - set(live.facts) == NOT_OBSERVABLE_LIVE.get(rtype, set()), rtype
        terraform = mapping_for_type(_terraform_type(rtype), "terraform")
        assert terraform is not None and terraform.kinds == live.kinds, rtype


SPELLINGS = [(case, fmt) for case in CASES for fmt in ("cloudformation", "terraform") if getattr(case, fmt)]


@pytest.mark.parametrize(("case", "fmt"), SPELLINGS, ids=[f"{c.name}-{f}" for c, f in SPELLINGS])
def test_live_facts_equal_the_iac_facts_of_the_same_resource(tmp_path: Path, case: Case, fmt: str) -> None:
    declared, live = _declared(tmp_path, case, fmt), _live(case)
    shared = (set(mapping_for_type(declared.type, declared.format).facts)  # type: ignore[union-attr]
              & set(mapping_for_type(live.type, "aws-api").facts))  # type: ignore[union-attr]
    compared = same_facts(declared, live, shared - set(case.one_sided))
    for fact in case.one_sided:
        assert fact in declared.facts or fact in live.facts, f"{fact} is on neither side: drop it from one_sided"
    # Most of what both tables map is exercised, not skipped by being absent on both sides.
    assert len(compared) >= min(3, len(shared)), (case.name, fmt, compared)
