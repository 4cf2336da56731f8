"""HCL text -> line-aware native values, with tree-sitter (``tree-sitter-hcl``).

Why tree-sitter rather than python-hcl2's Lark parser: on the benchmark corpus (77 files,
635 resources) Lark's LALR parse plus python-hcl2's rule transform took about 2.3 s of CPU,
tree-sitter parses the same bytes in about 0.07 s and the walk below adds about 0.1 s
(see ``docs/performance.md``). The values are the ones the Terraform loader has always
produced:

- a body is a ``LineDict`` (``line``/``end_line`` of its braces, ``key_lines`` per key);
  nested blocks are a ``BlockList`` of bodies (labels of ``dynamic "x"`` under ``__labels__``);
- literals become Python values (strings unescaped, numbers, booleans, ``None``), tuples
  lists, objects dicts;
- a bare name (``type = string``) is that name, as python-hcl2 gave it;
- every other expression is ``Unresolved(text)``: a reference ``var.x`` as ``var.x``, a
  template with interpolations as its quoted text ``"pg-${var.env}"`` (so ``link`` can
  substitute the parts), anything else with its whitespace collapsed.

A syntax error is ``HclSyntaxError`` with the 1-based line of the first bad token.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from typing import Any

from scanner.lines import LineDict
from scanner.loaders.base import BlockList
from scanner.model import Unresolved
from scanner.regex import lazy_compile

_SPACE = lazy_compile(r"\s*\n\s*")
_ESCAPE = lazy_compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
# Template parts that make a quoted string or heredoc an expression rather than a literal.
_TEMPLATE_PARTS = {"template_interpolation", "template_directive"}


@dataclass(frozen=True, eq=False)
class HclExpression(Unresolved):
    """An expression whose source spans lines (comments, heredocs): ``source`` is its exact text, for the
    evaluator to parse; it compares and hashes as the ``Unresolved`` it reads as."""

    source: str = ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unresolved) and (self.expression, self.reason) == (other.expression, other.reason)

    def __hash__(self) -> int:
        return hash((self.expression, self.reason))

    def __reduce__(self) -> tuple[Any, ...]:  # with its source (Unresolved's own leaves it out)
        return HclExpression, (self.expression, self.reason, self.source)


def _unresolved(node: Any) -> Unresolved:
    raw = node.text.decode()
    text = _SPACE.sub(" ", raw).strip() if "\n" in raw else raw.strip()  # _SPACE needs a newline to match
    return Unresolved(text) if text == raw else HclExpression(text, source=raw)


class HclSyntaxError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@cache
def _parser() -> Any:
    """One tree-sitter parser per process (building it is cheap, but there is no reason to repeat it)."""
    import tree_sitter_hcl
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_hcl.language()))


def parse(text: str) -> Any:
    """The root node of ``text`` (a ``config_file``); ``HclSyntaxError`` if it does not parse."""
    from scanner.loaders.budget import parse_tree

    source = text.encode("utf-8")
    root = parse_tree(_parser(), source).root_node  # within the file's parse budget
    if root.has_error:
        line, message = _first_error(root, source)
        raise HclSyntaxError(line, message)
    return root


def _first_error(root: Any, source: bytes) -> tuple[int, str]:
    """The earliest ERROR or MISSING node: its line and a message naming what is there."""
    node = root
    while True:
        bad = next((c for c in node.children if c.is_error or c.is_missing), None)
        if bad is not None and not any(c.has_error and c.start_byte < bad.start_byte
                                       for c in node.children if c is not bad):
            break
        inner = next((c for c in node.children if c.has_error), None)
        if inner is None:
            bad = node
            break
        node = inner
    line = bad.start_point.row + 1
    rest = source[bad.start_byte:].split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    if bad.is_missing:
        return line, f"expected {bad.type!r} before {rest[:40]!r}" if rest else f"expected {bad.type!r}"
    return line, f"unexpected {rest[:40]!r}" if rest else "unexpected end of input"


def body_of(root: Any) -> Any | None:
    """The top-level ``body`` node of a parsed file (None for an empty file)."""
    return next((c for c in root.children if c.type == "body"), None)


def blocks(body: Any) -> list[Any]:
    return [c for c in body.children if c.type == "block"] if body is not None else []


def block_header(block: Any) -> tuple[list[str], Any | None, int, int]:
    """(type and labels, body node or None, first line, last line) of a ``block`` node."""
    labels: list[str] = []
    body = None
    start = block.start_point[0] + 1
    end = block.end_point[0] + 1
    for child in block.children:
        ctype = child.type
        if ctype == "identifier":
            labels.append(sys.intern(child.text.decode()))  # a block type: one string however often it is used
        elif ctype == "string_lit":
            labels.append(_string(child))
        elif ctype == "body":
            body = child
    return labels, body, start, end


def to_body(body: Any | None, block: Any | None = None) -> LineDict:
    """A ``body`` node as a LineDict: attributes by name, nested blocks as BlockLists."""
    if body is None:
        return LineDict.spanning(0, 0, {})
    if block is not None:  # the braces, as python-hcl2 reported them
        result = LineDict.spanning(*_brace_lines(block), {})
    else:
        result = LineDict.spanning(body.start_point.row + 1, body.end_point.row + 1, {})
    _fill(result, body)
    return result


def _fill(result: LineDict, body: Any) -> None:
    """Put the attributes and nested blocks of a ``body`` node into ``result``."""
    key_lines = result.key_lines
    for child in body.children:
        ctype = child.type
        if ctype == "attribute":
            children = child.children
            # The same few attribute names stand in every block of every file: one string each, not one per use
            # (the evaluated bodies keep them: 6 MiB per 10k resources).
            key = sys.intern(children[0].text.decode())
            result[key] = value(children[2]) if len(children) > 2 else None
            key_lines[key] = child.start_point[0] + 1
        elif ctype == "block":
            labels, inner_node, start, end = block_header(child)
            # A nested block spans its whole block, not its braces (no _brace_lines walk for lines not kept)
            inner = LineDict.spanning(start, end, {})
            if inner_node is not None:
                _fill(inner, inner_node)
            if len(labels) > 1:  # dynamic "name" { ... } and other labelled nested blocks
                inner["__labels__"] = labels[1:]
            found = result.get(labels[0])
            if not isinstance(found, BlockList):
                found = BlockList()
                found.line = start
                result[labels[0]] = found
                key_lines[labels[0]] = start
            found.append(inner)


def _brace_lines(block: Any) -> tuple[int, int]:
    first = last = 0
    for child in block.children:
        if child.type == "block_start":
            first = child.start_point.row + 1
        elif child.type == "block_end":
            last = child.start_point.row + 1
    return first, last


def value(node: Any) -> Any:
    """The native value of an ``expression`` node (``Unresolved`` unless it is a literal)."""
    children = node.children
    if node.type == "expression":
        if len(children) != 1:  # a traversal: var.x, each.value.cidr, aws_s3_bucket.b.id, list[0]
            return _unresolved(node)
        node = children[0]
        children = node.children
    ntype = node.type
    if ntype == "literal_value":
        return _literal(children[0])
    if ntype == "collection_value":
        collection = children[0]
        if collection.type == "tuple":
            return [value(c) for c in collection.children if c.type == "expression"]
        if collection.type == "object":
            out: dict[Any, Any] = {}
            for elem in collection.children:
                if elem.type == "object_elem":
                    parts = [c for c in elem.children if c.type == "expression"]
                    key = _key(parts[0])
                    if key is _COMPUTED:  # ("${var.env}-x" = 1): the whole object is for the evaluator
                        return _unresolved(node)
                    out[key] = value(parts[1])
            return out
    if ntype == "template_expr":
        return _template(children[0])
    if ntype == "variable_expr":  # a bare name (``type = string``, ``ignore_changes = [tags]``) reads as itself
        return node.text.decode()
    if ntype == "operation" and children[0].type == "unary_operation":
        unary = children[0].children
        if unary[0].type == "-" and unary[1].type == "literal_value" and unary[1].children[0].type == "numeric_lit":
            return -_literal(unary[1].children[0])
    return _unresolved(node)


def _literal(node: Any) -> Any:
    ntype = node.type
    if ntype == "string_lit":
        return _string(node)
    if ntype == "numeric_lit":
        text = node.text.decode()
        try:
            return int(text)
        except ValueError:
            return float(text)
    if ntype == "bool_lit":
        return node.children[0].type == "true"
    return None  # null_lit


def _string(node: Any) -> str:
    """A quoted string without interpolation, unescaped."""
    raw = node.text
    if b"\\" not in raw and b"${" not in raw and b"%{" not in raw:  # nothing to unescape: between the quotes
        return raw[1:-1].decode()
    return "".join(_unescape(c.text.decode()) for c in node.children if c.type == "template_literal")


def _unescape(text: str) -> str:
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text
    return _ESCAPE.sub(_replace_escape, text)


def _replace_escape(match: re.Match[str]) -> str:
    whole = match.group(0)
    if whole == "$${":
        return "${"
    if whole == "%%{":
        return "%{"
    code = match.group(1)
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _SIMPLE_ESCAPES.get(code, whole)


def _template(node: Any) -> Any:
    """A quoted template or heredoc: a string when it has no interpolation, else ``Unresolved``."""
    if node.type == "quoted_template":
        raw = node.text
        if b"\\" not in raw and b"${" not in raw and b"%{" not in raw:  # a plain string: between the quotes
            return raw[1:-1].decode()
    children = node.children
    if any(c.type in _TEMPLATE_PARTS for c in children):
        if node.type == "quoted_template":
            return Unresolved(node.text.decode())
        return _unresolved(node)
    if node.type == "quoted_template":
        return "".join(_unescape(c.text.decode()) for c in children if c.type == "template_literal")
    # heredoc: the lines between the marker lines; <<- strips the common indentation
    lines = node.text.decode().split("\n")[1:-1]
    if children and children[0].type == "heredoc_start" and children[0].text == b"<<-":
        indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
        cut = min(indents, default=0)
        lines = [line[cut:] for line in lines]
    return "\n".join(lines)


_COMPUTED = object()


def _key(node: Any) -> Any:
    """An object key: a bare name or a literal string as itself; ``_COMPUTED`` for an expression."""
    children = node.children
    if len(children) == 1:
        only = children[0]
        if only.type == "variable_expr":
            return only.text.decode()
        if only.type == "literal_value":
            return _literal(only.children[0])
        if only.type == "template_expr":
            inner = _template(only.children[0])
            return _COMPUTED if isinstance(inner, Unresolved) else inner
    return _COMPUTED
