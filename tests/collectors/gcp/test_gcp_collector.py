"""The GCP collector with the real client libraries against the local fake: pages, retries honouring
Retry-After, 403 (denied, API disabled) and 500 as gaps on exactly the types they hide, and no write ever."""

from __future__ import annotations

import time

import pytest

from scanner.collectors.calls import CollectorError, ReadOnlyViolation
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
    GcpCollector,
    GcpOptions,
    collect,
    resource_types,
)
from tests.collectors.gcp.fake import FakeGcp
from tests.collectors.gcp.scenario import PROJECT, REGION, machine_type


def _options(fake: FakeGcp, **extra: object) -> GcpOptions:
    return GcpOptions(projects=(PROJECT,), endpoints=fake.endpoints(), timeout=5, **extra)  # type: ignore[arg-type]


def test_every_type_is_collected_with_its_identity_and_joined_attributes(fake: FakeGcp) -> None:
    collection = collect(_options(fake))
    assert collection.gaps == []
    by_type: dict[str, list[str]] = {}
    for r in collection.resources:
        by_type.setdefault(r.type, []).append(str(r.attributes["name"]).rsplit("/", 1)[-1])
        assert r.provider == "gcp" and r.format == "gcp-api" and r.source == "live"
        assert r.attributes["project"] == PROJECT
    assert by_type == {
        NETWORK: ["marketing-engine-vpc", "default"], SUBNETWORK: ["private-subnet"],
        FIREWALL: ["allow-postgres-internal", "default-allow-ssh", "gke-marketing-engine-cluster-1a2b3c4d-all"],
        CLUSTER: ["marketing-engine-cluster"], NODE_POOL: ["primary-node-pool"],
        SQL_INSTANCE: ["marketing-engine-postgres"], REDIS_INSTANCE: ["marketing-engine-cache"],
        ROUTER: ["marketing-engine-router"], ROUTER_NAT: ["marketing-engine-nat"], INSTANCE: ["bastion"],
        SSL_POLICY: ["modern-tls12"], HTTPS_PROXY: ["web-proxy"], BACKEND_SERVICE: ["api-backend"],
        URL_MAP: ["web-map"], FORWARDING_RULE: ["internal-api"], GLOBAL_FORWARDING_RULE: ["web-https"]}
    [pool] = [r for r in collection.resources if r.type == NODE_POOL]
    assert (pool.attributes["cluster"], pool.attributes["location"]) == ("marketing-engine-cluster", "europe-west1")
    assert pool.attributes["resourceName"] == ("projects/marketing-prod/locations/europe-west1/clusters/"
                                               "marketing-engine-cluster/nodePools/primary-node-pool")
    [sql] = [r for r in collection.resources if r.type == SQL_INSTANCE]
    assert sql.attributes["settings"]["backupConfiguration"]["pointInTimeRecoveryEnabled"] is True
    assert set(resource_types()) == set(by_type)
    [nat] = [r for r in collection.resources if r.type == ROUTER_NAT]
    router = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/regions/{REGION}/routers/marketing-engine-router"
    assert (nat.address, nat.attributes["router"], nat.attributes["routerName"], nat.attributes["region"]) == (
        f"{router}/nats/marketing-engine-nat", router, "marketing-engine-router", REGION)
    assert nat.attributes["resourceName"] == (f"projects/{PROJECT}/regions/{REGION}/routers/marketing-engine-router/"
                                              "marketing-engine-nat")
    [vm] = [r for r in collection.resources if r.type == INSTANCE]
    assert (vm.attributes["machineTypeName"], vm.attributes["zoneName"], vm.origin.region) == (
        "e2-small", f"{REGION}-b", REGION)
    assert "machineTypeDetail" not in vm.attributes  # the catalogue knows e2-small: no machineTypes.get
    assert vm.attributes["bootDiskType"] == "pd-balanced"  # from disks.aggregatedList
    [backend] = [r for r in collection.resources if r.type == BACKEND_SERVICE]
    assert backend.attributes["enableCDN"] is True
    assert backend.attributes["scopeFlag"] == "--global"  # gcloud's flag for a global one (--region R otherwise)
    assert backend.attributes["cdnPolicy"]["cacheMode"] == "CACHE_ALL_STATIC"
    [redis] = [r for r in collection.resources if r.type == REDIS_INSTANCE]
    assert (redis.attributes["shortName"], redis.attributes["region"]) == ("marketing-engine-cache", REGION)


def test_aggregated_lists_follow_pages_across_scopes(fake: FakeGcp) -> None:
    """An aggregated page maps scopes to lists (or a warning for an empty scope); every page is followed."""
    state = fake.projects[PROJECT]
    state["routers"] = [dict(state["routers"][0], name=f"router-{i}", selfLink=f"{state['routers'][0]['selfLink']}-{i}")
                        for i in range(3)]
    fake.page_size = 2
    collection = collect(_options(fake))
    assert sorted(r.attributes["name"] for r in collection.resources if r.type == ROUTER) == [
        "router-0", "router-1", "router-2"]
    assert len([r for r in collection.resources if r.type == ROUTER_NAT]) == 3
    tokens = [r.query.get("pageToken", [""])[0] for r in fake.requests if r.path.endswith("/aggregated/routers")]
    assert tokens == ["", "2"]


def test_a_machine_type_the_catalogue_lacks_is_read_once_per_zone_and_type(fake: FakeGcp) -> None:
    from scanner.mappings import normalize

    state = fake.projects[PROJECT]
    vm = state["instances"][0]
    state["instances"] = [dict(vm, name=f"vm-{i}", selfLink=f"{vm['selfLink']}-{i}",
                               machineType=vm["machineType"].replace("e2-small", "z9-mega-12")) for i in range(3)]
    state["machineTypes"] = [machine_type("z9-mega-12", 12, 98304)]
    collection = collect(_options(fake))
    assert collection.gaps == []
    gets = [r.path for r in fake.requests if "/machineTypes/" in r.path]
    assert gets == [f"/compute/v1/projects/{PROJECT}/zones/{REGION}-b/machineTypes/z9-mega-12"]
    facts = normalize(next(r for r in collection.resources if r.type == INSTANCE)).facts
    assert facts["vcpu"] == 12 and facts["memory"].value == 96 * 2 ** 30


def test_a_denied_machine_type_is_unknown_sizing_not_a_lost_instance(fake: FakeGcp) -> None:
    from scanner.mappings import normalize
    from scanner.model import Unresolved

    vm = fake.projects[PROJECT]["instances"][0]
    vm["machineType"] = vm["machineType"].replace("e2-small", "z9-mega-12")
    fake.fail("machineTypes", 403)
    collection = collect(_options(fake))
    [gap] = collection.gaps
    assert (gap.api, gap.types, gap.code) == ("compute.machineTypes.get", (), "access_denied")
    [instance] = [r for r in collection.resources if r.type == INSTANCE]
    facts = normalize(instance).facts
    assert isinstance(facts["vcpu"], Unresolved) and facts["machine_type"] == "z9-mega-12"


def test_pages_are_followed_by_next_page_token(fake: FakeGcp) -> None:
    fake.page_size = 1
    collection = collect(_options(fake))
    firewalls = [r for r in collection.resources if r.type == FIREWALL]
    assert len(firewalls) == 3
    tokens = [r.query.get("pageToken", [""])[0] for r in fake.requests if r.path.endswith("/firewalls")]
    assert tokens == ["", "1", "2"]


def test_a_429_is_retried_after_the_wait_the_api_asked_for(fake: FakeGcp) -> None:
    fake.retry_after = "1"
    fake.fail("sql", 429)
    collection = collect(_options(fake))
    assert collection.gaps == []
    assert [r.type for r in collection.resources].count(SQL_INSTANCE) == 1
    calls = [r.at for r in fake.requests if r.path.endswith(f"/projects/{PROJECT}/instances")]
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.9  # the backoff alone would wait at most 0.5 s
    assert collection.stats["retries"] == 1


def test_a_500_is_retried_and_one_that_persists_is_a_gap(fake: FakeGcp) -> None:
    fake.fail("clusters", 500)
    assert collect(_options(fake, max_attempts=2)).gaps == []
    fake.fail("clusters", 500, 500)
    [gap] = collect(_options(fake, max_attempts=2)).gaps
    assert gap.types == (CLUSTER, NODE_POOL) and gap.code == "error" and "after 2 attempts" in gap.reason


@pytest.mark.parametrize(("fault", "code"), [(403, "access_denied"), ("disabled", "disabled")])
def test_a_403_hides_exactly_the_types_of_that_api(fake: FakeGcp, fault: object, code: str) -> None:
    fake.fail("sql", fault)  # type: ignore[arg-type]
    collection = collect(_options(fake))
    [gap] = collection.gaps
    assert (gap.api, gap.types, gap.code, gap.region) == ("sqladmin.instances.list", (SQL_INSTANCE,), code, PROJECT)
    assert ("SERVICE_DISABLED" if fault == "disabled" else "IAM_PERMISSION_DENIED") in gap.reason
    assert SQL_INSTANCE not in {r.type for r in collection.resources}
    assert {CLUSTER, NODE_POOL, NETWORK, FIREWALL} <= {r.type for r in collection.resources}
    assert len([r for r in fake.requests if r.path.endswith("/instances") and "/v1/projects/" in r.path
                and "locations" not in r.path and "compute" not in r.path]) == 1


@pytest.mark.parametrize(("key", "api", "types"), [
    ("routers", "compute.routers.aggregatedList", (ROUTER, ROUTER_NAT)),
    ("sslPolicies", "compute.sslPolicies.aggregatedList", (SSL_POLICY,)),
    ("backendServices", "compute.backendServices.aggregatedList", (BACKEND_SERVICE,)),
    ("globalForwardingRules", "compute.globalForwardingRules.list", (GLOBAL_FORWARDING_RULE,)),
    ("redis", "redis.projects.locations.instances.list", (REDIS_INSTANCE,)),
])
def test_a_403_on_one_compute_list_hides_exactly_its_types(fake: FakeGcp, key: str, api: str,
                                                            types: tuple[str, ...]) -> None:
    fake.fail(key, 403)
    collection = collect(_options(fake))
    [gap] = collection.gaps
    assert (gap.api, gap.types, gap.code) == (api, types, "access_denied")
    collected = {r.type for r in collection.resources}
    assert not collected & set(types)
    assert collected == set(resource_types()) - set(types)


def test_the_deadline_turns_calls_not_started_into_timeout_gaps(fake: FakeGcp) -> None:
    fake.retry_after = "3"
    fake.fail("sql", 429)
    started = time.monotonic()
    collection = collect(_options(fake, deadline=1.0))
    assert time.monotonic() - started < 3
    # The throttled Cloud SQL call waits past the deadline; on a loaded machine other calls may miss it too:
    # each call the deadline stops is its own gap saying so, and none is anything else.
    assert any(gap.types == (SQL_INSTANCE,) for gap in collection.gaps)
    assert all("deadline" in gap.reason for gap in collection.gaps), collection.gaps


def test_writes_are_refused_before_anything_is_sent(fake: FakeGcp) -> None:
    collector = GcpCollector(_options(fake))
    with pytest.raises(ReadOnlyViolation):
        collector.call("compute.firewalls.insert", "insert", lambda: None)
    session = collector.client("compute.Firewalls").transport._session
    with pytest.raises(ReadOnlyViolation):
        session.post(f"{fake.url}/compute/v1/projects/{PROJECT}/global/firewalls", json={})
    routers = collector.client("compute.Routers")
    with pytest.raises(ReadOnlyViolation):  # the library's own write method, as a bug would call it
        routers.delete(request={"project": PROJECT, "region": REGION, "router": "marketing-engine-router"})
    with pytest.raises(ReadOnlyViolation):
        collector.call("compute.sslPolicies.patch", "patch", lambda: None)
    service = collector.sqladmin()
    with pytest.raises(ReadOnlyViolation):
        service.instances().delete(project=PROJECT, instance="marketing-engine-postgres").execute()
    collect(_options(fake))  # the fixture asserts the fake saw GETs only


def test_options_without_project_or_with_unknown_service_are_tool_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import google.auth

    monkeypatch.setattr(google.auth, "default", lambda scopes=None, **_: (object(), None))
    with pytest.raises(CollectorError, match="no GCP project"):
        GcpCollector(GcpOptions())
    with pytest.raises(CollectorError, match="unknown service"):
        GcpCollector(GcpOptions(projects=("p",), services=("bigquery",)))


def test_denied_disks_leave_the_boot_disk_type_unknown_and_the_instance_collected(fake: FakeGcp) -> None:
    from scanner.mappings import normalize
    from scanner.model import Unresolved

    fake.fail("disks", 403)
    collection = collect(_options(fake))
    [gap] = collection.gaps
    assert (gap.api, gap.types, gap.code) == ("compute.disks.aggregatedList", (), "access_denied")
    facts = normalize(next(r for r in collection.resources if r.type == INSTANCE)).facts
    assert isinstance(facts["disk_type"], Unresolved) and "IAM_PERMISSION_DENIED" in facts["disk_type"].reason
    assert facts["machine_type"] == "e2-small" and facts["vcpu"] == 0.5
