"""Live Azure facts equal the IaC facts of the same resource, in name and representation.

The collector keeps ARM's own bodies (``format="arm"``), so a live resource and an ARM template declaration of it
share one mapping entry: their fact names cannot differ. What can differ is the Terraform spelling: each case
below is a resource as ARM answers for it once deployed and the azurerm block that declares it; every fact both
tables give must be present on both sides and equal, with the same types (tests/mappings/test_aws_alignment.py
does the same for AWS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.azure import FORMAT, resource_types, without_nulls
from scanner.mappings import load_paths, mapping_for_type, normalize
from scanner.mappings.identity import IDENTITIES
from scanner.model import Origin, Resource
from tests.mappings.test_aws_alignment import same_facts

SUB = "/subscriptions/s/resourceGroups/rg/providers"
DB_SUBNET = f"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/db"


@dataclass
class Case:
    name: str
    type: str
    live: dict[str, Any]
    terraform: str
    one_sided: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("postgres", "Microsoft.DBforPostgreSQL/flexibleServers", {
        "id": f"{SUB}/Microsoft.DBforPostgreSQL/flexibleServers/db", "name": "db", "location": "westeurope",
        "tags": {"team": "core"}, "sku": {"name": "Standard_D8ds_v4", "tier": "GeneralPurpose"},
        "properties": {"version": "15", "storage": {"storageSizeGB": 512}, "state": "Ready",
                       "backup": {"backupRetentionDays": 30, "geoRedundantBackup": "Enabled"},
                       "highAvailability": {"mode": "ZoneRedundant"},
                       "network": {"publicNetworkAccess": "Disabled",
                                   "delegatedSubnetResourceId": DB_SUBNET},
                       "maintenanceWindow": {"customWindow": "Enabled", "dayOfWeek": 0, "startHour": 4,
                                             "startMinute": 0}}},
        f"""
  name                         = "db"
  version                      = "15"
  sku_name                     = "GP_Standard_D8ds_v4"
  storage_mb                   = 524288
  backup_retention_days        = 30
  geo_redundant_backup_enabled = true
  delegated_subnet_id          = "{DB_SUBNET}"
  public_network_access_enabled = false
  high_availability {{
    mode = "ZoneRedundant"
  }}
  maintenance_window {{
    day_of_week  = 0
    start_hour   = 4
    start_minute = 0
  }}
  tags = {{
    team = "core"
  }}""", one_sided={
            # azurerm spells the SKU with its tier prefix (GP_), ARM without: the shape facts agree, the name not
            "machine_type": "azurerm writes the tier prefix (GP_Standard_D8ds_v4), ARM the size alone",
            "instance_count": "azurerm's count meta-argument; ARM has one server per resource",
            "tls_required": "live: the require_secure_transport configuration, a resource of its own"}),
    Case("nsg", "Microsoft.Network/networkSecurityGroups", {
        "id": f"{SUB}/Microsoft.Network/networkSecurityGroups/api", "name": "api", "location": "westeurope",
        "properties": {"securityRules": [{"name": "https", "properties": {
            "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "443",
            "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "*", "access": "Allow",
            "priority": 100, "direction": "Inbound"}}]}},
        """
  name = "api"
  security_rule {
    name                       = "https"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "*"
  }"""),
    Case("aks", "Microsoft.ContainerService/managedClusters", {
        "id": f"{SUB}/Microsoft.ContainerService/managedClusters/aks", "name": "aks", "location": "westeurope",
        "tags": {"team": "core"},
        "properties": {"dnsPrefix": "me", "networkProfile": {"networkPlugin": "azure", "networkPolicy": "azure",
                                                             "serviceCidr": "10.2.0.0/16", "podCidr": None}}},
        """
  name       = "aks"
  dns_prefix = "me"
  network_profile {
    network_plugin = "azure"
    network_policy = "azure"
    service_cidr   = "10.2.0.0/16"
  }
  tags = {
    team = "core"
  }"""),
    Case("pool", "Microsoft.ContainerService/managedClusters/agentPools", {
        "id": f"{SUB}/Microsoft.ContainerService/managedClusters/aks/agentPools/api", "name": "api",
        "properties": {"count": 3, "vmSize": "Standard_D4s_v5", "enableAutoScaling": True, "minCount": 3,
                       "maxCount": 10, "osDiskSizeGB": 128, "osDiskType": "Managed", "scaleSetPriority": "Regular",
                       "nodeLabels": {"tier": "api"}}},
        """
  name                  = "api"
  kubernetes_cluster_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"
  vm_size               = "Standard_D4s_v5"
  node_count            = 3
  enable_auto_scaling   = true
  min_count             = 3
  max_count             = 10
  os_disk_size_gb       = 128
  os_disk_type          = "Managed"
  priority              = "Regular"
  node_labels = {
    tier = "api"
  }"""),
    Case("vnet", "Microsoft.Network/virtualNetworks", {
        "id": f"{SUB}/Microsoft.Network/virtualNetworks/v", "name": "v", "location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": []}},
        """
  name          = "v"
  address_space = ["10.0.0.0/16"]"""),
    Case("subnet", "Microsoft.Network/virtualNetworks/subnets", {
        "id": f"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/db", "name": "db", "armName": "v/db",
        "properties": {"addressPrefix": "10.0.10.0/24", "delegations": [
            {"name": "pg", "properties": {"serviceName": "Microsoft.DBforPostgreSQL/flexibleServers"}}]}},
        """
  name                 = "db"
  virtual_network_name = "v"
  address_prefixes     = ["10.0.10.0/24"]
  delegation {
    name = "pg"
    service_delegation {
      name = "Microsoft.DBforPostgreSQL/flexibleServers"
    }
  }""", one_sided={"network": "azurerm names the network; ARM's subnet sits inside it (its ID says which)",
                   "cidr": "azurerm address_prefixes is a list, ARM addressPrefix one value"}),
    Case("redis", "Microsoft.Cache/redis", {
        "id": f"{SUB}/Microsoft.Cache/Redis/sessions", "name": "sessions", "location": "westeurope",
        "properties": {"sku": {"name": "Premium", "family": "P", "capacity": 1}, "publicNetworkAccess": "Disabled",
                       "replicasPerPrimary": 1, "shardCount": 2, "minimumTlsVersion": "1.2"}},
        """
  name                          = "sessions"
  sku_name                      = "Premium"
  family                        = "P"
  capacity                      = 1
  shard_count                   = 2
  replicas_per_primary          = 1
  public_network_access_enabled = false"""),
]


def _live(case: Case) -> Resource:
    body = without_nulls(dict(case.live, type=case.type))  # as the collector keeps ARM's answer
    return normalize(Resource("azure", case.type, case.live["id"], Origin(account="s", api="x"), body,
                              format=FORMAT, source="live"))


def _declared(tmp_path: Path, case: Case) -> Resource:
    terraform = IDENTITIES[case.type].terraform_types[0]
    path = tmp_path / f"{case.name}.tf"
    path.write_text(f'resource "{terraform}" "{case.name}" {{{case.terraform}\n}}\n')
    result = load_paths([path])
    assert not result.errors, result.errors
    [resource] = [r for r in result.resources if r.type == terraform]
    return resource


def test_every_mapped_live_type_has_a_case_and_the_terraform_kinds() -> None:
    mapped = {t for t in resource_types() if mapping_for_type(t, FORMAT) is not None}
    assert {c.type for c in CASES} <= mapped
    # the types with a mapping but no case: their Terraform spelling maps nothing comparable yet
    assert mapped - {c.type for c in CASES} == {
        "Microsoft.Network/applicationGateways", "Microsoft.Network/frontDoors",
        "Microsoft.Cdn/profiles/originGroups/origins", "Microsoft.DBforPostgreSQL/flexibleServers/configurations"}
    for rtype in sorted(mapped):
        live = mapping_for_type(rtype, FORMAT)
        terraform = mapping_for_type(IDENTITIES[rtype].terraform_types[0], "terraform")
        assert live is not None and terraform is not None, rtype
        assert live.kinds == terraform.kinds, rtype


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_live_facts_equal_the_terraform_facts_of_the_same_resource(tmp_path: Path, case: Case) -> None:
    declared, live = _declared(tmp_path, case), _live(case)
    shared = (set(mapping_for_type(declared.type, "terraform").facts)  # type: ignore[union-attr]
              & set(mapping_for_type(live.type, FORMAT).facts))  # type: ignore[union-attr]
    compared = same_facts(declared, live, shared - set(case.one_sided))
    assert len(compared) >= min(3, len(shared - set(case.one_sided))), (case.name, compared)
