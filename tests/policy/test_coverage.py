"""Coverage against the catalogue, trustworthy ``sources:``, ``policies show`` and the generated reference."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from scanner.catalog import IAC_SOURCES, requirements, sources_in
from scanner.cli import main
from scanner.policy.coverage import build_matrix, collector_exists, verify_sources
from scanner.policy.docs import render
from scanner.policy.pack import load_policies, parse_policy
from tests.conftest import POLICIES, ROOT

ALL = load_policies([POLICIES])
# Groups whose requirements must all be covered on every IaC source their catalogue row lists (issue 4).
ENABLED_GROUPS = ("CMP", "NET", "TLS", "DB", "K8S", "ORC")
AWAITING_MERGE: set[str] = set()


def test_catalogue_words_become_sources() -> None:
    assert sources_in("aws, k8s") == ("cloudformation", "terraform/aws", "kubernetes", "live/aws")
    assert sources_in("gcp (Cloud NAT), azure") == ("terraform/gcp", "terraform/azure", "arm", "live/gcp",
                                                    "live/azure")
    assert sources_in("cloudformation, terraform, arm, k8s") == IAC_SOURCES
    assert "live/postgres" in sources_in("aws, gcp, azure, live postgres (`ssl`)")
    rows = requirements()
    assert rows["ME-CMP-05"].where == rows["ME-CMP-04"].where  # "same" reads the row above
    assert rows["ME-ORC-01"].iac_sources == ("cloudformation", "terraform/aws")  # from sources.yaml


@pytest.mark.parametrize("policy", ALL, ids=[p.id for p in ALL])
def test_sources_are_proven_by_fixtures(policy) -> None:
    assert verify_sources(policy) == []


def test_a_claim_without_fixtures_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = next(p for p in ALL if p.id == "ME-NET-06")
    copy = tmp_path / "ME-NET-06"
    shutil.copytree(original.directory, copy)
    data = yaml.safe_load((copy / "policy.yaml").read_text())
    # live/aws has a collector (scanner/collectors/aws.py); every live source has one now, so live/kubernetes is
    # made to have none here: only the second is unproven.
    assert collector_exists("live/aws") and collector_exists("live/kubernetes")
    import scanner.policy.coverage

    monkeypatch.setattr(scanner.policy.coverage, "collector_exists", lambda source: source != "live/kubernetes")
    data["sources"] = [*data["sources"], "kubernetes", "live/aws", "live/kubernetes"]
    (copy / "policy.yaml").write_text(yaml.safe_dump(data))
    (copy / "fail" / "azure.tf").unlink()
    (copy / "fail" / "azuredeploy.json").unlink()
    problems = verify_sources(parse_policy(copy / "policy.yaml"))
    assert "ME-NET-06: claims kubernetes but no pass/ fixture in kubernetes complies" in problems
    assert "ME-NET-06: claims arm but no fail/ fixture in arm violates" in problems
    assert "ME-NET-06: claims live/kubernetes but there is no collector for it" in problems
    assert not [p for p in problems if "live/aws" in p]


@pytest.mark.parametrize("group", ENABLED_GROUPS)
def test_every_requirement_is_covered_on_the_iac_sources_its_row_lists(group: str) -> None:
    matrix = build_matrix(ALL, [group])
    assert matrix.rows, f"no requirement in group {group}"
    missing = {row.requirement.id: row.missing_iac for row in matrix.rows
               if row.missing_iac and row.requirement.id not in AWAITING_MERGE}
    assert not missing, f"IaC sources the catalogue lists but no policy fixture covers: {missing}"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))  # in-process: the CLI itself is exercised end to end by test_cli.py
    return code, capsys.readouterr().out


def test_coverage_command_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(capsys, "policies", "coverage", "--group", "NET")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:7] == ["requirement", "cfn", "tf-aws", "tf-gcp", "tf-az", "arm", "k8s"]
    net06 = next(line for line in lines if line.startswith("ME-NET-06")).split()
    assert net06[1:7] == ["✓", "✓", "·", "✓", "✓", "·"] and net06[-1] == "ME-NET-06"
    _, raw = _cli(capsys, "policies", "coverage", "--format", "json", "--group", "TLS", "--group", "NET")
    data = json.loads(raw)
    rows = {r["id"]: r for r in data["requirements"]}
    assert set(rows) == {rid for rid in requirements() if rid.startswith(("ME-TLS", "ME-NET"))}
    assert rows["ME-NET-02"]["covered"]["terraform/gcp"] == ["ME-NET-02", "ME-NET-02-PRIVATE"]
    assert "kubernetes" in rows["ME-TLS-01"]["covered"] and "live/aws" in rows["ME-TLS-01"]["missing"]
    assert data["summary"]["iac_covered"] <= data["summary"]["iac_required"]
    code, _ = _cli(capsys, "policies", "coverage", "--group", "NET", "--check")
    assert code == 0  # every NET requirement is covered on every IaC source its catalogue row lists


def test_show_prints_requirement_guide_parameters_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(capsys, "policies", "show", "ME-DB-04")
    assert code == 0
    assert "requirement ME-DB-04" in out and "Backup and maintenance windows" in out
    assert 'PreferredBackupWindow: "03:00-04:00"' in out  # the guide's sentence
    assert '`maintenance_window` = `sun:04:00-sun:05:00` (string)' in out
    assert "violation: fail/cluster.yaml:7 Cluster — `PreferredBackupWindow: \"07:00-08:00\"`" in out
    assert "proven on: cloudformation, terraform/aws, terraform/gcp, terraform/azure, arm" in out
    assert _cli(capsys, "policies", "show", "ME-NOPE-99")[0] == 2


def test_reference_doc_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert committed == render(ALL), "docs/policies.md is stale: run specdrift policies docs --output docs/policies.md"
    for policy in ALL:
        assert f"### {policy.id}\n" in committed
