"""``--skip-path`` globs, read as .gitignore reads its patterns.

``examples/`` leaves out every directory named examples, at any depth; ``*.tf`` every such file;
a pattern with a slash before its end is anchored at the scanned directory (``/examples``,
``app/test``); ``**`` crosses directories (``**/test/**``). A directory that matches is not walked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property


def _translate(glob: str) -> str:
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and "]" in glob[i + 2:]:
            end = glob.index("]", i + 2)
            body = glob[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


class PathFilter:
    """Whether a path, relative to the scanned directory and with ``/`` separators, is left out."""

    def __init__(self, globs: Sequence[str]) -> None:
        self.globs = [g.strip() for g in globs if g.strip() and not g.strip().startswith("#")]

    def __bool__(self) -> bool:
        return bool(self.globs)

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        """(patterns for files and directories, patterns for directories only)."""
        any_kind: list[str] = []
        dirs_only: list[str] = []
        for glob in self.globs:
            glob = glob.removeprefix("./")
            directory = glob.endswith("/")
            glob = glob.rstrip("/")
            if not glob:
                continue
            anchored = "/" in glob
            body = _translate(glob.lstrip("/"))
            (dirs_only if directory else any_kind).append(body if anchored else f"(?:.*/)?{body}")
        return tuple(re.compile("|".join(f"(?:{p})" for p in group)) if group else None  # type: ignore[return-value]
                     for group in (any_kind, dirs_only))

    def skips_dir(self, relative: str) -> bool:
        both, dirs = self._patterns
        return bool((both and both.fullmatch(relative)) or (dirs and dirs.fullmatch(relative)))

    def skips_file(self, relative: str, check_parents: bool = True) -> bool:
        """Whether a file is left out; its directories are checked too unless a walk already did."""
        both = self._patterns[0]
        if both is not None and both.fullmatch(relative):
            return True
        if check_parents:
            parts = relative.split("/")[:-1]
            return any(self.skips_dir("/".join(parts[:i])) for i in range(1, len(parts) + 1))
        return False
