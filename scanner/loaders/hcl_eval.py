"""Terraform expressions evaluated as ``terraform plan`` would, over the tree-sitter tree.

An expression the loader kept as ``Unresolved(text)`` is parsed once per distinct text (cached)
into a small tuple tree and evaluated against a ``Scope``: variables, locals, ``each``/``count``,
``path``, iterators of ``dynamic`` blocks and ``for`` expressions, and the scan's resources.

What cannot be known before apply is an ``Unknown``: it carries the reason (naming the variable
without a value, the resource attribute, the function that is not evaluated) and, for a resource
reference, its text with the instance keys filled in (``aws_s3_bucket.this["logs"].id``), so the
reference index (``policy/resource_index.py``) still links it. Operations on an unknown give an unknown;
collections keep what is known (``concat([var.a], [aws_x.y.id])`` is a list with one unknown item).
``export`` turns a result back into attribute values: an ``Unknown`` becomes ``Unresolved(text,
reason)``, the text being the reference or the expression with the known index keys substituted.

An expression that would fail ``terraform plan`` (a missing key, ``1 + "x"``) raises ``EvalError``
inside; ``try``/``can`` catch it, and at the top it becomes an unknown naming the error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from scanner.model import Planned, Unresolved
from scanner.regex import lazy_compile

Node = tuple[Any, ...]
_SPACE = lazy_compile(r"\s*\n\s*")
_PREFIX = b"x = "


class EvalError(Exception):
    """The expression fails as it would fail ``terraform plan`` (caught by ``try``/``can``)."""


class Unknown:
    """A value not known before apply, with the reason; ``ref``: the resource reference it is, as text;
    ``configured``: for a resource instance, its attribute as its configuration sets it (``ABSENT`` when the
    configuration does not, so it is known only after apply).

    What is known of it, as Terraform's refinements keep it: ``prefix``, the known start of an unknown string
    (a template whose first unknown part follows known text); ``leading``, the known first items of an
    unknown list (``split`` of such a string); ``entries``, the (key, value) pairs of a map a ``for``
    expression makes whose keys are not all known (each key an ``Unknown`` or a string: as duplicate keys are
    an error, a plan that succeeds has exactly these entries). Only the functions that keep them read them; to
    every other the value is wholly unknown, so a known length or a known item is never made up."""

    __slots__ = ("configured", "entries", "leading", "prefix", "reason", "ref")

    def __init__(self, reason: str, ref: str | None = None,
                 configured: Callable[[str], Any] | None = None, prefix: str = "",
                 leading: tuple[Any, ...] = (), entries: tuple[tuple[Any, Any], ...] = ()) -> None:
        self.reason = reason
        self.ref = ref
        self.configured = configured
        self.prefix = prefix
        self.leading = leading
        self.entries = entries

    def __repr__(self) -> str:
        return f"Unknown({self.ref or ''!s}: {self.reason})"


class Pending(Exception):
    def __init__(self, unknown: Unknown) -> None:
        super().__init__(unknown.reason)
        self.unknown = unknown


ABSENT = object()  # an attribute the configuration does not set


def after_apply(ref: str, configured: Callable[[str], Any] | None = None) -> Unknown:
    return Unknown(f"{ref} is known only after apply", ref, configured)


def planned(value: Any, ref: str) -> Any:
    """A configured attribute as a reference to it sees it before apply: scalars (strings keeping ``ref``) and
    lists of them; ``ABSENT`` for what the plan would not know yet (null, unknown parts, nested blocks)."""
    if isinstance(value, str):
        return Planned(value, ref)
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, list) and all(isinstance(item, (str, bool, int, float)) for item in value):
        return [Planned(item, ref) if isinstance(item, str) else item for item in value]
    return ABSENT


class Namespace:
    """``var``, ``local``, ``each``, a resource type...: a name whose attributes are looked up."""

    __slots__ = ("get", "text")

    def __init__(self, text: str, get: Callable[[str], Any]) -> None:
        self.text = text
        self.get = get


class Scope:
    """Where names resolve: ``root(name)`` for the first identifier of a traversal (``var``, ``each``,
    ``aws_s3_bucket``...). Subclasses provide it; ``with_names`` adds iterator and ``for`` variables."""

    def root(self, name: str) -> Any:
        raise EvalError(f"unknown name {name!r}")

    def with_names(self, names: Mapping[str, Any]) -> Scope:
        return _Nested(self, dict(names))


class _Nested(Scope):
    __slots__ = ("names", "parent")

    def __init__(self, parent: Scope, names: dict[str, Any]) -> None:
        self.parent = parent
        self.names = names

    def root(self, name: str) -> Any:
        if name in self.names:
            return self.names[name]
        return self.parent.root(name)


# --- compiling the tree-sitter tree into tuples ---------------------------------------------------
# (tag, start, end, ...): offsets are byte offsets into the expression's source.


@lru_cache(maxsize=32768)
def compile_expression(source: str) -> tuple[Node, bytes]:
    """The expression tree of ``source`` and its bytes (an ``("error", ...)`` node if it does not parse)."""
    from scanner.loaders import hcl_tree
    from scanner.loaders.budget import parse_tree

    data = source.encode("utf-8")
    fast = _fast(source) if source.isascii() else None
    if fast is not None:
        return fast, data
    wrapped = _PREFIX + data + b"\n"
    tree = parse_tree(hcl_tree._parser(), wrapped)
    root = tree.root_node
    if root.has_error:
        return ("error", 0, len(data), "expression does not parse"), data
    try:
        body = root.children[0]
        attribute = body.children[0]
        node = _compile(attribute.children[2], wrapped)
    except Exception as exc:  # a tree shape this compiler does not know is an unknown, not a crash
        return ("error", 0, len(data), f"expression not understood ({type(exc).__name__})"), data
    return _shift(node, len(_PREFIX)), data


# Most expressions are plain traversals (var.x, aws_s3_bucket.b[0].id) or templates of them: built here
# without a parse (a tree-sitter parse and walk costs ~0.4 ms per distinct expression).
_IDENT = r"[A-Za-z_][\w-]*"
_TRAVERSAL = lazy_compile(rf"{_IDENT}(?:\.{_IDENT}|\.\d+|\[\d+\]|\[\"[^\"\\$%]*\"\])*")
_STEP = lazy_compile(rf"\.({_IDENT})|\.(\d+)|\[(\d+)\]|\[\"([^\"\\$%]*)\"\]")
_INTERPOLATED = lazy_compile(r"\$\{\s*(" + _TRAVERSAL.pattern + r")\s*\}")
_KEYWORDS = {"true", "false", "null"}


def _fast(source: str) -> Node | None:
    if _TRAVERSAL.fullmatch(source):
        return _traversal(source, 0)
    if len(source) < 2 or source[0] != '"' or source[-1] != '"' or "\\" in source or "%{" in source \
            or "$${" in source:
        return None
    body = source[1:-1]
    parts: list[Any] = []
    pos = 0
    for match in _INTERPOLATED.finditer(body):
        literal_text = body[pos:match.start()]
        if "${" in literal_text or '"' in literal_text:
            return None
        if literal_text:
            parts.append(literal_text)
        parts.append(_traversal(match.group(1), match.start(1) + 1))
        pos = match.end()
    rest = body[pos:]
    if "${" in rest or '"' in rest or not any(isinstance(p, tuple) for p in parts):
        return None
    if rest:
        parts.append(rest)
    return ("template", 0, len(source), parts, 0)


def _traversal(text: str, offset: int) -> Node:
    root = _IDENT_MATCH.match(text)
    assert root is not None
    name = root.group(0)
    node: Node = ("lit", offset, offset + len(name), name == "true") if name in ("true", "false") else \
        ("lit", offset, offset + 4, None) if name == "null" else ("name", offset, offset + len(name), name)
    pos = root.end()
    for step in _STEP.finditer(text, pos):
        end = offset + step.end()
        attr, legacy, number, key = step.groups()
        if attr is not None:
            node = ("get", offset, end, node, attr)
        elif key is not None:
            node = ("index", offset, end, node, ("lit", offset + step.start() + 1, end - 1, key))
        else:
            digits = legacy if legacy is not None else number
            node = ("index", offset, end, node, ("lit", offset + step.start() + 1, end - (number is not None),
                                                 int(digits)))
    return node


_IDENT_MATCH = lazy_compile(_IDENT)


def _shift(node: Any, by: int) -> Any:
    """Offsets relative to the expression (the parse wrapped it in ``x = ...``)."""
    if isinstance(node, tuple) and node and isinstance(node[0], str) and len(node) >= 3 \
            and isinstance(node[1], int) and isinstance(node[2], int):
        return (node[0], node[1] - by, node[2] - by, *(_shift(p, by) for p in node[3:]))
    if isinstance(node, list):
        return [_shift(p, by) for p in node]
    if isinstance(node, tuple):
        return tuple(_shift(p, by) for p in node)
    return node


_NAMED_SKIP = {"comment"}


def _compile(node: Any, src: bytes) -> Node:
    ntype = node.type
    if ntype == "expression":
        children = [c for c in node.children if c.type not in _NAMED_SKIP]
        return _sequence(children, src, node.start_byte, node.end_byte)
    return _primary(node, src)


def _sequence(children: list[Any], src: bytes, start: int, end: int) -> Node:
    """A primary term followed by traversal steps (``a.b[0][*].c``)."""
    if children and children[0].type == "(":
        inner = next(c for c in children if c.type == "expression")
        term = _compile(inner, src)
        rest_at = next(i for i, c in enumerate(children) if c.type == ")") + 1
    else:
        term = _primary(children[0], src)
        rest_at = 1
    for step in children[rest_at:]:
        term = _step(term, step, src, start)
    return term


def _step(term: Node, step: Any, src: bytes, start: int) -> Node:
    stype = step.type
    if stype == "get_attr":
        name = next(c for c in step.children if c.type == "identifier").text.decode()
        return ("get", start, step.end_byte, term, name)
    if stype == "index":
        inner = step.children[0]
        if inner.type == "legacy_index":
            key: Node = ("lit", inner.start_byte + 1, inner.end_byte, int(inner.text.decode()[1:]))
        else:
            key = _compile(next(c for c in inner.children if c.type == "expression"), src)
        return ("index", start, step.end_byte, term, key)
    if stype == "splat":
        inner = step.children[0]
        ops: list[Node] = []
        for child in inner.children:
            if child.type in ("get_attr", "index"):
                ops.append(_step(("elem", child.start_byte, child.start_byte), child, src, child.start_byte))
        return ("splat", start, step.end_byte, term, ops)
    raise ValueError(f"unexpected {stype}")


def _primary(node: Any, src: bytes) -> Node:
    ntype = node.type
    start, end = node.start_byte, node.end_byte
    children = [c for c in node.children if c.type not in _NAMED_SKIP]
    if ntype == "expression":
        return _compile(node, src)
    if ntype == "literal_value":
        return ("lit", start, end, _literal(children[0]))
    if ntype == "variable_expr":
        return ("name", start, end, node.text.decode())
    if ntype == "collection_value":
        collection = children[0]
        items = [c for c in collection.children if c.type not in _NAMED_SKIP]
        if collection.type == "tuple":
            return ("tuple", start, end, [_compile(c, src) for c in items if c.type == "expression"])
        pairs = []
        for elem in items:
            if elem.type == "object_elem":
                parts = [c for c in elem.children if c.type == "expression"]
                pairs.append((_key(parts[0], src), _compile(parts[1], src)))
        return ("object", start, end, pairs)
    if ntype == "template_expr":
        return _template(children[0], src)
    if ntype == "function_call":
        name = children[0].text.decode()
        args: list[Node] = []
        expand = False
        arguments = next((c for c in children if c.type == "function_arguments"), None)
        if arguments is not None:
            for arg in arguments.children:
                if arg.type == "expression":
                    args.append(_compile(arg, src))
                elif arg.type == "ellipsis":
                    expand = True
        return ("call", start, end, name, args, expand)
    if ntype == "operation":
        return _primary(children[0], src)
    if ntype == "unary_operation":
        return ("unary", start, end, children[0].type, _sequence(children[1:], src, children[1].start_byte, end))
    if ntype == "binary_operation":
        at = next(i for i, c in enumerate(children) if i > 0 and not c.is_named)
        left = _sequence(children[:at], src, start, children[at].start_byte)
        right = _sequence(children[at + 1:], src, children[at + 1].start_byte, end)
        return ("binary", start, end, children[at].type, left, right)
    if ntype == "conditional":
        parts = [_compile(c, src) for c in children if c.type == "expression"]
        return ("cond", start, end, *parts)
    if ntype == "for_expr":
        return _for(children[0], src)
    raise ValueError(f"unexpected {ntype}")


def _key(node: Any, src: bytes) -> Node:
    """An object key: a bare name is that string; ``(expr)`` and templates are evaluated."""
    children = [c for c in node.children if c.type not in _NAMED_SKIP]
    if len(children) == 1 and children[0].type == "variable_expr":
        return ("lit", node.start_byte, node.end_byte, children[0].text.decode())
    return _compile(node, src)


def _literal(node: Any) -> Any:
    from scanner.loaders import hcl_tree

    return hcl_tree._literal(node)


def _for(node: Any, src: bytes) -> Node:
    children = [c for c in node.children if c.type not in _NAMED_SKIP]
    intro = next(c for c in children if c.type == "for_intro")
    names = [c.text.decode() for c in intro.children if c.type == "identifier"]
    collection = _compile(next(c for c in intro.children if c.type == "expression"), src)
    key_name, value_name = (names[0], names[1]) if len(names) > 1 else (None, names[0])
    exprs = [c for c in children if c.type == "expression"]
    cond_node = next((c for c in children if c.type == "for_cond"), None)
    cond = _compile(next(c for c in cond_node.children if c.type == "expression"), src) if cond_node else None
    group = any(c.type == "ellipsis" for c in children)
    if node.type == "for_object_expr":
        return ("for", node.start_byte, node.end_byte, key_name, value_name, collection,
                _compile(exprs[0], src), _compile(exprs[1], src), cond, group)
    return ("for", node.start_byte, node.end_byte, key_name, value_name, collection,
            None, _compile(exprs[0], src), cond, False)


def _template(node: Any, src: bytes) -> Node:
    from scanner.loaders import hcl_tree

    children = [c for c in node.children if c.type not in _NAMED_SKIP]
    if node.type == "quoted_template":
        begin = children[0].end_byte
        finish = children[-1].start_byte if len(children) > 1 and children[-1].type == "quoted_template_end" \
            else node.end_byte
        parts = _parts(children, begin, finish, src, unescape=hcl_tree._unescape)
        return ("template", node.start_byte, node.end_byte, parts, 0)
    # heredoc: the body runs from the line after the opening marker to the line of the closing one
    markers = [c for c in children if c.type == "heredoc_identifier"]
    begin = src.index(b"\n", markers[0].end_byte) + 1 if b"\n" in src[markers[0].end_byte:] else node.end_byte
    finish = src.rindex(b"\n", 0, markers[-1].start_byte) + 1 if len(markers) > 1 else node.end_byte
    finish = max(begin, finish)
    cut = 0
    if children and children[0].type == "heredoc_start" and children[0].text == b"<<-":
        lines = src[begin:finish].decode("utf-8", errors="replace").split("\n")
        indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
        cut = min(indents, default=0)
    parts = _parts(children, begin, finish, src, unescape=_heredoc_unescape)
    return ("template", node.start_byte, node.end_byte, _strip_indent(parts, cut) if cut else parts, 0)


def _heredoc_unescape(text: str) -> str:
    return text.replace("$${", "${").replace("%%{", "%{")


def _strip_indent(parts: list[Any], cut: int) -> list[Any]:
    """``<<-``: the common indentation off every line of the literal text."""
    after_newline = re.compile(rf"\n[ \t]{{0,{cut}}}")
    at_start = re.compile(rf"^[ \t]{{0,{cut}}}")
    out: list[Any] = []
    for i, part in enumerate(parts):
        if isinstance(part, str):
            part = after_newline.sub("\n", part)
            if i == 0:
                part = at_start.sub("", part)
        out.append(part)
    return out


def _parts(children: list[Any], begin: int, finish: int, src: bytes, unescape: Callable[[str], str]) -> list[Any]:
    """Literal text (the source between the interpolations, unescaped) and the parts in between."""
    parts: list[Any] = []
    pos = begin
    for child in children:
        if child.type not in ("template_interpolation", "template_directive"):
            continue
        if child.start_byte < begin or child.end_byte > finish:
            continue
        if child.start_byte > pos:
            parts.append(unescape(src[pos:child.start_byte].decode("utf-8", errors="replace")))
        if child.type == "template_interpolation":
            expression = next(c for c in child.children if c.type == "expression")
            parts.append(_compile(expression, src))
        else:
            parts.append(_directive(child.children[0], src, unescape))
        pos = child.end_byte
    if finish > pos:
        parts.append(unescape(src[pos:finish].decode("utf-8", errors="replace")))
    return parts


def _directive(node: Any, src: bytes, unescape: Callable[[str], str]) -> Node:
    children = [c for c in node.children if c.type not in _NAMED_SKIP]
    if node.type == "template_if":
        intro = children[0]
        cond = _compile(next(c for c in intro.children if c.type == "expression"), src)
        else_at = next((c for c in children if c.type == "template_else_intro"), None)
        end_node = children[-1]
        then_end = else_at.start_byte if else_at is not None else end_node.start_byte
        then = _parts(children, intro.end_byte, then_end, src, unescape)
        other = _parts(children, else_at.end_byte, end_node.start_byte, src, unescape) if else_at is not None else []
        return ("tif", node.start_byte, node.end_byte, cond, then, other)
    if node.type == "template_for":
        intro = children[0]
        names = [c.text.decode() for c in intro.children if c.type == "identifier"]
        collection = _compile(next(c for c in intro.children if c.type == "expression"), src)
        key_name, value_name = (names[0], names[1]) if len(names) > 1 else (None, names[0])
        body = _parts(children, intro.end_byte, children[-1].start_byte, src, unescape)
        return ("tfor", node.start_byte, node.end_byte, key_name, value_name, collection, body)
    raise ValueError(f"unexpected template directive {node.type}")


# --- evaluation ----------------------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def first_unknown(value: Any) -> Unknown | None:
    """The first unknown inside ``value`` (itself, or an item of a list or map, however deep)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        for item in value:
            found = first_unknown(item)
            if found is not None:
                return found
    elif isinstance(value, dict):
        for item in value.values():
            found = first_unknown(item)
            if found is not None:
                return found
    return None


def known(value: Any) -> Any:
    """``value`` when wholly known; ``Pending`` (the call's result is that unknown) otherwise."""
    found = first_unknown(value)
    if found is not None:
        raise Pending(Unknown(found.reason))
    return value


def _agreed(node: Node, scope: Scope, condition: Unknown) -> Any:
    """An unknown condition whose two branches give the same known value (``c ? null : null``): that
    value, whichever way the condition goes; otherwise unknown."""
    try:
        then, other = evaluate(node[4], scope), evaluate(node[5], scope)
    except (EvalError, Pending):
        return Unknown(condition.reason)
    if _plain(then) and _plain(other) and type(then) is type(other) and then == other:
        return then
    return Unknown(condition.reason)


def _plain(value: Any) -> bool:
    """A value with nothing unknown in it (scalars only: collections may hold unknowns anywhere)."""
    return value is None or isinstance(value, (str, int, float, bool))


def evaluate(node: Node, scope: Scope) -> Any:
    tag = node[0]
    handler = _HANDLERS.get(tag)
    if handler is None:
        raise EvalError(f"unsupported expression {tag}")
    return handler(node, scope)


def _lit(node: Node, scope: Scope) -> Any:
    return node[3]


def _tuple(node: Node, scope: Scope) -> Any:
    return [evaluate(item, scope) for item in node[3]]


def _object(node: Node, scope: Scope) -> Any:
    out: dict[str, Any] = {}
    for key_node, value_node in node[3]:
        key = evaluate(key_node, scope)
        if isinstance(key, Unknown):
            return Unknown(key.reason)
        out[to_string(key)] = evaluate(value_node, scope)
    return out


def _name(node: Node, scope: Scope) -> Any:
    return scope.root(node[3])


def _get(node: Node, scope: Scope) -> Any:
    return get_attr(evaluate(node[3], scope), node[4])


def get_attr(base: Any, name: str) -> Any:
    if isinstance(base, Namespace):
        return base.get(name)
    if isinstance(base, Unknown):
        if base.ref is not None:
            if base.configured is not None:
                known = base.configured(name)
                if known is not ABSENT:
                    return known
            return after_apply(f"{base.ref}.{name}")
        return base
    if isinstance(base, dict):
        if name in base:
            return base[name]
        raise EvalError(f"this object does not have an attribute named {name!r}")
    if base is None:
        raise EvalError(f"attempt to get attribute {name!r} from a null value")
    if isinstance(base, list) and base and isinstance(base[0], Unknown) and base[0].ref:
        raise EvalError(f"attribute {name!r} of a resource with count or for_each: use an index or [*]")
    raise EvalError(f"cannot get attribute {name!r} of a {type_name(base)}")


def _index(node: Node, scope: Scope) -> Any:
    return index(evaluate(node[3], scope), evaluate(node[4], scope))


def index(base: Any, key: Any) -> Any:
    if isinstance(base, Namespace):
        raise EvalError(f"{base.text} cannot be indexed")
    if isinstance(base, Unknown):
        if base.ref is not None:
            if isinstance(key, Unknown):
                return Unknown(key.reason)
            return after_apply(f"{base.ref}[{literal(key)}]")
        return base
    if isinstance(key, Unknown):
        return Unknown(key.reason)
    if isinstance(base, list):
        position = to_number(key)
        if not isinstance(position, int) and not (isinstance(position, float) and position.is_integer()):
            raise EvalError(f"index {key!r} is not a whole number")
        position = int(position)
        if 0 <= position < len(base):
            return base[position]
        raise EvalError(f"index {position} out of range for a list of {len(base)}")
    if isinstance(base, dict):
        text = to_string(key)
        if text in base:
            return base[text]
        raise EvalError(f"the map has no element for the key {text!r}")
    if base is None:
        raise EvalError("cannot index a null value")
    raise EvalError(f"cannot index a {type_name(base)}")


def _splat(node: Node, scope: Scope) -> Any:
    base = evaluate(node[3], scope)
    ops = node[4]
    if isinstance(base, Unknown):
        if base.ref is None:
            return base
        text = base.ref + "[*]"
        for op in ops:
            if op[0] == "get":
                text += f".{op[4]}"
            else:
                key = evaluate(op[4], scope)
                text += f"[{literal(key) if not isinstance(key, Unknown) else '?'}]"
        return after_apply(text)
    if base is None:
        return []
    items = base if isinstance(base, list) else [base]
    out = []
    for item in items:
        for op in ops:
            item = get_attr(item, op[4]) if op[0] == "get" else index(item, evaluate(op[4], scope))
        out.append(item)
    return out


def _cond(node: Node, scope: Scope) -> Any:
    condition = evaluate(node[3], scope)
    if isinstance(condition, Unknown):
        return _agreed(node, scope, condition)
    return evaluate(node[4] if to_bool(condition) else node[5], scope)


def _unary(node: Node, scope: Scope) -> Any:
    value = evaluate(node[4], scope)
    if isinstance(value, Unknown):
        return Unknown(value.reason)
    if node[3] == "!":
        return not to_bool(value)
    return normal(-to_number(value))


# A resource's (or data source's) ``id``, through module instances: ``module.db.aws_rds_cluster.this[0].id``.
_RESOURCE_ID = lazy_compile(r"^(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(?:data\.)?[a-z][a-z0-9]*_[\w-]+\.[\w-]+"
                            r"(?:\[[^\]]*\])?\.id$")


def _never_null(value: Any) -> bool:
    """A value partly unknown that is not null, so compared with null the answer is known: a list or map whatever
    its items; a string with known text (an unknown with a known prefix or entries); a resource's ``id``
    (Terraform requires every resource to have one once created, hashicorp/terraform#18790)."""
    if isinstance(value, (list, dict)):
        return True
    if not isinstance(value, Unknown):
        return False
    if value.prefix or value.leading or value.entries:
        return True
    return value.ref is not None and _RESOURCE_ID.match(value.ref) is not None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _binary(node: Node, scope: Scope) -> Any:
    op = node[3]
    left = evaluate(node[4], scope)
    if op in ("&&", "||"):  # short-circuits as HCL does when the left side decides
        if not isinstance(left, Unknown) and to_bool(left) == (op == "||"):
            return op == "||"
        right = evaluate(node[5], scope)
        if isinstance(right, Unknown) or isinstance(left, Unknown):
            if not isinstance(right, Unknown) and to_bool(right) == (op == "||"):
                return op == "||"
            return Unknown((left if isinstance(left, Unknown) else right).reason)
        return to_bool(right)
    right = evaluate(node[5], scope)
    if op in ("==", "!=") and (left is None or right is None) and _never_null(right if left is None else left):
        return op == "!="
    if op in ("==", "!="):
        unknown = first_unknown(left) or first_unknown(right)
        if unknown is not None:
            return Unknown(unknown.reason)
        return equal(left, right) == (op == "==")
    for side in (left, right):
        if isinstance(side, Unknown):
            return Unknown(side.reason)
    a, b = to_number(left), to_number(right)
    if op in _COMPARE:
        return _COMPARE[op](a, b)
    if op == "+":
        return normal(a + b)
    if op == "-":
        return normal(a - b)
    if op == "*":
        return normal(a * b)
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        return normal(a / b)
    if op == "%":
        if b == 0:
            raise EvalError("modulo by zero")
        return normal(a - b * int(a / b))  # Go's remainder keeps the dividend's sign
    raise EvalError(f"unsupported operator {op}")


def _call(node: Node, scope: Scope) -> Any:
    from scanner.loaders.hcl_functions import FUNCTIONS, SPECIAL

    name = node[3]
    special = SPECIAL.get(name)
    if special is not None:
        return special(node[4], scope)
    function = FUNCTIONS.get(name)
    if function is None:
        return Unknown(f"function {name}() is not evaluated statically")
    args = [evaluate(arg, scope) for arg in node[4]]
    if node[5] and args:
        last = args.pop()
        if isinstance(last, Unknown):
            return Unknown(last.reason)
        if not isinstance(last, list):
            raise EvalError(f"{name}(...): only a list can be expanded")
        args.extend(last)
    try:
        return function(*args)
    except Pending as pending:
        return pending.unknown
    except EvalError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, OverflowError,
            AttributeError, re.error) as exc:
        raise EvalError(f"{name}(): {exc}") from None


def _template_node(node: Node, scope: Scope) -> Any:
    parts = node[3]
    if len(parts) == 1 and isinstance(parts[0], tuple) and parts[0][0] not in ("tif", "tfor"):
        return evaluate(parts[0], scope)  # "${x}" is x itself, whatever its type
    return _render_parts(parts, scope)


def _render_parts(parts: list[Any], scope: Scope) -> Any:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        tag = part[0]
        if tag == "tif":
            condition = evaluate(part[3], scope)
            if isinstance(condition, Unknown):
                return Unknown(condition.reason)
            value = _render_parts(part[4] if to_bool(condition) else part[5], scope)
        elif tag == "tfor":
            collection = evaluate(part[5], scope)
            if isinstance(collection, Unknown):
                return Unknown(collection.reason)
            pieces = []
            for key, item in iterate(collection):
                names = {part[4]: item}
                if part[3]:
                    names[part[3]] = key
                piece = _render_parts(part[6], scope.with_names(names))
                if isinstance(piece, Unknown):
                    return piece
                pieces.append(piece)
            value = "".join(pieces)
        else:
            value = evaluate(part, scope)
        found = first_unknown(value)
        if found is not None:
            # the text before the first unknown part is the string's known start (a refinement Terraform keeps)
            start = "".join(out) + found.prefix if found is value else "".join(out)
            return Unknown(found.reason, prefix=start)
        if value is None:
            raise EvalError("a null value cannot be used in a string template")
        out.append(to_string(value))
    return "".join(out)


def _for_node(node: Node, scope: Scope) -> Any:
    _, _, _, key_name, value_name, collection_node, key_node, value_node, cond_node, group = node
    collection = evaluate(collection_node, scope)
    if isinstance(collection, Unknown):
        return Unknown(collection.reason)
    if collection is None:
        raise EvalError("a for expression cannot iterate over null")
    items: list[Any] = []
    mapping: dict[str, Any] = {}
    unknown_keys: list[tuple[Any, Any]] | None = None  # every entry in order, once a key is unknown
    for key, item in iterate(collection):
        names = {value_name: item}
        if key_name:
            names[key_name] = key
        inner = scope.with_names(names)
        if cond_node is not None:
            keep = evaluate(cond_node, inner)
            if isinstance(keep, Unknown):
                return Unknown(keep.reason)
            if not to_bool(keep):
                continue
        if key_node is None:
            items.append(evaluate(value_node, inner))
            continue
        out_key = evaluate(key_node, inner)
        if isinstance(out_key, Unknown):
            if group:
                return Unknown(out_key.reason)
            if unknown_keys is None:
                unknown_keys = list(mapping.items())
            unknown_keys.append((Unknown(out_key.reason, prefix=out_key.prefix), evaluate(value_node, inner)))
            continue
        text = to_string(out_key)
        value = evaluate(value_node, inner)
        if group:
            mapping.setdefault(text, []).append(value)
        elif text in mapping:
            raise EvalError(f"duplicate key {text!r} in a for expression (use ... to group)")
        else:
            mapping[text] = value
            if unknown_keys is not None:
                unknown_keys.append((text, value))
    if unknown_keys is not None:
        first = next(key for key, _ in unknown_keys if isinstance(key, Unknown))
        return Unknown(first.reason, entries=tuple(unknown_keys))
    return items if key_node is None else mapping


def _error(node: Node, scope: Scope) -> Any:
    raise EvalError(node[3])


def _elem(node: Node, scope: Scope) -> Any:
    raise EvalError("a splat step outside a splat")


_HANDLERS: dict[str, Callable[[Node, Scope], Any]] = {
    "lit": _lit, "tuple": _tuple, "object": _object, "name": _name, "get": _get, "index": _index,
    "splat": _splat, "cond": _cond, "unary": _unary, "binary": _binary, "call": _call,
    "template": _template_node, "for": _for_node, "error": _error, "elem": _elem,
}


def iterate(collection: Any) -> list[tuple[Any, Any]]:
    """(key, value) pairs as ``for`` and ``for_each`` see them: maps by sorted key, lists by position."""
    if isinstance(collection, dict):
        return [(key, collection[key]) for key in sorted(collection)]
    if isinstance(collection, list):
        return list(enumerate(collection))
    raise EvalError(f"cannot iterate over a {type_name(collection)}")


# --- conversions, as Terraform's type system converts -------------------------------------------------


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def normal(number: Any) -> Any:
    """Whole numbers as ``int`` (Terraform has one number type; ``10 / 2`` is ``5``)."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 2 ** 53:
        return int(number)
    return number


_NUMBER = lazy_compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def to_number(value: Any) -> Any:
    if is_number(value):
        return value
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return normal(float(value) if any(c in value for c in ".eE") else int(value))
    raise EvalError(f"a number is required, not {type_name(value)} {value!r}"[:120])


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError(f"a bool is required, not {type_name(value)} {value!r}"[:120])


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        number = normal(value)
        return str(number) if isinstance(number, int) else repr(number)
    raise EvalError(f"a string is required, not {type_name(value)}")


def equal(a: Any, b: Any) -> bool:
    if is_number(a) and is_number(b):
        return bool(a == b)
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)


def literal(value: Any) -> str:
    """``value`` as HCL source (an index key in a reference: ``["logs"]``, ``[0]``)."""
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${")
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return to_string(value)
    return json.dumps(value, default=str)


# --- type constraints -----------------------------------------------------------------------------


def convert(value: Any, constraint: Any) -> Any:
    """``value`` converted to a variable's type constraint as Terraform converts it: primitives from
    strings (``"5"`` to a number), and an object's ``optional(type, default)`` attributes filled in
    (with the default, or null), however deep in maps, lists and objects. What does not fit is left as
    it is (Terraform would reject it; the checks then see the value as written)."""
    if constraint is None or isinstance(value, Unknown) or value is None:
        return value
    node = constraint if isinstance(constraint, tuple) else _type_node(constraint)
    try:
        return _convert(value, node)
    except (EvalError, RecursionError):
        return value


def _type_node(constraint: Any) -> Node | None:
    if isinstance(constraint, str):
        return ("name", 0, len(constraint), constraint)
    if isinstance(constraint, Unresolved):
        return compile_expression(source_of(constraint))[0]
    return None


def _convert(value: Any, node: Node | None) -> Any:
    if node is None or isinstance(value, Unknown) or value is None:
        return value
    if node[0] == "name":
        kind = node[3]
        if kind == "number" and isinstance(value, str):
            return to_number(value)
        if kind == "bool" and isinstance(value, str):
            return to_bool(value)
        if kind == "string" and isinstance(value, (bool, int, float)):
            return to_string(value)
        return value
    if node[0] != "call" or not node[4]:
        return value
    name, args = node[3], node[4]
    if name in ("map", "list", "set") and isinstance(value, (dict, list)):
        if isinstance(value, dict):
            return {key: _convert(item, args[0]) for key, item in value.items()} if name == "map" else value
        return [_convert(item, args[0]) for item in value]
    if name == "object" and isinstance(value, dict) and args[0][0] == "object":
        out: dict[str, Any] = {}
        for key_node, type_node in args[0][3]:
            key = key_node[3] if key_node[0] == "lit" else None
            if not isinstance(key, str):
                return value
            optional = type_node[0] == "call" and type_node[3] == "optional" and type_node[4]
            inner = type_node[4][0] if optional else type_node
            if key in value and value[key] is not None:
                out[key] = _convert(value[key], inner)
            elif optional:
                default = evaluate(type_node[4][1], Scope()) if len(type_node[4]) > 1 else None
                out[key] = _convert(default, inner)
            elif key in value:
                out[key] = None
        return out
    return value


# --- raw values and export ---------------------------------------------------------------------------


def source_of(value: Unresolved) -> str:
    """The text to parse: the loader's exact source when it kept one (multi-line, comments)."""
    return getattr(value, "source", "") or value.expression


def evaluate_text(source: str, scope: Scope) -> tuple[Any, Node, bytes]:
    """(value, tree, source bytes) of one expression; an ``EvalError`` becomes an unknown naming it."""
    node, data = compile_expression(source)
    try:
        return evaluate(node, scope), node, data
    except EvalError as exc:
        return Unknown(f"{source_text(data)}: {exc}"), node, data
    except RecursionError:
        return Unknown("expression nested too deeply to evaluate"), node, data
    except Exception as exc:  # one value that cannot be evaluated never ends the scan
        return Unknown(f"{source_text(data)}: cannot be evaluated ({type(exc).__name__}: {exc})"), node, data


def source_text(data: bytes) -> str:
    return _SPACE.sub(" ", data.decode("utf-8", errors="replace")).strip()


def render(node: Node, data: bytes, scope: Scope) -> str:
    """The expression's text with the index keys and ``each``/``count`` values that are known written
    in (``aws_s3_bucket.this[each.key].id`` -> ``aws_s3_bucket.this["logs"].id``)."""
    spans: list[tuple[int, int, str]] = []
    if _substitutable(node):
        _substitutions(node, scope, spans)
    if not spans:
        return source_text(data)
    spans.sort()
    out = bytearray()
    pos = 0
    for start, end, text in spans:
        if start < pos:
            continue  # inside a span already replaced
        out += data[pos:start] + text.encode("utf-8")
        pos = end
    out += data[pos:]
    return source_text(bytes(out))


_INSTANCE_ROOTS = {"each", "count"}
# Whether a compiled expression holds anything ``_substitutions`` may write in (an each/count value, an index that
# is not a literal): most do not, and then rendering is its text. Kept with the tree (ids stay theirs).
_SUBSTITUTABLE: dict[int, tuple[Node, bool]] = {}


def _substitutable(node: Node) -> bool:
    found = _SUBSTITUTABLE.get(id(node))
    if found is None or found[0] is not node:
        if len(_SUBSTITUTABLE) >= 32768:
            _SUBSTITUTABLE.clear()
        found = _SUBSTITUTABLE[id(node)] = (node, _has_substitution(node))
    return found[1]


def _has_substitution(node: Any) -> bool:
    """True when the tree has a node ``_substitutions`` would try: the same walk, without evaluating."""
    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        return isinstance(node, (list, tuple)) and any(_has_substitution(part) for part in node)
    tag = node[0]
    if tag in ("get", "index") and _root_name(node) in _INSTANCE_ROOTS:
        return True
    if tag == "index" and node[4][0] != "lit":
        return True
    if tag in ("for", "tfor"):
        return False
    return any(_has_substitution(part) for part in node[3:])


def _substitutions(node: Any, scope: Scope, spans: list[tuple[int, int, str]]) -> None:
    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        if isinstance(node, (list, tuple)):
            for part in node:
                _substitutions(part, scope, spans)
        return
    tag = node[0]
    if tag in ("get", "index") and _root_name(node) in _INSTANCE_ROOTS and _try_scalar(node, scope, spans):
        return
    if tag == "index" and node[4][0] != "lit":
        key = node[4]
        if _try_scalar(key, scope, spans):
            _substitutions(node[3], scope, spans)
            return
    if tag in ("for", "tfor"):  # their variables are not in this scope
        return
    for part in node[3:]:
        _substitutions(part, scope, spans)


def _root_name(node: Node) -> str | None:
    while node[0] in ("get", "index"):
        node = node[3]
    return node[3] if node[0] == "name" else None


def _try_scalar(node: Node, scope: Scope, spans: list[tuple[int, int, str]]) -> bool:
    try:
        value = evaluate(node, scope)
    except (EvalError, RecursionError):
        return False
    if isinstance(value, (str, int, float, bool)):
        spans.append((node[1], node[2], literal(value)))
        return True
    return False


def from_raw(value: Any, scope: Scope) -> Any:
    """A value as the loader left it (literals, with ``Unresolved`` expressions inside) evaluated."""
    if isinstance(value, Unresolved):
        result, _, _ = evaluate_text(source_of(value), scope)
        return result
    if isinstance(value, list):
        return [from_raw(item, scope) for item in value]
    if isinstance(value, dict):
        return {key: from_raw(item, scope) for key, item in value.items()}
    return value


def export_raw(value: Any, scope: Scope) -> Any:
    """``from_raw`` then ``export``: each expression exported with its own text. A plain list or map with no
    expression in it is returned itself (loaded values are never changed: they can be shared)."""
    if isinstance(value, Unresolved):
        result, node, data = evaluate_text(source_of(value), scope)
        return export(result, lambda: render(node, data, scope))
    if isinstance(value, list):
        items = [export_raw(item, scope) for item in value]
        if type(value) is list and all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items
    if isinstance(value, dict):
        entries = {key: export_raw(item, scope) for key, item in value.items()}
        if type(value) is dict and all(entries[key] is item for key, item in value.items()):
            return value
        return entries
    return value


def export(value: Any, text: Callable[[], str]) -> Any:
    """An evaluated value as attribute values: unknowns become ``Unresolved(text, reason)``."""
    if isinstance(value, Unknown):
        unresolved = Unresolved(value.ref if value.ref is not None else text(), value.reason)
        # a list whose first items are known: those items, then the unknown rest (as a partly known list)
        return [*(export(item, text) for item in value.leading), unresolved] if value.leading else unresolved
    if isinstance(value, Namespace):
        return Unresolved(value.text, f"{value.text} is not a value")
    if isinstance(value, list):
        return [export(item, text) for item in value]
    if isinstance(value, dict):
        return {key: export(item, text) for key, item in value.items()}
    return value


def imported(value: Any) -> Any:
    """A value computed elsewhere (a module input, a tfvars value) as evaluation sees it."""
    if isinstance(value, Unresolved):
        ref = value.expression if _REFERENCE_TEXT.match(value.expression) else None
        return Unknown(value.reason, ref)
    if isinstance(value, list):
        return [imported(item) for item in value]
    if isinstance(value, dict):
        return {key: imported(item) for key, item in value.items()}
    return value


_REFERENCE_TEXT = lazy_compile(r"^(data\.)?[a-z][a-z0-9]*_[a-z0-9_]*\.[A-Za-z_][\w-]*(\[[^\]]*\]|\.[\w-]+)*$")
