"""Machine shapes: vCPU, memory and network of a named instance class, from ``machine_shapes.yaml``.

Named rows cover EC2, RDS, ElastiCache, Azure VM sizes and Azure Cache sizes; Compute Engine
predefined types, custom types and Cloud SQL tiers are computed by rule from the name. A name
that is in no table and matches no rule is unknown: ``lookup`` returns None, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from scanner.regex import lazy_compile
from scanner.tables import read_table

CATALOGUE = Path(__file__).with_name("machine_shapes.yaml")
_GCP_PREDEFINED = lazy_compile(r"^(?:db-)?(?P<series>[a-z][a-z0-9]*)-(?P<cls>standard|highmem|highcpu)-(?P<cpu>\d+)$")
_GCP_CUSTOM = lazy_compile(r"^(?:(?P<series>[a-z][a-z0-9]*)-)?custom-(?P<cpu>\d+)-(?P<mem>\d+)(?P<ext>-ext)?$")
_CLOUDSQL_CUSTOM = lazy_compile(r"^db-custom-(?P<cpu>\d+)-(?P<mem>\d+)$")
_AZURE_TIER_PREFIX = lazy_compile(r"^(?:GP|MO|B)_(?=Standard_)")
_AWS_FAMILY = lazy_compile(r"^((?:db\.|cache\.)?[a-z][a-z0-9-]*)\.")


@dataclass(frozen=True)
class Shape:
    """One instance class as its provider publishes it; None where nothing is published."""

    name: str
    vcpu: float | None
    memory_gib: float | None
    network_gbps: float | None  # sustained (AWS baseline, Azure expected, GCP egress cap)
    network_burst_gbps: float | None
    family: str  # shapes a fix may choose between (same series / class family)
    source: str


@cache
def _catalogue() -> dict[str, Any]:
    return dict(read_table(CATALOGUE, "machine-shapes"))  # 15 ms to parse, on every run that sizes a shape


def _row(name: str, row: list[Any], family: str, source: str) -> Shape:
    vcpu, memory, sustained, burst = (list(row) + [None] * 4)[:4]
    return Shape(name, vcpu, memory, sustained, burst, family, source)


@cache
def _named() -> dict[str, Shape]:
    """Every explicitly listed shape, keyed by name (case-sensitive as providers spell them)."""
    data = _catalogue()
    found: dict[str, Shape] = {}
    for table in ("aws_ec2", "aws_rds", "aws_elasticache", "gcp_memorystore", "azure_redis"):
        section = data[table]
        for name, row in section["shapes"].items():
            match = _AWS_FAMILY.match(name)
            family = match.group(1) if match else f"{table}:{name[0]}" if table == "azure_redis" else table
            found[name] = _row(name, row, family, section["source"])
    azure = data["azure_vm"]
    for series, rows in azure["series"].items():
        for name, row in rows.items():
            found[name] = _row(name, row, f"azure:{series}", azure["source"])
    gcp = data["gcp_compute"]
    for name, row in gcp["shared_core"].items():
        cpu, memory, egress = row
        found[name] = Shape(name, cpu, memory, egress, None, "gcp:shared", gcp["source"])
    return found


def _gcp_egress(series: str, vcpu: float) -> float | None:
    spec = _catalogue()["gcp_compute"]["series"].get(series)
    if spec is None:
        return None
    return float(min(2 * vcpu, spec["egress_cap_gbps"]))


def _gcp(name: str) -> Shape | None:
    source = _catalogue()["gcp_compute"]["source"]
    series_table = _catalogue()["gcp_compute"]["series"]
    match = _CLOUDSQL_CUSTOM.match(name)
    if match:
        cpu, mem_mib = int(match["cpu"]), int(match["mem"])
        return Shape(name, cpu, mem_mib / 1024, None, None, "gcp:cloudsql-custom", source)
    match = _GCP_CUSTOM.match(name)
    if match:
        series = match["series"] or "n1"  # "custom-4-16384" is an N1 custom type
        if series not in series_table:
            return None
        cpu, mem_mib = int(match["cpu"]), int(match["mem"])
        return Shape(name, cpu, mem_mib / 1024, _gcp_egress(series, cpu), None, f"gcp:{series}-custom", source)
    match = _GCP_PREDEFINED.match(name)
    if match:
        series = series_table.get(match["series"])
        cls = (series or {}).get("classes", {}).get(match["cls"])
        cpu = int(match["cpu"])
        if cls is None or cpu not in cls[1]:
            return None
        egress = None if name.startswith("db-") else _gcp_egress(match["series"], cpu)
        family = f"gcp:{'db-' if name.startswith('db-') else ''}{match['series']}"
        return Shape(name, cpu, cpu * float(cls[0]), egress, None, family, source)
    return None


def lookup(name: str) -> Shape | None:
    """The shape called ``name`` (EC2/RDS/ElastiCache class, GCE type, Cloud SQL tier, Azure size)."""
    if not isinstance(name, str) or not name:
        return None
    named = _named()
    if name in named:
        return named[name]
    stripped = _AZURE_TIER_PREFIX.sub("", name)
    if stripped in named:
        return named[stripped]
    folded = _folded().get(stripped.lower())  # Azure sizes are case-insensitive in templates
    if folded is not None and folded.family.startswith("azure:"):
        return folded
    return _gcp(name)


@cache
def _folded() -> dict[str, Shape]:
    return {name.lower(): shape for name, shape in _named().items()}


def _gcp_family_members(family: str) -> Iterator[Shape]:
    series = family.split(":", 1)[1]
    prefix = ""
    if series.startswith("db-"):
        prefix, series = "db-", series[3:]
    spec = _catalogue()["gcp_compute"]["series"].get(series)
    if spec is None:
        return
    for cls, (_, cpus) in spec["classes"].items():
        for cpu in cpus:
            shape = _gcp(f"{prefix}{series}-{cls}-{cpu}")
            if shape is not None:
                yield shape


@lru_cache(maxsize=1024)  # asked once per undersized resource, mostly of a few shapes and minimums
def suggest(name: str, min_vcpu: float | None, min_memory_gib: float | None) -> str | None:
    """The smallest shape of ``name``'s family that meets both minimums (None when none does)."""
    shape = lookup(name)
    if shape is None:
        return None
    if shape.family == "gcp:cloudsql-custom":
        cpu = max(int(shape.vcpu or 1), int(min_vcpu or 1))
        mem_mib = max(int((shape.memory_gib or 0) * 1024), int((min_memory_gib or 0) * 1024))
        mem_mib = -(-mem_mib // 256) * 256  # Cloud SQL memory comes in 256 MiB steps
        return f"db-custom-{cpu}-{mem_mib}"
    if shape.family.startswith("gcp:") and shape.family not in ("gcp:shared",) and "custom" not in shape.family:
        members = list(_gcp_family_members(shape.family))
    else:
        members = [s for s in _named().values() if s.family == shape.family]
    fitting = [s for s in members
               if s.vcpu is not None and s.memory_gib is not None
               and (min_vcpu is None or s.vcpu >= min_vcpu)
               and (min_memory_gib is None or s.memory_gib >= min_memory_gib)]
    if not fitting:
        return None
    best = min(fitting, key=lambda s: (s.vcpu or 0, s.memory_gib or 0, s.name)).name
    prefix = _AZURE_TIER_PREFIX.match(name)  # keep Terraform's flexible-server tier prefix (GP_...)
    return f"{prefix.group(0)}{best}" if prefix else best
