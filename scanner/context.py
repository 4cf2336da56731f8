"""Context for a scan of named files (a pre-commit hook passes only the staged ones).

A staged ``main.tf`` may use a variable declared in an unstaged ``variables.tf`` beside it; a staged
Deployment may be judged with the HPA next to it. So when files are named, the other files of the
same format in their directories (``auto``) or in the whole repository (``repo``) are loaded as
context: they inform the checks, and their own findings are dropped (see ``ScanOptions.context_paths``).
Only files that the named files' loaders claim are read, so a hook on three files stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from scanner.loaders import SNIFF_CHARS, Loader, decode, iter_files, last_in_order, loader_for
from scanner.loaders.path_globs import PathFilter
from scanner.repository import find_root

MAX_CONTEXT_FILES = 500  # a directory this full is not a module; past this, context is partial


def _sniff(path: Path, last: Loader | None = None) -> Loader | None:
    """The loader that claims ``path``, from its name and first bytes (None: no loader, or unreadable);
    with ``last``, None also when a loader asked after ``last`` would be the one."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_CHARS)
    except OSError:
        return None
    if b"\x00" in head[:8192]:
        return None
    return loader_for(path, decode(head), last=last)


def _shown(path: Path) -> str:
    """``path`` as the skip globs see a named file: relative to the working directory when inside it."""
    relative = os.path.relpath(path)
    return (str(path) if relative.startswith("..") else relative).replace(os.sep, "/")


def context_files(paths: Sequence[str], mode: str = "auto", skip: Sequence[str] = ()) -> list[str]:
    """Files to load as context for the named files among ``paths`` (directories need none), but those the
    ``skip`` globs leave out."""
    skipped = PathFilter(skip)
    named = [Path(p) for p in paths if Path(p).is_file()]
    if mode == "none" or not named:
        return []
    chosen = [loader for loader in map(_sniff, named) if loader is not None]
    if not chosen:
        return []
    formats = {loader.name for loader in chosen}
    # A neighbour is context only if it is of one of these formats: the loaders asked after the last of
    # them need not be asked about it (nor imported, for a pre-commit run on a few files).
    last = last_in_order(chosen)
    if mode == "repo":
        search = [find_root()]
    else:
        search = sorted({p.resolve().parent for p in named})
    taken = {p.resolve() for p in named}
    covered = [Path(p).resolve() for p in paths if Path(p).is_dir()]
    out: list[str] = []
    for directory in search:
        candidates = iter_files([directory], skipped) if mode == "repo" else \
            [c for c in sorted(directory.iterdir()) if not (skipped and skipped.skips_file(_shown(c)))]
        for candidate in candidates:
            resolved = candidate.resolve()
            if (resolved in taken or not candidate.is_file()
                    or any(root == resolved or root in resolved.parents for root in covered)):
                continue
            found = _sniff(candidate, last)
            if found is not None and found.name in formats:
                taken.add(resolved)
                out.append(str(candidate))
                if len(out) >= MAX_CONTEXT_FILES:
                    return out
    return out
