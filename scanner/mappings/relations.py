"""Which native types relate to which, and through which native attribute: the tables behind the
policy layer's cross-resource questions (the instances of a cluster, the disks of a machine, the
autoscaler of a group, what a route leads to).

``scanner.policy.resource_index`` asks these questions by resource (``members_of(cluster)``) and reads the
native types here, so a new format's cluster or attachment type is one row in this module, not a
branch in the policy layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.model import Origin, Resource


@dataclass(frozen=True, slots=True)
class Attached:
    """Resources of ``types`` that belong to another by naming it in ``attribute`` (the first of them a
    resource sets: Terraform's spelling, then CloudFormation's)."""

    types: tuple[str, ...]
    attribute: tuple[str, str]


# Database clusters and the instances that are their members.
CLUSTER_TYPES = frozenset({"aws_rds_cluster", "AWS::RDS::DBCluster"})
CLUSTER_MEMBERS = Attached(("aws_rds_cluster_instance", "AWS::RDS::DBInstance"),
                           ("cluster_identifier", "DBClusterIdentifier"))
# ElastiCache RBAC: the users a user group lists (group type -> its attribute naming them), and the users an
# association resource adds to a group (the association names the group; its user in the second attribute).
USER_GROUP_USERS = {"aws_elasticache_user_group": "user_ids", "AWS::ElastiCache::UserGroup": "UserIds"}
USER_GROUP_ASSOCIATIONS = Attached(("aws_elasticache_user_group_association",), ("user_group_id", "UserGroupId"))
ASSOCIATED_USER = "user_id"
# Read replicas: the attribute naming the database a replica copies (type -> attribute), and the facts a replica
# that does not declare them takes from that source (RDS creates a replica with its source's engine and version).
REPLICA_SOURCES = {"aws_db_instance": "replicate_source_db", "AWS::RDS::DBInstance": "SourceDBInstanceIdentifier"}
FROM_REPLICA_SOURCE = ("engine", "engine_family", "engine_version", "engine_major_version")
# Aurora global databases: the clusters that are members of a global cluster name it (the first of these
# attributes a cluster sets); a CloudFormation global cluster may instead be made from a source cluster it names.
GLOBAL_CLUSTER_TYPES = frozenset({"aws_rds_global_cluster", "AWS::RDS::GlobalCluster"})
GLOBAL_CLUSTER_MEMBERS = Attached(("aws_rds_cluster", "AWS::RDS::DBCluster"),
                                  ("global_cluster_identifier", "GlobalClusterIdentifier"))
GLOBAL_CLUSTER_SOURCE = ("source_db_cluster_identifier", "SourceDBClusterIdentifier")
# Container clusters whose default capacity provider strategy a resource of its own sets.
CAPACITY_STRATEGIES = Attached(("aws_ecs_cluster_capacity_providers", "AWS::ECS::ClusterCapacityProviderAssociations"),
                               ("cluster_name", "Cluster"))


@dataclass(frozen=True, slots=True)
class Autoscaler:
    """The autoscaler resource that sizes a group: its types, the attribute naming the group, the path to the
    minimum it keeps, and (when one autoscaler type scales several dimensions) the dimension key and value."""

    types: tuple[str, ...]
    names_group: str
    minimum: tuple[str, ...]
    dimension: tuple[str, str] | tuple[()] = ()


_GCE_AUTOSCALERS = ("google_compute_autoscaler", "google_compute_region_autoscaler")
# group type -> its autoscaler
AUTOSCALED: dict[str, Autoscaler] = {
    "google_compute_instance_group_manager": Autoscaler(_GCE_AUTOSCALERS, "target",
                                                        ("autoscaling_policy", "min_replicas")),
    "google_compute_region_instance_group_manager": Autoscaler(_GCE_AUTOSCALERS, "target",
                                                               ("autoscaling_policy", "min_replicas")),
    "aws_ecs_service": Autoscaler(("aws_appautoscaling_target",), "resource_id", ("min_capacity",),
                                  ("scalable_dimension", "ecs:service:DesiredCount")),
    "AWS::ECS::Service": Autoscaler(("AWS::ApplicationAutoScaling::ScalableTarget",), "ResourceId", ("MinCapacity",),
                                    ("ScalableDimension", "ecs:service:DesiredCount")),
}

# Disks a resource of its own attaches to a machine: attachment type -> (machine attribute, disk attribute).
ATTACHMENTS = {
    "azurerm_virtual_machine_data_disk_attachment": ("virtual_machine_id", "managed_disk_id"),
    "google_compute_attached_disk": ("instance", "disk"),
    "aws_volume_attachment": ("instance_id", "volume_id"),
}
# Disks a machine attaches inline by reference: machine type -> (list attribute, reference key).
INLINE_ATTACHMENTS = {"google_compute_instance": ("attached_disk", "source")}

# What a route whose target is a resource of this type leads to (other targets lead to "other").
ROUTE_TARGETS = {
    "aws_internet_gateway": "internet_gateway", "AWS::EC2::InternetGateway": "internet_gateway",
    "aws_nat_gateway": "nat_gateway", "AWS::EC2::NatGateway": "nat_gateway",
}

# Types a ``..._name`` argument names by their ``name`` (a string, not a reference), by the fact that holds it.
NAMED_BY_VALUE = {
    "subnet_group": ("aws_db_subnet_group", "aws_elasticache_subnet_group"),
    "parameter_group": ("aws_db_parameter_group", "aws_rds_cluster_parameter_group",
                        "aws_elasticache_parameter_group"),
}

# Where a database cluster says its engine mode (``serverless``: Aurora Serverless v1, no instances).
ENGINE_MODE = {"aws_rds_cluster": "engine_mode", "AWS::RDS::DBCluster": "EngineMode"}

# Database instances a template leaves public by default exactly when their DB subnet group's VPC has an internet
# gateway attached (CloudFormation's PubliclyAccessible; Terraform's default is private).
PUBLIC_BY_GATEWAY = frozenset({"AWS::RDS::DBInstance"})

VIRTUAL_NETWORK = "Microsoft.Network/virtualNetworks"
SUBNET_CHILD = "Microsoft.Network/virtualNetworks/subnets"

# Networks whose NAT is a resource of a router that names the network: network type -> what to declare.
NAT_ON_ROUTER = {"google_compute_network": "a google_compute_router_nat",
                 "compute.googleapis.com/Network": "a Cloud NAT on a Cloud Router of the network"}
# Networks whose NAT is a gateway each subnet names.
NAT_ON_SUBNETS = frozenset({"azurerm_virtual_network", VIRTUAL_NETWORK})
# URL maps: a load balancer whose CDN is switched on in the backend services it routes to (Cloud CDN).
URL_MAPS = frozenset({"google_compute_url_map", "google_compute_region_url_map", "compute.googleapis.com/UrlMap"})
# Security groups, and their inbound rules written as resources of their own.
SECURITY_GROUPS = frozenset({"aws_security_group", "AWS::EC2::SecurityGroup"})
SECURITY_GROUP_RULES = frozenset({"aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                                  "AWS::EC2::SecurityGroupIngress"})
# Kubernetes clusters whose pods take their addresses from a secondary range of the subnet (GKE); AKS with Azure
# CNI gives pods addresses of the VNet itself.
POD_RANGE_CLUSTERS = frozenset({"google_container_cluster"})


def frontend_public_ips(gateway: Resource) -> list[Any]:
    """The references an application gateway's frontend IP configurations make to public IP addresses, as
    written (Terraform's ``frontend_ip_configuration.public_ip_address_id``, ARM's
    ``properties.frontendIPConfigurations[].properties.publicIPAddress.id``)."""
    if gateway.format == "terraform":
        configs = gateway.attributes.get("frontend_ip_configuration") or []
        return [c.get("public_ip_address_id") for c in (configs if isinstance(configs, list) else [])
                if isinstance(c, dict)]
    props = gateway.attributes.get("properties") or {}
    configs = props.get("frontendIPConfigurations") or [] if isinstance(props, dict) else []
    return [ip.get("id") for c in (configs if isinstance(configs, list) else [])
            if isinstance(c, dict) and isinstance(c.get("properties"), dict)
            and isinstance(ip := c["properties"].get("publicIPAddress"), dict)]


def inline_children(resource: Resource) -> list[Resource]:
    """Resources declared inside another that references name on their own: an ARM virtual network's
    ``properties.subnets``, so ``resourceId(...subnets...)`` resolves (normalized, as the scan's own)."""
    if resource.type != VIRTUAL_NETWORK:
        return []
    from scanner.mappings import normalize

    properties = resource.attributes.get("properties")
    items = properties.get("subnets") if isinstance(properties, dict) else None
    items = items if isinstance(items, list) else []
    vnet = resource.address[len(resource.type) + 1:]
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            line = getattr(item, "line", None) or resource.origin.line
            out.append(normalize(Resource(
                resource.provider, SUBNET_CHILD, f"{SUBNET_CHILD}/{vnet}/{item['name']}",
                Origin(resource.origin.file, line, getattr(item, "end_line", None)), item, format="arm",
                source=resource.source)))
    return out
