"""Network checks that need more than one resource: subnets' route tables, load balancers' listeners
and zones, firewalls' exposure, CDNs in front of load balancers, cluster IP ranges.

Every function reads mapping facts (so it works the same on each cloud) and follows references
with ``scanner.policy.resource_index``; a reference the scanned files do not declare makes the check
unknown, naming it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scanner.coerce import listed
from scanner.coerce import number as coerced_number
from scanner.loaders.addressing import addressing_of, refs_in
from scanner.mappings import fact_spec
from scanner.mappings.relations import (
    NAT_ON_ROUTER,
    NAT_ON_SUBNETS,
    POD_RANGE_CLUSTERS,
    SECURITY_GROUP_RULES,
    SECURITY_GROUPS,
    URL_MAPS,
    frontend_public_ips,
)
from scanner.model import Resource, Status, Unresolved
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register
from scanner.policy.resource_index import ResourceIndex, index_for, is_live, undeclared
from scanner.policy.topology import (
    cidr_within,
    in_subnet_group,
    is_private_range,
    is_world,
    line_in,
    listeners_of,
    subnet_exposure,
    subnet_zones,
)
from scanner.regex import lazy_compile

_SPECIAL_AZURE_SUBNETS = ("gatewaysubnet", "azurefirewallsubnet", "azurebastionsubnet", "azurefirewallmanagementsubnet",
                          "routeserversubnet")


def arg(ctx: EvalContext, args: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """A function argument, with ``{param: x}`` resolved against the policy's parameters."""
    return resolve_value(args.get(name, default), ctx.params)


def complies(message: str, fact: str | None = None, observed: Any = None, expected: Any = None,
             line: int | None = None) -> Outcome:
    return Outcome(Status.COMPLIES, fact, observed, expected, message, line=line)


def violates(message: str, fact: str | None = None, observed: Any = None, expected: Any = None,
             target: Any = None, line: int | None = None) -> Outcome:
    return Outcome(Status.VIOLATES, fact, observed, expected, message, target, line=line)


def unknown(message: str, fact: str | None = None, observed: Any = None, expected: Any = None,
            line: int | None = None) -> Outcome:
    return Outcome(Status.UNKNOWN, fact, observed, expected, message, line=line)


def skip() -> Outcome:
    return Outcome(SKIP)


def flag(facts: Mapping[str, Any], fact: str, wanted: bool, said_yes: str, said_no: str) -> Outcome | None:
    """A boolean fact judged against ``wanted``; None when the resource does not have the fact."""
    value = facts.get(fact)
    if value is None:
        return None
    if isinstance(value, Unresolved):
        return unknown(f"{fact} = {value.expression}: {value.reason}", fact, value.expression, wanted)
    if value is wanted:
        return complies(said_yes, fact, value, wanted)
    return violates(said_no, fact, value, wanted, target=wanted)


def _index(ctx: EvalContext) -> ResourceIndex:
    return index_for(ctx.resources)


# --- ME-NET-01 -----------------------------------------------------------------------------

@register("network_address_space")
def network_address_space(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The network's address space is the guide's CIDR; a GCP network (which has none of its own)
    complies when every subnetwork's primary range lies inside it."""
    cidr = str(arg(ctx, args, "cidr"))
    space = facts.get("address_space")
    if isinstance(space, Unresolved):
        return unknown(f"address space = {space.expression}: {space.reason}", "address_space", space.expression, cidr)
    if isinstance(space, list):
        shown = [str(s) for s in space]
        if any(isinstance(s, Unresolved) for s in space):
            return unknown(f"address space {shown} is not fully known", "address_space", shown, cidr)
        if cidr in shown:
            return complies(f"address space {', '.join(shown)}", "address_space", shown, cidr)
        spec = fact_spec(ctx.resource, "address_space")
        scalar = spec is not None and spec.transform == "as_list"  # AWS: one cidr_block, not a list
        return violates(f"address space is {', '.join(shown)}; the guide requires {cidr}", "address_space", shown,
                        cidr, target=cidr if scalar else [cidr])
    index = _index(ctx)
    subnets = index.pointing_to(ctx.resource, ("kind", "subnet"), ("facts", "network"))
    if not subnets:
        return unknown(f"{ctx.resource.address} has no address space of its own and no subnetwork in the scanned "
                       "files", "address_space", None, cidr)
    within = {id(s): None if isinstance(value, Unresolved) else cidr_within(str(value), cidr)
              for s in subnets for value in [s.facts.get("cidr")]}
    outside = [s for s in subnets if within[id(s)] is False]
    ranges = [str(s.facts.get("cidr")) for s in subnets]
    if outside:
        first = outside[0]
        return violates(f"subnetwork {first.address} uses {first.facts.get('cidr')}, outside {cidr}", "address_space",
                        ranges, f"within {cidr}", line=line_in(ctx.resource, first))
    undecided = [s for s in subnets if within[id(s)] is None]
    if undecided:  # a range the files leave to a variable (or not a range at all): inside or not is not known
        first = undecided[0]
        value = first.facts.get("cidr")
        said = f"{value.expression}: {value.reason}" if isinstance(value, Unresolved) else f"{value!r}, not a range"
        return unknown(f"subnetwork {first.address} uses {said}", "address_space", ranges, f"within {cidr}",
                       line=line_in(ctx.resource, first))
    return complies(f"subnetworks {', '.join(ranges)} lie within {cidr}", "address_space", ranges, f"within {cidr}")


# --- ME-NET-03 / ME-NET-04 -----------------------------------------------------------------

@register("private_subnet_public_ips")
def private_subnet_public_ips(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """A subnet that hands out public IPs must be a public subnet."""
    mapped = facts.get("map_public_ip")
    if mapped is None:
        return skip()
    if isinstance(mapped, Unresolved):
        return unknown(f"map_public_ip = {mapped.expression}: {mapped.reason}", "map_public_ip", mapped.expression)
    if mapped is False:
        return complies("instances get no public IP", "map_public_ip", False, False)
    exposure = subnet_exposure(_index(ctx), ctx.resource)
    if exposure.state == "public":
        return complies(f"public subnet ({exposure.reason}): public IPs are expected", "map_public_ip", True)
    if exposure.state == "private":
        return violates(f"private subnet ({exposure.reason}) hands out public IPs", "map_public_ip", True, False,
                        target=False)
    return unknown(f"the subnet hands out public IPs and whether it is private cannot be told: {exposure.reason}",
                   "map_public_ip", True, "false on private subnets")


@register("nat_egress")
def nat_egress(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Private subnets reach the internet through a NAT gateway (AWS route, GCP Cloud NAT on the
    network's router, Azure NAT gateway on the VNet's subnets)."""
    resource, index = ctx.resource, _index(ctx)
    if "map_public_ip" in facts:  # an AWS subnet: its route table decides
        exposure = subnet_exposure(index, resource)
        if exposure.state == "public":
            return skip()
        if exposure.state == "unknown":
            return unknown(f"the outbound route cannot be checked: {exposure.reason}", "route_table")
        table = exposure.route_table
        line = line_in(resource, table, exposure.default_route.get("line") if exposure.default_route else None) \
            if table else None
        if exposure.egress == "nat_gateway":
            return complies(f"{exposure.reason}; the default route goes through a NAT gateway", "route_table",
                            "nat_gateway", line=line)
        group = in_subnet_group(index, resource)
        if group is not None and exposure.egress == "none":
            return complies(f"isolated data subnet (member of {group.address}): no outbound route needed",
                            "route_table", "none")
        where = table.address if table else "its route table"
        observed = "no default route" if exposure.egress == "none" else "default route not via a NAT gateway"
        return violates(f"private subnet without NAT egress: {where} has {observed}", "route_table", observed,
                        "0.0.0.0/0 via a NAT gateway", line=line)
    if resource.type in NAT_ON_ROUTER:
        routers = index.pointing_to(resource, ("kind", "router"), ("facts", "network"))
        pool = ("kind", "nat_gateway")
        nats = sorted({id(n): n for r in routers for n in index.pointing_to(r, pool, ("facts", "router"))}.values(),
                      key=lambda n: index.position(pool, n))
        if nats:
            return complies(f"Cloud NAT {nats[0].address} on router {routers[0].address}", "nat", nats[0].address,
                            line=line_in(resource, nats[0]))
        return violates(f"no Cloud NAT on a router of {resource.address}: private instances have no outbound access",
                        "nat", None, NAT_ON_ROUTER[resource.type])
    if resource.type in NAT_ON_SUBNETS:
        return _azure_nat(index, resource)
    return skip()


def _azure_nat(index: ResourceIndex, vnet: Resource) -> Outcome:
    pool = ("kind", "subnet")
    named = _subnets_by_network_name(index)
    found = {id(s): s for s in index.pointing_to(vnet, pool, ("facts", "network"))}
    found.update((id(s), s) for s in named.get(("inline", vnet.address[len(vnet.type) + 1:]), ()))
    found.update((id(s), s) for s in named.get(("child", vnet.address.rsplit("/", 1)[-1]), ()))
    subnets = sorted((s for s in found.values() if s.format == vnet.format), key=lambda s: index.position(pool, s))
    needing = []
    for subnet in subnets:
        name = subnet.address.rsplit("/", 1)[-1].rsplit(".", 1)[-1].lower()
        if name in _SPECIAL_AZURE_SUBNETS or subnet.facts.get("delegations"):
            continue
        attached = subnet.facts.get("nat_gateway") is not None or bool(
            index.pointing_to(subnet, ("kind", "nat_association"), ("facts", "subnet")))
        needing.append((subnet, attached))
    if not needing:
        return unknown(f"no subnet of {vnet.address} is declared in the scanned files", "nat")
    missing = [s for s, attached in needing if not attached]
    if missing:
        first = missing[0]
        return violates(f"subnet {first.address.rsplit('/', 1)[-1]} has no NAT gateway: its outbound traffic uses "
                        "default outbound access", "nat", None, "a NAT gateway on every workload subnet",
                        line=line_in(vnet, first))
    return complies(f"every workload subnet of {vnet.address} has a NAT gateway", "nat")


def _subnets_by_network_name(index: ResourceIndex) -> dict[tuple[str, str], list[Resource]]:
    """Subnets by the virtual network name their address carries, built once per scan: declared inside
    it (``<type>/<vnet>/<subnet>``: every prefix before a slash) or a child named under it (ARM's
    ``.../<vnet>/<subnet>``)."""
    named = index.memo.get("subnets_by_network_name")
    if named is None:
        named = defaultdict(list)
        for subnet in index.pool(("kind", "subnet")):
            keys: set[tuple[str, str]] = set()
            if subnet.address.startswith(f"{subnet.type}/"):
                rest = subnet.address[len(subnet.type) + 1:]
                keys.update(("inline", rest[:i]) for i, c in enumerate(rest) if c == "/")
            parent = addressing_of(subnet).parent_name(subnet)
            if parent is not None:
                keys.add(("child", parent))
            for key in keys:
                named[key].append(subnet)
        index.memo["subnets_by_network_name"] = named = dict(named)
    return named


# --- ME-NET-05 / ME-TLS-01 -----------------------------------------------------------------

@register("lb_terminates_tls")
def lb_terminates_tls(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The load balancer has an HTTPS listener with a certificate, and plain HTTP only redirects."""
    resource = ctx.resource
    if facts.get("https_redirect") is True:
        return skip()  # a GCP URL map that only redirects to HTTPS is the HTTP half of a load balancer
    inline = facts.get("listeners")
    if isinstance(inline, Unresolved):  # live state whose listeners could not be read
        return unknown(f"listeners = {inline.expression}: {inline.reason}", "listeners", inline.expression,
                       "an HTTPS listener with a certificate")
    listeners = listeners_of(_index(ctx), resource)
    https = [x for x in listeners if x.protocol in ("HTTPS", "TLS") and x.certificate]
    if not https:
        seen = ", ".join(f"{x.name} ({x.protocol})" for x in listeners) or "none"
        return violates(f"no HTTPS listener with a certificate is declared (listeners: {seen})", "listeners", seen,
                        "an HTTPS listener with a certificate")
    for listener in listeners:
        if listener.protocol == "HTTP" and listener.redirects_to_https is not True:
            return violates(f"listener {listener.name} serves plain HTTP instead of redirecting to HTTPS",
                            "listeners", "HTTP forward", "HTTP redirects to HTTPS", line=listener.line)
    return complies(f"TLS terminates on {', '.join(x.name for x in https)}"
                    + ("; HTTP redirects to HTTPS" if any(x.protocol == "HTTP" for x in listeners) else ""),
                    "listeners", [x.name for x in https], line=https[0].line)


@register("serves_tls_only")
def serves_tls_only(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """A public endpoint answers only over TLS: every listener is HTTPS with a certificate or an HTTP
    redirect; an Ingress covers each host with a tls entry and secret, issued by cert-manager."""
    resource = ctx.resource
    if resource.type == "Ingress":
        return _ingress_tls(ctx, facts, args)
    if "load_balancer" not in facts and "url_map" not in facts:
        return skip()
    protocol = str(facts.get("protocol", "")).upper()
    if protocol == "HTTP" and "url_map" in facts:
        return _gcp_http_proxy(ctx, facts)
    if protocol in ("HTTPS", "TLS"):
        if facts.get("certificate") in (None, [], ""):
            return violates(f"{protocol} listener without a certificate", "certificate", None, "a certificate")
        return complies(f"{protocol} with a certificate", "protocol", protocol)
    if protocol == "HTTP":
        if facts.get("redirects_to_https") is True:
            return complies("plain HTTP only redirects to HTTPS", "redirects_to_https", True)
        return violates("HTTP listener forwards requests instead of redirecting to HTTPS", "redirects_to_https",
                        False, "redirect to HTTPS")
    return skip()


def _gcp_http_proxy(ctx: EvalContext, facts: Mapping[str, Any]) -> Outcome:
    """A GCP target HTTP proxy answers plain HTTP with whatever its URL map does: only a map whose
    default_url_redirect sets https_redirect sends clients to HTTPS."""
    resolved = _index(ctx).targets(facts.get("url_map"), ctx.resource)
    if not resolved:
        return unknown("the proxy names no URL map", "url_map")
    ref, url_map = resolved[0]
    if url_map is None:
        return unknown(undeclared(ref), "redirects_to_https")
    redirect = url_map.facts.get("https_redirect")
    if isinstance(redirect, Unresolved):
        return unknown(f"https_redirect of {url_map.address} = {redirect.expression}: {redirect.reason}",
                       "redirects_to_https", redirect.expression, True)
    if redirect is True:
        return complies(f"plain HTTP only redirects to HTTPS ({url_map.address})", "redirects_to_https", True)
    return violates(f"HTTP proxy serves {url_map.address}, which does not redirect to HTTPS", "redirects_to_https",
                    False, "redirect to HTTPS", line=ctx.resource.fact_lines.get("url_map"))


def _ingress_tls(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    spec = ctx.resource.attributes.get("spec") or {}
    tls = spec.get("tls") if isinstance(spec, dict) else None
    entries = [t for t in tls if isinstance(t, dict)] if isinstance(tls, list) else []
    if not entries:
        return violates("the Ingress declares no tls section: it serves plain HTTP", "tls_hosts", [],
                        "tls with hosts and a secret")
    for entry in entries:
        if not entry.get("secretName"):
            return violates("a tls entry names no secretName", "tls_secrets", None, "a certificate secret",
                            line=getattr(entry, "line", None))
        if not entry.get("hosts"):
            return violates("a tls entry lists no hosts", "tls_hosts", None, "hosts", line=getattr(entry, "line", None))
    covered = [str(h) for h in facts.get("tls_hosts") or []]
    for host in facts.get("ingress_hosts") or []:
        if not any(_host_matches(str(host), pattern) for pattern in covered):
            return violates(f"host {host} is served without TLS (not in any tls entry)", "tls_hosts", covered,
                            f"tls hosts covering {host}")
    if facts.get("ssl_redirect") is False:
        return violates("ssl-redirect is switched off: plain HTTP is served", "ssl_redirect", False, True)
    if arg(ctx, args, "require_issuer", True) and not facts.get("cert_issuer"):
        return violates("no cert-manager issuer annotation: nothing issues or renews the certificate", "cert_issuer",
                        None, "cert-manager.io/cluster-issuer")
    return complies(f"TLS for {', '.join(covered)} from {', '.join(map(str, facts.get('tls_secrets') or []))} "
                    f"({facts.get('cert_issuer')})", "tls_hosts", covered)


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and host.count(".") == pattern.count(".")
    return host == pattern


# --- ME-NET-06 -----------------------------------------------------------------------------

@register("lb_zone_spread")
def lb_zone_spread(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The load balancer spans at least ``min_zones`` availability zones (AWS: its subnets' zones;
    Azure Application Gateway: its ``zones``)."""
    minimum = int(arg(ctx, args, "min_zones", 2))
    resource, index = ctx.resource, _index(ctx)
    expected = f">= {minimum} zones"
    if "zones" in facts:
        if isinstance(facts["zones"], Mapping) and set(facts["zones"]) == {"Fn::GetAZs"} and minimum <= 2:
            return complies("every Availability Zone of the region (!GetAZs), and every AWS region has at least two",
                            "zones", "!GetAZs", expected)
        zones = listed(facts["zones"], "zones")
        if isinstance(zones, Unresolved):
            return unknown(f"zones = {zones.expression}: {zones.reason}", "zones", zones.expression, expected)
        if len(zones) >= minimum:
            return complies(f"zones {', '.join(map(str, zones))}", "zones", list(zones), expected)
        said = f"zone(s) {', '.join(map(str, zones))}" if zones else "no zones (not zone-redundant)"
        return violates(f"the gateway is deployed in {said}; the guide requires {minimum} zones", "zones",
                        list(zones), expected, target=[str(i) for i in range(1, max(minimum, 3) + 1)])
    subnets = facts.get("subnets")
    if subnets is None:
        return skip()
    zones_seen: dict[str, str] = {}
    missing: list[str] = []
    for ref, subnet in index.targets(subnets, resource):
        if subnet is None:
            missing.append(undeclared(ref))
            continue
        zones = subnet_zones(subnet, ref)
        if isinstance(zones, Unresolved):
            missing.append(zones.reason)
            continue
        for zone in zones:
            zones_seen.setdefault(zone, subnet.address)
    # In files a bare string is an ID nothing declares; live, strings are the references followed above.
    literal = [] if is_live(resource) else [s for s in (subnets if isinstance(subnets, list) else [subnets])
                                            if isinstance(s, str) or (isinstance(s, Unresolved) and not refs_in(s))]
    missing.extend(f"{s} is not declared in the scanned files" for s in literal)
    shown = [f"{subnet} ({_zone_label(zone)})" for zone, subnet in zones_seen.items()]
    if len(zones_seen) >= minimum:
        return complies(f"subnets in {len(zones_seen)} zones: {', '.join(shown)}", "subnets", shown, expected)
    if missing:
        distinct = _distinct_subnets(subnets, index, resource)
        if len(distinct) >= minimum:
            # CreateLoadBalancer / SetSubnets accept at most one subnet per Availability Zone
            return complies(f"{len(distinct)} subnets, so {len(distinct)} zones (the ELB API takes at most one subnet "
                            f"per Availability Zone)", "subnets", distinct, expected)
        return unknown(f"declared subnets span {len(zones_seen)} zone(s) ({', '.join(shown) or 'none'}); "
                       + "; ".join(missing), "subnets", shown, expected)
    return violates(f"subnets span {len(zones_seen)} zone(s) ({', '.join(shown) or 'none'}); the guide requires "
                    f"{minimum}", "subnets", shown, expected)


def _distinct_subnets(subnets: Any, index: ResourceIndex, resource: Resource) -> list[str]:
    """The distinct subnets a load balancer lists, one per item (a value that stands for the whole list, such as
    a list variable, counts none: how many it holds is not known; nor does a list naming a resource the files do
    not declare, which may not be a subnet at all)."""
    if not isinstance(subnets, list):
        return []
    seen: dict[str, None] = {}
    for item in subnets:
        if isinstance(item, list) or any(found is None for _, found in index.targets(item, resource)):
            return []  # a list-valued expression inside, or a reference to nothing the files declare
        key = item.expression if isinstance(item, Unresolved) else repr(item) if isinstance(item, dict) else str(item)
        seen.setdefault(key, None)
    return list(seen)


def _zone_label(zone: str) -> str:
    """``az#0`` (the N-th zone of the region, from !Select / names[N]) -> ``zone #1 of the region``."""
    return f"zone #{int(zone[3:]) + 1} of the region" if zone.startswith("az#") else zone


# --- ME-NET-07 -----------------------------------------------------------------------------

@register("cdn_in_front")
def cdn_in_front(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """A CDN serves the public load balancer: a CloudFront distribution or Front Door origin that
    names it (or its public IP), or Cloud CDN on the URL map's backend services."""
    resource, index = ctx.resource, _index(ctx)
    if facts.get("https_redirect") is True or resource.type == "Ingress":
        return skip()
    if resource.type in URL_MAPS:
        return _cloud_cdn(index, resource, facts)
    targets = [resource, *(found for _, found in index.targets(frontend_public_ips(resource), resource)
                           if found is not None)]
    pools = (("kind", "cdn"), ("kind", "cdn_origin"))  # CDNs first, then Front Door origins
    fronting = [(n, index.position(pool, cdn), cdn) for n, pool in enumerate(pools) for t in targets
                for cdn in index.pointing_to(t, pool, ("facts", "origins"))]
    if fronting:
        cdn = min(fronting, key=lambda found: found[:2])[2]
        return complies(f"{cdn.address} has it as origin", "cdn", cdn.address, line=line_in(resource, cdn))
    maybe = next(((cdn, origin) for pool in pools for cdn in index.pool(pool)
                  if (origin := _open_origin(index, cdn)) is not None), None)
    if maybe is not None:
        cdn, origin = maybe
        return unknown(f"{cdn.address} does not name {resource.address} as origin, but its origin {origin} may "
                       "be it", "cdn", None, "a CDN with this load balancer as origin")
    return violates("no CDN (CloudFront / Front Door) in front of the load balancer", "cdn", None,
                    "a CDN with this load balancer as origin")


# Host names of storage endpoints (S3 buckets and websites, Azure storage, Cloud Storage): a CDN origin that is
# one of them serves files, never a load balancer.
_STORAGE_HOST = lazy_compile(r"(?i)^[\w.-]+\.(s3([.-][\w-]+)?\.amazonaws\.com(\.cn)?|s3-website[.-][\w.-]+"
                             r"\.amazonaws\.com|(blob|web|z\d+\.web)\.core\.windows\.net|storage\.googleapis\.com)"
                             r"\.?$")


def _open_origin(index: ResourceIndex, cdn: Resource) -> str | None:
    """An origin of ``cdn`` that may be a load balancer the files do not show it naming: a value the files do
    not resolve (a variable, a module output), or a host name written out (a DNS name may point anywhere)
    other than a storage endpoint's. None when every origin is a declared resource or a storage endpoint."""
    origins = cdn.facts.get("origins")
    for origin in origins if isinstance(origins, list) else [origins]:
        if origin is None:
            continue
        if isinstance(origin, str) and not refs_in(origin):
            if not _STORAGE_HOST.match(origin.strip()):
                return origin
            continue
        found = index.targets(origin, cdn)
        if not found or any(target is None for _, target in found):
            return origin.expression if isinstance(origin, Unresolved) else str(origin)
    return None


def _cloud_cdn(index: ResourceIndex, url_map: Resource, facts: Mapping[str, Any]) -> Outcome:
    backends = [facts.get("default_service"), *(facts.get("path_services") or [])]
    resolved = index.targets(backends, url_map)
    if not resolved:
        return unknown("the URL map names no backend the files declare", "cdn_enabled")
    for ref, backend in resolved:
        if backend is None:
            return unknown(undeclared(ref), "cdn_enabled")
        if backend.facts.get("cdn_enabled") is not True:
            return violates(f"Cloud CDN is off on {backend.address}", "cdn_enabled", False, True,
                            line=line_in(url_map, backend, backend.fact_lines.get("cdn_enabled")))
    return complies(f"Cloud CDN on {', '.join(b.address for _, b in resolved if b)}", "cdn_enabled", True)


# --- ME-NET-08 -----------------------------------------------------------------------------

def _ports(rule: Mapping[str, Any]) -> str:
    ports = rule.get("ports")
    if ports is None:
        return "all ports"
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)


def _within(rule: Mapping[str, Any], allowed: list[int]) -> bool:
    ports = rule.get("ports")
    return ports is not None and all(lo == hi and lo in allowed for lo, hi in ports)


def _touches(rule: Mapping[str, Any], wanted: list[int]) -> list[int]:
    ports = rule.get("ports")
    if ports is None:
        return list(wanted)
    return [p for p in wanted if any(lo <= p <= hi for lo, hi in ports)]


@register("ingress_exposure")
def ingress_exposure(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """World-open inbound rules only on the public ports of an internet-facing load balancer; database
    ports only from the app tier (a security group / tag / service account / ASG, or an app CIDR)."""
    rules = facts.get("ingress_rules")
    if not isinstance(rules, list):
        return skip()
    public_ports = [int(p) for p in arg(ctx, args, "public_ports", [443, 80])]
    db_ports = [int(p) for p in arg(ctx, args, "database_ports", [5432, 6379])]
    app_cidrs = [str(c) for c in arg(ctx, args, "app_tier_cidrs", []) or []]
    worst: Outcome | None = None
    for rule in [*rules, *_standalone_rules(ctx)]:
        outcome = _judge_rule(ctx, rule, public_ports, db_ports, app_cidrs)
        if outcome.status == Status.VIOLATES:
            return outcome
        if outcome.status == Status.UNKNOWN and worst is None:
            worst = outcome
    if worst is not None:
        return worst
    count = len(rules) + len(_standalone_rules(ctx))
    return complies(f"{count} inbound rule(s); none open to the world beyond the load balancer's ports",
                    "ingress_rules", count)


def _standalone_rules(ctx: EvalContext) -> list[Mapping[str, Any]]:
    """The inbound rules of an AWS security group written as resources of their own (aws_security_group_rule,
    AWS::EC2::SecurityGroupIngress ...): they open the group as its inline rules do. Their lines are in
    those resources, so the group's finding points at the group."""
    resource = ctx.resource
    if resource.type not in SECURITY_GROUPS:
        return []
    found: list[Mapping[str, Any]] = []
    for rule_resource in _index(ctx).pointing_to(resource, ("kind", "firewall"), ("facts", "security_group")):
        rules = rule_resource.facts.get("ingress_rules")
        if isinstance(rules, list):
            found.extend({**rule, "line": None} for rule in rules if isinstance(rule, Mapping))
    return found


def _judge_rule(ctx: EvalContext, rule: Mapping[str, Any], public_ports: list[int], db_ports: list[int],
                app_cidrs: list[str]) -> Outcome:
    line = rule.get("line")
    name = str(rule.get("name"))
    if rule.get("unresolved"):
        return unknown(f"rule {name}: {rule['unresolved']}", "ingress_rules", name, line=line)
    outcome = _judge_sources(ctx, rule, public_ports, db_ports, app_cidrs)
    if rule.get("unresolved_sources") and outcome.status == Status.COMPLIES:
        return unknown(f"rule {name}: {rule['unresolved_sources']}", "ingress_rules", name, line=line)
    return outcome


def _judge_sources(ctx: EvalContext, rule: Mapping[str, Any], public_ports: list[int], db_ports: list[int],
                   app_cidrs: list[str]) -> Outcome:
    """The rule judged on its known address ranges."""
    line = rule.get("line")
    name = str(rule.get("name"))
    world = [s for s in rule.get("sources", []) if is_world(str(s))]
    if world:
        if not _within(rule, public_ports):
            return violates(f"rule {name} opens {_ports(rule)} to the world ({world[0]})", "ingress_rules",
                            f"{_ports(rule)} from {world[0]}", f"only {public_ports} from the world", line=line)
        attached = _attached_load_balancer(ctx)
        if attached is False:
            return violates(f"rule {name} opens {_ports(rule)} to the world on a group no internet-facing load "
                            "balancer uses", "ingress_rules", f"{_ports(rule)} from {world[0]}",
                            "world-open only for the load balancer", line=line)
        if attached is None:
            return unknown(f"rule {name} opens {_ports(rule)} to the world; no resource in the scanned files uses "
                           "this security group, so whether it fronts a load balancer cannot be told",
                           "ingress_rules", f"{_ports(rule)} from {world[0]}", line=line)
    touched = _touches(rule, db_ports)
    if not touched:
        return complies(f"rule {name}", "ingress_rules")
    for source in rule.get("sources", []):
        text = str(source)
        if is_world(text):
            continue  # already judged above (only reachable when the database port is also public)
        if any(cidr_within(text, c) for c in app_cidrs):
            continue
        private = is_private_range(text)
        if private is None or text.lower() == "virtualnetwork":
            return violates(f"rule {name} opens database port {touched[0]} to {text}, wider than the app tier",
                            "ingress_rules", f"{touched[0]} from {text}", "database ports only from the app tier",
                            line=line)
        if private is False:
            return violates(f"rule {name} opens database port {touched[0]} to the public range {text}",
                            "ingress_rules", f"{touched[0]} from {text}", "database ports only from the app tier",
                            line=line)
        return unknown(f"rule {name} opens database port {touched[0]} to {text}; list the app tier's ranges in "
                       "app_tier_cidrs to say whether that is the app tier", "ingress_rules",
                       f"{touched[0]} from {text}", line=line)
    return complies(f"rule {name}", "ingress_rules")


def _attached_load_balancer(ctx: EvalContext) -> bool | None:
    """Does an internet-facing load balancer use this firewall? None when nothing in the files uses it.
    (GCP firewall rules and Azure NSGs are judged by their ports only.)"""
    resource, index = ctx.resource, _index(ctx)
    if resource.provider != "aws":
        return True
    group = resource
    if "security_group" in resource.facts:
        found = [g for _, g in index.targets(resource.facts["security_group"], resource)]
        if not found or found[0] is None:
            return None
        group = found[0]
    users = [r for r in index.pointing_to(group, ("all",), _SECURITY_GROUP_USE)
             if r is not group and r.type not in SECURITY_GROUP_RULES]
    if not users:
        return None
    return any(u.facts.get("internet_facing") is True and "load_balancer" in u.kinds for u in users)


# The attributes by which a resource uses a security group.
_SECURITY_GROUP_USE = ("attributes", "security_groups", "vpc_security_group_ids", "security_group_ids",
                       "network_configuration", "SecurityGroups", "SecurityGroupIds", "VpcSecurityGroupIds",
                       "NetworkConfiguration")


# --- ME-NET-09 -----------------------------------------------------------------------------

@register("cluster_ip_ranges")
def cluster_ip_ranges(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Pod and service ranges are the guide's (GKE: direct CIDRs or the subnetwork's secondary ranges
    the cluster names; AKS: the service CIDR)."""
    wanted = {"pods": str(arg(ctx, args, "pods_cidr")), "services": str(arg(ctx, args, "services_cidr"))}
    index = _index(ctx)
    found: dict[str, Any] = {}
    lines: dict[str, int | None] = {}
    for role in ("pods", "services"):
        direct = facts.get(f"{role}_cidr")
        if direct is not None:
            found[role] = direct
            lines[role] = ctx.resource.fact_lines.get(f"{role}_cidr")
            continue
        name = facts.get(f"{role}_range_name")
        if name is None:
            continue
        subnets = index.targets(facts.get("subnetwork"), ctx.resource)
        if not subnets:
            return unknown(f"the {role} range {name!r} is in a subnetwork the cluster does not name",
                           f"{role}_range_name")
        ref, subnet = subnets[0]
        if subnet is None:
            return unknown(undeclared(ref), f"{role}_range_name", name)
        ranges = {str(r.get("range_name")): r for r in subnet.facts.get("secondary_ranges") or []
                  if isinstance(r, dict)}
        if str(name) not in ranges:
            return violates(f"{subnet.address} has no secondary range {name!r}", f"{role}_range_name", name)
        found[role] = ranges[str(name)].get("ip_cidr_range")
        lines[role] = line_in(ctx.resource, subnet, getattr(ranges[str(name)], "line", None))
    if ctx.resource.type not in POD_RANGE_CLUSTERS:
        found.pop("pods", None)  # AKS with Azure CNI gives pods VNet addresses: no pod CIDR to compare
    for role, value in found.items():
        if isinstance(value, list):  # read across several blocks (dynamic ones whose count is not known)
            value = next((v for v in value if isinstance(v, Unresolved)), value[0] if len(value) == 1 else value)
        if isinstance(value, Unresolved):
            return unknown(f"{role} range = {value.expression}: {value.reason}", f"{role}_cidr", value.expression,
                           wanted[role])
        if str(value) != wanted[role]:
            return violates(f"{role} use {value}; the guide requires {wanted[role]}", f"{role}_cidr", value,
                            wanted[role], target=wanted[role], line=lines.get(role))
    if not found:
        return skip()
    return complies(", ".join(f"{role} {value}" for role, value in found.items()), "services_cidr",
                    found.get("services"))


# --- ME-TLS-02 -----------------------------------------------------------------------------

@register("tls_minimum")
def tls_minimum(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The endpoint accepts nothing older than ``min_version`` (GCP: the SSL policy a proxy names,
    which must also use an allowed profile)."""
    minimum = float(arg(ctx, args, "min_version", 1.2))
    profiles = [str(p).upper() for p in arg(ctx, args, "gcp_profiles", ["MODERN", "RESTRICTED", "CUSTOM"])]
    protocol = str(facts.get("protocol", "HTTPS")).upper()
    if protocol not in ("HTTPS", "TLS"):
        return skip()
    source, version, profile = "tls_min_version", facts.get("tls_min_version"), None
    policy_ref = facts.get("ssl_policy")
    if policy_ref is not None:
        targets = _index(ctx).targets(policy_ref, ctx.resource)
        if not targets or targets[0][1] is None:
            why = undeclared(targets[0][0]) if targets else f"ssl_policy {policy_ref} is not declared in the files"
            return unknown(why, "ssl_policy", str(policy_ref), f">= TLS {minimum}")
        policy = targets[0][1]
        version, profile = policy.facts.get("tls_min_version"), policy.facts.get("tls_profile")
        source = "ssl_policy"
    expected = f">= TLS {minimum}"
    if version is None:
        spec = fact_spec(ctx.resource, "tls_min_version") if source == "tls_min_version" else None
        if spec is not None and spec.missing:  # no documented default: the service decides at the time
            return unknown(f"tls_min_version is not declared: {spec.missing}", source, None, expected)
        return skip()
    if isinstance(version, Unresolved):
        return unknown(f"minimum TLS version: {version.reason}", source, version.expression, expected)
    number = coerced_number(version, "the minimum TLS version")
    if isinstance(number, Unresolved):  # NaN or text compares false with everything: never read as compliance
        return unknown(number.reason, source, number.expression, expected)
    if number < minimum:
        return violates(f"accepts TLS {version}; the guide requires TLS {minimum} or newer", source, version, expected)
    if profile is not None and str(profile) not in profiles:
        return violates(f"SSL policy profile {profile} allows weak ciphers; use one of {profiles}", source, profile,
                        "/".join(profiles))
    return complies(f"minimum TLS {version}" + (f" ({profile})" if profile else ""), source, version, expected)
