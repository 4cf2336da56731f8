"""Property-based tests (hypothesis) of every loader and of the policy engine (issue 17).

Loaders: a valid file of each format (the smallest that load cleanly among the fixtures, examples and policy
fixtures) mutated (bytes cut, inserted, repeated, a hostile token put in, the end cut off) is loaded through
``load_file``. The only outcomes are resources or ``error`` findings, within a time per example, and never the
loader's own failure (``the X loader failed on this file``: an exception the loader did not expect).

Policy engine: the resources of each policy's ``pass/`` fixtures with one attribute replaced by a value of any
type (None, booleans, numbers of any size, NaN, text, nested lists and objects), mapped and judged: findings
only, each with a known status.

Deterministic and bounded by default (``derandomize``, a fixed number of examples: the set adds seconds to the
suite); ``SPECDRIFT_HYPOTHESIS=long`` runs many more examples with fresh randomness.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.loaders import all_loaders, load_file
from scanner.model import Resource, Status
from tests.conftest import POLICIES, ROOT

LONG = os.environ.get("SPECDRIFT_HYPOTHESIS") == "long"
PROFILE = settings(
    max_examples=400 if LONG else 12,
    derandomize=not LONG,
    deadline=None,  # the time per example is asserted by the test itself, against the parse budget's scale
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
SECONDS_PER_EXAMPLE = 10.0  # far above any small file's load, far below a hang
SEEDS_PER_FORMAT = 3
SEED_ROOTS = ("tests/fixtures", "examples", "policies")
HOSTILE_TOKENS = ("{", "}", "[", "]", ":", "\x00", "\ufeff", "${", "'", '"', "\n", "- ", "*a", "&a ", "9" * 400,
                  "\\", "<<EOF\n", "#", "--", "/*", "\r", "\t", "%", "!!python/object ", "\u202e", "1e400", "nan",
                  "null", "[" * 200, "{{ .Values.x }}", "resource ", "apiVersion: v1\n", "FROM ", ";", "=")


@cache
def seeds() -> dict[str, tuple[tuple[str, bytes], ...]]:
    """(file name, content) of the smallest files of each format that load with resources and no error; a
    Terraform plan (none is committed: terraform writes them) from the loader tests' plan."""
    import json

    from tests.loaders.test_artifact_loaders import PLAN

    found: dict[str, list[tuple[int, str, bytes]]] = {}
    with tempfile.TemporaryDirectory(prefix="specdrift-seed-") as tmp:
        plan = Path(tmp) / "plan.json"
        plan.write_text(json.dumps(PLAN, indent=2))
        candidates = [plan, *(path for root in SEED_ROOTS for path in sorted((ROOT / root).rglob("*")))]
        for path in candidates:
            if not path.is_file() or path.stat().st_size > 200_000:
                continue
            fmt, result = load_file(path)
            if fmt and result.resources and not result.errors:
                found.setdefault(fmt, []).append((path.stat().st_size, path.name, path.read_bytes()))
    return {fmt: tuple((name, data) for _, name, data in sorted(files)[:SEEDS_PER_FORMAT])
            for fmt, files in found.items()}


def test_every_loader_has_a_seed() -> None:
    """Each loader's format is fuzzed from a real file (a loader without one would be left out silently)."""
    missing = {loader.name for loader in all_loaders()} - set(seeds())
    assert not missing, f"no valid fixture to mutate for {sorted(missing)}"


@st.composite
def mutated(draw: Any, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes): a seed of ``fmt`` with one to three mutations."""
    name, seed = draw(st.sampled_from(seeds()[fmt]))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(("cut", "insert", "token", "repeat", "truncate", "bytes")))
        if kind == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.text(max_size=16)).encode("utf-8", "surrogatepass")
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(HOSTILE_TOKENS)).encode("utf-8")
        elif kind == "repeat":
            data[at:at] = bytes(data[at:at + draw(st.integers(1, 200))]) * draw(st.integers(2, 50))
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(max_size=8))
    return name, bytes(data)


def _check_load(name: str, data: bytes) -> None:
    import time

    with tempfile.TemporaryDirectory(prefix="specdrift-prop-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        started = time.monotonic()
        _, result = load_file(path)
        took = time.monotonic() - started
    assert took < SECONDS_PER_EXAMPLE, f"{name}: {took:.1f}s"
    assert all(isinstance(r, Resource) for r in result.resources)
    for error in result.errors:
        assert error.message and "loader failed on this file" not in error.message, error


@pytest.mark.parametrize("fmt", sorted(loader.name for loader in all_loaders()))
def test_a_mutated_file_loads_as_resources_or_error_findings(fmt: str) -> None:
    if fmt not in seeds():
        pytest.fail(f"no seed for {fmt} (test_every_loader_has_a_seed)")

    @PROFILE
    @given(mutated(fmt))
    def check(case: tuple[str, bytes]) -> None:
        _check_load(*case)

    check()


# --- the policy engine: values of the wrong type ------------------------------------------------------------

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20) | st.sampled_from(("", "-1", "${var.x}", "[parameters('x')]", "9" * 40, "true")),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@cache
def judged() -> tuple[tuple[Any, tuple[Resource, ...], int], ...]:
    """(policy, resources of its pass/ fixtures, index of one the policy judges), for every policy."""
    from scanner.mappings import load_paths
    from scanner.policy.engine import Engine
    from scanner.policy.pack import load_policies

    cases = []
    for policy in load_policies([POLICIES]):
        everything = tuple(load_paths([policy.directory / "pass"], jobs=1).resources)
        engine = Engine([policy])
        cases += [(policy, everything, i) for i, r in enumerate(everything) if r.attributes and engine.policies_for(r)]
    return tuple(cases)


def test_policies_have_pass_fixtures_to_mutate() -> None:
    assert len({policy.id for policy, _, _ in judged()}) >= 50


@PROFILE
@given(st.data())
def test_a_value_of_any_type_gives_findings_never_a_crash(data: Any) -> None:
    import time

    from scanner.mappings import normalize
    from scanner.policy.engine import Engine
    from tests.policy.test_fuzz_policies import _paths, _replaced

    policy, everything, index = data.draw(st.sampled_from(judged()))
    resource = everything[index]
    path = data.draw(st.sampled_from(list(_paths(resource.attributes))))
    mutant = normalize(replace(resource, attributes=_replaced(resource.attributes, path, data.draw(VALUES))))
    started = time.monotonic()
    findings = Engine([policy]).evaluate_all(policy, mutant, (*everything[:index], mutant, *everything[index + 1:]))
    assert time.monotonic() - started < SECONDS_PER_EXAMPLE
    assert all(f.status in set(Status) and f.message for f in findings)
