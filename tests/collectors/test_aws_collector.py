"""The AWS collector against moto (server mode) and a paging server: read-only, complete, masked, snapshot."""

from __future__ import annotations

import json
import os
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.aws_env import FaultProxy, Request, Rule, aws_env, client, deploy, moto_server

pytest.importorskip("boto3")


@pytest.fixture(autouse=True)
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in aws_env().items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[str, Any]]:
    saved = dict(os.environ)
    os.environ.update(aws_env())
    try:
        with moto_server() as url:
            yield url, deploy(url)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def collected(deployed: tuple[str, Any]) -> Any:
    """One collection of the deployed scenario, shared by the tests that only read it."""
    url, _ = deployed
    # moto's CloudFormation drops a task definition's Cpu; one registered through the API keeps it.
    client(url, "ecs").register_task_definition(family="marketing-engine-worker", cpu="2048", memory="8192",
                                                requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                                containerDefinitions=[{"name": "worker", "image": "w:1.0"}])
    saved = dict(os.environ)
    os.environ.update(aws_env())
    try:
        return _collect(url)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _collect(url: str, **kwargs: Any) -> Any:
    from scanner.collectors.aws import AwsOptions, collect

    return collect(AwsOptions(endpoint_url=url, **kwargs))


def test_operation_names_are_judged_read_only() -> None:
    from scanner.collectors.aws import is_read_only

    assert is_read_only("DescribeDBClusters") and is_read_only("ListBuckets") and is_read_only("GetBucketVersioning")
    for name in ("CreateDBCluster", "ModifyDBCluster", "DeleteBucket", "PutBucketVersioning", "TagResource",
                 "GetSecretValue", "GetPasswordData", "GetObject", "UpdateService"):
        assert not is_read_only(name), name


def test_write_calls_are_refused_before_anything_is_sent() -> None:
    from scanner.collectors.aws import AwsCollector, AwsOptions, ReadOnlyViolation

    with FaultProxy(None, []) as proxy:
        collector = AwsCollector(AwsOptions(endpoint_url=proxy.url, regions=("us-east-1",)))
        rds = collector.client("rds", "us-east-1")
        with pytest.raises(ReadOnlyViolation, match="rds:CreateDBCluster"):
            rds.create_db_cluster(DBClusterIdentifier="x", Engine="aurora-postgresql")
        with pytest.raises(ReadOnlyViolation):
            collector.client("s3", "us-east-1").put_bucket_versioning(
                Bucket="b", VersioningConfiguration={"Status": "Suspended"})
        with pytest.raises(ReadOnlyViolation):
            collector.call("ec2", "us-east-1", "delete_vpc", VpcId="vpc-1")
        assert proxy.requests == []  # refused in the client: no request reached the server


def test_collects_every_family_with_the_facts_the_policies_read(deployed: tuple[str, Any], collected: Any) -> None:
    from scanner.mappings import normalize

    _, dep = deployed
    collection = collected
    assert collection.account == "123456789012"
    assert collection.gaps == []
    counts = Counter(r.type for r in collection.resources)
    for rtype in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::NatGateway",
                  "AWS::EC2::InternetGateway", "AWS::EC2::SecurityGroup", "AWS::ElasticLoadBalancingV2::LoadBalancer",
                  "AWS::ElasticLoadBalancingV2::Listener", "AWS::ECS::Cluster", "AWS::ECS::TaskDefinition",
                  "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::ElastiCache::ReplicationGroup",
                  "AWS::S3::Bucket", "AWS::CloudFront::Distribution", "AWS::CloudFormation::Stack"):
        assert counts[rtype] >= 1, rtype
    assert counts["AWS::RDS::DBInstance"] == 3 and counts["AWS::ElasticLoadBalancingV2::Listener"] == 2
    by_id = {}
    normalized = [normalize(r) for r in collection.resources]
    for n in normalized:
        assert n.source == "live" and n.format == "aws-api" and n.origin.region in ("us-east-1", None)
        by_id[n.address.rsplit("/", 1)[-1].rsplit(":", 1)[-1]] = n
    # The facts and representations the IaC tables give the same types (tests/mappings/test_aws_alignment.py
    # holds the two sides together), so the pack's policies read them unchanged.
    cluster = by_id[dep.physical["RDSCluster"]]
    assert str(cluster.facts["backup_retention"]) == "30d" and cluster.facts["engine_major_version"] == 15
    assert cluster.facts["log_exports"] == ["postgresql"] and cluster.facts["tls_required"] is True
    assert (cluster.facts["backup_window"], cluster.facts["maintenance_window"]) == ("03:00-04:00",
                                                                                      "sun:04:00-sun:05:00")
    assert cluster.facts["instance_count"] == 3 and "publicly_accessible" not in cluster.facts  # Aurora: per instance
    assert cluster.origin.api == "rds:DescribeDBClusters"
    primary = by_id[dep.physical["RDSInstanceA"]]
    assert primary.facts["machine_type"] == "db.r5.2xlarge" and primary.facts["db_role"] == "member"
    assert primary.facts["vcpu"] == 8 and str(primary.facts["memory"]) == "64GiB"
    assert "backup_retention" not in primary.facts  # an Aurora member's retention is its cluster's
    assert "disk_size" not in primary.facts  # Aurora storage grows by itself (the API says 1)
    private = by_id[dep.physical["PrivateSubnetA"]]
    public = by_id[dep.physical["PublicSubnetA"]]
    assert private.facts["default_route"] == "nat_gateway" and private.facts["public"] is False
    assert private.facts["route_table"] == dep.physical["PrivateRouteTable"]
    assert public.facts["default_route"] == "internet_gateway" and public.facts["map_public_ip"] is True
    assert private.facts["vpc"] == dep.physical["VPC"] and private.facts["cidr"] == "10.0.10.0/24"
    vpc = by_id[dep.physical["VPC"]]
    assert vpc.facts["dns_support"] is True and vpc.facts["dns_hostnames"] is True
    assert vpc.facts["address_space"] == ["10.0.0.0/16"] and vpc.facts["default_network"] is False
    assert [r["target_kind"] for r in by_id[dep.physical["PrivateRouteTable"]].facts["routes"]] == ["nat_gateway"]
    https = by_id[dep.physical["HttpsListener"].rsplit("/", 1)[-1]]
    assert https.facts["protocol"] == "HTTPS" and https.facts["tls_min_version"] == 1.2
    assert https.facts["certificate"][0].startswith("arn:aws:acm:")
    assert by_id[dep.physical["HttpListener"].rsplit("/", 1)[-1]].facts["redirects_to_https"] is True
    balancer = by_id[dep.physical["ApplicationLoadBalancer"].rsplit("/", 1)[-1]]
    assert (balancer.facts["lb_type"], balancer.facts["internet_facing"]) == ("application", True)
    assert sorted((x["protocol"], x["certificate"], x["redirects_to_https"]) for x in balancer.facts["listeners"]) \
        == [("HTTP", False, True), ("HTTPS", True, False)]
    ecs = by_id["marketing-engine-cluster"]
    assert ecs.facts["capacity_provider_strategy"] == [
        {"provider": "FARGATE", "base": 2, "weight": 1, "line": None},
        {"provider": "FARGATE_SPOT", "base": 0, "weight": 4, "line": None}]
    tasks = {n.facts["name"]: n for n in normalized if n.type == "AWS::ECS::TaskDefinition"}
    api_task = tasks["marketing-engine-api"]
    assert str(api_task.facts["memory"]) == "16384MiB" and api_task.facts["images"] == ["marketingengine/api:1.4.2"]
    assert api_task.facts["vcpu"] == 4 and str(api_task.facts["disk_size"]) == "50GiB"
    worker = tasks["marketing-engine-worker"]
    assert worker.facts["vcpu"] == 2 and str(worker.facts["memory"]) == "8192MiB"
    assert str(worker.facts["disk_size"]) == "20GiB"  # Fargate's default ephemeral storage
    bucket = by_id["marketing-engine-backups"]
    assert bucket.facts["versioning_enabled"] is True and bucket.facts["public_access_blocked"] is True
    assert bucket.facts["encryption_at_rest"] is True and bucket.facts["lifecycle_rules"] is True
    assert str(bucket.facts["lifecycle_min_expiration"]) == "90d" and "name" not in bucket.facts
    redis = next(n for n in by_id.values() if n.type == "AWS::ElastiCache::ReplicationGroup")
    assert redis.facts["redis_shards"] == 3 and redis.facts["redis_replicas"] == 2
    assert redis.facts["instance_count"] == 9 and redis.facts["machine_type"] == "cache.r5.xlarge"
    assert redis.facts["transit_encryption"] is True and redis.facts["redis_automatic_failover"] is True
    assert redis.kinds == {"cache", "cache_cluster", "redis"}
    assert collection.stats["calls"] > 20 and collection.stats["concurrency"] == 8


def test_snapshot_round_trips_and_masks_secrets(collected: Any, tmp_path: Any) -> None:
    from scanner.collectors.snapshot import SnapshotError, dumps, load
    from scanner.model import Unresolved

    collection = collected
    text = dumps(collection)
    for secret in ("s3cret-Passw0rd", "redis-auth-token-0123456789", "testing"):
        assert secret not in text
    path = tmp_path / "state.json"
    path.write_text(text)
    again = load(path)
    assert [(r.type, r.address, dict(r.attributes)) for r in again.resources] == \
        [(r.type, r.address, _json(dict(r.attributes))) for r in collection.resources]
    assert again.account == collection.account and again.regions == collection.regions
    data = json.loads(text)
    data["resources"][0]["attributes"]["Probe"] = {"$unresolved": {"expression": "ec2:X", "reason": "denied"}}
    path.write_text(json.dumps(data))
    assert load(path).resources[0].attributes["Probe"] == Unresolved("ec2:X", "denied")
    del data["gaps"]
    path.write_text(json.dumps(data))
    with pytest.raises(SnapshotError, match="gaps"):
        load(path)


def _json(value: Any) -> Any:
    """``value`` as JSON gives it back; an unresolved detail (a member cluster moto does not have) stays one."""
    from scanner.model import Unresolved

    if isinstance(value, Unresolved):
        return value
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return json.loads(json.dumps(value))


def test_credentials_in_answers_are_masked() -> None:
    from scanner.masking import MASK, mask_fields

    answer = {"MasterUserPassword": "p4ss", "MasterUserSecret": {"SecretArn": "arn:aws:secretsmanager:x"},
              "AuthTokenEnabled": True, "containerDefinitions": [{"environment": [
                  {"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "NODE_ENV", "value": "production"}]}],
              "CustomHeaders": {"Items": [{"HeaderName": "X-Origin-Verify", "HeaderValue": "shared-secret"}]}}
    masked = mask_fields(answer)
    assert masked["MasterUserPassword"] == MASK and masked["MasterUserSecret"]["SecretArn"].startswith("arn:")
    assert masked["AuthTokenEnabled"] is True
    env = masked["containerDefinitions"][0]["environment"]
    assert env[0]["value"] == MASK and env[1]["value"] == "production"
    assert masked["CustomHeaders"]["Items"][0]["HeaderValue"] == MASK


# -- pagination: moto's EC2 ignores MaxResults, so a local server pages instead ----------------------------
def _subnets_page(request: Request) -> str:
    token = urllib.parse.parse_qs(request.body.decode()).get("NextToken", [""])[0]
    pages = {"": (range(1, 6), "p2"), "p2": (range(6, 11), "p3"), "p3": (range(11, 13), "")}
    ids, following = pages[token]
    items = "".join(f"<item><subnetId>subnet-{i}</subnetId><vpcId>vpc-1</vpcId><cidrBlock>10.0.{i}.0/24</cidrBlock>"
                    f"<availabilityZone>us-east-1a</availabilityZone><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>"
                    "</item>" for i in ids)
    more = f"<nextToken>{following}</nextToken>" if following else ""
    return (f'<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
            f"<subnetSet>{items}</subnetSet>{more}</DescribeSubnetsResponse>")


def _clusters_page(request: Request) -> str:
    marker = urllib.parse.parse_qs(request.body.decode()).get("Marker", [""])[0]
    pages = {"": (range(1, 3), "m2"), "m2": (range(3, 5), "m3"), "m3": (range(5, 6), "")}
    ids, following = pages[marker]
    items = "".join(f"<DBCluster><DBClusterIdentifier>db-{i}</DBClusterIdentifier>"
                    f"<DBClusterArn>arn:aws:rds:us-east-1:123456789012:cluster:db-{i}</DBClusterArn>"
                    f"<Engine>aurora-postgresql</Engine><BackupRetentionPeriod>{i}</BackupRetentionPeriod></DBCluster>"
                    for i in ids)
    more = f"<Marker>{following}</Marker>" if following else ""
    return ('<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult>'
            f"<DBClusters>{items}</DBClusters>{more}</DescribeDBClustersResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBClustersResponse>")


def test_every_page_is_read() -> None:
    rules = [Rule(lambda r: r.operation == "DescribeSubnets", status=200, answer=_subnets_page),
             Rule(lambda r: r.operation == "DescribeDBClusters", status=200, answer=_clusters_page)]
    with FaultProxy(None, rules) as proxy:
        collection = _collect(proxy.url, regions=("us-east-1",), services=("ec2", "rds"), page_size=5,
                              max_attempts=1)
    subnets = sorted(r.attributes["SubnetId"] for r in collection.resources if r.type == "AWS::EC2::Subnet")
    clusters = sorted(r.attributes["DBClusterIdentifier"] for r in collection.resources
                      if r.type == "AWS::RDS::DBCluster")
    assert subnets == sorted(f"subnet-{i}" for i in range(1, 13))
    assert clusters == [f"db-{i}" for i in range(1, 6)]
    markers = [urllib.parse.parse_qs(r.body.decode()).get("Marker") for r in proxy.requests
               if r.operation == "DescribeDBClusters"]
    assert markers == [None, ["m2"], ["m3"]]
    assert proxy.count("DescribeSubnets") == 3 and proxy.count("DescribeDBClusters") == 3
    sent = [urllib.parse.parse_qs(r.body.decode()) for r in proxy.requests if r.operation == "DescribeSubnets"]
    assert [s.get("NextToken") for s in sent] == [None, ["p2"], ["p3"]] and all(s["MaxResults"] == ["5"] for s in sent)
    # What this server does not answer is a gap with its reason, never silently empty.
    gaps = {g.api for g in collection.gaps}
    assert "ec2:DescribeVpcs" in gaps and "rds:DescribeDBInstances" in gaps


# IAM spells a few actions unlike the API operation they allow.
_IAM_NAMES = {"s3:ListBuckets": "s3:ListAllMyBuckets", "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
              "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
              "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock"}


def test_the_documented_iam_policy_allows_exactly_the_calls_made(collected: Any) -> None:
    import re

    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "aws.md").read_text()
    policy = json.loads(re.search(r"```json\n(.*?)```", doc, re.S).group(1))  # type: ignore[union-attr]
    allowed = set(policy["Statement"][0]["Action"])
    made = {_IAM_NAMES.get(op, op) for op in collected.stats["operations"]}
    assert made <= allowed, made - allowed
    # Nothing in the policy the collector never needs; the scenario runs no ECS service to describe.
    assert allowed - made == {"ecs:DescribeServices"}, allowed - made
