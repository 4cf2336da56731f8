"""Literal credentials in any scanned text (the masking that keeps them out of reports is ``scanner.masking``).

``detect`` reads a file's text whatever its format (the loaders' hook runs it on every file):

- settings with a credential-like name (``password``, ``api_key``, ``client_secret``,
  ``requirepass``, ``DB_PASSWORD`` ...) in ``key: value``, ``key = value``, ``"key": "value"``,
  ``KEY=value`` (shell, .env, kustomize ``literals``) and ``--password=value`` forms, inline maps
  and lists included (``[{ name = "a", password = "b" }]``, ``passwords = ["a"]``); a Kubernetes env
  entry whose ``name`` is credential-like; the ``default``/``Default``/``defaultValue``/``value`` of a
  credential-named variable or parameter; a Kubernetes Secret's ``data`` (base64-decoded, searched
  like a file) and ``stringData``;
- AWS access key IDs, private key blocks and a few well-known token formats anywhere;
- URLs with a password (``postgres://user:pw@host``).

What is not a literal credential (``_not_literal``, the table in ``tests/loaders/test_secrets_classifier.py``
and docs/secrets.md): a reference (``${VAR}``, ``$VAR``, templates, ``!Ref``, ``{{resolve:...}}``, ARM
expressions, secret-store references, Terraform references), anything written without quotes in
Terraform (a type constraint such as ``string``, a reference, an expression), a duration, a file path
or name, an environment-variable name, an empty value, a template marker (``<password>``,
``REPLACE_ME``, ``__X__``, ``GEN-PASSWORD``). A well-known default password (``changeme``,
``password``) deploys as it is: it is a literal.

Nothing here ever stores a literal secret in a Resource: the resources carry a masked form
(``pa****rd (12 chars)``). The literals seen are handed to the one masker (``scanner.masking``), which
remembers them in this process only to mask them in the values a finding shows (observed, expected, a
message's or a fix's quotes of them), never in an address, a name or a message's own words
(``policy/engine.py``); what a credential name is, is the masker's classifier too.
"""

from __future__ import annotations

import base64
import bisect
import functools
import json
import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from scanner.lines import LineDict
from scanner.masking import (
    CREDENTIAL_WORDS,
    NAME_SEPARATORS,
    TOKEN_HINT,
    TOKEN_PATTERNS,
    URL_PASSWORD,
    WELL_KNOWN_PASSWORDS,
    classify,
    holds_credentials,
    is_credential_name,
    mask,
    remember_secret,
)
from scanner.model import Origin, Resource
from scanner.regex import lazy_compile

RESOURCE_TYPE = "credential"
# Under these, keys are not settings holding a value: GitHub Actions ``permissions: {id-token: write}``,
# CloudFormation's ``ParameterLabels: {DBPassword: {default: Database password}}``.
_LABEL_PARENTS = {"permissions", "parameterlabels", "label"}  # and createUiDefinition's ``label: {password: ...}``
_PARENT_VALUE_KEYS = {"default", "defaultvalue", "value", "initial_value"}
_DIRECTIVES = lazy_compile(r"^\s*(requirepass|masterauth)\s+(\S+)", re.I)
# Characters a case-insensitive regex matches to an ASCII letter of ``requirepass``/``masterauth`` that
# str.lower() does not turn into that letter alone: dotless i, long s, dotted capital I.
_FOLDS_TO_ASCII = "\u0131\u017f\u0130"
_FLAG = lazy_compile(r"--(password|passwd|token|api-key|apikey|secret|client-secret|access-key|secret-key)"
                     r"(?:=|\s+)(\"[^\"]*\"|'[^']*'|\S+)", re.I)
# ``key: value`` and ``key = value`` lines: groups (indent, key); the value is the rest of the line after the
# match (``line[match.end():]``), not a ``(.*)$`` group, whose scan of a long line cost more than the rest of the
# match. Possessive where giving characters back can never lead to a match (a key's characters are none of
# the quote, space, ``:`` or ``=`` after it): no backtracking on the lines that are no assignment.
_KV_COLON = lazy_compile(r"""^(\s*+)(?:-\s++)?["']?([A-Za-z_.][\w.\-]*+)["']?\s*+:(?:\s++|$)""")  # .dockerconfigjson
_KV_EQUALS = lazy_compile(r"""^(\s*+)(?:-\s++)?(?:export\s+|set\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?"""
                          r"""["']?([A-Za-z_][\w.\-]*+)["']?\s*+=(?!=)\s*+""")
_HCL_BLOCK = lazy_compile(r"""^(\s*)[A-Za-z_][\w-]*((?:\s+"[^"]*")+)\s*\{\s*$""")
# What every URL_PASSWORD match holds, from its literal "://" (a fast search; URL_PASSWORD's scheme first is not).
_URL_HINT = lazy_compile(r"://[^:/?#\s@'\"]+:[^@/?#\s'\"]+@")
_PRIVATE_KEY = lazy_compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----")
_FLAG_HINT = lazy_compile(r"--(?:pass|token|api|secret|client|access|build-arg)", re.I)
# ``docker build --build-arg NAME=value``: the value is a build argument, a credential when its name is one's.
_BUILD_ARG = lazy_compile(r"""--build-arg(?:=|\s+)["']?([A-Za-z_]\w*)=("[^"]*"|'[^']*'|[^\s"']*)""")
# A Dockerfile's ``ENV``/``ARG`` line (instructions are case-insensitive); ``ENV KEY value`` is the legacy form.
_DOCKER_SETTING = lazy_compile(r"^\s*(ENV|ARG)\s+(\S.*)$", re.I)
_BASIC_AUTH = lazy_compile(r"\b(Basic|Bearer)\s+([A-Za-z0-9+/=._\-]{12,})")
_BASIC_AUTH_REST = lazy_compile(r"\s+[A-Za-z0-9+/=._\-]{12,}")
# Formats where a value written without quotes is an expression (a reference, a function call, a type
# constraint such as ``string``), never a literal string.
_HCL_FORMATS = {"terraform"}
_DURATION = lazy_compile(r"\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w)(?:\d+(?:ms|s|m|h))*")
# ``/etc/secrets/password``, ``./password.txt``, ``~/.config/token``, ``/run/token.json``: a path to a secret.
_PATH = lazy_compile(r"(?:~|\.\.?)/[\w.@+\-/]+|/[\w.@+\-]+/[\w.@+\-/]+|/[\w@+\-]+\.[A-Za-z]\w{0,5}")
_FILE_NAME = lazy_compile(r"[\w.\-]+\.(?:json|pem|key|crt|cer|p12|pfx|jks|keystore|txt|ya?ml|env|ini|conf|cfg)",
                          re.I)
# ``DB_PASSWORD`` (written where a tool expects a variable's name), ``%DB_PASSWORD%`` (Windows).
_ENV_NAME = lazy_compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|%[A-Za-z_]\w*%")
# ``key = value`` / ``key: value`` pairs inside an inline map or list (``[{ name = "a", password = "b" }]``).
_INLINE_PAIR = lazy_compile(r"""(?<=[{,\[\s])["']?([A-Za-z_][\w.\-]*)["']?\s*(?:=(?![=>~])|:(?![:/]))\s*"""
                            r"""("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^,}\]\s]+)""")
# An item of an inline list: a quoted string or a bare word (up to the next comma or bracket).
_LIST_ITEM = lazy_compile(r"""("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^,\[\]\s][^,\[\]]*)""")
_NOT_SECRETS = {"true", "false", "yes", "no", "on", "off", "null", "none", "~", "nil", "undefined", "{}", "[]"}
_CONTAINERS = frozenset(("{", "[", "|", ">", "|-", ">-", "|+", ">+", "("))
_SEALED_PARENTS = {"encrypteddata"}
_SMALL_NUMBER = lazy_compile(r"-?\d{1,3}(\.\d+)?")
_TRAILING_COMMENT = lazy_compile(r"\s+#|\s+//")
# An unquoted identifier followed by a separator (``lcaToken,``, ``this.token;``): a variable in code, which no
# configuration format writes as a value
_CODE_IDENTIFIER = lazy_compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\s*[,;]")
_IDENTIFIER = lazy_compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
# Keys whose block holds a function's source (CloudFormation's Lambda ZipFile, SAM's InlineCode): there, an
# unquoted identifier as a member's value is a variable even without a separator after it (the last member)
_CODE_BLOCKS = frozenset({"zipfile", "inlinecode"})
_LABEL = lazy_compile(r'"([^"]*)"')
# See _may_name_a_credential: the words one of which every credential-like name holds, separators taken out,
# and the ASCII characters NAME_SEPARATORS splits names on (whitespace, "_", ".", "-").
# Longest first (so the longest word matches), then by spelling: the same text in every process, so its kept
# program (scanner/bytecode.py) is found again; a set's own order changes with each process's hash seed.
_TRIGGERS = lazy_compile("|".join(sorted(CREDENTIAL_WORDS | _SEALED_PARENTS,
                                       key=lambda word: (-len(word), word))).encode("ascii"))
_ASCII_SEPARATORS = bytes(c for c in range(128) if NAME_SEPARATORS.fullmatch(chr(c)))


@dataclass(frozen=True)
class Credential:
    """A credential-like setting: where it is, and whether its value is a literal (masked) or a reference."""

    key: str
    line: int
    kind: str
    literal: bool
    shown: str  # masked literal, or the reference as written (safe to show)
    reference: str = ""  # what kind of reference, "" for a literal


_NONE: tuple[Credential, ...] = ()  # what most lines set: shared, not a new list per line




def _is_value(raw: str) -> bool:
    text = raw.strip()
    if not text or text in _CONTAINERS or text.lower() in _NOT_SECRETS or text.startswith("<<"):
        return False  # empty, a nested block, a flag, or a heredoc whose body follows
    return not _SMALL_NUMBER.fullmatch(text)  # small numbers are lengths and ports, not secrets


def _unquote(raw: str, shell_words: bool) -> str:
    """The value as written: quotes removed, trailing comments and separators dropped."""
    text = raw.strip()
    if text.startswith('\\"'):  # a quoted value inside a quoted string: key=\"value\"
        text = text.replace('\\"', '"')
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = 1
        while end < len(text):
            if text[end] == "\\" and quote == '"':
                end += 2
                continue
            if text[end] == quote:
                return text[1:end]
            end += 1
        return text[1:]
    text = _TRAILING_COMMENT.split(text, maxsplit=1)[0]
    if shell_words:
        text = text.split()[0] if text.split() else ""
    return text.rstrip(",;").strip()


def _not_literal(value: str, quoted: bool, fmt: str) -> str | None:
    """Why ``value`` (unquoted, non-empty) is not a literal credential, or None when it is one."""
    if value.lower() in WELL_KNOWN_PASSWORDS:
        return None
    if not quoted and fmt in _HCL_FORMATS:
        return "Terraform type constraint" if value in ("string", "number", "bool", "any") else "Terraform expression"
    reference = classify(value)
    if reference is not None:
        return reference
    if _DURATION.fullmatch(value):
        return "duration"
    if _PATH.fullmatch(value) or _FILE_NAME.fullmatch(value):
        return "file path"
    if _ENV_NAME.fullmatch(value):
        return "environment variable name"
    return None


def _credential(key: str, value: str, line: int, kind: str = "credential", parents: tuple[str, ...] = (),
                quoted: bool = True, fmt: str = "") -> Credential | None:
    if not _is_value(value):
        return None
    if any(p.lower() in _SEALED_PARENTS for p in parents):
        return Credential(key, line, kind, False, value if len(value) <= 24 else value[:20] + "…", "sealed secret")
    reference = _not_literal(value, quoted, fmt)
    if reference is not None:
        return Credential(key, line, kind, False, value if len(value) <= 80 else value[:77] + "…", reference)
    remember_secret(value)
    return Credential(key, line, kind, True, mask(value))


def _b64decode(value: str) -> str | None:
    """A Secret's ``data`` value decoded to text, or None when it is not base64 of UTF-8 text."""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _secret_data(key: str, encoded: str, line: int) -> list[Credential]:
    """What a Kubernetes Secret's ``data`` entry hides once decoded (its credential-named keys are reported
    already, by name; their decoded value is masked as well)."""
    decoded = _b64decode(encoded.strip())
    if not decoded:
        return []
    if is_credential_name(key):
        remember_secret(decoded)
        return []
    return [Credential(key if inner.key in ("URL", inner.kind) else f"{key}.{inner.key}", line, inner.kind, True,
                       inner.shown) for inner in detect(decoded) if inner.literal]


def _json_credentials(text: str) -> list[Credential] | None:
    """Credentials in a JSON document (any layout, minified included); None when it is not JSON, or nested too
    deeply to read as a tree (then it is searched line by line, as any text: a hostile file cannot hide a
    secret behind a thousand brackets, nor end the scan with a RecursionError)."""
    try:
        return _json_tree_credentials(text)
    except RecursionError:
        return None


def _json_tree_credentials(text: str) -> list[Credential] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    found: list[Credential] = []
    starts: list[int] = []

    def line_at(position: int) -> int:
        if not starts:  # built on the first credential only: most documents have none
            starts.extend([0, *(m.end() for m in re.finditer("\n", text))])
        return bisect.bisect_right(starts, max(position, 0))

    def line_of(name: str, key: str, value: str, start: int) -> tuple[int, int]:
        # the parameter named, its key, then its value: the same key or value may stand earlier elsewhere
        if name != key:
            start = max(text.find(json.dumps(name), start), start)
        at_key = text.find(json.dumps(key), start)
        position = text.find(json.dumps(value), max(at_key, start)) if value else at_key
        if position < 0:
            position = at_key
        return line_at(at_key if at_key >= 0 else position), max(position, start)

    cursor = 0

    def walk(node: Any, parents: tuple[str, ...]) -> None:
        nonlocal cursor
        if isinstance(node, dict):
            entry = node.get("name") if isinstance(node.get("name"), str) else None  # a Kubernetes env entry
            for key, value in node.items():
                key = str(key)
                if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    name = _named(key, parents)
                    if name is None and key == "value" and entry is not None and is_credential_name(entry):
                        name = entry
                    if name is not None:
                        line, cursor = line_of(name, key, str(value) if isinstance(value, str) else "", cursor)
                        credential = _credential(name, str(value), line, parents=parents)
                        if credential is not None:
                            found.append(credential)
                else:
                    walk(value, (*parents, key))
            if node.get("kind") == "Secret" and isinstance(node.get("data"), dict):
                for key, value in node["data"].items():
                    if isinstance(value, str) and value:
                        line = line_at(text.find(json.dumps(value)))
                        found.extend(_secret_data(str(key), value, line))
        elif isinstance(node, list):
            for item in node:
                walk(item, parents)

    walk(document, ())
    return found


@functools.lru_cache(maxsize=8192)
def _may_name(key: str) -> bool:
    """Whether ``_named`` may return a name for ``key`` under a parent that is no sealed secret's."""
    lowered = key.lower()
    if lowered in _PARENT_VALUE_KEYS:
        return True
    # An ASCII name with none of the words of _TRIGGERS in it is no credential's (see _may_name_a_credential):
    # that search is cheaper than is_credential_name's split into words, for the many keys (shell variables) that
    # name nothing.
    if key.isascii() and _TRIGGERS.search(lowered.encode("ascii").translate(None, _ASCII_SEPARATORS)) is None:
        return False
    return is_credential_name(key)


def _named(key: str, parents: tuple[str, ...]) -> str | None:
    """The credential's name if ``key`` holds one: itself, or the variable/parameter it is the value of."""
    if is_credential_name(key) or (parents and parents[-1].lower() in _SEALED_PARENTS):
        name = key
    elif key.lower() in _PARENT_VALUE_KEYS and parents and is_credential_name(parents[-1]):
        name = parents[-1]
    else:
        return None
    # looked at only for a credential-like key (rare): this runs for every key of every file
    return None if any(p.lower() in _LABEL_PARENTS for p in parents) else name


# What each distinct line is (``_Lines._shape``), without and with shell words: a pure function of the text.
_SHAPES: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
_MAX_SHAPES = 1 << 15  # then started afresh (a few MB at most)


class _Block(NamedTuple):
    """An HCL block's opening line (``resource "type" "name" {``): its indent and last label."""

    indent: int
    label: str


class _Lines:
    """Line-by-line reading for YAML, HCL, INI, .env, shell, conf: keys with their enclosing keys."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        # (indent, key, the keys down to this one, whether the key is a sealed secret's): each entry holds its
        # path, built once per push, so the enclosing keys of a line are a lookup, not a tuple built from the
        # whole stack (deep CRDs: O(depth) on every line)
        self.stack: list[tuple[int, str, tuple[str, ...], bool]] = []
        self.item_name: tuple[int, str] | None = None  # (indent, name) of a "- name: X" list item
        self.shell = fmt == "shell"  # unquoted values end at whitespace (PGPASSWORD=x pg_dump ...)
        self.kind = ""  # the YAML document's top-level ``kind``
        self.data: list[tuple[int, str, str]] = []  # its top-level ``data`` entries (line, key, value)
        # line -> what it is (see _shape), for every file of this process: most lines repeat one seen already, in
        # the same file or in another (a CRD's ``type: string``, a template's ``Type: AWS::EC2::Subnet``)
        self.shapes = _SHAPES[self.shell]
        if len(self.shapes) > _MAX_SHAPES:
            self.shapes.clear()

    def parents(self, indent: int) -> tuple[str, ...]:
        stack = self.stack
        while stack and stack[-1][0] >= indent:
            stack.pop()
        return stack[-1][2] if stack else ()

    def push(self, indent: int, key: str) -> None:
        """``key`` (at ``indent``) encloses the lines that follow, until one as little indented."""
        stack = self.stack
        stack.append((indent, key, (*stack[-1][2], key) if stack else (key,), key.lower() in _SEALED_PARENTS))

    @staticmethod
    def assignment(line: str) -> re.Match[str] | None:
        """``key = value`` when ``=`` comes before any ``:`` (HCL, INI, .env, shell), else ``key: value``."""
        # Each pattern needs its separator in the line: look before running the regexes.
        colon_at, equals_at = line.find(":"), line.find("=")
        if equals_at >= 0 and (colon_at < 0 or equals_at < colon_at):
            equals = _KV_EQUALS.match(line)
            if equals:
                return equals
        return _KV_COLON.match(line) if colon_at >= 0 else None

    def continued(self, number: int, line: str, stripped: str) -> Sequence[Credential] | None:
        """A YAML value on the line after its key (``MasterUserPassword:`` then ``!If [...]`` or a quoted
        scalar, more indented): judged as that key's value; None when the line continues no key."""
        indent = len(line) - len(line.lstrip())
        key_indent, key, _, _ = self.stack[-1]
        if key_indent >= indent:
            return None
        parents = self.stack[-2][2] if len(self.stack) > 1 else ()
        name = _named(key, parents)
        if name is None:
            return None
        credential = _credential(name, _unquote(stripped, False), number, parents=parents,
                                 quoted=stripped[:1] in ("'", '"'), fmt=self.fmt)
        return [credential] if credential is not None else _NONE

    def end_document(self) -> list[Credential]:
        """What the document's Secret ``data`` hides (the kind may come after the data: known only now)."""
        found = []
        if self.kind == "Secret":
            for number, key, value in self.data:
                found.extend(_secret_data(key, value, number))
        self.stack, self.item_name, self.kind, self.data = [], None, "", []
        return found

    def inline(self, number: int, text: str, parents: tuple[str, ...]) -> Sequence[Credential]:
        """The credentials of an inline map or list (``[{ name = "a", password = "b" }]``, ``{name: X, value: Y}``),
        or of a list of values under a credential's name (``passwords = ["a", var.b]``)."""
        if text[:1] == "[" and parents and holds_credentials(parents[-1]) and "{" not in text:
            return self.items(number, _LIST_ITEM.findall(text), parents)
        found = []
        entry = None  # the credential-like ``name`` of an inline env entry, whose ``value`` follows
        for match in _INLINE_PAIR.finditer(text):
            key, raw = match.group(1), match.group(2)
            if key == "name":
                entry = _unquote(raw, False) if is_credential_name(_unquote(raw, False)) else None
            name = _named(key, parents) or (entry if key == "value" else None)
            if name is not None:
                credential = _credential(name, _unquote(raw, False), number, parents=parents,
                                         quoted=raw[:1] in ("'", '"'), fmt=self.fmt)
                if credential is not None:
                    found.append(credential)
        return found

    def items(self, number: int, items: list[str], parents: tuple[str, ...]) -> Sequence[Credential]:
        """The first literal among list items (as written, quotes included) under ``parents[-1]``."""
        for raw in items:
            credential = _credential(parents[-1], _unquote(raw, False), number, parents=parents,
                                     quoted=raw[:1] in ("'", '"'), fmt=self.fmt)
            if credential is not None and credential.literal:
                return [credential]
        return _NONE

    def read(self, number: int, line: str) -> Sequence[Credential]:
        """The credentials this line sets; keeps track of the enclosing keys either way."""
        # Runs on every line of every file. What a line is (blank, a comment, ``key: value``...) depends on its
        # text alone: worked out once per distinct line (``_SHAPES``: in a CRD or a template most lines repeat one
        # already seen, ``type: string``). The common ``key: value`` line that names nothing only closes the
        # keys it is not inside of.
        shape = self.shapes.get(line)
        if shape is None:
            shape = self.shapes[line] = self._shape(line)
        if shape.__class__ is not tuple:
            return self._other(number, line, shape) if shape else _NONE
        indent, dash, key, raw, raw_stripped, shell_words, plain = shape
        if plain:
            if dash:
                self.item_name = None
            stack = self.stack
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if not stack:
                return _NONE
            top = stack[-1]
            if not top[3] and not (top[0] == 0 and top[2] == ("data",)):  # no sealed secret's, no Secret's data
                return _NONE
        return self._assigned(number, indent, dash, key, raw, raw_stripped, shell_words)

    def _shape(self, line: str) -> tuple[Any, ...] | str:
        """What ``line`` is, from its text alone: "" (nothing to do: blank, a comment, text), "---", an HCL block
        (``_Block``), "other" (a line that assigns nothing), or an assignment (indent, dash, key, raw, raw
        stripped, shell words, plain): plain when it opens no block, holds no inline map and its key is none the
        reader reads."""
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or stripped[:2] == "//":
            return ""
        if stripped == "---":
            return stripped
        if stripped[-1] == "{":
            block = _HCL_BLOCK.match(line)
            if block:
                return _Block(len(block.group(1)), _LABEL.findall(block.group(2))[-1])
        # ``key = value`` when ``=`` comes before any ``:`` (HCL, INI, .env, shell), else ``key: value``
        colon_at, equals_at = line.find(":"), line.find("=")
        match = None
        shell_words = False
        if equals_at >= 0 and (colon_at < 0 or equals_at < colon_at):
            match = _KV_EQUALS.match(line)
            shell_words = self.shell and match is not None
        if match is None and colon_at >= 0:
            match = _KV_COLON.match(line)
        if match is None:  # "other" when one of _other's cases may apply, else nothing to do (a text line)
            inline = ("=" in line or ":" in line) and ("{" in line or "[" in line)
            return "other" if stripped[0] in "!'\"" or stripped[:2] == "- " or inline else ""
        lead, key = match.groups()
        raw = line[match.end():]
        indent = len(lead)
        dash = line.startswith("- ", indent)
        if dash:
            indent += 2
        raw_stripped = raw.strip()
        plain = bool(raw_stripped) and raw_stripped not in _CONTAINERS and (
            raw_stripped[0] not in "{[" or raw_stripped.startswith("{{")) and key not in ("name", "kind", "value") \
            and not _may_name(key)
        return indent, dash, key, raw, raw_stripped, shell_words, plain

    def _other(self, number: int, line: str, shape: Any) -> Sequence[Credential]:
        """A line that is no ``key: value``: a document separator, an HCL block, a continued value, a list
        item, an inline map."""
        if shape == "---":
            return self.end_document()
        if isinstance(shape, _Block):
            self.parents(shape.indent)
            self.push(shape.indent, shape.label)
            return _NONE
        stripped = line.strip()
        stack = self.stack
        if stripped[0] in "!'\"" and stack:
            continued = self.continued(number, line, stripped)
            if continued is not None:
                return continued
        # a list element or a one-line block: ``{ name = "a", password = "b" },``, ``x { password = y }``
        if stripped[:2] == "- " and stack and holds_credentials(stack[-1][1]):
            indent = len(line) - len(line.lstrip())
            if stack[-1][0] < indent:  # a YAML list of values under ``api_keys:``
                return self.items(number, [stripped[2:]], self.parents(indent))
        if ("=" in line or ":" in line) and ("{" in line or "[" in line):
            bracket = min(at for at in (line.find("{"), line.find("[")) if at >= 0)
            return self.inline(number, line[bracket:], self.parents(len(line) - len(line.lstrip())))
        return _NONE

    def _assigned(self, number: int, indent: int, dash: bool, key: str, raw: str, raw_stripped: str,
                  shell_words: bool) -> Sequence[Credential]:
        """A ``key: value`` (or ``key = value``) line: the credential it sets, if any; the enclosing keys."""
        stack = self.stack
        if dash:
            self.item_name = None
        while stack and stack[-1][0] >= indent:
            stack.pop()
        top = stack[-1] if stack else None
        parents = top[2] if top is not None else ()
        if key == "name" and raw_stripped:
            value = _unquote(raw, shell_words)
            if value:
                self.item_name = (indent, value)
        if not indent and key == "kind":
            self.kind = _unquote(raw, False)
        if not raw_stripped or raw_stripped in _CONTAINERS:
            self.push(indent, key)
            return _NONE
        if raw_stripped[0] in "{[" and not raw_stripped.startswith("{{"):
            # an inline map or list: its values are searched, unless it is itself a reference ({Ref: X})
            named = _named(key, parents)
            if named is None or classify(raw_stripped) is None:
                return self.inline(number, raw_stripped, (*parents, key))
        if parents == ("data",) and stack[0][0] == 0:
            self.data.append((number, key, _unquote(raw, False)))
        # _named(key, parents) is None unless the key may name a credential or the parent is sealed: asked
        # only then (almost no line)
        name = _named(key, parents) if _may_name(key) or (top is not None and top[3]) else None
        if name is None and key == "value" and self.item_name and self.item_name[0] == indent \
                and is_credential_name(self.item_name[1]):
            name = self.item_name[1]  # Kubernetes env: - name: DB_PASSWORD / value: ...
        if name is not None:
            value = _unquote(raw, shell_words)
            quoted = raw_stripped[:1] in ("'", '"')
            written = _TRAILING_COMMENT.split(raw_stripped, maxsplit=1)[0]
            in_code = any(p.lower() in _CODE_BLOCKS for p in parents)
            if not quoted and (_CODE_IDENTIFIER.fullmatch(written) or (in_code and _IDENTIFIER.fullmatch(written))) \
                    and value.lower() not in WELL_KNOWN_PASSWORDS and _not_literal(value, quoted, self.fmt) is None:
                # ``LifecycleActionToken: lcaToken,`` (an object member in inline code): a variable, not a value
                return [Credential(name, number, "credential", False, value, "identifier in code")]
            credential = _credential(name, value, number, parents=parents, quoted=quoted, fmt=self.fmt)
            return [credential] if credential is not None else _NONE
        return _NONE


def _line_key(line: str, reader: _Lines | None) -> str | None:
    """The setting a line assigns (``DATABASE_URL=...``; a Kubernetes env entry's name for ``value:``)."""
    match = _Lines.assignment(line)
    if match is None:
        return None
    key = match.group(2)
    if key == "value" and reader is not None and reader.item_name is not None:
        return reader.item_name[1]
    return key


def _docker_settings(lines: Sequence[str]) -> Iterator[tuple[int, str, str]]:
    """(line, name, value) of each ``ENV``/``ARG`` setting of a Dockerfile: ``ENV A=1 B=2``, ``ENV KEY value``,
    ``ARG NAME=default`` (an ``ARG`` without a default sets nothing)."""
    for number, line in enumerate(lines, 1):
        match = _DOCKER_SETTING.match(line)
        if match is None:
            continue
        rest = match.group(2).rstrip("\\").strip()
        try:
            words = shlex.split(rest)
        except ValueError:  # an unclosed quote: the words as written
            words = rest.split()
        if match.group(1).upper() == "ENV" and len(words) > 1 and "=" not in words[0]:
            yield number, words[0], " ".join(words[1:])
            continue
        for word in words:
            name, equals, value = word.partition("=")
            if equals:
                yield number, name, value


def _has_basic_auth(text: str) -> bool:
    """Whether a line of ``text`` may hold ``_BASIC_AUTH``: its word, then what must follow it (a search for
    the words is fast; the regex, tried at each word boundary of a large text, is not)."""
    for word in ("Basic", "Bearer"):
        at = text.find(word)
        while at >= 0:
            if _BASIC_AUTH_REST.match(text, at + len(word)):
                return True
            at = text.find(word, at + 1)
    return False


def detect(text: str, fmt: str = "") -> list[Credential]:
    """Every credential-like setting in ``text`` (the claiming loader's format helps split values)."""
    found: list[Credential] = []
    seen: set[tuple[int, str]] = set()

    def add(credential: Credential | None) -> None:
        if credential is not None and (credential.line, credential.key) not in seen:
            seen.add((credential.line, credential.key))
            found.append(credential)

    structured = _json_credentials(text) if text.lstrip().startswith(("{", "[")) else None
    for credential in structured or ():
        add(credential)
    reader = _Lines(fmt) if structured is None else None
    lines = text.splitlines()
    if fmt == "dockerfile":  # ENV DB_PASSWORD=... is no ``key=value`` line the reader below takes
        for number, name, value in _docker_settings(lines):
            if is_credential_name(name):
                add(_credential(name, value, number))
    # The detectors below look for rare literals; each runs only on files (and then lines) holding the
    # literal it needs, so a file with none costs one search of its text per detector.
    # (A search of the whole text finds whatever a search of one of its lines finds: none of these patterns
    # reaches past a line, except _BASIC_AUTH's whitespace, which only lets the whole text match more.)
    private_keys = "PRIVATE KEY" in text and _PRIVATE_KEY.search(text) is not None
    patterns = TOKEN_HINT.search(text) is not None
    urls = "://" in text and "@" in text and _URL_HINT.search(text) is not None
    basic_auth = _has_basic_auth(text)
    # lower() and two finds beat a case-insensitive regex search of a large text; the regex also folds a
    # few characters lower() does not fold to these ASCII letters: where one stands, let it look
    lowered = text.lower()
    directives = "requirepass" in lowered or "masterauth" in lowered or (
        not text.isascii() and any(c in text for c in _FOLDS_TO_ASCII))
    flags = _FLAG_HINT.search(text) is not None
    if reader is not None and not (private_keys or patterns or urls or basic_auth or directives or flags) \
            and text.isascii() and not _may_name_a_credential(lowered):
        return found  # no line can hold a credential: not one read (most Terraform files, many manifests)
    if reader is not None and not (private_keys or patterns or urls or basic_auth or directives or flags):
        # the common case: none of the rare literals, so only the key reader has work on each line
        read = reader.read
        for number, line in enumerate(lines, 1):
            here = read(number, line)
            if here:
                for credential in here:
                    add(credential)
        lines = []
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index]
        index += 1
        private = _PRIVATE_KEY.search(line) if private_keys and "PRIVATE KEY" in line else None
        if private:
            end = next((j for j in range(index, len(lines)) if "PRIVATE KEY" in lines[j] and "-----END" in lines[j]),
                       index - 1)
            body = [row.strip() for row in lines[index:end]]
            for row in body:
                if len(row) >= 16:
                    remember_secret(row)
            remember_secret("\n".join(body))
            add(Credential("private key", number, "private key", True, f"private key block ({len(body)} lines)"))
            index = end + 1
            continue
        if patterns and TOKEN_HINT.search(line):
            named = _line_key(line, reader)
            for pattern, kind in TOKEN_PATTERNS:
                for match in pattern.finditer(line):
                    remember_secret(match.group(1))
                    add(Credential(named or kind, number, kind, True, mask(match.group(1))))
        if urls and "@" in line and "://" in line:
            named = _line_key(line, reader)
            for match in URL_PASSWORD.finditer(line):
                password = match.group(3)
                reference = classify(password)
                shown = f"{match.group(1)}{match.group(2)}:{password if reference else '****'}@…"
                if reference is None:
                    remember_secret(password)
                add(Credential(named or "URL", number, "password in a URL", reference is None, shown,
                               reference or ""))
        if basic_auth and ("Basic" in line or "Bearer" in line):
            for match in _BASIC_AUTH.finditer(line):
                if classify(match.group(2)) is None:
                    remember_secret(match.group(2))
                    add(Credential(f"{match.group(1)} credentials", number, "HTTP credentials", True,
                                   mask(match.group(2))))
        if directives:
            directive = _DIRECTIVES.match(line)
            if directive:
                add(_credential(directive.group(1), _unquote(directive.group(2), True), number))
        if flags and "--" in line:
            for match in _FLAG.finditer(line):
                add(_credential(f"--{match.group(1)}", _unquote(match.group(2), True), number))
            if "--build-arg" in line:
                for match in _BUILD_ARG.finditer(line):
                    if is_credential_name(match.group(1)):
                        add(_credential(match.group(1), _unquote(match.group(2), True), number))
        if reader is not None:
            here = reader.read(number, line)
            if here:
                for credential in here:
                    add(credential)
    for credential in reader.end_document() if reader is not None else ():
        add(credential)
    return found


def _may_name_a_credential(lowered: str) -> bool:
    """Whether an ASCII text (lower-cased) may hold a name the line reader takes for a credential's.

    Every name ``is_credential_name`` or ``holds_credentials`` accepts has, once lower-cased and its separators
    taken out, one of the words of ``_TRIGGERS`` in it (a strong word, a glued one, the two words of a pair
    joined); so do a sealed parent's name and a Secret's ``kind``. Those names are pieces of the text: when the
    whole text, its separators taken out, has none of those words, no line of it names a credential."""
    return _TRIGGERS.search(lowered.encode("ascii").translate(None, _ASCII_SEPARATORS)) is not None


def credential_resources(path: str, text: str, fmt: str) -> list[Resource]:
    """One ``credential`` Resource per credential-like setting, for ME-SEC-01; none holds a secret."""
    resources = []
    counts: dict[str, int] = {}
    for credential in detect(text, fmt):
        counts[credential.key] = counts.get(credential.key, 0) + 1
        address = credential.key if counts[credential.key] == 1 else f"{credential.key} #{counts[credential.key]}"
        attributes = LineDict(name=credential.key, kind=credential.kind, literal=credential.literal,
                              shown=credential.shown, reference=credential.reference)
        attributes.line = attributes.end_line = credential.line
        attributes.key_lines = {key: credential.line for key in attributes}
        resources.append(Resource("file", RESOURCE_TYPE, address, Origin(path, credential.line, credential.line),
                                  attributes, format=fmt))
    return resources

