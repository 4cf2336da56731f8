"""The guide's monitoring, backup, DR, CDN and load-test files as the README's first command reports them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLE, ROOT, run_cli


@pytest.fixture(scope="module")
def report() -> dict:
    result = run_cli("scan", str(EXAMPLE.relative_to(ROOT)), "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    return json.loads(result.stdout)


def _results(report: dict, policy: str, file_suffix: str) -> list[tuple]:
    return sorted((f["status"], f["location"]["line"], f["resource"]["address"], f["observed"])
                  for f in report["findings"]
                  if f["policy_id"] == policy and (f["location"]["file"] or "").endswith(file_suffix))


def test_new_formats_are_recognised(report: dict) -> None:
    formats = {path.split("marketing-engine/", 1)[1]: fmt for path, fmt in
               ((f["path"], f["format"]) for f in report["files"])}
    assert formats["backup/backup.sh"] == "shell"
    assert formats["cdn/nginx-cdn.conf"] == "nginx"
    assert formats["dr/disaster-recovery.yaml"] == "dr-config"
    assert formats["loadtest/k6-load-test.js"] == "k6"
    assert formats["monitoring/grafana-dashboard.json"] == "grafana"
    assert formats["monitoring/prometheus.yaml"] == "prometheus"
    assert not [f for f in report["findings"] if f["status"] == "error"]


def test_backup_script_pipeline_and_status_test_are_violations_at_their_lines(report: dict) -> None:
    violations = [f for f in report["findings"] if f["policy_id"] == "ME-BAK-02" and f["status"] == "violates"]
    by_line = {f["location"]["line"]: f for f in violations}
    assert sorted(by_line) == [10, 19]
    pipe, test = by_line[10], by_line[19]
    assert pipe["resource"]["address"] == "pipeline pg_dump | gzip"
    assert pipe["observed"] == "pg_dump" and "pipefail" in pipe["message"]
    assert "set -euo pipefail" in pipe["remediation"]["snippet"]
    assert "tests find (line 16)" in test["message"]
    assert test["observed"] == "pg_dump | gzip (line 10), aws s3 cp (line 13)"
    assert "set -euo pipefail" in test["remediation"]["snippet"]
    # the upload and the 7-day pruning are there (ME-BAK-01)
    assert _results(report, "ME-BAK-01", "backup.sh") == [("complies", 13, "backup.sh", "aws s3 cp")]


def test_compliant_guide_files_say_so_at_the_setting(report: dict) -> None:
    assert _results(report, "ME-MON-01", "prometheus.yaml") == [("complies", 3, "prometheus", "15s")]
    dashboard = _results(report, "ME-MON-02", "grafana-dashboard.json")
    assert [(s, line) for s, line, _, _ in dashboard] == [("complies", 4)]
    assert dashboard[0][3] == ["API Request Rate", "Response Time P95", "Database Connections", "Redis Memory Usage"]
    assert _results(report, "ME-MON-03", "k6-load-test.js") == [("complies", 16, "options", 500)]
    assert _results(report, "ME-DR-01", "disaster-recovery.yaml") == [("complies", 3, "disaster_recovery", "1h")]
    assert _results(report, "ME-DR-02", "disaster-recovery.yaml") == [
        ("complies", 12, "disaster_recovery", "streaming")]
    assert _results(report, "ME-DR-03", "disaster-recovery.yaml") == [("complies", 19, "disaster_recovery", "true")]
    cdn = _results(report, "ME-CDN-01", "nginx-cdn.conf") + _results(report, "ME-CDN-02", "nginx-cdn.conf")
    assert [(s, line, obs) for s, line, _, obs in cdn] == [("complies", 3, "1y"), ("complies", 10, "api_cache")]


def test_secret_references_in_the_guide_comply(report: dict) -> None:
    sec = [f for f in report["findings"] if f["policy_id"] == "ME-SEC-01"]
    assert {f["status"] for f in sec} == {"complies"}
    where = {(f["location"]["file"].rsplit("/", 1)[-1], f["location"]["line"], f["resource"]["address"]) for f in sec}
    assert ("cloudformation.yaml", 59, "MasterUserPassword") in where
    assert ("sealed-secret.yaml", 11, "password") in where
    assert ("redis.conf", 5, "requirepass") in where
