"""Transforms for sizing facts: shapes from the machine catalogue, instance counts, ECS units.

Shape facts (``vcpu``, ``memory``, ``network_gbps``) read the native machine type and look it
up in ``scanner/catalog/machine_shapes.yaml``; a shape the catalogue does not know, or a
figure the provider does not publish, is ``Unresolved`` so checks on it are unknown.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from scanner.catalog.shapes import Shape, lookup
from scanner.coerce import number, whole
from scanner.mappings import MISSING, transform
from scanner.mappings import lookup as path_lookup
from scanner.mappings.transforms import to_bool
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile
from scanner.units import SIZE, Quantity, parse_quantity

_GIB = 1024**3
_ECS_CPU = lazy_compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$", re.I)


def gib(value: float) -> Quantity:
    """A memory/disk size in GiB, spelled the way reports show it."""
    return Quantity(value * _GIB, SIZE, f"{value:g}GiB")


def _shape(value: Any) -> Shape | Unresolved:
    if isinstance(value, Unresolved):
        return value
    shape = lookup(str(value)) if value is not None else None
    if shape is None:
        return Unresolved(str(value), f"{value} is not in the machine shape catalogue (vCPU and memory unknown)")
    return shape


def _figure(value: Any, figure: str, label: str) -> Any:
    shape = _shape(value)
    if isinstance(shape, Unresolved):
        return shape
    number = getattr(shape, figure)
    if number is None:
        return Unresolved(shape.name, f"the provider publishes no {label} for {shape.name}")
    return number


@transform("shape_vcpu")
def shape_vcpu(value: Any, _: Resource) -> Any:
    return _figure(value, "vcpu", "vCPU count")


@transform("shape_memory")
def shape_memory(value: Any, _: Resource) -> Any:
    memory = _figure(value, "memory_gib", "memory size")
    return gib(memory) if isinstance(memory, (int, float)) else memory


@transform("shape_network")
def shape_network(value: Any, _: Resource) -> Any:
    """Sustained bandwidth in Gbit/s; an "up to" burst figure alone is not a sustained one."""
    shape = _shape(value)
    if isinstance(shape, Unresolved):
        return shape
    if shape.network_gbps is None:
        burst = (f" (only a burst figure of up to {shape.network_burst_gbps:g} Gbit/s)"
                 if shape.network_burst_gbps else "")
        return Unresolved(shape.name, f"the provider publishes no sustained bandwidth for {shape.name}{burst}")
    return shape.network_gbps


def _int(value: Any) -> Any:
    return value if isinstance(value, bool) else whole(value)


def _get(resource: Resource, path: str) -> Any:
    """The value at a dotted path, None when absent."""
    value = path_lookup(resource.attributes, tuple(path.split(".")))
    return None if value is MISSING else value


def _first(resource: Resource, *paths: str) -> Any:
    """The first scalar (or Unresolved) value found at ``paths``; None when none is set."""
    for path in paths:
        value = _get(resource, path)
        if isinstance(value, Unresolved) or (value is not None and not isinstance(value, list | dict)):
            return value
    return None


# Per pool type: where the autoscaling minimum lives, where the fixed count lives, the API default.
_POOL_COUNTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], int | None]] = {
    "google_container_node_pool": (("autoscaling.min_node_count", "autoscaling.total_min_node_count"),
                                   ("node_count", "initial_node_count"), 1),
    "Microsoft.ContainerService/managedClusters/agentPools": (("properties.minCount",), ("properties.count",), 1),
    "azurerm_kubernetes_cluster_node_pool": (("min_count",), ("node_count",), 1),
    "aws_eks_node_group": (("scaling_config.min_size",), ("scaling_config.desired_size",), None),
    "AWS::EKS::Nodegroup": (("ScalingConfig.MinSize",), ("ScalingConfig.DesiredSize",), 1),
    "aws_autoscaling_group": (("min_size",), ("desired_capacity",), None),
    "AWS::AutoScaling::AutoScalingGroup": (("MinSize",), ("DesiredCapacity",), None),
}
_ALWAYS_BOUNDED = {"aws_eks_node_group", "AWS::EKS::Nodegroup", "aws_autoscaling_group",
                   "AWS::AutoScaling::AutoScalingGroup"}


@transform("pool_count")
def pool_count(_: Any, resource: Resource) -> Any:
    """Nodes a pool always runs: the autoscaling minimum when it autoscales, else its fixed count."""
    minimum_paths, fixed_paths, default = _POOL_COUNTS.get(resource.type, ((), (), None))
    autoscales = autoscaling_enabled(None, resource)
    if autoscales is True or resource.type in _ALWAYS_BOUNDED:
        value = _first(resource, *minimum_paths)
        if value is not None:
            return _int(value)
    if isinstance(autoscales, Unresolved):
        return autoscales
    value = _first(resource, *fixed_paths)
    if value is None:
        return default if default is not None else Unresolved("count", "no node count is declared")
    return _int(value)


@transform("autoscaling_enabled")
def autoscaling_enabled(_: Any, resource: Resource) -> Any:
    if resource.type == "google_container_node_pool":
        return isinstance(_get(resource, "autoscaling"), dict)
    flags = {"Microsoft.ContainerService/managedClusters/agentPools": ("properties.enableAutoScaling",),
             "azurerm_kubernetes_cluster_node_pool": ("auto_scaling_enabled", "enable_auto_scaling")}.get(resource.type)
    if flags:
        value = to_bool(_first(resource, *flags), resource)
        return value if isinstance(value, Unresolved) else value is True
    bounds = {"aws_eks_node_group": ("scaling_config.min_size", "scaling_config.max_size"),
              "AWS::EKS::Nodegroup": ("ScalingConfig.MinSize", "ScalingConfig.MaxSize"),
              "aws_autoscaling_group": ("min_size", "max_size"),
              "AWS::AutoScaling::AutoScalingGroup": ("MinSize", "MaxSize")}.get(resource.type)
    if bounds:
        low, high = (_int(_first(resource, p)) for p in bounds)
        for value in (low, high):
            if isinstance(value, Unresolved):
                return value
        return isinstance(low, int) and isinstance(high, int) and high > low
    return False


@transform("preemptible_nodes")
def preemptible_nodes(_: Any, resource: Resource) -> Any:
    """Whether a pool runs on preemptible / spot capacity that the provider may take back."""
    if resource.type == "google_container_node_pool":
        for key in ("preemptible", "spot"):
            value = to_bool(_get(resource, f"node_config.{key}"), resource)
            if isinstance(value, Unresolved) or value is True:
                return value
        return False
    priority = _first(resource, "properties.scaleSetPriority", "priority", "capacity_type", "CapacityType")
    if isinstance(priority, Unresolved):
        return priority
    return str(priority or "").lower() in ("spot", "low")


@transform("ecs_cpu")
def ecs_cpu(value: Any, _: Resource) -> Any:
    """ECS task CPU: units (1024 = 1 vCPU) or "N vCPU"."""
    if isinstance(value, Unresolved):
        return value
    match = _ECS_CPU.match(str(value))
    if not match:
        return Unresolved(str(value), "not an ECS CPU value")
    number = float(match.group(1))
    vcpu = number if match.group(2) else number / 1024
    return int(vcpu) if vcpu.is_integer() else vcpu


@transform("ecs_memory")
def ecs_memory(value: Any, _: Resource) -> Any:
    """ECS task memory: MiB as a bare number, or "16 GB" (which ECS reads as GiB)."""
    if isinstance(value, Unresolved):
        return value
    text = str(value).strip()
    if text.isdigit():
        return Quantity(int(text) * 1024**2, SIZE, f"{int(text)}MiB")
    quantity = parse_quantity(text.replace(" ", ""), SIZE)
    return quantity if quantity is not None else Unresolved(text, "not an ECS memory value")


@transform("fargate_ephemeral_storage")
def fargate_ephemeral_storage(_: Any, resource: Resource) -> Any:
    """Fargate tasks get 20 GiB of ephemeral storage unless they ask for more (EC2 tasks use the host)."""
    size = _first(resource, "ephemeral_storage.size_in_gib", "EphemeralStorage.SizeInGiB")
    if size is not None:
        size = number(size, "ephemeral storage")
        return size if isinstance(size, Unresolved) else gib(size)
    compat = _get(resource, "requires_compatibilities") or _get(resource, "RequiresCompatibilities")
    if isinstance(compat, list) and any(str(c).upper() == "FARGATE" for c in compat):
        return gib(20)
    return None


# The SSD storage class a fix suggests, as each provider spells it; a type that spells it its own way is named.
_SSD_BY_PROVIDER = {"aws": "gp3", "gcp": "pd-ssd", "azure": "Premium_LRS"}
_SSD_BY_TYPE = {"google_sql_database_instance": "PD_SSD"}


def ssd_class(resource: Resource, accepted: Collection[str]) -> str | None:
    """The SSD class to write on ``resource``: its type's own spelling, else its provider's when ``accepted``
    (the lower-case classes the policy accepts) holds it; None when there is none to suggest."""
    own = _SSD_BY_TYPE.get(resource.type)
    if own is not None:
        return own
    target = _SSD_BY_PROVIDER.get(resource.provider)
    return target if target and target.lower() in accepted else None


@transform("ecs_strategy")
def ecs_strategy(_: Any, resource: Resource) -> Any:
    """A capacity provider strategy as [{provider, base, weight}], from any ECS spelling."""
    a = resource.attributes
    items: Any = None
    for key in ("default_capacity_provider_strategy", "capacity_provider_strategy", "DefaultCapacityProviderStrategy",
                "CapacityProviderStrategy"):
        if key in a:
            items = a[key]
            break
    if items is None:
        return None
    if isinstance(items, Unresolved):
        return items
    out = []
    for item in items if isinstance(items, list) else [items]:
        if not isinstance(item, dict):
            continue
        provider = item.get("capacity_provider", item.get("CapacityProvider"))
        entry = {"provider": provider,
                 "base": _int(item.get("base", item.get("Base", 0))),
                 "weight": _int(item.get("weight", item.get("Weight", 0))),
                 "line": getattr(item, "line", None)}
        out.append(entry)
    return out


@transform("db_role")
def db_role(_: Any, resource: Resource) -> Any:
    """primary | replica | member (an Aurora instance: any member may become the writer)."""
    a = resource.attributes
    t = resource.type
    aurora = str(a.get("engine", a.get("Engine", ""))).lower().startswith("aurora")
    if t == "aws_db_instance":
        return "replica" if a.get("replicate_source_db") else "member" if aurora else "primary"
    if t == "aws_rds_cluster_instance":
        return "member"
    if t == "AWS::RDS::DBInstance":
        if a.get("SourceDBInstanceIdentifier") or a.get("SourceDBClusterIdentifier"):
            return "replica"
        return "member" if a.get("DBClusterIdentifier") or aurora else "primary"
    if t == "google_sql_database_instance":
        return "replica" if a.get("master_instance_name") else "primary"
    if t == "azurerm_postgresql_flexible_server":
        return "replica" if str(a.get("create_mode", "")).lower() == "replica" else "primary"
    if t == "Microsoft.DBforPostgreSQL/flexibleServers":
        props = a.get("properties") or {}
        mode = str(props.get("createMode", "")).lower() if isinstance(props, dict) else ""
        role = str(props.get("replicationRole", "")).lower() if isinstance(props, dict) else ""
        return "replica" if mode == "replica" or role in ("replica", "asyncreplica", "geoasyncreplica") else "primary"
    return "primary"


@transform("aurora_storage_managed")
def aurora_storage_managed(_: Any, resource: Resource) -> Any:
    engine = _first(resource, "engine", "Engine")
    return isinstance(engine, str) and engine.lower().startswith("aurora")


# "Each ACU is a combination of approximately 2 gigabytes (GB) of memory, corresponding CPU, and networking"
# (Aurora User Guide, Aurora Serverless v1): a memory figure per capacity unit, and none for vCPUs.
_ACU_GIB = 2


def _serverless_v1(resource: Resource) -> bool:
    mode = _first(resource, "engine_mode", "EngineMode")
    return isinstance(mode, str) and mode.lower() == "serverless"


def _max_capacity(resource: Resource) -> Any:
    """An Aurora Serverless v1 cluster's maximum capacity in ACU (Unresolved when the files do not tell)."""
    value = _first(resource, "scaling_configuration.max_capacity", "ScalingConfiguration.MaxCapacity")
    if value is None:
        return Unresolved("scaling_configuration not set", "the maximum capacity (ACU) of the Aurora Serverless v1 "
                          "cluster is not declared")
    return number(value, "a capacity in ACU")


@transform("rds_cluster_vcpu")
def rds_cluster_vcpu(_: Any, resource: Resource) -> Any:
    """The cluster's instance class's vCPUs (a Multi-AZ DB cluster); Aurora sets the class on each instance
    (absent), and an Aurora Serverless v1 cluster has none: its capacity units have no documented vCPU count."""
    if _serverless_v1(resource):
        capacity = _max_capacity(resource)
        if isinstance(capacity, Unresolved):
            return capacity
        return Unresolved(f"{capacity:g} ACU", "Aurora Serverless v1 documents about 2 GiB of memory per capacity "
                          "unit (ACU) but no vCPU count")
    name = _first(resource, "db_cluster_instance_class", "DBClusterInstanceClass")
    return MISSING if name is None else shape_vcpu(name, resource)


@transform("rds_cluster_memory")
def rds_cluster_memory(_: Any, resource: Resource) -> Any:
    """The cluster's instance class's memory; an Aurora Serverless v1 cluster's at its maximum capacity, about
    2 GiB per ACU."""
    if _serverless_v1(resource):
        capacity = _max_capacity(resource)
        if isinstance(capacity, Unresolved):
            return capacity
        size = capacity * _ACU_GIB
        return Quantity(size * _GIB, SIZE, f"{size:g}GiB ({capacity:g} ACU)")
    name = _first(resource, "db_cluster_instance_class", "DBClusterInstanceClass")
    return MISSING if name is None else shape_memory(name, resource)


@transform("rds_cluster_disk_type")
def rds_cluster_disk_type(_: Any, resource: Resource) -> Any:
    if aurora_storage_managed(None, resource):
        return "aurora"  # the Aurora cluster volume: SSD-backed, no type to choose
    value = _first(resource, "storage_type", "StorageType")
    return value.lower() if isinstance(value, str) else value


@transform("azure_pg_storage")
def azure_pg_storage(_: Any, resource: Resource) -> Any:
    """Flexible server storage: properties.storage.storageSizeGB (GiB) or the storageMB (MiB) spelling."""
    size_gb = _first(resource, "properties.storage.storageSizeGB")
    if size_gb is not None:
        size_gb = number(size_gb, "storageSizeGB")
        return size_gb if isinstance(size_gb, Unresolved) else gib(size_gb)
    size_mb = _first(resource, "properties.storageProfile.storageMB", "storage_mb")
    if size_mb is not None:
        size_mb = number(size_mb, "storage in MB")
        return size_mb if isinstance(size_mb, Unresolved) else gib(size_mb / 1024)
    return None


def _cache_size_name(resource: Resource) -> Any:
    a = resource.attributes
    sku = _get(resource, "properties.sku") if resource.format == "arm" else None
    if isinstance(sku, dict):
        family, capacity = sku.get("family"), sku.get("capacity")
    else:
        family, capacity = a.get("family"), a.get("capacity")
    for value in (family, capacity):
        if isinstance(value, Unresolved):
            return value
    if family is None or capacity is None:
        return None
    return f"{str(family).upper()}{capacity}"


@transform("azure_cache_size")
def azure_cache_size(_: Any, resource: Resource) -> Any:
    return _cache_size_name(resource)


@transform("cache_node_count")
def cache_node_count(_: Any, resource: Resource) -> Any:
    """Redis nodes (primaries and replicas) a managed cache runs."""
    a = resource.attributes
    t = resource.type
    if t in ("aws_elasticache_replication_group", "AWS::ElastiCache::ReplicationGroup"):
        clusters = _first(resource, "num_cache_clusters", "number_cache_clusters", "NumCacheClusters")
        if clusters is not None:
            return _int(clusters)
        groups = _int(_first(resource, "num_node_groups", "NumNodeGroups") or 1)
        replicas = _int(_first(resource, "replicas_per_node_group", "ReplicasPerNodeGroup") or 0)
        for value in (groups, replicas):
            if isinstance(value, Unresolved):
                return value
        return groups * (replicas + 1)
    if t in ("aws_elasticache_cluster", "AWS::ElastiCache::CacheCluster"):
        return _int(_first(resource, "num_cache_nodes", "NumCacheNodes") or 1)
    if t == "google_redis_instance":
        if str(a.get("tier", "BASIC")).upper() != "STANDARD_HA":
            return 1
        # null (or omitted) is the service default of one replica; an unresolved count stays unknown.
        replicas = _int(1 if a.get("replica_count") is None else a["replica_count"])
        return replicas if isinstance(replicas, Unresolved) else 1 + replicas
    if t == "google_redis_cluster":
        shards, replicas = _int(a.get("shard_count", 1)), _int(a.get("replica_count", 0))
        for value in (shards, replicas):
            if isinstance(value, Unresolved):
                return value
        return shards * (replicas + 1)
    if t in ("azurerm_redis_cache", "Microsoft.Cache/redis", "Microsoft.Cache/Redis"):
        props = a.get("properties") if resource.format == "arm" else a
        props = props if isinstance(props, dict) else {}
        sku = props.get("sku") if resource.format == "arm" else {"name": a.get("sku_name")}
        tier = str((sku or {}).get("name", "")).lower() if isinstance(sku, dict) else ""
        if tier == "basic":
            return 1
        if tier == "standard":
            return 2
        shards = _int(props.get("shardCount", props.get("shard_count", 1)) or 1)
        replicas = _int(props.get("replicasPerPrimary", props.get("replicas_per_primary", 1)))
        for value in (shards, replicas):
            if isinstance(value, Unresolved):
                return value
        return max(shards, 1) * (1 + replicas)
    return None


@transform("no_vcpu_published")
def no_vcpu_published(_: Any, resource: Resource) -> Any:
    return Unresolved(resource.type, "the provider publishes no vCPU count for this service's sizes")


@transform("tag_map")
def tag_map(value: Any, _: Resource) -> Any:
    """Tags as a dict from any spelling: a map, CloudFormation [{Key, Value}], ASG tag blocks."""
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, dict):
        return dict(value)
    out: dict[str, Any] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                key = item.get("Key", item.get("key"))
                if key is not None:
                    out[str(key)] = item.get("Value", item.get("value"))
    return out


@transform("azure_cache_vcpu")
def azure_cache_vcpu(_: Any, resource: Resource) -> Any:
    name = _cache_size_name(resource)
    return None if name is None else shape_vcpu(name, resource)


@transform("azure_cache_memory")
def azure_cache_memory(_: Any, resource: Resource) -> Any:
    name = _cache_size_name(resource)
    return None if name is None else shape_memory(name, resource)


@transform("gke_workload_identity")
def gke_workload_identity(_: Any, resource: Resource) -> Any:
    """Workload identity is on when the cluster names a workload pool (its value may be a variable)."""
    pool = _get(resource, "workload_identity_config.workload_pool")
    return pool is not None and pool != ""


@transform("network_policy_enforced")
def network_policy_enforced(_: Any, resource: Resource) -> Any:
    """Whether the cluster enforces NetworkPolicy objects (not only has the add-on available)."""
    if resource.type == "google_container_cluster":
        if str(_get(resource, "datapath_provider") or "").upper() == "ADVANCED_DATAPATH":
            return True  # Dataplane V2 enforces network policy itself
        enabled = to_bool(_get(resource, "network_policy.enabled"), resource)
        return enabled if isinstance(enabled, Unresolved) else enabled is True
    policy = _first(resource, "properties.networkProfile.networkPolicy", "network_profile.network_policy")
    if isinstance(policy, Unresolved):
        return policy
    dataplane = _first(resource, "properties.networkProfile.networkDataplane", "network_profile.network_data_plane")
    return (bool(policy) and str(policy).lower() != "none") or str(dataplane or "").lower() == "cilium"


@transform("aks_disk_type")
def aks_disk_type(_: Any, resource: Resource) -> Any:
    """An ephemeral OS disk lives on the VM's local SSD; a managed one's SKU is not declared here."""
    value = _first(resource, "properties.osDiskType", "os_disk_type")
    if isinstance(value, Unresolved):
        return value
    if value is not None and str(value).lower() == "ephemeral":
        return "ephemeral"
    return None


@transform("azure_pg_disk_type")
def azure_pg_disk_type(_: Any, resource: Resource) -> Any:
    """Flexible server storage is Premium SSD (storage_tier only picks the P-size)."""
    return "premium_lrs"


# Where a machine declares its disks: (single disks, lists of disks, the size key inside a list item).
_VM_DISKS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "aws_instance": (("root_block_device.volume_size",), ("ebs_block_device",), "volume_size"),
    "aws_launch_template": ((), ("block_device_mappings",), "ebs.volume_size"),
    "AWS::EC2::Instance": ((), ("BlockDeviceMappings",), "Ebs.VolumeSize"),
    "AWS::EC2::LaunchTemplate": ((), ("LaunchTemplateData.BlockDeviceMappings",), "Ebs.VolumeSize"),
    "Microsoft.Compute/virtualMachines": (("properties.storageProfile.osDisk.diskSizeGB",),
                                          ("properties.storageProfile.dataDisks",), "diskSizeGB"),
    "Microsoft.Compute/virtualMachineScaleSets": (
        ("properties.virtualMachineProfile.storageProfile.osDisk.diskSizeGB",),
        ("properties.virtualMachineProfile.storageProfile.dataDisks",), "diskSizeGB"),
    "azurerm_linux_virtual_machine_scale_set": (("os_disk.disk_size_gb",), ("data_disk",), "disk_size_gb"),
    "azurerm_windows_virtual_machine_scale_set": (("os_disk.disk_size_gb",), ("data_disk",), "disk_size_gb"),
    "google_compute_instance_template": ((), ("disk",), "disk_size_gb"),
    "google_compute_region_instance_template": ((), ("disk",), "disk_size_gb"),
}


# The public SSM parameters of Amazon Linux AMIs name their root volume's type: "...-gp2" (General Purpose SSD)
# and "...-ebs" (magnetic, the EBS volume type "standard"); others (al2023-ami-...) do not say. EC2 takes the
# parameter itself as an image ID written "resolve:ssm:NAME" (CloudFormation: "{{resolve:ssm:NAME}}").
_AMAZON_LINUX_SSM = lazy_compile(r"(?:\{\{)?(?:resolve:ssm:)?/aws/service/ami-amazon-linux-latest/[\w.-]+-(gp2|ebs)"
                                 r"(?::\d+)?(?:\}\})?")


@transform("ec2_root_volume_type")
def ec2_root_volume_type(_: Any, resource: Resource) -> Any:
    """The root volume's type: as the instance sets it, else the one its Amazon Linux AMI's public SSM parameter
    names; absent (the AMI's, not known from the files) otherwise."""
    terraform = resource.format == "terraform"
    declared = _first(resource, "root_block_device.volume_type" if terraform else
                      "BlockDeviceMappings.0.Ebs.VolumeType")
    if declared is not None:
        return declared.lower() if isinstance(declared, str) else declared
    image = resource.attributes.get("ami" if terraform else "ImageId")
    match = _AMAZON_LINUX_SSM.fullmatch(image.strip()) if isinstance(image, str) else None
    if match is None:
        return MISSING
    return "gp2" if match.group(1) == "gp2" else "standard"


@transform("vm_disk_total")
def vm_disk_total(_: Any, resource: Resource) -> Any:
    """The storage a machine declares inline: its root/OS disk plus its data disks (GiB)."""
    singles, lists, key = _VM_DISKS.get(resource.type, ((), (), ""))
    sizes: list[Any] = [_first(resource, path) for path in singles]
    for path in lists:
        items = _get(resource, path)
        items = items if isinstance(items, list) else [items] if isinstance(items, dict) else []
        for item in items:
            value = path_lookup(item, tuple(key.split("."))) if isinstance(item, dict) else MISSING
            sizes.append(None if value is MISSING else value)
    declared = [s for s in sizes if s is not None]
    if not declared:
        return None
    for size in declared:
        if isinstance(size, Unresolved):
            return size
    try:
        return gib(sum(float(s) for s in declared))
    except (TypeError, ValueError):
        return Unresolved(str(declared), "disk sizes that are not numbers")
