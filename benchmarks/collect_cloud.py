"""Benchmark (not a test): GCP and Azure collection time and peak memory against the test fakes.

    python3 -m benchmarks.collect_cloud [--providers gcp azure] [--sizes 1000 5000]

The fakes are the collector tests' own (tests/collectors/gcp/fake.py, tests/collectors/azure_fake.py with a
trustme CA), served from this process on 127.0.0.1 and seeded with ``resources`` records of the types the
collectors read. Each collection runs in a fresh child process (so the fake's memory is not counted), configured
as the tests configure it: GCP through ``endpoints`` (``--gcp-endpoint``) with Application Default Credentials
answering a plain token, Azure through ``arm_endpoint`` / ``ca_bundle`` (``--arm-endpoint`` /
``--azure-ca-bundle``) with a static bearer token. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the fakes live under tests/
    sys.path.insert(0, str(ROOT))

PROVIDERS = ("gcp", "azure")
PAGE_SIZE = 500  # Compute Engine's largest page; ARM pages are of that order too


def gcp_state(total: int) -> dict[str, list[dict[str, Any]]]:
    """``total`` GCP resources, deterministic: clusters of 3 node pools (~10 %), networks 10 %, subnetworks 25 %,
    Cloud SQL 5 %, routers each with one Cloud NAT 10 %, VM instances 10 % (their boot disks listed, not counted),
    the HTTPS edge 5 % (SSL policies, backend services, URL maps, target proxies, forwarding rules),
    Memorystore 1 %, firewall rules the rest (~24 %)."""
    from tests.collectors.gcp import scenario

    clusters = max(1, total * 25 // 1000)
    networks, subnets, sql = total // 10, total // 4, total // 20
    routers, instances, redis = total // 20, total // 10, total // 100
    edge = total // 100  # of each of the five edge types
    firewalls = total - 4 * clusters - networks - subnets - sql - 2 * routers - instances - redis - 5 * edge
    state = scenario.compliant()
    zone = f"{scenario.COMPUTE}/zones/{scenario.REGION}-b"

    def named(item: dict[str, Any], name: str, n: int) -> dict[str, Any]:
        return {**item, "name": name, "id": str(n), "selfLink": item["selfLink"].rsplit("/", 1)[0] + f"/{name}"}

    return {
        "networks": [{**scenario._network(f"net-{i}"), "id": str(10_000 + i)} for i in range(networks)],
        "subnetworks": [{**scenario._subnet(), "name": f"subnet-{i}", "id": str(20_000 + i),
                         "ipCidrRange": f"10.{i // 256 % 256}.{i % 256}.0/24",
                         "selfLink": f"{scenario.COMPUTE}/regions/{scenario.REGION}/subnetworks/subnet-{i}"}
                        for i in range(subnets)],
        "firewalls": [{**scenario._firewall(f"fw-{i}", ["10.0.0.0/8"], [str(1024 + i % 60000)]),
                       "id": str(30_000 + i)} for i in range(firewalls)],
        "clusters": [_gcp_cluster(state["clusters"][0], i) for i in range(clusters)],
        "sql": [{**state["sql"][0], "name": f"sql-{i}"} for i in range(sql)],
        "redis": [{**state["redis"][0], "name": state["redis"][0]["name"].rsplit("/", 1)[0] + f"/cache-{i}"}
                  for i in range(redis)],
        "routers": [named(state["routers"][0], f"router-{i}", 40_000 + i) for i in range(routers)],
        "instances": [{**named(state["instances"][0], f"vm-{i}", 50_000 + i),
                       "disks": [{**state["instances"][0]["disks"][0], "source": f"{zone}/disks/vm-{i}"}]}
                      for i in range(instances)],
        "disks": [named(state["disks"][0], f"vm-{i}", 60_000 + i) for i in range(instances)],
        **{key: [named(state[key][0], f"{key.lower()}-{i}", 70_000 + i) for i in range(edge)]
           for key in ("sslPolicies", "backendServices", "urlMaps", "targetHttpsProxies", "globalForwardingRules")},
    }


def _gcp_cluster(template: dict[str, Any], n: int) -> dict[str, Any]:
    name = f"cluster-{n}"
    link = template["selfLink"].rsplit("/", 1)[0] + f"/{name}"
    pools = [{**template["nodePools"][0], "name": f"pool-{p}", "selfLink": f"{link}/nodePools/pool-{p}"}
             for p in range(3)]
    return {**template, "name": name, "selfLink": link, "nodePools": pools}


def azure_arm(total: int) -> Any:
    """A FakeArm holding ``total`` Azure resources: VNets of 3 subnets (20 %), flexible servers with 3
    configurations (20 %), AKS clusters with one agent pool (20 %), NSGs the rest (~40 %); deterministic."""
    from tests.collectors import azure_fake as fake

    template = fake.guide()
    body = {key.rsplit("/", 1)[-1]: value for key, value in template.resources.items()}
    vnets, servers, clusters = total * 50 // 1000, total * 50 // 1000, total * 100 // 1000
    nsgs = total - 4 * vnets - 4 * servers - 2 * clusters
    arm = fake.FakeArm(page_size=PAGE_SIZE)

    def copy(kind: str, name: str, template_name: str) -> dict[str, Any]:
        rid = fake.resource_id(kind, name)
        text = json.dumps(body[template_name]).replace(body[template_name]["id"], rid)
        return {**json.loads(text), "name": name}

    for i in range(vnets):
        vnet = copy("Microsoft.Network/virtualNetworks", f"vnet-{i}", "marketing-engine-vnet")
        subnet = vnet["properties"]["subnets"][0]
        vnet["properties"]["subnets"] = [{**subnet, "id": f"{vnet['id']}/subnets/s{j}", "name": f"s{j}"}
                                         for j in range(3)]
        arm.add(vnet)
    for i in range(servers):
        server = arm.add(copy("Microsoft.DBforPostgreSQL/flexibleServers", f"pg-{i}", "marketing-engine-postgres"))
        configurations = template.owned[(fake.PG_ID.casefold(), "configurations")]
        arm.owned[(server["id"].casefold(), "configurations")] = [
            {**c, "id": c["id"].replace(fake.PG_ID, server["id"])} for c in configurations]
        arm.owned[(server["id"].casefold(), "firewallrules")] = []
    for i in range(clusters):
        aks = arm.add(copy("Microsoft.ContainerService/managedClusters", f"aks-{i}", "marketing-engine-aks"))
        pools = template.owned[(fake.AKS_ID.casefold(), "agentpools")]
        arm.owned[(aks["id"].casefold(), "agentpools")] = [
            {**p, "id": p["id"].replace(fake.AKS_ID, aks["id"])} for p in pools]
    for i in range(nsgs):
        arm.add(copy("Microsoft.Network/networkSecurityGroups", f"nsg-{i}", "marketing-engine-api-nsg"))
    return arm


@contextmanager
def serving(provider: str, total: int) -> Iterator[dict[str, Any]]:
    """The provider's fake, seeded and running; yields what the measuring child needs to reach it."""
    if provider == "gcp":
        from tests.collectors.gcp.fake import FakeGcp, serve
        from tests.collectors.gcp.scenario import PROJECT

        with serve(FakeGcp({PROJECT: gcp_state(total)}, page_size=PAGE_SIZE)) as gcp:
            yield {"provider": "gcp", "url": gcp.url, "project": PROJECT}
    else:
        from tests.collectors import azure_fake

        with tempfile.TemporaryDirectory(prefix="specdrift-azure-ca-") as ca_dir, \
                azure_fake.serve(azure_arm(total), Path(ca_dir)) as (arm, bundle):
            yield {"provider": "azure", "url": arm.url, "ca": bundle, "subscription": azure_fake.SUBSCRIPTION}


def _collect(target: dict[str, Any]) -> Any:
    if target["provider"] == "gcp":
        import google.auth
        import google.oauth2.credentials

        from scanner.collectors.gcp import SERVICES, GcpOptions
        from scanner.collectors.gcp import collect as collect_gcp

        # ADC as a plain access token (what `gcloud auth print-access-token` gives), as the tests have it.
        google.auth.default = lambda scopes=None, **_: (  # type: ignore[assignment]
            google.oauth2.credentials.Credentials("ya29.bench", scopes=scopes), target["project"])
        return collect_gcp(GcpOptions(projects=(target["project"],),
                                      endpoints=dict.fromkeys(SERVICES, target["url"])))
    from scanner.collectors.azure import AzureOptions
    from scanner.collectors.azure import collect as collect_azure
    from tests.collectors.azure_fake import StaticToken

    return collect_azure(AzureOptions(subscriptions=(target["subscription"],), arm_endpoint=target["url"],
                                      ca_bundle=target["ca"], credential=StaticToken()))


def measure(target: dict[str, Any]) -> dict[str, Any]:
    """One collection in this (fresh) process: time, resources, calls, gaps, peak RSS."""
    _collect_imports(target["provider"])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    collection = _collect(target)
    seconds = time.perf_counter() - started
    return {"resources": len(collection.resources), "seconds": round(seconds, 2),
            "calls": collection.stats["calls"], "gaps": len(collection.gaps),
            "gap_kinds": sorted({f"{g.api} {g.reason[:60]}" for g in collection.gaps}),
            "rss_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_before_mib": round(rss_before / 1024, 1)}


def _collect_imports(provider: str) -> None:
    """The SDKs imported before measuring, as a long-running collector would have them."""
    if provider == "gcp":
        import google.cloud.compute_v1  # noqa: F401
    else:
        import azure.mgmt.resource  # noqa: F401


def _measure_in_child(target: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.collect_cloud", "--measure", json.dumps(target)],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def benchmark(provider: str, resources: int, runs: int) -> dict[str, Any]:
    """Cases ``gcp`` and ``azure`` of ``python3 -m benchmarks``: median collection time over ``runs`` fresh
    processes, in the shape of ``collect_aws.benchmark``."""
    with serving(provider, resources) as target:
        measured = [_measure_in_child(target) for _ in range(max(1, runs))]
    return {"wall_s": statistics.median(m["seconds"] for m in measured),
            "peak_mib": max(m["rss_peak_mib"] for m in measured),
            "note": f"{measured[0]['resources']} collected, {measured[0]['calls']} API calls, "
                    f"{measured[0]['gaps']} gaps"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", nargs="+", choices=PROVIDERS, default=list(PROVIDERS))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--measure", metavar="JSON", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0
    header = ("provider", "target", "resources", "seconds", "calls", "gaps", "rss_before_mib", "rss_peak_mib")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for provider in args.providers:
        for size in sorted(args.sizes):
            with serving(provider, size) as target:
                row = {"provider": provider, "target": size, **_measure_in_child(target)}
            for gap in row.pop("gap_kinds"):
                print(f"  gap: {gap}", file=sys.stderr)
            print(" | ".join(str(row[h]) for h in header), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
