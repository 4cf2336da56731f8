"""Loaders turn files into Resources; this module finds the files and the loader for each.

Every module in this package that defines ``LOADER`` is a loader (discovered, not listed,
so adding a format touches one file). Loaders import their parser library lazily, so
discovering them all costs almost nothing.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scanner.faults import describe, reraise_when_debugging
from scanner.loaders.base import Loader, LoadResult, ParseError
from scanner.model import Resource

__all__ = ["LoadOutcome", "Loader", "ParseError", "all_loaders", "iter_files", "load_paths", "loader_for"]

SKIP_DIRS = {".git", ".hg", ".svn", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox",
             ".mypy_cache", ".ruff_cache", ".pytest_cache", ".specdrift-cache", ".venv-checkov"}
MAX_FILE_BYTES = 20 * 1024 * 1024
SNIFF_CHARS = 64 * 1024


@cache
def all_loaders() -> tuple[Loader, ...]:
    found: list[tuple[int, str, Loader]] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        loader = getattr(module, "LOADER", None)
        if loader is not None:
            found.append((getattr(module, "PRIORITY", 50), info.name, loader))
    return tuple(loader for _, _, loader in sorted(found, key=lambda t: (t[0], t[1])))


def loader_for(path: Path, head: str, only: Sequence[str] | None = None) -> Loader | None:
    for loader in all_loaders():
        if only and loader.name not in only:
            continue
        if loader.claims(path, head):
            return loader
    return None


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Files under ``paths`` (files given directly are always yielded), in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                for name in sorted(files):
                    yield Path(root) / name
        else:
            yield path


@dataclass
class LoadOutcome:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> format
    skipped: list[str] = field(default_factory=list)


def _display(path: Path, cwd: str | None = None) -> str:
    """The path as reports show it: relative to the working directory when inside it."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)  # string work, not resolve(): that costs syscalls per path component
    if absolute.startswith(cwd + os.sep):
        return absolute[len(cwd) + 1:]
    return str(path)


def load_file(path: Path, only: Sequence[str] | None = None, shown: str | None = None,
              ) -> tuple[str | None, LoadResult]:
    """Load one file: (format or None if no loader claims it, result); ``shown`` is its display path."""
    shown = shown or _display(path)
    try:
        data = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        return "unreadable", LoadResult(errors=[ParseError(shown, None, f"cannot read file: {exc.strerror}",
                                                           "unknown")])
    binary = b"\x00" in data[:8192]
    text = "" if binary else data.decode("utf-8", errors="replace")
    loader = loader_for(path, text[:SNIFF_CHARS] if text else "", only)
    if loader is None:
        return None, LoadResult()
    if binary:
        return loader.name, LoadResult(errors=[ParseError(shown, 1, "binary content where text was expected",
                                                          loader.name)])
    if len(data) > MAX_FILE_BYTES:
        return loader.name, LoadResult(errors=[ParseError(shown, None, "file larger than 20 MiB; not scanned",
                                                          loader.name)])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return loader.name, LoadResult(errors=[ParseError(shown, line, "not UTF-8 text", loader.name)])
    try:
        result = loader.load(shown, text)
    except RecursionError:
        result = LoadResult(errors=[ParseError(shown, None, "nesting too deep to parse", loader.name)])
    except Exception as exc:  # the loader's own fault, on this file alone: reported, the scan goes on
        reraise_when_debugging()
        result = LoadResult(errors=[ParseError(shown, None, f"the {loader.name} loader failed on this file "
                                                            f"({describe(exc)})", loader.name)])
    if loader.name != "plaintext":  # ME-SEC-01: secrets are looked for in every file, whoever reads it
        from scanner.secrets import credential_resources

        try:
            result.resources.extend(credential_resources(shown, text, loader.name))
        except Exception as exc:
            reraise_when_debugging()
            result.errors.append(ParseError(shown, None, f"looking for literal secrets failed on this file "
                                                         f"({describe(exc, quote_message=False)})", loader.name))
    return loader.name, result


def _common_directory(files: Iterable[str]) -> str:
    """The directory the files share, as reports show paths (relative and absolute ones share none: ".")."""
    unique = sorted(set(files))
    try:
        return os.path.commonpath(unique) if unique else "."
    except ValueError:  # relative (inside the working directory) and absolute paths together
        return "."


def load_paths(paths: Iterable[str | os.PathLike[str]], context: dict[str, Any] | None = None,
               only: Sequence[str] | None = None, jobs: int | None = None) -> LoadOutcome:
    """Load every recognised file under ``paths``, link cross-file formats, attach facts.

    Large trees load across ``jobs`` processes (default: the idle CPUs; see ``parallel``).
    """
    from scanner.loaders.parallel import load_many
    from scanner.mappings import normalize_all

    context = context or {}
    outcome = LoadOutcome()
    by_format: dict[str, list[Resource]] = {}
    cwd = os.getcwd()
    files = list(iter_files(paths))
    names = [_display(path, cwd) for path in files]
    for path, shown, (fmt, result) in zip(files, names, load_many(files, names, only, jobs), strict=True):
        if fmt is None:
            outcome.skipped.append(str(path))
            continue
        outcome.files[shown] = fmt
        outcome.errors.extend(result.errors)
        by_format.setdefault(fmt, []).extend(result.resources)
    for loader in all_loaders():
        resources = by_format.get(loader.name)
        if not resources:
            continue
        link = getattr(loader, "link", None)
        if link is not None:
            try:
                linked: LoadResult = link(resources, context)
            except Exception as exc:  # each file's resources are still checked, as written, without the links
                reraise_when_debugging()
                where = _common_directory(r.origin.file for r in resources if r.origin.file)
                outcome.errors.append(ParseError(where, None, f"linking the {loader.name} files failed "
                                                              f"({describe(exc)}); their resources are checked "
                                                              "without cross-file references", loader.name))
            else:
                resources = linked.resources
                outcome.errors.extend(linked.errors)
        outcome.resources.extend(normalize_all(resources, outcome.errors))
    return outcome
