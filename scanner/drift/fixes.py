"""Fixes in both directions: make the cloud match (an AWS CLI call), or make the IaC match (a snippet).

CLI templates are data, in the ``cli:`` section of ``scanner/mappings/aws_live.yaml``; IaC snippets
come from the same mapping tables the scan uses (``scanner.mappings.remediation``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from scanner.mappings import TABLE_DIR, fact_spec
from scanner.mappings.identity import cli_id
from scanner.mappings.remediation import native_value, render
from scanner.model import Resource

CLOUD, IAC = "cloud", "iac"


@dataclass(frozen=True)
class Fix:
    direction: str  # cloud | iac
    format: str  # aws-cli | cloudformation | terraform | text
    snippet: str
    description: str
    fact: str | None = None


@cache
def cli_templates() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((TABLE_DIR / "aws_live.yaml").read_text(encoding="utf-8")) or {}
    return {str(k): dict(v or {}) for k, v in (data.get("cli") or {}).items()}


def _strategy(value: Any) -> list[dict[str, Any]]:
    """Capacity provider strategy items in the CLI's terms, from the fact's shape (``provider``) or a
    template's (``CapacityProvider`` / ``capacity_provider``)."""
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            lowered = {str(k).lower().replace("_", ""): v for k, v in item.items()}
            out.append({"capacityProvider": lowered.get("provider", lowered.get("capacityprovider")),
                        "weight": lowered.get("weight", 0) or 0, "base": lowered.get("base", 0) or 0})
    return out


def _shorthand(items: list[dict[str, Any]]) -> str:
    return " ".join(",".join(f"{k}={v}" for k, v in item.items()) for item in items)


def cloud_fix(live: Resource, fact: str, value: Any) -> Fix | None:
    """The AWS CLI call that sets ``fact`` to ``value`` on the live resource; None when the table has none."""
    template: Any = cli_templates().get(live.type, {}).get(fact)
    native = native_value(live, fact, value)
    if isinstance(template, dict):  # keyed by the wanted fact value (true/false), else by its native spelling
        template = template.get(value) if isinstance(value, bool) else template.get(native)
    if not isinstance(template, str):
        return None
    strategy = _strategy(native)
    values = {
        "id": cli_id(live),
        "cluster": str(live.attributes.get("clusterArn", "")),
        "value": json.dumps(native) if isinstance(native, bool) else native,
        "value_json": json.dumps(native, separators=(",", ":")),
        "value_providers": " ".join(str(i["capacityProvider"]) for i in strategy),
        "value_shorthand": _shorthand(strategy),
    }
    snippet = template
    for key, text in values.items():
        snippet = snippet.replace("{" + key + "}", str(text))
    return Fix(CLOUD, "aws-cli", " ".join(snippet.split()), f"set {fact} on the live resource", fact)


def iac_fix(declared: Resource, fact: str, value: Any) -> Fix | None:
    """The snippet, in the declaration's own format, that makes the IaC say ``value``; None when the fact is
    derived (computed, or transformed beyond spelling) so no single native value can be written back."""
    spec = fact_spec(declared, fact)
    if spec is None or spec.compute or spec.transform not in (None, "bool", "lower", "upper", "aws_window"):
        return None
    rendered = render(declared, fact, value)
    if rendered is None:
        return None
    return Fix(IAC, rendered.format, rendered.snippet, rendered.description, fact)


def missing_fixes(declared: Resource, stack: str | None) -> list[Fix]:
    where = f"{declared.origin.file}:{declared.origin.line}" if declared.origin.file else declared.address
    if declared.format == "terraform":
        cloud = Fix(CLOUD, "shell", f"terraform apply -target={declared.address}",
                    "create it again from the IaC")
    else:
        template = declared.origin.file or "TEMPLATE"
        cloud = Fix(CLOUD, "shell", f"aws cloudformation deploy --template-file {template} --stack-name "
                                    f"{stack or 'STACK'}", "create it again from the IaC (an update re-creates it)")
    return [cloud, Fix(IAC, "text", f"remove {declared.address} ({where})", "or stop declaring it, if it is gone "
                                                                              "on purpose")]


def unmanaged_fixes(live: Resource, iac_format: str | None) -> list[Fix]:
    identifier = cli_id(live)
    cloud = Fix(CLOUD, "text", f"delete {live.type} {identifier} if nobody needs it",
                "it runs outside the IaC: nothing reviews or recreates it")
    if iac_format == "terraform":
        from scanner.mappings.identity import IDENTITIES

        tf_type = (IDENTITIES[live.type].terraform_types or ("TYPE",))[0]
        iac = Fix(IAC, "shell", f"terraform import {tf_type}.NAME {identifier}", "adopt it: declare it, then import")
    else:
        iac = Fix(IAC, "text", f"declare it as {live.type} and import it into the stack (resource import, "
                               f"identifier {identifier})", "adopt it into CloudFormation")
    return [cloud, iac]
