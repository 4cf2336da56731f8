"""Fault isolation: an exception in one stage of one file, resource or policy is reported, not fatal.

Each stage catches at its own boundary (``loaders.load_file`` and ``load_files`` for loading and
linking, ``mappings.normalize`` for one resource's facts, ``Engine.evaluate`` for one policy on one
resource and its fix) and turns the exception into an ``error`` finding that names the file, the
resource and the policy. ``internal error`` (exit 2) is left for the tool itself failing.

An exception's message may quote the value that broke it, and that value may be a secret: the
description redacts it like every other field of a finding, and where secrets are still being
found (the secret detector's own failure) it keeps the exception type alone.
``SPECDRIFT_DEBUG=1`` re-raises at the boundary, to see the traceback.
"""

from __future__ import annotations

import os
from typing import Any

from scanner.masking import redact
from scanner.model import Unresolved

_LONGEST = 240


def reraise_when_debugging() -> None:
    """Re-raise the exception being handled when ``SPECDRIFT_DEBUG`` is set (a developer wants the traceback)."""
    if os.environ.get("SPECDRIFT_DEBUG"):
        raise  # called from inside an ``except`` block: the exception being handled


def describe(exc: BaseException, quote_message: bool = True) -> str:
    """``TypeError: ...``: the message redacted as every field of a finding is (the literal secrets of the
    scan masked) and bounded; only the type when the message may quote a secret not yet recognised."""
    message = redact(str(exc)) if quote_message else ""
    if len(message) > _LONGEST:
        message = message[:_LONGEST] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class Fault(Unresolved):
    """The value of a fact whose mapping raised (``expression`` is the fact, ``reason`` what failed)."""


class FactFault(Exception):
    """Raised where a check reads a faulted fact: the engine's boundary makes it that check's ``error``."""

    def __init__(self, fault: Fault, owner: str) -> None:
        super().__init__(f"{fault.reason} on {owner}")
        self.fact = fault.expression


class FaultyFacts(dict[str, Any]):
    """The facts of a resource one of whose facts could not be mapped.

    Reading that fact (``facts[name]``, ``facts.get(name)``) raises ``FactFault``, so every check that
    depends on it -- a YAML check, a check function, another resource's check through a reference --
    becomes an error at the engine's boundary, and checks that do not read it are judged as usual.
    A function that treats an odd value as "does not apply" cannot turn the fault into silence.
    """

    def __init__(self, facts: dict[str, Any], owner: str) -> None:
        super().__init__(facts)
        self.owner = owner

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if isinstance(value, Fault):
            raise FactFault(value, self.owner)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:  # through __getitem__: a faulted fact raises here too
            return self[key]
        return default

    def __reduce__(self) -> Any:  # pickled as what it is (a report sent across processes keeps the faults)
        return (FaultyFacts, (dict(self.items()), self.owner))
