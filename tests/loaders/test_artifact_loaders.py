"""Loaders for monitoring, backup, DR, edge and Terraform plan files: claims, lines, and the analyses behind them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scanner.loaders import load_file
from scanner.loaders.k6 import JsSyntaxError, options_literal
from scanner.mappings import load_paths
from scanner.model import Status, Unresolved
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from scanner.schedules import longest_gap
from tests.conftest import EXAMPLE, POLICIES


def _load(tmp_path: Path, name: str, text: str) -> tuple[str | None, list]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    fmt, result = load_file(path)
    assert not result.errors, result.errors
    return fmt, [r for r in load_paths([path]).resources if r.type != "credential"]


# -- content claims: plain YAML is claimed by its own keys only -----------------------------------------------

@pytest.mark.parametrize(("name", "text", "fmt"), [
    ("prometheus.yml", "global:\n  scrape_interval: 15s\n", "prometheus"),
    ("rules.yaml", "groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up == 0\n", "prometheus"),
    ("rule-crd.yaml", "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n"
                      "spec:\n  groups: []\n", "prometheus"),
    ("mixed.yaml", "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n---\n"
                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "kubernetes"),
    ("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: prom}\ndata:\n  prometheus.yml: |\n"
                       "    global:\n      scrape_interval: 15s\n    scrape_configs: []\n", "kubernetes"),
    ("stack.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"
                   "groups:\n  - rules:\n    - alert: x\n      expr: y\n", "cloudformation"),
    ("plan.yaml", "disaster_recovery:\n  rpo: 1h\n", "dr-config"),
    ("nested.yaml", "app:\n  disaster_recovery:\n    rpo: 1h\n", None),
    ("dash.json", '{"title": "x", "schemaVersion": 39, "panels": []}', "grafana"),
    ("cm.json", '{"data": {"d.json": "{\\"panels\\": [], \\"schemaVersion\\": 1}"}}', None),
    ("tfplan.json", '{"format_version": "1.2", "planned_values": {"root_module": {}}}', "terraform-plan"),
    ("site.conf", "server {\n  listen 80;\n}\n", "nginx"),
    ("redis.conf", "port 6379\nsave 900 1\n", "redis_conf"),  # not nginx, not plaintext
    ("run", "#!/usr/bin/env bash\necho hi\n", "shell"),
    ("load.js", "import http from 'k6/http';\nexport const options = {};\n", "k6"),
    ("app.js", "export const options = {};\n", None),
])
def test_claims_by_content(tmp_path: Path, name: str, text: str, fmt: str | None) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert load_file(path)[0] == fmt


# -- Prometheus ------------------------------------------------------------------------------------------------

def test_prometheus_alert_rules_one_resource_per_alert(tmp_path: Path) -> None:
    _, resources = _load(tmp_path, "alerts.yaml", (
        "groups:\n  - name: pg\n    rules:\n      - record: x:y\n        expr: sum(y)\n"
        "      - alert: PgLag\n        expr: pg_replication_lag_seconds > 45\n        for: 2m\n"
        "        labels: {severity: critical}\n      - alert: PgLagBytes\n        expr: pg_wal_lsn_diff_bytes > 1e9\n"))
    alerts = {r.address: r for r in resources}
    assert set(alerts) == {"pg/PgLag", "pg/PgLagBytes"}
    lag = alerts["pg/PgLag"]
    assert lag.origin.line == 6 and lag.fact_lines["lag_alert_threshold"] == 7
    assert str(lag.facts["lag_alert_threshold"]) == "45s" and lag.facts["severity"] == "critical"
    assert lag.facts["for"].value == 120
    assert isinstance(alerts["pg/PgLagBytes"].facts["lag_alert_threshold"], Unresolved)


@pytest.mark.parametrize(("expr", "threshold"), [
    # the outer comparison decides when the alert fires; the inner `> 0` only filters the series it joins
    ("( (mysql_slave_status_seconds_behind_master - mysql_slave_status_sql_delay) and ON (instance) "
     "mysql_slave_status_master_server_id > 0 ) > 30", "30s"),
    ("pg_replication_lag_seconds > 45 and pg_up > 0", None),  # two comparisons at the top: not read
])
def test_prometheus_lag_threshold_is_the_outermost_comparison(tmp_path: Path, expr: str, threshold: str | None) -> None:
    _, (alert,) = _load(tmp_path, "alerts.yaml", f"groups:\n  - name: g\n    rules:\n      - alert: ReplicationLag\n"
                                                 f"        expr: '{expr}'\n")
    found = alert.facts["lag_alert_threshold"]
    if threshold is None:
        assert isinstance(found, Unresolved)
    else:
        assert str(found) == threshold


# -- Grafana ---------------------------------------------------------------------------------------------------

def test_grafana_rows_flattened_with_panel_lines(tmp_path: Path) -> None:
    text = json.dumps({"title": "d", "schemaVersion": 39, "panels": [
        {"type": "row", "title": "r", "panels": [{"title": "inner", "targets": [{"expr": "up"}]}]},
        {"title": "outer", "targets": [{"expr": "a"}, {"rawSql": "select 1"}]}]}, indent=2)
    _, (dash,) = _load(tmp_path, "d.json", text)
    panels = dash.facts["panels"]
    assert [(p["title"], list(p["queries"])) for p in panels] == [("inner", ["up"]), ("outer", ["a", "select 1"])]
    lines = text.splitlines()
    assert '"title": "inner"' in lines[panels[0].line] or '"title": "inner"' in lines[panels[0].line - 1]


# -- k6 --------------------------------------------------------------------------------------------------------

def test_k6_options_literal_and_what_is_not_read() -> None:
    options, line = options_literal(
        "// export const options = {thresholds: {}}\nconst t = `x ${1 + 2}`;\nconst r = /[/]\\//g;\n"
        "export const options = {\n  thresholds: {\n    'http_req_duration{type:api}': ['p(95)<300'],\n"
        "    http_req_failed: [{ threshold: 'rate<0.02', abortOnFail: true }],\n    checks: limits.checks,\n  },\n"
        "  ...shared,\n};\n")
    assert line == 4 and isinstance(options, dict)
    thresholds = options["thresholds"]
    assert thresholds["http_req_failed"] == [{"threshold": "rate<0.02", "abortOnFail": True}]
    assert thresholds.key_lines["http_req_failed"] == 7
    assert thresholds["checks"] == Unresolved("limits.checks", "computed in the script; only literals are read")
    assert isinstance(options["...shared"], Unresolved)
    with pytest.raises(JsSyntaxError) as error:
        options_literal("export const options = {\n  a: 'x,\n};\n")
    assert error.value.line == 2


def test_k6_tagged_thresholds_do_not_count_as_the_overall_p95(tmp_path: Path) -> None:
    _, (k6,) = _load(tmp_path, "t.js", "import http from 'k6/http';\nexport let options = {\n  thresholds: {\n"
                                      "    'http_req_duration{name:x}': ['p(95)<300'],\n  },\n};\n")
    assert "p95_ms" not in k6.facts
    finding = Engine([p for p in load_policies([POLICIES]) if p.id == "ME-MON-03"]).run([k6])[0]
    assert finding.status == Status.VIOLATES and finding.line == 2


def test_k6_script_without_options_is_a_load_test_without_thresholds(tmp_path: Path) -> None:
    # k6 runs a script that exports no options with its defaults: no thresholds, so nothing ever fails the run
    _, (k6,) = _load(tmp_path, "get.js", "import http from 'k6/http';\n\nexport default function () {\n"
                                        "  http.get('https://example.com');\n}\n")
    assert k6.address == "options" and "p95_ms" not in k6.facts
    finding = Engine([p for p in load_policies([POLICIES]) if p.id == "ME-MON-03"]).run([k6])[0]
    assert finding.status == Status.VIOLATES


@pytest.mark.parametrize("text", [
    "import { check } from 'k6';\nexport function helper() {}\n",  # a helper module: not a test by itself
    "export default function () {}\n",  # no k6 import
])
def test_k6_scripts_that_are_not_load_tests_are_not_claimed(tmp_path: Path, text: str) -> None:
    path = tmp_path / "lib.js"
    path.write_text(text)
    assert load_file(path)[0] is None


# -- cron ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "gap"), [
    ("0 * * * *", dt.timedelta(hours=1)), ("*/15 * * * *", dt.timedelta(minutes=15)),
    ("0 2 * * 0", dt.timedelta(days=7)), ("0 2 * * sun", dt.timedelta(days=7)), ("30 1 * * 1-5", dt.timedelta(days=3)),
    ("0 0 1 * *", dt.timedelta(days=31)), ("0 3,15 * * *", dt.timedelta(hours=12)), ("@daily", dt.timedelta(days=1)),
    ("0 0 29 2 *", dt.timedelta(days=4 * 366)), ("0 0 1,15 * 1", None),
    ("0 0 31 2 *", None), ("61 * * * *", None), ("0 0 L * *", None), ("0 * * *", None),
])
def test_longest_gap(expression: str, gap: dt.timedelta | None) -> None:
    result = longest_gap(expression)
    if expression == "0 0 1,15 * 1":  # day-of-month OR Monday: at most 7 days apart
        assert result is not None and result <= dt.timedelta(days=7)
        return
    assert result == gap


# -- shell -----------------------------------------------------------------------------------------------------

def _shell(tmp_path: Path, text: str) -> dict[str, object]:
    _, resources = _load(tmp_path, "job.sh", text)
    return {r.address: r for r in resources}


def test_shell_options_from_set_and_shebang(tmp_path: Path) -> None:
    for text, expected in [
        ("#!/bin/bash\nset -euo pipefail\n", (True, True, True)),
        ("#!/bin/bash\nset -e\nset -o pipefail\nset +e\n", (False, False, True)),
        ("#!/bin/bash -eu\n", (True, True, False)),
        ("#!/bin/sh\nset -o errexit -o nounset\n", (True, True, False)),
    ]:
        script = _shell(tmp_path, text)["job.sh"]
        assert (script.facts["errexit"], script.facts["nounset"], script.facts["pipefail"]) == expected, text


def test_shell_status_tests_and_ignored_failures(tmp_path: Path) -> None:
    res = _shell(tmp_path, "#!/bin/bash\npg_dump db > a.sql\ncp a.sql /b/\nrc=$?\n"
                           "mysqldump db > b.sql || exit 1\ntar czf x.tgz a.sql\nrm a.sql\necho done\n")
    test = res["$? after cp"]
    assert (test.origin.line, test.facts["unchecked"]) == (4, "pg_dump (line 2)")
    script = res["job.sh"]
    # rm is not the last command: echo's status, not rm's, is the script's
    assert script.facts["ignored_failures"] == "tar (line 6), rm (line 7)"
    assert script.fact_lines["ignored_failures"] == 6
    clean = _shell(tmp_path, "#!/bin/bash\nset -e\npg_dump db > a.sql\ncp a.sql /b/\n")["job.sh"]
    assert clean.facts["ignored_failures"] == ""  # nothing loses a failure: the script complies as a whole
    hidden = _shell(tmp_path, "#!/bin/bash\nset -e\npg_dump db | gzip > a.gz\n")["job.sh"]
    assert "ignored_failures" not in hidden.facts  # the pipeline reports it, once


def test_shell_pipeline_in_condition_and_pipestatus(tmp_path: Path) -> None:
    res = _shell(tmp_path, "#!/bin/bash\nif pg_dump db | gzip > f.gz; then echo ok; fi\n"
                           "pg_dump db | gzip > g.gz\nif [ ${PIPESTATUS[0]} -ne 0 ]; then exit 1; fi\n")
    first, second = res["pipeline pg_dump | gzip"], res["pipeline pg_dump | gzip #2"]
    assert (first.origin.line, first.facts["hidden_failures"]) == (2, "pg_dump")
    assert (second.origin.line, second.facts["hidden_failures"]) == (3, "")


def test_shell_display_never_repeats_arguments(tmp_path: Path) -> None:
    res = _shell(tmp_path, "#!/bin/sh\nmysqldump -pHunter2pass db | gzip > f\nif [ $? -ne 0 ]; then exit 1; fi\n")
    assert set(res) == {"job.sh", "pipeline mysqldump | gzip", "$? after mysqldump | gzip"}


@pytest.mark.parametrize("upload", [
    'aws $AWS_ARGS s3 cp "$f" "s3://$B/"',  # global options kept in a variable, before the service
    'cat "$f" | aws --endpoint-url "$E" s3 cp - "s3://$B/k"',  # a global option and its value
    'aws --no-progress s3 cp "$f" "s3://$B/"',
])
def test_shell_upload_after_aws_global_options(tmp_path: Path, upload: str) -> None:
    script = _shell(tmp_path, f"#!/bin/sh\nset -eo pipefail\npg_dump db > f.sql\n{upload}\n")["job.sh"]
    assert script.fact_lines.get("upload") == 4, script.facts


def test_shell_aws_other_service_is_not_an_upload(tmp_path: Path) -> None:
    script = _shell(tmp_path, "#!/bin/sh\npg_dump db > f.sql\naws ec2 describe-instances --filters s3 cp\n")["job.sh"]
    assert "upload" not in script.facts


# -- nginx -----------------------------------------------------------------------------------------------------

def test_nginx_inheritance_and_lines(tmp_path: Path) -> None:
    _, resources = _load(tmp_path, "site.conf", (
        "http {\n  proxy_cache_valid 200 302 5m;\n  add_header X-Frame-Options DENY;\n  server {\n"
        "    server_name example.test;\n    expires 30d;\n    location /api/ {\n      proxy_pass http://api;\n"
        "      proxy_cache_valid any 1m;\n    }\n    location /img/ {\n      add_header Cache-Control public;\n"
        "    }\n  }\n}\n"))
    api, img = (next(r for r in resources if r.address.endswith(p)) for p in ("/api/", "/img/"))
    assert api.address == "example.test: location /api/"
    assert str(api.facts["cache_valid_200"]) == "1m" and api.fact_lines["cache_valid_200"] == 9
    assert str(api.facts["expires"]) == "30d" and api.fact_lines["expires"] == 6
    assert api.attributes["headers"] == {"x-frame-options": "DENY"}  # inherited: the location sets none
    assert img.attributes["headers"] == {"cache-control": "public"}  # its own add_header replaces the inherited
    assert str(img.facts["cache_valid_200"]) == "5m" and img.fact_lines["cache_valid_200"] == 2


# -- Terraform plan --------------------------------------------------------------------------------------------

PLAN = {
    "format_version": "1.2",
    "planned_values": {"root_module": {"resources": [
        {"address": "aws_s3_bucket.backups", "mode": "managed", "type": "aws_s3_bucket", "name": "backups",
         "provider_name": "registry.terraform.io/hashicorp/aws", "values": {"bucket": "me-backups"}},
        {"address": "aws_s3_bucket_versioning.backups", "mode": "managed", "type": "aws_s3_bucket_versioning",
         "name": "backups", "provider_name": "registry.terraform.io/hashicorp/aws",
         "values": {"versioning_configuration": [{"status": "Enabled"}]}},
    ], "child_modules": [{"address": "module.db", "resources": [
        {"address": "module.db.aws_db_instance.main", "mode": "managed", "type": "aws_db_instance", "name": "main",
         "provider_name": "registry.terraform.io/hashicorp/aws",
         "values": {"engine": "postgres", "backup_retention_period": 14, "password": "plan-password-value"},
         "sensitive_values": {"password": True}}]}]}},
    "resource_changes": [{"address": "aws_s3_bucket_versioning.backups",
                          "change": {"after_unknown": {"bucket": True}}}],
    "configuration": {"root_module": {"resources": [
        {"address": "aws_s3_bucket_versioning.backups",
         "expressions": {"bucket": {"references": ["aws_s3_bucket.backups.id", "aws_s3_bucket.backups"]}}}]}},
}


def test_terraform_plan_resolved_values_references_and_sensitive(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN, indent=2))
    outcome = load_paths([path])
    assert outcome.files == {str(path): "terraform-plan"} or list(outcome.files.values()) == ["terraform-plan"]
    res = {r.address: r for r in outcome.resources if r.type != "credential"}
    db = res["module.db.aws_db_instance.main"]
    assert (db.provider, db.format, str(db.facts["backup_retention"])) == ("aws", "terraform", "14d")
    assert path.read_text().splitlines()[db.fact_lines["backup_retention"] - 1].strip().startswith(
        '"backup_retention_period": 14')
    assert db.attributes["password"] == Unresolved("(sensitive)", "marked sensitive in the plan")
    versioning = res["aws_s3_bucket_versioning.backups"]
    assert versioning.attributes["bucket"] == Unresolved("aws_s3_bucket.backups.id", "known after apply")
    assert versioning.facts["versioning_enabled"] is True
    # the same policies as for HCL: retention 14 days violates ME-DB-02; the companion makes the bucket versioned
    pack = [p for p in load_policies([POLICIES]) if p.id in ("ME-DB-02", "ME-BAK-03")]
    findings = {f.resource_address: f for f in Engine(pack).run(outcome.resources)}
    assert findings["module.db.aws_db_instance.main"].status == Status.VIOLATES
    bucket = findings["aws_s3_bucket.backups"]
    assert bucket.status == Status.VIOLATES and bucket.fact == "lifecycle_rules"  # versioned; no lifecycle


def test_terraform_plan_empty_block_list_is_not_a_restore(tmp_path: Path) -> None:
    # `terraform show -json` writes an absent nested block as an empty list (s3_import: []): no import, no restore
    plan = {"format_version": "0.1", "planned_values": {"root_module": {"resources": [
        {"address": "aws_rds_cluster.default", "mode": "managed", "type": "aws_rds_cluster", "name": "default",
         "provider_name": "aws", "values": {"engine": "aurora-mysql", "engine_mode": "provisioned",
                                            "storage_encrypted": None, "s3_import": [], "snapshot_identifier": None,
                                            "deletion_protection": None, "backup_retention_period": 30}}]}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    outcome = load_paths([path])
    cluster = next(r for r in outcome.resources if r.address == "aws_rds_cluster.default")
    assert cluster.facts.get("storage_encrypted") is not True and not isinstance(
        cluster.facts.get("storage_encrypted"), Unresolved), cluster.facts.get("storage_encrypted")
    pack = [p for p in load_policies([POLICIES]) if p.id == "ME-DB-08"]
    (finding,) = Engine(pack).run(outcome.resources)
    assert finding.status == Status.VIOLATES


def test_bucket_companion_in_another_file_of_the_module(tmp_path: Path) -> None:
    (tmp_path / "bucket.tf").write_text('resource "aws_s3_bucket" "backup" {\n  bucket = "x-backup"\n}\n')
    (tmp_path / "versioning.tf").write_text(
        'resource "aws_s3_bucket_versioning" "backup" {\n  bucket = aws_s3_bucket.backup.id\n'
        '  versioning_configuration {\n    status = "Suspended"\n  }\n}\n')
    other = tmp_path / "other-module"
    other.mkdir()
    (other / "v.tf").write_text('resource "aws_s3_bucket_versioning" "backup" {\n  bucket = aws_s3_bucket.backup.id\n'
                                '  versioning_configuration {\n    status = "Enabled"\n  }\n}\n')
    outcome = load_paths([tmp_path])
    pack = [p for p in load_policies([POLICIES]) if p.id == "ME-BAK-03"]
    (finding,) = Engine(pack).run(outcome.resources)
    assert (finding.fact, finding.observed, finding.line) == ("versioning_enabled", "false", 1)
    assert finding.file is not None and finding.file.endswith("bucket.tf")


def test_example_backup_script_lines(example_dir: Path) -> None:
    resources = {r.address: r for r in load_paths([example_dir / "backup"]).resources}
    assert resources["backup.sh"].fact_lines["upload"] == 13
    assert resources["backup.sh"].fact_lines["local_retention"] == 16
    assert resources["$? after find"].fact_lines["tested"] == 16
    assert EXAMPLE.joinpath("backup/backup.sh").read_text().splitlines()[18].startswith("if [ $? -eq 0 ]")
