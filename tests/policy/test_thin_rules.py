"""The check functions' rules over facts, as (input facts, expected outcome) tables: each row is a case a
reader can check against the function's docstring without a fixture file."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.loaders.addressing import addresses_named, written_reference
from scanner.mappings import normalize
from scanner.mappings.compute import ssd_class
from scanner.mappings.remediation import native_value
from scanner.model import Origin, Resource, Unresolved
from scanner.policy.functions import database, storage


@pytest.mark.parametrize(("parent", "prefix", "expected"), [
    (Unresolved("${aws_s3_bucket.logs.id}"), "", (["aws_s3_bucket.logs.id", "aws_s3_bucket", "aws_s3_bucket.logs"],
                                                  [])),
    (Unresolved("aws_s3_bucket.b[*].id"), "module.m.", (["module.m.aws_s3_bucket.b[*].id", "module.m.aws_s3_bucket",
                                                         "module.m.aws_s3_bucket.b[*]", "module.m.aws_s3_bucket.b"],
                                                        [])),
    ("my-bucket", "", ([], ["my-bucket"])),
    (None, "", ([], [])),
])
def test_a_companion_names_its_bucket_by_reference_or_by_name(parent: Any, prefix: str,
                                                              expected: tuple[list[str], list[str]]) -> None:
    assert storage._named(parent, prefix) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (Unresolved("${aws_s3_bucket.a.id}"), "aws_s3_bucket.a.id"),
    (Unresolved(" aws_s3_bucket.a.arn "), "aws_s3_bucket.a.arn"),
    ("aws_s3_bucket.a.id", None),  # a plain string is a name, not a reference
])
def test_the_written_reference_drops_terraform_interpolation(value: Any, expected: str | None) -> None:
    assert written_reference(value) == expected


def test_the_addresses_an_expression_names_are_its_prefixes() -> None:
    assert addresses_named("x.y[*].z") == ["x.y[*].z", "x", "x.y[*]", "x.y"]


def _resource(rtype: str, provider: str, fmt: str, attributes: dict[str, Any]) -> Resource:
    return normalize(Resource(provider, rtype, f"{rtype}.x" if fmt == "terraform" else "X", Origin("main", 1),
                              attributes, format=fmt))


@pytest.mark.parametrize(("rtype", "provider", "accepted", "expected"), [
    ("aws_ebs_volume", "aws", ["gp3"], "gp3"),
    ("aws_ebs_volume", "aws", ["io2"], None),  # the provider's class is not one the policy accepts
    ("google_compute_disk", "gcp", ["pd-ssd"], "pd-ssd"),
    ("google_sql_database_instance", "gcp", [], "PD_SSD"),  # Cloud SQL spells it its own way
    ("azurerm_managed_disk", "azure", ["premium_lrs"], "Premium_LRS"),
])
def test_the_ssd_class_to_suggest(rtype: str, provider: str, accepted: list[str], expected: str | None) -> None:
    assert ssd_class(_resource(rtype, provider, "terraform", {}), accepted) == expected


@pytest.mark.parametrize(("rtype", "fmt", "value", "expected"), [
    ("aws_ecs_service", "terraform", [{"provider": "FARGATE", "weight": 1, "base": 2}],
     [{"capacity_provider": "FARGATE", "weight": 1, "base": 2}]),
    ("AWS::ECS::Cluster", "cloudformation", [{"provider": "FARGATE", "weight": 1, "base": 0}],
     [{"CapacityProvider": "FARGATE", "Weight": 1, "Base": 0}]),
    ("azurerm_redis_cache", "terraform", "C3", 3),  # machine_type: the capacity number of the family
    ("Microsoft.Cache/redis", "arm", "P2", 2),
])
def test_a_fact_value_is_written_as_the_format_spells_it(rtype: str, fmt: str, value: Any, expected: Any) -> None:
    fact = "machine_type" if isinstance(value, str) else "capacity_provider_strategy"
    provider = "azure" if fmt == "arm" or rtype.startswith("azurerm") else "aws"
    assert native_value(_resource(rtype, provider, fmt, {}), fact, value) == expected


@pytest.mark.parametrize(("enabled", "off"), [
    (True, False), ("true", False), (Unresolved("var.backups"), False),  # unknown: not said to be off
    (False, True), (None, True),  # Cloud SQL's default: no automated backups
])
def test_cloud_sql_automated_backups_off(enabled: Any, off: bool) -> None:
    config = {} if enabled is None else {"enabled": enabled}
    resource = _resource("google_sql_database_instance", "gcp", "terraform",
                         {"settings": {"backup_configuration": config}})
    assert database._backups_off(resource, resource.facts) is off


def test_only_a_type_that_says_whether_backups_are_on_has_them_off() -> None:
    resource = _resource("aws_db_instance", "aws", "terraform", {})
    assert database._backups_off(resource, resource.facts) is False
