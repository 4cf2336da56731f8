"""Each format's reference syntax and naming (``scanner.loaders.addressing``), and the thin fact rules of the
policy layer that ask it instead of the format: tables of (input, expected)."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.loaders.addressing import (
    FILE_SCOPED,
    Ref,
    addressing_of,
    instance_count,
    refers_to,
    refs_in,
    zones_written,
)
from scanner.mappings.relations import ROUTE_TARGETS
from scanner.model import Origin, Resource, Status, Unresolved
from scanner.policy.check import SKIP, EvalContext
from scanner.policy.coverage import source_of
from scanner.policy.functions.redis import redis_save_points
from scanner.policy.functions.storage import _same_scope


def _res(rtype: str, address: str, fmt: str, file: str = "m/main.tf", attributes: dict[str, Any] | None = None,
         line: int | None = None, end_line: int | None = None, provider: str = "aws", source: str = "iac",
         kinds: frozenset[str] = frozenset(), facts: dict[str, Any] | None = None) -> Resource:
    return Resource(provider, rtype, address, Origin(file, line, end_line), attributes or {}, facts or {}, kinds,
                    format=fmt, source=source)


@pytest.mark.parametrize(("value", "expected"), [
    (Unresolved("aws_subnet.a.id"), [("aws_subnet.a", "id", None)]),
    (Unresolved("aws_subnet.public[*].id"), [("aws_subnet.public", "id", "*")]),
    (Unresolved('aws_s3_bucket.b["logs"].arn'), [("aws_s3_bucket.b", "arn", '"logs"')]),
    (Unresolved("module.net.aws_vpc.this.id"), [("module.net.aws_vpc.this", "id", None)]),
    (Unresolved("var.vpc_id"), []),
    ({"Ref": "Subnet"}, [("Subnet", "", None)]),
    ({"Ref": "AWS::Region"}, []),
    ({"Fn::GetAtt": ["Db", "Endpoint.Address"]}, [("Db", "Endpoint.Address", None)]),
    ({"Fn::GetAtt": "Db.Arn"}, [("Db", "Arn", None)]),
    ({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/*"}, [("Bucket", "", None)]),
    (Unresolved("!Join ['', [!Ref A, !GetAtt B.Arn]]"), [("A", "", None), ("B", "Arn", None)]),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'db')]",
     []),  # an ARM expression the loader did not resolve stays a bracketed string: not a reference
    ("resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'db')",
     [("Microsoft.Network/virtualNetworks/subnets/vnet/db", "", None)]),
    ("Microsoft.Sql/servers/main", [("Microsoft.Sql/servers/main", "", None)]),
    ("plain-name", []),
    ([{"Ref": "A"}, Unresolved("aws_subnet.b.id")], [("A", "", None), ("aws_subnet.b", "id", None)]),
])
def test_refs_in_every_spelling(value: Any, expected: list[tuple[str, str, str | None]]) -> None:
    assert [(r.target, r.attribute, r.index) for r in refs_in(value)] == expected


TF = _res("aws_db_instance", "aws_db_instance.db", "terraform", "stack/db/main.tf")
TF_IN_MODULE = _res("aws_db_instance", 'module.db["a"].aws_db_instance.db', "terraform", "stack/db/main.tf")
TF_INSTANCE = _res("aws_s3_bucket", 'aws_s3_bucket.b["logs"]', "terraform", "stack/main.tf")
ARM = _res("Microsoft.Sql/servers/databases", "Microsoft.Sql/servers/databases/srv/db", "arm", "t.json")
CFN = _res("AWS::RDS::DBInstance", "Db", "cloudformation", "t.yaml")


@pytest.mark.parametrize(("resource", "scope", "keys"), [
    (TF, "stack/db", ["aws_db_instance.db"]),
    (TF_INSTANCE, "stack", ['aws_s3_bucket.b["logs"]', "aws_s3_bucket.b"]),
    (ARM, "t.json", ["Microsoft.Sql/servers/databases/srv/db", "microsoft.sql/servers/databases/srv/db",
                     "microsoft.sql/servers/databases/db"]),
    (CFN, "t.yaml", ["Db"]),
])
def test_scope_and_keys(resource: Resource, scope: str, keys: list[str]) -> None:
    addressing = addressing_of(resource)
    assert addressing.scope(resource.origin.file or "") == scope
    assert addressing.keys(resource) == keys


@pytest.mark.parametrize(("ref", "origin", "keys"), [
    (Ref("aws_subnet.a"), TF, ["aws_subnet.a", "aws_subnet.a", "aws_subnet.a"]),
    (Ref("aws_subnet.a", index="1"), TF, ["aws_subnet.a[1]", "aws_subnet.a", "aws_subnet.a", "aws_subnet.a"]),
    (Ref("aws_subnet.a", index="*"), TF, ["aws_subnet.a", "aws_subnet.a", "aws_subnet.a"]),
    (Ref("aws_subnet.a"), TF_IN_MODULE, ['module.db["a"].aws_subnet.a', "aws_subnet.a", "aws_subnet.a",
                                         "aws_subnet.a"]),
    (Ref("Subnet"), CFN, ["Subnet", "subnet"]),
    (Ref("Microsoft.Network/virtualNetworks/subnets/vnet/db"), ARM,
     ["Microsoft.Network/virtualNetworks/subnets/vnet/db", "microsoft.network/virtualnetworks/subnets/vnet/db",
      "microsoft.network/virtualnetworks/subnets/db"]),
])
def test_lookup_keys(ref: Ref, origin: Resource, keys: list[str]) -> None:
    assert list(addressing_of(origin).lookup_keys(ref, origin)) == keys


@pytest.mark.parametrize(("resource", "full", "by_value", "prefix", "parent"), [
    (TF, True, True, "", None),
    (TF_IN_MODULE, True, True, 'module.db["a"].', None),
    (CFN, False, False, "", None),
    (ARM, False, False, "", "srv"),
    (_res("Deployment", "default/Deployment/web", "kubernetes", "k.yaml"), False, False, "", None),
])
def test_format_traits(resource: Resource, full: bool, by_value: bool, prefix: str, parent: str | None) -> None:
    addressing = addressing_of(resource)
    assert addressing.by_full_address(Ref("module.x.aws_vpc.this")) is full
    assert addressing.names_by_value is by_value
    assert addressing.relative_prefix(resource) == prefix
    assert addressing.parent_name(resource) == parent


SERVER = _res("Microsoft.DBforPostgreSQL/servers", "Microsoft.DBforPostgreSQL/servers/pg", "arm", "t.json",
              {"name": "pg"}, line=10, end_line=40)


@pytest.mark.parametrize(("child", "expected"), [
    (_res("Microsoft.Insights/diagnosticSettings", "Microsoft.Insights/diagnosticSettings/d", "arm", "t.json",
          {"name": "d"}, line=20), True),  # declared inside the server's block
    (_res("Microsoft.DBforPostgreSQL/servers/firewallRules", "Microsoft.DBforPostgreSQL/servers/firewallRules/pg/r",
          "arm", "t.json", {"name": "pg/r"}, line=50), True),  # named under it
    (_res("Microsoft.Insights/diagnosticSettings", "Microsoft.Insights/diagnosticSettings/d", "arm", "t.json",
          {"name": "other/d"}, line=50), False),
])
def test_arm_children(child: Resource, expected: bool) -> None:
    assert addressing_of(SERVER).declared_under(SERVER, child) is expected
    assert FILE_SCOPED.declared_under(SERVER, child) is False


@pytest.mark.parametrize(("attributes", "expected"), [
    ({}, 1), ({"count": 3}, 3), ({"count": "2"}, 2), ({"count": Unresolved("var.n")}, None),
    ({"for_each": {"a": 1, "b": 2}}, 2), ({"for_each": Unresolved("var.m")}, None),
])
def test_instance_count(attributes: dict[str, Any], expected: int | None) -> None:
    assert instance_count(_res("aws_subnet", "aws_subnet.a", "terraform", attributes=attributes)) == expected


@pytest.mark.parametrize(("value", "attributes", "ref", "expected"), [
    ("us-east-1a", {}, None, ["us-east-1a"]),
    ({"Fn::Select": [1, {"Fn::GetAZs": ""}]}, {}, None, ["az#1"]),
    (Unresolved("data.aws_availability_zones.all.names[2]"), {}, None, ["az#2"]),
    (Unresolved("data.aws_availability_zones.all.names[count.index]"), {"count": 2}, None, ["az#0", "az#1"]),
    (Unresolved("element(data.aws_availability_zones.all.names, count.index)"), {"count": 3}, Ref("x", index="1"),
     ["az#1"]),
    (Unresolved("data.aws_availability_zones.all.names[count.index]"), {"count": Unresolved("var.n")}, None,
     "the count of aws_subnet.a is not known statically"),
    (Unresolved("var.zone", "a variable"), {}, None, "a variable"),
])
def test_zones_written(value: Any, attributes: dict[str, Any], ref: Ref | None, expected: Any) -> None:
    found = zones_written(value, _res("aws_subnet", "aws_subnet.a", "terraform", attributes=attributes), ref)
    if isinstance(expected, str):
        assert isinstance(found, Unresolved) and found.reason == expected
    else:
        assert found == expected


BUCKET = _res("aws_s3_bucket", "aws_s3_bucket.b", "terraform", facts={"name": "logs"})


@pytest.mark.parametrize(("value", "expected"), [
    (Unresolved("aws_s3_bucket.b.id"), True), (Unresolved("aws_s3_bucket.b[0].id"), True),
    (Unresolved("aws_s3_bucket.bb.id"), False), ({"Ref": "aws_s3_bucket.b"}, True), ("logs", True), ("x", False),
])
def test_refers_to(value: Any, expected: bool) -> None:
    assert refers_to(value, BUCKET) is expected


@pytest.mark.parametrize(("rtype", "expected"), [
    ("aws_internet_gateway", "internet_gateway"), ("AWS::EC2::NatGateway", "nat_gateway"),
    ("google_compute_router_nat", None),
])
def test_route_targets(rtype: str, expected: str | None) -> None:
    assert ROUTE_TARGETS.get(rtype) == expected


# --- the thin rules over facts --------------------------------------------------------------------

@pytest.mark.parametrize(("resource", "expected"), [
    (_res("aws_s3_bucket", "a", "terraform", provider="aws"), "terraform/aws"),
    (_res("google_storage_bucket", "a", "terraform", provider="gcp"), "terraform/gcp"),
    (_res("AWS::S3::Bucket", "a", "cloudformation"), "cloudformation"),
    (_res("Deployment", "a", "kubernetes", provider="kubernetes"), "kubernetes"),
    (_res("AWS::S3::Bucket", "a", "aws-api", source="live"), "live/aws"),
])
def test_coverage_source(resource: Resource, expected: str) -> None:
    assert source_of(resource) == expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    (_res("t", "a", "terraform", "m/a.tf"), _res("t", "b", "terraform", "m/b.tf"), True),  # one module
    (_res("t", "a", "terraform", "m/a.tf"), _res("t", "b", "terraform", "n/b.tf"), False),
    (_res("t", "a", "cloudformation", "m/a.yaml"), _res("t", "b", "cloudformation", "m/b.yaml"), False),
    (_res("t", "a", "cloudformation", "m/a.yaml"), _res("t", "b", "cloudformation", "m/a.yaml"), True),
    (_res("t", "a", "terraform", "m/a.tf"), _res("t", "b", "cloudformation", "m/a.tf"), False),
])
def test_companions_share_a_scope(a: Resource, b: Resource, expected: bool) -> None:
    assert _same_scope(a, b) is expected


CONF = frozenset({"redis", "redis_config_file"})


@pytest.mark.parametrize(("kinds", "facts", "status"), [
    (CONF, {}, Status.UNKNOWN),  # no save line: the built-in schedule, which differs by version
    (frozenset({"redis"}), {}, None),  # a managed cache without the fact: not this check's business
    (CONF, {"redis_save": [[900, 1], [300, 10]]}, Status.COMPLIES),
    (frozenset({"redis"}), {"redis_save": [[3600, 1]]}, Status.VIOLATES),
    (CONF, {"redis_save": []}, Status.VIOLATES),
    (CONF, {"redis_save": Unresolved("${SAVE}")}, Status.UNKNOWN),
])
def test_redis_save_points(kinds: frozenset[str], facts: dict[str, Any], status: Status | None) -> None:
    resource = _res("redis.conf", "redis.conf", "redis_conf", kinds=kinds, facts=facts, provider="redis")
    outcome = redis_save_points(EvalContext(resource, {}), facts, {"required": ["900 1", "300 10"]})
    assert outcome.status == (SKIP if status is None else status)
