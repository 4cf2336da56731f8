"""The GCP and Azure collection benchmarks: a tiny seeded fake holds the mix it claims and the collector reads
all of it back through the SDKs, with no gaps (counts only; timing is not asserted)."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks import collect_cloud


@pytest.mark.parametrize("provider", collect_cloud.PROVIDERS)
def test_a_tiny_case_collects_every_seeded_resource(provider: str) -> None:
    pytest.importorskip("google.cloud.compute_v1" if provider == "gcp" else "azure.mgmt.resource")
    with collect_cloud.serving(provider, 20) as target:
        collection = collect_cloud._collect(target)
    assert collection.gaps == []
    kinds = Counter(r.type for r in collection.resources)
    assert len(collection.resources) == 20
    if provider == "gcp":
        from scanner.collectors import gcp

        assert kinds == {gcp.FIREWALL: 4, gcp.SUBNETWORK: 5, gcp.NETWORK: 2, gcp.SQL_INSTANCE: 1, gcp.CLUSTER: 1,
                         gcp.NODE_POOL: 3, gcp.ROUTER: 1, gcp.ROUTER_NAT: 1, gcp.INSTANCE: 2}, kinds
        # one page of each of the 14 lists (PAGE_SIZE) and the disks behind the instances; no machineTypes.get
        # (the catalogue knows e2-small)
        assert collection.stats["calls"] == 15
    else:
        from scanner.collectors import azure

        assert kinds == {azure.NSG: 8, azure.VNET: 1, azure.SUBNET: 3, azure.POSTGRES: 1, azure.PG_CONFIGURATION: 3,
                         azure.AKS: 2, azure.AGENT_POOL: 2}, kinds
        assert collection.stats["calls"] == 33


def test_the_mix_scales_to_the_size_asked_for() -> None:
    pytest.importorskip("google.cloud.compute_v1")
    state = collect_cloud.gcp_state(5000)
    pools = sum(len(c["nodePools"]) for c in state["clusters"])
    nats = sum(len(r["nats"]) for r in state["routers"])
    disks = len(state["disks"])  # read for the instances' boot disk type, not collected as records
    assert sum(len(items) for items in state.values()) + pools + nats - disks == 5000
    arm = collect_cloud.azure_arm(5000)
    assert len(arm.resources) + sum(len(items) for items in arm.owned.values()) + 3 * 250 == 5000
