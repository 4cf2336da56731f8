"""Issue 11, defaults and applicability: omitted properties take the provider's default in every format, an
Aurora member is judged through its cluster, PostgreSQL checks say nothing about other engines, compound
checks report every failing part, complete configuration files are judged at the engine's defaults, and
RBAC user groups are Redis authentication."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Finding, Status
from tests.conftest import scan_files


def _verdicts(findings: list[Finding]) -> dict[tuple[str, str], Status]:
    return {(f.resource_address, f.policy_id): f.status for f in findings}


_CFN_DB = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Standalone:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      EngineVersion: "15.4"
      DBInstanceClass: db.r6g.2xlarge
      AllocatedStorage: 600
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      EngineVersion: "15.4"
      StorageEncrypted: true
      DeletionProtection: true
      BackupRetentionPeriod: 30
  Member:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: aurora-postgresql
      DBClusterIdentifier: !Ref Cluster
      DBInstanceClass: db.r6g.2xlarge
"""


# --- 1. omitted properties take the provider's documented default ------------------------------

def test_cloudformation_db_instance_without_encryption_or_protection_violates_both(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"db.yaml": _CFN_DB}, "ME-DB-08", "ME-DB-02", "ME-DB-05")
    verdicts = _verdicts(findings)
    assert verdicts[("Standalone", "ME-DB-08")] == Status.VIOLATES
    message = next(f.message for f in findings if f.resource_address == "Standalone" and f.policy_id == "ME-DB-08")
    assert "encrypted" in message and "deletion protection" in message  # both parts, not the first one only
    assert verdicts[("Standalone", "ME-DB-02")] == Status.VIOLATES  # BackupRetentionPeriod defaults to 1 day
    assert verdicts[("Standalone", "ME-DB-05")] == Status.VIOLATES  # no CloudWatch log export by default
    assert verdicts[("Cluster", "ME-DB-08")] == Status.COMPLIES


def test_terraform_db_instance_without_encryption_or_protection_reports_both(tmp_path: Path) -> None:
    tf = 'resource "aws_db_instance" "bare" {\n  engine = "postgres"\n  instance_class = "db.r6g.2xlarge"\n}\n'
    findings = scan_files(tmp_path, {"main.tf": tf}, "ME-DB-08")
    [finding] = findings
    assert finding.status == Status.VIOLATES
    assert "encrypted" in finding.message and "deletion protection" in finding.message
    assert finding.remediation is not None
    assert "storage_encrypted" in finding.remediation.snippet and "deletion_protection" in finding.remediation.snippet


def test_cloud_sql_without_backup_configuration_has_no_backups_anywhere(tmp_path: Path) -> None:
    tf = ('resource "google_sql_database_instance" "nobackup" {\n  database_version = "POSTGRES_15"\n'
          '  settings {\n    tier = "db-custom-8-32768"\n  }\n}\n')
    findings = scan_files(tmp_path, {"main.tf": tf}, "ME-DB-02", "ME-DB-03", "ME-DB-07")
    verdicts = _verdicts(findings)
    assert "backups are off" in next(f.message for f in findings if f.policy_id == "ME-DB-07")
    assert verdicts[("google_sql_database_instance.nobackup", "ME-DB-02")] == Status.VIOLATES
    assert verdicts[("google_sql_database_instance.nobackup", "ME-DB-03")] == Status.VIOLATES
    # no backups means no geo-redundant copy of them either
    assert verdicts[("google_sql_database_instance.nobackup", "ME-DB-07")] == Status.VIOLATES


def test_azure_redis_without_persistence_block_has_no_persistence(tmp_path: Path) -> None:
    arm = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Cache/redis", "apiVersion": "2023-08-01", "name": "cache", "location": "westeurope",
     "properties": {"sku": {"name": "Premium", "family": "P", "capacity": 2}}}
  ]
}
"""
    tf = ('resource "azurerm_redis_cache" "plain" {\n  name = "plain"\n  capacity = 2\n  family = "P"\n'
          '  sku_name = "Premium"\n}\n')
    verdicts = _verdicts(scan_files(tmp_path, {"azuredeploy.json": arm, "main.tf": tf}, "ME-RED-04", "ME-RED-05"))
    for address in ("Microsoft.Cache/redis/cache", "azurerm_redis_cache.plain"):
        assert verdicts[(address, "ME-RED-04")] == Status.VIOLATES, address
        assert verdicts[(address, "ME-RED-05")] == Status.VIOLATES, address


def test_arm_resource_types_are_matched_whatever_their_case(tmp_path: Path) -> None:
    """ARM resource types are case-insensitive: Microsoft.Cache/Redis is Microsoft.Cache/redis."""
    arm = """{
  "$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Cache/Redis", "apiVersion": "2015-08-01", "name": "cache", "location": "westeurope",
     "properties": {"sku": {"name": "Standard", "family": "C", "capacity": 1}}}
  ]
}
"""
    verdicts = _verdicts(scan_files(tmp_path, {"azuredeploy.json": arm}, "ME-RED-03", "ME-RED-06"))
    # the default maxmemory-policy is volatile-lru and an unsharded cache has one shard
    assert verdicts[("Microsoft.Cache/Redis/cache", "ME-RED-03")] == Status.VIOLATES
    assert verdicts[("Microsoft.Cache/Redis/cache", "ME-RED-06")] == Status.VIOLATES


def test_redis_conf_without_save_takes_the_built_in_schedule_of_the_version_it_needs(tmp_path: Path) -> None:
    """appenddirname exists only since Redis 7.0, whose built-in schedule (3600 1 300 100 60 10000) misses the
    guide's 900 1; a file any version can start keeps both schedules possible (older: 900 1 300 10 60 10000)."""
    seven = "port 6379\nappendonly no\nappenddirname \"appendonlydir\"\n"
    any_version = "port 6379\nappendonly no\n"
    verdicts = _verdicts(scan_files(tmp_path, {"seven-redis.conf": seven, "any-redis.conf": any_version}, "ME-RED-04"))
    assert verdicts[("seven-redis.conf", "ME-RED-04")] == Status.VIOLATES
    assert verdicts[("any-redis.conf", "ME-RED-04")] == Status.UNKNOWN


def test_gke_ranges_from_a_variable_without_default_are_unknown(tmp_path: Path) -> None:
    tf = ('variable "vpc_config" {\n  type = object({ blocks = object({ pods = string, services = string }),\n'
          '                  names = object({ pods = string, services = string }) })\n}\n'
          'resource "google_container_cluster" "c" {\n  name = "c"\n'
          '  dynamic "ip_allocation_policy" {\n    for_each = var.vpc_config.blocks != null ? [""] : []\n'
          '    content {\n      cluster_ipv4_cidr_block  = var.vpc_config.blocks.pods\n'
          '      services_ipv4_cidr_block = var.vpc_config.blocks.services\n    }\n  }\n'
          '  dynamic "ip_allocation_policy" {\n    for_each = var.vpc_config.names != null ? [""] : []\n'
          '    content {\n      cluster_secondary_range_name  = var.vpc_config.names.pods\n'
          '      services_secondary_range_name = var.vpc_config.names.services\n    }\n  }\n}\n')
    verdicts = _verdicts(scan_files(tmp_path, {"main.tf": tf}, "ME-NET-09"))
    assert verdicts[("google_container_cluster.c", "ME-NET-09")] == Status.UNKNOWN


def test_a_minimum_tls_version_without_a_documented_default_is_unknown(tmp_path: Path) -> None:
    """Azure Cache for Redis without minimumTlsVersion accepts what the service allows at the time."""
    arm = """{
  "$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Cache/redis", "apiVersion": "2023-08-01", "name": "unset", "location": "westeurope",
     "properties": {"sku": {"name": "Standard", "family": "C", "capacity": 1}}},
    {"type": "Microsoft.Cache/redis", "apiVersion": "2023-08-01", "name": "set", "location": "westeurope",
     "properties": {"sku": {"name": "Standard", "family": "C", "capacity": 1}, "minimumTlsVersion": "1.2"}}
  ]
}
"""
    verdicts = _verdicts(scan_files(tmp_path, {"azuredeploy.json": arm}, "ME-TLS-02"))
    assert verdicts[("Microsoft.Cache/redis/unset", "ME-TLS-02")] == Status.UNKNOWN
    assert verdicts[("Microsoft.Cache/redis/set", "ME-TLS-02")] == Status.COMPLIES


def test_memorystore_snapshots_are_off_by_default_and_at_most_hourly(tmp_path: Path) -> None:
    """Memorystore persistence is DISABLED unless persistence_config turns RDB on, and its shortest
    rdb_snapshot_period (ONE_HOUR) misses the guide's 900 1 point: no managed Redis meets ME-RED-04, so
    this is proven here rather than by a pass/fail fixture pair."""
    tf = ('resource "google_redis_instance" "no_snapshots" {\n  name = "a"\n  memory_size_gb = 16\n}\n'
          'resource "google_redis_cluster" "hourly" {\n  name = "b"\n  shard_count = 3\n'
          '  persistence_config {\n    mode = "RDB"\n    rdb_config {\n      rdb_snapshot_period = "ONE_HOUR"\n'
          '    }\n  }\n}\n')
    findings = scan_files(tmp_path, {"main.tf": tf}, "ME-RED-04")
    verdicts = _verdicts(findings)
    assert verdicts[("google_redis_instance.no_snapshots", "ME-RED-04")] == Status.VIOLATES
    assert verdicts[("google_redis_cluster.hourly", "ME-RED-04")] == Status.VIOLATES
    hourly = next(f for f in findings if f.resource_address == "google_redis_cluster.hourly")
    assert "3600" in str(hourly.observed), hourly.observed


# --- 2. an Aurora member is judged through its cluster ------------------------------------------

def test_aurora_members_are_not_judged_on_cluster_level_settings(tmp_path: Path) -> None:
    tf = ('resource "aws_db_instance" "member" {\n  engine = "aurora-postgresql"\n'
          '  instance_class = "db.r6g.2xlarge"\n}\n')
    verdicts = _verdicts(scan_files(tmp_path, {"db.yaml": _CFN_DB, "main.tf": tf},
                                    "ME-DB-02", "ME-DB-03", "ME-DB-05", "ME-DB-08", "ME-TLS-03"))
    assert not [k for k in verdicts if k[0] == "Member"], verdicts
    # aws_db_instance has no cluster argument: an aurora engine alone says it is a member (ME-DB-02 stays
    # exportable to checkov without a cluster gate, so it still reads the instance's own retention).
    assert {k for k in verdicts if k[0] == "aws_db_instance.member"} <= {("aws_db_instance.member", "ME-DB-02")}


# --- 3. PostgreSQL checks say nothing about other engines -----------------------------------------

_PG_ONLY = ("ME-DB-01", "ME-DB-05", "ME-TLS-03", "ME-DB-10", "ME-PG-01", "ME-PG-05", "ME-PG-06")


def test_postgresql_checks_ignore_other_engines_wherever_the_engine_is_written(tmp_path: Path) -> None:
    tf = """\
resource "aws_db_instance" "maria" {
  engine         = "mariadb"
  engine_version = "10.6"
  instance_class = "db.r6g.large"
}
resource "google_sql_database_instance" "mysql" {
  database_version = "MYSQL_8_0"
  settings {
    tier = "db-custom-2-7680"
    database_flags {
      name  = "max_connections"
      value = "50"
    }
  }
}
resource "aws_db_parameter_group" "mysql" {
  family = "mysql8.0"
  parameter {
    name  = "max_connections"
    value = "50"
  }
}
"""
    cfn = _CFN_DB.replace("Engine: postgres\n", "Engine: sqlserver-se\n", 1)
    arm = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.DBforMySQL/flexibleServers", "apiVersion": "2023-06-30", "name": "my",
     "location": "westeurope", "properties": {"version": "8.0.21"}},
    {"type": "Microsoft.DBforMySQL/flexibleServers/configurations", "apiVersion": "2023-06-30",
     "name": "my/max_connections", "properties": {"value": "50", "source": "user-override"}}
  ]
}
"""
    findings = scan_files(tmp_path, {"main.tf": tf, "db.yaml": cfn, "azuredeploy.json": arm}, *_PG_ONLY)
    judged = {(f.resource_address, f.policy_id) for f in findings
              if f.resource_address != "Cluster" and f.resource_address != "Member"}
    assert not judged, judged


def test_an_engine_the_files_do_not_tell_is_unknown_not_skipped_nor_judged(tmp_path: Path) -> None:
    tf = ('variable "engine" {}\nresource "aws_db_instance" "db" {\n  engine = var.engine\n'
          '  engine_version = "14"\n  instance_class = "db.r6g.2xlarge"\n}\n')
    findings = scan_files(tmp_path, {"main.tf": tf}, "ME-DB-01", "ME-DB-05", "ME-TLS-03")
    verdicts = _verdicts(findings)
    for policy in ("ME-DB-01", "ME-DB-05", "ME-TLS-03"):
        assert verdicts.get(("aws_db_instance.db", policy)) == Status.UNKNOWN, (policy, verdicts)
    assert all("engine" in f.message for f in findings)


# --- 4. compound requirements ---------------------------------------------------------------------

def test_a_compound_check_is_never_complies_while_a_part_is_unknown(tmp_path: Path) -> None:
    tf = ('variable "protect" {}\nresource "aws_db_instance" "db" {\n  engine = "postgres"\n'
          '  storage_encrypted = true\n  deletion_protection = var.protect\n}\n')
    [finding] = scan_files(tmp_path, {"main.tf": tf}, "ME-DB-08")
    assert finding.status == Status.UNKNOWN


# --- 5. complete configuration files at the engine's built-in defaults -----------------------------

def test_redis_conf_without_appendonly_or_eviction_policy_runs_the_defaults(tmp_path: Path) -> None:
    conf = "port 6379\nmaxmemory 8gb\nrequirepass ${REDIS_PASSWORD}\ntcp-backlog 511\n"
    verdicts = _verdicts(scan_files(tmp_path, {"redis.conf": conf}, "ME-RED-03", "ME-RED-05"))
    assert verdicts[("redis.conf", "ME-RED-05")] == Status.VIOLATES  # appendonly no
    assert verdicts[("redis.conf", "ME-RED-03")] == Status.VIOLATES  # maxmemory-policy noeviction


def test_redis_conf_that_includes_another_file_is_not_complete(tmp_path: Path) -> None:
    conf = "include /etc/redis/common.conf\nport 6379\nrequirepass ${REDIS_PASSWORD}\nmaxmemory 8gb\n"
    findings = scan_files(tmp_path, {"redis.conf": conf}, "ME-RED-05")
    [finding] = findings
    assert finding.status == Status.UNKNOWN
    assert "include" in finding.message


def test_postgresql_conf_judges_unset_settings_at_the_servers_defaults(tmp_path: Path) -> None:
    conf = "listen_addresses = '*'\nmax_connections = 200\nshared_buffers = 8GB\n"
    findings = scan_files(tmp_path, {"postgresql.conf": conf}, "ME-PG-01", "ME-PG-05")
    verdicts = _verdicts(findings)
    assert verdicts[("postgresql.conf", "ME-PG-05")] == Status.COMPLIES
    pg01 = next(f for f in findings if f.policy_id == "ME-PG-01")
    assert pg01.status == Status.VIOLATES
    assert "work_mem" in pg01.message and "default" in pg01.message  # 4MB, the built-in default
    assert pg01.remediation is not None and "work_mem = '16MB'" in pg01.remediation.snippet


def test_fragments_and_alter_system_are_judged_on_what_they_set_and_unknown_on_the_rest(tmp_path: Path) -> None:
    sql = "ALTER SYSTEM SET max_connections = 200;\n"
    conf = "include_dir = 'conf.d'\nmax_connections = 200\nshared_buffers = 8GB\n"
    fragment = "shared_buffers = 8GB\nwork_mem = 16MB\n"
    files = {"tuning.sql": sql, "db/postgresql.conf": conf, "db/conf.d/10-memory.conf": fragment}
    findings = scan_files(tmp_path, files, "ME-PG-01", "ME-PG-05")
    # two of ME-PG-01's five settings, both right: the other three are the server configuration's
    assert {f.policy_id: f.status for f in findings if f.file.endswith("10-memory.conf")} == {
        "ME-PG-01": Status.UNKNOWN}
    sql_findings = {f.policy_id: f.status for f in findings if f.file.endswith("tuning.sql")}
    assert sql_findings == {"ME-PG-05": Status.COMPLIES}  # ALTER SYSTEM says nothing of shared_buffers
    # the include_dir may set the rest: unknown, naming it, never the built-in default
    pg01 = next(f for f in findings if f.policy_id == "ME-PG-01" and f.file.endswith("postgresql.conf"))
    assert pg01.status == Status.UNKNOWN and "conf.d" in pg01.message


# --- 6. RBAC user groups are Redis authentication ------------------------------------------------

def test_rbac_user_groups_count_as_redis_authentication(tmp_path: Path) -> None:
    tf = ('resource "aws_elasticache_replication_group" "rbac" {\n  replication_group_id = "rbac"\n'
          '  description = "rbac"\n  transit_encryption_enabled = true\n'
          '  user_group_ids = [aws_elasticache_user_group.app.id]\n}\n')
    cfn = ('Resources:\n  Rbac:\n    Type: AWS::ElastiCache::ReplicationGroup\n    Properties:\n'
           '      ReplicationGroupDescription: rbac\n      TransitEncryptionEnabled: true\n'
           '      UserGroupIds: [app-users]\n')
    verdicts = _verdicts(scan_files(tmp_path, {"main.tf": tf, "cache.yaml": cfn}, "ME-RED-01"))
    assert verdicts[("aws_elasticache_replication_group.rbac", "ME-RED-01")] == Status.COMPLIES
    assert verdicts[("Rbac", "ME-RED-01")] == Status.COMPLIES


def test_a_replica_or_snapshot_restore_takes_its_sources_encryption_not_the_default(tmp_path: Path) -> None:
    tf = ('resource "aws_db_instance" "replica" {\n  replicate_source_db = aws_db_instance.primary.identifier\n'
          '  instance_class = "db.r6g.2xlarge"\n  deletion_protection = true\n}\n'
          'resource "aws_rds_cluster" "restored" {\n  engine = "aurora-postgresql"\n'
          '  snapshot_identifier = "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:s"\n'
          '  deletion_protection = true\n}\n')
    cfn = ('Resources:\n  Replica:\n    Type: AWS::RDS::DBInstance\n    Properties:\n'
           '      SourceDBInstanceIdentifier: primary\n      DBInstanceClass: db.r6g.2xlarge\n'
           '      DeletionProtection: true\n')
    verdicts = _verdicts(scan_files(tmp_path, {"main.tf": tf, "db.yaml": cfn}, "ME-DB-08"))
    assert verdicts == {("aws_db_instance.replica", "ME-DB-08"): Status.UNKNOWN,
                        ("aws_rds_cluster.restored", "ME-DB-08"): Status.UNKNOWN,
                        ("Replica", "ME-DB-08"): Status.UNKNOWN}


def test_serverless_aurora_is_encrypted_by_default(tmp_path: Path) -> None:
    tf = ('resource "aws_rds_cluster" "v1" {\n  engine = "aurora-postgresql"\n  engine_mode = "serverless"\n'
          '  deletion_protection = true\n}\n')
    [finding] = scan_files(tmp_path, {"main.tf": tf}, "ME-DB-08")
    assert finding.status == Status.COMPLIES


def test_cloud_sql_without_an_update_track_is_not_on_the_guides_track(tmp_path: Path) -> None:
    tf = ('resource "google_sql_database_instance" "db" {\n  database_version = "POSTGRES_15"\n  settings {\n'
          '    tier = "db-custom-8-32768"\n    backup_configuration {\n      enabled = true\n'
          '      start_time = "03:00"\n    }\n    maintenance_window {\n      day = 7\n      hour = 4\n'
          '    }\n  }\n}\n')
    [finding] = scan_files(tmp_path, {"main.tf": tf}, "ME-DB-04")
    assert finding.status == Status.VIOLATES and "maintenance track" in finding.message


_CFN_VPC = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, AvailabilityZone: eu-west-1a}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24, AvailabilityZone: eu-west-1b}
  DbSubnets:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: db
      SubnetIds: [!Ref SubnetA, !Ref SubnetB]
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.r6g.2xlarge
      DBSubnetGroupName: !Ref DbSubnets
"""
_IGW = """\
  Igw:
    Type: AWS::EC2::InternetGateway
  IgwAttachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}
"""


def test_cloudformation_db_instance_with_its_own_subnet_group_is_private_whatever_the_vpc(tmp_path: Path) -> None:
    """The RDS API's default with a DB subnet group other than "default" is private (an internet gateway in
    the VPC no longer decides it: botocore's CreateDBInstance documentation)."""
    private = _verdicts(scan_files(tmp_path / "private", {"db.yaml": _CFN_VPC}, "ME-NET-02"))
    gateway = _verdicts(scan_files(tmp_path / "public", {"db.yaml": _CFN_VPC + _IGW}, "ME-NET-02"))
    assert private[("Db", "ME-NET-02")] == gateway[("Db", "ME-NET-02")] == Status.COMPLIES


# --- RDS PubliclyAccessible left out: what the RDS API does (botocore's CreateDBInstance documentation) ------------

@pytest.mark.parametrize(("properties", "expected"), [
    ("      DBSubnetGroupName: !Ref Subnets\n", False),  # a subnet group of its own: private
    ("      DBSubnetGroupName: default\n", True),  # the group named default: public
    ("", True),  # no subnet group, not Aurora: public
    ("      DBClusterIdentifier: !Ref Cluster\n", False),  # an Aurora instance without a subnet group: private
    ("      DBSubnetGroupName: !Ref GroupName\n", None),  # a parameter that may say "default": unknown
])
def test_an_rds_instance_without_publicly_accessible_takes_the_apis_default(
        tmp_path: Path, properties: str, expected: bool | None) -> None:
    from scanner.mappings import load_paths

    template = ("Parameters:\n  GroupName: {Type: String}\nResources:\n  Subnets:\n"
                "    Type: AWS::RDS::DBSubnetGroup\n    Properties: {DBSubnetGroupDescription: x, SubnetIds: [a, b]}\n"
                "  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n"
                "      DBInstanceClass: db.m6g.large\n" + properties)
    (tmp_path / "db.yaml").write_text(template)
    [db] = [r for r in load_paths([tmp_path]).resources if r.address == "Db"]
    found = db.facts.get("publicly_accessible")
    assert (found if isinstance(found, bool) else None) == expected, found
