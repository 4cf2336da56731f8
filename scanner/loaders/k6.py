"""k6 load-test scripts: the exported ``options`` object (``thresholds``, ``stages``, ...).

There is no JavaScript parser among the dependencies, and only one object literal matters, so
this module tokenizes the script (comments, the three string forms with ``${}`` nesting,
regular-expression literals, numbers, punctuation) and parses the literal that
``export let|const|var options =`` assigns. Literals (objects, arrays, strings, numbers,
booleans, ``null``) become line-aware values; anything computed (a variable, a call, a
spread, a template with ``${}``) becomes ``Unresolved`` with its source text, so a check
on it is unknown rather than guessed. Options set any other way (``Object.assign``, a
variable exported later, ``__ENV`` files) are not followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.model import Origin, Resource, Unresolved
from scanner.regex import lazy_compile

NAME = "k6"
_SNIFF_OPTIONS = lazy_compile(r"\bexport\s+(?:let|const|var)\s+options\b")
# The VU code: a script that imports k6 and exports it is a test even when it exports no options
_SNIFF_DEFAULT = lazy_compile(r"^\s*export\s+default\b", re.MULTILINE)
_SNIFF_K6 = lazy_compile(r"""from\s+['"]k6(?:/[\w/-]*)?['"]|require\(\s*['"]k6""")
_PUNCT = ("...", "=>", "===", "!==", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "**")
_NUMBER = lazy_compile(r"(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+"
                       r"|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?)n?")
# A JavaScript identifier: an ASCII letter, _, $ or any non-ASCII character, then those or digits. Written as
# classes of the ASCII characters it excludes: a class spelling out \u0080-\uffff took re 7-17 ms to compile.
_IDENT_PATTERN = r"[^\x00-\x23\x25-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*"


@cache
def _ident() -> re.Pattern[str]:
    return re.compile(_IDENT_PATTERN)


# After these a "/" starts a regular expression, not a division.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete",
                                               "void", "throw", "=>", "&&", "||", "??", "==", "===", "!=", "!=="}


_LITERALS = {"true": True, "false": False, "null": None}
_COMPUTED = object()


class JsSyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Token:
    kind: str  # ident | string | template | number | regex | punct
    text: str
    line: int
    value: Any = None
    end: int = 0  # offset just past the token in the script


def tokenize(text: str) -> list[Token]:
    """JavaScript tokens with their lines; comments dropped. Raises JsSyntaxError on unterminated input."""
    tokens: list[Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise JsSyntaxError("unterminated /* comment", line)
            line += text.count("\n", i, end)
            i = end + 2
        elif ch in "'\"":
            value, end = _quoted(text, i, line)
            tokens.append(Token("string", text[i:end], line, value, end))
            line += text.count("\n", i, end)
            i = end
        elif ch == "`":
            end, plain = _template(text, i, line)
            raw = text[i:end]
            tokens.append(Token("template", raw, line, raw[1:-1] if plain else None, end))
            line += raw.count("\n")
            i = end
        elif ch == "/" and _regex_allowed(tokens):
            end = _regex_end(text, i, line)
            tokens.append(Token("regex", text[i:end], line, None, end))
            i = end
        elif "0" <= ch <= "9" or (ch == "." and i + 1 < n and "0" <= text[i + 1] <= "9"):  # ASCII: not '²'
            match = _NUMBER.match(text, i)
            assert match is not None
            tokens.append(Token("number", match.group(0), line, _number(match.group(0)), match.end()))
            i = match.end()
        elif (match := _ident().match(text, i)) is not None:
            tokens.append(Token("ident", match.group(0), line, None, match.end()))
            i = match.end()
        else:
            punct = next((p for p in _PUNCT if text.startswith(p, i)), ch)
            tokens.append(Token("punct", punct, line, None, i + len(punct)))
            i += len(punct)
    return tokens


def _quoted(text: str, start: int, line: int) -> tuple[str, int]:
    quote, i, out = text[start], start + 1, []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(nxt, nxt if nxt != "\n" else ""))
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        elif ch == "\n":
            break
        else:
            out.append(ch)
            i += 1
    raise JsSyntaxError("unterminated string", line)  # its text is not repeated: it may be a secret


def _template(text: str, start: int, line: int) -> tuple[int, bool]:
    """End of a template literal (nested ``${ }`` included) and whether it has no substitution."""
    i, plain = start + 1, True
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
        elif ch == "`":
            return i + 1, plain
        elif text.startswith("${", i):
            plain = False
            depth, i = 1, i + 2
            while i < len(text) and depth:
                if text[i] in "'\"":
                    i = _quoted(text, i, line)[1]
                    continue
                if text[i] == "`":
                    i = _template(text, i, line)[0]
                    continue
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
        else:
            i += 1
    raise JsSyntaxError("unterminated template literal", line)


def _regex_allowed(tokens: list[Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    return last.text in _REGEX_AFTER if last.kind in ("punct", "ident") else False


def _regex_end(text: str, start: int, line: int) -> int:
    i, in_class = start + 1, False
    while i < len(text) and text[i] != "\n":
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            i += 1
            while i < len(text) and (text[i].isalnum() or text[i] == "_"):
                i += 1
            return i
        i += 1
    raise JsSyntaxError("unterminated regular expression", line)


def _number(text: str) -> int | float:
    clean = text.replace("_", "").rstrip("n")
    if clean[:2].lower() in ("0x", "0b", "0o"):
        return int(clean, 0)
    value = float(clean)
    return int(value) if value.is_integer() and not re.search(r"[.eE]", clean) else value


class _Parser:
    """Recursive descent over one object literal; computed parts become Unresolved."""

    _CLOSE = {"{": "}", "[": "]", "(": ")"}

    def __init__(self, tokens: list[Token], source: str) -> None:
        self.tokens = tokens
        self.source = source
        last_line = source.count("\n") + 1
        self.pos = 0
        self.last_line = last_line

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None:
            raise JsSyntaxError("unexpected end of script inside the options object", self.last_line)
        if text is not None and token.text != text:
            raise JsSyntaxError(f"expected {text!r}, found {token.text!r}", token.line)
        self.pos += 1
        return token

    def value(self) -> Any:
        token = self.peek()
        if token is None:
            raise JsSyntaxError("unexpected end of script", self.last_line)
        start = self.pos
        result: Any = _COMPUTED
        if token.kind == "punct" and token.text == "{":
            result = self.object()
        elif token.kind == "punct" and token.text == "[":
            result = self.array()
        elif token.kind in ("string", "number") or (token.kind == "template" and token.value is not None):
            self.pos += 1
            result = token.value
        elif token.kind == "punct" and token.text == "-" and self._next_is_number():
            self.pos += 2
            result = -self.tokens[self.pos - 1].value
        elif token.kind == "ident" and token.text in _LITERALS:
            self.pos += 1
            result = _LITERALS[token.text]
        nxt = self.peek()
        if result is _COMPUTED or (nxt is not None and nxt.kind == "punct" and nxt.text not in (",", "}", "]", ";")):
            self.pos = start  # not a literal, or a literal followed by an operator: an expression
            return self.expression()
        return result

    def _next_is_number(self) -> bool:
        return self.pos + 1 < len(self.tokens) and self.tokens[self.pos + 1].kind == "number"

    def expression(self) -> Unresolved:
        """Skip an expression up to the next ``,``/``}``/``]`` at this depth; keep its text."""
        depth, taken = 0, 0
        first = self.peek()
        while (token := self.peek()) is not None:
            if token.kind == "punct":
                if token.text in "{[(":
                    depth += 1
                elif token.text in "}])":
                    if depth == 0:
                        break
                    depth -= 1
                elif token.text in (",", ";") and depth == 0:
                    break
            taken += 1
            self.pos += 1
        if not taken or first is None:
            raise JsSyntaxError("expected a value", first.line if first else self.last_line)
        last = self.tokens[self.pos - 1]
        begin = first.end - len(first.text)  # a token's text is its exact source slice
        return Unresolved(self.source[begin:last.end], "computed in the script; only literals are read")

    def object(self) -> LineDict:
        opening = self.take("{")
        result = LineDict()
        result.line, result.key_lines = opening.line, {}
        while True:
            token = self.peek()
            if token is None:
                raise JsSyntaxError("unclosed '{' of the options object", opening.line)
            if token.text == "}" and token.kind == "punct":
                self.pos += 1
                result.end_line = token.line
                return result
            if token.text == "...":
                self.pos += 1
                spread = self.expression()
                result[f"...{spread.expression}"] = Unresolved(spread.expression, "spread: not followed")
                result.key_lines[f"...{spread.expression}"] = token.line
            else:
                key = self.key()
                nxt = self.peek()
                if nxt is not None and nxt.text == ":":
                    self.pos += 1
                    result[key] = self.value()
                elif nxt is not None and nxt.text in (",", "}"):
                    result[key] = Unresolved(key, "shorthand property: a variable of the script")
                else:
                    result[key] = self.expression()  # a method: skipped
                result.key_lines[key] = token.line
            token = self.peek()
            if token is not None and token.text == ",":
                self.pos += 1
            elif token is None or token.text != "}":
                raise JsSyntaxError(f"expected ',' or '}}' in object, found {token.text if token else 'end'!r}",
                                    token.line if token else self.last_line)

    def key(self) -> str:
        token = self.take()
        if token.kind in ("ident", "number"):
            return token.text
        if token.kind == "string":
            return str(token.value)
        if token.text == "[":
            inner = self.expression()
            self.take("]")
            return f"[{inner.expression}]"
        raise JsSyntaxError(f"unexpected {token.text!r} where a property name was expected", token.line)

    def array(self) -> LineList:
        opening = self.take("[")
        result = LineList()
        result.line = opening.line
        while True:
            token = self.peek()
            if token is None:
                raise JsSyntaxError("unclosed '['", opening.line)
            if token.text == "]":
                self.pos += 1
                result.end_line = token.line
                return result
            if token.text == ",":  # an elision
                self.pos += 1
                continue
            result.append(self.value())
            token = self.peek()
            if token is not None and token.text == ",":
                self.pos += 1
            elif token is None or token.text != "]":
                raise JsSyntaxError(f"expected ',' or ']' in array, found {token.text if token else 'end'!r}",
                                    token.line if token else self.last_line)


def options_literal(text: str) -> tuple[LineDict | Unresolved | None, int]:
    """The exported ``options`` value and the line of its declaration (None when not exported)."""
    tokens = tokenize(text)
    for index in range(len(tokens) - 3):
        a, b, c, d = tokens[index:index + 4]
        if a.text == "export" and b.text in ("let", "const", "var") and c.text == "options" and d.text == "=":
            parser = _Parser(tokens[index + 4:], text)
            first = parser.peek()
            if first is not None and first.text == "{":
                return parser.object(), a.line
            return parser.expression(), a.line
    return None, 0


@loader("k6", order=30)
class K6Loader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in (".js", ".mjs", ".cjs", ".ts") and bool(_SNIFF_K6.search(head)) \
            and bool(_SNIFF_OPTIONS.search(head) or _SNIFF_DEFAULT.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        try:
            options, line = options_literal(text)
        except JsSyntaxError as exc:
            return LoadResult(errors=[ParseError(path, exc.line, f"cannot read the k6 script: {exc}", NAME)])
        if options is None:
            default = _SNIFF_DEFAULT.search(text)
            if default is None:
                return LoadResult(errors=[ParseError(path, 1, "no `export let|const options = {...}` found", NAME)])
            # k6 runs the script with its defaults: no thresholds, so nothing fails the run
            line = text.count("\n", 0, default.end()) + 1
            options = LineDict()
            options.line = options.end_line = line
            options.key_lines = {}
        if isinstance(options, Unresolved):
            attributes = LineDict()
            attributes.line = attributes.end_line = line
            attributes.key_lines = {}
            attributes["thresholds"] = Unresolved(options.expression, "options are computed; only a literal is read")
            options = attributes
        origin = Origin(path, line, options.end_line or line)
        return LoadResult(resources=[Resource("k6", "k6_options", "options", origin, options, format=NAME)])
