"""The check language: operators, combinators, unknown propagation, the function escape hatch."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Origin, Resource, Severity, Status, Unresolved
from scanner.policy.check import EvalContext, Outcome
from scanner.policy.engine import Engine
from scanner.policy.functions import register
from scanner.policy.pack import Parameter, Policy
from scanner.units import parse_quantity


def _resource(**facts: Any) -> Resource:
    return Resource("aws", "x", "x.y", Origin("f.tf", 1), {}, facts, frozenset({"thing"}))


def _run(check: dict, params: dict | None = None, **facts: Any):
    policy = Policy("ME-DB-02", ("ME-DB-02",), "test policy", Severity.HIGH, frozenset({"thing"}), check,
                    parameters={k: Parameter(k, v) for k, v in (params or {}).items()})
    return Engine([policy]).evaluate(policy, _resource(**facts))


@pytest.mark.parametrize(("op", "observed", "value", "status"), [
    ("==", "a", "a", Status.COMPLIES), ("==", True, False, Status.VIOLATES), ("!=", 1, 2, Status.COMPLIES),
    ("<", 1, 2, Status.COMPLIES), ("<=", 3, 2, Status.VIOLATES), (">", "10", 9, Status.COMPLIES),
    (">=", parse_quantity("30d"), "720h", Status.COMPLIES), (">=", parse_quantity("7d"), "30d", Status.VIOLATES),
    ("==", "8GB", "8192MB", Status.COMPLIES), ("in", "b", ["a", "b"], Status.COMPLIES),
    ("not_in", "b", ["a", "b"], Status.VIOLATES), ("matches", "api-server", "^api", Status.COMPLIES),
    ("contains", ["x", "y"], "y", Status.COMPLIES), ("contains", "hello", "z", Status.VIOLATES),
])
def test_operators(op: str, observed: Any, value: Any, status: Status) -> None:
    assert _run({"fact": "v", "op": op, "value": value}, v=observed).status == status


def test_exists_absent_and_if_missing() -> None:
    assert _run({"fact": "v", "op": "exists"}).status == Status.VIOLATES
    assert _run({"fact": "v", "op": "absent"}).status == Status.COMPLIES
    assert _run({"fact": "v", "op": "==", "value": 1}).status == Status.UNKNOWN
    assert _run({"fact": "v", "op": "==", "value": 1, "if_missing": "skip"}) is None


def test_unresolved_is_unknown_never_pass() -> None:
    f = _run({"fact": "v", "op": ">=", "value": 1}, v=Unresolved("var.x", "variable 'x' has no default"))
    assert f.status == Status.UNKNOWN and "variable 'x'" in f.message


def test_incomparable_units_are_unknown() -> None:
    f = _run({"fact": "v", "op": ">=", "value": "30d"}, v=parse_quantity("8GB"))
    assert f.status == Status.UNKNOWN


def test_all_any_not_each() -> None:
    check = {"all": [{"fact": "a", "op": "==", "value": 1}, {"any": [{"fact": "b", "op": "==", "value": 2},
                                                                       {"not": {"fact": "c", "op": "exists"}}]}]}
    assert _run(check, a=1, b=3).status == Status.COMPLIES
    assert _run(check, a=1, b=3, c=0).status == Status.VIOLATES
    each = {"each": "items", "label": "name", "all": {"fact": "n", "op": ">", "value": 0}}
    f = _run(each, items=[{"name": "p", "n": 1}, {"name": "q", "n": 0}])
    assert f.status == Status.VIOLATES and f.fact == "items[q].n"
    assert _run(each, items=[]) is None


class _Text(str):
    """A str subclass: ``each`` evaluates every such item the long way, one outcome per item."""


@pytest.mark.parametrize("combine", ["any", "all"])
@pytest.mark.parametrize("op", ["matches", "not_matches"])
@pytest.mark.parametrize("items", [["ls", "pg_dump", "gzip", "pg_dump"], ["ls", "gzip"], ["pg_dump"], ["pg_dump", "x"]])
def test_each_over_strings_decided_by_one_search_per_item(combine: str, op: str, items: list[str]) -> None:
    # Plain strings matched against one regex: only the deciding item's outcome is built; it must be the
    # outcome evaluating every item gives (the first complying for any, the first violating for all, else the first).
    from scanner.policy.check import evaluate

    node = {"each": "commands", combine: {"fact": ".", "op": op, "value": {"param": "dump"}, "message": "m {observed}"}}
    ctx = EvalContext(_resource(), {"dump": "^pg_dump$"})
    fast = evaluate(node, {"commands": items}, ctx)
    slow = evaluate(node, {"commands": [_Text(item) for item in items]}, ctx)
    assert fast == slow
    complying = [((item == "pg_dump") == (op == "matches")) for item in items]
    deciding = [i for i, ok in enumerate(complying) if ok == (combine == "any")]
    assert fast.fact == f"commands[{deciding[0] if deciding else 0}]"
    assert fast.status == (Status.COMPLIES if bool(deciding) == (combine == "any") else Status.VIOLATES)


def test_each_over_a_shared_list_is_worked_out_once_per_run() -> None:
    # Resources of one script share its commands list: the deciding item is remembered for the run (each
    # resource still gets its own finding), and worked out again in the next run.
    policy = Policy("ME-BAK-01", ("ME-BAK-01",), "dumps", Severity.HIGH, frozenset({"thing"}),
                    {"each": "commands", "any": {"fact": ".", "op": "matches", "value": "^pg_dump$"}})
    commands = ["ls", "gzip"]
    resources = [Resource("aws", "x", f"x.{n}", Origin("f.sh", 1), {}, {"commands": commands}, frozenset({"thing"}))
                 for n in "ab"]
    engine = Engine([policy])
    assert [f.status for f in engine.run(resources)] == [Status.VIOLATES, Status.VIOLATES]
    assert engine._memo == {}  # nothing kept alive after the run
    commands.append("pg_dump")
    assert [(f.status, f.fact) for f in engine.run(resources)] == [(Status.COMPLIES, "commands[2]")] * 2


def test_parameters_and_messages() -> None:
    f = _run({"fact": "v", "op": ">=", "value": {"param": "min"}}, {"min": "30d"}, v=parse_quantity("7d"))
    assert (f.status, f.observed, f.expected) == (Status.VIOLATES, "7d", ">= 30d")


@register("test_even")
def _even(ctx: EvalContext, facts: Any, args: Any) -> Outcome:
    value = facts["v"]
    return Outcome(Status.COMPLIES if value % args["mod"] == 0 else Status.VIOLATES, "v", value, "even")


def test_registered_function_escape_hatch() -> None:
    assert _run({"function": "test_even", "args": {"mod": 2}}, v=4).status == Status.COMPLIES
    assert _run({"function": "test_even", "args": {"mod": 2}}, v=3).status == Status.VIOLATES
    f = _run({"function": "no_such_function"}, v=3)
    assert f.status == Status.ERROR and "no_such_function" in f.message
