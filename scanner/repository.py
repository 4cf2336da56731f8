"""Where the repository root is, and file paths as reports name them: relative to it, with ``/``.

SARIF (``%SRCROOT%``), GitLab Code Quality and baselines all want paths relative to the repository
root, whatever directory the scan ran from, so findings and acceptances match across machines.
"""

from __future__ import annotations

import os
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The nearest directory upwards from ``start`` (default: cwd) holding ``.git``; else ``start``."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def relative_path(path: str, root: Path) -> str | None:
    """``path`` relative to ``root`` in POSIX form, or None when it lies outside ``root``."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return None


def repo_path(path: str, root: Path) -> str:
    """``path`` as reports spell it: relative to ``root`` when inside it, else as given."""
    return relative_path(path, root) or Path(path).as_posix()
