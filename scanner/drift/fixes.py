"""Fixes in both directions: make the cloud match (a CLI call), or make the IaC match (a snippet).

Both come from the mapping tables: CLI templates from the ``cli:`` section of the provider's live table
(``scanner/mappings/<provider>_live.yaml``, rendered by ``scanner.mappings.remediation.cli_fix``), IaC snippets
from the facts' native paths, and the fixes of a whole missing or unmanaged resource (re-deploy, import,
delete) from the table's ``identity.drift_fixes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.mappings import fact_spec
from scanner.mappings.identity import cli_id, declaring_type, provider_identity
from scanner.mappings.remediation import cli_fix, render, table_fix, table_writes
from scanner.model import Resource

CLOUD, IAC = "cloud", "iac"


@dataclass(frozen=True)
class Fix:
    direction: str  # cloud | iac
    format: str  # aws-cli | cloudformation | terraform | shell | text
    snippet: str
    description: str
    fact: str | None = None


def cloud_fix(live: Resource, fact: str, value: Any) -> Fix | None:
    """The CLI call that sets ``fact`` to ``value`` on the live resource; None when the table has none."""
    snippet = cli_fix(live, fact, value, cli_id(live))
    if snippet is None:
        return None
    table = provider_identity(live.provider)
    fmt = table.cli_format if table is not None else f"{live.provider}-cli"
    return Fix(CLOUD, fmt, snippet, f"set {fact} on the live resource", fact)


def iac_fix(declared: Resource, fact: str, value: Any) -> Fix | None:
    """The snippet, in the declaration's own format, that makes the IaC say ``value``; None when the fact is
    derived (computed, or transformed beyond spelling) so no single native value can be written back."""
    spec = fact_spec(declared, fact)
    if spec is not None and spec.compute:  # derived: only a writer of the tables (a line per setting) writes it
        snippet = table_fix(declared, (fact,), {}, {}, value) if table_writes(declared, fact) else None
        return Fix(IAC, declared.format, snippet, f"set {fact} in {declared.address}", fact) if snippet else None
    # a transform beyond spelling cannot be written back, unless the fact's ``map`` says the native spelling of
    # each value (an SSL policy's TLS_1_2 for 1.2)
    if spec is None or (spec.transform not in (None, "bool", "lower", "upper", "aws_window") and not spec.value_map):
        return None
    rendered = render(declared, fact, value)
    if rendered is None:
        return None
    return Fix(IAC, rendered.format, rendered.snippet, rendered.description, fact)


def _table_fix(direction: str, kind: str, provider: str, declared_format: str | None,
               values: dict[str, str]) -> Fix | None:
    table = provider_identity(provider)
    entry = table.drift_fix(kind, declared_format) if table is not None else None
    if entry is None:
        return None
    command = entry.command
    for key, text in values.items():
        command = command.replace("{" + key + "}", text)
    return Fix(direction, entry.format, command, entry.description)


def missing_fixes(declared: Resource, stack: str | None, provider: str | None = None) -> list[Fix]:
    """Create it again from the IaC, or stop declaring it (``identity.drift_fixes``: missing, forget)."""
    where = f"{declared.origin.file}:{declared.origin.line}" if declared.origin.file else declared.address
    values = {"address": declared.address, "file": declared.origin.file or "TEMPLATE", "where": where,
              "stack": stack or "STACK"}
    found = (_table_fix(CLOUD, "missing", provider or declared.provider, declared.format, values),
             _table_fix(IAC, "forget", provider or declared.provider, declared.format, values))
    return [f for f in found if f is not None]


def unmanaged_fixes(live: Resource, iac_format: str | None) -> list[Fix]:
    """Delete it, or adopt it into the IaC (``identity.drift_fixes``: delete, adopt)."""
    values = {"type": live.type, "id": cli_id(live),
              "declared_type": declaring_type(live.type, iac_format) or "TYPE"}
    found = (_table_fix(CLOUD, "delete", live.provider, iac_format, values),
             _table_fix(IAC, "adopt", live.provider, iac_format, values))
    return [f for f in found if f is not None]
