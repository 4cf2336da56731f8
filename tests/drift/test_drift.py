"""``specdrift collect`` and ``specdrift drift`` end to end, on the scenario deployed in moto and then drifted."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.aws_env import TEMPLATE, aws_env, deploy, drift, moto_server
from tests.conftest import ROOT, run_cli

pytest.importorskip("boto3")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The compliant deployment snapshotted, then drifted; yields the endpoint and both snapshots."""
    out = tmp_path_factory.mktemp("drift")
    saved = dict(os.environ)
    os.environ.update(aws_env())
    try:
        with moto_server() as url:
            dep = deploy(url)
            compliant = out / "compliant.json"
            done = run_cli("collect", "aws", "--endpoint-url", url, "--out", str(compliant), env=aws_env())
            assert done.returncode == 0, done.stderr
            drift(dep)
            drifted = out / "drifted.json"
            done = run_cli("collect", "aws", "--endpoint-url", url, "--out", str(drifted), env=aws_env())
            assert done.returncode == 0, done.stderr
            # Read AWS directly once (the CLI path users run); the tests below judge its output.
            aws_run = run_cli("drift", "--iac", str(TEMPLATE), "--aws", "--endpoint-url", url, "--format", "json",
                              env=aws_env())
            yield {"url": url, "dep": dep, "compliant": compliant, "drifted": drifted, "aws_run": aws_run}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _json(done: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(done.stdout)
    import jsonschema

    schema = json.loads((ROOT / "scanner" / "schemas" / "drift-report.schema.json").read_text())
    jsonschema.validate(data, schema)
    return data


def _item(report: dict[str, Any], status: str, name: str) -> dict[str, Any]:
    for item in report["items"]:
        side = item["declared"] or item["live"] or {}
        if item["status"] == status and str(side.get("address", "")).endswith(name):
            return item
    seen = [(i["status"], (i["declared"] or i["live"] or {}).get("address")) for i in report["items"]]
    raise AssertionError(f"no {status} item {name}: {seen}")


def _requirement(item: dict[str, Any], policy: str) -> dict[str, Any]:
    return next(r for r in item["requirements"] if r["policy_id"] == policy)


def test_compliant_deployment_has_no_drift_and_exits_0(scenario: dict[str, Any]) -> None:
    # The whole shipped pack, on both sides: the template complies with the guide and so does what runs.
    done = run_cli("drift", "--iac", str(TEMPLATE), "--live", str(scenario["compliant"]), "--format", "json",
                   env=aws_env())
    assert done.returncode == 0, done.stdout[-3000:]
    report = _json(done)
    summary = report["summary"]
    assert (summary["changed"], summary["missing"], summary["unmanaged"], summary["failing"]) == (0, 0, 0, 0)
    assert summary["in_sync"] >= 20
    # The one thing it cannot compare is a parameter without a default: unknown, with the reason.
    unknown = [i for i in report["items"] if i["status"] == "unknown"]
    assert [(i["declared"]["address"], i["differences"][0]["fact"]) for i in unknown] == [
        ("HttpsListener", "certificate")]
    assert "CertificateArn" in unknown[0]["differences"][0]["reason"]
    cluster = _item(report, "in_sync", "RDSCluster")
    assert cluster["matched_by"] == "tag aws:cloudformation:logical-id=RDSCluster"
    assert _item(report, "in_sync", "VPC")["matched_by"].startswith("stack marketing-engine")
    # The pack judges live state as it judges the template, following live IDs between resources (a subnet's
    # route table, the balancer's listeners, subnets and CDN, a cluster's instances, a group's users).
    live = {(i["declared"]["address"], r["policy_id"]): r["live"] for i in report["items"]
            if i["declared"] and i["live"] for r in i["requirements"] if r["live"]}
    for key in (("PrivateSubnetA", "ME-NET-04"), ("PublicSubnetA", "ME-NET-03"), ("VPC", "ME-NET-01"),
                ("ApplicationLoadBalancer", "ME-NET-05"), ("ApplicationLoadBalancer", "ME-NET-06"),
                ("ApplicationLoadBalancer", "ME-NET-07"), ("ALBSecurityGroup", "ME-NET-08"),
                ("HttpsListener", "ME-TLS-02"), ("HttpListener", "ME-TLS-01"), ("RDSCluster", "ME-DB-04"),
                ("RDSCluster", "ME-DB-06"), ("RDSInstanceB", "ME-CMP-04"), ("RedisReplicationGroup", "ME-RED-08"),
                ("ECSCluster", "ME-ORC-01"), ("ApiTaskDefinition", "ME-CMP-01"), ("BackupBucket", "ME-BAK-03")):
        assert live[key]["verdict"] == "complies", (key, live[key])
    # What stays unknown live is what the collector does not read (AWS Backup, DB subnet and parameter
    # groups) or moto does not answer (an ElastiCache group's member clusters), each saying so.
    unknown_live = {k: v["message"] for k, v in live.items() if v["verdict"] == "unknown"}
    assert sorted(unknown_live) == [("RDSCluster", "ME-DB-07"), ("RDSCluster", "ME-NET-02-PRIVATE"),
                                    ("RDSCluster", "ME-TLS-03"), ("RedisReplicationGroup", "ME-NET-02-PRIVATE")]
    assert "AWS Backup" in unknown_live[("RDSCluster", "ME-DB-07")]
    assert "not among the collected live resources" in unknown_live[("RDSCluster", "ME-TLS-03")]
    assert "DescribeCacheClusters" in unknown_live[("RedisReplicationGroup", "ME-NET-02-PRIVATE")]


def test_drifted_deployment_reports_every_planted_difference(scenario: dict[str, Any]) -> None:
    done = scenario["aws_run"]
    assert done.returncode == 1, done.stderr
    report = _json(done)
    physical = scenario["dep"].physical

    cluster = _item(report, "changed", "RDSCluster")
    assert [(d["fact"], d["declared"], d["live"]) for d in cluster["differences"]] == [
        ("backup_retention", "30d", "7d")]
    retention = _requirement(cluster, "ME-DB-02")
    assert retention["required"] == ">= 30d"
    assert (retention["declared"]["value"], retention["declared"]["verdict"]) == ("30d", "complies")
    assert (retention["live"]["value"], retention["live"]["verdict"]) == ("7d", "violates")
    fixes = {(f["direction"], f["fact"]): f["snippet"] for f in cluster["remediation"]}
    assert fixes[("cloud", "backup_retention")] == (
        f"aws rds modify-db-cluster --db-cluster-identifier {physical['RDSCluster']} --backup-retention-period 30 "
        "--apply-immediately")
    assert ("iac", "backup_retention") not in fixes  # the IaC is right; only the cloud needs fixing

    public = _item(report, "changed", "RDSInstanceA")
    assert [(d["fact"], d["declared"], d["live"]) for d in public["differences"]] == [
        ("publicly_accessible", "false", "true")]
    exposure = _requirement(public, "ME-NET-02")
    assert (exposure["required"], exposure["declared"]["verdict"], exposure["live"]["verdict"]) == (
        "false", "complies", "violates")
    assert {f["snippet"] for f in public["remediation"]} == {
        f"aws rds modify-db-instance --db-instance-identifier {physical['RDSInstanceA']} --no-publicly-accessible "
        "--apply-immediately"}

    http = _item(report, "changed", "HttpListener")
    assert [(d["fact"], d["declared"], d["live"]) for d in http["differences"]] == [
        ("redirects_to_https", "true", "false")]
    redirect = _requirement(http, "ME-TLS-01")
    assert (redirect["required"], redirect["declared"]["verdict"], redirect["live"]["verdict"]) == (
        "redirect to HTTPS", "complies", "violates")
    assert "--default-actions 'Type=redirect,RedirectConfig={Protocol=HTTPS" in http["remediation"][0]["snippet"]
    # The load balancer itself (ME-NET-05): the template gives it an HTTPS listener and a redirect; live, the
    # HTTPS listener is gone and port 80 forwards. Its own facts did not change, so it is not "changed".
    balancer = _item(report, "in_sync", "ApplicationLoadBalancer")
    tls = _requirement(balancer, "ME-NET-05")
    assert (tls["declared"]["verdict"], tls["live"]["verdict"]) == ("complies", "violates")
    assert "HTTP:80" in tls["live"]["message"]

    https = _item(report, "missing", "HttpsListener")
    assert https["live"] is None and physical["HttpsListener"] in https["note"]
    reader = _item(report, "missing", "RDSInstanceC")
    assert _requirement(reader, "ME-NET-02")["declared"]["verdict"] == "complies"
    assert reader["remediation"][0]["snippet"].startswith("aws cloudformation deploy --template-file")
    assert "--stack-name marketing-engine" in reader["remediation"][0]["snippet"]

    legacy = _item(report, "unmanaged", "cluster:legacy-reporting")
    assert legacy["declared"] is None
    assert (_requirement(legacy, "ME-DB-02")["live"]["value"], _requirement(legacy, "ME-DB-02")["live"]["verdict"]) \
        == ("1d", "violates")

    summary = report["summary"]
    assert (summary["changed"], summary["missing"], summary["unmanaged"]) == (3, 2, 1)
    # Nothing else drifted, and nothing is reported compliant on the live side without a live resource.
    for item in report["items"]:
        for row in item["requirements"]:
            if item["live"] is None and row["live"] is not None:
                assert row["live"]["verdict"] != "complies"


def test_a_snapshot_gives_the_same_report_as_reading_aws(scenario: dict[str, Any]) -> None:
    live = scenario["aws_run"]
    offline = run_cli("drift", "--iac", str(TEMPLATE), "--live", str(scenario["drifted"]), "--format", "json",
                      env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert live.returncode == offline.returncode == 1
    assert _json(live)["items"] == _json(offline)["items"]


def test_text_report_shows_declared_live_required_and_both_fixes(scenario: dict[str, Any]) -> None:
    done = run_cli("drift", "--iac", str(TEMPLATE), "--live", str(scenario["drifted"]), "--quiet",
                   env={"COLUMNS": "240"})
    assert done.returncode == 1
    text = done.stdout
    assert "[changed] RDSCluster" in text and "[missing] HttpsListener" in text and "[unmanaged]" in text
    row = next(line for line in text.splitlines() if line.startswith("backup_retention"))
    assert row.split()[:5] == ["backup_retention", "30d", "7d", ">=", "30d"]
    assert "fix the cloud (aws-cli)" in text and "fix the IaC" in text
    assert "3 changed, 2 missing, 1 unmanaged" in text


def test_bad_inputs_are_tool_errors(tmp_path: Path) -> None:
    missing = run_cli("drift", "--iac", str(TEMPLATE), "--live", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    bogus = tmp_path / "bogus.json"
    bogus.write_text(json.dumps({"schema_version": "1.0"}))
    invalid = run_cli("drift", "--live", str(bogus))
    assert invalid.returncode == 2 and "not a specdrift live snapshot" in invalid.stderr
    no_creds = run_cli("collect", "aws", "--region", "us-east-1", env={
        **{k: "" for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")},
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"})
    assert no_creds.returncode == 2 and "no AWS credentials" in no_creds.stderr
    no_profile = run_cli("collect", "aws", "--profile", "no-such-profile", env={
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    assert no_profile.returncode == 2 and "no-such-profile" in no_profile.stderr


@pytest.mark.parametrize("depth", [150, 1000, 100_000])
def test_a_snapshot_or_state_nested_too_deeply_is_a_one_line_error_not_a_crash(tmp_path: Path, depth: int) -> None:
    """Nesting past what any walk of live values can take is refused with its reason (issue 17)."""
    text = (ROOT / "tests" / "history" / "redis-snapshot.json").read_text()
    at = text.index('"attributes": {') + len('"attributes": {')
    deep = "[" * depth + "]" * depth
    snapshot = tmp_path / "deep.json"
    snapshot.write_text(text[:at] + f'"deep": {deep}, ' + text[at:])
    state = tmp_path / "terraform.tfstate"
    state.write_text('{"version": 4, "resources": [{"mode": "managed", "type": "aws_s3_bucket", "name": "b", '
                     f'"instances": [{{"attributes": {{"id": "b", "deep": {deep}}}}}]}}]}}')
    for args in (["--live", str(snapshot)], ["--live", str(ROOT / "tests" / "history" / "redis-snapshot.json"),
                                             "--tf-state", str(state)]):
        result = run_cli("drift", *args)
        assert result.returncode == 2, result.stderr
        assert "nested more than 100 deep" in result.stderr and "internal error" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_snapshot_nested_just_within_the_limit_is_read() -> None:
    from scanner.collectors.snapshot import MAX_NESTING, nesting

    assert nesting({"a": [[{"b": 1}]]}, MAX_NESTING) == 4 and nesting(1, MAX_NESTING) == 0
    assert nesting([[]] * 3, 1) == 2  # stops as soon as the limit is passed
