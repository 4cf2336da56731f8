"""Transforms for ``storage.yaml``: public access and lifecycle expiry of buckets on every cloud."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scanner.mappings import MISSING, lookup, transform
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
    if value is MISSING or value is None:
        return []
    return [rule for rule in (value if isinstance(value, list) else [value]) if isinstance(rule, dict)]


def _setting(key: str, on: Any, default: Any) -> Callable[[Any], Any]:
    """A rule is in force when ``key`` is ``on`` (a status string, or a boolean flag)."""
    def in_force(rule: Any) -> Any:
        value = rule.get(key, default)
        if isinstance(value, Unresolved):
            return value
        if isinstance(on, str):
            return str(value).lower() == on.lower()
        return _flag(value) is True
    return in_force


def _gcs_deletes(rule: Any) -> Any:
    kind = lookup(rule, ("action", "type"))
    return kind if isinstance(kind, Unresolved) else str(kind).lower() == "delete"


@dataclass(frozen=True)
class _Dialect:
    """How one IaC spells lifecycle rules: where they are, which are in force, where their expiry is."""

    rules: tuple[str, ...]
    in_force: Callable[[Any], Any]
    expiry_days: tuple[tuple[str, ...], ...]
    expires: Callable[[Any], Any] = lambda rule: True  # GCS: only a Delete action expires objects

    def any_in_force(self, resource: Resource) -> Any:
        rules = lookup(resource.attributes, self.rules)
        if isinstance(rules, Unresolved):  # a parameter, or a live answer that could not be read
            return rules
        states = [self.in_force(rule) for rule in _rules(rules)]
        return next((s for s in states if isinstance(s, Unresolved)), any(states))

    def shortest_expiry(self, resource: Resource) -> Any:
        """Shortest expiry in days among rules in force; missing when nothing expires."""
        rules = lookup(resource.attributes, self.rules)
        if isinstance(rules, Unresolved):
            return rules
        found: list[float] = []
        for rule in _rules(rules):
            for state in (self.in_force(rule), self.expires(rule)):
                if isinstance(state, Unresolved):
                    return state
            if not (self.in_force(rule) and self.expires(rule)):
                continue
            for path in self.expiry_days:
                value = lookup(rule, path)
                if isinstance(value, list):  # several blocks of one kind: the first that is set
                    value = next((v for v in value if v is not None), MISSING)
                if value is MISSING or value is None:
                    continue
                if isinstance(value, Unresolved):
                    return value
                try:
                    found.append(float(value))
                except (TypeError, ValueError):
                    return Unresolved(str(value), "not a number of days")
        if not found:
            return MISSING
        best = min(found)
        return int(best) if best.is_integer() else best


_DIALECTS = {
    "s3": _Dialect(("rule",), _setting("status", "Enabled", "Enabled"),
                   (("expiration", "days"), ("noncurrent_version_expiration", "noncurrent_days"))),
    "s3_inline": _Dialect(("lifecycle_rule",), _setting("enabled", True, False),
                          (("expiration", "days"), ("noncurrent_version_expiration", "days"))),
    "cfn": _Dialect(("LifecycleConfiguration", "Rules"), _setting("Status", "Enabled", "Enabled"),
                    (("ExpirationInDays",), ("NoncurrentVersionExpirationInDays",),
                     ("NoncurrentVersionExpiration", "NoncurrentDays"))),
    # Live S3 (GetBucketLifecycleConfiguration, joined as LifecycleRules by scanner/collectors/aws.py).
    "s3_api": _Dialect(("LifecycleRules",), _setting("Status", "Enabled", "Enabled"),
                       (("Expiration", "Days"), ("NoncurrentVersionExpiration", "NoncurrentDays"))),
    "gcs": _Dialect(("lifecycle_rule",), lambda rule: True, (("condition", "age"),
                                                            ("condition", "days_since_noncurrent_time")),
                    expires=_gcs_deletes),
    "azure_tf": _Dialect(("rule",), _setting("enabled", True, True),
                         (("actions", "base_blob", "delete_after_days_since_modification_greater_than"),
                          ("actions", "base_blob", "delete_after_days_since_creation_greater_than"),
                          ("actions", "version", "delete_after_days_since_creation"),
                          ("actions", "snapshot", "delete_after_days_since_creation_greater_than"))),
    "arm": _Dialect(("properties", "policy", "rules"), _setting("enabled", True, True),
                    (("definition", "actions", "baseBlob", "delete", "daysAfterModificationGreaterThan"),
                     ("definition", "actions", "baseBlob", "delete", "daysAfterCreationGreaterThan"),
                     ("definition", "actions", "version", "delete", "daysAfterCreationGreaterThan"),
                     ("definition", "actions", "snapshot", "delete", "daysAfterCreationGreaterThan"))),
}


def _register(prefix: str, dialect: _Dialect) -> None:
    """``<prefix>_lifecycle_rules`` (any rule in force) and ``<prefix>_min_expiration`` (days)."""
    transform(f"{prefix}_lifecycle_rules")(lambda _, resource: dialect.any_in_force(resource))
    transform(f"{prefix}_min_expiration")(lambda _, resource: dialect.shortest_expiry(resource))


for _prefix, _dialect in _DIALECTS.items():
    _register(_prefix, _dialect)
