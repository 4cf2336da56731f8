"""The Azure collector against a local Resource Manager (tests/collectors/azure_fake.py): the real SDK clients,
HTTPS with a throwaway CA passed as ``connection_verify``, the SDK's bearer-token policy, its pager; only the
credential is a static token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.azure import (
    AGENT_POOL,
    AKS,
    API_VERSIONS,
    NSG,
    PG_CONFIGURATION,
    POSTGRES,
    REDIS,
    SUBNET,
    VNET,
    Azure,
    AzureCollector,
    AzureOptions,
    collect,
)
from scanner.collectors.calls import ReadOnlyViolation
from scanner.collectors.collection import Collection
from tests.collectors.azure_fake import (
    NSG_ID,
    PG_ID,
    SUBSCRIPTION,
    FakeArm,
    Fault,
    StaticToken,
    guide,
    resource_id,
    serve,
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[FakeArm, str]]:
    with serve(guide(), tmp_path) as running:
        yield running


def options(arm: FakeArm, ca: str, **extra: Any) -> AzureOptions:
    return AzureOptions(subscriptions=(SUBSCRIPTION,), arm_endpoint=arm.url, ca_bundle=ca, credential=StaticToken(),
                        **extra)


def by_type(collection: Collection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in collection.resources:
        out.setdefault(r.type, []).append(r.attributes["name"])
    return {k: sorted(v) for k, v in out.items()}


def test_reads_the_guides_deployment_through_the_sdk_with_gets_only(served: tuple[FakeArm, str]) -> None:
    arm, ca = served
    collection = collect(options(arm, ca))
    assert collection.gaps == []
    assert by_type(collection) == {
        VNET: ["marketing-engine-vnet"], SUBNET: ["api-subnet", "database-subnet"],
        NSG: ["aks-agentpool-1234-nsg", "marketing-engine-api-nsg"], AKS: ["marketing-engine-aks"],
        AGENT_POOL: ["apipool"], POSTGRES: ["marketing-engine-postgres"],
        PG_CONFIGURATION: ["max_connections", "shared_buffers", "work_mem"]}
    for r in collection.resources:
        assert (r.provider, r.format, r.source) == ("azure", "arm", "live")
        assert r.address == r.attributes["id"] and r.attributes["type"] == r.type  # the table's spelling
    # Read-only: every request the fake saw was a GET, carrying the SDK's bearer token.
    assert arm.requests and {(s.method, s.authorization) for s in arm.requests} == {("GET", "Bearer fake-token")}
    # Each body was read with its type's api-version.
    [pg] = [s for s in arm.requests if s.path == PG_ID]
    assert f"api-version={API_VERSIONS[POSTGRES]}" in pg.query
    server = next(r for r in collection.resources if r.type == POSTGRES)
    assert server.attributes["properties"]["backup"]["backupRetentionDays"] == 30
    assert server.attributes["firewallRules"] == []
    pool = next(r for r in collection.resources if r.type == AGENT_POOL)
    assert pool.attributes["armName"] == "marketing-engine-aks/apipool"


def test_follows_next_link_across_pages(tmp_path: Path) -> None:
    arm = guide()
    arm.page_size = 1
    for n in range(4):
        arm.add({"id": resource_id(NSG, f"extra-{n}"), "name": f"extra-{n}", "type": NSG, "location": "westeurope",
                 "properties": {"securityRules": []}})
    with serve(arm, tmp_path) as (fake, ca):
        collection = collect(options(fake, ca))
    assert len(by_type(collection)[NSG]) == 6
    assert len(by_type(collection)[PG_CONFIGURATION]) == 3  # an owned collection, paged too
    assert sum("$skiptoken" in s.query for s in arm.requests) >= 5 + 2


def test_retries_throttling_and_5xx_honouring_retry_after(tmp_path: Path) -> None:
    arm = guide()
    arm.faults = [Fault(f"{PG_ID}/configurations", 429, times=1, retry_after="1"),
                  Fault(NSG_ID, 503, times=1, retry_after="0")]
    with serve(arm, tmp_path) as (fake, ca):
        started = time.monotonic()
        collection = collect(options(fake, ca))
    assert collection.gaps == [] and collection.stats["retries"] == 2
    assert time.monotonic() - started >= 1.0  # waited what Retry-After asked
    assert len(by_type(collection)[PG_CONFIGURATION]) == 3


def test_a_call_that_keeps_failing_is_a_gap_saying_how_often_it_was_tried(tmp_path: Path) -> None:
    arm = guide()
    arm.faults = [Fault(NSG_ID, 500, retry_after="0")]
    with serve(arm, tmp_path) as (fake, ca):
        collection = collect(options(fake, ca, max_attempts=3))
    [gap] = collection.gaps
    assert (gap.code, gap.types, gap.region) == ("error", (NSG,), SUBSCRIPTION)
    assert "500" in gap.reason and "after 3 attempts" in gap.reason
    assert by_type(collection)[NSG] == ["aks-agentpool-1234-nsg"]  # the other group still read


def test_a_denied_type_is_a_gap_of_that_type_alone(tmp_path: Path) -> None:
    arm = guide()
    arm.faults = [Fault(f"resourceType eq '{POSTGRES}'", 403)]
    with serve(arm, tmp_path) as (fake, ca):
        collection = collect(options(fake, ca))
    [gap] = collection.gaps
    assert (gap.code, gap.types) == ("access_denied", (POSTGRES, PG_CONFIGURATION))
    assert "AuthorizationFailed" in gap.reason
    assert POSTGRES not in by_type(collection) and AKS in by_type(collection) and NSG in by_type(collection)


def test_the_client_refuses_anything_but_reads_before_sending(served: tuple[FakeArm, str]) -> None:
    from azure.core.rest import HttpRequest

    arm, ca = served
    client = AzureCollector(options(arm, ca)).client(SUBSCRIPTION)
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        with pytest.raises(ReadOnlyViolation):
            client.send_request(HttpRequest(method, f"{PG_ID}?api-version=2022-12-01", json={}))
    assert arm.requests == []


def test_the_sdks_provider_registration_is_refused_unsent_and_is_a_gap(tmp_path: Path) -> None:
    """On 409 MissingSubscriptionRegistration the SDK POSTs a registration: the guard stops it before it is sent."""
    arm = guide()
    arm.faults = [Fault(NSG_ID, 409, code="MissingSubscriptionRegistration",
                        message="The subscription is not registered to use namespace 'Microsoft.Network'.")]
    with serve(arm, tmp_path) as (fake, ca):
        collection = collect(options(fake, ca, types=(NSG,)))
    assert {s.method for s in arm.requests} == {"GET"}
    [gap] = collection.gaps
    assert gap.code == "disabled" and "Microsoft.Network is not registered" in gap.reason


def test_a_call_past_its_timeout_is_a_timeout_gap(tmp_path: Path) -> None:
    arm = guide()
    arm.faults = [Fault(NSG_ID, 200, delay=3.0)]
    with serve(arm, tmp_path) as (fake, ca):
        collection = collect(options(fake, ca, timeout=1.0, max_attempts=1, types=(NSG,)))
    [gap] = collection.gaps
    assert gap.code == "timeout" and "within 1s" in gap.reason and gap.types == (NSG,)
    assert by_type(collection) == {NSG: ["aks-agentpool-1234-nsg"]}


def test_calls_in_flight_are_bounded(tmp_path: Path) -> None:
    arm = guide()
    arm.faults = [Fault("/", 200, delay=0.05)]
    with serve(arm, tmp_path) as (fake, ca):
        collection = collect(options(fake, ca, concurrency=2))
    assert collection.gaps == [] and arm.most_in_flight == 2


def test_nothing_starts_after_the_deadline(served: tuple[FakeArm, str]) -> None:
    arm, ca = served
    collection = collect(options(arm, ca, deadline=0.0))
    assert collection.resources == [] and collection.gaps
    assert {g.code for g in collection.gaps} == {"timeout"}


def test_an_unknown_subscription_is_one_gap_per_type(served: tuple[FakeArm, str]) -> None:
    arm, ca = served
    collection = collect(AzureOptions(subscriptions=("11111111-0000-0000-0000-000000000000",), arm_endpoint=arm.url,
                                      ca_bundle=ca, credential=StaticToken(), types=(NSG, POSTGRES)))
    assert collection.resources == []
    assert sorted(g.types[0] for g in collection.gaps) == sorted([NSG, POSTGRES])
    assert all("subscription unavailable" in g.reason for g in collection.gaps)


def test_redis_is_read_under_the_tables_spelling(tmp_path: Path) -> None:
    arm = FakeArm()
    arm.add({"id": resource_id("Microsoft.Cache/Redis", "sessions"), "name": "sessions",
             "type": "Microsoft.Cache/Redis",
             "location": "westeurope", "properties": {"sku": {"name": "Premium", "family": "P", "capacity": 1},
                                                      "publicNetworkAccess": "Disabled", "replicasPerPrimary": 1}})
    with serve(arm, tmp_path) as (fake, ca):
        collection = collect(options(fake, ca, types=(REDIS,)))
    from scanner.mappings import normalize

    [cache] = [normalize(r) for r in collection.resources]
    assert cache.type == REDIS
    assert (cache.facts["publicly_accessible"], cache.facts["machine_type"]) == (False, "P1")


def test_what_azure_makes_itself_is_never_unmanaged(served: tuple[FakeArm, str]) -> None:
    arm, ca = served
    collection = collect(options(arm, ca))
    made = Azure().provider_made(collection.resources)
    names = sorted(r.attributes["name"] for r in collection.resources if r.address in made)
    # the NSG in the cluster's node resource group, and the settings at their system default
    assert names == ["aks-agentpool-1234-nsg", "shared_buffers", "work_mem"]


def test_needs_a_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.collectors.calls import CollectorError

    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    with pytest.raises(CollectorError, match="--subscription"):
        AzureCollector(AzureOptions(credential=StaticToken()))
