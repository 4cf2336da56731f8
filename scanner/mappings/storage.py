"""Transforms for ``storage.yaml``: public access and lifecycle expiry of buckets on every cloud."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.mappings import _MISSING, lookup, transform
from scanner.mappings.transforms import to_bool
from scanner.model import Origin, Resource, Unresolved

_PUBLIC_ACLS = {"public-read", "public-read-write", "publicread", "publicreadwrite", "authenticated-read"}
_S3_BLOCK_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
_CFN_BLOCK_FLAGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
_NOWHERE = Resource("", "", "", Origin())  # to_bool reads no resource


def _flag(value: Any) -> Any:
    return to_bool(value, _NOWHERE)


@transform("present")
def present(value: Any, _: Resource) -> Any:
    """Configured at all (a block or setting that is there and not false)."""
    if isinstance(value, Unresolved):
        return value
    return value not in (None, False, "", [], {}) and str(value).lower() not in ("false", "none", "disabled")


@transform("resource_label")
def resource_label(_: Any, resource: Resource) -> Any:
    """The name the IaC gives the resource: Terraform label, CloudFormation logical ID, ARM name."""
    return resource.address.rsplit(".", 1)[-1].rsplit("/", 1)[-1]


@transform("arm_parent_name")
def arm_parent_name(value: Any, _: Resource) -> Any:
    """``account/default`` -> ``account``: the storage account a child resource belongs to."""
    if isinstance(value, str) and "/" in value:
        return value.split("/", 1)[0]
    return value


@transform("s3_acl_private")
def s3_acl_private(_: Any, resource: Resource) -> Any:
    acl = resource.attributes.get("acl")
    if acl is None:
        return True  # new buckets block public access and disable ACLs (April 2023)
    if isinstance(acl, Unresolved):
        return acl
    return str(acl).lower() not in _PUBLIC_ACLS


@transform("s3_public_access_block")
def s3_public_access_block(_: Any, resource: Resource) -> Any:
    return _all_flags(resource.attributes, _S3_BLOCK_FLAGS)


@transform("cfn_public_access_blocked")
def cfn_public_access_blocked(_: Any, resource: Resource) -> Any:
    acl = resource.attributes.get("AccessControl")
    if isinstance(acl, str) and acl.lower() in _PUBLIC_ACLS:
        return False
    block = resource.attributes.get("PublicAccessBlockConfiguration")
    if block is None:
        return True  # the 2023 default for new buckets
    return _all_flags(block, _CFN_BLOCK_FLAGS) if isinstance(block, dict) else block


def _all_flags(block: Any, flags: Iterable[str]) -> Any:
    values = [_flag(block.get(flag, False)) for flag in flags]
    for value in values:
        if isinstance(value, Unresolved):
            return value
    return all(value is True for value in values)


def _rules(value: Any) -> list[Any]:
    if value is _MISSING or value is None:
        return []
    return [rule for rule in (value if isinstance(value, list) else [value]) if isinstance(rule, dict)]


def _enabled(rule: Any, key: str, on: Any = True, default: Any = True) -> bool | Unresolved:
    value = rule.get(key, default)
    if isinstance(value, Unresolved):
        return value
    if isinstance(on, str):
        return str(value).lower() == on.lower()
    return _flag(value) is True


def _days(rules: list[Any], enabled: Any, paths: Iterable[tuple[str, ...]]) -> Any:
    """Shortest expiry among enabled rules (None when nothing expires)."""
    found: list[float] = []
    for rule in rules:
        state = enabled(rule)
        if isinstance(state, Unresolved):
            return state
        if not state:
            continue
        for path in paths:
            value = lookup(rule, path)
            if value is _MISSING or value is None:
                continue
            if isinstance(value, list):  # several blocks of the same kind
                value = next((v for v in value if v is not None), _MISSING)
                if value is _MISSING:
                    continue
            if isinstance(value, Unresolved):
                return value
            try:
                found.append(float(value))
            except (TypeError, ValueError):
                return Unresolved(str(value), "not a number of days")
    if not found:
        return _MISSING
    best = min(found)
    return int(best) if best.is_integer() else best


def _any_enabled(rules: list[Any], enabled: Any) -> Any:
    states = [enabled(rule) for rule in rules]
    for state in states:
        if isinstance(state, Unresolved):
            return state
    return any(states)


def _s3_enabled(rule: Any) -> Any:
    return _enabled(rule, "status", "Enabled", "Enabled")


def _inline_enabled(rule: Any) -> Any:
    return _enabled(rule, "enabled", True, False)


_S3_DAYS = (("expiration", "days"), ("noncurrent_version_expiration", "noncurrent_days"))
_S3_INLINE_DAYS = (("expiration", "days"), ("noncurrent_version_expiration", "days"))


@transform("s3_lifecycle_rules")
def s3_lifecycle_rules(_: Any, resource: Resource) -> Any:
    return _any_enabled(_rules(resource.attributes.get("rule")), _s3_enabled)


@transform("s3_min_expiration")
def s3_min_expiration(_: Any, resource: Resource) -> Any:
    return _days(_rules(resource.attributes.get("rule")), _s3_enabled, _S3_DAYS)


@transform("s3_inline_lifecycle_rules")
def s3_inline_lifecycle_rules(_: Any, resource: Resource) -> Any:
    return _any_enabled(_rules(resource.attributes.get("lifecycle_rule")), _inline_enabled)


@transform("s3_inline_min_expiration")
def s3_inline_min_expiration(_: Any, resource: Resource) -> Any:
    return _days(_rules(resource.attributes.get("lifecycle_rule")), _inline_enabled, _S3_INLINE_DAYS)


def _cfn_rules(resource: Resource) -> list[Any]:
    return _rules(lookup(resource.attributes, ("LifecycleConfiguration", "Rules")))


def _cfn_enabled(rule: Any) -> Any:
    return _enabled(rule, "Status", "Enabled", "Enabled")


@transform("cfn_lifecycle_rules")
def cfn_lifecycle_rules(_: Any, resource: Resource) -> Any:
    return _any_enabled(_cfn_rules(resource), _cfn_enabled)


@transform("cfn_min_expiration")
def cfn_min_expiration(_: Any, resource: Resource) -> Any:
    return _days(_cfn_rules(resource), _cfn_enabled, (("ExpirationInDays",), ("NoncurrentVersionExpirationInDays",),
                                                      ("NoncurrentVersionExpiration", "NoncurrentDays")))


def _gcs_delete(rule: Any) -> Any:
    kind = lookup(rule, ("action", "type"))
    return kind if isinstance(kind, Unresolved) else str(kind).lower() == "delete"


@transform("gcs_lifecycle_rules")
def gcs_lifecycle_rules(_: Any, resource: Resource) -> Any:
    return bool(_rules(resource.attributes.get("lifecycle_rule")))


@transform("gcs_min_expiration")
def gcs_min_expiration(_: Any, resource: Resource) -> Any:
    return _days(_rules(resource.attributes.get("lifecycle_rule")), _gcs_delete,
                 (("condition", "age"), ("condition", "days_since_noncurrent_time")))


_AZURE_TF_DAYS = (("actions", "base_blob", "delete_after_days_since_modification_greater_than"),
                  ("actions", "base_blob", "delete_after_days_since_creation_greater_than"),
                  ("actions", "version", "delete_after_days_since_creation"),
                  ("actions", "snapshot", "delete_after_days_since_creation_greater_than"))
_ARM_DAYS = (("definition", "actions", "baseBlob", "delete", "daysAfterModificationGreaterThan"),
             ("definition", "actions", "baseBlob", "delete", "daysAfterCreationGreaterThan"),
             ("definition", "actions", "version", "delete", "daysAfterCreationGreaterThan"),
             ("definition", "actions", "snapshot", "delete", "daysAfterCreationGreaterThan"))


def _azure_enabled(rule: Any) -> Any:
    return _enabled(rule, "enabled", True, True)


@transform("azure_tf_lifecycle_rules")
def azure_tf_lifecycle_rules(_: Any, resource: Resource) -> Any:
    return _any_enabled(_rules(resource.attributes.get("rule")), _azure_enabled)


@transform("azure_tf_min_expiration")
def azure_tf_min_expiration(_: Any, resource: Resource) -> Any:
    return _days(_rules(resource.attributes.get("rule")), _azure_enabled, _AZURE_TF_DAYS)


def _arm_rules(resource: Resource) -> list[Any]:
    return _rules(lookup(resource.attributes, ("properties", "policy", "rules")))


@transform("arm_lifecycle_rules")
def arm_lifecycle_rules(_: Any, resource: Resource) -> Any:
    return _any_enabled(_arm_rules(resource), _azure_enabled)


@transform("arm_min_expiration")
def arm_min_expiration(_: Any, resource: Resource) -> Any:
    return _days(_arm_rules(resource), _azure_enabled, _ARM_DAYS)
