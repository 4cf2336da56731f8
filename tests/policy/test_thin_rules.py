"""The check functions' rules over facts, as (input facts, expected outcome) tables: each row is a case a
reader can check against the function's docstring without a fixture file."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.loaders.addressing import addresses_named, written_reference
from scanner.model import Unresolved
from scanner.policy.functions import storage


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
