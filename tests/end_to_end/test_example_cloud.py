"""The guide's own cloud files: compliant settings reported compliant, true gaps reported, each at its line.

Every row below was checked by hand against examples/marketing-engine (see the comments for the
judgement calls): the set of findings of the network, TLS and database policies must be exactly this.
"""

from __future__ import annotations

import pytest

from scanner.model import Finding
from scanner.scan import ScanOptions, scan
from tests.conftest import EXAMPLE

C, V, U = "complies", "violates", "unknown"
EXPECTED = {
    # aws/cloudformation.yaml
    ("ME-NET-01", "aws/cloudformation.yaml", 6, "VPC", C),            # 10.0.0.0/16, DNS support + host names
    ("ME-NET-03", "aws/cloudformation.yaml", 19, "PublicSubnetA", C),  # public: the internet-facing ALB is in it
    ("ME-NET-03", "aws/cloudformation.yaml", 21, "PrivateSubnetA", C),
    ("ME-NET-04", "aws/cloudformation.yaml", 21, "PrivateSubnetA", U),  # no route table in the excerpt
    ("ME-NET-05", "aws/cloudformation.yaml", 28, "ApplicationLoadBalancer", V),  # no HTTPS listener
    ("ME-NET-07", "aws/cloudformation.yaml", 28, "ApplicationLoadBalancer", V),  # no CloudFront
    # PublicSubnetB is referenced but not declared: one zone is known, the second cannot be told.
    ("ME-NET-06", "aws/cloudformation.yaml", 35, "ApplicationLoadBalancer", U),
    ("ME-DB-06", "aws/cloudformation.yaml", 53, "RDSCluster", V),   # no DB instance at all in the template
    ("ME-DB-07", "aws/cloudformation.yaml", 53, "RDSCluster", V),   # no cross-region copy
    ("ME-DB-08", "aws/cloudformation.yaml", 53, "RDSCluster", V),   # StorageEncrypted defaults to false
    ("ME-NET-02", "aws/cloudformation.yaml", 53, "RDSCluster", U),  # Aurora: set on instances, none declared
    ("ME-DB-01", "aws/cloudformation.yaml", 57, "RDSCluster", C),
    ("ME-DB-09", "aws/cloudformation.yaml", 59, "RDSCluster", U),   # DBPassword parameter not in the excerpt
    ("ME-TLS-03", "aws/cloudformation.yaml", 61, "RDSCluster", U),  # DBClusterParameterGroup not declared
    ("ME-NET-02-PRIVATE", "aws/cloudformation.yaml", 64, "RDSCluster", U),  # DBSubnetGroup not declared
    ("ME-DB-02", "aws/cloudformation.yaml", 65, "RDSCluster", C),
    ("ME-DB-03", "aws/cloudformation.yaml", 65, "RDSCluster", C),
    ("ME-DB-04", "aws/cloudformation.yaml", 66, "RDSCluster", C),
    ("ME-DB-05", "aws/cloudformation.yaml", 68, "RDSCluster", C),
    # azure/azuredeploy.json
    ("ME-NET-01", "azure/azuredeploy.json", 18, "marketing-engine-vnet", C),
    ("ME-NET-04", "azure/azuredeploy.json", 21, "marketing-engine-vnet", V),  # api-subnet without NAT
    ("ME-NET-09", "azure/azuredeploy.json", 55, "marketing-engine-aks", C),
    ("ME-DB-04", "azure/azuredeploy.json", 61, "marketing-engine-postgres", V),   # system-managed window
    ("ME-DB-05", "azure/azuredeploy.json", 61, "marketing-engine-postgres", V),   # no diagnostic setting
    ("ME-DB-08", "azure/azuredeploy.json", 61, "marketing-engine-postgres", V),   # no CanNotDelete lock
    ("ME-NET-02", "azure/azuredeploy.json", 61, "marketing-engine-postgres", V),
    ("ME-NET-02-PRIVATE", "azure/azuredeploy.json", 61, "marketing-engine-postgres", V),  # not delegated
    ("ME-TLS-03", "azure/azuredeploy.json", 61, "marketing-engine-postgres", C),  # require_secure_transport on
    ("ME-DB-01", "azure/azuredeploy.json", 71, "marketing-engine-postgres", C),
    ("ME-DB-02", "azure/azuredeploy.json", 74, "marketing-engine-postgres", C),
    ("ME-DB-03", "azure/azuredeploy.json", 74, "marketing-engine-postgres", C),
    ("ME-DB-07", "azure/azuredeploy.json", 75, "marketing-engine-postgres", C),
    ("ME-DB-06", "azure/azuredeploy.json", 78, "marketing-engine-postgres", C),
    # gcp/main.tf
    ("ME-NET-04", "gcp/main.tf", 8, "google_compute_network.vpc", V),  # no Cloud NAT
    ("ME-NET-01", "gcp/main.tf", 10, "google_compute_network.vpc", C),
    ("ME-NET-09", "gcp/main.tf", 41, "google_container_cluster.primary", C),
    ("ME-DB-05", "gcp/main.tf", 95, "google_sql_database_instance.postgres", C),
    ("ME-DB-06", "gcp/main.tf", 95, "google_sql_database_instance.postgres", V),   # ZONAL, no replicas
    ("ME-DB-07", "gcp/main.tf", 95, "google_sql_database_instance.postgres", C),   # multi-region by default
    ("ME-DB-08", "gcp/main.tf", 95, "google_sql_database_instance.postgres", V),   # API deletion protection off
    ("ME-TLS-03", "gcp/main.tf", 95, "google_sql_database_instance.postgres", V),  # ssl_mode default
    ("ME-DB-01", "gcp/main.tf", 97, "google_sql_database_instance.postgres", C),
    ("ME-DB-02", "gcp/main.tf", 103, "google_sql_database_instance.postgres", V),  # 7 retained backups
    ("ME-DB-04", "gcp/main.tf", 105, "google_sql_database_instance.postgres", C),
    ("ME-DB-03", "gcp/main.tf", 107, "google_sql_database_instance.postgres", C),
    ("ME-NET-02", "gcp/main.tf", 121, "google_sql_database_instance.postgres", C),
    ("ME-NET-02-PRIVATE", "gcp/main.tf", 122, "google_sql_database_instance.postgres", C),
    # kubernetes/
    ("ME-DB-09", "kubernetes/deployment.yaml", 25, "api-server", C),
    # sizing (machine shape catalogue): the guide's primary sizes; Cloud SQL leaves disk_size at its 10 GB default
    ("ME-DB-10", "aws/cloudformation.yaml", 53, "RDSCluster", U),  # no DB instances, no class to size
    ("ME-DB-10", "azure/azuredeploy.json", 67, "marketing-engine-postgres", C),  # Standard_D8ds_v4, 512 GB
    ("ME-DB-10", "gcp/main.tf", 95, "google_sql_database_instance.postgres", V),
    ("ME-NET-10", "azure/azuredeploy.json", 47, "apipool", C),  # Standard_DS3_v2: high network performance
    ("ME-NET-10", "gcp/main.tf", 79, "google_container_node_pool.primary_nodes", C),
    ("ME-TLS-01", "kubernetes/ingress.yaml", 12, "api-ingress", C),
    ("ME-NET-05", "kubernetes/ingress.yaml", 13, "api-ingress", C),
}


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    report = scan(ScanOptions(paths=[str(EXAMPLE)]))
    return [f for f in report.findings if f.policy_id.split("-")[1] in ("NET", "TLS", "DB")]


def _key(f: Finding) -> tuple[str, str, int | None, str, str]:
    return (f.policy_id, (f.file or "").split("marketing-engine/", 1)[1], f.line,
            f.resource_address.rsplit("/", 1)[-1], f.status.value)


def _one(findings: list[Finding], policy: str, name: str) -> Finding:
    (match,) = [f for f in findings if f.policy_id == policy and f.resource_address.endswith(name)]
    return match


def test_network_tls_database_findings_are_exactly_the_checked_ones(findings: list[Finding]) -> None:
    got = {_key(f) for f in findings}
    assert got == EXPECTED, f"unexpected {sorted(got - EXPECTED)}; missing {sorted(EXPECTED - got)}"


def test_compliant_settings_say_what_complied(findings: list[Finding]) -> None:
    windows = _one(findings, "ME-DB-04", "RDSCluster").message
    assert "03:00-04:00" in windows and "sun:04:00-sun:05:00" in windows
    assert _one(findings, "ME-DB-05", "RDSCluster").observed == ["postgresql"]
    vpc = _one(findings, "ME-NET-01", "VPC").message
    assert "10.0.0.0/16" in vpc and "dns_support is true" in vpc and "dns_hostnames is true" in vpc
    pitr = _one(findings, "ME-DB-03", "google_sql_database_instance.postgres")
    assert pitr.observed == "7d" and "pitr_enabled is true" in pitr.message
    assert _one(findings, "ME-NET-02-PRIVATE", "google_sql_database_instance.postgres").observed == \
        "google_compute_network.vpc.id"
    assert _one(findings, "ME-DB-06", "marketing-engine-postgres").observed == "ZoneRedundant"
    assert _one(findings, "ME-DB-07", "marketing-engine-postgres").observed == "true"
    gke = _one(findings, "ME-NET-09", "google_container_cluster.primary").message
    assert "pods 10.1.0.0/16" in gke and "services 10.2.0.0/16" in gke
    public = _one(findings, "ME-NET-03", "PublicSubnetA").message
    assert "public subnet" in public and "ApplicationLoadBalancer" in public


def test_gaps_name_what_is_missing(findings: list[Finding]) -> None:
    zones = _one(findings, "ME-NET-06", "ApplicationLoadBalancer").message
    assert "PublicSubnetB is referenced" in zones and "not declared" in zones and "1 zone" in zones
    assert "no HTTPS listener" in _one(findings, "ME-NET-05", "ApplicationLoadBalancer").message
    assert "delegated subnet" in _one(findings, "ME-NET-02-PRIVATE", "marketing-engine-postgres").message
    assert "DBClusterParameterGroup" in _one(findings, "ME-TLS-03", "RDSCluster").message
    fix = _one(findings, "ME-DB-08", "RDSCluster").remediation
    assert fix is not None and "StorageEncrypted: true" in fix.snippet
