"""Transforms of the live GCP table (``gcp_live.yaml``): the REST APIs' shapes -> the facts the Terraform tables
give the ``google_*`` types.

Where the Terraform side computes a fact from several attributes (a Cloud SQL instance's retention, PITR,
maintenance window, TLS; a firewall rule's ingress rules), the answer is read through a **Terraform view**:
the API's camelCase keys as the provider's snake_case arguments, under the Terraform type's name, handed to
the very transform the IaC table names, so one function decides both sides and they cannot disagree.
The rest are the few facts the API spells differently from the provider (a GKE add-on on when its config is
present, a node pool's autoscaling bounds only when it autoscales).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scanner.lines import LineDict
from scanner.mappings import MISSING, transform
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile

_CAMEL = lazy_compile(r"(?<=[a-z0-9])([A-Z])")
# Maps whose keys are the user's (labels, flags by name), never renamed.
_USER_MAPS = frozenset({"userLabels", "labels", "resourceLabels", "redisConfigs"})


def snake(name: str) -> str:
    """``pointInTimeRecoveryEnabled`` -> ``point_in_time_recovery_enabled``."""
    return _CAMEL.sub(r"_\1", name).lower()


def _snaked(value: Any) -> Any:
    if isinstance(value, dict):
        return {snake(str(k)): (v if k in _USER_MAPS else _snaked(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_snaked(v) for v in value]
    return value


def terraform_view(resource: Resource, terraform_type: str, **renamed: str) -> Resource:
    """The live resource as its Terraform declaration would hold it (snake_case keys; ``renamed``: API key ->
    provider argument where the two differ beyond case)."""
    attrs = _snaked(dict(resource.attributes))
    for api_key, argument in renamed.items():
        if api_key in attrs:
            attrs[argument] = attrs.pop(api_key)
    return replace(resource, type=terraform_type, format="terraform", attributes=attrs)


def _sql(resource: Resource) -> Resource:
    return terraform_view(resource, "google_sql_database_instance")


@transform("gcp_live_sql_backup_retention")
def gcp_live_sql_backup_retention(_: Any, resource: Resource) -> Any:
    from scanner.mappings.transforms import gcp_sql_backup_retention

    return gcp_sql_backup_retention(None, _sql(resource))


@transform("gcp_live_sql_pitr")
def gcp_live_sql_pitr(_: Any, resource: Resource) -> Any:
    from scanner.mappings.database import gcp_pitr

    return gcp_pitr(None, _sql(resource))


@transform("gcp_live_sql_geo_backup")
def gcp_live_sql_geo_backup(_: Any, resource: Resource) -> Any:
    from scanner.mappings.database import gcp_backup_geo_redundant

    return gcp_backup_geo_redundant(None, _sql(resource))


@transform("gcp_live_sql_maintenance")
def gcp_live_sql_maintenance(_: Any, resource: Resource) -> Any:
    from scanner.mappings.database import gcp_maintenance

    return gcp_maintenance(None, _sql(resource))


@transform("gcp_live_sql_tls_required")
def gcp_live_sql_tls_required(_: Any, resource: Resource) -> Any:
    from scanner.mappings.tls import cloudsql_tls_required

    return cloudsql_tls_required(None, _sql(resource))


@transform("gcp_live_sql_db_role")
def gcp_live_sql_db_role(_: Any, resource: Resource) -> Any:
    from scanner.mappings.compute import db_role

    return db_role(None, _sql(resource))


@transform("gcp_live_pg_settings")
def gcp_live_pg_settings(_: Any, resource: Resource) -> Any:
    """``settings.databaseFlags`` of a PostgreSQL instance as its settings (names lower-cased, as the IaC's)."""
    version = resource.attributes.get("databaseVersion")
    if isinstance(version, str) and "postgres" not in version.lower():
        return MISSING
    flags = (resource.attributes.get("settings") or {}).get("databaseFlags")
    if isinstance(flags, Unresolved):
        return flags
    out = LineDict.at(0)
    for flag in flags if isinstance(flags, list) else []:
        if isinstance(flag, dict) and isinstance(flag.get("name"), str):
            out.put(flag["name"].lower(), flag.get("value"), 0)
    return out


@transform("gcp_live_sql_update_track")
def gcp_live_sql_update_track(value: Any, _: Resource) -> Any:
    """The API's SQL_UPDATE_TRACK_UNSPECIFIED is Terraform's absent update_track: Cloud SQL picks."""
    if value is None or str(value).upper() == "SQL_UPDATE_TRACK_UNSPECIFIED":
        return "system-assigned"
    return value


@transform("gcp_live_firewall_ingress")
def gcp_live_firewall_ingress(_: Any, resource: Resource) -> Any:
    from scanner.mappings.network import gcp_firewall_ingress

    view = terraform_view(resource, "google_compute_firewall")
    attrs = {k: v for k, v in view.attributes.items() if k != "allowed"}
    attrs["allow"] = [{"protocol": a.get("IPProtocol", "all"), "ports": a.get("ports") or []}
                      for a in resource.attributes.get("allowed") or [] if isinstance(a, dict)]
    return gcp_firewall_ingress(None, replace(view, attributes=attrs))


@transform("gcp_live_secondary_ranges")
def gcp_live_secondary_ranges(value: Any, _: Resource) -> Any:
    """``secondaryIpRanges`` as the provider's ``secondary_ip_range`` blocks (range_name, ip_cidr_range)."""
    if isinstance(value, Unresolved):
        return value
    return [{"range_name": r.get("rangeName"), "ip_cidr_range": r.get("ipCidrRange")}
            for r in value or [] if isinstance(r, dict)]


# -- GKE ------------------------------------------------------------------------------------------------
@transform("gke_live_network_policy_addon")
def gke_live_network_policy_addon(_: Any, resource: Resource) -> Any:
    """The NetworkPolicy add-on is on when its config is present and not disabled (the API leaves ``false`` out)."""
    config = (resource.attributes.get("addonsConfig") or {}).get("networkPolicyConfig")
    return isinstance(config, dict) and config.get("disabled") is not True


@transform("gke_live_network_policy_enforced")
def gke_live_network_policy_enforced(_: Any, resource: Resource) -> Any:
    """Calico enforcing (``networkPolicy.enabled``) or Dataplane V2 (``ADVANCED_DATAPATH``), which enforces itself."""
    attrs = resource.attributes
    if str((attrs.get("networkConfig") or {}).get("datapathProvider") or "").upper() == "ADVANCED_DATAPATH":
        return True
    return (attrs.get("networkPolicy") or {}).get("enabled") is True


@transform("gke_live_default_pool_removed")
def gke_live_default_pool_removed(value: Any, _: Resource) -> Any:
    """Terraform's ``remove_default_node_pool``: the cluster no longer has GKE's ``default-pool``."""
    return "default-pool" not in (value or [])


def _autoscaling(resource: Resource) -> dict[str, Any] | None:
    scaling = resource.attributes.get("autoscaling")
    return scaling if isinstance(scaling, dict) and scaling.get("enabled") is True else None


@transform("gke_live_autoscaling_min")
def gke_live_autoscaling_min(_: Any, resource: Resource) -> Any:
    """The autoscaler's lower bound (per zone, else the total), only when the pool autoscales (as in the IaC)."""
    scaling = _autoscaling(resource)
    if scaling is None:
        return MISSING
    return int(scaling.get("minNodeCount", scaling.get("totalMinNodeCount", 0)) or 0)


@transform("gke_live_autoscaling_max")
def gke_live_autoscaling_max(_: Any, resource: Resource) -> Any:
    scaling = _autoscaling(resource)
    if scaling is None:
        return MISSING
    return int(scaling.get("maxNodeCount", scaling.get("totalMaxNodeCount", 0)) or 0)


@transform("gke_live_pool_count")
def gke_live_pool_count(_: Any, resource: Resource) -> Any:
    """Nodes a pool always runs: the autoscaling minimum when it autoscales, else the count it was created with."""
    scaling = _autoscaling(resource)
    if scaling is not None:
        return gke_live_autoscaling_min(None, resource)
    count = resource.attributes.get("initialNodeCount")
    return int(count) if isinstance(count, (int, str)) and str(count).isdigit() else Unresolved(
        "initialNodeCount", "the node pool reports no node count")


@transform("gke_live_preemptible")
def gke_live_preemptible(value: Any, _: Resource) -> Any:
    """Preemptible or Spot VMs: capacity GCP may take back."""
    config = value if isinstance(value, dict) else {}
    return config.get("preemptible") is True or config.get("spot") is True


# -- Compute Engine: references, machine types, load balancing --------------------------------------------------
@transform("gcp_relative")
def gcp_relative(value: Any, _: Resource) -> Any:
    """A selfLink (or a list of them) as the relative name a Terraform ID holds: ``projects/p/global/urlMaps/m``."""
    if isinstance(value, list):
        return [gcp_relative(v, _) for v in value]
    if isinstance(value, str):
        at = value.find("/projects/")
        return value[at + 1:] if at >= 0 else value
    return value


def _machine_detail(resource: Resource, key: str) -> Any:
    """A figure of the machine type the API described (``machineTypes.get``), None when it was not asked."""
    detail = resource.attributes.get("machineTypeDetail")
    if isinstance(detail, Unresolved):
        return detail
    return detail.get(key) if isinstance(detail, dict) else None


@transform("gcp_live_machine_vcpu")
def gcp_live_machine_vcpu(_: Any, resource: Resource) -> Any:
    """vCPUs as the IaC computes them (the shape catalogue), else the API's ``guestCpus`` for a type the catalogue
    does not know."""
    from scanner.mappings.compute import shape_vcpu

    name = resource.attributes.get("machineTypeName")
    found = shape_vcpu(name, resource)
    cpus = _machine_detail(resource, "guestCpus")
    return cpus if isinstance(found, Unresolved) and cpus is not None else found


@transform("gcp_live_machine_memory")
def gcp_live_machine_memory(_: Any, resource: Resource) -> Any:
    from scanner.mappings.compute import gib, shape_memory

    found = shape_memory(resource.attributes.get("machineTypeName"), resource)
    mib = _machine_detail(resource, "memoryMb")
    if isinstance(found, Unresolved) and mib is not None:
        return mib if isinstance(mib, Unresolved) else gib(int(mib) / 1024)
    return found


@transform("gcp_live_proxy_tls")
def gcp_live_proxy_tls(_: Any, resource: Resource) -> Any:
    from scanner.mappings.tls import gcp_proxy_default_tls

    return gcp_proxy_default_tls(None, terraform_view(resource, "google_compute_target_https_proxy"))


@transform("gcp_live_forwarding_ports")
def gcp_live_forwarding_ports(_: Any, resource: Resource) -> Any:
    from scanner.mappings.network import gcp_forwarding_ports

    return gcp_forwarding_ports(None, terraform_view(resource, "google_compute_forwarding_rule"))


# -- Memorystore for Redis: the IaC's computations over a Terraform view ------------------------------------------
def _redis(resource: Resource) -> Resource:
    return terraform_view(resource, "google_redis_instance")


@transform("gcp_live_redis_nodes")
def gcp_live_redis_nodes(_: Any, resource: Resource) -> Any:
    from scanner.mappings.compute import cache_node_count

    return cache_node_count(None, _redis(resource))


@transform("gcp_live_redis_failover")
def gcp_live_redis_failover(_: Any, resource: Resource) -> Any:
    from scanner.mappings.redis import memorystore_failover

    return memorystore_failover(None, _redis(resource))


@transform("gcp_live_redis_replicas")
def gcp_live_redis_replicas(_: Any, resource: Resource) -> Any:
    from scanner.mappings.redis import memorystore_replicas

    return memorystore_replicas(None, _redis(resource))


@transform("gcp_live_redis_save")
def gcp_live_redis_save(_: Any, resource: Resource) -> Any:
    from scanner.mappings.redis import memorystore_save_points

    return memorystore_save_points(None, _redis(resource))


@transform("gcp_live_redis_appendonly")
def gcp_live_redis_appendonly(_: Any, resource: Resource) -> Any:
    from scanner.mappings.redis import memorystore_appendonly

    return memorystore_appendonly(None, _redis(resource))
