"""One remediation path: policies name facts and wanted values, the mapping tables write the fix.

No policy carries a format-specific snippet (nor a check function argument that is one); every fact a policy
asks the tables to fix has an entry, every template's ``{value:FACT}`` is a value the policy names, and every
violation of the policy fixtures gets its fix from the tables, or its (type, fact) is in ``UNFIXABLE`` with a
reason.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.mappings import load_paths
from scanner.mappings.remediation import WHY_CODE, WRITERS, fix_tables, unfixable
from scanner.model import Finding, Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

ALL = load_policies([POLICIES])


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *[n for v in node.values() for n in _walk(v)]]
    if isinstance(node, list):
        return [n for v in node for n in _walk(v)]
    return []


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*/*/policy.yaml")), ids=lambda p: p.parent.name)
def test_a_policy_names_facts_never_a_snippet(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    remediation = data.get("remediation") or {}
    assert set(remediation) <= {"description", "facts", "requirement_fact", "values"}, path
    for node in _walk(data.get("check")):
        assert "fix" not in (node.get("args") or {}), (path, node)


def test_every_fact_a_policy_asks_to_fix_has_a_table_entry() -> None:
    fixes = fix_tables()[0]
    fixable = {fact for facts in fixes.values() for fact in facts}
    for policy in ALL:
        named = [*policy.remediation.get("facts", ()), *filter(None, [policy.remediation.get("requirement_fact")])]
        assert set(named) <= fixable, (policy.id, set(named) - fixable)


def test_writers_are_named_by_the_tables_and_each_says_why_it_is_code() -> None:
    named = {entry["writer"] for facts in fix_tables()[0].values() for entry in facts.values()
             if isinstance(entry, dict)}
    assert named <= set(WRITERS)
    assert set(WRITERS) == set(WHY_CODE)


@cache
def _violations() -> tuple[tuple[str, str, Finding], ...]:
    found = []
    for policy in ALL:
        loaded = load_paths([policy.directory / "fail"], jobs=1)
        found.extend((policy.id, Path(f.file or "").name, f) for f in Engine([policy]).run(loaded.resources)
                     if f.status == Status.VIOLATES)
    return tuple(found)


def test_every_fixture_violation_is_fixed_from_the_tables_or_says_why_not() -> None:
    missing = set()
    for policy_id, file, finding in _violations():
        assert finding.remediation is not None, (policy_id, file)
        assert not re.search(r"\{(value|fact):", finding.remediation.snippet), (policy_id, file, finding.remediation)
        if finding.remediation.format == "text":
            fact = (finding.fact or "").split("[", 1)[0].split(".", 1)[0]
            if not unfixable(finding.resource_type, fact):
                missing.add((policy_id, finding.resource_type, fact))
    assert not missing, sorted(missing)


def test_unfixable_refuses_what_it_does_not_list() -> None:
    assert unfixable("aws_db_instance", "backup_retention") is None
    assert unfixable("aws_rds_cluster", "backup_copy") and unfixable("aws_db_instance", "backup_copy") is None


def test_every_cli_template_names_only_placeholders_cli_fix_fills() -> None:
    """{id}, {value}, {attr:KEY} and {value_as:FORM} of VALUE_FORMS: nothing provider-specific in the code."""
    import re

    from scanner.mappings.remediation import VALUE_FORMS, cli_templates

    def texts(entry: object) -> list[str]:
        if isinstance(entry, str):
            return [entry]
        if isinstance(entry, dict) and "writer" not in entry:
            return [t for value in entry.values() for t in texts(value)]
        return []

    seen = set()
    for live_type, facts in cli_templates().items():
        for fact, entry in facts.items():
            for text in texts(entry):
                for slot in re.findall(r"(?<![\"\w]):?\{([a-z_]+(?::\w+)?)\}", text):
                    seen.add(slot.split(":")[0])
                    assert slot in ("id", "value") or slot.startswith("attr:") or (
                        slot.startswith("value_as:") and slot[9:] in VALUE_FORMS), (live_type, fact, slot)
    assert {"id", "value", "attr", "value_as"} <= seen


def test_the_ecs_cli_fixes_fill_the_cluster_and_the_strategy_from_the_table() -> None:
    from scanner.mappings.remediation import cli_fix
    from scanner.model import Origin, Resource

    arn = "arn:aws:ecs:eu-west-1:1:cluster/web"
    service = Resource("aws", "AWS::ECS::Service", "arn:aws:ecs:eu-west-1:1:service/web/api", Origin(account="1"),
                       {"clusterArn": arn, "serviceName": "api"}, format="aws-api", source="live")
    assert cli_fix(service, "instance_count", 3, "api") == \
        f"aws ecs update-service --cluster {arn} --service api --desired-count 3"
    cluster = Resource("aws", "AWS::ECS::Cluster", arn, Origin(account="1"), {"clusterName": "web"},
                       format="aws-api", source="live")
    strategy = [{"provider": "FARGATE", "weight": 1, "base": 2}, {"provider": "FARGATE_SPOT", "weight": 3}]
    assert cli_fix(cluster, "capacity_provider_strategy", strategy, "web") == (
        "aws ecs put-cluster-capacity-providers --cluster web --capacity-providers FARGATE FARGATE_SPOT "
        "--default-capacity-provider-strategy capacityProvider=FARGATE,weight=1,base=2 "
        "capacityProvider=FARGATE_SPOT,weight=3,base=0")
