"""``json.dumps(value, indent=2, default=str)``, byte for byte, several times faster on large reports.

The standard library encodes indented JSON in pure Python (its C encoder only does the compact
layout), as a tower of generators yielding one small chunk at a time: most of the time of
rendering a 25,000-finding report. This writes the same layout with one plain recursive
function that builds each container's text with ``str.join`` and leaves every string to the C
escaper the standard encoder itself uses (``ensure_ascii``). Same rules, in the standard
encoder's order: ``str`` (subclasses too), ``None``, ``True``/``False``, ``int`` (by
``int.__repr__``, so an ``IntEnum`` is its number), ``float`` (``NaN``/``Infinity`` as the
standard encoder writes them), lists and tuples, dicts (keys converted the same way, or
TypeError), anything else through ``str``. Not handled: circular containers (a report holds none).
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring_ascii as _string
from typing import Any

_INFINITY = float("inf")
_INDENT = "  "


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _string(key)
    if isinstance(key, float):
        text = _float(key)
    elif key is True:
        text = "true"
    elif key is False:
        text = "false"
    elif key is None:
        text = "null"
    elif isinstance(key, int):
        text = int.__repr__(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")
    return _string(text)


_NEWLINES = ["\n" + _INDENT * level for level in range(64)]


def _newline(level: int) -> str:
    return _NEWLINES[level] if level < len(_NEWLINES) else "\n" + _INDENT * level


def _encoder() -> Callable[[Any, int], str]:
    """A fresh encoding function, with its own memo of the text of the dict keys it has met."""
    keys: dict[str, str] = {}  # a report repeats a few keys ("policy_id", "line"...) tens of thousands of times

    def encode(value: Any, level: int) -> str:
        if isinstance(value, str):
            return _string(value)
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            return _float(value)
        if isinstance(value, (list, tuple)):
            if not value:
                return "[]"
            inner = _newline(level + 1)
            return "[" + inner + ("," + inner).join([_string(item) if type(item) is str else encode(item, level + 1)
                                                    for item in value]) + _newline(level) + "]"
        if isinstance(value, dict):
            if not value:
                return "{}"
            parts = []
            for key, item in value.items():
                if type(key) is str:
                    text = keys.get(key)
                    if text is None:
                        text = keys[key] = _string(key) + ": "
                else:
                    text = _key(key) + ": "
                # The common values inline: a call per item is most of the cost.
                parts.append(text + (_string(item) if type(item) is str else "null" if item is None
                                     else encode(item, level + 1)))
            inner = _newline(level + 1)
            return "{" + inner + ("," + inner).join(parts) + _newline(level) + "}"
        return encode(str(value), level)  # default=str

    return encode


def dumps(value: Any) -> str:
    """The text ``json.dumps(value, indent=2, default=str)`` returns."""
    return _encoder()(value, 0)
