"""How reports show a value, and how a message or fix template is filled: shared by the engine, the
policy functions, the reporters and the drift report, so every one of them shows a value the same way."""

from __future__ import annotations

import re
from typing import Any

from scanner.units import Quantity

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def display(value: Any) -> Any:
    """A value as reports show it: quantities in their own spelling, booleans lower-case."""
    kind = type(value)
    if kind is str or kind is int or value is None:  # most values: nothing to do (bool is not int here)
        return value
    if isinstance(value, Quantity):
        return str(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return [display(v) for v in value]
    if isinstance(value, dict):
        return {str(k): display(v) for k, v in value.items()}
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def fill(template: str, values: dict[str, Any]) -> str:
    """``{name}`` placeholders filled from ``values``; unknown names are left as written."""
    if "{" not in template:  # most messages a check wrote itself: nothing to fill
        return template
    parts = _TEMPLATES.get(template)
    if parts is None:
        if len(_TEMPLATES) >= 4096:  # a check's own messages may be many: bounded
            _TEMPLATES.clear()
        # literal text and names in turn (split on a pattern with a group keeps the names, at odd positions)
        parts = _TEMPLATES[template] = _PLACEHOLDER.split(template)
    return "".join(part if i % 2 == 0 else str(values[part]) if part in values else "{" + part + "}"
                   for i, part in enumerate(parts))


_TEMPLATES: dict[str, list[str]] = {}  # a template -> its parts (see fill)
