"""The line-aware containers every loader builds: a mapping and a list that remember their lines.

Kept apart from the YAML loader that also builds them, so that a run reading no YAML does not import
PyYAML (a tenth of a pre-commit run's imports).
"""

from __future__ import annotations

from typing import Any


class LineDict(dict[Any, Any]):
    """A mapping that remembers the lines it spans and the line of each key (1-based)."""

    # Slots, not an instance dictionary: a large scan holds hundreds of thousands of these (168 bytes each).
    __slots__ = ("end_line", "key_lines", "line")
    line: int
    end_line: int
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = self.end_line = 0

    @classmethod
    def spanning(cls, line: int, end_line: int, key_lines: dict[str, int]) -> LineDict:
        """An empty mapping from ``line`` to ``end_line`` with these key lines: the loaders' fast way to make
        one (no ``__init__`` call: a large tree makes hundreds of thousands)."""
        out = cls.__new__(cls)
        out.line, out.end_line, out.key_lines = line, end_line, key_lines
        return out

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    @classmethod
    def at(cls, line: int) -> LineDict:
        """An empty mapping starting (and for now ending) at ``line``, for loaders that build one."""
        out = cls()
        out.line = out.end_line = line
        out.key_lines = {}
        return out

    def put(self, key: str, value: Any, line: int) -> None:
        """Set ``key`` as written at ``line``; the mapping then ends no earlier than that line."""
        self[key] = value
        self.key_lines[key] = line
        self.end_line = max(self.end_line, line)


class LineList(list[Any]):
    line: int = 0
    end_line: int = 0
