"""Live GCP facts equal the Terraform facts of the same resource, in name and in representation.

The declared side is the guide's Terraform (examples/marketing-engine/gcp, plus a firewall rule and the edge of
tests/collectors/gcp/scenario.py: Cloud NAT, a VM, an HTTPS load balancer with Cloud CDN, Memorystore); the live
side is what the REST APIs answer for it once applied (tests/collectors/gcp/scenario.py), as the collector
records it. Every fact both tables map must be present on both sides and equal with the same types (a
``Quantity`` is not a number, a number not a string), or a policy would judge live state differently from
the file and drift would report spelling as change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.gcp import (
    BACKEND_SERVICE,
    CLUSTER,
    FIREWALL,
    FORWARDING_RULE,
    GLOBAL_FORWARDING_RULE,
    HTTPS_PROXY,
    INSTANCE,
    NETWORK,
    NODE_POOL,
    REDIS_INSTANCE,
    ROUTER,
    ROUTER_NAT,
    SQL_INSTANCE,
    SSL_POLICY,
    SUBNETWORK,
    URL_MAP,
    resource_types,
)
from scanner.drift.compare import find_unresolved
from scanner.mappings import load_paths, mapping_for_type, normalize
from scanner.mappings.identity import IDENTITIES
from scanner.model import Origin, Planned, Resource
from tests.collectors.gcp.scenario import EDGE_TF, FIREWALL_TF, PROJECT, REGION, compliant
from tests.mappings.test_aws_alignment import strict

EXAMPLE = Path(__file__).parents[2] / "examples" / "marketing-engine" / "gcp" / "main.tf"
# state key and name of the live record that each declared type becomes
LIVE = {NETWORK: ("networks", "marketing-engine-vpc"), SUBNETWORK: ("subnetworks", "private-subnet"),
        FIREWALL: ("firewalls", "allow-postgres-internal"), CLUSTER: ("clusters", "marketing-engine-cluster"),
        NODE_POOL: ("clusters", "primary-node-pool"), SQL_INSTANCE: ("sql", "marketing-engine-postgres"),
        ROUTER: ("routers", "marketing-engine-router"), ROUTER_NAT: ("routers", "marketing-engine-nat"),
        INSTANCE: ("instances", "bastion"), SSL_POLICY: ("sslPolicies", "modern-tls12"),
        HTTPS_PROXY: ("targetHttpsProxies", "web-proxy"), BACKEND_SERVICE: ("backendServices", "api-backend"),
        URL_MAP: ("urlMaps", "web-map"), FORWARDING_RULE: ("forwardingRules", "internal-api"),
        GLOBAL_FORWARDING_RULE: ("globalForwardingRules", "web-https"),
        REDIS_INSTANCE: ("redis", f"projects/{PROJECT}/locations/{REGION}/instances/marketing-engine-cache")}
# Facts one side has by design, and why.
ONE_SIDED = {
    CLUSTER: {"pods_cidr": "live: the range GKE took from the named secondary range; the IaC names the range",
              "services_cidr": "live: as pods_cidr"},
    NODE_POOL: {"disk_type": "live: the disk type GKE chose (pd-balanced); the IaC leaves it to GKE"},
    REDIS_INSTANCE: {"vcpu": "declared: an Unresolved (no vCPU count published for Memorystore); live has none"},
}
# Facts both have but that only a resolved reference could make equal (the IaC writes `google_x.y.id`).
REFERENCES = {"network", "subnetwork", "private_network", "router", "url_map", "certificate", "ssl_policy",
              "default_service", "target"}


def _declared() -> dict[str, Resource]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "main.tf").write_text(EXAMPLE.read_text())
        (Path(tmp) / "firewall.tf").write_text(FIREWALL_TF)
        (Path(tmp) / "edge.tf").write_text(EDGE_TF)
        result = load_paths([Path(tmp)])
    assert not result.errors
    return {r.type: r for r in result.resources if r.provider == "gcp"}


def _live(rtype: str) -> Resource:
    key, name = LIVE[rtype]
    items = compliant()[key]
    if rtype == CLUSTER:
        item: dict[str, Any] = {k: v for k, v in items[0].items() if k != "nodePools"}
        item["nodePoolNames"] = [p["name"] for p in items[0]["nodePools"]]
    elif rtype == NODE_POOL:
        item = dict(items[0]["nodePools"][0], cluster="marketing-engine-cluster", location="europe-west1")
    elif rtype == ROUTER_NAT:  # joined as the collector does (tests/collectors/gcp test the joins themselves)
        [router] = items
        item = dict(router["nats"][0], router=router["selfLink"], routerName=router["name"], region=REGION)
    elif rtype == INSTANCE:
        [item] = items
        item = dict(item, machineTypeName=item["machineType"].rsplit("/", 1)[-1], zoneName=f"{REGION}-b",
                    bootDiskType=compliant()["disks"][0]["type"].rsplit("/", 1)[-1])
    elif rtype == REDIS_INSTANCE:
        [item] = items
        item = dict(item, shortName=item["name"].rsplit("/", 1)[-1], region=REGION)
    else:
        [item] = [i for i in items if i["name"] == name]
    return normalize(Resource("gcp", rtype, f"live:{name}", Origin(account=PROJECT, api="x"),
                              dict(item, project=PROJECT), format="gcp-api", source="live"))


def test_every_collected_type_maps_to_the_terraform_kinds_and_facts() -> None:
    assert set(resource_types()) == set(LIVE)
    for rtype in LIVE:
        live = mapping_for_type(rtype, "gcp-api")
        terraform = mapping_for_type(IDENTITIES[rtype].terraform_types[0], "terraform")
        assert live is not None and terraform is not None, rtype
        assert live.kinds == terraform.kinds, rtype
        lacking = set(terraform.facts) - set(live.facts) - set(ONE_SIDED.get(rtype, {}))
        assert not lacking, (rtype, lacking)


@pytest.mark.parametrize("rtype", sorted(LIVE))
def test_live_facts_equal_the_terraform_facts(rtype: str) -> None:
    declared = _declared()[IDENTITIES[rtype].terraform_types[0]]
    live = _live(rtype)
    one_sided = ONE_SIDED.get(rtype, {})
    compared = []
    for fact in sorted(set(declared.facts) | set(live.facts)):
        if fact in one_sided:
            assert (fact in declared.facts) != (fact in live.facts), f"{fact} is on both sides: drop it"
            continue
        assert (fact in declared.facts) == (fact in live.facts), (
            f"{fact}: declared {declared.facts.get(fact, '<absent>')!r}, live {live.facts.get(fact, '<absent>')!r}")
        if fact in REFERENCES and (isinstance(declared.facts[fact], Planned)
                                   or find_unresolved(declared.facts[fact]) is not None):
            # the IaC names another declaration; live must name a resource of the project (a selfLink, the
            # relative name a Terraform ID holds, or GKE's bare name), which the resource index resolves by identity
            named = live.facts[fact] if isinstance(live.facts[fact], list) else [live.facts[fact]]
            assert named and all(isinstance(n, str) and n and ("/" not in n or f"projects/{PROJECT}/" in n)
                                 for n in named), (fact, named)
            compared.append(fact)
            continue
        assert strict(declared.facts[fact]) == strict(live.facts[fact]) or (fact == "ingress_rules" and [
            {k: v for k, v in r.items() if k != "line"} for r in declared.facts[fact]] == [
            {k: v for k, v in r.items() if k != "line"} for r in live.facts[fact]]), (
            f"{fact}: declared {declared.facts[fact]!r} != live {live.facts[fact]!r}")
        compared.append(fact)
    assert compared, rtype  # at least one fact compared, not all skipped


@pytest.mark.parametrize(("attrs", "ports"), [
    ({"port_range": "443"}, ["443"]),
    ({"port_range": "443-443"}, ["443"]),  # how the API answers a single port
    ({"port_range": "8080-8090"}, ["8080-8090"]),
    ({"ports": ["80", 443]}, ["80", "443"]),
    ({}, None),  # every port
])
def test_forwarding_rule_ports_read_alike_from_terraform_and_the_api(attrs: dict[str, Any], ports: Any) -> None:
    from scanner.mappings.network import gcp_forwarding_ports

    assert gcp_forwarding_ports(None, Resource("gcp", "google_compute_forwarding_rule", "r", Origin(), attrs)) == ports
    api = {"portRange": attrs["port_range"]} if "port_range" in attrs else {"ports": attrs["ports"]} if attrs else {}
    live = normalize(Resource("gcp", FORWARDING_RULE, "live:r", Origin(account=PROJECT, api="x"), api,
                              format="gcp-api", source="live"))
    assert live.facts.get("ports") == ports


@pytest.mark.parametrize(("scheme", "external"), [
    (None, True), ("EXTERNAL", True), ("external_managed", True), ("INTERNAL", False), ("INTERNAL_MANAGED", False)])
def test_a_forwarding_rule_faces_the_internet_by_its_scheme(scheme: str | None, external: bool) -> None:
    attrs = {"load_balancing_scheme": scheme} if scheme else {}
    declared = normalize(Resource("gcp", "google_compute_global_forwarding_rule", "r", Origin(), attrs,
                                  format="terraform"))
    live = normalize(Resource("gcp", GLOBAL_FORWARDING_RULE, "live:r", Origin(account=PROJECT, api="x"),
                              {"loadBalancingScheme": scheme} if scheme else {}, format="gcp-api", source="live"))
    assert declared.facts["internet_facing"] is live.facts["internet_facing"] is external


def test_a_machine_type_the_catalogue_lacks_is_sized_from_the_api() -> None:
    detail = {"guestCpus": 6, "memoryMb": 23040}
    live = normalize(Resource("gcp", INSTANCE, "live:vm", Origin(account=PROJECT, api="x"),
                              {"name": "vm", "machineTypeName": "z9-new-6", "machineTypeDetail": detail},
                              format="gcp-api", source="live"))
    assert live.facts["vcpu"] == 6 and strict(live.facts["memory"]) == ("quantity", "size", 22.5 * 2 ** 30)
    known = normalize(Resource("gcp", INSTANCE, "live:vm", Origin(account=PROJECT, api="x"),
                               {"name": "vm", "machineTypeName": "e2-small", "machineTypeDetail": detail},
                               format="gcp-api", source="live"))
    assert known.facts["vcpu"] == 0.5  # the catalogue first, as the IaC reads it (shared-core e2-small)
