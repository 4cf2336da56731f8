"""The loader boundary: a file in, Resources (or a parse error with file and line) out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scanner.model import Resource


class BlockList(list[Any]):
    """Repeated nested blocks (HCL ``setting { }``); one block reads like the block itself.

    A list with a ``line`` and an ``end_line`` as ``lines.LineList`` has, kept in slots rather than a
    dictionary per list (a large Terraform scan holds tens of thousands)."""

    __slots__ = ("end_line", "line")
    line: int
    end_line: int

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = self.end_line = 0


@dataclass(frozen=True)
class ParseError:
    file: str
    line: int | None
    message: str
    format: str
    address: str = ""  # the resource, when one resource of the file could not be read (not the whole file)


@dataclass
class LoadResult:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    # Files read but not judged as infrastructure, with what they are (a Helm template, a kustomize patch):
    # the scan notes them once instead of reporting them as malformed.
    not_infrastructure: dict[str, str] = field(default_factory=dict)


class Loader(Protocol):
    """One file format. ``claims`` decides by name and content; ``load`` never raises on bad input."""

    name: str

    def claims(self, path: Path, head: str) -> bool: ...

    def load(self, path: str, text: str) -> LoadResult: ...


class Linker(Protocol):
    """Optional second stage for formats whose files depend on each other (Terraform modules)."""

    def link(self, resources: Sequence[Resource], context: dict[str, Any]) -> LoadResult:
        """The linked resources, and errors in the files linking read (a Terraform variables file)."""
        ...


def line_at(tree: Any, path: Iterable[str | int]) -> int | None:
    """Line of the deepest key of ``path`` found in a line-aware tree (see ``yaml_lines``)."""
    line: int | None = getattr(tree, "line", None) or None
    node = tree
    for part in path:
        if isinstance(node, dict):
            if part not in node:
                return line
            key_lines = getattr(node, "key_lines", None)
            if key_lines and str(part) in key_lines:
                line = key_lines[str(part)]
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            line = getattr(node, "line", None) or line
        else:
            return line
    return line
