"""The escape hatch: checks YAML cannot say, as registered Python functions.

A policy names one with ``check: {function: NAME, args: {...}}``. Modules in this package
register functions with ``@register("NAME")``; the module that declares a function is imported when a
policy first calls it (``scanner.registry``).

Checks outside the package use the same ``register``: the modules of an ``--external-checks-dir`` (each
``*.py`` file), and the modules an installed distribution names under the entry-point group
``specdrift.checks`` (``acme = acme_specdrift.checks``), are imported by ``load_external`` before the pack
is validated, so a policy may name what they register. A name a shipped module declares is refused.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from scanner.digest import sha256
from scanner.policy.check import EvalContext, Outcome
from scanner.registry import Registry

CheckFunction = Callable[[EvalContext, Mapping[str, Any], Mapping[str, Any]], Outcome]
FUNCTIONS: Registry[CheckFunction] = Registry("check function", __name__)


# Name -> the module that registered it, as registered (a test may patch FUNCTIONS.loaded with another object).
_REGISTERED_BY: dict[str, str] = {}


def register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function policies may name (a name once only)."""
    add = FUNCTIONS.register(name)

    def remember(function: CheckFunction) -> CheckFunction:
        added = add(function)
        _REGISTERED_BY.setdefault(name, str(getattr(function, "__module__", "")))
        return added

    return remember


def call(name: str, ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    # Once imported, a function is looked up where the registry keeps it (what ``FUNCTIONS[name]`` returns
    # first): two Python calls less per policy and resource.
    function = FUNCTIONS.loaded.get(name)
    if function is None:
        function = FUNCTIONS[name]
    return function(ctx, facts, args)


ENTRY_POINT_GROUP = "specdrift.checks"


class ExternalCheckError(Exception):
    """An external check module that cannot be imported or takes a shipped name (a usage error: exit 2)."""


def external_names() -> dict[str, str]:
    """Name -> module of every check function registered from outside the package (imported so far)."""
    shipped = f"{__name__}."
    return {name: module for name, module in _REGISTERED_BY.items() if not module.startswith(shipped)}


def load_external(dirs: Iterable[Path] = ()) -> dict[str, str]:
    """Import the ``specdrift.checks`` entry points and the ``*.py`` modules of ``dirs`` (each once per process);
    the external names registered so far, with their modules."""
    declared = set(FUNCTIONS.names())  # before: without sources to read, names() imports the shipped modules
    try:
        for target in _entry_points():
            _import_once(target)
        for directory in dirs:
            for path in sorted(Path(directory).glob("*.py")):
                _import_file(str(path.resolve()))
    except ExternalCheckError:
        raise
    except ValueError as exc:  # the registry's "registered twice", naming both modules
        raise ExternalCheckError(f"external check: {exc}") from exc
    except Exception as exc:  # an own module's import error, whatever it is, is the user's to fix
        raise ExternalCheckError(f"external check: {type(exc).__name__}: {exc}") from exc
    found = external_names()
    taken = sorted(name for name in found if name in declared)
    if taken:
        raise ExternalCheckError("external check function(s) with a shipped function's name: " + ", ".join(
            f"{name} (in {found[name]})" for name in taken))
    return found


@cache
def _import_once(target: str) -> None:
    module, _, attribute = target.partition(":")
    loaded = importlib.import_module(module.strip())
    for part in filter(None, attribute.strip().split(".")):
        loaded = getattr(loaded, part)  # an entry point naming a function: importing its module registered it


@cache
def _import_file(path: str) -> None:
    import hashlib  # here: only a run with external checks names their modules

    # A name of its own per file, so two directories' ``checks.py`` do not replace each other in sys.modules.
    name = f"specdrift_external_{hashlib.sha1(path.encode()).hexdigest()[:8]}_{Path(path).stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ExternalCheckError(f"external check {path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ExternalCheckError(f"external check {path}: {type(exc).__name__}: {exc}") from exc


def _entry_points() -> list[str]:
    """The targets of the installed ``specdrift.checks`` entry points.

    Asking ``importlib.metadata`` reads every installed distribution (about 30 ms, a fifth of a pre-commit run),
    so the answer is cached, keyed by the directories on ``sys.path`` and their modification times: installing
    or removing a distribution adds or removes a ``.dist-info`` directory, which changes its parent's.
    """
    from scanner.tables import cache_dir

    stamps = []
    for entry in sys.path:
        try:
            stamps.append(f"{entry}\0{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            continue
    base = cache_dir()
    key = sha256("\n".join(stamps).encode()).hexdigest()[:32]
    stored = base / "entry-points" / f"{key}.json" if base is not None else None
    if stored is not None:
        try:
            cached = json.loads(stored.read_text(encoding="utf-8"))
            if isinstance(cached, list) and all(isinstance(t, str) for t in cached):
                return cached
        except (OSError, ValueError):
            pass
    from importlib.metadata import entry_points

    targets = sorted({point.value for point in entry_points(group=ENTRY_POINT_GROUP)})
    if stored is not None:
        try:
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_text(json.dumps(targets), encoding="utf-8")
        except OSError:
            pass  # no cache: asked again next run
    return targets
