"""Faults between the collector and AWS: throttling, denial, a failing region, a timeout.

A proxy on 127.0.0.1 sits in front of moto and answers chosen calls with AWS's error documents (or
too late). Each test asserts the exact ``unknown`` verdicts, and that nothing without evidence is
reported compliant.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.aws_env import REGION, TEMPLATE, FaultProxy, Rule, aws_env, deploy, moto_server, query_error

pytest.importorskip("boto3")

DB_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")
SQL_POLICIES = {"ME-DB-02", "ME-NET-02"}


@pytest.fixture(autouse=True)
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in aws_env().items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """moto with the compliant scenario deployed, shared read-only by the tests of this module."""
    saved = dict(os.environ)
    os.environ.update(aws_env())
    try:
        with moto_server() as url:
            deploy(url)
            yield url
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _collect(url: str, **kwargs: Any) -> Any:
    from scanner.collectors.aws import AwsOptions, collect

    return collect(AwsOptions(endpoint_url=url, **kwargs))


def _drift(collection: Any, iac: bool = True) -> Any:
    from scanner.drift.report import build
    from scanner.mappings import load_paths
    from scanner.policy.pack import load_policies

    declared = load_paths([TEMPLATE]).resources if iac else []
    return build(declared, collection, load_policies())


def _live_verdicts(report: Any, policies: set[str]) -> list[tuple[str, str, str]]:
    """(resource, policy, live verdict) of every requirement row of the given policies."""
    out = []
    for item in report.items:
        name = (item.pair.declared or item.pair.live).address if (item.pair.declared or item.pair.live) else \
            f"{item.pair.type} (not collected)"
        for row in item.requirements:
            if row.policy.id in policies and row.live is not None:
                out.append((name, row.policy.id, row.live.verdict))
    return sorted(out)


def test_throttled_calls_back_off_and_succeed(upstream: str) -> None:
    throttle = Rule(lambda r: r.operation == "DescribeDBClusters", status=400,
                    body=query_error("Throttling", "Rate exceeded"), times=2)
    with FaultProxy(upstream, [throttle]) as proxy:
        collection = _collect(proxy.url, services=("rds",), max_attempts=5)
        assert proxy.count("DescribeDBClusters") == 3  # two throttled answers, then the real one
    assert collection.gaps == []
    assert collection.stats["retries"] >= 2
    clusters = [r for r in collection.resources if r.type == "AWS::RDS::DBCluster"]
    assert [c.attributes["BackupRetentionPeriod"] for c in clusters] == [30]


def test_throttling_that_never_stops_is_a_gap_not_an_empty_account(upstream: str) -> None:
    throttle = Rule(lambda r: r.operation == "DescribeDBClusters", status=400,
                    body=query_error("Throttling", "Rate exceeded"))
    with FaultProxy(upstream, [throttle]) as proxy:
        collection = _collect(proxy.url, services=("rds",), max_attempts=2)
        assert proxy.count("DescribeDBClusters") == 2
    gap = next(g for g in collection.gaps if g.api == "rds:DescribeDBClusters")
    assert gap.code == "throttled" and gap.types == ("AWS::RDS::DBCluster",) and "2 attempts" in gap.reason
    assert not any(r.type == "AWS::RDS::DBCluster" for r in collection.resources)


def test_access_denied_on_one_service_makes_its_checks_unknown(upstream: str) -> None:
    denied = Rule(lambda r: r.service == "rds", status=403,
                  body=query_error("AccessDenied", "User: arn:aws:iam::123456789012:user/ci is not authorized"))
    with FaultProxy(upstream, [denied]) as proxy:
        collection = _collect(proxy.url)
    gaps = {g.api: g for g in collection.gaps}
    assert gaps["rds:DescribeDBClusters"].code == "access_denied"
    assert gaps["rds:DescribeDBInstances"].types == ("AWS::RDS::DBInstance",)
    assert any(r.type == "AWS::EC2::VPC" for r in collection.resources)  # the run went on
    report = _drift(collection)
    by_address = {i.pair.declared.address: i for i in report.items if i.pair.declared is not None}
    for name in ("RDSCluster", "RDSInstanceA", "RDSInstanceB", "RDSInstanceC"):
        item = by_address[name]
        assert item.status == "unknown", name  # not "missing": it could not be looked for
        assert "AccessDenied" in item.pair.note
    rows = _live_verdicts(report, SQL_POLICIES)
    # An Aurora cluster's public endpoint is set on its instances (on both sides): the cluster is judged by
    # them, unknown as they are; the cache was read (only RDS was denied) and has no public endpoint.
    assert rows == sorted([("RDSCluster", "ME-DB-02", "unknown"), ("RDSCluster", "ME-NET-02", "unknown"),
                           ("RedisReplicationGroup", "ME-NET-02", "complies")]
                          + [(f"RDSInstance{x}", "ME-NET-02", "unknown") for x in "ABC"])
    assert not report.failing(__import__("scanner.model", fromlist=["Severity"]).Severity.INFO)
    # Judged without IaC, the denied service still shows every check it would have fed, as unknown.
    live_only = _drift(collection, iac=False)
    cache = next(r.address for r in collection.resources if r.type == "AWS::ElastiCache::ReplicationGroup")
    assert _live_verdicts(live_only, SQL_POLICIES) == [
        ("AWS::RDS::DBCluster (not collected)", "ME-DB-02", "unknown"),
        ("AWS::RDS::DBCluster (not collected)", "ME-NET-02", "unknown"),
        ("AWS::RDS::DBInstance (not collected)", "ME-DB-02", "unknown"),
        ("AWS::RDS::DBInstance (not collected)", "ME-NET-02", "unknown"),
        (cache, "ME-NET-02", "complies")]


def test_a_failing_region_is_one_gap_and_the_other_region_is_read(upstream: str) -> None:
    from scanner.collectors.aws import resource_types

    down = Rule(lambda r: r.region == "eu-west-1", status=401,
                body=query_error("AuthFailure", "AWS was not able to validate the provided access credentials",
                                 ec2=True))
    with FaultProxy(upstream, [down]) as proxy:
        collection = _collect(proxy.url, regions=(REGION, "eu-west-1"))
        eu_calls = [r.operation for r in proxy.requests if r.region == "eu-west-1"]
    assert eu_calls == ["DescribeAvailabilityZones"]  # the probe failed; nothing else was tried there
    eu_gaps = [g for g in collection.gaps if g.region == "eu-west-1"]
    assert {g.code for g in eu_gaps} == {"region_unavailable"}
    regional = {t for t in resource_types() if t not in ("AWS::S3::Bucket", "AWS::CloudFront::Distribution")}
    assert {t for g in eu_gaps for t in g.types} == regional
    assert all("AuthFailure" in g.reason for g in eu_gaps)
    assert {r.origin.region for r in collection.resources} <= {REGION, None}
    assert sum(1 for r in collection.resources if r.type == "AWS::RDS::DBCluster") == 1
    # The scenario lives in us-east-1, so it still matches there; eu-west-1's checks are unknown.
    report = _drift(collection, iac=False)
    eu_unknown = [i for i in report.items if i.status == "unknown" and "eu-west-1" in i.pair.note]
    assert {i.pair.type for i in eu_unknown} >= set(DB_TYPES)
    assert all(r.live is not None and r.live.verdict == "unknown" for i in eu_unknown for r in i.requirements)


def test_a_call_that_times_out_is_a_gap_with_its_reason(upstream: str) -> None:
    slow = Rule(lambda r: r.operation == "DescribeDBInstances", delay=1.2)
    with FaultProxy(upstream, [slow]) as proxy:
        collection = _collect(proxy.url, services=("rds",), timeout=0.4, max_attempts=2)
        assert proxy.count("DescribeDBInstances") == 2
    gap = next(g for g in collection.gaps if g.api == "rds:DescribeDBInstances")
    assert gap.code == "timeout" and "0.4s" in gap.reason and gap.types == ("AWS::RDS::DBInstance",)
    cluster = next(r for r in collection.resources if r.type == "AWS::RDS::DBCluster")
    report = _drift(collection)
    by_address = {i.pair.declared.address: i for i in report.items if i.pair.declared is not None}
    assert by_address["RDSCluster"].pair.live is not None
    assert by_address["RDSCluster"].pair.live.address == cluster.address
    for name in ("RDSInstanceA", "RDSInstanceB", "RDSInstanceC"):
        assert by_address[name].status == "unknown" and "no answer within 0.4s" in by_address[name].pair.note
    # The cluster's public-access fact is read from its instances: without them it is unknown, not false.
    cluster_rows = {r.policy.id: r for r in by_address["RDSCluster"].requirements}
    assert cluster_rows["ME-NET-02"].live is not None and cluster_rows["ME-NET-02"].live.verdict == "unknown"
    assert cluster_rows["ME-DB-02"].live is not None and cluster_rows["ME-DB-02"].live.verdict == "complies"
