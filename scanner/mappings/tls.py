"""Transforms the TLS table names: minimum TLS versions of predefined policies, and whether a
database refuses unencrypted connections."""

from __future__ import annotations

import re
from typing import Any

from scanner.coerce import listed
from scanner.mappings import MISSING, lookup, transform
from scanner.mappings.transforms import to_bool
from scanner.model import Resource, Unresolved

# Minimum TLS version of each predefined ELB security policy (AWS documentation table).
_ELB_POLICY_MIN = (
    (re.compile(r"TLS13-1-3"), 1.3), (re.compile(r"TLS13-1-2|TLS-1-2|FS-1-2"), 1.2),
    (re.compile(r"TLS13-1-1|TLS-1-1|FS-1-1"), 1.1), (re.compile(r"TLS13-1-0|2016-08|2015-|2014-|FS-2018-06"), 1.0),
)


@transform("elb_policy_tls")
def elb_policy_tls(value: Any, _: Resource) -> Any:
    text = str(value)
    for pattern, version in _ELB_POLICY_MIN:
        if pattern.search(text):
            return version
    return Unresolved(text, f"unknown ELB security policy {text}")


@transform("tls_version")
def tls_version(value: Any, _: Resource) -> Any:
    """``TLS_1_2``, ``TLSv1_2``, ``TLSv1.2``, ``1.2``, ``TLS1_2`` -> 1.2."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = re.search(r"(\d)[._](\d)", str(value))
    if match:
        return float(f"{match.group(1)}.{match.group(2)}")
    return Unresolved(str(value), f"unrecognised TLS version {value}")


# Minimum protocol of Application Gateway predefined policies (Azure documentation).
_APPGW_POLICY_MIN = {"appgwsslpolicy20150501": 1.0, "appgwsslpolicy20170401": 1.1, "appgwsslpolicy20170401s": 1.2,
                     "appgwsslpolicy20220101": 1.2, "appgwsslpolicy20220101s": 1.2}


@transform("appgw_tls")
def appgw_tls(_: Any, resource: Resource) -> Any:
    """An Application Gateway's minimum TLS version: its policy, else the platform default (TLS 1.0
    for API versions before 2023-02-01, AppGwSslPolicy20220101 / TLS 1.2 from then on)."""
    if resource.format == "terraform":
        policy = lookup(resource.attributes, ("ssl_policy",))
        min_version = policy.get("min_protocol_version") if isinstance(policy, dict) else None
        name = policy.get("policy_name") if isinstance(policy, dict) else None
        api = "2023-02-01"  # azurerm 3.x and later create gateways with the newer default policy
    else:
        policy = lookup(resource.attributes, ("properties", "sslPolicy"))
        min_version = policy.get("minProtocolVersion") if isinstance(policy, dict) else None
        name = policy.get("policyName") if isinstance(policy, dict) else None
        api = str(resource.attributes.get("apiVersion", ""))
    if min_version is not None:
        return tls_version(min_version, resource)
    if name is not None:
        return _APPGW_POLICY_MIN.get(str(name).lower(), Unresolved(str(name), f"unknown policy {name}"))
    return 1.2 if api >= "2023-02-01" else 1.0


@transform("gcp_proxy_default_tls")
def gcp_proxy_default_tls(_: Any, resource: Resource) -> Any:
    """A target HTTPS proxy without an SSL policy negotiates down to TLS 1.0 (Google's default
    COMPATIBLE policy); with one, the policy resource decides (the check follows the reference)."""
    return MISSING if resource.attributes.get("ssl_policy") is not None else 1.0


@transform("rds_force_ssl")
def rds_force_ssl(_: Any, resource: Resource) -> Any:
    """``rds.force_ssl`` in a parameter group (Terraform ``parameter`` blocks, CloudFormation ``Parameters``)."""
    value: Any = MISSING
    if resource.format == "cloudformation":
        params = resource.attributes.get("Parameters")
        if isinstance(params, dict) and "rds.force_ssl" in params:
            value = params["rds.force_ssl"]
    else:
        blocks = listed(resource.attributes.get("parameter"), "parameter")
        if isinstance(blocks, Unresolved):
            return blocks
        for block in blocks:
            if isinstance(block, dict) and block.get("name") == "rds.force_ssl":
                value = block.get("value")
    if value is MISSING or isinstance(value, Unresolved):
        return value
    return to_bool(str(value), resource)


@transform("cloudsql_tls_required")
def cloudsql_tls_required(_: Any, resource: Resource) -> Any:
    """Cloud SQL refuses plain connections with ssl_mode ENCRYPTED_ONLY / TRUSTED_CLIENT_CERTIFICATE_REQUIRED
    (or the older require_ssl = true); the default ALLOW_UNENCRYPTED_AND_ENCRYPTED accepts them."""
    config = lookup(resource.attributes, ("settings", "ip_configuration"))
    if not isinstance(config, dict):
        return False
    mode = config.get("ssl_mode")
    if isinstance(mode, Unresolved):
        return mode
    if mode is not None:
        return str(mode).upper() in ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
    return to_bool(config.get("require_ssl", False), resource)


@transform("azure_secure_transport")
def azure_secure_transport(_: Any, resource: Resource) -> Any:
    """The value a flexible-server configuration resource gives require_secure_transport (MISSING for others)."""
    name = str(resource.attributes.get("name", ""))
    if name.rsplit("/", 1)[-1].lower() != "require_secure_transport":
        return MISSING
    value = resource.attributes.get("value") if resource.format == "terraform" else (
        resource.attributes.get("properties") or {}).get("value")
    return value if isinstance(value, Unresolved) else to_bool(str(value), resource)
