"""CloudFormation templates (YAML with short-form tags, or JSON), one Resource per logical ID.

``Ref`` to a parameter is replaced by its default; a parameter without a default (or a
``NoEcho`` one) stays ``Unresolved`` naming the parameter, so checks on it become unknown.
Conditions are decided from the same defaults: ``Fn::If`` takes its branch and a resource whose
``Condition`` is false is not loaded; an undecidable condition leaves the value ``Unresolved``.
A resource that depends on parameters without a default whose ``AllowedValues`` CloudFormation enforces
also carries what it would be for each combination of those values (``ALTERNATIVES``), so that a policy
every allowed value decides the same way is decided.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.model import ALTERNATIVES, EXISTS_WHEN, Alternatives, Origin, Resource, Unresolved
from scanner.regex import lazy_compile

NAME = "cloudformation"
_SNIFF = lazy_compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::")


@loader("cloudformation", order=10)
class CloudFormationLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        # both alternatives of _SNIFF hold "AWS": a find that rules out most files before the regex's slow scan
        return path.suffix.lower() in (".yaml", ".yml", ".json", ".template", ".cfn") and "AWS" in head \
            and bool(_SNIFF.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        import yaml  # here, not at import: a run on Terraform asks this loader first, and reads no YAML

        from scanner.loaders.yaml_lines import error_line, load_documents

        try:
            documents = load_documents(text, cfn_tags=True)
        except yaml.YAMLError as exc:
            return LoadResult(errors=[ParseError(path, error_line(exc), f"invalid template: {_problem(exc)}",
                                                 NAME)])
        template = documents[0] if documents else None
        if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
            return LoadResult(errors=[ParseError(path, 1, "not a CloudFormation template: no Resources mapping",
                                                 NAME)])
        scope = _Template(template)
        result = LoadResult()
        resources: LineDict = template["Resources"]
        for logical_id, body, line, looped in scope.entries(resources, result.errors, path):
            if not isinstance(body, dict) or "Type" not in body:
                result.errors.append(ParseError(path, line, f"resource {logical_id} has no Type", NAME))
                continue
            scope.consulted = set()
            created = scope.condition(str(body["Condition"])) if "Condition" in body else True
            if created is False:
                continue  # the template decides not to create it with the parameters' defaults
            if created is True and looped is not None:
                created = looped  # a loop over a collection the files do not fix: how many is not known
            properties = body.get("Properties")
            if properties is not None and not isinstance(properties, dict):  # CloudFormation rejects it too
                result.errors.append(ParseError(path, body.line_of("Properties") if isinstance(body, LineDict)
                                                else line, f"Properties of {logical_id} must be a mapping", NAME))
                continue
            if not isinstance(properties, LineDict):
                properties = LineDict()
                properties.line = properties.end_line = getattr(body, "line", 0)
                properties.key_lines = {}
            rtype = str(body["Type"])
            origin = Origin(path, line, getattr(body, "end_line", None))
            attributes = scope.resolve(properties)
            if isinstance(created, Unresolved) and isinstance(attributes, LineDict):
                attributes[EXISTS_WHEN] = created  # whether it is created is not in the files
            if scope.consulted and isinstance(attributes, LineDict) and looped is None:
                alternatives = scope.alternatives(body, properties)
                if alternatives is not None:
                    attributes[ALTERNATIVES] = alternatives
            result.resources.append(Resource("aws", rtype, logical_id, origin, attributes, format=NAME))
        return result


def _problem(exc: Any) -> str:
    return str(getattr(exc, "problem", None) or exc).strip()


_NO_VALUE = object()  # AWS::NoValue: the property is removed
# At most this many combinations of allowed values are written out per resource: beyond, it stays unknown.
_MAX_WORLDS = 64
_SUB_VAR = lazy_compile(r"\$\{([^}]*)\}")
_FOR_EACH = "Fn::ForEach::"
_NOT_ALPHANUMERIC = lazy_compile(r"[^A-Za-z0-9]")


class _Template:
    """Resolves intrinsic functions whose inputs are known: parameters with defaults, decidable
    Conditions (``Fn::If``), ``Fn::Sub``/``Fn::Join``/``Fn::Select``/``Fn::FindInMap`` over resolved
    values. References to resources stay as written (for cross-resource checks); anything else
    becomes ``Unresolved`` naming what is missing."""

    def __init__(self, template: dict[str, Any], fixed: dict[str, Any] | None = None) -> None:
        self.template = template
        self.fixed = fixed or {}  # parameters given one of their allowed values (see ``alternatives``)
        # Parameters with allowed values but no default that resolving has met since it was last emptied
        self.consulted: set[str] = set()
        self._consulted_by: dict[str, set[str]] = {}  # condition -> the parameters it met when decided
        self._worlds: dict[tuple[Any, ...], _Template] = {}
        self.parameters = template.get("Parameters") or {}
        self.conditions = template.get("Conditions") or {}
        self.mappings = template.get("Mappings") or {}
        self._decided: dict[str, bool | Unresolved] = {}
        transforms = template.get("Transform")
        # Fn::ForEach is valid only under this transform; without it CloudFormation rejects the template
        self.loops = "AWS::LanguageExtensions" in (transforms if isinstance(transforms, list) else [transforms])

    def entries(self, mapping: dict[Any, Any], errors: list[ParseError], path: str,
                ) -> Iterator[tuple[Any, Any, int, Unresolved | None]]:
        """(key, value, line, unknown) of ``mapping`` with its ``Fn::ForEach`` loops expanded as CloudFormation
        expands them; ``unknown``: the loop's collection is not in the files (the entry is written once, the
        identifier ``Unresolved``), else None. A malformed loop is an error in ``errors``."""
        for key, value in mapping.items():
            line = mapping.line_of(key) if isinstance(mapping, LineDict) else 0
            if not (self.loops and isinstance(key, str) and key.startswith(_FOR_EACH)):
                yield key, value, line, None
                continue
            if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
                    and isinstance(value[2], dict)):
                errors.append(ParseError(path, line, f"{key} must be [identifier, collection, {{OutputKey: value}}]",
                                         NAME))
                continue
            identifier, collection, fragment = value
            items = self._collection(collection)
            if isinstance(items, Unresolved):
                unknown = Unresolved(key, f"the collection of {key} is not known: {items.reason}")
                for inner_key, inner, inner_line, _ in self.entries(
                        _substitute(fragment, identifier, unknown), errors, path):
                    yield inner_key, inner, inner_line, unknown
                continue
            for item in items:
                yield from self.entries(_substitute(fragment, identifier, item), errors, path)

    def _collection(self, collection: Any) -> list[str] | Unresolved:
        """The items a loop goes over: a list, or a CommaDelimitedList parameter (members space-trimmed)."""
        resolved = self.resolve(collection)
        if isinstance(resolved, Unresolved):
            return resolved
        if isinstance(resolved, str):
            return [member.strip() for member in resolved.split(",")]
        if not isinstance(resolved, list):
            return Unresolved(str(collection), "a collection known only at deployment")
        items = []
        for item in resolved:
            if isinstance(item, Unresolved):
                return item
            if isinstance(item, (dict, list)):
                return Unresolved(str(collection), "a collection known only at deployment")
            items.append(str(item).lower() if isinstance(item, bool) else str(item))
        return items

    def parameter(self, name: str) -> Any:
        if name in self.fixed:
            return self.fixed[name]
        param = self.parameters[name] or {}
        if str(param.get("NoEcho", "")).lower() == "true":
            return Unresolved(f"!Ref {name}", f"parameter {name} is NoEcho (a secret reference)")
        if "Default" in param:
            return param["Default"]
        if self.allowed(name):
            self.consulted.add(name)
        return Unresolved(f"!Ref {name}", f"parameter {name} has no default")

    def allowed(self, name: str) -> list[Any]:
        """The values a parameter may take (its ``AllowedValues`` as written), or [] when any value may come."""
        param = self.parameters.get(name) or {}
        values = param.get("AllowedValues") if isinstance(param, dict) else None
        if not isinstance(values, list) or not values or any(isinstance(v, (dict, list)) for v in values):
            return []
        return list(dict.fromkeys(values))

    def alternatives(self, body: dict[str, Any], properties: Any) -> Alternatives | None:
        """The resource for every combination of the allowed values of the parameters resolving it met
        (``consulted``); None beyond ``_MAX_WORLDS`` combinations."""
        names = tuple(sorted(self.consulted))
        choices = [self.allowed(name) for name in names]
        if math.prod(len(c) for c in choices) > _MAX_WORLDS:
            return None
        worlds = []
        for values in itertools.product(*choices):
            world = self._worlds.get(values + names)
            if world is None:
                world = self._worlds[values + names] = _Template(self.template, dict(zip(names, values, strict=True)))
            created = world.condition(str(body["Condition"])) if "Condition" in body else True
            if created is False:
                worlds.append((values, None))
                continue
            attributes = world.resolve(properties)
            if isinstance(created, Unresolved) and isinstance(attributes, LineDict):
                attributes[EXISTS_WHEN] = created
            worlds.append((values, attributes))
        return Alternatives(names, tuple(worlds))

    def condition(self, name: str, depth: int = 0) -> bool | Unresolved:
        if name in self._decided:
            self.consulted |= self._consulted_by.get(name, set())
            return self._decided[name]
        if name not in self.conditions or depth > 16:
            return Unresolved(f"Condition {name}", f"condition {name} is not declared")
        self._decided[name] = Unresolved(f"Condition {name}", f"condition {name} refers to itself")
        outer, self.consulted = self.consulted, set()
        decided = self._test(self.conditions[name], depth + 1)
        if isinstance(decided, Unresolved):
            decided = Unresolved(f"Condition {name}", f"condition {name} cannot be decided: {decided.reason}")
        self._decided[name] = decided
        self._consulted_by[name] = self.consulted
        self.consulted = outer | self.consulted
        return decided

    def _test(self, expr: Any, depth: int) -> bool | Unresolved:
        if isinstance(expr, dict) and len(expr) == 1:
            key, args = next(iter(expr.items()))
            if key in ("Condition", "Fn::Condition") and isinstance(args, str):  # !Condition is Fn::Condition
                return self.condition(args, depth)
            if key == "Fn::Equals" and isinstance(args, list) and len(args) == 2:
                left, right = (self.resolve(a) for a in args)
                for side in (left, right):
                    if isinstance(side, Unresolved):
                        return Unresolved(side.expression, side.reason)
                    if isinstance(side, dict):
                        return Unresolved(str(side), "a value known only at deployment")
                return str(left) == str(right)
            if key in ("Fn::Not", "Fn::And", "Fn::Or") and isinstance(args, list):
                values = [self._test(a, depth) for a in args]
                known = [v for v in values if not isinstance(v, Unresolved)]
                unknown = [v for v in values if isinstance(v, Unresolved)]
                if key == "Fn::Not":
                    return unknown[0] if unknown else not known[0]
                if key == "Fn::And" and False in known:
                    return False
                if key == "Fn::Or" and True in known:
                    return True
                return unknown[0] if unknown else (key == "Fn::And")
        return Unresolved(str(expr), "an unsupported condition function")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                key, args = next(iter(value.items()))
                handler = self._INTRINSICS.get(key)
                if handler is not None:
                    # an Fn::ForEach identifier whose collection is unknown stands for the whole argument
                    return args if isinstance(args, Unresolved) else handler(self, args, value)
            out = LineDict()
            key_lines = getattr(value, "key_lines", {})
            items: Any = value.items()
            if self.loops and any(isinstance(k, str) and k.startswith(_FOR_EACH) for k in value):
                # loops inside properties (a setting per item); a malformed one stays as written
                expanded = list(self.entries(value, [], ""))
                items = [(k, v) for k, v, _, _ in expanded]
                key_lines = {**key_lines, **{str(k): line for k, _, line, _ in expanded}}
            for k, v in items:
                # (a scalar resolves to itself: no call for the most common value)
                resolved = self.resolve(v) if isinstance(v, (dict, list)) else v
                if resolved is not _NO_VALUE:
                    out[k] = resolved
            out.line, out.end_line = getattr(value, "line", 0), getattr(value, "end_line", 0)
            out.key_lines = key_lines
            return out
        if isinstance(value, list):
            out_list = LineList(r for r in (self.resolve(v) if isinstance(v, (dict, list)) else v for v in value)
                                if r is not _NO_VALUE)
            out_list.line, out_list.end_line = getattr(value, "line", 0), getattr(value, "end_line", 0)
            return out_list
        return value

    def _ref(self, name: Any, original: Any) -> Any:
        if not isinstance(name, str):
            return original
        if name in self.parameters:
            return self.parameter(name)
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name.startswith("AWS::"):
            return Unresolved(f"!Ref {name}", "pseudo parameter known only at deploy time")
        return original  # a reference to another resource: kept for cross-resource checks

    def _if(self, args: Any, original: Any) -> Any:
        if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)):
            return original
        decided = self.condition(args[0])
        if isinstance(decided, Unresolved):
            return Unresolved(f"!If [{args[0]}, ...]", decided.reason)
        return self.resolve(args[1] if decided else args[2])

    def _sub(self, args: Any, original: Any) -> Any:
        text, variables = (args[0], args[1]) if isinstance(args, list) and len(args) == 2 else (args, {})
        if not isinstance(text, str) or not isinstance(variables, dict):
            return original
        local = {k: self.resolve(v) for k, v in variables.items()}
        missing: list[str] = []
        references = False

        def substitute(match: re.Match[str]) -> str:
            nonlocal references
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            value = local[name] if name in local else (
                self.parameter(name) if name in self.parameters else None)
            if value is None:
                if name.startswith("AWS::"):
                    missing.append(f"{name} is known only at deploy time")
                else:
                    references = True
                return match.group(0)
            if isinstance(value, Unresolved):
                missing.append(value.reason)
                return match.group(0)
            if isinstance(value, (dict, list)):
                references = True
                return match.group(0)
            return str(value).lower() if isinstance(value, bool) else str(value)

        out = _SUB_VAR.sub(substitute, text)
        if missing:
            return Unresolved(f"!Sub {text}", "; ".join(missing))
        if references:
            return Unresolved(f"!Sub {out}", "names another resource's attribute")
        return out

    def _join(self, args: Any, original: Any) -> Any:
        if not (isinstance(args, list) and len(args) == 2 and isinstance(args[0], str)):
            return original
        items = self.resolve(args[1])
        if isinstance(items, Unresolved):
            return items
        if not isinstance(items, list):
            return original
        for item in items:
            if isinstance(item, (Unresolved, dict, list)):
                # Written out, references included: the report shows what is joined, and the
                # reference index finds the resources it names (a scalable target's ResourceId).
                expression = f"!Join [{args[0]!r}, [{', '.join(_joined(i) for i in items)}]]"
                reason = item.reason if isinstance(item, Unresolved) else "names another resource's attribute"
                return Unresolved(expression, reason)
        return args[0].join(str(i).lower() if isinstance(i, bool) else str(i) for i in items)

    def _select(self, args: Any, original: Any) -> Any:
        if not (isinstance(args, list) and len(args) == 2):
            return original
        index, items = self.resolve(args[0]), self.resolve(args[1])
        if isinstance(items, list) and not isinstance(index, Unresolved):
            try:
                return items[int(index)]
            except (ValueError, IndexError, TypeError):
                return Unresolved(f"!Select [{index}, ...]", "index out of range")
        if isinstance(items, Unresolved):
            return items
        return original  # !Select [0, !GetAZs ""]: an AZ by position, read by the AZ checks

    def _find_in_map(self, args: Any, original: Any) -> Any:
        if not (isinstance(args, list) and len(args) == 3):
            return original
        keys = [self.resolve(a) for a in args]
        for key in keys:
            if isinstance(key, Unresolved):
                return Unresolved(f"!FindInMap {args[0]}", key.reason)
            if not isinstance(key, (str, int)):
                return original
        node: Any = self.mappings
        for key in keys:
            if not isinstance(node, dict) or str(key) not in node:
                return Unresolved(f"!FindInMap {keys}", f"mapping {'/'.join(map(str, keys))} is not declared")
            node = node[str(key)]
        return self.resolve(node)

    _INTRINSICS = {"Ref": _ref, "Fn::If": _if, "Fn::Sub": _sub, "Fn::Join": _join, "Fn::Select": _select,
                   "Fn::FindInMap": _find_in_map}


def _substitute(node: Any, identifier: str, item: str | Unresolved) -> Any:
    """A copy of a loop's fragment for one item: ``${identifier}`` and ``&{identifier}`` (the item without its
    non-alphanumeric characters) replaced in keys and strings, ``Ref: identifier`` replaced by the item. An
    ``Unresolved`` item leaves keys as written and makes every string or reference that names it unresolved."""
    if isinstance(node, str):
        plain, stripped = "${" + identifier + "}", "&{" + identifier + "}"
        if plain not in node and stripped not in node:
            return node
        if isinstance(item, Unresolved):
            return Unresolved(node, item.reason)
        return node.replace(plain, item).replace(stripped, _NOT_ALPHANUMERIC.sub("", item))
    if isinstance(node, dict):
        if len(node) == 1 and node.get("Ref") == identifier:
            return item
        out = LineDict()
        out.line, out.end_line = getattr(node, "line", 0), getattr(node, "end_line", 0)
        out.key_lines = {}
        written = getattr(node, "key_lines", {})
        for key, value in node.items():
            new_key = _substitute(key, identifier, item) if isinstance(key, str) else key
            if isinstance(new_key, Unresolved):
                new_key = key
            out[new_key] = _substitute(value, identifier, item)
            out.key_lines[str(new_key)] = written.get(str(key), out.line)
        return out
    if isinstance(node, list):
        items = LineList(_substitute(value, identifier, item) for value in node)
        items.line, items.end_line = getattr(node, "line", 0), getattr(node, "end_line", 0)
        return items
    return node


def _joined(item: Any) -> str:
    """An item of an unresolved ``!Join`` as its short form: ``!Ref X``, ``!GetAtt X.Y``, the value."""
    if isinstance(item, Unresolved):
        return item.expression
    if isinstance(item, dict) and len(item) == 1:
        key, inner = next(iter(item.items()))
        if key == "Ref" and isinstance(inner, str):
            return f"!Ref {inner}"
        if key == "Fn::GetAtt":
            parts = inner.split(".", 1) if isinstance(inner, str) else list(inner or [])
            return "!GetAtt " + ".".join(str(part) for part in parts)
    if isinstance(item, (dict, list)):
        return "..."
    return str(item).lower() if isinstance(item, bool) else str(item)

