"""Realistic IaC, written the way teams write it, scans without errors and with exactly the findings
checked by hand: an Aurora PostgreSQL module with variables and tfvars over a three-tier VPC, a
CloudFormation VPC with NAT and an ALB behind CloudFront, an Azure flexible server with VNet integration
and a private DNS zone (ARM)."""

from __future__ import annotations

import pytest

from scanner.model import Status
from scanner.scan import ScanOptions, scan
from tests.conftest import ROOT

REALISTIC = ROOT / "tests" / "fixtures" / "realistic"
C, V, U = "complies", "violates", "unknown"

EXPECTED = {
    "aws-aurora": {
        ("ME-NET-07", "alb.tf", 1, "aws_lb.api", V),  # no CloudFront in front of the ALB
        ("ME-NET-06", "alb.tf", 6, "aws_lb.api", C),  # aws_subnet.public[*] over names[count.index]: 2 zones
        ("ME-NET-05", "alb.tf", 23, "aws_lb.api", C),
        ("ME-TLS-01", "alb.tf", 26, "aws_lb_listener.https", C),
        ("ME-TLS-02", "alb.tf", 27, "aws_lb_listener.https", C),
        ("ME-TLS-01", "alb.tf", 41, "aws_lb_listener.http", C),  # redirect to HTTPS
        ("ME-NET-02", "cache.tf", 6, "aws_elasticache_replication_group.main", C),
        ("ME-NET-02-PRIVATE", "cache.tf", 16, "aws_elasticache_replication_group.main", C),
        ("ME-TLS-04", "cache.tf", 19, "aws_elasticache_replication_group.main", C),
        ("ME-TLS-03", "database.tf", 11, "aws_rds_cluster.main", C),  # rds.force_ssl = 1 in the parameter group
        ("ME-DB-06", "database.tf", 23, "aws_rds_cluster.main", C),  # count = 3 instances, 2 zones
        ("ME-DB-07", "database.tf", 23, "aws_rds_cluster.main", V),  # no cross-region copy
        ("ME-DB-01", "database.tf", 26, "aws_rds_cluster.main", C),
        ("ME-DB-09", "database.tf", 29, "aws_rds_cluster.main", C),  # manage_master_user_password
        # count = var.db_instance_count (3): one finding per instance, each with its own address
        *{("ME-DB-10", "database.tf", 48, f"aws_rds_cluster_instance.main[{i}]", C) for i in range(3)},
        ("ME-NET-02-PRIVATE", "database.tf", 30, "aws_rds_cluster.main", C),
        ("ME-DB-02", "database.tf", 33, "aws_rds_cluster.main", C),  # 35 days from prod.tfvars
        ("ME-DB-03", "database.tf", 33, "aws_rds_cluster.main", C),
        ("ME-DB-04", "database.tf", 34, "aws_rds_cluster.main", C),
        ("ME-DB-05", "database.tf", 36, "aws_rds_cluster.main", C),
        ("ME-DB-08", "database.tf", 37, "aws_rds_cluster.main", C),
        *{("ME-NET-02", "database.tf", 51, f"aws_rds_cluster_instance.main[{i}]", C) for i in range(3)},
        ("ME-NET-02", "database.tf", 23, "aws_rds_cluster.main", C),  # judged by its (private) instances
        ("ME-NET-01", "network.tf", 6, "aws_vpc.main", C),
        # count = var.az_count (2): each subnet instance is judged
        *{("ME-NET-03", "network.tf", 22, f"aws_subnet.public[{i}]", C) for i in range(2)},
        *{("ME-NET-03", "network.tf", 26, f"aws_subnet.private[{i}]", C) for i in range(2)},
        *{("ME-NET-03", "network.tf", 34, f"aws_subnet.database[{i}]", C) for i in range(2)},
        *{("ME-NET-04", "network.tf", 34, f"aws_subnet.database[{i}]", C) for i in range(2)},  # isolated data subnet
        *{("ME-NET-04", "network.tf", 77, f"aws_subnet.private[{i}]", C) for i in range(2)},  # private_nat route
        ("ME-NET-08", "security.tf", 6, "aws_security_group.alb", C),
        ("ME-NET-08", "security.tf", 35, "aws_security_group.app", C),
        ("ME-NET-08", "security.tf", 50, "aws_security_group.db", C),
        ("ME-NET-08", "security.tf", 58, "aws_vpc_security_group_ingress_rule.db_from_app", C),
        ("ME-NET-08", "security.tf", 69, "aws_security_group.cache", C),
    },
    "aws-vpc-alb": {
        ("ME-NET-01", "network.yaml", 38, "VPC", C),
        ("ME-NET-03", "network.yaml", 64, "PublicSubnet1", C),
        ("ME-NET-03", "network.yaml", 75, "PublicSubnet2", C),
        ("ME-NET-03", "network.yaml", 86, "PrivateSubnet1", C),
        ("ME-NET-03", "network.yaml", 97, "PrivateSubnet2", C),
        ("ME-NET-04", "network.yaml", 158, "PrivateSubnet1", C),
        ("ME-NET-04", "network.yaml", 176, "PrivateSubnet2", C),  # !If [HasSecondNat, ...] -> NatGateway1
        ("ME-NET-08", "network.yaml", 194, "ALBSecurityGroup", C),
        ("ME-NET-06", "network.yaml", 211, "ApplicationLoadBalancer", C),
        ("ME-NET-05", "network.yaml", 227, "ApplicationLoadBalancer", C),
        ("ME-TLS-01", "network.yaml", 232, "HTTPSListener", C),
        ("ME-TLS-02", "network.yaml", 233, "HTTPSListener", C),
        ("ME-TLS-01", "network.yaml", 246, "HTTPListener", C),
        ("ME-NET-07", "network.yaml", 256, "ApplicationLoadBalancer", C),
    },
    "azure-postgres": {
        # 5432 from 10.0.1.0/24: a private range the defaults cannot call the app tier
        ("ME-NET-08", "azuredeploy.json", 27, "nsg-database", U),
        ("ME-NET-04", "azuredeploy.json", 50, "marketing-engine-pg-vnet", C),  # delegated subnet exempt
        ("ME-NET-01", "azuredeploy.json", 60, "marketing-engine-pg-vnet", C),
        ("ME-DB-08", "azuredeploy.json", 102, "marketing-engine-pg", V),  # no CanNotDelete lock
        ("ME-TLS-03", "azuredeploy.json", 102, "marketing-engine-pg", C),
        ("ME-DB-01", "azuredeploy.json", 112, "marketing-engine-pg", C),
        ("ME-DB-09", "azuredeploy.json", 114, "marketing-engine-pg", C),  # securestring parameter
        ("ME-DB-10", "azuredeploy.json", 107, "marketing-engine-pg", C),  # SKU and storage sized for the primary
        ("ME-NET-02", "azuredeploy.json", 115, "marketing-engine-pg", C),
        ("ME-NET-02-PRIVATE", "azuredeploy.json", 116, "marketing-engine-pg", C),
        ("ME-DB-02", "azuredeploy.json", 120, "marketing-engine-pg", C),
        ("ME-DB-03", "azuredeploy.json", 120, "marketing-engine-pg", C),
        ("ME-DB-07", "azuredeploy.json", 120, "marketing-engine-pg", C),
        ("ME-DB-06", "azuredeploy.json", 121, "marketing-engine-pg", C),
        ("ME-DB-04", "azuredeploy.json", 122, "marketing-engine-pg", C),
        ("ME-DB-05", "azuredeploy.json", 134, "marketing-engine-pg", C),  # diagnostic setting, PostgreSQLLogs
    },
}
VAR_FILES = {"aws-aurora": [str(REALISTIC / "aws-aurora" / "prod.tfvars")]}


def _scan(name: str, **options):
    return scan(ScanOptions(paths=[str(REALISTIC / name)], var_files=VAR_FILES.get(name, []), **options))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_realistic_iac_findings_are_exactly_the_checked_ones(name: str) -> None:
    report = _scan(name)
    errors = [(f.file, f.line, f.message) for f in report.findings if f.status == Status.ERROR]
    assert not errors
    got = {(f.policy_id, (f.file or "").rsplit("/", 1)[-1], f.line, f.resource_address.rsplit("/", 1)[-1],
            f.status.value) for f in report.findings if f.policy_id.split("-")[1] in ("NET", "TLS", "DB")}
    assert got == EXPECTED[name], f"unexpected {sorted(got - EXPECTED[name])}; missing {sorted(EXPECTED[name] - got)}"


def test_tfvars_change_the_verdict() -> None:
    with_vars = {f.policy_id: f for f in _scan("aws-aurora").findings if f.resource_address == "aws_rds_cluster.main"}
    assert with_vars["ME-DB-02"].observed == "35d"
    plain = scan(ScanOptions(paths=[str(REALISTIC / "aws-aurora")]))
    without = {f.policy_id: f for f in plain.findings if f.resource_address == "aws_rds_cluster.main"}
    assert without["ME-DB-02"].observed == "30d"  # the variable's default


def test_app_tier_parameter_settles_the_unknown() -> None:
    report = _scan("azure-postgres", parameter_overrides={"ME-NET-08": {"app_tier_cidrs": ["10.0.1.0/24"]}})
    (nsg,) = [f for f in report.findings if f.policy_id == "ME-NET-08"]
    assert nsg.status == Status.COMPLIES
