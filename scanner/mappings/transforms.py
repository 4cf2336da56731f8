"""Functions the mapping tables name, for facts a plain path cannot express."""

from __future__ import annotations

from typing import Any

from scanner.coerce import listed
from scanner.mappings import lookup, transform
from scanner.model import Resource, Unresolved

_POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_DEFAULT_POD_SPEC = ("spec", "template", "spec")


@transform("bool")
def to_bool(value: Any, _: Resource) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "on", "1", "enabled"):
            return True
        if lowered in ("false", "no", "off", "0", "disabled"):
            return False
    return value


@transform("not")
def negate(value: Any, resource: Resource) -> Any:
    value = to_bool(value, resource)
    return (not value) if isinstance(value, bool) else value


@transform("lower")
def lower(value: Any, _: Resource) -> Any:
    return value.lower() if isinstance(value, str) else value


def pod_spec(resource: Resource) -> Any:
    spec = lookup(resource.attributes, _POD_SPEC_PATHS.get(resource.type, _DEFAULT_POD_SPEC))
    return spec if isinstance(spec, dict) else {}


@transform("k8s_containers")
def k8s_containers(_: Any, resource: Resource) -> list[Any] | Unresolved:
    """Every container of a workload's pod template, init containers included (unresolved when a list of
    containers is not a list: the API server would reject the manifest, nothing can be said of them)."""
    spec = pod_spec(resource)
    containers: list[Any] = []
    for key in ("initContainers", "containers"):
        items = listed(spec.get(key), key)
        if isinstance(items, Unresolved):
            return items
        containers.extend(c for c in items if isinstance(c, dict))
    return containers


@transform("k8s_images")
def k8s_images(_: Any, resource: Resource) -> list[Any] | Unresolved:
    containers = k8s_containers(None, resource)
    if isinstance(containers, Unresolved):
        return containers
    return [c.get("image", Unresolved("image", "container has no image")) for c in containers]


@transform("gcp_sql_backup_retention")
def gcp_sql_backup_retention(_: Any, resource: Resource) -> Any:
    """Cloud SQL keeps ``retained_backups`` daily backups (7 by default), none when backups are off."""
    backup = lookup(resource.attributes, ("settings", "backup_configuration"))
    if not isinstance(backup, dict):
        return "0d"
    enabled = to_bool(backup.get("enabled", False), resource)
    if isinstance(enabled, Unresolved):
        return enabled
    if enabled is not True:
        return "0d"
    settings = lookup(backup, ("backup_retention_settings",))
    retained = settings.get("retained_backups", 7) if isinstance(settings, dict) else 7
    if isinstance(retained, Unresolved):
        return retained
    unit = str(settings.get("retention_unit", "COUNT")) if isinstance(settings, dict) else "COUNT"
    if unit.upper() != "COUNT":
        return Unresolved(f"retention_unit = {unit}", "only COUNT retention is understood")
    return f"{retained}d"


@transform("azure_pg_public")
def azure_pg_public(_: Any, resource: Resource) -> Any:
    """A flexible server is private when VNet-integrated; otherwise public unless access is disabled."""
    if resource.format == "terraform":
        if resource.attributes.get("delegated_subnet_id"):
            return False
        return to_bool(resource.attributes.get("public_network_access_enabled", True), resource)
    network = lookup(resource.attributes, ("properties", "network"))
    if isinstance(network, dict):
        if network.get("delegatedSubnetResourceId"):
            return False
        access = network.get("publicNetworkAccess")
        if access is not None:
            return to_bool(access, resource)
    return True
