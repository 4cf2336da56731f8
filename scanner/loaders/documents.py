"""Line-aware YAML and JSON documents for loaders, with one ParseError (file and line) when malformed."""

from __future__ import annotations

import json
from typing import Any

from scanner.loaders.base import ParseError


def yaml_documents(path: str, text: str, fmt: str) -> tuple[list[Any], ParseError | None]:
    """Every document of a YAML file, or the error that stopped the parser."""
    import yaml  # imported by the first YAML file: loaders that use this module are asked about .tf files too

    from scanner.loaders.yaml_lines import error_line, load_documents

    try:
        return load_documents(text), None
    except yaml.YAMLError as exc:
        problem = str(getattr(exc, "problem", None) or exc).strip()
        return [], ParseError(path, error_line(exc), f"invalid YAML: {problem}", fmt)


def json_document(path: str, text: str, fmt: str) -> tuple[Any, ParseError | None]:
    """A JSON file as line-aware dicts; strict JSON first, as its messages name the exact position."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return None, ParseError(path, exc.lineno, f"invalid JSON: {exc.msg}", fmt)
    documents, error = yaml_documents(path, text.replace("\t", "  "), fmt)
    if error is not None:  # valid JSON PyYAML cannot read (rare: very long keys); no lines then
        return json.loads(text), None
    return (documents[0] if documents else None), None


def structured(path: str, text: str, fmt: str) -> tuple[list[Any], ParseError | None]:
    """The documents of a YAML or JSON file (chosen by the first character)."""
    if text.lstrip().startswith(("{", "[")):
        document, error = json_document(path, text, fmt)
        return ([] if document is None else [document]), error
    return yaml_documents(path, text, fmt)
