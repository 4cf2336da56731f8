"""Native Terraform JSON (``*.tf.json``) as the HCL loader's values, with lines.

Terraform's JSON syntax (https://developer.hashicorp.com/terraform/language/syntax/json) spells
the same blocks as objects: ``{"resource": {"aws_s3_bucket": {"logs": {...}}}}``; a string holding
``${...}`` or ``%{...}`` is a template, so it becomes the ``Unresolved`` quoted template the HCL loader
would have produced and ``link`` evaluates it alike. Variable defaults are literal values (no
templates), as Terraform reads them. Nested objects and arrays of objects inside a block are nested
blocks (``"ingress": [{...}]``); ``"dynamic": {"ingress": {...}}`` is a dynamic block.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.loaders.base import BlockList, LoadResult, ParseError
from scanner.model import Unresolved

_COMMENT = "//"  # a JSON block's comment property


def load(path: str, text: str, name: str) -> tuple[Any, LoadResult | None]:
    """The document as line-aware values, or a LoadResult holding the parse error."""
    try:
        json.loads(text)  # strict JSON first: its messages name the exact position
    except json.JSONDecodeError as exc:
        return None, LoadResult(errors=[ParseError(path, exc.lineno, f"invalid JSON: {exc.msg}", name)])
    import yaml

    from scanner.loaders.yaml_lines import error_line, load_documents

    try:
        documents = load_documents(text.replace("\t", "  "))
    except yaml.YAMLError as exc:
        return None, LoadResult(errors=[ParseError(path, error_line(exc), f"invalid JSON: {exc}", name)])
    document = documents[0] if documents else None
    if not isinstance(document, dict):
        return None, LoadResult(errors=[ParseError(path, 1, "a .tf.json file holds one JSON object", name)])
    return document, None


def blocks(document: dict[str, Any]) -> list[tuple[list[str], LineDict, int, int]]:
    """(type and labels, body, first line, last line) of each top-level block, as ``hcl_tree`` gives them."""
    out: list[tuple[list[str], LineDict, int, int]] = []
    for kind, content in document.items():
        if kind == _COMMENT:
            continue
        labels = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1}.get(kind, 0)
        for header, body in _labelled(content, labels, [kind]):
            literal = kind == "variable"
            converted = _body(body, literal)
            out.append((header, converted, converted.line, converted.end_line))
    return out


def _labelled(content: Any, depth: int, header: list[str]) -> list[tuple[list[str], Any]]:
    """The bodies under ``depth`` levels of labels (an array at any level repeats the block)."""
    if isinstance(content, list):
        return [found for item in content for found in _labelled(item, depth, header)]
    if depth == 0:
        return [(header, content)] if isinstance(content, dict) else []
    if not isinstance(content, dict):
        return []
    return [found for label, inner in content.items() if label != _COMMENT
            for found in _labelled(inner, depth - 1, [*header, str(label)])]


def _body(raw: Any, literal: bool) -> LineDict:
    out = LineDict()
    out.line = getattr(raw, "line", 0)
    out.end_line = getattr(raw, "end_line", 0) or out.line
    out.key_lines = dict(getattr(raw, "key_lines", None) or {})
    if not isinstance(raw, dict):
        return out
    for key, value in raw.items():
        if key == _COMMENT:
            continue
        if key == "dynamic" and isinstance(value, dict):
            out[key] = _dynamic(value)
        elif isinstance(value, dict) and not literal:
            out[key] = _blocks([value], getattr(value, "line", out.line))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and not literal:
            out[key] = _blocks(value, getattr(value, "line", out.line))
        else:
            out[key] = _value(value, literal)
    return out


def _blocks(items: list[Any], line: int) -> BlockList:
    found = BlockList(_body(item, False) for item in items)
    found.line = line
    return found


def _dynamic(value: dict[str, Any]) -> BlockList:
    """``"dynamic": {"ingress": {"for_each": ..., "content": {...}}}`` as the HCL loader's dynamic blocks."""
    found = BlockList()
    found.line = getattr(value, "line", 0)
    for name, spec in value.items():
        for item in spec if isinstance(spec, list) else [spec]:
            body = _body(item, False)
            body["__labels__"] = [name]
            found.append(body)
    return found


def _value(value: Any, literal: bool) -> Any:
    if isinstance(value, str):
        return value if literal or ("${" not in value and "%{" not in value) else Unresolved(_quoted(value))
    if isinstance(value, list):
        out = LineList(_value(v, literal) for v in value)
        out.line, out.end_line = getattr(value, "line", 0), getattr(value, "end_line", 0)
        return out
    if isinstance(value, dict):
        return {k: _value(v, literal) for k, v in value.items()}
    return value


def _quoted(text: str) -> str:
    """A JSON string as the HCL quoted template it stands for: the literal parts escaped, the
    ``${...}``/``%{...}`` parts as written (their own strings need no escaping there)."""
    parts: list[str] = []
    pos = 0
    while True:
        start = min((i for i in (text.find("${", pos), text.find("%{", pos)) if i >= 0), default=-1)
        if start < 0:
            parts.append(_escape(text[pos:]))
            break
        parts.append(_escape(text[pos:start]))
        end = _closing(text, start + 2)
        parts.append(text[start:end])
        pos = end
    return '"' + "".join(parts) + '"'


def _closing(text: str, pos: int) -> int:
    """The end of the interpolation opened before ``pos``: after its matching brace (quotes respected)."""
    depth = 1
    quoted = False
    while pos < len(text) and depth:
        char = text[pos]
        if quoted:
            if char == "\\":
                pos += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        pos += 1
    return pos


def _escape(text: str) -> str:
    return json.dumps(text)[1:-1]
