"""checkov alongside: mapping data, parsing, merging without duplicates, the subprocess, and the real thing.

``data/checkov-example.json`` is checkov 3.3.30's ``-o json`` on the bundled example (failed checks,
trimmed to the fields read; the example's path replaced by ``@EXAMPLE@``). The tests marked live run
the real checkov (``SPECDRIFT_CHECKOV_PATH`` or ``checkov`` on PATH; .ci/run installs one in its own
virtual environment): they skip locally when it is absent and fail under CI.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scanner.checkov.export import export_policies
from scanner.checkov.runner import (
    UNMAPPED,
    check_mapping,
    checkov_reports,
    find_checkov,
    merge,
    native_address,
    parse_output,
    requirements_for,
)
from scanner.model import Status
from scanner.policy.pack import load_policies
from scanner.scan import ScanOptions, scan
from tests.conftest import EXAMPLE, POLICIES, ROOT, run_cli, server_unavailable

RECORDED = ROOT / "tests" / "data" / "checkov-example.json"
CATALOGUE = (ROOT / "scanner" / "catalog" / "requirements.md").read_text(encoding="utf-8")


def recorded_output() -> str:
    return RECORDED.read_text(encoding="utf-8").replace("@EXAMPLE@", str(EXAMPLE))


def real_checkov() -> str:
    """The checkov to run, or skip (locally) / fail (CI) with the reason."""
    found = find_checkov(os.environ.get("SPECDRIFT_CHECKOV_PATH") or "checkov")
    if found is None:
        server_unavailable("checkov is not installed: .ci/run installs it into .ci/.venv-checkov and exports "
                           "SPECDRIFT_CHECKOV_PATH; locally: python3 -m venv /work/venvs/checkov && "
                           "/work/venvs/checkov/bin/pip install checkov==3.3.30")
    assert found is not None
    return found


def test_mapping_names_catalogue_requirements_only() -> None:
    mapping = check_mapping()
    assert mapping["CKV_AWS_17"] == ("ME-NET-02",)
    assert mapping["CKV_K8S_14"] == mapping["CKV_K8S_43"] == ("ME-K8S-03",)
    for check, requirements in mapping.items():
        assert re.fullmatch(r"CKV2?_[A-Z0-9]+_(\d+|\*)", check), check
        for requirement in requirements:
            assert f"| {requirement} |" in CATALOGUE, f"{check} maps to unknown requirement {requirement}"
    assert requirements_for("CKV_SECRET_6") == ("ME-SEC-01",)  # wildcard entry
    assert requirements_for("CKV_DOCKER_2") == ()


@pytest.mark.parametrize(("check_type", "resource", "address", "rtype"), [
    ("kubernetes", "Deployment.marketing-engine.api-server", "marketing-engine/Deployment/api-server", "Deployment"),
    ("cloudformation", "AWS::RDS::DBCluster.RDSCluster", "RDSCluster", "AWS::RDS::DBCluster"),
    ("arm", "Microsoft.DBforPostgreSQL/flexibleServers.pg-1.x", "Microsoft.DBforPostgreSQL/flexibleServers/pg-1.x",
     "Microsoft.DBforPostgreSQL/flexibleServers"),
    ("terraform", "google_sql_database_instance.postgres", "google_sql_database_instance.postgres",
     "google_sql_database_instance"),
])
def test_checkov_resource_names_become_specdrift_addresses(check_type: str, resource: str, address: str,
                                                           rtype: str) -> None:
    assert native_address(check_type, resource) == (address, rtype)


def test_parse_and_merge_recorded_output_folds_duplicates() -> None:
    theirs = parse_output(recorded_output(), load_policies([POLICIES]))
    assert len(theirs) == 59 and all(f.source == "checkov" and f.status == Status.VIOLATES for f in theirs)
    unmapped = [f for f in theirs if not f.requirement_ids]
    assert unmapped and all(UNMAPPED in f.message for f in unmapped)
    k8s14 = next(f for f in theirs if f.policy_id == "CKV_K8S_14")
    assert (k8s14.resource_address, k8s14.line, k8s14.end_line) == ("marketing-engine/Deployment/api-server", 2, 48)
    assert k8s14.file == str(EXAMPLE.relative_to(ROOT) / "kubernetes" / "deployment.yaml")
    own = scan(ScanOptions(paths=[str(EXAMPLE.relative_to(ROOT))])).findings
    merged = merge(own, theirs)
    folded = [cid for f in merged for cid in f.also_reported_as]
    assert len(merged) == len(own) + len(theirs) - len(folded)
    assert {"CKV_K8S_14", "CKV_K8S_43"} <= set(folded)
    image = next(f for f in merged if f.policy_id == "ME-K8S-03" and f.status == Status.VIOLATES)
    assert image.also_reported_as == ("CKV_K8S_14", "CKV_K8S_43")
    assert not [f for f in merged if f.policy_id in ("CKV_K8S_14", "CKV_K8S_43")]


def test_output_of_several_directories_is_several_documents() -> None:
    one = json.dumps({"check_type": "terraform", "results": {"failed_checks": []}})
    many = json.dumps([{"check_type": "kubernetes"}, {"check_type": "arm"}])
    assert [r["check_type"] for r in checkov_reports(f"{one}\n{many}\n")] == ["terraform", "kubernetes", "arm"]
    assert checkov_reports("  \n") == []


def test_merge_keeps_checkov_where_specdrift_is_unknown() -> None:
    own = scan(ScanOptions(paths=[str(EXAMPLE.relative_to(ROOT))])).findings
    unknown = next(f for f in own if f.status == Status.UNKNOWN and f.policy_id == "ME-NET-02")
    fake = json.dumps({"check_type": "cloudformation", "results": {"failed_checks": [{
        "check_id": "CKV_AWS_17", "check_name": "RDS not publicly accessible",
        "resource": f"AWS::RDS::DBCluster.{unknown.resource_address}", "file_abs_path": str(Path(unknown.file or "")
                                                                                          .resolve()),
        "file_line_range": [unknown.line, (unknown.line or 0) + 10]}]}})
    merged = merge(own, parse_output(fake))
    kept = [f for f in merged if f.policy_id == "CKV_AWS_17"]
    assert len(kept) == 1 and kept[0].requirement_ids == ("ME-NET-02",)


def _fake_checkov(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "checkov"
    script.write_text(f"#!{sys.executable}\nimport sys\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_with_checkov_runs_the_configured_executable(tmp_path: Path) -> None:
    out = tmp_path / "recorded.json"
    out.write_text(recorded_output(), encoding="utf-8")
    args_file = tmp_path / "args.txt"
    script = _fake_checkov(tmp_path, f"open({str(args_file)!r}, 'w').write(' '.join(sys.argv[1:]))\n"
                                     f"sys.stdout.write(open({str(out)!r}).read()); sys.exit(1)")
    result = run_cli("scan", "examples/marketing-engine", "--with-checkov", "--checkov-path", str(script),
                     "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    kept = sum(1 for f in report["findings"] if f["source"] == "checkov")
    folded = sum(len(f["also_reported_as"]) for f in report["findings"] if f.get("also_reported_as"))
    assert folded >= 2 and kept + folded == 59  # every recorded checkov finding is kept or folded, none lost
    assert f"checkov: {folded} duplicate(s)" in result.stderr
    called = args_file.read_text()
    assert "-o json" in called and "--skip-download" in called and f"-d {EXAMPLE}" in called


def test_checkov_missing_or_broken_is_an_error_finding(tmp_path: Path) -> None:
    missing = run_cli("scan", "examples/marketing-engine/kubernetes", "--with-checkov", "--checkov-path",
                      str(tmp_path / "nope"), "--format", "json")
    report = json.loads(missing.stdout)
    errors = [f for f in report["findings"] if f["policy_id"] == "SD-CHECKOV"]
    assert len(errors) == 1 and errors[0]["status"] == "error" and "not found" in errors[0]["message"]
    assert missing.returncode == 1  # the image violation; the missing tool alone does not fail without --strict
    strict = run_cli("scan", "examples/marketing-engine/kubernetes", "--with-checkov", "--checkov-path",
                     str(tmp_path / "nope"), "--strict")
    assert strict.returncode == 2 and "checkov not found" in strict.stderr
    broken = _fake_checkov(tmp_path, "print('not json'); sys.exit(1)")
    result = run_cli("scan", "examples/marketing-engine/kubernetes", "--with-checkov", "--checkov-path",
                     str(broken), "--format", "json")
    assert "not JSON" in result.stderr


def test_live_checkov_merge_on_the_bundled_example() -> None:
    checkov = real_checkov()
    result = run_cli("scan", "examples/marketing-engine", "--with-checkov", "--format", "json",
                     env={"SPECDRIFT_CHECKOV_PATH": checkov})
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    theirs = [f for f in findings if f["source"] == "checkov"]
    assert theirs, result.stderr
    assert not [f for f in theirs if f["status"] == "error"], result.stderr
    mapping = check_mapping()
    for finding in theirs:  # each mapped (to what the data says) or marked unmapped
        if finding["requirement_ids"]:
            assert tuple(finding["requirement_ids"]) == requirements_for(finding["policy_id"])
        else:
            assert UNMAPPED in finding["message"] and finding["policy_id"] not in mapping
    ours = [f for f in findings if f["source"] != "checkov"]
    for finding in theirs:  # no duplicate of a specdrift finding: same requirement, resource and file
        for mine in ours:
            if mine["status"] in ("violates", "complies"):
                assert not (set(mine["requirement_ids"]) & set(finding["requirement_ids"])
                            and mine["resource"]["address"] == finding["resource"]["address"]
                            and mine["location"]["file"] == finding["location"]["file"]), (mine, finding)
    image = next(f for f in ours if f["policy_id"] == "ME-K8S-03" and f["status"] == "violates")
    assert {"CKV_K8S_14", "CKV_K8S_43"} <= set(image["also_reported_as"])


def test_export_writes_checkov_policies_and_names_what_it_cannot(tmp_path: Path) -> None:
    result = export_policies(load_policies([POLICIES]), tmp_path)
    exported = {e.policy_id for e in result.exported}
    assert {"ME-DB-02", "ME-K8S-07"} <= exported
    assert "each item" in result.skipped["ME-K8S-03"]
    assert "Python function" in result.skipped["ME-NET-02"]
    assert "computed by 'gcp_sql_backup_retention'" in result.partial["ME-DB-02"]["google_sql_database_instance"]
    for item in result.exported:
        body = yaml.safe_load(item.file.read_text())
        assert body["metadata"]["id"] == item.checkov_id and body["metadata"]["category"]
        text = json.dumps(body["definition"])
        assert '"cond_type": "attribute"' in text and '"resource_types"' in text and '"operator"' in text
    rds = next(e for e in result.exported if e.policy_id == "ME-DB-02" and "aws_db_instance" in e.resource_types)
    definition = yaml.safe_load(rds.file.read_text())["definition"]
    conditions = json.dumps(definition)
    # aws_db_instance defaults to 1 day: a missing attribute must fail, so "exists" and ">= 30" together
    assert json.dumps({"cond_type": "attribute", "resource_types": ["aws_db_instance"],
                       "attribute": "backup_retention_period", "operator": "greater_than_or_equal",
                       "value": 30}) in conditions
    assert '"attribute": "backup_retention_period", "operator": "exists"' in conditions
    # read replicas are gated out by the presence of replicate_source_db (the is_set fact)
    assert '"attribute": "replicate_source_db", "operator": "exists"' in conditions
    # an Aurora member (DBClusterIdentifier set) takes its retention from the cluster: no RDS default there, so
    # a missing BackupRetentionPeriod is the policy's if_missing (skip), not the failing 1-day default
    cfn = next(e for e in result.exported if e.policy_id == "ME-DB-02" and "AWS::RDS::DBInstance" in e.resource_types)
    cfn_conditions = json.dumps(yaml.safe_load(cfn.file.read_text())["definition"])
    assert '"attribute": "DBClusterIdentifier", "operator": "exists"' in cfn_conditions
    cli = run_cli("export", "checkov", str(tmp_path / "cli"))
    assert cli.returncode == 0 and "skipped  ME-K8S-03" in cli.stdout and "exported ME-DB-02" in cli.stdout


def _checkov_failures(checkov: str, checks: Path, targets: list[Path], ids: list[str]) -> set[tuple[str, str, str]]:
    """(check ID, file path, specdrift address) of every failure of ``ids`` in one checkov run over ``targets``."""
    command = [checkov, "--external-checks-dir", str(checks), "--check", ",".join(ids), "-o", "json", "--compact",
               "--quiet", "--skip-download", "--framework", "terraform", "cloudformation", "kubernetes", "arm"]
    for target in targets:
        command += ["-d", str(target)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"})
    assert done.returncode in (0, 1), done.stderr[-2000:]
    out = set()
    for report in checkov_reports(done.stdout):
        for check in report.get("results", {}).get("failed_checks", []):
            address, _ = native_address(report["check_type"], check["resource"])
            out.add((check["check_id"], str(Path(check["file_abs_path"]).resolve()), address))
    return out


def test_live_exported_policies_agree_with_specdrift_on_the_fixtures(tmp_path: Path) -> None:
    """checkov running the exported policies flags what specdrift's fail fixtures violate, and no pass fixture."""
    checkov = real_checkov()
    result = export_policies(load_policies([POLICIES]), tmp_path / "checks")
    policies = [p for p in load_policies([POLICIES]) if p.id in {e.policy_id for e in result.exported}]
    assert {"ME-DB-02", "ME-K8S-07"} <= {p.id for p in policies}
    targets = [p.directory / kind for p in policies for kind in ("pass", "fail")]
    failures = _checkov_failures(checkov, tmp_path / "checks", targets, [e.checkov_id for e in result.exported])
    for policy in policies:
        items = [e for e in result.exported if e.policy_id == policy.id]
        types = {t for e in items for t in e.resource_types}
        ids = {e.checkov_id for e in items}
        for kind in ("pass", "fail"):
            report = scan(ScanOptions(paths=[str(policy.directory / kind)], policy_dirs=[POLICIES],
                                      policies=[policy.id]))
            decided = {(str(Path(f.file or "").resolve()), f.resource_address, f.status) for f in report.findings
                       if f.resource_type in types}
            wanted = {(file, address) for file, address, status in decided if status == Status.VIOLATES}
            allowed = wanted | {(file, address) for file, address, status in decided if status == Status.UNKNOWN}
            folder = str((policy.directory / kind).resolve())
            got = {(file, address) for check, file, address in failures
                   if check in ids and file.startswith(folder + os.sep)}
            assert wanted <= got <= allowed, (policy.id, kind, wanted, got)
            if kind == "fail":
                assert wanted, f"{policy.id}: no exportable violation in the fail fixtures to compare"
