"""Fixes in both directions: make the cloud match (an AWS CLI call), or make the IaC match (a snippet).

Both come from the mapping tables, through ``scanner.mappings.remediation``: CLI templates from the ``cli:``
section of ``scanner/mappings/aws_live.yaml``, IaC snippets from the facts' native paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.mappings import fact_spec
from scanner.mappings.identity import cli_id
from scanner.mappings.remediation import cli_fix, render
from scanner.model import Resource

CLOUD, IAC = "cloud", "iac"


@dataclass(frozen=True)
class Fix:
    direction: str  # cloud | iac
    format: str  # aws-cli | cloudformation | terraform | text
    snippet: str
    description: str
    fact: str | None = None


def cloud_fix(live: Resource, fact: str, value: Any) -> Fix | None:
    """The AWS CLI call that sets ``fact`` to ``value`` on the live resource; None when the table has none."""
    snippet = cli_fix(live, fact, value, cli_id(live))
    return None if snippet is None else Fix(CLOUD, "aws-cli", snippet, f"set {fact} on the live resource", fact)


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
