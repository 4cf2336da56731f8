"""ME-SEC-01: a credential-like setting holds a reference, never a literal (shown masked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import Status
from scanner.policy.check import SKIP, EvalContext, Outcome
from scanner.policy.functions import register

EXPECTED = "a reference (${VAR}, secretKeyRef, SealedSecret, NoEcho parameter, a secret store)"


@register("secret_by_reference")
def secret_by_reference(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    if "literal" not in facts:
        return Outcome(SKIP)
    shown = facts.get("shown")
    if facts["literal"] is True:
        return Outcome(Status.VIOLATES, "shown", shown, EXPECTED,
                       f"{facts.get('name')} holds a literal {facts.get('secret_kind', 'secret')}: {shown}")
    return Outcome(Status.COMPLIES, "shown", f"{shown} ({facts.get('reference')})", EXPECTED)
