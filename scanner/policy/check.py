"""Evaluate a policy's check tree against one resource's facts. No ``eval``: every operator is a function here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from scanner.display import display, shown
from scanner.model import Resource, Status, Unresolved
from scanner.regex import compiled, lazy_compile
from scanner.units import comparable

SKIP = "skip"  # the policy does not apply (a missing optional fact, an empty list)


# Not frozen (a frozen dataclass sets each field through object.__setattr__: four times the cost, and a large scan
# makes millions of outcomes), hashed as if it were; nothing changes an outcome once made.
@dataclass(slots=True, unsafe_hash=True)
class Outcome:
    """One check's verdict, with the fact that decided it and both sides of the comparison."""

    status: Status | str
    fact: str | None = None
    observed: Any = None
    expected: Any = None
    message: str = ""
    target: Any = None  # the value that would make a failed leaf pass (drives remediation)
    op: str | None = None
    line: int | None = None  # set when the deciding value has a line of its own (a list item)
    # A check function's wanted value of its fact: the finding's fix is the tables' for that fact and value.
    wanted: Any = None
    parts: tuple[Outcome, ...] = ()  # every failing part of a compound (``all``) check, when more than one


@dataclass(slots=True, unsafe_hash=True)  # one per policy and resource: not frozen, as Outcome
class EvalContext:
    resource: Resource
    params: Mapping[str, Any]
    resources: tuple[Resource, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)  # scan-wide options (baseline environment, ...)
    # Values derived from facts that several policies and resources share (a script's ``commands`` list is
    # every one of its resources'), kept for one engine run: keyed by the list's id, which holds it alive.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False)


_MISSING = object()


def _fact(facts: Mapping[str, Any], name: str) -> Any:
    if name == ".":
        return facts.get(".", facts)
    node: Any = facts
    parts = _PATHS.get(name)
    if parts is None:
        parts = _PATHS[name] = tuple(name.split("."))
    for part in parts:
        if isinstance(node, Unresolved):
            return node
        # ``type(node) is dict`` first: the Mapping test is an ABC check, slower, and facts are dicts
        if (type(node) is dict or isinstance(node, Mapping)) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


_PATHS: dict[str, tuple[str, ...]] = {}  # fact name -> its parts (the pack names a few hundred facts)


def resolve_value(value: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and len(value) == 1 and "param" in value:  # {"param": name}: no set made per call
        name = value["param"]
        if name not in params:
            raise KeyError(f"unknown parameter {name!r}")
        return params[name]
    return value


@cache
def _python_regex(pattern: str) -> re.Pattern[str]:
    return compiled(pattern)


# Patterns a user gave (a parameter, an own policy), compiled with RE2: no backtracking, so no pattern can run
# for minutes on a long value. The pack's own patterns keep Python's engine (Unicode ``\w``, ``$`` before a
# final newline): reports on them stay as they were.
_LINEAR: dict[str, Any] = {}


def linear_regex(pattern: str) -> Any:
    """``pattern`` compiled with RE2 (linear time); ``ValueError`` with a one-line reason if RE2 refuses it."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would also print the error on stderr
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(f"{pattern!r} is not a regular expression that runs in linear time (RE2: {reason}; "
                         f"look-around and back-references are not supported)") from None


def require_linear(pattern: str) -> None:
    """Run ``pattern`` (from a user) with RE2 wherever the check language searches with it."""
    if pattern not in _LINEAR:
        _LINEAR[pattern] = linear_regex(pattern)


def regex(pattern: str) -> Any:
    """``pattern`` compiled: with RE2 when a user gave it (``require_linear``), else with Python's engine.
    Check functions search with it too: a regex parameter reaches them as an argument."""
    return _LINEAR.get(pattern) or _python_regex(pattern)


_regex = regex


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return str(item) in container
    if isinstance(container, Mapping):
        return item in container
    if isinstance(container, (list, tuple, set, frozenset)):
        return any(_equal(element, item) for element in container)
    return False


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else str(a).lower() == str(b).lower()
    try:
        x, y = comparable(a, b)
    except TypeError:
        return False
    if (isinstance(x, str) and isinstance(y, (int, float))) or (isinstance(y, str) and isinstance(x, (int, float))):
        try:
            return float(x) == float(y)
        except ValueError:
            return False
    return bool(x == y)


def _order(a: Any, b: Any) -> tuple[Any, Any]:
    x, y = comparable(a, b)
    if isinstance(x, str):
        x = float(x)
    if isinstance(y, str):
        y = float(y)
    return x, y


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": lambda a, b: (lambda x, y: x < y)(*_order(a, b)),
    "<=": lambda a, b: (lambda x, y: x <= y)(*_order(a, b)),
    ">": lambda a, b: (lambda x, y: x > y)(*_order(a, b)),
    ">=": lambda a, b: (lambda x, y: x >= y)(*_order(a, b)),
    "in": lambda a, b: _contains(b, a),
    "not_in": lambda a, b: not _contains(b, a),
    "matches": lambda a, b: _regex(str(b)).search(str(a)) is not None,
    "not_matches": lambda a, b: _regex(str(b)).search(str(a)) is None,
    "contains": _contains,
    "not_contains": lambda a, b: not _contains(a, b),
}
# For a failed leaf, the value that would satisfy it (None: no single value does).
_TARGETS: dict[str, Callable[[Any], Any]] = {
    "==": lambda v: v, ">=": lambda v: v, "<=": lambda v: v,
    "in": lambda v: v[0] if isinstance(v, list) and v else None,
}


def describe_expected(op: str, value: Any) -> str:
    if op == "exists":
        return "set"
    if op == "absent":
        return "not set"
    if isinstance(value, list | tuple) and op in ("in", "not_in"):  # never a Python repr (['ClusterIP', ...])
        return f"{'one' if op == 'in' else 'none'} of {shown(display(value))}"
    text = shown(display(value))
    return f"{op} {text}" if op not in ("==",) else text


_PARAM = lazy_compile(r"\{(\w+)\}")
_ITEM = lazy_compile(r"\[([^\]]+)\]")  # the list item a fact names (containers[api].image -> api)


def _fill_params(text: str, params: Mapping[str, Any]) -> str:
    """A leaf's own ``expected`` text with ``{param}`` placeholders filled."""
    return _PARAM.sub(lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), text)


def _find_unresolved(value: Any) -> Unresolved | None:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _find_unresolved(item)
            if found:
                return found
    return None


# A leaf's compared value and its ``expected`` text depend on the leaf and the parameters alone: made once per
# (leaf, parameters) and kept with both (so their ids stay theirs while the entry lives).
_PLANS: dict[tuple[int, int], tuple[Mapping[str, Any], Mapping[str, Any], Any, str]] = {}
_PLANS_KEPT = 4096


def _plan(node: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[Any, str]:
    """(value, expected) of a leaf under ``params``; a parameter the policy lacks raises ``KeyError``."""
    key = (id(node), id(params))
    found = _PLANS.get(key)
    if found is not None and found[0] is node and found[1] is params:
        return found[2], found[3]
    value = resolve_value(node.get("value"), params)
    expected = _fill_params(node["expected"], params) if node.get("expected") else describe_expected(node["op"],
                                                                                                      value)
    if len(_PLANS) >= _PLANS_KEPT:  # callers that make their parameters anew each time: bounded
        _PLANS.clear()
    _PLANS[key] = (node, params, value, expected)
    return value, expected


def _leaf(node: Mapping[str, Any], facts: Mapping[str, Any], ctx: EvalContext) -> Outcome:
    name, op = node["fact"], node["op"]
    value, expected = _plan(node, ctx.params)
    observed = _fact(facts, name)
    if observed is _MISSING:
        if op == "absent":
            return Outcome(Status.COMPLIES, name, None, expected, op=op)
        if op == "exists":
            return Outcome(Status.VIOLATES, name, None, expected, node.get("message", f"{name} is not set"), op=op)
        verdict = node.get("if_missing", "unknown")
        status: Status | str = SKIP if verdict == SKIP else Status(verdict)
        return Outcome(status, name, None, expected, f"{name} is not declared", _TARGETS.get(op, lambda v: None)(value),
                       op)
    if op == "exists":
        return Outcome(Status.COMPLIES, name, observed, expected, op=op)
    if op == "absent":
        return Outcome(Status.VIOLATES, name, observed, expected, node.get("message", f"{name} is set"), op=op)
    unresolved = _find_unresolved(observed) if op not in ("contains", "not_contains") else (
        observed if isinstance(observed, Unresolved) else None)
    if unresolved is not None:
        return Outcome(Status.UNKNOWN, name, unresolved.expression, expected,
                       f"{name} = {unresolved.expression}: {unresolved.reason}", op=op)
    try:
        ok = _OPERATORS[op](observed, value)
    except (TypeError, ValueError) as exc:
        return Outcome(Status.UNKNOWN, name, observed, expected, f"cannot compare {name}: {exc}", op=op)
    if ok:
        return Outcome(Status.COMPLIES, name, observed, expected, op=op)
    target = _TARGETS.get(op, lambda v: None)(value)
    return Outcome(Status.VIOLATES, name, observed, expected, node.get("message", ""), target, op)


def _combine_all(outcomes: list[Outcome], ctx: EvalContext | None = None) -> Outcome:
    """Worst first (violates, unknown); when everything complies and ``ctx`` is given, one outcome that
    says what complied, anchored at the first part that has a line of its own in the file."""
    relevant = [o for o in outcomes if o.status != SKIP]
    if not relevant:
        return Outcome(SKIP)
    failed = [o for o in relevant if o.status == Status.VIOLATES]
    if len(failed) > 1 and ctx is not None:
        return _every_failure(failed)
    for wanted in (Status.VIOLATES, Status.UNKNOWN):
        for outcome in relevant:
            if outcome.status == wanted:
                return outcome
    first = next((o for o in relevant if o.message), relevant[0])  # the complying part that explains most
    if ctx is None or len(relevant) == 1:
        return first
    lines = ctx.resource.fact_lines
    anchor = next((o for o in relevant if o.line or (o.fact and o.fact.split(".")[0] in lines)), first)
    parts = [o.message or f"{o.fact} is {_shown(o.observed)}" for o in relevant if o.message or o.fact]
    return Outcome(anchor.status, anchor.fact, anchor.observed, anchor.expected, "; ".join(parts), op=anchor.op,
                   line=anchor.line)


def _every_failure(failed: list[Outcome]) -> Outcome:
    """One violation that names every failing part of a compound requirement (encryption *and* deletion
    protection), anchored at the first; each part keeps its own values for the message and the fix."""
    def said(o: Outcome) -> str:
        if not o.message:
            return f"{o.fact} is {_shown(o.observed) if o.observed is not None else 'not set'}, required {o.expected}"
        # {observed}, {expected}, {item} are this part's own; parameters are filled later by the engine.
        observed = _shown(o.observed) if o.observed is not None else "not set"
        item = _ITEM.search(o.fact or "")
        return (o.message.replace("{observed}", observed).replace("{expected}", str(o.expected))
                .replace("{item}", item.group(1) if item else ""))

    first = failed[0]
    return Outcome(Status.VIOLATES, first.fact, first.observed, first.expected, "; ".join(said(o) for o in failed),
                   first.target, first.op, first.line, first.wanted, tuple(failed))


def _shown(value: Any) -> str:
    return shown(display(value))


def _combine_any(outcomes: list[Outcome]) -> Outcome:
    relevant = [o for o in outcomes if o.status != SKIP]
    if not relevant:
        return Outcome(SKIP)
    for wanted in (Status.COMPLIES, Status.UNKNOWN):
        for outcome in relevant:
            if outcome.status == wanted:
                return outcome
    return relevant[0]


def evaluate(node: Mapping[str, Any], facts: Mapping[str, Any], ctx: EvalContext) -> Outcome:
    if "all" in node and "each" not in node:
        return _combine_all([evaluate(child, facts, ctx) for child in node["all"]], ctx)
    if "any" in node and "each" not in node:
        return _combine_any([evaluate(child, facts, ctx) for child in node["any"]])
    if "not" in node:
        inner = evaluate(node["not"], facts, ctx)
        flips: dict[Status | str, Status | str] = {Status.COMPLIES: Status.VIOLATES, Status.VIOLATES: Status.COMPLIES}
        flipped = flips.get(inner.status, inner.status)
        return Outcome(flipped, inner.fact, inner.observed, f"not ({inner.expected})", inner.message, op="not")
    if "each" in node:
        return _each(node, facts, ctx)
    if "function" in node:
        return _call(node["function"], ctx, facts, node.get("args") or {})
    return _leaf(node, facts, ctx)


def _call(name: str, ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """``scanner.policy.functions.call``, imported on the first use (it imports this module) and then kept."""
    global _CALL
    if _CALL is None:
        from scanner.policy.functions import call

        _CALL = call
    return _CALL(name, ctx, facts, args)


_CALL: Callable[[str, EvalContext, Mapping[str, Any], Mapping[str, Any]], Outcome] | None = None


def _each(node: Mapping[str, Any], facts: Mapping[str, Any], ctx: EvalContext) -> Outcome:
    items = _fact(facts, node["each"])
    if items is _MISSING or items == [] or items is None:
        verdict = node.get("if_empty", SKIP)
        return Outcome(SKIP if verdict == SKIP else Status(verdict), node["each"], [], None,
                       f"no {node['each']}")
    if isinstance(items, Unresolved):
        return Outcome(Status.UNKNOWN, node["each"], items.expression, None, items.reason)
    sub: Mapping[str, Any] = node.get("all") or node["any"]
    listed = items if isinstance(items, list) else [items]
    decisive = _decisive_text_match(sub, listed, "all" in node, ctx)
    if decisive is not None:
        listed = [listed[decisive]]  # the one item whose outcome ``any`` / ``all`` would return (see below)
    label = node.get("label")
    outcomes = []
    for index, item in enumerate(listed, decisive or 0):
        outcome = evaluate(sub, item if isinstance(item, Mapping) else _Item(item), ctx)
        name = item.get(label) if label and isinstance(item, Mapping) else None
        where = f"{node['each']}[{name if name is not None else index}]"
        line = outcome.line
        if line is None and isinstance(item, Mapping):
            key_lines = getattr(item, "key_lines", {})
            line = key_lines.get((outcome.fact or "").split(".", 1)[0]) or getattr(item, "line", None)
        outcomes.append(Outcome(outcome.status, f"{where}.{outcome.fact}" if outcome.fact not in (None, ".") else where,
                                outcome.observed, outcome.expected, outcome.message, outcome.target, outcome.op,
                                line))
    return _combine_all(outcomes) if "all" in node else _combine_any(outcomes)


def _decisive_text_match(sub: Mapping[str, Any], items: list[Any], every: bool, ctx: EvalContext) -> int | None:
    """The index of the item that decides ``each`` when each item is a plain string matched against one
    regex (``each: commands, any: {fact: ".", op: matches, ...}``), else None (every item is evaluated).

    Such a leaf only complies or violates, so ``any`` returns the first item that complies, ``all`` the
    first that violates, and either the first item when there is none: one regex search per item finds
    it, and only that item's outcome is built (a script's commands are read by several policies, for
    each of its resources).
    """
    if not isinstance(sub, Mapping) or sub.get("fact") != "." or sub.get("op") not in ("matches", "not_matches") \
            or not set(sub) <= _LEAF_KEYS:
        return None
    pattern = str(resolve_value(sub.get("value"), ctx.params))
    wanted = sub["op"] == "matches"  # what a complying item's search finds
    key = ("decisive", id(items), pattern, wanted, every)
    known = ctx.memo.get(key)
    if known is not None and known[0] is items:
        return known[1]
    index: int | None = None
    if all(type(item) is str for item in items):  # str subclasses excluded: their str() may differ from themselves
        search = _regex(pattern).search
        if every:
            index = next((i for i, item in enumerate(items) if (search(item) is not None) != wanted), 0)
        else:
            index = next((i for i, item in enumerate(items) if (search(item) is not None) == wanted), 0)
    ctx.memo[key] = (items, index)
    return index


_LEAF_KEYS = frozenset(("fact", "op", "value", "expected", "message", "if_missing"))


class _Item(dict[str, Any]):
    """A scalar list item seen as facts, so ``fact: "."`` reads the item itself."""

    def __init__(self, value: Any) -> None:
        super().__init__({".": value})
