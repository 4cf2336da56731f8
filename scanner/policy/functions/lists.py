"""Checks over list facts that the operators cannot say: "every one of these is present"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import Status, Unresolved
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.check import regex as compiled
from scanner.policy.functions import register


def _text(item: Any, fields: list[str]) -> str:
    if not fields or not isinstance(item, Mapping):
        return str(item)
    parts: list[str] = []
    for name in fields:
        value = item.get(name)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        else:
            parts.append(str(value or ""))
    return "\n".join(parts)


@register("includes_all")
def includes_all(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Every required entry is in the list fact ``args.fact``.

    ``required`` is a list (exact items) or a mapping label -> regular expression (an item
    matches when the pattern is found in it, or in the item's ``fields`` joined). ``show``
    names the fact reported as observed (default: the list itself); ``item`` what an entry is,
    for the message ("scrape job missing: redis-exporter"). The first missing
    entry is the ``target`` a remediation snippet can name as ``{value}``.
    """
    name = str(args["fact"])
    required = resolve_value(args.get("required"), ctx.params)
    shown = str(args.get("show", name))
    fields = list(args.get("fields") or [])
    items = facts.get(name)
    observed = facts.get(shown, items)
    labels = [str(r) for r in (required or [])]  # a mapping's keys, or the list itself
    expected = "includes " + ", ".join(labels)
    if items is None:
        verdict = args.get("if_missing", "violates")
        if verdict == SKIP:
            return Outcome(SKIP)
        return Outcome(Status(verdict), name, None, expected,
                       f"{args.get('item', 'entry')} missing: {', '.join(labels)} ({name} is not declared)",
                       labels[0] if labels else None, "includes")
    if isinstance(items, Unresolved):
        return Outcome(Status.UNKNOWN, name, items.expression, expected, f"{name} = {items.expression}: {items.reason}")
    texts = [_text(item, fields) for item in (items if isinstance(items, list) else [items])]
    if isinstance(required, Mapping):
        missing = [label for label, pattern in required.items()
                   if not any(compiled(str(pattern)).search(text) for text in texts)]
    else:
        missing = [label for label in labels if label not in texts]
    if missing:
        message = f"{args.get('item', 'entry')} missing: {', '.join(missing)}"
        return Outcome(Status.VIOLATES, name, observed, expected, message, missing[0], "includes")
    return Outcome(Status.COMPLIES, name, observed, expected, op="includes")
