"""Every policy fed values of the wrong type: findings only (complies, violates, unknown, error), never a crash.

For each policy, the resources of its own ``pass/`` fixtures are mutated one native attribute at a time
(a value or a whole subtree replaced by ``None``, ``""``, ``[]``, ``{}``, ``0``, ``-1``, text, a huge
integer, nested lists, NaN...), mapped to facts again and judged. The mutations are drawn from a seeded
generator, so every run tries the same ones and takes the same bounded time.

Two properties: nothing raises out of the engine (its boundary turns a fault into an ``error`` finding), and,
stronger, nothing raises at all inside the mappings and checks (``SPECDRIFT_DEBUG`` makes every boundary
re-raise): a value of the wrong type is a root-cause ``unknown`` or a violation, never a fault.
"""

from __future__ import annotations

import copy
import math
import os
import random
import traceback
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from scanner.mappings import load_paths, normalize
from scanner.model import Finding, Resource, Status
from scanner.policy.engine import Engine
from scanner.policy.pack import Policy, load_policies
from tests.conftest import POLICIES

ALL = load_policies([POLICIES])
SEED = 20261206
# Mutations per (policy, resource): bounded time, the same ones every run (more for a deeper local search).
PER_RESOURCE = int(os.environ.get("SPECDRIFT_FUZZ_MUTATIONS", "40"))

BAD_VALUES: tuple[Any, ...] = (
    None, "", [], {}, 0, -1, "abc", 10**30, [[["x"]]], float("nan"), float("inf"), True, -0.5, "-1", " ",
    {"nested": {"deeper": [None]}}, [None, 1, "a"], "${var.undefined}", "[parameters('x')]", "9" * 40,
)


def _paths(tree: Any, prefix: tuple[Any, ...] = (), depth: int = 0) -> Iterator[tuple[Any, ...]]:
    """Every key path into the attribute tree (dict keys and list indexes), subtrees included."""
    if depth > 8:
        return
    items: list[tuple[Any, Any]] = []
    if isinstance(tree, dict):
        items = list(tree.items())
    elif isinstance(tree, list):
        items = list(enumerate(tree))
    for key, value in items:
        path = (*prefix, key)
        yield path
        yield from _paths(value, path, depth + 1)


def _replaced(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``tree`` with the value at ``path`` replaced; line information kept on every copied node."""
    if not path:
        return value
    node = copy.copy(tree)  # LineDict / LineList keep their lines and key lines
    node[path[0]] = _replaced(tree[path[0]], path[1:], value)
    return node


def _mutants(resource: Resource, rng: random.Random) -> Iterator[tuple[str, Resource]]:
    """(what, resource): one native attribute (a value or a whole subtree) replaced by a bad value."""
    paths = list(_paths(resource.attributes))
    for _ in range(PER_RESOURCE if paths else 0):
        path = rng.choice(paths)
        value = rng.choice(BAD_VALUES)
        mutated = _replaced(resource.attributes, path, copy.deepcopy(value))
        yield f"{'.'.join(map(str, path))} = {value!r}", replace(resource, attributes=mutated)


def _cases(policy: Policy) -> list[tuple[str, tuple[Resource, ...], int, Resource]]:
    """(mutation, resources, index of the mutated one, the mutant) for the policy's pass fixtures."""
    outcome = load_paths([policy.directory / "pass"], jobs=1)
    everything = tuple(outcome.resources)
    engine = Engine([policy])
    rng = random.Random(f"{SEED}:{policy.id}")
    cases = []
    for index, resource in enumerate(everything):
        if not engine.policies_for(resource):
            continue
        for what, mutant in _mutants(resource, rng):
            cases.append((what, everything, index, mutant))
    return cases


def _judge(policy: Policy, everything: tuple[Resource, ...], index: int, mutant: Resource) -> list[Finding]:
    """The mutant mapped to facts again (facts of the original whose attribute is gone stay) and judged."""
    mutated = normalize(mutant)
    resources = (*everything[:index], mutated, *everything[index + 1:])
    return Engine([policy]).evaluate_all(policy, mutated, resources)


@pytest.mark.parametrize("policy", ALL, ids=[p.id for p in ALL])
def test_wrong_types_give_findings_never_exceptions(policy: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECDRIFT_DEBUG", "1")  # every boundary re-raises: a fault is found at its root
    faults = []
    cases = _cases(policy)
    assert cases, f"{policy.id}: no pass fixture resource to mutate"
    for what, everything, index, mutant in cases:
        try:
            findings = _judge(policy, everything, index, mutant)
        except Exception as exc:  # the test lists every fault, not only the first
            faults.append(f"{mutant.address}: {what}: {type(exc).__name__}: {exc} (at {_where(exc)})")
            continue
        for finding in findings:
            assert finding.status in (Status.COMPLIES, Status.VIOLATES, Status.UNKNOWN, Status.ERROR)
            assert not _nan_passes_a_comparison(finding), (what, finding.message)
    assert not faults, f"{policy.id}: {len(faults)} mutation(s) raised:\n" + "\n".join(sorted(set(faults))[:20])


def _where(exc: BaseException) -> str:
    """The innermost frame of the scanner's own code: where the root fix goes."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/scanner/" in f.filename]
    return f"{frames[-1].filename.rsplit('/scanner/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"


def _nan_passes_a_comparison(finding: Finding) -> bool:
    """NaN compares false with everything: ``not (NaN < minimum)`` must not read as compliance."""
    observed, expected = finding.observed, str(finding.expected or "")
    return (finding.status == Status.COMPLIES and isinstance(observed, float) and math.isnan(observed)
            and expected.startswith(("<", ">")))


def test_without_debugging_the_engine_boundary_turns_any_fault_into_an_error_finding(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPECDRIFT_DEBUG", raising=False)
    policy = next(p for p in ALL if p.id == "ME-NET-08")
    from scanner.policy import functions

    functions.FUNCTIONS.import_all()

    def broken(*_args: object) -> object:
        raise IndexError("list index out of range")

    monkeypatch.setitem(functions.FUNCTIONS.loaded, "ingress_exposure", broken)
    _, everything, index, mutant = _cases(policy)[0]
    findings = _judge(policy, everything, index, mutant)
    assert [f.status for f in findings] == [Status.ERROR]
    assert "IndexError" in findings[0].message and policy.id in findings[0].message
