from __future__ import annotations

import pytest

from scanner.units import CPU, DURATION, SIZE, comparable, parse_quantity


@pytest.mark.parametrize(("a", "b"), [
    ("8GB", "8192MB"), ("8GB", "8388608kB"), ("1Gi", "1024Mi"), ("8gb", "8GB"), ("1TB", "1024GB"),
    ("30d", "720h"), ("1h", "60min"), ("15s", "15000ms"), ("1y", "365d"), ("30 days", "30d"),
    ("1h30m", "90min"), ("3 hours", "180min"),
])
def test_equal_quantities(a: str, b: str) -> None:
    x, y = comparable(a, b)
    assert x == y


def test_decimal_si_suffixes_differ_from_binary() -> None:
    assert parse_quantity("1G").value == 1e9  # type: ignore[union-attr]
    assert parse_quantity("1GB").value == 1024**3  # type: ignore[union-attr]
    assert parse_quantity("500M", SIZE).value == 500e6  # type: ignore[union-attr]


def test_cpu_millicores() -> None:
    assert parse_quantity("1000m", CPU).value == 1.0  # type: ignore[union-attr]
    assert parse_quantity("2", CPU, "cpu").value == 2.0  # type: ignore[union-attr]


def test_bare_number_needs_a_unit() -> None:
    assert parse_quantity(30) is None
    assert parse_quantity(30, DURATION, "d").value == 30 * 86400  # type: ignore[union-attr]


def test_mismatched_dimensions_refuse_to_compare() -> None:
    with pytest.raises(TypeError):
        comparable(parse_quantity("8GB"), parse_quantity("30d"))


def test_plain_values_pass_through() -> None:
    assert comparable("abc", "abc") == ("abc", "abc")
    assert comparable(3, 4) == (3, 4)
