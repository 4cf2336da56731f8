"""Unit-aware quantities: sizes, durations and CPU, so 8GB == 8192MB and 30d == 720h.

Size suffixes follow the convention shared by PostgreSQL and Redis: a suffix with ``B``
(kB, MB, GB, TB, and the IEC KiB/MiB/GiB) is binary (1024-based), as are the Kubernetes
forms Ki/Mi/Gi/Ti; a bare SI letter (k, M, G, T) is decimal, as in Kubernetes and Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scanner.regex import lazy_compile

SIZE = "size"  # base unit: byte
DURATION = "duration"  # base unit: second
CPU = "cpu"  # base unit: core

_K = 1024
_SIZE_UNITS: dict[str, float] = {
    "b": 1, "byte": 1, "bytes": 1,
    "kb": _K, "kib": _K, "ki": _K,
    "mb": _K**2, "mib": _K**2, "mi": _K**2,
    "gb": _K**3, "gib": _K**3, "gi": _K**3,
    "tb": _K**4, "tib": _K**4, "ti": _K**4,
    "pb": _K**5, "pib": _K**5, "pi": _K**5,
    "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12,
}
# Kubernetes and Redis spell decimal mega with a capital M; lower-case "m" is milli for CPU.
_SIZE_CASE_SENSITIVE = {"M": 1e6, "K": 1e3, "G": 1e9, "T": 1e12, "k": 1e3}

_DURATION_UNITS: dict[str, float] = {
    "us": 1e-6, "ms": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
    "mon": 2592000, "month": 2592000, "months": 2592000,
    "y": 31536000, "year": 31536000, "years": 31536000,
}

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_SINGLE = lazy_compile(rf"^\s*({_NUMBER})\s*([A-Za-z]*)\s*$")
_COMPOUND_PART = lazy_compile(rf"({_NUMBER})\s*([A-Za-z]+)")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A measured amount in a base unit (bytes, seconds, cores); ``text`` keeps the original spelling."""

    value: float
    dimension: str
    text: str = ""

    def __str__(self) -> str:
        return self.text or format_quantity(self)

    def in_unit(self, unit: str) -> float:
        table = {SIZE: _SIZE_UNITS, DURATION: _DURATION_UNITS, CPU: {"": 1.0, "m": 1e-3}}[self.dimension]
        return self.value / table[unit.lower() if self.dimension != CPU else unit]


def _size_factor(unit: str) -> float | None:
    if unit in _SIZE_CASE_SENSITIVE:
        return _SIZE_CASE_SENSITIVE[unit]
    return _SIZE_UNITS.get(unit.lower())


def parse_quantity(value: Any, dimension: str | None = None, default_unit: str | None = None) -> Quantity | None:
    """Parse ``value`` as a quantity; ``None`` when it is not one.

    ``dimension`` disambiguates letters shared by two dimensions (``m`` is minutes, mega or
    milli-CPU); ``default_unit`` applies to bare numbers (a retention of ``30`` days).
    """
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        if default_unit is None or dimension is None:
            return None
        return parse_quantity(f"{value}{default_unit}", dimension)
    if not isinstance(value, str):
        return None
    if len(value) <= 64:
        return _parse_short(value, dimension, default_unit)
    return _parse_text(value, dimension, default_unit)


def _parse_text(value: str, dimension: str | None, default_unit: str | None) -> Quantity | None:
    text = value.strip().strip("'\"")
    match = _SINGLE.match(text)
    if match:
        number, unit = float(match.group(1)), match.group(2)
        if not unit:
            if default_unit is None or dimension is None:
                return None
            unit = default_unit
        return _from_unit(number, unit, dimension, value)
    if dimension in (None, DURATION):
        # Prometheus-style compound durations ("1h30m") and interval lists ("1 day 2 hours").
        parts = _COMPOUND_PART.findall(text)
        if parts and _COMPOUND_PART.sub("", text).strip() == "":
            total = 0.0
            for number, unit in parts:
                factor = _DURATION_UNITS.get(unit.lower())
                if factor is None:
                    return None
                total += float(number) * factor
            return Quantity(total, DURATION, value)
    return None


# The same few short texts are parsed again and again (every check compares a fact with its expected value;
# "true", "postgres", "db.t3.micro" are not quantities either): a pure function of its arguments, remembered.
_parse_short = lru_cache(maxsize=8192, typed=True)(_parse_text)


def _from_unit(number: float, unit: str, dimension: str | None, original: str) -> Quantity | None:
    if dimension == CPU:
        if unit == "m":
            return Quantity(number / 1000, CPU, original)
        if unit.lower() in ("", "vcpu", "cpu", "cores", "core"):
            return Quantity(number, CPU, original)
        return None
    if dimension in (None, SIZE):
        factor = _size_factor(unit)
        if factor is not None and not (dimension is None and unit.lower() in _DURATION_UNITS):
            return Quantity(number * factor, SIZE, original)
        if dimension == SIZE:
            return None
    if dimension in (None, DURATION):
        factor = _DURATION_UNITS.get(unit.lower())
        if factor is not None:
            return Quantity(number * factor, DURATION, original)
    return None


def format_quantity(q: Quantity) -> str:
    if q.dimension == SIZE:
        for unit in ("TB", "GB", "MB", "kB"):
            factor = _SIZE_UNITS[unit.lower()]
            if q.value >= factor and q.value % factor == 0:
                return f"{int(q.value // factor)}{unit}"
        return f"{int(q.value)}B"
    if q.dimension == DURATION:
        for unit in ("d", "h", "min", "s"):
            factor = _DURATION_UNITS[unit]
            if q.value >= factor and q.value % factor == 0:
                return f"{int(q.value // factor)}{unit}"
        return f"{q.value * 1000:g}ms"
    return f"{q.value:g}"


def comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Bring two values to one scale when either is a quantity; otherwise return them unchanged.

    A bare number compared with a quantity takes the quantity's unit as written in the other
    operand's text is unknown, so it is only scaled when its dimension is unambiguous.
    """
    qa = a if isinstance(a, Quantity) else None
    qb = b if isinstance(b, Quantity) else None
    if qa is None and qb is None:
        if isinstance(a, str) and isinstance(b, str):
            pa, pb = parse_quantity(a), parse_quantity(b)
            if pa and pb and pa.dimension == pb.dimension:
                return pa.value, pb.value
        return a, b
    if qa is None:
        qa = parse_quantity(a, qb.dimension if qb else None)
    if qb is None:
        qb = parse_quantity(b, qa.dimension if qa else None)
    if qa is None or qb is None:
        raise TypeError(f"cannot compare {a!r} with {b!r}: one is a quantity, the other is not")
    if qa.dimension != qb.dimension:
        raise TypeError(f"cannot compare a {qa.dimension} ({a}) with a {qb.dimension} ({b})")
    return qa.value, qb.value
