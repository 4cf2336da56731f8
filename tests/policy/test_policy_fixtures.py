"""Every policy against its own pass and fail fixtures (c7n-left's rule: no unexpected finding, no missing one)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine, parse_error_findings
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES, ROOT

ALL = load_policies([POLICIES])


def _findings(policy_dir: Path, sub: str, policy_id: str) -> list:
    policy = next(p for p in ALL if p.id == policy_id)
    outcome = load_paths([policy_dir / sub])
    assert outcome.files, f"{policy_id}: no fixture file in {sub}/ was recognised"
    return parse_error_findings(outcome.errors) + Engine([policy]).run(outcome.resources)


def _rel(path: str | None, policy_dir: Path) -> str:
    return str((ROOT / (path or "")).resolve().relative_to(policy_dir.resolve()))


@pytest.mark.parametrize("policy", ALL, ids=[p.id for p in ALL])
def test_pass_fixtures_comply(policy) -> None:
    findings = _findings(policy.directory, "pass", policy.id)
    bad = [(f.file, f.line, f.status.value, f.message) for f in findings if f.status != Status.COMPLIES]
    assert not bad, f"{policy.id}: pass fixtures produced non-compliant results: {bad}"
    assert findings, f"{policy.id}: pass fixtures produced no result at all (policy never applied)"


@pytest.mark.parametrize("policy", ALL, ids=[p.id for p in ALL])
def test_fail_fixtures_violate_exactly_as_expected(policy) -> None:
    expected_file = policy.directory / "expected.yaml"
    assert expected_file.is_file(), f"{policy.id}: expected.yaml is missing"
    expected = yaml.safe_load(expected_file.read_text())["violations"]
    findings = _findings(policy.directory, "fail", policy.id)
    errors = [f for f in findings if f.status == Status.ERROR]
    assert not errors, f"{policy.id}: fail fixtures did not parse: {[(f.file, f.message) for f in errors]}"
    got = {(_rel(f.file, policy.directory), f.resource_address, f.line)
           for f in findings if f.status == Status.VIOLATES}
    want = {(v["file"], v["address"], v.get("line")) for v in expected}
    # a line of None in expected.yaml means "any line"
    got_cmp = {(f, a, line if (f, a, None) not in want else None) for f, a, line in got}
    assert got_cmp == want, (f"{policy.id}: unexpected {sorted(got_cmp - want, key=str)}; "
                             f"missing {sorted(want - got_cmp, key=str)}")


def test_every_fail_fixture_format_is_exercised() -> None:
    for policy in ALL:
        for sub in ("pass", "fail"):
            files = [p for p in (policy.directory / sub).rglob("*") if p.is_file()]
            assert files, f"{policy.id}: {sub}/ has no fixtures"
