"""Every reporter on the one shared set of findings (tests/findings_fixture.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from scanner.model import Severity, Status
from scanner.reporters import REPORTERS
from scanner.reporters.github import annotation
from tests.conftest import ROOT
from tests.findings_fixture import BROKEN, FINDINGS, K8S, TF, reported, sample_report
from tests.sarif_schema import sarif_validator

FAIL_ON = Severity.INFO


def render(fmt: str) -> str:
    return REPORTERS[fmt].render(sample_report(), FAIL_ON, False)


@pytest.mark.parametrize("fmt", REPORTERS.names())
def test_every_format_renders_every_reported_finding(fmt: str) -> None:
    out = render(fmt)
    assert out.endswith("\n")
    shown = [f for f in reported() if not (f.accepted and fmt in ("gitlab", "github"))]
    if fmt == "gitlab":  # code quality is about files: live findings have none
        shown = [f for f in shown if f.file]
    for finding in shown:
        assert finding.resource_address in out or finding.message in out or finding.policy_id in out, \
            (fmt, finding.policy_id, finding.resource_address)


def test_every_format_is_a_reporter_module() -> None:
    for fmt in REPORTERS.names():
        assert hasattr(REPORTERS[fmt], "render")


def test_sarif_is_schema_valid_with_rules_locations_and_suppressions() -> None:
    log = json.loads(render("sarif"))
    sarif_validator().validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert {"ME-DB-02", "ME-K8S-03", "ME-NET-02", "ME-K8S-02", "SD-PARSE", "CKV_GCP_26"} <= set(ids)
    db = rules[ids.index("ME-DB-02")]
    assert db["shortDescription"]["text"].startswith("Automated database backups")
    assert "30d" in db["help"]["text"] and db["properties"]["security-severity"] == "8.0"
    assert rules[ids.index("ME-NET-02")]["properties"]["security-severity"] == "9.5"
    results = run["results"]
    assert len(results) == len(reported())
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["partialFingerprints"]["specdrift/v1"]) == 32
    by_line = {(r["locations"][0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri"),
                r["locations"][0].get("physicalLocation", {}).get("region", {}).get("startLine")): r for r in results}
    tf = by_line[(TF, 12)]
    assert tf["level"] == "error" and tf["kind"] == "fail"
    assert tf["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert "retained_backups = 30" in tf["message"]["markdown"]
    assert by_line[("aws/stack.yaml", 53)]["level"] == "none"  # unknown: kind review, level none
    assert by_line[(K8S, 19)]["properties"]["alsoReportedAs"] == ["CKV_K8S_14", "CKV_K8S_43"]
    assert by_line[(TF, 70)]["suppressions"][0]["status"] == "accepted"
    assert "suppressions" not in by_line[(K8S, 61)]  # expired acceptance: an open alert again
    live = by_line[(None, None)]
    assert live["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("arn:aws:rds")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    assert run["automationDetails"]["id"].startswith("specdrift/")


def test_junit_one_case_per_policy_and_resource() -> None:
    root = ET.fromstring(render("junit"))
    cases = root.findall(".//testcase")
    assert len(cases) == len(FINDINGS)
    totals = {k: int(root.get(k, -1)) for k in ("tests", "failures", "errors", "skipped")}
    # violations: 2 open (ME-DB-02 tf:12, ME-K8S-03 k8s:19), live ME-NET-02, checkov, expired acceptance = 5
    assert totals == {"tests": 9, "failures": 5, "errors": 1, "skipped": 2}
    failure = next(c for c in cases if c.get("line") == "12").find("failure")
    assert failure is not None and failure.get("message", "").startswith("automated backups are kept 7d")
    assert "retained_backups = 30" in (failure.text or "") and "remediation (terraform)" in (failure.text or "")
    accepted = next(c for c in cases if c.get("line") == "70").find("skipped")
    assert accepted is not None and "dba-team" in accepted.get("message", "")
    expired = next(c for c in cases if c.get("line") == "61").find("failure")
    assert expired is not None and "expired on 2020-01-31" in (expired.text or "")
    error = next(c for c in cases if c.get("file") == BROKEN).find("error")
    assert error is not None and "<a & b>" in error.get("message", "")
    suites = {s.get("name", "").split(":")[0]: s for s in root.findall("testsuite")}
    assert suites["ME-DB-02"].get("tests") == "2" and suites["ME-DB-02"].get("failures") == "1"


def test_gitlab_code_quality_issues() -> None:
    issues = json.loads(render("gitlab"))
    assert isinstance(issues, list)
    expected = [f for f in reported() if f.file and not f.accepted]
    assert sorted(i["fingerprint"] for i in issues) == sorted(f.fingerprint for f in expected)
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["lines"]["begin"] >= 1
    by_check = {(i["check_name"], i["location"]["lines"]["begin"]): i for i in issues}
    assert by_check[("ME-DB-02", 12)]["severity"] == "critical"
    assert by_check[("ME-DB-02", 12)]["location"]["path"] == TF
    assert by_check[("ME-NET-02", 53)]["severity"] == "info"  # unknown never blocks
    assert by_check[("CKV_GCP_26", 40)]["engine_name"] == "checkov"
    assert "retained_backups = 30" in by_check[("ME-DB-02", 12)]["content"]["body"]


def test_markdown_comment_verdict_table_and_sections() -> None:
    md = render("markdown")
    first = md.splitlines()[0]
    assert first.startswith("### specdrift: ✗") and "fail the gate" in first
    assert "pinned | see" not in md and "not pinned \\| see 100% of: pods, now" in md  # pipe escaped in a cell
    assert "<details><summary>Fixes to paste" in md and "```hcl" in md
    assert "Unknown: could not be decided (1)" in md
    assert "Accepted by the baseline (1)" in md and "dba-team" in md
    assert "CKV_GCP_26 (unmapped)" in md
    passing = REPORTERS["markdown"].render(sample_report(), Severity.CRITICAL, False)
    assert "✗ 1 finding(s) at or above `critical`" in passing.splitlines()[0]  # only the live critical fails


def test_github_annotations_escape_and_levels() -> None:
    lines = render("github").splitlines()
    assert len(lines) == len([f for f in reported() if not f.accepted])
    tf = next(line for line in lines if f"file={TF},line=12," in line)
    assert tf.startswith("::error ")
    assert "%0AFix (terraform)%3A" not in tf and "%0AFix (terraform):%0A" in tf  # data escapes newlines only
    k8s = next(line for line in lines if "line=19," in line)
    assert k8s.startswith("::warning ") and "100%25 of" in k8s  # % escaped in data
    assert any(line.startswith("::notice ") and "line=53" in line for line in lines)  # unknown
    assert any(line.startswith("::error ") and f"file={BROKEN}" in line for line in lines)  # parse error
    finding = next(f for f in FINDINGS if f.status == Status.UNKNOWN)
    title = annotation(finding, "a,b:c.yaml").split("::")[1]
    assert "file=a%2Cb%3Ac.yaml" in title  # properties escape , and :


def test_json_report_carries_acceptance_and_merged_ids() -> None:
    schema = json.loads((ROOT / "scanner" / "schemas" / "report.schema.json").read_text())
    data = json.loads(render("json"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["summary"]["accepted"] == 1
    assert data["summary"]["failing"] == 5  # violations not accepted (one acceptance expired); errors need strict
    by_line = {(f["location"]["file"], f["location"]["line"]): f for f in data["findings"]}
    assert by_line[(TF, 70)]["acceptance"]["owner"] == "dba-team"
    assert by_line[(K8S, 61)]["acceptance"]["expired"] is True
    assert by_line[(K8S, 19)]["also_reported_as"] == ["CKV_K8S_14", "CKV_K8S_43"]


def test_cell_width_counts_wide_and_combining_characters() -> None:
    from scanner.reporters.text import cell_width

    assert cell_width("abc") == 3 and cell_width("日本") == 4 and cell_width("é") == 1
    assert cell_width("e\u0301") == 1


def test_sarif_rule_help_shows_list_parameters_as_words() -> None:
    from scanner.policy.pack import load_policies
    from scanner.reporters.sarif import _policy_rule
    from tests.conftest import POLICIES

    policy = next(p for p in load_policies([POLICIES]) if p.id == "ME-CDN-02")
    help_text = _policy_rule(policy)["help"]
    assert "use_stale = error, timeout, updating" in help_text["text"]
    assert "['" not in help_text["text"] + help_text["markdown"]
