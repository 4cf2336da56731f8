"""The per-scan reference index answers every cross-resource question exactly as a scan of all resources would.

Each lookup (``pointing_to``, ``referring_to``, cluster members, attached disks, companions, presence,
namespaces) is compared with the brute-force list comprehension it replaces, on every policy fixture
and the example (all formats at once) plus a Terraform file written to trip address matching up.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from scanner.loaders.addressing import _mentions, mentioned, refers_to, written_reference
from scanner.mappings import load_paths
from scanner.mappings.relations import (
    ATTACHMENTS,
    CAPACITY_STRATEGIES,
    CLUSTER_MEMBERS,
    CLUSTER_TYPES,
    INLINE_ATTACHMENTS,
)
from scanner.model import Origin, Resource, Unresolved
from scanner.policy.check import EvalContext
from scanner.policy.functions import database, network, presence, storage
from scanner.policy.resource_index import Pool, Reader, ResourceIndex, _read, index_for
from tests.conftest import POLICIES, ROOT

TRICKY_TF = '''
resource "aws_rds_cluster" "main" {
  cluster_identifier = "main"
}
resource "aws_rds_cluster" "main2" {
  cluster_identifier = "main2"
}
resource "aws_rds_cluster_instance" "a" {
  count              = 2
  cluster_identifier = aws_rds_cluster.main.id
}
resource "aws_rds_cluster_instance" "b" {
  cluster_identifier = aws_rds_cluster.main2[0].id
}
resource "aws_rds_cluster_instance" "c" {
  cluster_identifier = "${aws_rds_cluster.main.cluster_identifier}-x"
}
resource "aws_rds_cluster_instance" "d" {
  cluster_identifier = "main2"
}
resource "aws_rds_cluster_instance" "e" {
  cluster_identifier = xaws_rds_cluster.main.id
}
resource "aws_instance" "vm" {
  ami = "ami-1"
}
resource "aws_instance" "vm2" {
  ami = "ami-1"
}
resource "aws_ebs_volume" "data" {
  size = 100
}
resource "aws_ebs_volume" "data2" {
  size = 50
}
resource "aws_volume_attachment" "att" {
  instance_id = aws_instance.vm.id
  volume_id   = aws_ebs_volume.data.id
}
resource "aws_volume_attachment" "att2" {
  instance_id = element([aws_instance.vm2.id, aws_instance.vm.id], 0)
  volume_id   = aws_ebs_volume.data2.id
}
resource "aws_ecs_cluster" "apps" {
  name = "apps"
}
resource "aws_ecs_cluster_capacity_providers" "apps" {
  cluster_name = aws_ecs_cluster.apps.name
}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_db_subnet_group" "twice" {
  subnet_ids = [aws_subnet.a.id, aws_subnet.a.id]
}
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
resource "aws_s3_bucket" "logs2" {
  bucket = "logs2"
}
resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}
resource "aws_s3_bucket_versioning" "logs2" {
  bucket = "logs2"
  versioning_configuration {
    status = "Enabled"
  }
}
'''


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Resource, ...]:
    tricky = tmp_path_factory.mktemp("tricky")
    (tricky / "main.tf").write_text(TRICKY_TF)
    (tricky / "copy").mkdir()
    (tricky / "copy" / "main.tf").write_text(TRICKY_TF)  # the same addresses in another module scope
    return tuple(load_paths([POLICIES, ROOT / "examples" / "marketing-engine", tricky]).resources)


@pytest.fixture(scope="module")
def index(resources: tuple[Resource, ...]) -> ResourceIndex:
    return index_for(resources)


def _everything(index: ResourceIndex) -> list[Resource]:
    """Declared resources and the subnets declared inside virtual networks."""
    seen: dict[int, Resource] = {}
    for group in index._by_type.values():
        for resource in group:
            seen.setdefault(id(resource), resource)
    return list(seen.values())


# (pool, reader) as the checks ask them.
USED: list[tuple[Pool, Reader]] = [
    (("kind", "subnet"), ("facts", "network")),
    (("kind", "router"), ("facts", "network")),
    (("kind", "nat_gateway"), ("facts", "router")),
    (("kind", "nat_gateway"), ("facts", "subnet")),
    (("kind", "nat_association"), ("facts", "subnet")),
    (("kind", "cdn"), ("facts", "origins")),
    (("kind", "cdn_origin"), ("facts", "origins")),
    (("kind", "route"), ("facts", "route_table")),
    (("kind", "route_table_association"), ("facts", "subnet")),
    (("kind", "main_route_table"), ("facts", "vpc")),
    (("kind", "main_route_table_association"), ("facts", "vpc")),
    (("kind", "load_balancer"), ("facts", "subnets")),
    (("kind", "subnet_group"), ("facts", "subnets")),
    (("kind", "lb_listener"), ("facts_or", "load_balancer", "url_map")),
    (("kind", "private_endpoint"), ("facts", "private_target")),
    (("kind", "server_setting"), ("facts", "configures_server")),
    (("kind", "diagnostic_setting"), ("facts", "source_database")),
    (("kind", "backup_selection"), ("facts", "source_database")),
    (("kind", "resource_lock"), ("facts", "source_database")),
    (("type", "aws_db_instance"), ("attributes", "replicate_source_db", "SourceDBInstanceIdentifier")),
    (("type", "AWS::RDS::DBInstance"), ("attributes", "replicate_source_db", "SourceDBInstanceIdentifier")),
    (("type", "google_sql_database_instance"), ("attributes", "master_instance_name")),
]


@pytest.mark.parametrize(("pool", "reader"), USED)
def test_pointing_to_is_a_scan_of_the_pool(index: ResourceIndex, pool: Pool, reader: Reader) -> None:
    candidates = index.pool(pool)
    for target in _everything(index):
        expected = [c for c in candidates if any(index.points_to(v, c, target) for v in _read(c, reader))]
        assert index.pointing_to(target, pool, reader) == expected, target.address


def test_pointing_to_over_every_resource(index: ResourceIndex) -> None:
    readers = [("facts", "cluster"), network._SECURITY_GROUP_USE]
    # Every resource something references, and a sample of the rest (a full cross product is slow).
    referenced = {id(found): found for c in index.resources for reader in readers for value in _read(c, reader)
                  for _, found in index.targets(value, c) if found is not None}
    targets = [*referenced.values(), *index.resources[::25]]
    assert len(referenced) > 10
    for reader in readers:
        for target in targets:
            expected = [c for c in index.resources if any(index.points_to(v, c, target) for v in _read(c, reader))]
            assert index.pointing_to(target, ("all",), reader) == expected, target.address


def test_cluster_members_disks_and_capacity_providers(index: ResourceIndex) -> None:
    members = [r for t in CLUSTER_MEMBERS.types for r in index.by_type.get(t, ())]
    strategies = [r for t in CAPACITY_STRATEGIES.types for r in index.by_type.get(t, ())]
    clusters = [r for r in index.resources if r.type in CLUSTER_TYPES]
    assert len(clusters) > 4
    for cluster in clusters:
        expected = [r for r in members if refers_to(
            r.attributes.get("cluster_identifier", r.attributes.get("DBClusterIdentifier")), cluster)]
        assert index.members_of(cluster) == expected, cluster.address
    tricky = [m.address for m in index.members_of(next(c for c in clusters if c.address == "aws_rds_cluster.main"))]
    assert "aws_rds_cluster_instance.e" not in tricky  # count = 2: both instances are members
    assert {"aws_rds_cluster_instance.a[0]", "aws_rds_cluster_instance.a[1]"} <= set(tricky)
    for resource in index.resources:
        assert index.strategy_elsewhere(resource) == any(
            refers_to(r.attributes.get("cluster_name", r.attributes.get("Cluster")), resource) for r in strategies)
        if "compute_instance" in resource.kinds:
            assert index.attached_disks(resource) == _attached_disks(index, resource), resource.address
    vm = next(r for r in index.resources if r.address == "aws_instance.vm")
    vm2 = next(r for r in index.resources if r.address == "aws_instance.vm2")  # element([vm2, vm], 0) is vm2
    assert "aws_ebs_volume.data" in {d.address for d in index.attached_disks(vm)}
    assert "aws_ebs_volume.data2" in {d.address for d in index.attached_disks(vm2)}


def _attached_disks(index: ResourceIndex, machine: Resource) -> list[Resource]:
    """The scan ``attached_disks`` replaces."""
    volumes = [r for r in index.resources if "block_volume" in r.kinds and r.format == machine.format]
    references: list[Any] = []
    for attachment_type, (to_machine, to_disk) in ATTACHMENTS.items():
        references += [a.attributes.get(to_disk) for a in index.by_type.get(attachment_type, ())
                       if a.format == machine.format and refers_to(a.attributes.get(to_machine), machine)]
    inline = INLINE_ATTACHMENTS.get(machine.type)
    if inline is not None:
        items = machine.attributes.get(inline[0])
        references += [i.get(inline[1]) for i in (items if isinstance(items, list) else [items])
                       if isinstance(i, Mapping)]
    return [v for v in volumes if any(refers_to(ref, v) for ref in references)]


def test_mentioned_turns_mentions_around() -> None:
    """Random expressions and addresses over the characters that matter to the boundaries (seeded)."""
    rng = random.Random(20240611)
    alphabet = "ab_.-[]0 ${}(),\"*/é"
    for _ in range(3000):
        expression = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        addresses, names = mentioned(Unresolved(expression), 6)
        assert names == set()
        for _ in range(8):
            start = rng.randint(0, len(expression))
            address = expression[start:start + rng.randint(0, 6)] if rng.random() < 0.7 else \
                "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
            assert (address in addresses) == _mentions(expression.strip("${}"), address), (expression, address)
    target = Resource("aws", "t", "t.x", Origin("f.tf", 1), facts={"name": "x"})
    for value in ({"Ref": "t.x"}, {"Fn::GetAtt": ["t.x", "Arn"]}, {"Ref": "other"}, {"Fn::GetAtt": "t.x.Arn"}, "x",
                  "y", 3, None, {"Ref": 1}):
        addresses, names = mentioned(value, 10)
        assert (target.address in addresses or "x" in names) == refers_to(value, target), value


def _names_bucket(reference: Any, bucket: Resource) -> bool:
    """The plain question ``storage.companions`` answers from an index: does a companion's ``parent`` name
    the bucket (a reference to its address or an attribute of it, or its literal name)?"""
    expression = written_reference(reference)
    if expression is not None:
        return expression == bucket.address or expression.startswith(f"{bucket.address}.")
    name = bucket.facts.get("bucket_name")
    return isinstance(reference, str) and isinstance(name, str) and reference == name


def test_storage_companions_and_presence(resources: tuple[Resource, ...]) -> None:
    buckets = [r for r in resources if "storage_bucket" in r.kinds]
    assert len(buckets) > 4
    for bucket in buckets:
        expected = [o for o in resources if storage.COMPANION_KIND in o.kinds and storage._same_scope(o, bucket)
                    and _names_bucket(o.facts.get("parent"), bucket)]
        assert storage.companions(bucket, resources) == expected, bucket.address
    assert any(storage.companions(b, resources) for b in buckets if b.address == "aws_s3_bucket.logs2")
    ctx = EvalContext(resources[0], {"t": "logs"}, resources)
    tables = {r.facts.get("table") for r in resources if r.type == "postgresql_index"}
    assert tables
    tables.add("nowhere")
    cases: list[tuple[Any, dict[str, Any]]] = [
        (["aws_s3_bucket", "AWS::S3::Bucket"], {}), (("aws_s3_bucket",), {"bucket_name": {"param": "t"}}),
        ("aws_s3_bucket_versioning", {}), ([], {}), (["aws_s3_bucket"], {"bucket_name": ["logs"]}),
        *((("postgresql_index",), {"table": table}) for table in tables)]
    for types, match in cases:
        match = {k: presence.resolve_value(v, ctx.params) for k, v in match.items()}
        expected = [r for r in resources if r.type in types
                    and all(r.facts.get(k) == v for k, v in match.items())]
        assert presence.find_resources(ctx, types, match) == expected


def test_related_and_azure_subnets(index: ResourceIndex) -> None:
    databases = [r for r in index.resources if "sql_database" in r.kinds or "sql_database_instance" in r.kinds]
    assert any(d.format == "arm" for d in databases)
    for database_ in databases:
        for kind, fact in (("server_setting", "configures_server"), ("private_endpoint", "private_target"),
                           ("diagnostic_setting", "source_database"), ("resource_lock", "source_database")):
            assert database.related(index, database_, kind, fact) == _related(index, database_, kind, fact)
    vnets = [r for r in index.resources if r.type in ("azurerm_virtual_network", "Microsoft.Network/virtualNetworks")]
    assert vnets
    for vnet in vnets:
        pool = ("kind", "subnet")
        named = network._subnets_by_network_name(index)
        found = {id(s): s for s in index.pointing_to(vnet, pool, ("facts", "network"))}
        found.update((id(s), s) for s in named.get(("inline", vnet.address[len(vnet.type) + 1:]), ()))
        found.update((id(s), s) for s in named.get(("arm", vnet.address.rsplit("/", 1)[-1]), ()))
        fast = sorted((s for s in found.values() if s.format == vnet.format), key=lambda s: index.position(pool, s))
        assert fast == [s for s in index.of_kind("subnet") if s.format == vnet.format and (
            s.address.startswith(f"{s.type}/{vnet.address[len(vnet.type) + 1:]}/")
            or index.points_to(s.facts.get("network"), s, vnet)
            or (s.format == "arm" and s.address.split("/")[-2] == vnet.address.rsplit("/", 1)[-1]))]


def _related(index: ResourceIndex, db: Resource, kind: str, fact: str) -> list[Resource]:
    """The scan ``database.related`` replaces."""
    out = []
    for candidate in index.of_kind(kind):
        if index.points_to(candidate.facts.get(fact), candidate, db):
            out.append(candidate)
        elif db.format == "arm" and candidate.format == "arm" and candidate.origin.file == db.origin.file:
            nested = (db.origin.line or 0) < (candidate.origin.line or 0) <= (db.origin.end_line or 0)
            name = candidate.attributes.get("name")
            server = db.attributes.get("name")
            server = server if isinstance(server, str) else db.address.rsplit("/", 1)[-1]
            named = isinstance(name, str) and name.startswith(f"{server}/")
            if nested or named:
                out.append(candidate)
    return out


def test_kubernetes_namespaces(index: ResourceIndex) -> None:
    namespaces = {ns for ns, _, _ in index.workloads} | {"default", "nowhere"}
    assert len(index.workloads) > 5
    for namespace in namespaces:
        assert index.workloads_in(namespace) == [w for (ns, _, _), w in index.workloads.items() if ns == namespace]
        policies = index.by_type.get("NetworkPolicy", ())
        assert index.in_namespace("NetworkPolicy", namespace) == [
            p for p in policies if str(p.facts.get("namespace") or "default") == namespace]


def test_one_index_per_scan(resources: tuple[Resource, ...]) -> None:
    assert index_for(resources) is index_for(resources)
    assert index_for(tuple(resources)) is index_for(resources)  # tuple() of a tuple is the same object
    assert index_for(tuple(list(resources))) is not index_for(resources)  # another scan, another index
