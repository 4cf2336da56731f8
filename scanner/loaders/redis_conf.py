"""redis.conf: every directive with its line, one Resource per file.

Lines are split into arguments the way Redis does (``sdssplitargs``: double quotes with escapes,
single quotes, whitespace). A directive given twice keeps its last value, as Redis does, except the
ones that accumulate (``save``, ``include``, ``rename-command``, ...), which keep every occurrence in
order. ``${VAR}`` placeholders are not expanded by Redis: they are filled in before Redis starts
(envsubst, an entrypoint script), so they become ``Unresolved`` references naming the variable.
Values stay as written (``8gb``, ``yes``); the mapping table gives them units and meaning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.model import Origin, Resource, Unresolved
from scanner.regex import lazy_compile

NAME = "redis_conf"
TYPE = "redis.conf"
# Directives whose occurrences add up instead of replacing each other.
REPEATABLE = {"save", "include", "loadmodule", "rename-command", "client-output-buffer-limit", "user",
              "sentinel"}
_DIRECTIVE = lazy_compile(r"^[a-z][a-z0-9-]*$", re.I)
_PLACEHOLDER = lazy_compile(r"\$\{(\w+)\}")
_NAME = lazy_compile(r"redis[\w.-]*\.conf$|[\w.-]*[.-]redis\.conf$", re.I)
_REDIS_ONLY = ("maxmemory-policy", "appendonly", "appendfsync", "requirepass", "protected-mode", "cluster-enabled",
               "rdbcompression", "rdbchecksum", "tcp-backlog", "stop-writes-on-bgsave-error", "dbfilename",
               "no-appendfsync-on-rewrite", "cluster-node-timeout", "replicaof", "slaveof", "masterauth",
               "maxmemory", "appendfilename", "cluster-config-file", "lazyfree-lazy-eviction", "io-threads")
_SNIFF = lazy_compile(rf"^[ \t]*({'|'.join(re.escape(d) for d in _REDIS_ONLY)})[ \t]+\S", re.M | re.I)
_OTHER_SYNTAX = lazy_compile(r"[{;][ \t]*$|^[ \t]*[\w.-]+[ \t]*=", re.M)
_HEX = "0123456789abcdefABCDEF"
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}


@loader("redis_conf", order=30)
class RedisConfLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if path.name.lower() == "sentinel.conf":
            return False
        if _NAME.match(path.name):
            return True
        if path.suffix.lower() not in (".conf", ".cfg", ""):
            return False
        # Content: several Redis-only directives, and nothing of nginx ({ ;) or key = value formats.
        if _OTHER_SYNTAX.search(head):
            return False
        return len({m.group(1).lower() for m in _SNIFF.finditer(head)}) >= 3

    def load(self, path: str, text: str) -> LoadResult:
        attributes = LineDict.at(1)
        last = 1
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.strip(" \t\r\n")
            if not line or line.startswith("#"):
                continue
            try:
                words = split_args(line)
            except ValueError as exc:
                return LoadResult(errors=[ParseError(path, number, f"invalid redis.conf line: {exc}", NAME)])
            name = words[0].lower()
            if not _DIRECTIVE.match(name):
                return LoadResult(errors=[ParseError(path, number, f"not a redis.conf directive: {words[0]!r}",
                                                     NAME)])
            if len(words) < 2:
                return LoadResult(errors=[ParseError(path, number, f"directive {name!r} has no argument", NAME)])
            args = LineList(_reference(w) for w in words[1:])
            args.line = args.end_line = number
            last = number
            if name in REPEATABLE:
                occurrences = attributes.get(name)
                if not isinstance(occurrences, LineList):
                    occurrences = LineList()
                    occurrences.line = number
                    attributes.key_lines[name] = number
                occurrences.append(args)
                occurrences.end_line = number
                attributes[name] = occurrences
            else:
                attributes[name] = args[0] if len(args) == 1 else args
                attributes.key_lines[name] = number
        attributes.end_line = last
        resource = Resource("redis", TYPE, Path(path).name, Origin(path, 1, last), attributes, format=NAME)
        return LoadResult(resources=[resource])


def _reference(word: str) -> Any:
    names = _PLACEHOLDER.findall(word)
    if not names:
        return word
    return Unresolved(word, f"placeholder for ${{{names[0]}}}, filled in before Redis starts "
                            "(Redis itself does not expand it)")


def split_args(line: str) -> list[str]:
    """Redis's ``sdssplitargs``: whitespace-separated words, "double" (with escapes) or 'single' quoted."""
    words: list[str] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return words
        current: list[str] = []
        quote = line[i] if line[i] in "\"'" else ""
        i += 1 if quote else 0
        while True:
            if i >= n:
                if quote:
                    raise ValueError("unbalanced quotes")
                break
            char = line[i]
            if quote == '"' and char == "\\" and i + 3 < n and line[i + 1] == "x" \
                    and line[i + 2] in _HEX and line[i + 3] in _HEX:
                current.append(chr(int(line[i + 2:i + 4], 16)))
                i += 4
                continue
            if quote == '"' and char == "\\" and i + 1 < n:
                current.append(_ESCAPES.get(line[i + 1], line[i + 1]))
                i += 2
                continue
            if quote == "'" and char == "\\" and i + 1 < n and line[i + 1] == "'":
                current.append("'")
                i += 2
                continue
            if quote and char == quote:
                i += 1
                if i < n and not line[i].isspace():
                    raise ValueError("closing quote must be followed by a space")
                break
            if not quote and char.isspace():
                break
            current.append(char)
            i += 1
        words.append("".join(current))
