"""Cross-resource lookups for check functions: who references whom, built once per scan.

A check runs once per resource, but several need the others (the HPA that scales a
Deployment, the instances of an Aurora cluster); ``index_of`` builds the index for a
scan's resource tuple once and reuses it for every check of that scan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scanner.model import Resource, Unresolved

_SCALABLE = {"Deployment", "StatefulSet", "ReplicaSet"}
_CLUSTER_TYPES = {"aws_rds_cluster", "AWS::RDS::DBCluster"}
_MEMBER_TYPES = {"aws_rds_cluster_instance", "AWS::RDS::DBInstance"}
_STRATEGY_TYPES = {"aws_ecs_cluster_capacity_providers", "AWS::ECS::ClusterCapacityProviderAssociations"}


# Disks a resource of its own attaches to a machine: attachment type -> (machine attribute, disk attribute).
_ATTACHMENTS = {
    "azurerm_virtual_machine_data_disk_attachment": ("virtual_machine_id", "managed_disk_id"),
    "google_compute_attached_disk": ("instance", "disk"),
    "aws_volume_attachment": ("instance_id", "volume_id"),
}
# Disks a machine attaches inline by reference: machine type -> (list attribute, reference key).
_INLINE_ATTACHMENTS = {"google_compute_instance": ("attached_disk", "source")}


def _mentions(expression: str, address: str) -> bool:
    """``address`` referenced in a Terraform expression, whole or indexed (``x.y[count.index].id``)."""
    return re.search(rf"(?<![\w.-]){re.escape(address)}(\[[^\]]*\])?(?=\.|$|[^\w-])", expression) is not None


def refers_to(value: Any, target: Resource) -> bool:
    """Whether an attribute value references ``target`` (Terraform expression, CFN Ref/GetAtt, or its name)."""
    if isinstance(value, Unresolved):
        return _mentions(value.expression.strip("${}"), target.address)
    if isinstance(value, Mapping):
        if "Ref" in value:
            return value["Ref"] == target.address
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt:
            return getatt[0] == target.address
        return False
    name = target.facts.get("name")
    return isinstance(value, str) and isinstance(name, str) and value == name


class ScanIndex:
    """Lookups over one scan's resources."""

    def __init__(self, resources: tuple[Resource, ...]) -> None:
        self.resources = resources
        self._hpa: dict[tuple[str, str, str], Resource] = {}
        self.workloads: dict[tuple[str, str, str], Resource] = {}
        self.by_type: dict[str, list[Resource]] = defaultdict(list)
        self.memo: dict[Any, Any] = {}  # per-scan results check functions compute once
        for resource in resources:
            self.by_type[resource.type].append(resource)
            if resource.format != "kubernetes":
                continue
            namespace = str(resource.facts.get("namespace") or "default")
            if resource.type == "HorizontalPodAutoscaler":
                ref = resource.attributes.get("spec", {}).get("scaleTargetRef") or {}
                if isinstance(ref, Mapping):
                    self._hpa[(namespace, str(ref.get("kind", "")), str(ref.get("name", "")))] = resource
            elif "k8s_workload" in resource.kinds:
                self.workloads[(namespace, resource.type, str(resource.facts.get("name", "")))] = resource

    def hpa_for(self, workload: Resource) -> Resource | None:
        namespace = str(workload.facts.get("namespace") or "default")
        return self._hpa.get((namespace, workload.type, str(workload.facts.get("name", ""))))

    def effective_replicas(self, workload: Resource) -> tuple[Any, str]:
        """Replicas a workload keeps at least: its HPA's minReplicas when one scales it, else spec.replicas."""
        if workload.type not in _SCALABLE:
            return None, ""
        hpa = self.hpa_for(workload)
        if hpa is not None:
            minimum = hpa.facts.get("min_replicas", 1)
            return minimum, f"HorizontalPodAutoscaler {hpa.facts.get('name')} keeps at least {minimum}"
        return workload.facts.get("replicas", 1), ""

    def members_of(self, cluster: Resource) -> list[Resource]:
        """Instances of an RDS/Aurora cluster that are in the scan."""
        if cluster.type not in _CLUSTER_TYPES:
            return []
        return [r for t in _MEMBER_TYPES for r in self.by_type.get(t, ())
                if refers_to(r.attributes.get("cluster_identifier", r.attributes.get("DBClusterIdentifier")),
                             cluster)]

    def attached_disks(self, machine: Resource) -> list[Resource]:
        """Block volumes of the scan attached to ``machine`` by reference: by an attachment resource
        (Azure data disk attachments, GCE attached disks, EBS volume attachments) or inline (GCE
        ``attached_disk``). Disks declared inside the machine itself are its own ``disk_size``."""
        key = ("attached_disks", machine.address, machine.origin.file)
        if key in self.memo:
            return list(self.memo[key])
        volumes = [r for r in self.resources if "block_volume" in r.kinds and r.format == machine.format]
        references: list[Any] = []
        for attachment_type, (to_machine, to_disk) in _ATTACHMENTS.items():
            references += [a.attributes.get(to_disk) for a in self.by_type.get(attachment_type, ())
                           if a.format == machine.format and refers_to(a.attributes.get(to_machine), machine)]
        inline = _INLINE_ATTACHMENTS.get(machine.type)
        if inline is not None:
            items = machine.attributes.get(inline[0])
            references += [i.get(inline[1]) for i in (items if isinstance(items, list) else [items])
                           if isinstance(i, Mapping)]
        found = [v for v in volumes if any(refers_to(ref, v) for ref in references)]
        self.memo[key] = found
        return list(found)

    def strategy_elsewhere(self, cluster: Resource) -> bool:
        """Whether a separate capacity-provider resource sets this ECS cluster's default strategy."""
        return any(refers_to(r.attributes.get("cluster_name", r.attributes.get("Cluster")), cluster)
                   for t in _STRATEGY_TYPES for r in self.by_type.get(t, ()))


_LAST: list[tuple[tuple[Resource, ...], ScanIndex]] = []


def index_of(resources: tuple[Resource, ...]) -> ScanIndex:
    """The index of this scan's resources (built once; the tuple is kept so its identity stays unique)."""
    if _LAST and _LAST[0][0] is resources:
        return _LAST[0][1]
    index = ScanIndex(resources)
    _LAST[:] = [(resources, index)]
    return index
