"""Read a value of a type the file may have got wrong: a number, a list, a mapping, or ``Unresolved``.

Files say anything (``from_port = ""``, ``containers: -1``, ``replicas: [1]``, NaN in JSON); the
provider would reject such a value, so it is neither a pass nor a fault of the tool: each reader
here returns the value in the type asked for, or an ``Unresolved`` saying what was written instead,
so the checks that need it are ``unknown`` with that reason. An ``Unresolved`` passes through.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scanner.model import Unresolved
from scanner.regex import lazy_compile

_WHOLE = lazy_compile(r"\s*[-+]?\d+\s*")


def shown(value: Any) -> str:
    """A short spelling of a written value, for a reason text."""
    text = repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"
    return text if len(text) <= 40 else text[:37] + "..."


def whole(value: Any, what: str = "value") -> int | Unresolved:
    """An integer (``5``, ``"5"``, ``5.0``); anything else is unresolved with the reason."""
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    return Unresolved(shown(value), f"{what} is {shown(value)}, not a whole number")


def number(value: Any, what: str = "value") -> float | Unresolved:
    """A finite number (``1.5``, ``"1.5"``, ``2``); anything else is unresolved with the reason."""
    if isinstance(value, Unresolved):
        return value
    result: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value)
        except ValueError:
            result = None
    if result is None or not math.isfinite(result):
        return Unresolved(shown(value), f"{what} is {shown(value)}, not a number")
    return result


def listed(value: Any, what: str = "value") -> list[Any] | Unresolved:
    """A list (absent or null is empty); a scalar or mapping where a list belongs is unresolved."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Unresolved):
        return value
    return Unresolved(shown(value), f"{what} is {shown(value)}, not a list")


def mapped(value: Any, what: str = "value") -> Mapping[str, Any] | Unresolved:
    """A mapping (absent or null is empty); anything else where a mapping belongs is unresolved."""
    if value is None:
        return {}
    if isinstance(value, (Mapping, Unresolved)):
        return value
    return Unresolved(shown(value), f"{what} is {shown(value)}, not a mapping")
