"""The scan command as CI meets it: SARIF of the bundled example, several outputs in one run, annotations."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from scanner.policy.pack import load_policies
from tests.conftest import EXAMPLE, POLICIES, ROOT, run_cli
from tests.sarif_schema import sarif_validator

EXAMPLE_ARG = str(EXAMPLE.relative_to(ROOT))


def test_sarif_of_the_bundled_example_validates_with_a_rule_per_policy_and_a_location_per_finding() -> None:
    result = run_cli("scan", EXAMPLE_ARG, "--format", "sarif")
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    sarif_validator().validate(log)
    run = log["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert sorted(rule_ids) == sorted(p.id for p in load_policies([POLICIES]))
    report = json.loads(run_cli("scan", EXAMPLE_ARG, "--format", "json").stdout)
    not_compliant = [f for f in report["findings"] if f["status"] != "complies"]
    assert len(run["results"]) == len(not_compliant) > 0
    scanned = {a["location"]["uri"] for a in run["artifacts"]}
    for result_ in run["results"]:
        physical = result_["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert uri in scanned and (ROOT / uri).is_file() and not uri.startswith("/")
        assert physical["region"]["startLine"] >= 1
    image = next(r for r in run["results"] if r["ruleId"] == "ME-K8S-03")
    assert image["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "examples/marketing-engine/kubernetes/deployment.yaml"
    assert image["locations"][0]["physicalLocation"]["region"]["startLine"] == 19


def test_several_formats_and_outputs_in_one_run(tmp_path: Path) -> None:
    sarif, junit, gitlab = tmp_path / "a.sarif", tmp_path / "b.xml", tmp_path / "out" / "cq.json"
    result = run_cli("scan", EXAMPLE_ARG, "--format", "sarif", "--output", str(sarif), "--format", f"junit:{junit}",
                     "--output", str(gitlab), "--format", "gitlab", "--format", "text")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("✗ FAIL")  # text on stdout
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert ET.fromstring(junit.read_text()).tag == "testsuites"
    assert isinstance(json.loads(gitlab.read_text()), list)  # --output before its --format binds to it


def test_two_formats_on_stdout_is_a_usage_error() -> None:
    result = run_cli("scan", EXAMPLE_ARG, "--format", "json", "--format", "sarif")
    assert result.returncode == 2 and "only one format can go to stdout" in result.stderr
    assert run_cli("scan", EXAMPLE_ARG, "--format", "yaml").returncode == 2


def test_github_actions_annotations_go_to_stderr_automatically() -> None:
    result = run_cli("scan", EXAMPLE_ARG, "--format", "json", env={"GITHUB_ACTIONS": "true"})
    json.loads(result.stdout)  # stdout stays the machine report
    notes = [line for line in result.stderr.splitlines() if line.startswith("::")]
    assert any(line.startswith("::error file=examples/marketing-engine/azure/azuredeploy.json,line=61,")
               for line in notes), result.stderr
    assert any(line.startswith("::warning file=examples/marketing-engine/kubernetes/deployment.yaml,line=19,")
               for line in notes)
    quiet = run_cli("scan", EXAMPLE_ARG, "--format", "json", "--annotations", "never", env={"GITHUB_ACTIONS": "true"})
    assert "::error" not in quiet.stderr
    outside = run_cli("scan", EXAMPLE_ARG, "--format", "json", env={"GITHUB_ACTIONS": ""})
    assert "::error" not in outside.stderr
