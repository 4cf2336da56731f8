"""Transforms for AWS shapes: live API answers (``aws_live.yaml``) and the CloudFormation side of the facts
only the live table had at first (``aws_declared.yaml``).

Each returns the fact in the representation the domain tables give it (network, tls, database, compute,
redis, storage), so a policy reads live and declared resources alike; ``Unresolved`` when the detail it
needs could not be read; ``MISSING`` when the fact does not apply to this resource. Where the API spells
a thing as CloudFormation does, the domain's own transform is reused rather than copied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanner.mappings import MISSING, lookup, transform
from scanner.mappings.compute import gib, shape_memory, shape_network, shape_vcpu
from scanner.mappings.network import _port_range, _redirects_to_https, _rule, route
from scanner.mappings.transforms import to_bool
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


# --- names and tags -------------------------------------------------------------------------

@transform("aws_tags")
def aws_tags(value: Any, _: Resource) -> Any:
    """``[{Key, Value}]`` (any service's spelling) as a mapping, as ``tag_map`` gives the IaC's tags, without
    the ``aws:`` tags AWS itself sets (CloudFormation's logical ID, ...): nobody declares them."""
    if isinstance(value, Unresolved):
        return value
    pairs = value.items() if isinstance(value, Mapping) else (
        (t.get("Key", t.get("key")), t.get("Value", t.get("value"))) for t in _items(value) if isinstance(t, Mapping))
    return {str(k): v for k, v in pairs if k is not None and not str(k).startswith("aws:")}


@transform("aws_name_tag")
def aws_name_tag(value: Any, resource: Resource) -> Any:
    tags = aws_tags(value, resource)
    return tags if isinstance(tags, Unresolved) else tags.get("Name", MISSING)


@transform("arn_resource_name")
def arn_resource_name(value: Any, _: Resource) -> Any:
    """The resource's name at the end of an ARN (``arn:aws:ecs:...:cluster/main`` -> ``main``), as a
    template names it."""
    return value.rsplit("/", 1)[-1] if isinstance(value, str) and value.startswith("arn:") else value


@transform("count")
def count(value: Any, _: Resource) -> Any:
    return value if isinstance(value, Unresolved) else len(_items(value))


@transform("sorted")
def sort_values(value: Any, _: Resource) -> Any:
    return sorted(value, key=str) if isinstance(value, list) else value


# --- subnets and routes ---------------------------------------------------------------------

def _default_route_target(routes: Any) -> Any:
    if isinstance(routes, Unresolved):
        return routes
    for item in _items(routes):
        if not isinstance(item, Mapping) or item.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        if item.get("State") == "blackhole":
            return "blackhole"
        gateway = str(item.get("GatewayId") or "")
        if item.get("NatGatewayId"):
            return "nat_gateway"
        if gateway.startswith("igw-"):
            return "internet_gateway"
        if item.get("TransitGatewayId"):
            return "transit_gateway"
        if item.get("NetworkInterfaceId") or item.get("InstanceId"):
            return "instance"
        return "other"
    return "none"


def _route_table(resource: Resource) -> Any:
    table = resource.attributes.get("RouteTable")
    if isinstance(table, Unresolved):
        return table
    return table if isinstance(table, Mapping) and "Routes" in table else MISSING


@transform("aws_subnet_route_table")
def subnet_route_table(_: Any, resource: Resource) -> Any:
    """The route table AWS routes a subnet by (its association, else its VPC's main table)."""
    table = _route_table(resource)
    if table is MISSING or isinstance(table, Unresolved):
        return table
    return table.get("RouteTableId") or MISSING


@transform("aws_subnet_default_route")
def subnet_default_route(_: Any, resource: Resource) -> Any:
    """Where a subnet's 0.0.0.0/0 goes: nat_gateway, internet_gateway, transit_gateway, none, ..."""
    table = _route_table(resource)
    if table is MISSING or isinstance(table, Unresolved):
        return table
    return _default_route_target(table.get("Routes"))


@transform("aws_subnet_public")
def subnet_public(_: Any, resource: Resource) -> Any:
    """A subnet is public when its default route leads to an internet gateway."""
    target = subnet_default_route(None, resource)
    return target if target is MISSING or isinstance(target, Unresolved) else target == "internet_gateway"


@transform("aws_route_table_default_route")
def route_table_default_route(value: Any, _: Resource) -> Any:
    return _default_route_target(value)


@transform("aws_api_routes")
def api_routes(value: Any, _: Resource) -> Any:
    """Routes in the domain's shape (``aws_inline_routes``), without the ``local`` route AWS adds to
    every table (nobody declares it). The API spells routes as CloudFormation does."""
    if isinstance(value, Unresolved):
        return value
    return [route(item, True, None) for item in _items(value)
            if isinstance(item, Mapping) and item.get("Origin") != "CreateRouteTable"
            and item.get("GatewayId") != "local"]


# --- security groups ------------------------------------------------------------------------

def _api_rules(value: Any, direction: str) -> Any:
    """IpPermissions as the domain's firewall rules (``aws_sg_ingress``): one rule per source, as a
    template writes them (one SecurityGroupIngress entry per CidrIp / source group)."""
    if isinstance(value, Unresolved):
        return value
    rules: list[dict[str, Any]] = []
    for perm in _items(value):
        if not isinstance(perm, Mapping):
            continue
        protocol = perm.get("IpProtocol", "-1")
        ports = [_port_range(perm.get("FromPort"), perm.get("ToPort"))] if str(protocol) != "-1" else [None]
        sources: list[tuple[Any, Any]] = [(r.get("CidrIp"), None) for r in _items(perm.get("IpRanges"))]
        sources += [(r.get("CidrIpv6"), None) for r in _items(perm.get("Ipv6Ranges"))]
        sources += [(None, g.get("GroupId")) for g in _items(perm.get("UserIdGroupPairs"))]
        sources += [(None, p.get("PrefixListId")) for p in _items(perm.get("PrefixListIds"))]
        for cidr, group in sources:
            name = f"{direction} {protocol} {ports[0] or 'all'} {cidr or group}"
            rules.append(_rule(name, None, protocol, ports, [cidr], [group] if group else []))
    return rules


@transform("aws_api_ingress_rules")
def api_ingress_rules(value: Any, _: Resource) -> Any:
    return _api_rules(value, "ingress")


@transform("aws_api_egress_rules")
def api_egress_rules(value: Any, _: Resource) -> Any:
    return _api_rules(value, "egress")


# --- load balancers -------------------------------------------------------------------------

@transform("aws_api_listener_redirects")
def api_listener_redirects(value: Any, _: Resource) -> Any:
    """The default action redirects to HTTPS (``DefaultActions`` is spelled as in CloudFormation)."""
    return value if isinstance(value, Unresolved) else _redirects_to_https(value, True)


@transform("aws_api_listeners")
def api_listeners(value: Any, _: Resource) -> Any:
    """A load balancer's listeners inline, in the domain's listener shape (``appgw_listeners``)."""
    if isinstance(value, Unresolved):
        return value
    out = []
    for item in _items(value):
        if isinstance(item, Mapping):
            protocol = str(item.get("Protocol") or "").upper()
            out.append({"name": f"{protocol}:{item.get('Port')}", "line": None, "protocol": protocol,
                        "certificate": bool(_items(item.get("Certificates"))),
                        "redirects_to_https": _redirects_to_https(item.get("DefaultActions"), True)})
    return out


def _lb_attribute(key: str, default: bool) -> Any:
    """A CloudFormation ``LoadBalancerAttributes`` entry (``[{Key, Value}]``) as a boolean fact."""
    def read(_: Any, resource: Resource) -> Any:
        entries = resource.attributes.get("LoadBalancerAttributes")
        if isinstance(entries, Unresolved):
            return entries
        for entry in _items(entries):
            if isinstance(entry, Mapping) and entry.get("Key") == key:
                return to_bool(entry.get("Value"), resource)
        return default
    return read


for _fact, _key in (("deletion_protection", "deletion_protection.enabled"),
                    ("drop_invalid_header_fields", "routing.http.drop_invalid_header_fields.enabled"),
                    ("access_logs", "access_logs.s3.enabled")):
    transform(f"cfn_lb_{_fact}")(_lb_attribute(_key, False))


# CloudFront viewer policies: the lowest protocol each accepts (AWS docs, "Supported protocols and ciphers").
# SSLv3 predates TLS 1.0: 0.3 keeps it below every TLS version in the comparisons.
_CLOUDFRONT_POLICY = ((re.compile(r"^TLSv1\.2"), 1.2), (re.compile(r"^TLSv1\.1"), 1.1),
                      (re.compile(r"^TLSv1(_|$)"), 1.0), (re.compile(r"^SSLv3"), 0.3))


@transform("cloudfront_tls_min_version")
def cloudfront_tls_min_version(value: Any, _: Resource) -> Any:
    """``TLSv1.2_2021`` -> 1.2, ``TLSv1_2016`` / ``TLSv1`` -> 1.0, as ``tls_min_version`` is everywhere."""
    if isinstance(value, Unresolved):
        return value
    for pattern, version in _CLOUDFRONT_POLICY:
        if pattern.search(str(value)):
            return version
    return Unresolved(str(value), f"unknown CloudFront security policy {value}")


# --- ECS ------------------------------------------------------------------------------------

@transform("aws_api_ecs_strategy")
def api_ecs_strategy(value: Any, _: Resource) -> Any:
    """A capacity provider strategy in the domain's shape (``ecs_strategy``); an empty one is no strategy
    (a service without one uses its cluster's default)."""
    if isinstance(value, Unresolved):
        return value
    out = [{"provider": item.get("capacityProvider"), "base": int(item.get("base") or 0),
            "weight": int(item.get("weight") or 0), "line": None}
           for item in _items(value) if isinstance(item, Mapping)]
    return out or MISSING


@transform("aws_api_ephemeral_storage")
def api_ephemeral_storage(_: Any, resource: Resource) -> Any:
    """Fargate tasks get 20 GiB of ephemeral storage unless they ask for more (as ``fargate_ephemeral_storage``)."""
    size = lookup(resource.attributes, ("ephemeralStorage", "sizeInGiB"))
    if isinstance(size, Unresolved):
        return size
    if size is not MISSING and size is not None:
        return gib(float(size))
    compat = resource.attributes.get("requiresCompatibilities")
    if isinstance(compat, list) and any(str(c).upper() == "FARGATE" for c in compat):
        return gib(20)
    return None


# --- machine sizes --------------------------------------------------------------------------

def _machine(resource: Resource) -> Any:
    for key in ("InstanceType", "DBInstanceClass", "DBClusterInstanceClass"):
        if resource.attributes.get(key):
            return resource.attributes[key]
    return None


def _type_info(resource: Resource, *path: str) -> Any:
    info = resource.attributes.get("InstanceTypeInfo")
    value = lookup(info, path) if isinstance(info, Mapping) else MISSING
    return None if value is MISSING else value


@transform("aws_machine_vcpu")
def machine_vcpu(_: Any, resource: Resource) -> Any:
    """vCPUs of the instance type or class from the shape catalogue (as the IaC side), else from
    DescribeInstanceTypes; absent when the resource names no type (an Aurora cluster)."""
    machine = _machine(resource)
    if machine is None:
        return None
    found = shape_vcpu(machine, resource)
    answer = _type_info(resource, "VCpuInfo", "DefaultVCpus")
    return answer if isinstance(found, Unresolved) and isinstance(answer, int) else found


@transform("aws_machine_memory")
def machine_memory(_: Any, resource: Resource) -> Any:
    machine = _machine(resource)
    if machine is None:
        return None
    found = shape_memory(machine, resource)
    answer = _type_info(resource, "MemoryInfo", "SizeInMiB")
    return gib(answer / 1024) if isinstance(found, Unresolved) and isinstance(answer, int) else found


_GIGABIT = lazy_compile(r"^\s*(\d+(?:\.\d+)?)\s*Gigabit\s*$", re.I)


@transform("aws_machine_network")
def machine_network(_: Any, resource: Resource) -> Any:
    """Sustained Gbit/s: the catalogue's figure, else DescribeInstanceTypes' when it is one ("25 Gigabit";
    "Up to 10 Gigabit" is a burst, not a sustained figure)."""
    machine = _machine(resource)
    if machine is None:
        return None
    found = shape_network(machine, resource)
    match = _GIGABIT.match(str(_type_info(resource, "NetworkPerformance") or ""))
    if isinstance(found, Unresolved) and match:
        number = float(match.group(1))
        return int(number) if number.is_integer() else number
    return found


# --- RDS ------------------------------------------------------------------------------------

def _members(resource: Resource) -> Any:
    members = resource.attributes.get("MemberInstances")
    return members if isinstance(members, Unresolved) else _items(members)


@transform("aws_rds_member_count")
def rds_member_count(_: Any, resource: Resource) -> Any:
    members = _members(resource)
    return members if isinstance(members, Unresolved) else len(members)


@transform("aws_rds_member_zones")
def rds_member_zones(_: Any, resource: Resource) -> Any:
    members = _members(resource)
    if isinstance(members, Unresolved):
        return members
    return sorted({str(m.get("AvailabilityZone")) for m in members if isinstance(m, Mapping)
                   and m.get("AvailabilityZone")})


@transform("aws_rds_force_ssl")
def rds_force_ssl(_: Any, resource: Resource) -> Any:
    """``rds.force_ssl`` of the parameter group (absent: the engine default, off before PostgreSQL 15)."""
    parameters = resource.attributes.get("Parameters")
    if isinstance(parameters, Unresolved):
        return parameters
    if not isinstance(parameters, Mapping) or "rds.force_ssl" not in parameters:
        return MISSING
    return str(parameters["rds.force_ssl"]).strip() in ("1", "true", "on")


def _aurora(resource: Resource) -> bool:
    return str(resource.attributes.get("Engine") or "").lower().startswith("aurora")


@transform("aws_rds_cluster_public")
def rds_cluster_public(_: Any, resource: Resource) -> Any:
    if _aurora(resource) or "PubliclyAccessible" not in resource.attributes:
        return MISSING
    return to_bool(resource.attributes["PubliclyAccessible"], resource)


@transform("aws_rds_instance_retention")
def rds_instance_retention(_: Any, resource: Resource) -> Any:
    """An Aurora member's retention is its cluster's: judged there, not per instance."""
    if resource.attributes.get("DBClusterIdentifier"):
        return MISSING
    return resource.attributes.get("BackupRetentionPeriod", MISSING)


@transform("aws_rds_instance_pitr")
def rds_instance_pitr(_: Any, resource: Resource) -> Any:
    retention = rds_instance_retention(None, resource)
    if retention is MISSING or isinstance(retention, Unresolved):
        return retention
    return int(retention or 0) > 0


@transform("aws_rds_disk_size")
def rds_disk_size(_: Any, resource: Resource) -> Any:
    """Provisioned storage; Aurora reports a placeholder (1) for a volume that grows by itself."""
    if _aurora(resource):
        return MISSING
    return resource.attributes.get("AllocatedStorage", MISSING)


@transform("aws_api_db_role")
def api_db_role(_: Any, resource: Resource) -> Any:
    """primary | replica | member, as ``db_role`` reads a template (the API names the source differently)."""
    attrs = resource.attributes
    if attrs.get("ReadReplicaSourceDBInstanceIdentifier") or attrs.get("ReadReplicaSourceDBClusterIdentifier"):
        return "replica"
    return "member" if attrs.get("DBClusterIdentifier") else "primary"


@transform("aws_backup_copies_unread")
def backup_copies_unread(_: Any, resource: Resource) -> Any:
    """Whether backups reach another region is in AWS Backup plans, automated-backup replications and global
    clusters, which the collector does not read: unknown, never assumed."""
    return Unresolved("backup copies", "the collector does not read AWS Backup plans, automated-backup "
                      "replication or global clusters")


# --- ElastiCache ----------------------------------------------------------------------------

def _node_groups(value: Any) -> Any:
    return value if isinstance(value, Unresolved) else [g for g in _items(value) if isinstance(g, Mapping)]


@transform("aws_cache_replicas_per_shard")
def cache_replicas_per_shard(value: Any, _: Resource) -> Any:
    """Fewest replicas in any node group (each group is one primary plus its replicas)."""
    groups = _node_groups(value)
    if isinstance(groups, Unresolved):
        return groups
    if not groups:
        return MISSING
    return min(max(len(_items(g.get("NodeGroupMembers"))) - 1, 0) for g in groups)


@transform("aws_cache_node_count")
def cache_node_count(_: Any, resource: Resource) -> Any:
    """Redis nodes the group runs, primaries and replicas (as ``cache_node_count``)."""
    groups = _node_groups(resource.attributes.get("NodeGroups"))
    if isinstance(groups, Unresolved):
        return groups
    return sum(len(_items(g.get("NodeGroupMembers"))) for g in groups) if groups else MISSING


@transform("aws_cache_cluster_mode")
def cache_cluster_mode(_: Any, resource: Resource) -> Any:
    groups = _node_groups(resource.attributes.get("NodeGroups"))
    if isinstance(groups, Unresolved):
        return groups
    return to_bool(resource.attributes.get("ClusterEnabled"), resource) is True or len(groups) > 1


# --- S3 -------------------------------------------------------------------------------------

@transform("aws_s3_encrypted")
def s3_encrypted(value: Any, _: Resource) -> Any:
    """Encrypted at rest: a default-encryption rule, or none at all (S3 has applied SSE-S3 to every bucket
    without one since January 2023, which is the IaC side's default too)."""
    if isinstance(value, Unresolved):
        return value
    if value in (None, {}):
        return True
    rules = _items(value.get("Rules")) if isinstance(value, Mapping) else []
    return any(isinstance(r, Mapping) and lookup(r, ("ApplyServerSideEncryptionByDefault", "SSEAlgorithm"))
               not in (None, MISSING) for r in rules)


@transform("aws_s3_public_access_blocked")
def s3_public_access_blocked(value: Any, _: Resource) -> Any:
    """All four Block Public Access switches on (the bucket's own configuration)."""
    if isinstance(value, Unresolved):
        return value
    if not isinstance(value, Mapping):
        return False
    return all(value.get(k) is True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                              "RestrictPublicBuckets"))
