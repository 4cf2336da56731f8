"""Is specdrift a regular install (a wheel pip unpacked), and which one? Its code and shipped data then change
only when pip installs it again, which rewrites the distribution's ``RECORD``.

Caches of what only the shipped files decide (the policy pack, the mapping tables, the plugin index, the parse
cache's code fingerprint) are keyed by that ``RECORD``'s size, modification time and inode instead of by reading
and hashing every file at every run: about 15 ms of a 150 ms pre-commit run read the pack's 83 policy files, the
mapping tables and a megabyte of plugin sources to hash them (docs/performance.md, issue 18). A source checkout or
an editable install has no such record beside the package: there the files themselves are read, as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

DISTRIBUTION = "specdrift"
PACKAGE = Path(__file__).resolve().parent


@cache
def install_stamp() -> str | None:
    """``RECORD``'s path, size, modification time and inode when the package is a regular install; else None."""
    site = PACKAGE.parent
    try:
        records = [entry.path for entry in os.scandir(site)
                   if entry.name.startswith(f"{DISTRIBUTION}-") and entry.name.endswith(".dist-info")]
    except OSError:
        return None
    if len(records) != 1:  # none (a checkout) or several (a broken environment): read the files
        return None
    record = os.path.join(records[0], "RECORD")
    try:
        status = os.stat(record)
    except OSError:
        return None
    return f"{record}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ino}"


def shipped(path: Path) -> bool:
    """Is ``path`` inside the installed package (so covered by ``install_stamp``)?"""
    if install_stamp() is None:
        return False
    try:
        return path.resolve().is_relative_to(PACKAGE)
    except OSError:
        return False


def kept_per_install(kind: str, paths: Sequence[Path], build: Callable[[], Any], key: str = "") -> Any:
    """``build()``, which only the files under ``paths`` (and ``key``) decide: when all of them are the installed
    package's, kept in the cache until pip installs again; otherwise built at every run, from the files."""
    stamp = install_stamp()
    if stamp is None or not paths or not all(shipped(path) for path in paths):
        return build()
    from scanner.tables import cached_shipped

    return cached_shipped(kind, "\0".join([stamp, *map(str, paths), key]), build)
