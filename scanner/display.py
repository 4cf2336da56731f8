"""How reports show a value, and how a message or fix template is filled: shared by the engine, the
policy functions, the reporters and the drift report, so every one of them shows a value the same way."""

from __future__ import annotations

import re
from typing import Any

from scanner.regex import lazy_compile
from scanner.units import Quantity

_PLACEHOLDER = lazy_compile(r"\{(\w+)\}")
# What a terminal acts on instead of showing: C0 controls but tab (newline apart, see ``visible``), DEL, the
# C1 controls (U+009B is a CSI by itself) and the bidirectional embeddings, overrides and isolates that
# reorder what is shown ("Trojan Source").
_CONTROLS = lazy_compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BUT_NEWLINE = lazy_compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def visible(text: str, newlines: bool = False) -> str:
    """``text`` safe for a terminal: each control character written as an escape (``\\x1b``, ``\\r``,
    ``\\u202e``), so an escape sequence in a file name or value is shown, never acted on; newlines kept
    when ``newlines``, tabs always."""
    pattern = _CONTROLS_BUT_NEWLINE if newlines else _CONTROLS
    return pattern.sub(_escape, text) if pattern.search(text) else text


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
    return "".join(part if i % 2 == 0 else shown(values[part]) if part in values else "{" + part + "}"
                   for i, part in enumerate(parts))


def shown(value: Any) -> str:
    """A value inside a sentence: a string as it is, anything else as ``in_syntax(value, "plain")`` (a list
    ``a, b``, never the Python repr ``['a', 'b']``)."""
    return value if type(value) is str else in_syntax(value, "plain")


_TEMPLATES: dict[str, list[str]] = {}  # a template -> its parts (see fill)


# The syntax each format writes a value in; formats not listed (conf files, SQL, shell, Dockerfiles) write bare words.
_SYNTAX = {"terraform": "hcl", "terraform-plan": "json", "arm": "json", "grafana": "json", "k6": "json",
           "kubernetes": "yaml", "cloudformation": "yaml", "prometheus": "yaml", "dr-config": "yaml"}
_YAML_PLAIN = lazy_compile(r"[A-Za-z0-9_./@%+=~*<>$(-][^,\[\]{}#:\"']*")
_YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "~"})


def syntax_of(fmt: str, path: str | None = None) -> str:
    """``hcl``, ``json``, ``yaml`` or ``plain``: how a file of format ``fmt`` (at ``path``) writes a value."""
    syntax = _SYNTAX.get(fmt, "plain")
    if syntax == "yaml" and path and path.lower().endswith(".json"):  # CloudFormation and manifests in JSON
        return "json"
    return syntax


def in_syntax(value: Any, syntax: str) -> str:
    """A value as the source would write it (``["10.0.0.0/16"]`` in HCL, ``[10.0.0.0/16]`` in YAML), never a
    Python repr; a string on its own is shown bare, as a report's declared and required columns always did."""
    if isinstance(value, str):
        return value
    return _nested(value, syntax)


def _nested(value: Any, syntax: str) -> str:
    if isinstance(value, (bool, Quantity)):
        return str(display(value))
    if isinstance(value, tuple):
        value = list(value)
    if value is None:
        return "null" if syntax in ("json", "hcl", "yaml") else "none"
    if isinstance(value, str):
        if syntax == "plain" or (syntax == "yaml" and _YAML_PLAIN.fullmatch(value) and value.lower()
                                 not in _YAML_WORDS and value.strip() == value):
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        items = [_nested(item, syntax) for item in value]
        return ", ".join(items) if syntax == "plain" else "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        if syntax == "hcl":
            return "{ " + ", ".join(f"{k} = {_nested(v, syntax)}" for k, v in value.items()) + " }"
        pairs = [f"{_nested(str(k), syntax)}: {_nested(v, syntax)}" for k, v in value.items()]
        return ("{" + ", ".join(pairs) + "}") if syntax != "plain" else ", ".join(
            f"{k}={_nested(v, syntax)}" for k, v in value.items())
    return str(value)  # numbers, and what has no syntax of its own
