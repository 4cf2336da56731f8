"""The escape hatch: checks YAML cannot say, as registered Python functions.

A policy names one with ``check: {function: NAME, args: {...}}``. Modules in this package
register functions with ``@register("NAME")``; the module that declares a function is imported when a
policy first calls it (``scanner.registry``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.policy.check import EvalContext, Outcome
from scanner.registry import Registry

CheckFunction = Callable[[EvalContext, Mapping[str, Any], Mapping[str, Any]], Outcome]
FUNCTIONS: Registry[CheckFunction] = Registry("check function", __name__)


def register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function policies may name (a name once only)."""
    return FUNCTIONS.register(name)


def call(name: str, ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    return FUNCTIONS[name](ctx, facts, args)
