"""Network topology from declared resources: is a subnet public or private, which zones does it
sit in, which listeners does a load balancer have. Built on the mapping facts and the reference
resolver, so the checks in ``functions/`` stay short and read the same way on every cloud.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from scanner.loaders.addressing import Ref, refs_in, zones_written
from scanner.mappings.relations import ROUTE_TARGETS
from scanner.model import Resource, Unresolved
from scanner.policy.resource_index import ResourceIndex, undeclared

__all__ = ["DEFAULT_ROUTES", "Exposure", "Listener", "in_subnet_group", "is_same_file", "line_in",
           "route_table_of", "route_target", "routes_of", "subnet_exposure", "subnet_zones"]

DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


@dataclass
class Exposure:
    """Whether a subnet is reachable from the internet, and the evidence."""

    state: str  # "public" | "private" | "unknown"
    reason: str
    route_table: Resource | None = None
    default_route: dict[str, Any] | None = None
    egress: str = ""  # for private subnets: "nat_gateway", "none" or "other"


@dataclass
class Listener:
    name: str
    protocol: str
    certificate: bool
    redirects_to_https: bool | None
    line: int | None = None
    resource: Resource | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def is_same_file(a: Resource, b: Resource) -> bool:
    return bool(a.origin.file) and a.origin.file == b.origin.file


def line_in(origin: Resource, other: Resource, line: int | None = None) -> int | None:
    """A line of ``other`` usable in a finding on ``origin`` (only when both are in the same file)."""
    if is_same_file(origin, other):
        return line or other.origin.line
    return None


# --- subnets and routes --------------------------------------------------------------------

def routes_of(index: ResourceIndex, table: Resource) -> list[dict[str, Any]]:
    routes = [dict(r) for r in table.facts.get("routes") or [] if isinstance(r, dict)]
    for route in index.pointing_to(table, ("kind", "route"), ("facts", "route_table")):
        item = route.facts.get("route")
        if isinstance(item, dict):
            routes.append({**item, "line": line_in(table, route, item.get("line")), "resource": route})
    return routes


def route_target(index: ResourceIndex, route: dict[str, Any], origin: Resource) -> str:
    """``internet_gateway`` / ``nat_gateway`` / ``other`` / ``unknown`` (target not declared)."""
    kind = str(route.get("target_kind", "unknown"))
    if kind != "unknown":
        return kind
    for ref, found in index.targets(route.get("target"), route.get("resource") or origin):
        if found is not None:
            return ROUTE_TARGETS.get(found.type, "other")
        if ref.target:
            return "unknown"
    return "unknown"


def route_table_of(index: ResourceIndex, subnet: Resource) -> tuple[Resource | None, str]:
    """The route table a subnet uses: the one it names itself (live state reports the effective table),
    else its explicit association, else the VPC's declared main table."""
    named = subnet.facts.get("route_table")
    if isinstance(named, Unresolved):
        return None, f"its route table cannot be read: {named.expression}: {named.reason}"
    for ref, table in index.targets(named, subnet):
        if table is not None:
            return table, f"route table {table.address}"
        return None, undeclared(ref)
    for assoc in index.pointing_to(subnet, ("kind", "route_table_association"), ("facts", "subnet")):
        targets = index.targets(assoc.facts.get("route_table"), assoc)
        for ref, table in targets:
            if table is not None:
                return table, f"route table {table.address}"
            return None, undeclared(ref)
        return None, f"{assoc.address} names no route table the files declare"
    for _, vpc in index.targets(subnet.facts.get("vpc"), subnet):
        if vpc is None:
            continue
        for table in index.pointing_to(vpc, ("kind", "main_route_table"), ("facts", "vpc")):
            return table, f"main route table {table.address} of {vpc.address}"
        for assoc in index.pointing_to(vpc, ("kind", "main_route_table_association"), ("facts", "vpc")):
            for _, table in index.targets(assoc.facts.get("route_table"), assoc):
                if table is not None:
                    return table, f"main route table {table.address} of {vpc.address}"
    return None, f"no route table is associated with {subnet.address} in the scanned files"


def subnet_exposure(index: ResourceIndex, subnet: Resource) -> Exposure:
    """Public when the subnet's route table sends the default route to an internet gateway; private
    otherwise. Without a route table in the files, its role decides: a subnet an internet-facing load
    balancer or a NAT gateway sits in is public. Anything else is unknown, with the reason."""
    table, why = route_table_of(index, subnet)
    if table is not None:
        defaults = [r for r in routes_of(index, table) if str(r.get("destination")) in DEFAULT_ROUTES]
        kinds = [(route_target(index, r, table), r) for r in defaults]
        for kind, route in kinds:
            if kind == "internet_gateway":
                return Exposure("public", f"{why} routes {route['destination']} to an internet gateway", table, route)
        for kind, route in kinds:
            if kind == "unknown":
                return Exposure("unknown", f"{why} routes {route['destination']} to "
                                f"{_shown(route.get('target'))}, which the files do not declare", table, route)
        egress = next((k for k, _ in kinds if k == "nat_gateway"), "other" if kinds else "none")
        chosen = next((r for k, r in kinds if k == egress), None)
        return Exposure("private", f"{why} has no route to an internet gateway", table, chosen, egress)
    for lb in index.pointing_to(subnet, ("kind", "load_balancer"), ("facts", "subnets")):
        if lb.facts.get("internet_facing") is True:
            return Exposure("public", f"the internet-facing load balancer {lb.address} is placed in it")
    for nat in index.pointing_to(subnet, ("kind", "nat_gateway"), ("facts", "subnet")):
        if nat.facts.get("connectivity") != "private":
            return Exposure("public", f"the NAT gateway {nat.address} is placed in it")
    return Exposure("unknown", why)


def _shown(value: Any) -> str:
    refs = refs_in(value)
    return str(refs[0]) if refs else str(value)


def in_subnet_group(index: ResourceIndex, subnet: Resource) -> Resource | None:
    """The DB / cache subnet group that lists the subnet, or a cache that names it itself (ElastiCache Serverless
    takes its subnets directly, not through a subnet group); None when no data store holds it."""
    for pool in (("kind", "subnet_group"), ("kind", "cache")):
        for group in index.pointing_to(subnet, pool, ("facts", "subnets")):
            return group
    return None


# --- availability zones --------------------------------------------------------------------

def subnet_zones(subnet: Resource, ref: Ref | None = None) -> list[str] | Unresolved:
    """The zone(s) of a subnet (of the instances a reference selects): ``us-east-1a`` as written, or
    ``az#N`` for the N-th zone of the region (``!Select [N, !GetAZs '']``, ``...names[N]``)."""
    value = subnet.facts.get("availability_zone")
    if value is None:
        return Unresolved(subnet.address, f"{subnet.address} declares no availability zone (AWS picks one)")
    return zones_written(value, subnet, ref)



# --- address ranges ------------------------------------------------------------------------

def cidr_within(inner: str, outer: str) -> bool | None:
    try:
        a, b = ipaddress.ip_network(str(inner), strict=False), ipaddress.ip_network(str(outer), strict=False)
    except ValueError:
        return None
    return a.version == b.version and a.subnet_of(b)  # type: ignore[arg-type]


def is_world(source: str) -> bool:
    text = str(source).strip().lower()
    if text in ("*", "internet", "any", "0.0.0.0/0", "::/0", "0.0.0.0"):
        return True
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return net.prefixlen == 0


_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                     "100.64.0.0/10", "fc00::/7"))


def is_private_range(source: str) -> bool | None:
    """Inside the RFC 1918 / shared / unique-local ranges (None when not an address range)."""
    try:
        net = ipaddress.ip_network(str(source).strip(), strict=False)
    except ValueError:
        return None
    return any(net.version == p.version and net.subnet_of(p) for p in _PRIVATE)  # type: ignore[arg-type]


# --- listeners -----------------------------------------------------------------------------

def listeners_of(index: ResourceIndex, lb: Resource) -> list[Listener]:
    """A load balancer's listeners: inline (Application Gateway, Ingress) or the listener / target
    proxy resources that reference it (AWS listeners, GCP target proxies)."""
    inline = lb.facts.get("listeners")
    if isinstance(inline, list):
        return [Listener(str(item.get("name")), str(item.get("protocol", "")).upper(), bool(item.get("certificate")),
                         item.get("redirects_to_https"), item.get("line"), lb) for item in inline
                if isinstance(item, dict)]
    found = []
    for listener in index.pointing_to(lb, ("kind", "lb_listener"), ("facts_or", "load_balancer", "url_map")):
        protocol = str(listener.facts.get("protocol", "")).upper()
        redirects = listener.facts.get("redirects_to_https")
        if "url_map" in listener.facts and protocol == "HTTP":
            redirects = lb.facts.get("https_redirect") is True
        found.append(Listener(listener.address, protocol, listener.facts.get("certificate") not in (None, [], ""),
                              redirects, line_in(lb, listener), listener))
    return found
