"""Azure Resource Manager templates (JSON), with parameters and variables resolved.

``[parameters('x')]`` takes the parameter's ``defaultValue``, ``[variables('x')]`` the variable,
and ``concat``/``format``/``if``/``equals``/``toLower``... over known values are evaluated; any other
template expression stays ``Unresolved`` (naming the parameter or function that is missing) so
checks on it are unknown rather than guessed. ``resourceId(...)`` stays ``Unresolved`` too, but with
its arguments evaluated, so references between resources can be followed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.model import Origin, Resource, Unresolved
from scanner.regex import lazy_compile

NAME = "arm"
# The public cloud's schema host and the sovereign clouds' (Azure China, US Government, Germany).
_SNIFF = lazy_compile(r"schema\.management\.(?:azure\.com|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)"
                      r"/schemas/[^\"]*deploymentTemplate", re.I)


@loader("arm", order=10)
class ArmLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        # A case-insensitive regex scans slowly; every match holds "management", which no character but
        # its own letters' cases folds to: lower() and a find rule out most files first.
        return path.suffix.lower() in (".json", ".jsonc", ".yaml", ".yml") and "management" in head.lower() \
            and bool(_SNIFF.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        try:
            json.loads(text)  # strict JSON first: its messages name the exact position
        except json.JSONDecodeError as exc:
            return LoadResult(errors=[ParseError(path, exc.lineno, f"invalid JSON: {exc.msg}", NAME)])
        import yaml  # here, not at import: a run on Terraform asks this loader first, and reads no YAML

        from scanner.loaders.yaml_lines import error_line, load_documents

        try:
            documents = load_documents(text.replace("\t", "  "))
        except yaml.YAMLError as exc:
            return LoadResult(errors=[ParseError(path, error_line(exc), f"invalid template: {exc}", NAME)])
        template = documents[0] if documents else None
        if not isinstance(template, dict) or not isinstance(template.get("resources"), list):
            return LoadResult(errors=[ParseError(path, 1, "not an ARM template: no resources array", NAME)])
        result = LoadResult()
        sections = {}
        for section in ("parameters", "variables"):
            value = template.get(section) or {}
            if not isinstance(value, dict):  # ARM rejects the template; its expressions cannot be resolved
                result.errors.append(ParseError(path, getattr(template, "key_lines", {}).get(section, 1),
                                                f"{section} must be an object", NAME))
                value = {}
            sections[section] = value
        scope = _Scope(sections["parameters"], sections["variables"])
        _collect(template["resources"], path, scope, result, parent=None)
        return result


class _Scope:
    def __init__(self, parameters: dict[str, Any], variables: dict[str, Any]) -> None:
        self.parameters = parameters
        self.variables = variables

    def resolve(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[["):
            try:
                parsed = _Parser(value[1:-1]).parse()
            except ValueError:
                return Unresolved(value, "template expression evaluated at deployment")
            result = _Evaluation(self, depth).run(parsed)
            if isinstance(result, _Pending):
                return Unresolved(f"[{result.text}]", result.reason)
            return result
        if isinstance(value, str) and value.startswith("[["):
            return value[1:]  # "[[" escapes a literal "["
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

    def lookup(self, kind: str, name: str, depth: int) -> Any:
        if depth >= 8:
            return _Pending(f"{kind}('{name}')", "expressions nest too deep")
        if kind == "parameters":
            param = self.parameters.get(name)
            if not isinstance(param, dict):
                return _Pending(f"parameters('{name}')", f"parameter {name!r} is not declared")
            if str(param.get("type", "")).lower() in ("securestring", "secureobject"):
                return _Pending(f"parameters('{name}')", f"parameter {name!r} is secure (a secret reference)")
            if "defaultValue" not in param:
                return _Pending(f"parameters('{name}')", f"parameter {name!r} has no defaultValue")
            value = self.resolve(param["defaultValue"], depth + 1)
        else:
            if name not in self.variables:
                return _Pending(f"variables('{name}')", f"variable {name!r} is not declared")
            value = self.resolve(self.variables[name], depth + 1)
        if isinstance(value, Unresolved):
            return _Pending(value.expression.strip("[]"), value.reason)
        return value


# ARM template expressions: a small parser for the functions whose result is known statically
# (parameters, variables, concat, format, if, equals, ...). ``resourceId(...)`` keeps its
# evaluated arguments so references can be followed; everything else stays pending.
_TOKEN = lazy_compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+)|(?P<name>[A-Za-z_][\w]*)|(?P<op>[(),.\[\]]))")


class _Pending:
    """A value known only at deployment: its expression (re-rendered with what is known) and why."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise ValueError(f"unexpected character at {pos}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.pos = 0

    def parse(self) -> Any:
        node = self._expr()
        if self.pos != len(self.tokens):
            raise ValueError("trailing tokens")
        return node

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ValueError("unexpected end")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def _expr(self) -> Any:
        kind, text = self._next()
        node: Any
        if kind == "str":
            node = ("lit", text[1:-1].replace("''", "'"))
        elif kind == "num":
            node = ("lit", int(text))
        elif kind == "name":
            if self._next()[1] != "(":
                raise ValueError("expected (")
            args = []
            while self._peek() != ")":
                args.append(self._expr())
                if self._peek() == ",":
                    self._next()
            self._next()
            node = ("call", text, args)
        else:
            raise ValueError(f"unexpected {text}")
        while self._peek() in (".", "["):
            if self._next()[1] == ".":
                node = ("prop", node, self._next()[1])
            else:
                index = self._expr()
                self._next()
                node = ("index", node, index)
        return node


class _Evaluation:
    def __init__(self, scope: _Scope, depth: int) -> None:
        self.scope = scope
        self.depth = depth

    def run(self, node: Any) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind in ("prop", "index"):
            base = self.run(node[1])
            key = node[2] if kind == "prop" else self.run(node[2])
            if isinstance(base, _Pending) or isinstance(key, _Pending):
                reason = base.reason if isinstance(base, _Pending) else key.reason
                shown = f".{key}" if kind == "prop" else f"[{_render(key)}]"
                return _Pending(f"{_render(base)}{shown}", reason)
            try:
                return base[key] if isinstance(base, (dict, list)) else _Pending(_render(base), "not indexable")
            except (KeyError, IndexError, TypeError):
                return _Pending(f"{_render(base)}[{_render(key)}]", f"{key!r} is not in the value")
        _, name, raw_args = node
        lowered = name.lower()
        if lowered in ("parameters", "variables") and len(raw_args) == 1:
            arg = self.run(raw_args[0])
            if isinstance(arg, _Pending):
                return arg
            return self.scope.lookup(lowered, str(arg), self.depth)
        args = [self.run(a) for a in raw_args]
        pending = [a for a in args if isinstance(a, _Pending)]
        function = _FUNCTIONS.get(lowered)
        if lowered == "resourceid":
            reason = pending[0].reason if pending else "a resource ID is known at deployment"
            return _Pending(f"resourceId({', '.join(_render(a) for a in args)})", reason)
        if function is None or pending:
            reason = f"{name}() is evaluated at deployment" if function is None else pending[0].reason
            return _Pending(f"{name}({', '.join(_render(a) for a in args)})", reason)
        try:
            return function(*args)
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            return _Pending(f"{name}({', '.join(_render(a) for a in args)})", f"{name}() failed: {exc}")


def _render(value: Any) -> str:
    if isinstance(value, _Pending):
        return value.text
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true()" if value else "false()"
    return str(value)


def _concat(*args: Any) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return LineList(item for a in args for item in a)
    return "".join(str(a) for a in args)


def _format(template: str, *args: Any) -> str:
    return re.sub(r"\{(\d+)(?::[^}]*)?\}", lambda m: str(args[int(m.group(1))]), template)


_FUNCTIONS: dict[str, Any] = {
    "concat": _concat,
    "format": _format,
    "tolower": lambda s: str(s).lower(),
    "toupper": lambda s: str(s).upper(),
    "string": lambda v: str(v).lower() if isinstance(v, bool) else str(v),
    "int": int,
    "bool": lambda v: v if isinstance(v, bool) else str(v).lower() == "true",
    "true": lambda: True,
    "false": lambda: False,
    "equals": lambda a, b: a == b,
    "not": lambda a: not a,
    "and": lambda *a: all(a),
    "or": lambda *a: any(a),
    "if": lambda c, a, b: a if c else b,
    "empty": lambda v: len(v) == 0,
    "length": len,
}


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and value.endswith("]")


def _collect(items: list[Any], path: str, scope: _Scope, result: LoadResult, parent: str | None) -> None:
    for item in items:
        if not isinstance(item, dict) or "type" not in item:
            result.errors.append(ParseError(path, getattr(item, "line", None), "resource without a type", NAME))
            continue
        rtype = str(item["type"])
        if parent and "/" not in rtype.split("/", 1)[-1] and not rtype.startswith("Microsoft."):
            rtype = f"{parent}/{rtype}"
        properties = item.get("properties")
        if properties is not None and not isinstance(properties, dict) and not _is_expression(properties):
            # ARM rejects the deployment: nothing of the resource can be judged
            result.errors.append(ParseError(path, item.line_of("properties") if isinstance(item, LineDict)
                                            else getattr(item, "line", None),
                                            f"properties of {rtype} {item.get('name')} must be an object", NAME))
            continue
        condition = scope.resolve(item["condition"]) if "condition" in item else True
        if condition is False:
            continue  # the template does not deploy it with the parameters' defaults
        resolved = scope.resolve(item)
        name = resolved.get("name")
        address = name if isinstance(name, str) else str(item.get("name"))
        origin = Origin(path, getattr(item, "line", None), getattr(item, "end_line", None))
        result.resources.append(Resource("azure", rtype, f"{rtype}/{address}", origin, resolved, format=NAME))
        children = item.get("resources")
        if isinstance(children, list):
            _collect(children, path, scope, result, parent=rtype)
