"""Parsed files read only for context, kept between runs (issue 18).

A pre-commit run on one changed ``.tf`` file also parses what it needs but does not judge: the module it calls
(``source = "../../"``) and its sibling ``variables.tf``. Those rarely change between two commits, yet tree-sitter
took 35 ms of a 150 ms run on them. Such files' load results are kept in the cache directory, one pickle per file,
keyed by the file's bytes, its display path, the loader, and a fingerprint of the code that parses (specdrift's
own files and the parsing libraries, by size and modification time): any change there is a miss, never a stale
answer. The files a scan names are always parsed afresh: they are the ones that changed, and a whole-tree scan
would pay a write per file (the measurements behind that are in docs/performance.md).

Only results a loader produced in full are kept: a parse stopped by its budget or a loader's own fault is not.
The cache reads back only specdrift's own classes and plain Python values (``_Reader``).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
from collections.abc import Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.digest import sha256
from scanner.loaders.base import LoadResult

FORMAT = 1
KEPT = 2000  # entries past this many: the least recently written are removed down to KEPT * 3 / 4
# The third-party parsers behind the loaders: upgrading one changes what it reads.
_PARSERS = ("yaml", "_yaml", "tree_sitter", "tree_sitter_hcl", "tree_sitter_bash", "dockerfile_parse", "crossplane",
            "pglast")
_PLAIN = {"collections", "datetime", "decimal", "enum"}  # their classes only
_ALLOWED = {("copyreg", "_reconstructor"), *(("builtins", name) for name in (
    "object", "bool", "int", "float", "complex", "str", "bytes", "bytearray", "tuple", "list", "dict", "set",
    "frozenset", "slice", "range", "type"))}


@cache
def _fingerprint() -> bytes:
    from scanner.installed import install_stamp

    return fingerprint_of(Path(__file__).resolve().parent.parent, _PARSERS, install_stamp())


def fingerprint_of(package: Path, parsers: Sequence[str], installed: str | None = None) -> bytes:
    """The code that parses: the package's Python files (or, for a regular install, the install's stamp) and the
    parsers' files, by path, size and mtime."""
    digest = sha256(f"specdrift {__version__} parse-cache {FORMAT} {sys.version}\0{installed}".encode())
    stamps: list[str] = []
    for directory, _dirs, names in os.walk(package) if installed is None else ():
        stamps.extend(f"{directory}/{name}" for name in names if name.endswith(".py"))
    for name in parsers:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            stamps.append(spec.origin)
    for path in sorted(stamps):
        try:
            status = os.stat(path)
        except OSError:
            continue
        digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.digest()


def _entry(loader: str, shown: str, data: bytes) -> Path | None:
    from scanner.tables import cache_dir

    base = cache_dir()
    if base is None:
        return None
    digest = sha256(_fingerprint())
    digest.update(f"\0{loader}\0{shown}\0".encode())
    digest.update(data)
    return base / "parsed" / f"{digest.hexdigest()[:40]}.pickle"


class _Reader(pickle.Unpickler):
    """Unpickles specdrift's classes and plain values only: a cache file is never a way to run other code
    (no function is found, only classes, and of the builtins only the plain types)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "scanner" or module.startswith("scanner.") or module in _PLAIN:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        elif (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not kept in the parse cache")


def read(loader: str, shown: str, data: bytes) -> LoadResult | None:
    """The kept result of ``loader`` on these bytes shown as ``shown``; None on a miss."""
    entry = _entry(loader, shown, data)
    if entry is None:
        return None
    try:
        with open(entry, "rb") as handle:
            result = _Reader(io.BytesIO(handle.read())).load()
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None  # missing, torn or from other code: parsed again
    return result if isinstance(result, LoadResult) else None


def write(loader: str, shown: str, data: bytes, result: LoadResult) -> None:
    """Keep ``result``; a cache that cannot be written is no error (the file is parsed again next time)."""
    entry = _entry(loader, shown, data)
    if entry is None:
        return
    import tempfile  # only when writing: a cache hit never pays for it (nor for shutil, which it imports)

    try:
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(temporary, entry)  # whole or not at all: a reader never sees half a file
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    _prune(entry.parent)


def _prune(directory: Path) -> None:
    """At most ``KEPT`` entries: each changed version of a context file adds one."""
    try:
        entries = [(item.stat().st_mtime_ns, item.path) for item in os.scandir(directory)
                   if item.name.endswith(".pickle")]
    except OSError:
        return
    if len(entries) <= KEPT:
        return
    for _, path in sorted(entries)[:len(entries) - KEPT * 3 // 4]:
        with contextlib.suppress(OSError):
            os.unlink(path)
