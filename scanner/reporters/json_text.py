"""JSON text for the reports: orjson, laid out as ``json.dumps(indent=2)``, and streamed for long lists.

The standard library writes indented JSON in pure Python, a generator per container: 2 s and a
1.4 GB peak for the 260,000 findings of a 50k-resource scan. orjson writes the same layout in
native code, about ten times faster. ``stream`` writes a document whose one long list (the findings,
SARIF's results) comes from an iterator, item by item, so the whole text never sits in memory.

Values JSON has no type for become ``str(value)``, as ``json.dumps(default=str)`` made them:
dataclasses and datetimes too (orjson would otherwise expand or reformat them). NaN and infinities
are written as ``null`` (valid JSON, where the standard library wrote ``NaN``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
           | orjson.OPT_PASSTHROUGH_DATETIME)
# Stands in for the streamed list inside the document; \x00 cannot occur in a report's own strings
# unescaped, so its escaped form is found exactly once.
PLACEHOLDER = "\x00specdrift-streamed-list\x00"
BATCH = 512  # items per chunk written: fewer, larger writes


def dumps(value: Any) -> str:
    """``value`` as indented JSON text (no trailing newline)."""
    try:
        return orjson.dumps(value, default=str, option=OPTIONS).decode("utf-8")
    except TypeError:  # what orjson refuses and the standard library writes: an integer past 64 bits
        import json

        return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def stream(document: Any, items: Iterable[Any]) -> Iterator[str]:
    """The text of ``document`` with ``PLACEHOLDER`` (one value in it) replaced by the list of ``items``.

    Each item is encoded when its turn comes; the chunks joined equal ``dumps`` of the document
    holding the list, followed by a newline.
    """
    text = dumps(document)
    marker = dumps(PLACEHOLDER)
    at = text.index(marker)
    line_start = text.rfind("\n", 0, at) + 1
    indent = text[line_start: len(text) - len(text[line_start:].lstrip(" "))]
    head, tail = text[:at], text[at + len(marker):]
    chunk = [head, "["]
    first = True
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            chunk.append(_items(batch, indent, first))
            first = False
            batch = []
            yield "".join(chunk)
            chunk = []
    if batch:
        chunk.append(_items(batch, indent, first))
        first = False
    chunk.append("]" if first else "\n" + indent + "]")
    chunk.append(tail + "\n")
    yield "".join(chunk)


def _items(batch: list[Any], indent: str, first: bool) -> str:
    """The items of a list at ``indent`` (each on its own lines, after a comma unless ``first``): encoded as
    one list inside as many one-item lists as ``indent`` has levels, so that orjson lays the items out at their
    depth in the document itself (no second pass over the text to move their lines in)."""
    depth = len(indent) // 2  # ``indent`` is the list's own: two spaces a level (OPT_INDENT_2)
    wrapped: Any = batch
    for _ in range(depth):
        wrapped = [wrapped]
    try:
        text = orjson.dumps(wrapped, default=str, option=OPTIONS).decode("utf-8")
    except TypeError:  # one item orjson refuses: each on its own, as ``dumps`` writes it
        inner = "\n" + indent + "  "
        return ("" if first else ",") + inner + ("," + inner).join(dumps(item).replace("\n", inner)
                                                                  for item in batch)
    # "[\n  [\n    a,\n    b\n  ]\n]" (depth 1): the part between the innermost brackets, at its depth already
    opening = "[" + "".join("\n" + "  " * level + "[" for level in range(1, depth + 1))
    closing = "".join("\n" + "  " * level + "]" for level in range(depth, -1, -1))
    return ("" if first else ",") + text[len(opening):len(text) - len(closing)]
