"""Database checks that need more than one resource: subnet groups and private networks, parameter
groups and server configurations, cluster instances and replicas, backup copies, locks and
diagnostic settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.coerce import listed
from scanner.coerce import shown as coerce_shown
from scanner.loaders.addressing import addressing_of, instance_count, refs_in
from scanner.mappings import fact_spec
from scanner.mappings.relations import (
    CLUSTER_TYPES,
    ENGINE_MODE,
    GLOBAL_CLUSTER_MEMBERS,
    GLOBAL_CLUSTER_SOURCE,
    GLOBAL_CLUSTER_TYPES,
    NAMED_BY_VALUE,
    PUBLIC_BY_GATEWAY,
    REPLICA_SOURCES,
)
from scanner.model import Resource, Status, Unresolved
from scanner.policy.check import EvalContext, Outcome
from scanner.policy.functions import register
from scanner.policy.functions.network import arg, complies, flag, skip, unknown, violates
from scanner.policy.resource_index import ResourceIndex, index_for, is_live, undeclared
from scanner.policy.topology import line_in, subnet_exposure, subnet_zones


def shown(value: Any) -> Any:
    """A value as a report shows it: an unresolved reference by its expression."""
    return value.expression if isinstance(value, Unresolved) else value


def _index(ctx: EvalContext) -> ResourceIndex:
    return index_for(ctx.resources)


# Types a ``..._name`` argument names by their ``name`` (a string, not a reference).
SUBNET_GROUPS = NAMED_BY_VALUE["subnet_group"]
PARAMETER_GROUPS = NAMED_BY_VALUE["parameter_group"]


def related(index: ResourceIndex, database: Resource, kind: str, fact: str = "source_database") -> list[Resource]:
    """Resources of ``kind`` that name ``database`` in ``fact``; where the format nests children (ARM) also
    those declared inside the database's own block or named under it (``<server>/...``)."""
    pool = ("kind", kind)
    out = index.pointing_to(database, pool, ("facts", fact))
    addressing = addressing_of(database)
    if not addressing.nested_children:
        return out
    found = {id(candidate): candidate for candidate in out}
    for candidate in index.in_file(pool, database.origin.file):
        if addressing_of(candidate) is addressing and id(candidate) not in found \
                and addressing.declared_under(database, candidate):
            found[id(candidate)] = candidate
    return sorted(found.values(), key=lambda candidate: index.position(pool, candidate))


# --- applicability: the engine, wherever it is written ---------------------------------------

def _engine_family(ctx: EvalContext, resource: Resource, facts: Mapping[str, Any], follow: bool = True) -> Any:
    """The engine family a database runs: its ``engine_family``, else its ``engine``, else (an Aurora instance
    whose engine is its cluster's, ``engine = aws_rds_cluster.main.engine``) its cluster's; Unresolved or
    None when nothing tells."""
    family = facts.get("engine_family")
    if isinstance(family, str):
        return family
    engine = facts.get("engine")
    if isinstance(engine, str):
        from scanner.mappings.database import engine_family  # here: most databases have an engine_family

        return engine_family(engine, resource)
    cluster = facts.get("cluster")
    if follow and cluster is not None:
        for _, found in _index(ctx).targets(cluster, resource):
            if found is not None:
                return _engine_family(ctx, found, found.facts, follow=False)
    return family if isinstance(family, Unresolved) else engine if isinstance(engine, Unresolved) else None


@register("database_engine_is")
def database_engine_is(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """A ``where`` gate: the database runs ``family``; unknown (never skipped) when no file says which engine,
    ``if_missing`` (default complies) when the type has no engine to declare."""
    wanted = str(arg(ctx, args, "family", "postgresql"))
    family = _engine_family(ctx, ctx.resource, facts)
    if isinstance(family, Unresolved):
        return unknown(f"engine = {family.expression}: {family.reason}", "engine", family.expression, wanted)
    if family is None:
        verdict = str(args.get("if_missing", "complies"))
        return Outcome(Status(verdict), "engine", None, wanted, "no engine declared")
    if str(family) == wanted:
        return complies(f"engine family {family}", "engine", family, wanted)
    return violates(f"engine family {family}", "engine", family, wanted)


# --- ME-NET-02 (private subnets) -----------------------------------------------------------

@register("datastore_private_network")
def datastore_private_network(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The data store sits in private subnets: AWS subnet groups over subnets without an internet
    route, Cloud SQL / Memorystore on a private VPC network, Azure VNet integration or a private endpoint."""
    resource, index = ctx.resource, _index(ctx)
    if facts.get("cluster") is not None:
        return skip()  # an Aurora instance lives in its cluster's subnet group
    if resource.provider == "aws":
        return _aws_subnets(index, resource, facts)
    if resource.provider == "gcp":
        network = facts.get("private_network")
        if network is None:
            what = "authorized_network is not set: the instance joins the project's 'default' network" \
                if "cache_engine" in facts else "no private_network: the instance has no private IP in a VPC"
            return violates(what, "private_network", None, "a private VPC network")
        if not isinstance(network, (str, Unresolved)):  # a number or a list is no network the provider accepts
            return unknown(f"private_network is {coerce_shown(network)}, not a network reference", "private_network",
                           coerce_shown(network), "a private VPC network")
        for ref, found in index.targets(network, resource):
            if found is not None and found.facts.get("default_network") is True:
                return violates(f"attached to the default network {found.address}", "private_network", str(ref))
        return complies("private IP on a VPC network", "private_network", shown(network))
    attached = facts.get("delegated_subnet", facts.get("private_network"))
    if attached is not None:
        return complies("integrated into a VNet subnet", "delegated_subnet" if "delegated_subnet" in facts
                        else "private_network", shown(attached))
    endpoints = related(index, resource, "private_endpoint", "private_target")
    if endpoints:
        return complies(f"reached through private endpoint {endpoints[0].address}", "private_endpoint",
                        endpoints[0].address)
    return violates("not in a delegated subnet and no private endpoint: it is reached over its public endpoint",
                    "delegated_subnet", None, "a delegated subnet or a private endpoint")


def _aws_subnets(index: ResourceIndex, resource: Resource, facts: Mapping[str, Any]) -> Outcome:
    if "subnets" in facts:  # serverless caches list their subnets directly
        members, via = facts["subnets"], resource
    else:
        group_value = facts.get("subnet_group")
        if group_value is None or group_value == "":  # "" is no group: the provider sends none
            return violates("no subnet group: the default VPC's subnets are used", "subnet_group", None,
                            "a subnet group over private subnets")
        if isinstance(group_value, Unresolved) and not refs_in(group_value):  # a parameter, or unreadable live
            return unknown(f"subnet group = {group_value.expression}: {group_value.reason}", "subnet_group",
                           group_value.expression, "a subnet group over private subnets")
        targets = index.targets(group_value, resource, SUBNET_GROUPS)
        if not targets:
            return unknown(f"subnet group {group_value} is not declared in the scanned files", "subnet_group",
                           str(group_value))
        ref, group = targets[0]
        if group is None:
            return unknown(undeclared(ref), "subnet_group", str(ref))
        members, via = group.facts.get("subnets"), group
    states = []
    for ref, subnet in index.targets(members, via):
        if subnet is None:
            return unknown(undeclared(ref), "subnet_group", str(ref))
        exposure = subnet_exposure(index, subnet)
        if exposure.state == "public":
            return violates(f"subnet {subnet.address} is public ({exposure.reason})", "subnet_group",
                            subnet.address, "private subnets only")
        states.append((subnet, exposure))
    if not states:
        return unknown("the subnet group lists no subnet the files declare", "subnet_group")
    unknown_states = [(s, e) for s, e in states if e.state == "unknown"]
    if unknown_states:
        subnet, exposure = unknown_states[0]
        return unknown(f"whether {subnet.address} is private cannot be told: {exposure.reason}", "subnet_group",
                       subnet.address)
    return complies(f"subnets {', '.join(s.address for s, _ in states)} have no route to an internet gateway",
                    "subnet_group", [s.address for s, _ in states])


# --- ME-TLS-03 -----------------------------------------------------------------------------

@register("database_requires_tls")
def database_requires_tls(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The server refuses unencrypted connections: ``rds.force_ssl=1`` in the (cluster) parameter group,
    Cloud SQL ``ssl_mode = ENCRYPTED_ONLY``, Azure ``require_secure_transport`` left on."""
    resource, index = ctx.resource, _index(ctx)
    if facts.get("cluster") is not None:
        return skip()
    if resource.provider == "aws":
        return _rds_force_ssl(index, resource, facts)
    if resource.provider == "azure":
        for setting in related(index, resource, "server_setting", "configures_server"):
            value = setting.facts.get("require_secure_transport")
            if value is None:
                continue
            line = line_in(resource, setting, setting.fact_lines.get("require_secure_transport"))
            if isinstance(value, Unresolved):
                return unknown(f"require_secure_transport = {value.expression}: {value.reason}",
                               "require_secure_transport", value.expression, "on", line=line)
            if value is False:
                return violates(f"{setting.address} turns require_secure_transport off", "require_secure_transport",
                                "off", "on", line=line)
            return complies(f"{setting.address} keeps require_secure_transport on", "require_secure_transport", "on",
                            line=line)
    judged = flag(facts, "tls_required", True, "unencrypted connections are refused",
                  "the server accepts unencrypted connections")
    return judged if judged is not None else skip()


def _rds_force_ssl(index: ResourceIndex, resource: Resource, facts: Mapping[str, Any]) -> Outcome:
    engine = str(facts.get("engine", ""))
    major = facts.get("engine_major_version")
    # The engine's default: 1 on RDS for PostgreSQL 15 and later, 0 on Aurora PostgreSQL and older RDS.
    default_on = not engine.startswith("aurora") and isinstance(major, (int, float)) and major >= 15
    default_value = "1 (RDS for PostgreSQL 15+)" if default_on else "0"
    group_value = facts.get("parameter_group")
    group = None
    if group_value is not None:
        targets = index.targets(group_value, resource, PARAMETER_GROUPS)
        if targets:
            ref, group = targets[0]
            if group is None:
                return unknown(f"rds.force_ssl cannot be read: {undeclared(ref)}", "parameter_group", str(ref), "1")
        elif not str(group_value).startswith("default."):
            return unknown(f"parameter group {group_value} is not declared in the scanned files", "parameter_group",
                           str(group_value), "1")
    value = group.facts.get("force_ssl") if group is not None else None
    line = line_in(resource, group, group.fact_lines.get("force_ssl")) if group is not None else None
    if isinstance(value, Unresolved):
        return unknown(f"rds.force_ssl = {value.expression}: {value.reason}", "parameter_group", value.expression, "1",
                       line=line)
    if value is None and isinstance(facts.get("engine"), str) and not engine.startswith("aurora") \
            and not isinstance(major, (int, float)):
        # RDS for PostgreSQL's default is 1 from 15 on, 0 before: the version decides it, and the files do not
        why = f"{major.expression}: {major.reason}" if isinstance(major, Unresolved) else \
            "not set (RDS picks its current default major version)"
        where = f"{group.address} does not set rds.force_ssl" if group is not None else \
            "the default parameter group keeps rds.force_ssl at the engine's default"
        return unknown(f"{where}, which is 1 from PostgreSQL 15 and 0 before; the engine version is {why}",
                       "parameter_group", None, "1", line=line)
    if value is None:
        said = (f"{group.address} does not set rds.force_ssl, so the engine default {default_value} applies"
                if group is not None else f"the default parameter group keeps rds.force_ssl at {default_value}")
        if default_on:
            return complies(said, "parameter_group", "default 1", "1", line=line)
        return violates(f"{said}: unencrypted connections are accepted", "parameter_group",
                        "rds.force_ssl default 0", "rds.force_ssl = 1", line=line)
    if value is True:
        return complies(f"{group.address} sets rds.force_ssl = 1", "parameter_group", 1, 1, line=line)  # type: ignore[union-attr]
    return violates(f"{group.address} sets rds.force_ssl = 0", "parameter_group", 0, 1, line=line)  # type: ignore[union-attr]


# --- ME-DB-05 ------------------------------------------------------------------------------

@register("database_logs_exported")
def database_logs_exported(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """PostgreSQL logs leave the server: CloudWatch export of ``postgresql``, Cloud Logging (always on
    for Cloud SQL), an Azure diagnostic setting sending PostgreSQLLogs."""
    log_type = str(arg(ctx, args, "log_type", "postgresql"))
    categories = [str(c).lower() for c in arg(ctx, args, "azure_categories", ["PostgreSQLLogs", "allLogs"])]
    resource = ctx.resource
    if "log_exports" in facts:
        exports = listed(facts["log_exports"], "log exports")
        if isinstance(exports, Unresolved):
            return unknown(f"log exports = {exports.expression}: {exports.reason}", "log_exports", exports.expression)
        if log_type in [str(e) for e in exports]:
            return complies(f"{log_type} logs exported to CloudWatch", "log_exports", list(exports))
        return violates(f"{log_type} logs are not exported to CloudWatch", "log_exports", list(exports),
                        f"contains {log_type}", target=[*exports, log_type])
    if facts.get("logs_exported") is True:
        return complies("the service ships PostgreSQL logs to its log service", "logs_exported", True)
    if resource.provider != "azure":
        return skip()
    settings = related(_index(ctx), resource, "diagnostic_setting")
    for setting in settings:
        sent = [str(c).lower() for c in setting.facts.get("log_categories") or []]
        if any(c in sent for c in categories):
            return complies(f"{setting.address} sends {', '.join(setting.facts['log_categories'])}",
                            "diagnostic_setting", setting.address, line=line_in(resource, setting))
    if settings:
        return violates(f"{settings[0].address} sends no PostgreSQL log category", "diagnostic_setting",
                        settings[0].facts.get("log_categories"), "PostgreSQLLogs", line=line_in(resource, settings[0]))
    return violates("no diagnostic setting sends the server's PostgreSQL logs anywhere", "diagnostic_setting", None,
                    "a diagnostic setting with PostgreSQLLogs")


# --- ME-DB-06 ------------------------------------------------------------------------------

@register("database_high_availability")
def database_high_availability(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """AWS: at least ``min_instances`` cluster instances over at least ``min_zones`` zones (or Multi-AZ
    plus replicas); GCP: REGIONAL with ``min_replicas`` read replicas; Azure: zone-redundant HA."""
    resource, index = ctx.resource, _index(ctx)
    if facts.get("cluster") is not None or facts.get("is_replica") is True:
        return skip()
    if "ha_mode" in facts:
        mode = facts["ha_mode"]
        wanted = str(arg(ctx, args, "azure_mode", "ZoneRedundant"))
        if str(mode).lower() == wanted.lower():
            return complies(f"high availability {mode}", "ha_mode", mode, wanted)
        return violates(f"high availability is {mode}; the guide requires {wanted}", "ha_mode", mode, wanted,
                        target=wanted)
    min_replicas = int(arg(ctx, args, "min_replicas", 2))
    if "availability_type" in facts:
        if str(facts["availability_type"]) != "REGIONAL":
            return violates(f"availability_type is {facts['availability_type']}: no standby in another zone",
                            "availability_type", facts["availability_type"], "REGIONAL", target="REGIONAL")
        replicas = _replicas(index, resource, "master_instance_name")
        if isinstance(replicas, Unresolved):
            return unknown(replicas.reason, "replicas")
        if replicas < min_replicas:
            return violates(f"REGIONAL with {replicas} read replica(s); the guide requires {min_replicas}",
                            "replicas", replicas, f">= {min_replicas}")
        return complies(f"REGIONAL with {replicas} read replicas", "availability_type", "REGIONAL")
    if resource.type in CLUSTER_TYPES:
        return _aurora_ha(ctx, index, resource, facts, args)
    if "multi_az" in facts:
        if facts["multi_az"] is not True:
            return violates("Multi-AZ is off: no standby in another zone", "multi_az", False, True, target=True)
        replicas = _replicas(index, resource, *REPLICA_SOURCES.values())
        if isinstance(replicas, Unresolved):
            return unknown(replicas.reason, "replicas")
        if replicas < min_replicas:
            return violates(f"Multi-AZ with {replicas} read replica(s); the guide requires {min_replicas}",
                            "replicas", replicas, f">= {min_replicas}")
        return complies(f"Multi-AZ with {replicas} read replicas", "multi_az", True)
    return skip()


def _replicas(index: ResourceIndex, primary: Resource, *keys: str) -> int | Unresolved:
    """How many read replicas name ``primary`` (a replica resource with ``count`` is that many)."""
    total = 0
    for candidate in index.pointing_to(primary, ("type", primary.type), ("attributes", *keys)):
        if candidate is primary:
            continue
        count = instance_count(candidate)
        if count is None:
            return Unresolved(candidate.address, f"the count of {candidate.address} is not known statically")
        total += count
    return total


def _aurora_ha(ctx: EvalContext, index: ResourceIndex, cluster: Resource, facts: Mapping[str, Any],
               args: Mapping[str, Any]) -> Outcome:
    minimum, min_zones = int(arg(ctx, args, "min_instances", 3)), int(arg(ctx, args, "min_zones", 2))
    if cluster.attributes.get("db_cluster_instance_class") or cluster.attributes.get("DBClusterInstanceClass"):
        return complies("Multi-AZ DB cluster: a writer and two readable standbys in three zones", "instances", 3)
    members = index.pointing_to(cluster, ("all",), ("facts", "cluster"))
    count = 0
    for member in members:
        n = instance_count(member)
        if n is None:
            return unknown(f"the count of {member.address} is not known statically", "instances")
        count += n
    if count < minimum:
        where = "running" if is_live(cluster) else "declared"
        return violates(f"{count} cluster instance(s) {where}; the guide requires {minimum} (a writer and "
                        f"{minimum - 1} readers)", "instances", count, f">= {minimum}")
    zones = {str(m.facts["availability_zone"]) for m in members if isinstance(m.facts.get("availability_zone"), str)}
    if len(zones) < min_zones:
        zones_from_group = _subnet_group_zones(index, cluster, facts)
        if isinstance(zones_from_group, Unresolved):
            return unknown(f"{count} instances; their zones cannot be told: {zones_from_group.reason}", "instances",
                           count, f">= {min_zones} zones")
        zones = zones | zones_from_group
    if len(zones) < min_zones:
        return violates(f"{count} instances, but only {len(zones)} zone(s) available to them", "instances", count,
                        f">= {min_zones} zones")
    return complies(f"{count} instances over {len(zones)} zones", "instances", count)


def _subnet_group_zones(index: ResourceIndex, db: Resource, facts: Mapping[str, Any]) -> set[str] | Unresolved:
    targets = index.targets(facts.get("subnet_group"), db, SUBNET_GROUPS)
    if not targets:
        return Unresolved("subnet_group", "no DB subnet group is declared for it")
    ref, group = targets[0]
    if group is None:
        return Unresolved(str(ref), undeclared(ref))
    zones: set[str] = set()
    for sref, subnet in index.targets(group.facts.get("subnets"), group):
        if subnet is None:
            return Unresolved(str(sref), undeclared(sref))
        found = subnet_zones(subnet, sref)
        if isinstance(found, Unresolved):
            return found
        zones.update(found)
    return zones


# --- ME-DB-07 ------------------------------------------------------------------------------

@register("database_geo_backup")
def database_geo_backup(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Backups survive a region: Azure geo-redundant backup, Cloud SQL multi-region backup location,
    AWS automated-backup replication, an AWS Backup plan copying the database, or a global cluster."""
    resource, index = ctx.resource, _index(ctx)
    if facts.get("cluster") is not None or facts.get("is_replica") is True:
        return skip()
    if facts.get("geo_redundant_backup") is False and _backups_off(resource, facts):
        return violates("automated backups are off (no backup_configuration { enabled = true }): no copy survives a "
                        "region", "geo_redundant_backup", False, True)
    judged = flag(facts, "geo_redundant_backup", True, "backups are geo-redundant", "backups stay in one region")
    if judged is not None:
        return judged
    if resource.provider != "aws":
        return skip()
    for copy in related(index, resource, "backup_replication"):
        return complies(f"{copy.address} copies it to another region", "backup_copy", copy.address,
                        line=line_in(resource, copy))
    for selection in related(index, resource, "backup_selection"):
        for _, plan in index.targets(selection.facts.get("backup_plan"), selection):
            if plan is not None and plan.facts.get("copies_to_region") is True:
                return complies(f"{plan.address} (selection {selection.address}) copies its backups to another "
                                "vault", "backup_copy", plan.address, line=line_in(resource, plan))
    for group, peer in _global_peers(index, resource):
        return complies(f"a member of the global cluster {group.address} with {peer.address}: each cluster of an "
                        "Aurora global database is in a region of its own", "backup_copy", group.address,
                        line=line_in(resource, group))
    return violates("no cross-region copy of the backups (automated-backup replication, an AWS Backup copy action "
                    "or a global cluster)", "backup_copy", None, "a cross-region backup copy")


def _global_peers(index: ResourceIndex, cluster: Resource) -> list[tuple[Resource, Resource]]:
    """(global cluster, another member) for each other cluster of the scan in the global cluster ``cluster`` is a
    member of: those naming the same global cluster, and the source cluster a global cluster was made from."""
    if cluster.type not in GLOBAL_CLUSTER_MEMBERS.types:
        return []
    attributes = cluster.attributes
    named = attributes.get(GLOBAL_CLUSTER_MEMBERS.attribute[0], attributes.get(GLOBAL_CLUSTER_MEMBERS.attribute[1]))
    groups = [g for _, g in index.targets(named, cluster) if g is not None and g.type in GLOBAL_CLUSTER_TYPES]
    groups += [g for g in index.pointing_to(cluster, ("declared_type", *GLOBAL_CLUSTER_TYPES),
                                            ("attributes_or", *GLOBAL_CLUSTER_SOURCE)) if g not in groups]
    peers = []
    for group in groups:
        members = index.pointing_to(group, ("declared_type", *GLOBAL_CLUSTER_MEMBERS.types),
                                    ("attributes_or", *GLOBAL_CLUSTER_MEMBERS.attribute))
        source = group.attributes.get(GLOBAL_CLUSTER_SOURCE[0], group.attributes.get(GLOBAL_CLUSTER_SOURCE[1]))
        members += [m for _, m in index.targets(source, group) if m is not None]
        peers += [(group, m) for m in members if m is not cluster]
    return peers


def _backups_off(resource: Resource, facts: Mapping[str, Any]) -> bool:
    """Automated backups are off, on a type whose table says whether they are on (Cloud SQL). Read here, not in
    the check function: a fact named in its code is one an unseen module's inputs are matched against."""
    if fact_spec(resource, "automated_backups") is None:
        return False
    enabled = facts.get("automated_backups")
    return enabled is not True and str(enabled).lower() != "true" and not isinstance(enabled, Unresolved)


def _cfn_instance_public_by_default(ctx: EvalContext, facts: Mapping[str, Any]) -> Outcome | None:
    """CloudFormation's PubliclyAccessible default (``relations.PUBLIC_BY_GATEWAY``): with a DB subnet group,
    the instance is public exactly when the subnets' VPC has an internet gateway attached. None when the files
    cannot tell (no subnet group: the default VPC decides; a group, subnet or VPC they do not declare)."""
    if facts.get("cluster") is not None:
        return None
    index, resource = _index(ctx), ctx.resource
    groups = [found for _, found in index.targets(facts.get("subnet_group"), resource)]
    if len(groups) != 1 or groups[0] is None:
        return None
    vpcs: dict[int, Resource] = {}
    for _, subnet in index.targets(groups[0].facts.get("subnets"), groups[0]):
        found = [vpc for _, vpc in index.targets(subnet.facts.get("vpc"), subnet)] if subnet is not None else [None]
        if len(found) != 1 or found[0] is None:
            return None
        vpcs[id(found[0])] = found[0]
    if len(vpcs) != 1:
        return None
    [vpc] = vpcs.values()
    for attachment in index.of_kind("gateway_attachment"):
        if attachment.facts.get("internet_gateway") is not None and index.points_to(
                attachment.facts.get("vpc"), attachment, vpc):
            return violates(f"PubliclyAccessible is not set and {vpc.address} has internet gateway attachment "
                            f"{attachment.address}: CloudFormation makes the instance public",
                            "publicly_accessible", True, False, target=False)
    return complies(f"PubliclyAccessible is not set and {vpc.address} has no internet gateway attached: the instance "
                    "is private", "publicly_accessible", False, False)


def _cluster_by_members(ctx: EvalContext, index: ResourceIndex, members: list[Resource]) -> Outcome:
    """An Aurora cluster is public when one of its instances is. Instances whose cluster the files do not
    tell (``cluster_identifier = local.x`` left unknown) may be members too: the cluster is private only
    when every instance that is or may be a member is private."""
    attribute = ENGINE_MODE.get(ctx.resource.type)
    mode = ctx.resource.attributes.get(attribute) if attribute else None
    if isinstance(mode, str) and mode.lower() == "serverless":
        # Aurora Serverless v1 has no instances and cannot be given a public address (reachable from its VPC only)
        return complies("Aurora Serverless v1 (engine_mode serverless) has no public endpoint", "engine_mode",
                        mode, "serverless")
    undecided = index.memo.get("cluster_undecided")
    if undecided is None:  # once per scan: a scan over every resource per cluster would be quadratic
        undecided = index.memo["cluster_undecided"] = [
            r for r in ctx.resources if not is_live(r) and isinstance(r.facts.get("cluster"), Unresolved)
            and not any(found is not None for _, found in index.targets(r.facts["cluster"], r))]
    maybe = [r for r in undecided if r not in members]
    if not members and not maybe:
        return unknown("publicly_accessible is not declared: Aurora sets it on each instance of the cluster, and "
                       "the scanned files declare none", "publicly_accessible")
    for member in members:
        if member.facts.get("publicly_accessible") is True:
            return violates(f"instance {member.address} of the cluster is publicly accessible: the cluster has a "
                            "public endpoint", "publicly_accessible", True, False, line=line_in(ctx.resource, member))
    for instance in [*members, *maybe]:
        public = instance.facts.get("publicly_accessible")
        if public is not False:
            said = "is publicly accessible" if public is True else f"has publicly_accessible {coerce_shown(public)}"
            how = "a member" if instance in members else "an instance whose cluster the files do not tell"
            return unknown(f"{instance.address}, {how}, {said}", "publicly_accessible",
                           public.expression if isinstance(public, Unresolved) else public, False)
    names = ", ".join(r.address for r in [*members, *maybe])
    return complies(f"no public endpoint: every instance that is or may be a member is private ({names})",
                    "publicly_accessible", False, False)


# --- ME-DB-08 ------------------------------------------------------------------------------

@register("database_deletion_protection")
def database_deletion_protection(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The API refuses to delete the database: its deletion-protection flag, or (Azure, which has none)
    a CanNotDelete / ReadOnly resource lock on it."""
    resource = ctx.resource
    if facts.get("cluster") is not None:
        return skip()
    judged = flag(facts, "deletion_protection", True, "deletion protection is on", "deletion protection is off")
    if judged is not None:
        return judged
    if resource.provider != "azure":
        return skip()
    for lock in related(_index(ctx), resource, "resource_lock"):
        level = str(lock.facts.get("lock_level", ""))
        if level.lower() in ("cannotdelete", "readonly"):
            return complies(f"{lock.address} ({level}) protects it", "resource_lock", level,
                            line=line_in(resource, lock))
    return violates("no CanNotDelete lock protects the server from deletion", "resource_lock", None,
                    "a CanNotDelete lock")


# --- ME-NET-02 (public endpoint) -----------------------------------------------------------

@register("datastore_public_endpoint")
def datastore_public_endpoint(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """No public endpoint. An Aurora cluster has none of its own: its instances carry the setting, so the
    cluster is left to them, and is unknown only when the files declare no instance of it."""
    value = facts.get("publicly_accessible")
    if value is None and ctx.resource.type in PUBLIC_BY_GATEWAY and not is_live(ctx.resource):
        judged = _cfn_instance_public_by_default(ctx, facts)
        if judged is not None:
            return judged
    if value is None and ctx.resource.type not in CLUSTER_TYPES:
        return unknown("publicly_accessible is not declared", "publicly_accessible")  # the table says why
    if value is None:
        index = _index(ctx)
        members = index.pointing_to(ctx.resource, ("all",), ("facts", "cluster"))
        if is_live(ctx.resource):
            if members:
                return skip()  # each collected instance is judged on its own
            return unknown("publicly_accessible is not declared: Aurora sets it on each instance of the cluster, "
                           "and none was collected", "publicly_accessible")
        return _cluster_by_members(ctx, index, members)
    judged = flag(facts, "publicly_accessible", False, "no public endpoint",
                  "the data store accepts connections on a public endpoint")
    return judged if judged is not None else skip()
