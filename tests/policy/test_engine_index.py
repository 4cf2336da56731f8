"""The engine evaluates a policy only on resources of the kinds it applies to (an index, not a cross product)."""

from __future__ import annotations

import pytest

from scanner.model import Origin, Resource, Severity
from scanner.policy.engine import Engine
from scanner.policy.pack import Policy


def _policy(pid: str, *kinds: str) -> Policy:
    return Policy(pid, (pid,), pid, Severity.LOW, frozenset(kinds), {"fact": "v", "op": "exists"})


def _resources(kind: str, count: int) -> list[Resource]:
    kinds = frozenset({kind}) if kind else frozenset()
    return [Resource("aws", kind or "plain", f"{kind}.{i}", Origin("f.tf", i + 1), {}, {"v": 1}, kinds)
            for i in range(count)]


def test_evaluations_are_resources_times_applicable_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    policies = [_policy("P-DB-1", "sql_database"), _policy("P-DB-2", "sql_database", "cache"),
                *(_policy(f"P-K8S-{i}", "k8s_workload") for i in range(20))]
    resources = _resources("sql_database", 30) + _resources("cache", 7) + _resources("", 500)
    engine = Engine(policies)
    calls: list[tuple[str, str]] = []
    original = engine.evaluate_all  # the per-(policy, resource) step run() takes

    def counting(policy, resource, everything=()):  # type: ignore[no-untyped-def]
        calls.append((policy.id, resource.address))
        return original(policy, resource, everything)

    monkeypatch.setattr(engine, "evaluate_all", counting)
    findings = engine.run(resources)
    # 30 databases x 2 policies + 7 caches x 1 policy; the 500 kind-less resources and 20 k8s policies cost nothing
    assert len(calls) == 30 * 2 + 7 == len(findings)
    assert len(set(calls)) == len(calls)
    assert {pid for pid, _ in calls} == {"P-DB-1", "P-DB-2"}


def test_a_resource_of_two_kinds_gets_each_policy_once() -> None:
    both = Resource("aws", "t", "t.x", Origin("f.tf", 1), {}, {"v": 1}, frozenset({"sql_database", "cache"}))
    engine = Engine([_policy("P-DB-2", "sql_database", "cache"), _policy("P-DB-1", "sql_database")])
    assert sorted(p.id for p in engine.policies_for(both)) == ["P-DB-1", "P-DB-2"]
    assert len(engine.run([both])) == 2
