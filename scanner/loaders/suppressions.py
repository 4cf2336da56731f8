"""In-source suppressions: ``specdrift:ignore ID[,ID...] reason="..." expires=YYYY-MM-DD`` in a file's own comments.

Each format's comment syntax is known here (``#`` for HCL, YAML, Dockerfiles, conf files and shell; ``//`` and
``/* */`` in HCL; ``--`` in SQL); JSON has no comments, so an ARM template (or any JSON file) names suppressions
in a ``metadata`` (``Metadata``) entry of the resource: ``"metadata": {"specdrift:ignore": "ID reason=..."}``,
the value one string or a list of them.

A comment on a line of code applies to that line; a comment on a line of its own applies to the next line of
code (so it may stand above a resource or a setting). Which findings it covers is decided when it is applied
(``scanner/suppression.py``): the findings on its target line, and those of a resource whose lines hold it.
Only files that contain the marker are parsed again; reading them is all it costs a scan without any.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from scanner.regex import lazy_compile

MARKER = "specdrift:ignore"
_MARKER_BYTES = MARKER.encode()
_HASH, _SLASHES, _BLOCK, _DASHES = "#", "//", "/*", "--"
# The comment openers of each loader's format; a format not listed uses ``#`` (conf files, shell, Dockerfiles).
COMMENTS: dict[str, tuple[str, ...]] = {
    "terraform": (_HASH, _SLASHES, _BLOCK),
    "sql": (_DASHES, _BLOCK),
    "timescale": (_DASHES, _BLOCK),
    "k6": (_SLASHES, _BLOCK),
    "nginx": (_HASH,),
}
JSON_FORMATS = frozenset({"arm", "terraform-plan", "grafana"})
_ARGUMENT = lazy_compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|(\S+))')
_IDS = lazy_compile(r"[A-Za-z0-9_*?.-]+(?:\s*,\s*[A-Za-z0-9_*?.-]+)*")


@dataclass(frozen=True)
class Suppression:
    """One ``specdrift:ignore``: where it is written, the line it applies to, and what it says."""

    file: str
    line: int  # where the comment (or the metadata entry) is
    target: int  # the line of code it applies to
    ids: tuple[str, ...]
    reason: str = ""
    expires: str = ""
    problem: str = ""  # why it cannot be read (no ID, an unknown argument); it then suppresses nothing

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def parse_directive(text: str) -> tuple[tuple[str, ...], dict[str, str], str]:
    """(IDs, arguments, problem) of the text that follows the marker."""
    rest = text.strip().rstrip("*/").strip()
    ids_match = _IDS.match(rest)
    if ids_match is None or rest[ids_match.end():ids_match.end() + 1] not in ("", " ", "\t"):  # reason=...
        return (), {}, "names no policy ID"
    ids = tuple(part.strip() for part in ids_match.group(0).split(","))
    arguments: dict[str, str] = {}
    problem = ""
    for match in _ARGUMENT.finditer(rest, ids_match.end()):
        name, value = match.group(1), next(g for g in match.groups()[1:] if g is not None)
        if name not in ("reason", "expires"):
            problem = f"unknown argument {name}= (known: reason=, expires=)"
        arguments[name] = value.replace('\\"', '"')
    return ids, arguments, problem


def _from_text(path: str, text: str, openers: tuple[str, ...]) -> Iterator[Suppression]:
    lines = text.splitlines()
    code_lines = [not _comment_only(line, openers) for line in lines]
    for index, line in enumerate(lines):
        at = line.find(MARKER)
        if at < 0:
            continue
        before = line[:at]
        opener = max((before.rfind(o), o) for o in openers)
        if opener[0] < 0:
            continue  # not in a comment (a string that mentions the marker)
        number = index + 1
        target = number
        if not before[: opener[0]].strip():  # a comment line of its own: the next line of code
            target = next((i + 1 for i in range(index + 1, len(lines)) if code_lines[i]), number)
        ids, arguments, problem = parse_directive(line[at + len(MARKER):])
        yield Suppression(path, number, target, ids, arguments.get("reason", ""), arguments.get("expires", ""),
                          problem)


def _comment_only(line: str, openers: tuple[str, ...]) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(openers) or (_BLOCK in openers and stripped.startswith("*"))


def _from_json(path: str, text: str) -> Iterator[Suppression]:
    try:
        document = json.loads(text)
    except ValueError:
        return
    directives = list(_metadata_directives(document))
    lines = text.splitlines()
    used: set[int] = set()
    for directive in directives:
        # the line that spells it: the first not yet taken (the same text may appear twice)
        number = next((i + 1 for i, line in enumerate(lines) if directive in line.replace('\\"', '"')
                       and i + 1 not in used), 1)
        used.add(number)
        ids, arguments, problem = parse_directive(directive)
        yield Suppression(path, number, number, ids, arguments.get("reason", ""), arguments.get("expires", ""),
                          problem)


def _metadata_directives(node: object) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _metadata_directives(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("metadata", "Metadata") and isinstance(value, dict) and MARKER in value:
                entries = value[MARKER]
                yield from (str(e) for e in (entries if isinstance(entries, list) else [entries]))
            yield from _metadata_directives(value)


def read_suppressions(files: Mapping[str, str]) -> dict[str, list[Suppression]]:
    """File -> its suppressions, for the scanned ``files`` (path -> loader format) that have any."""
    found: dict[str, list[Suppression]] = {}
    for path, fmt in files.items():
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if _MARKER_BYTES not in data:
            continue
        text = data.decode("utf-8", errors="replace")
        if fmt in JSON_FORMATS or path.lower().endswith(".json"):
            entries = list(_from_json(path, text))
        else:
            entries = list(_from_text(path, text, COMMENTS.get(fmt, (_HASH,))))
        if entries:
            found[path] = entries
    return found
