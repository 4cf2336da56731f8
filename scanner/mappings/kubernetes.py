"""Transforms for Kubernetes facts the manifests spell in more than one way (HPA versions, policy types)."""

from __future__ import annotations

from typing import Any

from scanner.coerce import shown
from scanner.mappings import lookup, transform
from scanner.model import Resource, Unresolved


def _metric_target(resource: Resource, name: str) -> Any:
    """averageUtilization of the Resource metric ``name`` (autoscaling/v2 and v2beta2), else None."""
    metrics = lookup(resource.attributes, ("spec", "metrics"))
    if not isinstance(metrics, list):
        return None
    for metric in metrics:
        if not isinstance(metric, dict) or metric.get("type") != "Resource":
            continue
        res = metric.get("resource")
        if not isinstance(res, dict):
            return Unresolved(f"metrics[].resource = {shown(res)}", "a Resource metric without a resource")
        if res.get("name") != name:
            continue
        target = res.get("target") or {}
        if isinstance(target, dict) and "averageUtilization" in target:
            return target["averageUtilization"]
        if "targetAverageUtilization" in res:  # autoscaling/v2beta1
            return res["targetAverageUtilization"]
    return None


@transform("hpa_cpu_utilization")
def hpa_cpu_utilization(_: Any, resource: Resource) -> Any:
    value = _metric_target(resource, "cpu")
    if value is None:
        spec = resource.attributes.get("spec") or {}
        value = spec.get("targetCPUUtilizationPercentage") if isinstance(spec, dict) else None
    return value


@transform("hpa_memory_utilization")
def hpa_memory_utilization(_: Any, resource: Resource) -> Any:
    return _metric_target(resource, "memory")


@transform("netpol_types")
def netpol_types(_: Any, resource: Resource) -> Any:
    """policyTypes as the API server defaults them: Ingress always, Egress when egress rules exist."""
    spec = resource.attributes.get("spec") or {}
    declared = spec.get("policyTypes") if isinstance(spec, dict) else None
    if isinstance(declared, list):
        return [str(t) for t in declared]
    types = ["Ingress"]
    if isinstance(spec, dict) and spec.get("egress"):
        types.append("Egress")
    return types
