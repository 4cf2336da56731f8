"""ME-NET-02 on Azure Cache for Redis injected into a VNet subnet (ARM subnetId, Terraform subnet_id): such a cache
is reachable only from the virtual network, whatever the public network access flag says (it does not apply)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files


@pytest.mark.parametrize("properties, expected", [
    ({"subnetId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"},
     Status.COMPLIES),
    ({}, Status.VIOLATES),
    ({"publicNetworkAccess": "Disabled"}, Status.COMPLIES),
])
def test_arm_cache_in_a_subnet_has_no_public_endpoint(tmp_path: Path, properties: dict[str, str],
                                                      expected: Status) -> None:
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [{
                    "type": "Microsoft.Cache/Redis", "apiVersion": "2019-07-01", "name": "cache", "location": "x",
                    "properties": {"sku": {"name": "Premium", "family": "P", "capacity": 1}, **properties}}]}
    found = [f for f in scan_files(tmp_path, {"azuredeploy.json": json.dumps(template, indent=1)}, "ME-NET-02")]
    assert found[0].status == expected, found[0].message


def test_terraform_cache_in_a_subnet_has_no_public_endpoint(tmp_path: Path) -> None:
    found = scan_files(tmp_path, {"main.tf": '''resource "azurerm_redis_cache" "c" {
  name                = "c"
  location            = "x"
  resource_group_name = "rg"
  capacity            = 1
  family              = "P"
  sku_name            = "Premium"
  subnet_id           = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
}
'''}, "ME-NET-02")
    assert found[0].status == Status.COMPLIES, found[0].message
