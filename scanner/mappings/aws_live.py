"""Transforms for AWS shapes (live API answers, and CloudFormation where both spell a thing alike).

Registered by name for ``aws_live.yaml``; each returns the fact value, ``Unresolved`` when the
detail it needs could not be read, or ``MISSING`` when the fact does not apply to this resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanner.mappings import _MISSING, lookup, transform
from scanner.model import Resource, Unresolved
from scanner.units import CPU, SIZE, Quantity

MISSING = _MISSING
_GIB = 1024**3
_MIB = 1024**2


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


@transform("aws_tags")
def aws_tags(value: Any, _: Resource) -> Any:
    """``[{Key, Value}]`` (any service's spelling) as a plain mapping, without the ``aws:`` tags AWS
    itself sets (CloudFormation's logical ID, ...): nobody declares them, so they are no drift."""
    if isinstance(value, Unresolved):
        return value
    pairs = value.items() if isinstance(value, Mapping) else (
        (t.get("Key", t.get("key")), t.get("Value", t.get("value"))) for t in _items(value) if isinstance(t, Mapping))
    return {str(k): v for k, v in pairs if k is not None and not str(k).startswith("aws:")}


@transform("aws_name_tag")
def aws_name_tag(value: Any, resource: Resource) -> Any:
    tags = aws_tags(value, resource)
    return tags if isinstance(tags, Unresolved) else tags.get("Name", MISSING)


@transform("count")
def count(value: Any, _: Resource) -> Any:
    return value if isinstance(value, Unresolved) else len(_items(value))


@transform("sorted")
def sort_values(value: Any, _: Resource) -> Any:
    return sorted(value, key=str) if isinstance(value, list) else value


def _default_route_target(routes: Any) -> Any:
    if isinstance(routes, Unresolved):
        return routes
    for route in _items(routes):
        if not isinstance(route, Mapping) or route.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        if route.get("State") == "blackhole":
            return "blackhole"
        gateway = str(route.get("GatewayId") or "")
        if route.get("NatGatewayId"):
            return "nat_gateway"
        if gateway.startswith("igw-"):
            return "internet_gateway"
        if route.get("TransitGatewayId"):
            return "transit_gateway"
        if route.get("NetworkInterfaceId") or route.get("InstanceId"):
            return "instance"
        return "other"
    return "none"


@transform("aws_subnet_default_route")
def subnet_default_route(_: Any, resource: Resource) -> Any:
    """Where a subnet's 0.0.0.0/0 goes: nat_gateway, internet_gateway, transit_gateway, none, ..."""
    table = resource.attributes.get("RouteTable")
    if isinstance(table, Unresolved):
        return table
    if not isinstance(table, Mapping) or "Routes" not in table:
        return MISSING
    return _default_route_target(table.get("Routes"))


@transform("aws_subnet_public")
def subnet_public(_: Any, resource: Resource) -> Any:
    """A subnet is public when its default route leads to an internet gateway."""
    target = subnet_default_route(None, resource)
    return target if target is MISSING or isinstance(target, Unresolved) else target == "internet_gateway"


@transform("aws_route_table_default_route")
def route_table_default_route(value: Any, _: Resource) -> Any:
    return _default_route_target(value)


@transform("aws_sg_rules")
def sg_rules(value: Any, _: Resource) -> Any:
    """IpPermissions flattened to one rule per source: protocol, from_port, to_port, cidr | source_group."""
    if isinstance(value, Unresolved):
        return value
    rules: list[dict[str, Any]] = []
    for perm in _items(value):
        if not isinstance(perm, Mapping):
            continue
        protocol = str(perm.get("IpProtocol", "-1"))
        base = {"protocol": "all" if protocol == "-1" else protocol,
                "from_port": perm.get("FromPort", 0 if protocol == "-1" else None),
                "to_port": perm.get("ToPort", 65535 if protocol == "-1" else None)}
        for item in _items(perm.get("IpRanges")):
            rules.append({**base, "cidr": item.get("CidrIp")})
        for item in _items(perm.get("Ipv6Ranges")):
            rules.append({**base, "cidr": item.get("CidrIpv6")})
        for item in _items(perm.get("UserIdGroupPairs")):
            rules.append({**base, "source_group": item.get("GroupId")})
        for item in _items(perm.get("PrefixListIds")):
            rules.append({**base, "prefix_list": item.get("PrefixListId")})
    return rules


@transform("aws_listener_redirects_https")
def listener_redirects_https(value: Any, _: Resource) -> Any:
    """The default action redirects to HTTPS (``DefaultActions`` has the same shape in the API and CFN)."""
    if isinstance(value, Unresolved):
        return value
    for action in _items(value):
        if isinstance(action, Mapping) and str(action.get("Type", "")).lower() == "redirect":
            config = action.get("RedirectConfig") or {}
            return isinstance(config, Mapping) and str(config.get("Protocol", "")).upper() == "HTTPS"
    return False


# ELBv2 predefined policies: the lowest protocol each accepts (AWS docs, "Security policies").
_ELB_POLICY_TLS = (
    (re.compile(r"TLS13-1-3"), "1.3"),
    (re.compile(r"TLS13-1-2|TLS-1-2|FS-1-2"), "1.2"),
    (re.compile(r"TLS13-1-1|TLS-1-1|FS-1-1"), "1.1"),
    (re.compile(r"TLS13-1-0|ELBSecurityPolicy-2016-08|ELBSecurityPolicy-2015-05|FS-2018-06"), "1.0"),
)


@transform("aws_elb_tls_min_version")
def elb_tls_min_version(value: Any, _: Resource) -> Any:
    if isinstance(value, Unresolved) or value is None:
        return value
    for pattern, version in _ELB_POLICY_TLS:
        if pattern.search(str(value)):
            return version
    return Unresolved(str(value), "TLS versions of this SSL policy are not known to specdrift")


@transform("aws_cloudfront_tls_min_version")
def cloudfront_tls_min_version(value: Any, _: Resource) -> Any:
    """``TLSv1.2_2021`` -> ``1.2``; ``SSLv3`` -> ``ssl3``; the default certificate allows TLS 1.0."""
    if isinstance(value, Unresolved):
        return value
    match = re.match(r"TLSv(\d\.\d)", str(value or ""))
    if match:
        return match.group(1)
    if str(value).upper().startswith("TLSV1"):
        return "1.0"
    return "ssl3" if str(value).upper().startswith("SSL") else value


@transform("aws_capacity_strategy")
def capacity_strategy(value: Any, _: Resource) -> Any:
    """ECS capacity provider strategy in one spelling for the API (camelCase) and CFN (PascalCase)."""
    if isinstance(value, Unresolved):
        return value
    out = []
    for item in _items(value):
        if not isinstance(item, Mapping):
            continue
        lowered = {str(k).lower(): v for k, v in item.items()}
        out.append({"capacity_provider": lowered.get("capacityprovider"),
                    "weight": _int(lowered.get("weight", 0)), "base": _int(lowered.get("base", 0))})
    return sorted(out, key=lambda s: str(s["capacity_provider"]))


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


@transform("aws_ecs_cpu")
def ecs_cpu(value: Any, _: Resource) -> Any:
    """Task CPU units (1024 per vCPU), or ``"2 vCPU"`` as the API also accepts."""
    if isinstance(value, Unresolved) or value is None:
        return value
    text = str(value).strip().lower()
    if text.endswith("vcpu"):
        return Quantity(float(text[:-4]), CPU)
    try:
        return Quantity(float(text) / 1024, CPU)
    except ValueError:
        return Unresolved(str(value), "not a CPU amount")


@transform("aws_ecs_memory")
def ecs_memory(value: Any, _: Resource) -> Any:
    """Task memory in MiB, or ``"16 GB"`` as the API also accepts."""
    if isinstance(value, Unresolved) or value is None:
        return value
    text = str(value).strip().lower().replace(" ", "")
    if text.endswith("gb"):
        return Quantity(float(text[:-2]) * _GIB, SIZE)
    try:
        return Quantity(float(text) * _MIB, SIZE)
    except ValueError:
        return Unresolved(str(value), "not a memory amount")


@transform("aws_mib")
def mib(value: Any, _: Resource) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Quantity(float(value) * _MIB, SIZE)
    return value


@transform("aws_gib")
def gib(value: Any, _: Resource) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Quantity(float(value) * _GIB, SIZE)
    return value


def _members(resource: Resource) -> Any:
    members = resource.attributes.get("MemberInstances")
    return members if isinstance(members, Unresolved) else _items(members)


@transform("aws_rds_cluster_public")
def rds_cluster_public(_: Any, resource: Resource) -> Any:
    """Aurora is reachable from the internet when any member instance is publicly accessible."""
    members = _members(resource)
    if isinstance(members, Unresolved):
        return members
    if any(m.get("PubliclyAccessible") is True for m in members if isinstance(m, Mapping)):
        return True
    return bool(resource.attributes.get("PubliclyAccessible", False))


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


@transform("aws_rds_instance_retention")
def rds_instance_retention(_: Any, resource: Resource) -> Any:
    """An Aurora member's retention is its cluster's: judged there, not per instance."""
    if resource.attributes.get("DBClusterIdentifier"):
        return MISSING
    return resource.attributes.get("BackupRetentionPeriod", MISSING)


@transform("aws_cache_replicas_per_shard")
def cache_replicas_per_shard(value: Any, _: Resource) -> Any:
    """Fewest replicas in any node group (each group is one primary plus its replicas)."""
    if isinstance(value, Unresolved):
        return value
    groups = [g for g in _items(value) if isinstance(g, Mapping)]
    if not groups:
        return MISSING
    return min(max(len(_items(g.get("NodeGroupMembers"))) - 1, 0) for g in groups)


@transform("aws_s3_encrypted")
def s3_encrypted(value: Any, _: Resource) -> Any:
    if isinstance(value, Unresolved):
        return value
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


@transform("aws_s3_expiration_days")
def s3_expiration_days(value: Any, _: Resource) -> Any:
    """Shortest expiration of current objects across enabled lifecycle rules; absent when nothing expires."""
    if isinstance(value, Unresolved):
        return value
    days = [r.get("Expiration", {}).get("Days") for r in _items(value)
            if isinstance(r, Mapping) and r.get("Status", "Enabled") == "Enabled"
            and isinstance(r.get("Expiration"), Mapping)]
    found = [d for d in days if isinstance(d, int)]
    return f"{min(found)}d" if found else MISSING
