"""The escape hatch: checks YAML cannot say, as registered Python functions.

A policy names one with ``check: {function: NAME, args: {...}}``. Modules in this package
register functions with ``@register``; the module that declares a function is imported when a policy
first calls it (``scanner.plugins``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from scanner.plugins import declared
from scanner.policy.check import EvalContext, Outcome

CheckFunction = Callable[[EvalContext, Mapping[str, Any], Mapping[str, Any]], Outcome]
_REGISTRY: dict[str, CheckFunction] = {}


def register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    def decorate(func: CheckFunction) -> CheckFunction:
        if name in _REGISTRY and _REGISTRY[name] is not func:
            raise ValueError(f"check function {name!r} registered twice")
        _REGISTRY[name] = func
        return func

    return decorate


@cache
def _import_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def registered() -> Mapping[str, CheckFunction]:
    _import_all()
    return dict(_REGISTRY)


def call(name: str, ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    if name not in _REGISTRY:
        module = declared(__path__[0], "register").get(name)
        if module is not None:
            importlib.import_module(f"{__name__}.{module}")
    if name not in _REGISTRY:
        _import_all()
    if name not in _REGISTRY:
        raise KeyError(f"no check function named {name!r}")
    return _REGISTRY[name](ctx, facts, args)
