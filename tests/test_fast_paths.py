"""Shortcuts taken for speed give the answers of the general code they stand in front of.

Each speed-up of a hot path keeps the slow, general form as its reference (a regular expression, an
uncached parse); these tests compare the two on the shapes the shortcut handles and on random input,
so a shortcut that drifts from the reference fails here rather than in a report.
"""

from __future__ import annotations

import random

import pytest

from scanner.mappings.remediation import _TF_LABELS, terraform_labels
from scanner.units import SIZE, _parse_text, parse_quantity


def _labels_by_search(address: str) -> tuple[str, str]:
    match = _TF_LABELS.search(address)
    return (address, address) if match is None else (match.group(1), match.group(2))


@pytest.mark.parametrize("address", [
    "aws_db_instance.main", "data.aws_iam_policy_document.this", "module.db.aws_db_instance.main",
    'module.s3["a.b"].aws_s3_bucket.this["logs"]', 'aws_s3_bucket.this["a[b"]', "aws_s3_bucket.b[0]",
    "a.b[x]y]", "p.q[x.y[z]", "9abc.d", "-b.c", "a-b.c", "x", "", ".a", "a.", "a..b", "módulo.tipo_ñ.nombre",
    'module.m["k"].module.n[2].google_sql_database_instance.primary',
])
def test_terraform_labels_agree_with_the_search(address: str) -> None:
    assert terraform_labels(address) == _labels_by_search(address)


def test_terraform_labels_agree_with_the_search_on_random_addresses() -> None:
    rng = random.Random(11)
    alphabet = 'ab_-.[]"9:xé '
    for _ in range(20000):
        address = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert terraform_labels(address) == _labels_by_search(address), address


def test_remembered_quantities_are_the_parsed_ones() -> None:
    for text in ("8GB", " 8GB", "8gb", "1h30m", "30", "true", "postgres", "0.5", "-1e3m", "x" * 70 + "GB"):
        for dimension, unit in ((None, None), (SIZE, None), (SIZE, "GiB"), ("duration", "d"), ("cpu", None)):
            assert parse_quantity(text, dimension, unit) == _parse_text(text, dimension, unit)
    # a bool or a number is never looked up as the text it equals
    assert parse_quantity(True, SIZE, "GiB") is None
    assert parse_quantity(1, SIZE, "GiB") == _parse_text("1GiB", SIZE, None)
