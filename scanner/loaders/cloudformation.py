"""CloudFormation templates (YAML with short-form tags, or JSON), one Resource per logical ID.

``Ref`` to a parameter is replaced by its default; a parameter without a default (or a
``NoEcho`` one) stays ``Unresolved`` naming the parameter, so checks on it become unknown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.yaml_lines import LineDict, LineList, error_line, load_documents
from scanner.model import Origin, Resource, Unresolved

NAME = "cloudformation"
PRIORITY = 10
_SNIFF = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::")


class CloudFormationLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in (".yaml", ".yml", ".json", ".template", ".cfn") and bool(_SNIFF.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        try:
            documents = load_documents(text, cfn_tags=True)
        except yaml.YAMLError as exc:
            return LoadResult(errors=[ParseError(path, error_line(exc), f"invalid template: {_problem(exc)}",
                                                 NAME)])
        template = documents[0] if documents else None
        if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
            return LoadResult(errors=[ParseError(path, 1, "not a CloudFormation template: no Resources mapping",
                                                 NAME)])
        parameters = template.get("Parameters") or {}
        result = LoadResult()
        resources: LineDict = template["Resources"]
        for logical_id, body in resources.items():
            if not isinstance(body, dict) or "Type" not in body:
                result.errors.append(ParseError(path, resources.line_of(logical_id),
                                                f"resource {logical_id} has no Type", NAME))
                continue
            properties = body.get("Properties")
            if not isinstance(properties, LineDict):
                properties = LineDict()
                properties.line = properties.end_line = getattr(body, "line", 0)
                properties.key_lines = {}
            rtype = str(body["Type"])
            origin = Origin(path, resources.line_of(logical_id), getattr(body, "end_line", None))
            result.resources.append(Resource("aws", rtype, logical_id, origin,
                                             _substitute(properties, parameters), format=NAME))
        return result


def _problem(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc).strip()


def _substitute(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and isinstance(value["Ref"], str):
            name = value["Ref"]
            if name in parameters:
                param = parameters[name] or {}
                if str(param.get("NoEcho", "")).lower() == "true":
                    return Unresolved(f"!Ref {name}", f"parameter {name} is NoEcho (a secret reference)")
                if "Default" in param:
                    return param["Default"]
                return Unresolved(f"!Ref {name}", f"parameter {name} has no default")
            if name.startswith("AWS::"):
                return Unresolved(f"!Ref {name}", "pseudo parameter known only at deploy time")
            return value  # a reference to another resource: kept for cross-resource checks
        out = LineDict((k, _substitute(v, parameters)) for k, v in value.items())
        out.line = getattr(value, "line", 0)
        out.end_line = getattr(value, "end_line", 0)
        out.key_lines = getattr(value, "key_lines", {})
        return out
    if isinstance(value, list):
        out_list = LineList(_substitute(v, parameters) for v in value)
        out_list.line = getattr(value, "line", 0)
        out_list.end_line = getattr(value, "end_line", 0)
        return out_list
    return value


LOADER = CloudFormationLoader()
