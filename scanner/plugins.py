"""Where a plugin is declared, read from its package's sources, so a run imports only the modules it uses.

Loaders, mapping transforms and check functions are discovered, not listed: each lives in a module of
its package and registers itself when imported. Importing every such module on every run cost a
pre-commit hook about a tenth of its time (their regexes, dataclasses and bytecode), although a run on
a few files uses a handful. The index here finds, without importing anything, which module declares a
name (``@register("k8s_schema")``) or a loader (``PRIORITY = 10`` beside ``LOADER = ...``); the registry
then imports that module alone. A package shipped without its sources gives an empty index, and the
registries fall back to importing every module, as they did before.
"""

from __future__ import annotations

import pkgutil
import re
from functools import cache
from pathlib import Path


@cache
def sources(package_path: str) -> tuple[tuple[str, str], ...]:
    """(module name, source text) of each module of the package at ``package_path``, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules([package_path]), key=lambda i: i.name):
        try:
            found.append((info.name, (Path(package_path) / f"{info.name}.py").read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            return ()  # no sources to read: the caller imports everything
    return tuple(found)


@cache
def declared(package_path: str, decorator: str) -> dict[str, str]:
    """Name -> module for every ``@decorator("name")`` line in the package's module sources."""
    pattern = re.compile(rf'^@{re.escape(decorator)}\(\s*"([^"]+)"', re.M)
    index: dict[str, str] = {}
    for module, text in sources(package_path):
        for name in pattern.findall(text):
            index.setdefault(name, module)
    return index


_PRIORITY = re.compile(r"^PRIORITY = (\d+)", re.M)
_LOADER = re.compile(r"^LOADER = ", re.M)


@cache
def loader_modules(package_path: str, default_priority: int = 50) -> tuple[tuple[int, str], ...]:
    """(priority, module) of each module that defines ``LOADER``, in the order loaders are asked to claim."""
    found = []
    for module, text in sources(package_path):
        if _LOADER.search(text):
            priority = _PRIORITY.search(text)
            found.append((int(priority.group(1)) if priority else default_priority, module))
    return tuple(sorted(found))
