"""How a live AWS resource is named, and how the IaC names the same thing.

Per CloudFormation type: the live attributes that identify it (id, name, ARN: what a stack's
PhysicalResourceId or a Terraform state ``id`` holds), the one the AWS CLI takes, the property
(CloudFormation) or argument (Terraform) that sets its name, and the Terraform types it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.model import Resource


@dataclass(frozen=True)
class Identity:
    live_keys: tuple[str, ...]
    cli_key: str
    cloudformation: tuple[str, ...] = ()
    terraform: tuple[str, ...] = ()
    terraform_types: tuple[str, ...] = ()


IDENTITIES: Mapping[str, Identity] = {
    "AWS::EC2::VPC": Identity(("VpcId",), "VpcId", terraform_types=("aws_vpc",)),
    "AWS::EC2::Subnet": Identity(("SubnetId", "SubnetArn"), "SubnetId", terraform_types=("aws_subnet",)),
    "AWS::EC2::RouteTable": Identity(("RouteTableId",), "RouteTableId", terraform_types=("aws_route_table",)),
    "AWS::EC2::NatGateway": Identity(("NatGatewayId",), "NatGatewayId", terraform_types=("aws_nat_gateway",)),
    "AWS::EC2::InternetGateway": Identity(("InternetGatewayId",), "InternetGatewayId",
                                          terraform_types=("aws_internet_gateway",)),
    "AWS::EC2::SecurityGroup": Identity(("GroupId", "SecurityGroupArn"), "GroupId", ("GroupName",), ("name",),
                                        ("aws_security_group",)),
    "AWS::EC2::Instance": Identity(("InstanceId",), "InstanceId", terraform_types=("aws_instance",)),
    # DNSName too: a CDN names its load balancer origin by it.
    "AWS::ElasticLoadBalancingV2::LoadBalancer": Identity(("LoadBalancerArn", "LoadBalancerName", "DNSName"),
                                                          "LoadBalancerArn",
                                                          ("Name",), ("name",), ("aws_lb", "aws_alb")),
    "AWS::ElasticLoadBalancingV2::Listener": Identity(("ListenerArn",), "ListenerArn",
                                                      terraform_types=("aws_lb_listener", "aws_alb_listener")),
    "AWS::ECS::Cluster": Identity(("clusterArn", "clusterName"), "clusterName", ("ClusterName",), ("name",),
                                  ("aws_ecs_cluster",)),
    "AWS::ECS::Service": Identity(("serviceArn", "serviceName"), "serviceName", ("ServiceName",), ("name",),
                                  ("aws_ecs_service",)),
    "AWS::ECS::TaskDefinition": Identity(("taskDefinitionArn",), "taskDefinitionArn",
                                         terraform_types=("aws_ecs_task_definition",)),
    "AWS::RDS::DBCluster": Identity(("DBClusterIdentifier", "DBClusterArn", "DbClusterResourceId"),
                                    "DBClusterIdentifier", ("DBClusterIdentifier",), ("cluster_identifier",),
                                    ("aws_rds_cluster",)),
    "AWS::RDS::DBInstance": Identity(("DBInstanceIdentifier", "DBInstanceArn", "DbiResourceId"),
                                     "DBInstanceIdentifier", ("DBInstanceIdentifier",), ("identifier",),
                                     ("aws_db_instance", "aws_rds_cluster_instance")),
    "AWS::ElastiCache::ReplicationGroup": Identity(("ReplicationGroupId", "ARN"), "ReplicationGroupId",
                                                   ("ReplicationGroupId",), ("replication_group_id",),
                                                   ("aws_elasticache_replication_group",)),
    "AWS::S3::Bucket": Identity(("Name",), "Name", ("BucketName",), ("bucket",), ("aws_s3_bucket",)),
    "AWS::CloudFront::Distribution": Identity(("Id", "ARN"), "Id",
                                              terraform_types=("aws_cloudfront_distribution",)),
}
STACK_TYPE = "AWS::CloudFormation::Stack"
LOGICAL_ID_TAG = "aws:cloudformation:logical-id"
STACK_NAME_TAG = "aws:cloudformation:stack-name"
TERRAFORM_TO_LIVE: Mapping[str, str] = {tf: live for live, ident in IDENTITIES.items()
                                        for tf in ident.terraform_types}


def live_type(declared: Resource) -> str | None:
    """The live (CloudFormation) type name of a declared resource, or None when it is not collected."""
    if declared.type in IDENTITIES:
        return declared.type
    return TERRAFORM_TO_LIVE.get(declared.type)


def identifiers(resource: Resource) -> set[str]:
    """Every name the live resource answers to (case-folded: RDS and S3 names are lower case anyway)."""
    ident = IDENTITIES.get(resource.type)
    keys: Iterable[str] = ident.live_keys if ident else ()
    found = {str(resource.attributes.get(k)).casefold() for k in keys if resource.attributes.get(k)}
    return found | {resource.address.casefold()}


def cli_id(resource: Resource) -> str:
    ident = IDENTITIES.get(resource.type)
    value = resource.attributes.get(ident.cli_key) if ident else None
    return str(value) if value else resource.address


def declared_name(declared: Resource) -> str | None:
    """The name the IaC gives the resource (DBClusterIdentifier, bucket, ...), when written literally."""
    ident = IDENTITIES.get(live_type(declared) or "")
    if ident is None:
        return None
    keys = ident.terraform if declared.format == "terraform" else ident.cloudformation
    for key in keys:
        value = declared.attributes.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def tags(resource: Resource) -> dict[str, Any]:
    """Tags of a live resource or a CloudFormation/Terraform declaration, ``aws:`` tags included."""
    raw = resource.attributes.get("Tags", resource.attributes.get("TagList", resource.attributes.get("tags")))
    if isinstance(raw, Mapping):
        return dict(raw)
    out: dict[str, Any] = {}
    for tag in raw if isinstance(raw, list) else []:
        if isinstance(tag, Mapping):
            key = tag.get("Key", tag.get("key"))
            if key is not None:
                out[str(key)] = tag.get("Value", tag.get("value"))
    return out


def aws_default(resource: Resource, default_vpcs: set[str]) -> bool:
    """Resources AWS makes by itself (default VPC and its parts, default groups, main route tables):
    nobody declares them, so they are never reported unmanaged."""
    attrs = resource.attributes
    if resource.type == STACK_TYPE:
        return True
    if attrs.get("IsDefault") is True or attrs.get("DefaultForAz") is True:
        return True
    if resource.type == "AWS::EC2::SecurityGroup" and attrs.get("GroupName") == "default":
        return True
    if resource.type == "AWS::EC2::RouteTable":
        return any(a.get("Main") for a in attrs.get("Associations") or [] if isinstance(a, Mapping)) \
            or attrs.get("VpcId") in default_vpcs
    if attrs.get("VpcId") in default_vpcs:
        return True
    return resource.type == "AWS::EC2::InternetGateway" and any(
        a.get("VpcId") in default_vpcs for a in attrs.get("Attachments") or [] if isinstance(a, Mapping))
