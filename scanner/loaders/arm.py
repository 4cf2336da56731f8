"""Azure Resource Manager templates (JSON), with parameters and variables resolved.

``[parameters('x')]`` takes the parameter's ``defaultValue`` (or a value from a parameters
file given in the context), ``[variables('x')]`` the variable; any other template
expression stays ``Unresolved`` so checks on it are unknown rather than guessed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.yaml_lines import LineDict, LineList, error_line, load_documents
from scanner.model import Origin, Resource, Unresolved

NAME = "arm"
PRIORITY = 10
_SNIFF = re.compile(r"schema\.management\.azure\.com/schemas/[^\"]*deploymentTemplate", re.I)
_CALL = re.compile(r"^\[\s*(parameters|variables)\(\s*'([^']+)'\s*\)\s*\]$")


class ArmLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in (".json", ".jsonc", ".yaml", ".yml") and bool(_SNIFF.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        try:
            json.loads(text)  # strict JSON first: its messages name the exact position
        except json.JSONDecodeError as exc:
            return LoadResult(errors=[ParseError(path, exc.lineno, f"invalid JSON: {exc.msg}", NAME)])
        try:
            documents = load_documents(text.replace("\t", "  "))
        except yaml.YAMLError as exc:
            return LoadResult(errors=[ParseError(path, error_line(exc), f"invalid template: {exc}", NAME)])
        template = documents[0] if documents else None
        if not isinstance(template, dict) or not isinstance(template.get("resources"), list):
            return LoadResult(errors=[ParseError(path, 1, "not an ARM template: no resources array", NAME)])
        scope = _Scope(template.get("parameters") or {}, template.get("variables") or {})
        result = LoadResult()
        _collect(template["resources"], path, scope, result, parent=None)
        return result


class _Scope:
    def __init__(self, parameters: dict[str, Any], variables: dict[str, Any]) -> None:
        self.parameters = parameters
        self.variables = variables

    def resolve(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str) and value.startswith("[") and not value.startswith("[["):
            match = _CALL.match(value)
            if match and depth < 8:
                kind, name = match.groups()
                if kind == "parameters":
                    param = self.parameters.get(name)
                    if not isinstance(param, dict):
                        return Unresolved(value, f"parameter {name!r} is not declared")
                    if "defaultValue" not in param:
                        return Unresolved(value, f"parameter {name!r} has no defaultValue")
                    if param.get("type", "").lower() in ("securestring", "secureobject"):
                        return Unresolved(value, f"parameter {name!r} is secure (a secret reference)")
                    return self.resolve(param["defaultValue"], depth + 1)
                if name not in self.variables:
                    return Unresolved(value, f"variable {name!r} is not declared")
                return self.resolve(self.variables[name], depth + 1)
            return Unresolved(value, "template expression evaluated at deployment")
        if isinstance(value, dict):
            out = LineDict((k, self.resolve(v, depth)) for k, v in value.items())
            out.line, out.end_line = getattr(value, "line", 0), getattr(value, "end_line", 0)
            out.key_lines = getattr(value, "key_lines", {})
            return out
        if isinstance(value, list):
            out_list = LineList(self.resolve(v, depth) for v in value)
            out_list.line, out_list.end_line = getattr(value, "line", 0), getattr(value, "end_line", 0)
            return out_list
        return value


def _collect(items: list[Any], path: str, scope: _Scope, result: LoadResult, parent: str | None) -> None:
    for item in items:
        if not isinstance(item, dict) or "type" not in item:
            result.errors.append(ParseError(path, getattr(item, "line", None), "resource without a type", NAME))
            continue
        rtype = str(item["type"])
        if parent and "/" not in rtype.split("/", 1)[-1] and not rtype.startswith("Microsoft."):
            rtype = f"{parent}/{rtype}"
        resolved = scope.resolve(item)
        name = resolved.get("name")
        address = name if isinstance(name, str) else str(item.get("name"))
        origin = Origin(path, getattr(item, "line", None), getattr(item, "end_line", None))
        result.resources.append(Resource("azure", rtype, f"{rtype}/{address}", origin, resolved, format=NAME))
        children = item.get("resources")
        if isinstance(children, list):
            _collect(children, path, scope, result, parent=rtype)


LOADER = ArmLoader()
