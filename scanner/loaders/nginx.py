"""nginx configuration via crossplane: one Resource per ``location`` block, with what it inherits.

crossplane runs with context checks off, so a snippet of bare ``location`` blocks (the guide's
CDN rules) parses as well as a full ``nginx.conf``; argument counts are still checked, so
``expires;`` is a parse error with its line. Includes are not followed (each file is scanned
on its own). Each location's attributes are the cache-related directives in force there:
its own, else the enclosing location's, server's or http's (nginx inheritance; ``add_header``
and array directives such as ``proxy_cache_valid`` are inherited only when the inner level
sets none). Every attribute's line is the directive's own line, wherever it was written.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.model import Origin, Resource
from scanner.regex import lazy_compile

NAME = "nginx"
# [^\S\n]*, not \s*: a line's own indentation (\s* ran over every blank line after each line start: quadratic)
_SNIFF = lazy_compile(r"^[^\S\n]*(location|server|http|upstream|events|map|geo)\b[^;{}\n]*\{", re.M)
_CONTAINERS = ("http", "server", "location")
# Directives a location's Resource reports on (and inherits); proxy_cache* and fastcgi_cache* by prefix.
_SINGLE = ("expires", "proxy_pass", "root", "alias", "etag", "gzip_static")
_CACHE_PREFIXES = ("proxy_cache", "fastcgi_cache", "uwsgi_cache", "scgi_cache")
_DEFAULT_VALID_CODES = ("200", "301", "302")


def _is_cache_directive(name: str) -> bool:
    return name.startswith(_CACHE_PREFIXES)


@loader("nginx", order=30)
class NginxLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        named = path.suffix.lower() in (".conf", ".nginx", ".vhost") or "nginx" in path.name.lower() \
            or path.parent.name in ("sites-available", "sites-enabled", "conf.d")
        return named and bool(_SNIFF.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        statements, error = _parse(path, text)
        if error is None:
            # crossplane checks arguments only in contexts it knows: give a snippet of bare
            # locations (or servers) its http/server context, on line 1 so lines stay put.
            top = {s["directive"] for s in statements}
            wrapper = "http { server { " if "location" in top else "http { " if "server" in top else ""
            if wrapper and not top & {"http", "events"}:
                wrapped, error = _parse(path, wrapper + text + "\n" + "}" * wrapper.count("{") + "\n")
                for _ in range(wrapper.count("{")):
                    wrapped = wrapped[0]["block"] if wrapped else []
                statements = wrapped
        if error is not None:
            return LoadResult(errors=[error])
        result = LoadResult()
        _walk(statements, path, [], "", result)
        return result


def _parse(path: str, text: str) -> tuple[list[dict[str, Any]], ParseError | None]:
    """crossplane's statements for ``text`` (it reads files, so through a temporary one)."""
    import crossplane

    handle, temporary = tempfile.mkstemp(suffix=".conf", prefix="specdrift-nginx-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        payload = crossplane.parse(temporary, single=True, check_ctx=False, check_args=True, comments=False)
    finally:
        os.unlink(temporary)
    if payload["errors"]:
        first = payload["errors"][0]
        message = re.sub(r" in \S+:\d+$", "", str(first.get("error", "syntax error")))
        return [], ParseError(path, first.get("line"), f"invalid nginx configuration: {message}", NAME)
    return (payload["config"][0]["parsed"] if payload["config"] else []), None


def _walk(statements: list[dict[str, Any]], path: str, levels: list[list[dict[str, Any]]], server: str,
          result: LoadResult) -> None:
    """Depth-first over http/server/location blocks; ``levels`` are the enclosing blocks' statements."""
    for statement in statements:
        name = statement["directive"]
        if name not in _CONTAINERS or "block" not in statement:
            continue
        block = statement["block"]
        if name == "server":
            names = [a for s in block if s["directive"] == "server_name" for a in s["args"]]
            _walk(block, path, [*levels, statements], names[0] if names else "_", result)
        elif name == "location":
            chain = [*levels, statements, block]
            result.resources.append(_location(statement, chain, path, server))
            _walk(block, path, [*levels, statements], server, result)
        else:
            _walk(block, path, [*levels, statements], server, result)


def _effective(chain: list[list[dict[str, Any]]], wanted: Any) -> list[dict[str, Any]]:
    """The statements matching ``wanted`` at the innermost level that has any (nginx inheritance)."""
    for level in reversed(chain):
        found = [s for s in level if wanted(s["directive"])]
        if found:
            return found
    return []


def _location(statement: dict[str, Any], chain: list[list[dict[str, Any]]], path: str, server: str) -> Resource:
    args = statement["args"]
    modifier, pattern = (args[0], " ".join(args[1:])) if len(args) > 1 else ("", args[0] if args else "")
    line = statement["line"]
    attributes = LineDict(location=pattern, modifier=modifier, name=f"{modifier} {pattern}".strip())
    attributes.key_lines = {"location": line, "modifier": line, "name": line}
    for directive in _SINGLE:
        found = _effective(chain, lambda d, want=directive: d == want)
        if found:
            attributes[directive] = " ".join(found[-1]["args"])
            attributes.key_lines[directive] = found[-1]["line"]
    headers = LineDict()
    headers.key_lines = {}
    for header in _effective(chain, lambda d: d == "add_header"):
        if len(header["args"]) >= 2:
            key = header["args"][0].lower()
            headers[key] = header["args"][1]
            headers.key_lines[key] = header["line"]
            headers.line = headers.line or header["line"]
    if headers:
        attributes["headers"] = headers
        attributes.key_lines["headers"] = headers.line
    cache = _effective_cache(chain)
    attributes.update(cache)
    attributes.key_lines.update(cache.key_lines)
    attributes.line = attributes.end_line = line  # crossplane does not give the closing brace's line
    address = f"{server}: location {attributes['name']}" if server else f"location {attributes['name']}"
    return Resource("nginx", "nginx_location", address, Origin(path, line), attributes, format=NAME)


def _effective_cache(chain: list[list[dict[str, Any]]]) -> LineDict:
    names = {s["directive"] for level in chain for s in level if _is_cache_directive(s["directive"])}
    out = LineDict()
    out.key_lines = {}
    for name in sorted(names):
        found = _effective(chain, lambda d, want=name: d == want)
        if name.endswith("_cache_valid"):
            valid = LineDict()
            valid.key_lines = {}
            valid.line = found[0]["line"]
            for item in found:
                *codes, time = item["args"]
                for code in codes or _DEFAULT_VALID_CODES:
                    valid[code.lower()] = time
                    valid.key_lines[code.lower()] = item["line"]
            out[name] = valid
        elif name.endswith("_cache_use_stale"):
            values = LineList(found[-1]["args"])
            values.line = values.end_line = found[-1]["line"]
            out[name] = values
        else:
            out[name] = " ".join(found[-1]["args"])
        out.key_lines[name] = found[0]["line"]
    return out
