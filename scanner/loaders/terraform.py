"""Terraform HCL, with the line of every block and attribute.

Each file is parsed once by tree-sitter (``hcl_tree``: fast, and every node keeps its
position) into line-aware native values. Expressions that reference variables or locals
stay ``Unresolved`` until ``link`` resolves them against the module's variables, locals
and tfvars.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.yaml_lines import LineDict, LineList
from scanner.model import Origin, Resource, Unresolved

NAME = "terraform"
PRIORITY = 10
PROVIDERS = {"aws": "aws", "google": "gcp", "azurerm": "azure", "kubernetes": "kubernetes", "helm": "kubernetes"}
_BLOCK_SNIFF = re.compile(r'^\s*(resource|module|variable|data|provider|terraform|locals)\b[^\n]*\{\s*$', re.M)
_REFERENCE = re.compile(r"^(var|local)\.([A-Za-z_][\w-]*)$")
_TEMPLATE_PART = re.compile(r"\$\{([^}]*)\}")


class TerraformLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if path.suffix == ".tf":
            return True
        # The guide's own fences label HCL as yaml: trust content over extension.
        return path.suffix in ("", ".hcl", ".yaml", ".yml", ".txt") and bool(_BLOCK_SNIFF.search(head)) \
            and '" {' in head

    def load(self, path: str, text: str) -> LoadResult:
        from scanner.loaders import hcl_tree

        try:
            root = hcl_tree.parse(text)
        except hcl_tree.HclSyntaxError as exc:
            return LoadResult(errors=[ParseError(path, exc.line, f"HCL syntax error: {exc.message}", NAME)])
        result = LoadResult()
        module_dir = str(Path(path).parent)
        for block in hcl_tree.blocks(hcl_tree.body_of(root)):
            labels, body_node, line, end_line = hcl_tree.block_header(block)
            kind, rest = labels[0], labels[1:]
            origin = Origin(file=path, line=line, end_line=end_line)
            body = hcl_tree.to_body(body_node, block)
            if kind == "resource" and len(rest) == 2:
                rtype, name = rest
                provider = PROVIDERS.get(rtype.split("_", 1)[0], rtype.split("_", 1)[0])
                result.resources.append(Resource(provider, rtype, f"{rtype}.{name}", origin, body,
                                                 format=NAME))
            elif kind == "data" and len(rest) == 2:
                result.resources.append(Resource("terraform", f"data.{rest[0]}", f"data.{rest[0]}.{rest[1]}",
                                                 origin, body, format=NAME))
            elif kind == "module" and len(rest) == 1:
                result.resources.append(Resource("terraform", "module", f"module.{rest[0]}", origin, body,
                                                 format=NAME))
            elif kind == "variable" and len(rest) == 1:
                result.resources.append(Resource("terraform", "variable", f"var.{rest[0]}", origin, body,
                                                 facts={"module_dir": module_dir}, format=NAME))
            elif kind == "locals":
                for key, value in body.items():
                    key_line = body.key_lines.get(key, line)
                    result.resources.append(Resource("terraform", "local", f"local.{key}",
                                                     Origin(path, key_line, key_line), {"value": value},
                                                     facts={"module_dir": module_dir}, format=NAME))
        return result

    def link(self, resources: Sequence[Resource], context: dict[str, Any]) -> list[Resource]:
        """Resolve ``var.*`` and ``local.*`` per module directory; tfvars from ``context['var_files']``."""
        tfvars: dict[str, Any] = {}
        for var_file in context.get("var_files", ()):
            tfvars.update(load_tfvars(var_file))
        scopes: dict[str, dict[str, Any]] = defaultdict(dict)
        missing: dict[str, dict[str, str]] = defaultdict(dict)
        for res in resources:
            if res.type == "variable":
                name = res.address[4:]
                scope = str(res.facts["module_dir"])
                if name in tfvars:
                    scopes[scope][f"var.{name}"] = tfvars[name]
                elif "default" in res.attributes:
                    scopes[scope][f"var.{name}"] = res.attributes["default"]
                else:
                    missing[scope][f"var.{name}"] = f"variable {name!r} has no default and no tfvars value"
        for res in resources:  # locals may use variables and each other: a few passes settle them
            if res.type == "local":
                scopes[str(res.facts["module_dir"])][res.address] = res.attributes["value"]
        for scope_key, values in scopes.items():
            for _ in range(4):
                for key, value in list(values.items()):
                    values[key] = _resolve(value, values, missing.get(scope_key, {}))
        linked = []
        for res in resources:
            if res.provider == "terraform":
                linked.append(res)
                continue
            scope_key = str(Path(res.origin.file or "").parent)
            attributes = _resolve(res.attributes, scopes.get(scope_key, {}), missing.get(scope_key, {}))
            linked.append(Resource(res.provider, res.type, res.address, res.origin, attributes,
                                   res.facts, res.kinds, res.fact_lines, res.format, res.source))
        return linked


def _resolve(value: Any, scope: dict[str, Any], missing: dict[str, str]) -> Any:
    if isinstance(value, Unresolved):
        expr = value.expression
        match = _REFERENCE.match(expr)
        if match:
            if expr in scope and not isinstance(scope[expr], Unresolved):
                return scope[expr]
            if expr in missing:
                return Unresolved(expr, missing[expr])
            if expr in scope:
                return scope[expr]
            return Unresolved(expr, f"{expr} is not declared in this module")
        if expr.startswith('"') and expr.endswith('"'):
            parts = _TEMPLATE_PART.findall(expr)
            values = [_resolve(Unresolved(p.strip()), scope, missing) for p in parts]
            if all(not isinstance(v, Unresolved) and not isinstance(v, (dict, list)) for v in values):
                it = iter(values)
                return _TEMPLATE_PART.sub(lambda _: str(next(it)), expr[1:-1])
            reasons = [v.reason for v in values if isinstance(v, Unresolved)]
            return Unresolved(expr, "; ".join(reasons) or value.reason)
        return value
    if isinstance(value, LineDict):
        out = LineDict((k, _resolve(v, scope, missing)) for k, v in value.items())
        out.line, out.end_line, out.key_lines = value.line, value.end_line, value.key_lines
        return out
    if isinstance(value, dict):
        return {k: _resolve(v, scope, missing) for k, v in value.items()}
    if isinstance(value, LineList):
        out_list = type(value)(_resolve(v, scope, missing) for v in value)
        out_list.line, out_list.end_line = value.line, value.end_line
        return out_list
    if isinstance(value, list):
        return [_resolve(v, scope, missing) for v in value]
    return value


def load_tfvars(path: str) -> dict[str, Any]:
    """Values of a ``.tfvars`` (HCL) or ``.tfvars.json`` file."""
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith(".json"):
        import json

        return dict(json.loads(text))
    from scanner.loaders import hcl_tree

    return dict(hcl_tree.to_body(hcl_tree.body_of(hcl_tree.parse(text))))


LOADER = TerraformLoader()
