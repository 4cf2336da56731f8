"""Transforms the network and TLS tables name: firewall rules, listeners, routes, TLS policies.

Each returns one normalized shape for every cloud, so the checks read one structure:

- a firewall rule: ``{name, line, protocol, ports, sources, groups, unresolved, unresolved_sources}`` where
  ``ports`` is a list of ``[low, high]`` ranges or ``None`` for every port, ``sources`` the address ranges /
  service tags as written (the known ones; ``unresolved_sources`` the reason one is not known) and ``groups``
  the identity sources (security groups, tags, service accounts, ASGs);
- a listener: ``{name, line, protocol, certificate, redirects_to_https}``;
- a route: ``{destination, target_kind, target, line}`` with ``target_kind`` ``internet_gateway``,
  ``nat_gateway``, ``other`` or ``unknown``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.coerce import mapped
from scanner.mappings import MISSING, lookup, transform
from scanner.mappings.transforms import to_bool
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile

WORLD = ("0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0")


def _items(value: Any) -> list[Any]:
    if value is None or value is MISSING:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _line(node: Any, key: str | None = None) -> int | None:
    if key is not None:
        key_lines = getattr(node, "key_lines", None) or {}
        if key in key_lines:
            return int(key_lines[key])
    line = getattr(node, "line", None)
    return int(line) if line else None


@transform("azure_redis_public")
def azure_redis_public(_: Any, resource: Resource) -> Any:
    """Azure Cache for Redis has a public endpoint unless it is injected into a VNet subnet (then it is reachable
    only from the network, whatever the public access flag says) or public network access is turned off."""
    attrs = resource.attributes
    terraform = resource.format == "terraform"
    properties = attrs if terraform else attrs.get("properties")
    if not isinstance(properties, Mapping):
        return True
    subnet = properties.get("subnet_id" if terraform else "subnetId")
    if subnet not in (None, ""):
        return False
    flag = properties.get("public_network_access_enabled" if terraform else "publicNetworkAccess")
    if flag is None:
        return True
    if isinstance(flag, Unresolved):
        return flag
    if terraform:
        return to_bool(flag, resource)
    known = {"enabled": True, "disabled": False}.get(str(flag).lower())
    return known if known is not None else Unresolved(str(flag), f"publicNetworkAccess {flag!r} is neither Enabled "
                                                                 "nor Disabled")


@transform("as_list")
def as_list(value: Any, _: Resource) -> Any:
    return value if isinstance(value, (list, Unresolved)) else [value]


@transform("upper")
def upper(value: Any, _: Resource) -> Any:
    return value.upper() if isinstance(value, str) else value


_ALL_PORTS = (None, "*", -1, "-1")
_PORT = lazy_compile(r"\s*(-?\d+)\s*")


def _port(value: Any) -> int | None:
    """A port number as the provider accepts it (an integer, or a string of one, in -1..65535); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    elif isinstance(value, str):
        match = _PORT.fullmatch(value)
        value = int(match.group(1)) if match else None
    return value if isinstance(value, int) and -1 <= value <= 65535 else None


def _port_range(low: Any, high: Any = None) -> list[int] | Unresolved | None:
    """``[low, high]``; None for every port (-1, ``*``, absent on an all-protocol rule).

    A value no provider would accept as a port (``""``, a list, text) is unresolved with the reason, so the
    rule's verdict is unknown at its line rather than a guess (``terraform plan`` rejects it too).
    """
    if isinstance(low, Unresolved):
        return low
    if isinstance(high, Unresolved):
        return high
    if low in _ALL_PORTS and high in (*_ALL_PORTS, 65535, 0):
        return None
    if isinstance(low, str) and high is None and "-" in low.strip()[1:]:  # "80-443" (Azure, GCP)
        first, _, last = low.strip().partition("-")
        lo, hi = _port(first), _port(last)
        if lo is not None and hi is not None and lo <= hi:
            return [lo, hi]
        return _not_a_port(low)
    lo = _port(low)
    if lo is None:
        return _not_a_port(low)
    hi = lo if high is None else _port(high)
    if hi is None:
        return _not_a_port(high)
    if lo <= 0 and hi in (0, 65535):
        return None
    return [lo, hi]


def _not_a_port(value: Any) -> Unresolved:
    shown = repr(value) if isinstance(value, str) else type(value).__name__ if isinstance(value, (list, dict)) else \
        str(value)
    return Unresolved(shown[:40], f"port {shown[:40]} is not a port number or range")


def _rule(name: str, line: int | None, protocol: Any, ports: list[Any], sources: Iterable[Any],
          groups: Iterable[Any]) -> dict[str, Any]:
    proto = str(protocol).lower() if protocol is not None else "all"
    if proto in ("-1", "*", "all"):
        proto = "all"
    sources = [s for s in sources if s not in (None, "")]
    groups = list(groups)
    # A rule that admits security groups (tags, prefix lists) alone is judged the same on every port: an
    # undecided port leaves it decided. With an address range the port decides (world-open, database port).
    unresolved = [p for p in ports if isinstance(p, Unresolved)] if sources or not groups else []
    # An unresolved range beside known ones: the known ones are judged (one public on a database port is a
    # violation whatever the others are), and the unresolved one keeps the rest of the verdict unknown.
    unresolved_sources = [s for s in sources if isinstance(s, Unresolved)]
    normalized_ports = None if any(p is None for p in ports) or not ports else [p for p in ports
                                                                                 if isinstance(p, list)]
    return {"name": name, "line": line, "protocol": proto, "ports": normalized_ports,
            "sources": [s for s in sources if not isinstance(s, Unresolved)], "groups": list(groups),
            "unresolved": unresolved[0].reason if unresolved else None,
            "unresolved_sources": unresolved_sources[0].reason if unresolved_sources else None}


def _aws_rule(block: Any, name: str, default_line: int | None, cfn: bool) -> dict[str, Any]:
    if cfn:
        protocol = block.get("IpProtocol", "-1")
        ports = [_port_range(block.get("FromPort"), block.get("ToPort"))] if str(protocol) != "-1" else [None]
        sources = [block.get("CidrIp"), block.get("CidrIpv6")]
        groups = [g for g in (block.get("SourceSecurityGroupId"), block.get("SourceSecurityGroupName"),
                              block.get("SourcePrefixListId")) if g is not None]
        key = next((k for k in ("CidrIp", "CidrIpv6", "SourceSecurityGroupId", "FromPort") if k in block), None)
    else:
        protocol = block.get("protocol", block.get("ip_protocol", "-1"))
        ports = [_port_range(block.get("from_port"), block.get("to_port"))] if str(protocol) != "-1" else [None]
        sources = [*_items(block.get("cidr_blocks")), *_items(block.get("ipv6_cidr_blocks")),
                   block.get("cidr_ipv4"), block.get("cidr_ipv6")]
        groups = [*_items(block.get("security_groups")), *_items(block.get("prefix_list_ids")),
                  *[g for g in (block.get("source_security_group_id"), block.get("referenced_security_group_id"),
                                block.get("prefix_list_id")) if g is not None]]
        if to_bool(block.get("self", False), None) is True:  # type: ignore[arg-type]
            groups.append("self")
        key = next((k for k in ("cidr_blocks", "cidr_ipv4", "ipv6_cidr_blocks", "source_security_group_id",
                                "from_port") if k in block), None)
    return _rule(name, _line(block, key) or default_line, protocol, ports, sources, groups)


@transform("aws_sg_ingress")
def aws_sg_ingress(_: Any, resource: Resource) -> Any:
    """Ingress rules of a security group (inline) or of one standalone rule resource."""
    attrs = resource.attributes
    cfn = resource.format == "cloudformation"
    if resource.type in ("aws_security_group", "AWS::EC2::SecurityGroup"):
        blocks = _items(attrs.get("SecurityGroupIngress" if cfn else "ingress"))
        return [_aws_rule(b, f"ingress[{i}]", resource.origin.line, cfn) for i, b in enumerate(blocks)
                if isinstance(b, dict)]
    if resource.type == "aws_security_group_rule" and str(attrs.get("type", "")).lower() != "ingress":
        return []
    return [_aws_rule(attrs, resource.address, resource.origin.line, cfn)]


@transform("gcp_firewall_ingress")
def gcp_firewall_ingress(_: Any, resource: Resource) -> Any:
    attrs = resource.attributes
    if str(attrs.get("direction", "INGRESS")).upper() != "INGRESS" or to_bool(attrs.get("disabled"), resource) is True:
        return []
    groups = [*_items(attrs.get("source_tags")), *_items(attrs.get("source_service_accounts"))]
    sources = _items(attrs.get("source_ranges"))
    if not sources and not groups:
        sources = ["0.0.0.0/0"]  # GCP's default source range for an ingress rule without sources
    rules = []
    for i, block in enumerate(_items(attrs.get("allow"))):
        if not isinstance(block, dict):
            continue
        ports = [_port_range(p) for p in _items(block.get("ports"))] or [None]
        line = _line(attrs, "source_ranges") if "source_ranges" in attrs else _line(block)
        rules.append(_rule(f"allow[{i}]", line or resource.origin.line, block.get("protocol", "all"), ports,
                           sources, groups))
    return rules


def _azure_rule(props: Any, name: str, line: int | None, terraform: bool) -> dict[str, Any] | None:
    get = (lambda k_tf, k_arm: props.get(k_tf)) if terraform else (lambda k_tf, k_arm: props.get(k_arm))
    if str(get("direction", "direction") or "").lower() != "inbound":
        return None
    if str(get("access", "access") or "").lower() != "allow":
        return None
    ports = [get("destination_port_range", "destinationPortRange"),
             *_items(get("destination_port_ranges", "destinationPortRanges"))]
    parsed = [_port_range(p) for p in ports if p is not None] or [None]
    sources = [get("source_address_prefix", "sourceAddressPrefix"),
               *_items(get("source_address_prefixes", "sourceAddressPrefixes"))]
    groups = _items(get("source_application_security_group_ids", "sourceApplicationSecurityGroups"))
    return _rule(name, line, get("protocol", "protocol") or "*", parsed, sources, groups)


@transform("azure_nsg_ingress")
def azure_nsg_ingress(_: Any, resource: Resource) -> Any:
    attrs = resource.attributes
    terraform = resource.format == "terraform"
    items: list[tuple[Any, str, int | None]]
    if resource.type == "azurerm_network_security_group":
        items = [(b, str(b.get("name", i)), _line(b)) for i, b in enumerate(_items(attrs.get("security_rule")))
                 if isinstance(b, dict)]
    elif resource.type == "azurerm_network_security_rule":
        items = [(attrs, resource.address, resource.origin.line)]
    elif resource.type == "Microsoft.Network/networkSecurityGroups":
        properties = mapped(attrs.get("properties"), "properties")
        if isinstance(properties, Unresolved):
            return properties
        items = [(r.get("properties"), str(r.get("name", i)), _line(r))
                 for i, r in enumerate(_items(properties.get("securityRules"))) if isinstance(r, dict)]
    else:  # Microsoft.Network/networkSecurityGroups/securityRules
        items = [(attrs.get("properties"), resource.address, resource.origin.line)]
    rules: list[dict[str, Any] | None] = []
    for props, name, line in items:
        props = mapped(props, f"properties of rule {name}")
        if isinstance(props, Unresolved):  # a rule nothing can be read of: unknown, not absent
            rules.append(_rule(name, line or resource.origin.line, None, [props], [], []))
        else:
            rules.append(_azure_rule(props, name, line or resource.origin.line, terraform))
    return [r for r in rules if r is not None]


# --- load balancer listeners ---------------------------------------------------------------

def _redirects_to_https(actions: Any, cfn: bool) -> bool:
    """True when the listener's default action is a redirect to HTTPS (AWS)."""
    for action in _items(actions):
        if not isinstance(action, dict):
            continue
        kind = str(action.get("Type" if cfn else "type", "")).lower()
        if kind != "redirect":
            continue
        config = action.get("RedirectConfig") if cfn else action.get("redirect")
        config = config[0] if isinstance(config, list) and config else config
        protocol = config.get("Protocol" if cfn else "protocol") if isinstance(config, dict) else None
        if str(protocol or "").upper() == "HTTPS":
            return True
    return False


@transform("aws_listener_redirects")
def aws_listener_redirects(_: Any, resource: Resource) -> Any:
    cfn = resource.format == "cloudformation"
    return _redirects_to_https(resource.attributes.get("DefaultActions" if cfn else "default_action"), cfn)


def _arm(node: Any, key: str) -> Any:
    """``node[key]`` with ARM's case-insensitive property names (``Protocol`` is ``protocol``); None if absent."""
    if not isinstance(node, Mapping):
        return None
    if key in node:
        return node[key]
    wanted = key.lower()
    return next((v for k, v in node.items() if isinstance(k, str) and k.lower() == wanted), None)


def _name_of(reference: Any) -> str:
    """The last name in an ARM sub-resource reference (``{"id": "[resourceId(..., 'gw', 'x')]"}``)."""
    value = _arm(reference, "id") if isinstance(reference, dict) else reference
    text = value.expression if isinstance(value, Unresolved) else str(value or "")
    quoted = re.findall(r"'([^']*)'", text)
    if quoted:
        return quoted[-1]
    return text.rstrip("/]").rsplit("/", 1)[-1]


@transform("classic_elb_listeners")
def classic_elb_listeners(_: Any, resource: Resource) -> Any:
    """A Classic Load Balancer's listeners inline, in the domain's listener shape. It has no redirect action, so
    an HTTP listener serves plain HTTP; an SSL listener terminates TLS as an HTTPS one does."""
    terraform = resource.format == "terraform"
    items = resource.attributes.get("listener" if terraform else "Listeners")
    if isinstance(items, Unresolved):
        return items
    out = []
    for item in _items(items):
        if not isinstance(item, Mapping):
            continue
        protocol = item.get("lb_protocol" if terraform else "Protocol")
        if isinstance(protocol, Unresolved):
            return protocol
        protocol = str(protocol or "").upper()
        protocol = "TLS" if protocol == "SSL" else protocol
        certificate = item.get("ssl_certificate_id" if terraform else "SSLCertificateId")
        out.append({"name": f"{protocol}:{item.get('lb_port' if terraform else 'LoadBalancerPort')}",
                    "line": _line(item), "protocol": protocol, "certificate": certificate not in (None, ""),
                    "redirects_to_https": False})
    return out


@transform("classic_elb_zones")
def classic_elb_zones(_: Any, resource: Resource) -> Any:
    """The zones a Classic Load Balancer outside a VPC names (``AvailabilityZones``); absent with subnets."""
    value = resource.attributes.get("availability_zones" if resource.format == "terraform" else "AvailabilityZones")
    return MISSING if value is None else value


@transform("classic_elb_type")
def classic_elb_type(_: Any, resource: Resource) -> Any:
    """``application`` when a listener speaks HTTP or HTTPS (the application's load balancer), else ``network``."""
    listeners = classic_elb_listeners(None, resource)
    if isinstance(listeners, Unresolved):
        return listeners
    return "application" if any(x["protocol"] in ("HTTP", "HTTPS") for x in listeners) else "network"


@transform("appgw_listeners")
def appgw_listeners(_: Any, resource: Resource) -> Any:
    """Application Gateway listeners with their certificate and whether their rule redirects to HTTPS."""
    attrs = resource.attributes
    if resource.format == "terraform":
        listeners = [(b, str(b.get("name")), b.get("protocol"), b.get("ssl_certificate_name"))
                     for b in _items(attrs.get("http_listener")) if isinstance(b, dict)]
        rules = {str(r.get("http_listener_name")): r.get("redirect_configuration_name")
                 for r in _items(attrs.get("request_routing_rule")) if isinstance(r, dict)}
        redirects = {str(r.get("name")): (r.get("target_listener_name"), r.get("target_url"))
                     for r in _items(attrs.get("redirect_configuration")) if isinstance(r, dict)}
    else:
        props = mapped(attrs.get("properties"), "properties")
        if isinstance(props, Unresolved):
            return props
        listeners = []
        for item in _items(_arm(props, "httpListeners")):
            lprops = mapped(_arm(item, "properties"), "listener properties") if isinstance(item, dict) else None
            if isinstance(lprops, Unresolved):
                return lprops
            if lprops is not None:
                listeners.append((item, str(_arm(item, "name")), _arm(lprops, "protocol"),
                                  _arm(lprops, "sslCertificate")))
        rules = {}
        for rule in _items(_arm(props, "requestRoutingRules")):
            rprops = _object(_arm(rule, "properties"))
            redirect = _arm(rprops, "redirectConfiguration")
            rules[_name_of(_arm(rprops, "httpListener"))] = _name_of(redirect) if redirect else None
        redirects = {}
        for item in _items(_arm(props, "redirectConfigurations")):
            if isinstance(item, dict):
                rprops = _object(_arm(item, "properties"))
                target = _arm(rprops, "targetListener")
                redirects[str(_arm(item, "name"))] = (_name_of(target) if target else None, _arm(rprops, "targetUrl"))
    protocols = {name: str(protocol or "").upper() for _, name, protocol, _ in listeners}
    out = []
    for node, name, protocol, certificate in listeners:
        redirect = redirects.get(str(rules.get(name))) if rules.get(name) else None
        to_https = bool(redirect) and (protocols.get(str(redirect[0])) == "HTTPS"  # type: ignore[index]
                                       or str(redirect[1] or "").lower().startswith("https://"))  # type: ignore[index]
        out.append({"name": name, "line": _line(node), "protocol": str(protocol or "").upper(),
                    "certificate": certificate is not None, "redirects_to_https": to_https})
    return out


def _object(value: Any) -> Any:
    """A nested object as read, or empty when the file wrote something else there (nothing read from it)."""
    return value if isinstance(value, dict) else {}


def _annotations(resource: Resource) -> dict[str, Any]:
    metadata = resource.attributes.get("metadata") or {}
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}


@transform("ingress_listeners")
def ingress_listeners(_: Any, resource: Resource) -> Any:
    """What an Ingress serves: HTTPS per ``tls`` entry, HTTP unless disabled, redirecting when the
    controller is told to (nginx redirects by default once TLS is set)."""
    annotations = _annotations(resource)
    spec = resource.attributes.get("spec") or {}
    tls = [t for t in _items(spec.get("tls") if isinstance(spec, dict) else None) if isinstance(t, dict)]
    listeners = [{"name": f"tls[{i}]", "line": _line(entry), "protocol": "HTTPS",
                  "certificate": bool(entry.get("secretName")), "redirects_to_https": None}
                 for i, entry in enumerate(tls)]
    alb_cert = annotations.get("alb.ingress.kubernetes.io/certificate-arn")
    if alb_cert:
        listeners.append({"name": "certificate-arn", "line": _line(resource.attributes.get("metadata"), None),
                          "protocol": "HTTPS", "certificate": True, "redirects_to_https": None})
    if str(annotations.get("kubernetes.io/ingress.allow-http", "true")).lower() == "false":
        return listeners
    redirect = ssl_redirect(None, resource)
    listeners.append({"name": "http", "line": _annotation_line(resource, _REDIRECT_KEYS) or resource.origin.line,
                      "protocol": "HTTP", "certificate": False, "redirects_to_https": redirect is True})
    return listeners


_REDIRECT_KEYS = ("nginx.ingress.kubernetes.io/ssl-redirect", "nginx.ingress.kubernetes.io/force-ssl-redirect",
                  "alb.ingress.kubernetes.io/ssl-redirect")


def _annotation_line(resource: Resource, keys: Iterable[str]) -> int | None:
    annotations = _annotations(resource)
    for key in keys:
        if key in annotations:
            return _line(annotations, key)
    return None


@transform("ingress_ssl_redirect")
def ssl_redirect(_: Any, resource: Resource) -> Any:
    """Whether plain HTTP is redirected to HTTPS: nginx does so by default when TLS is configured."""
    annotations = _annotations(resource)
    if to_bool(annotations.get("nginx.ingress.kubernetes.io/force-ssl-redirect"), resource) is True:
        return True
    if annotations.get("alb.ingress.kubernetes.io/ssl-redirect"):
        return True
    explicit = annotations.get("nginx.ingress.kubernetes.io/ssl-redirect")
    if explicit is not None:
        return to_bool(explicit, resource)
    spec = resource.attributes.get("spec") or {}
    return bool(isinstance(spec, dict) and spec.get("tls"))


@transform("ingress_hosts")
def ingress_hosts(_: Any, resource: Resource) -> Any:
    spec = resource.attributes.get("spec") or {}
    rules = spec.get("rules") if isinstance(spec, dict) else None
    return [r["host"] for r in _items(rules) if isinstance(r, dict) and r.get("host")]


@transform("ingress_tls_hosts")
def ingress_tls_hosts(_: Any, resource: Resource) -> Any:
    spec = resource.attributes.get("spec") or {}
    tls = spec.get("tls") if isinstance(spec, dict) else None
    return [h for t in _items(tls) if isinstance(t, dict) for h in _items(t.get("hosts"))]


@transform("cert_manager_issuer")
def cert_manager_issuer(_: Any, resource: Resource) -> Any:
    annotations = _annotations(resource)
    for key in ("cert-manager.io/cluster-issuer", "cert-manager.io/issuer", "kubernetes.io/tls-acme"):
        if annotations.get(key):
            return f"{key}={annotations[key]}"
    return MISSING


# --- routes --------------------------------------------------------------------------------

def _target_kind(gateway: Any, nat: Any) -> str:
    if nat is not None:
        return "nat_gateway"
    text = gateway.expression if isinstance(gateway, Unresolved) else (
        next(iter(gateway.values()), "") if isinstance(gateway, dict) else gateway)
    text = str(text if not isinstance(text, list) else text[0])
    if gateway is None:
        return "other"
    if "aws_internet_gateway" in text or text.startswith("igw-"):
        return "internet_gateway"
    if "aws_nat_gateway" in text or text.startswith("nat-"):
        return "nat_gateway"
    if text.startswith(("vgw-", "local")) or "aws_vpn_gateway" in text:
        return "other"
    return "unknown"  # a reference the route alone does not explain; the checks resolve it


def route(block: Any, cfn: bool, line: int | None) -> dict[str, Any]:
    """One route in normalized shape (also used for standalone route resources)."""
    if cfn:
        destination = block.get("DestinationCidrBlock", block.get("DestinationIpv6CidrBlock"))
        gateway, nat = block.get("GatewayId"), block.get("NatGatewayId")
        others = [block.get(k) for k in ("TransitGatewayId", "InstanceId", "NetworkInterfaceId",
                                         "VpcPeeringConnectionId", "VpcEndpointId", "EgressOnlyInternetGatewayId")]
    else:
        destination = block.get("cidr_block", block.get("destination_cidr_block",
                                                        block.get("ipv6_cidr_block",
                                                                  block.get("destination_ipv6_cidr_block"))))
        gateway, nat = block.get("gateway_id"), block.get("nat_gateway_id")
        others = [block.get(k) for k in ("transit_gateway_id", "network_interface_id", "vpc_peering_connection_id",
                                         "vpc_endpoint_id", "egress_only_gateway_id")]
    kind = _target_kind(gateway, nat)
    if gateway is None and nat is None:
        kind = "other" if any(o is not None for o in others) else "unknown"
    return {"destination": destination, "target_kind": kind, "target": nat if nat is not None else gateway,
            "line": line}


@transform("aws_inline_routes")
def aws_inline_routes(_: Any, resource: Resource) -> Any:
    return [route(b, False, _line(b)) for b in _items(resource.attributes.get("route")) if isinstance(b, dict)]


@transform("aws_route")
def aws_route(_: Any, resource: Resource) -> Any:
    return route(resource.attributes, resource.format == "cloudformation", resource.origin.line)


@transform("gcp_default_network")
def gcp_default_network(_: Any, resource: Resource) -> Any:
    return resource.attributes.get("name") == "default"


@transform("gke_vpc_native")
def gke_vpc_native(_: Any, resource: Resource) -> Any:
    """A GKE cluster is VPC-native with an ``ip_allocation_policy`` block (or networking_mode VPC_NATIVE)."""
    mode = resource.attributes.get("networking_mode")
    if isinstance(mode, Unresolved):
        return mode
    if mode is not None:
        return str(mode).upper() == "VPC_NATIVE"
    return bool(lookup(resource.attributes, ("ip_allocation_policy",)) not in (MISSING, None, [], {}))


# Load-balancing schemes whose forwarding rules answer on an address of the internet (Compute Engine API).
_EXTERNAL_SCHEMES = frozenset({"EXTERNAL", "EXTERNAL_MANAGED"})


@transform("gcp_scheme_external")
def gcp_scheme_external(value: Any, _: Resource) -> Any:
    """A forwarding rule's ``load_balancing_scheme`` -> whether it faces the internet (EXTERNAL by default)."""
    if isinstance(value, Unresolved):
        return value
    return str(value or "EXTERNAL").upper() in _EXTERNAL_SCHEMES


@transform("gcp_forwarding_ports")
def gcp_forwarding_ports(_: Any, resource: Resource) -> Any:
    """The ports a forwarding rule takes, as text (``["443"]``, ``["8080-8090"]``): ``port_range`` (a single
    port the API writes as ``443-443``) else ``ports``; absent when neither is set (every port)."""
    attrs = resource.attributes
    port_range = attrs.get("port_range")
    if isinstance(port_range, Unresolved):
        return port_range
    if port_range not in (None, ""):
        low, _sep, high = str(port_range).partition("-")
        return [low if not high or high == low else f"{low}-{high}"]
    ports = attrs.get("ports")
    if isinstance(ports, Unresolved):
        return ports
    return [str(p) for p in ports] if isinstance(ports, list) and ports else None
