"""The CLI as a user meets it: the README's first command, JSON against its schema, exit codes, colour."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from scanner import __version__
from tests.conftest import EXAMPLE, ROOT, run_cli

REPORT_SCHEMA = json.loads((ROOT / "scanner" / "schemas" / "report.schema.json").read_text())


def _json_scan(*extra: str) -> tuple[dict, int]:
    result = run_cli("scan", str(EXAMPLE.relative_to(ROOT)), "--format", "json", *extra)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout), result.returncode


def _find(report: dict, policy: str, status: str, file_suffix: str) -> list[dict]:
    return [f for f in report["findings"] if f["policy_id"] == policy and f["status"] == status
            and (f["location"]["file"] or "").endswith(file_suffix)]


def test_version_and_help() -> None:
    assert run_cli("--version").stdout.strip() == f"specdrift {__version__}"
    helped = run_cli("--help")
    assert helped.returncode == 0 and "scan" in helped.stdout and "exit codes" in helped.stdout
    assert run_cli().returncode == 2


def test_example_scan_text_exits_1_with_true_findings() -> None:
    result = run_cli("scan", "examples/marketing-engine")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "marketingengine/api:latest" in out
    assert "examples/marketing-engine/kubernetes/deployment.yaml" in out
    assert "\x1b[" not in out  # NO_COLOR honoured / not a terminal
    verdict, summary = out.splitlines()[:2]
    assert verdict.startswith("✗ FAIL") and verdict == out.rstrip().splitlines()[-1]
    assert "violate" in summary and "comply" in summary, summary


def test_example_findings_at_the_right_lines() -> None:
    report, code = _json_scan()
    assert code == 1
    latest = _find(report, "ME-K8S-03", "violates", "kubernetes/deployment.yaml")
    assert [(f["location"]["line"], f["observed"]) for f in latest] == [(19, "marketingengine/api:latest")]
    assert latest[0]["remediation"]["snippet"].startswith("kubectl set image deployment/api-server")
    aurora = _find(report, "ME-DB-02", "complies", "aws/cloudformation.yaml")
    assert [(f["resource"]["address"], f["location"]["line"], f["observed"]) for f in aurora] == \
        [("RDSCluster", 65, "30d")]
    azure = _find(report, "ME-DB-02", "complies", "azure/azuredeploy.json")
    assert [(f["location"]["line"], f["observed"]) for f in azure] == [(74, "30d")]
    cloudsql = _find(report, "ME-DB-02", "violates", "gcp/main.tf")
    assert [(f["location"]["line"], f["observed"], f["expected"]) for f in cloudsql] == [(103, "7d", ">= 30d")]
    assert "retained_backups = 30" in cloudsql[0]["remediation"]["snippet"]
    replicas = _find(report, "ME-K8S-02", "complies", "kubernetes/deployment.yaml")
    assert [(f["location"]["line"], f["observed"]) for f in replicas] == [(8, 3)]


def test_json_output_validates_against_shipped_schema() -> None:
    report, _ = _json_scan()
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["summary"]["findings"] == len(report["findings"]) > 0


def test_fail_on_threshold_changes_exit_code() -> None:
    _, code = _json_scan("--fail-on", "critical")
    assert code == 1  # the Azure server's public endpoint is critical
    _, code = _json_scan("--fail-on", "critical", "--skip-policy", "ME-NET-*")
    assert code == 0


def test_policy_selection_by_tag_and_wildcard() -> None:
    from scanner.policy.pack import load_policies

    tagged = {p.id for p in load_policies() if "kubernetes" in p.tags}
    report, _ = _json_scan("--policy", "kubernetes")
    selected = {f["policy_id"] for f in report["findings"]}
    assert {"ME-K8S-02", "ME-K8S-03"} <= selected <= tagged
    from scanner.scan import ScanOptions, scan

    wildcard = scan(ScanOptions(paths=[str(EXAMPLE)], policies=["ME-NET-0?"], skip_policies=["ME-NET-02*"]))
    assert {f.policy_id for f in wildcard.findings} == {"ME-NET-01", "ME-NET-03", "ME-NET-04", "ME-NET-05",
                                                        "ME-NET-06", "ME-NET-07", "ME-NET-09"}


def test_output_file_and_stdout_stays_clean(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run_cli("scan", "examples/marketing-engine", "--format", "json", "--output", str(out))
    assert result.stdout == ""
    assert json.loads(out.read_text())["tool"]["name"] == "specdrift"


def test_usage_errors_exit_2() -> None:
    assert run_cli("scan", "does/not/exist").returncode == 2
    assert run_cli("scan", "examples", "--format", "yaml").returncode == 2


def test_policies_list_and_show() -> None:
    listed = run_cli("policies", "list")
    assert listed.returncode == 0 and "ME-DB-02" in listed.stdout
    shown = run_cli("policies", "show", "ME-DB-02")
    assert "min_retention" in shown.stdout and "30d" in shown.stdout
    assert run_cli("policies", "show", "ME-XX-99").returncode == 2


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """``specdrift scan ... | head``: the command ends quietly, exit 2 (the report was not delivered)."""
    import subprocess
    import sys

    from benchmarks import generate

    corpus = generate.terraform(tmp_path / "tf", 200, files=20)  # megabytes of JSON: more than a pipe holds
    command = [sys.executable, "-m", "scanner", "scan", str(corpus.root), "--format", "json"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(64).startswith(b"{")
        process.stdout.close()
        errors = process.stderr.read().decode()
        assert process.wait(timeout=120) == 2
    assert "Traceback" not in errors and "Exception ignored" not in errors and "internal error" not in errors, errors


def test_a_missing_var_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("scan", "examples/marketing-engine/gcp", "--var-file", str(tmp_path / "absent.tfvars"))
    assert result.returncode == 2 and "absent.tfvars" in result.stderr and "Traceback" not in result.stderr
