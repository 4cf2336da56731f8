"""Engine-setting and image policies judged by value: other units comply, changed values violate with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.mappings.postgresql import read_setting
from scanner.model import Finding, Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from scanner.units import SIZE, parse_quantity
from tests.conftest import POLICIES, scan_files

PACK = {p.id: p for p in load_policies([POLICIES])}


def _only(findings: list[Finding], policy: str, status: Status) -> list[Finding]:
    return [f for f in findings if f.policy_id == policy and f.status == status]


# --- the same value in other units ---------------------------------------------------------------

@pytest.mark.parametrize(("setting", "written", "guide"), [
    ("shared_buffers", "1048576", "8GB"), ("shared_buffers", "8192MB", "8GB"),
    ("effective_cache_size", "3145728", "24GB"),
    ("work_mem", "16384", "16MB"), ("maintenance_work_mem", "2097152kB", "2GB"), ("wal_buffers", "2048", "16MB"),
    ("min_wal_size", "2048", "2GB"), ("max_wal_size", "8192", "8GB"), ("log_temp_files", "0kB", "0"),
    ("log_connections", "1", "on"), ("log_connections", "yes", "on"), ("statement_timeout", "60s", "60000"),
    ("checkpoint_timeout", "5min", "300"), ("random_page_cost", "1.10", "1.1"),
])
def test_postgresql_values_compare_in_the_settings_own_unit(setting: str, written: str, guide: str) -> None:
    assert read_setting(setting, written).key == read_setting(setting, guide).key


@pytest.mark.parametrize(("setting", "written"), [
    ("shared_buffers", "8gb"), ("shared_buffers", "8 GiB"), ("max_connections", "200MB"), ("log_connections", "o"),
])
def test_postgresql_rejects_what_the_server_rejects(setting: str, written: str) -> None:
    assert read_setting(setting, written).error


def test_postgresql_conf_in_pages_complies_by_value(tmp_path: Path) -> None:
    # a complete postgresql.conf: the settings it leaves out would be judged at their built-in defaults
    conf = "shared_buffers = 1048576\nwork_mem = 16384\neffective_cache_size = 24GB\nmaintenance_work_mem = 2GB\n"
    findings = scan_files(tmp_path, {"postgresql.conf": conf}, "ME-PG-01")
    assert [(f.status, f.line) for f in findings] == [(Status.COMPLIES, 1)]
    assert "1048576 (8GB)" in str(findings[0].observed)


@pytest.mark.parametrize(("written", "bytes_"), [
    ("8gb", 8 * 1024**3), ("8GB", 8 * 1024**3), ("8589934592", 8 * 1024**3), ("8192mb", 8 * 1024**3),
    ("1k", 1000), ("1kb", 1024), ("1m", 10**6), ("1mb", 1024**2), ("1g", 10**9), ("1gb", 1024**3), ("1Gb", 1024**3),
])
def test_redis_memory_units(written: str, bytes_: int) -> None:
    quantity = parse_quantity(written, SIZE, "B")
    assert quantity is not None and quantity.value == bytes_


def test_redis_maxmemory_in_bytes_complies_and_decimal_g_does_not(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"a/redis.conf": "maxmemory 8589934592\nmaxmemory-policy allkeys-lru\n",
                                "b/redis.conf": "maxmemory 8g\nmaxmemory-policy allkeys-lru\n"}, "ME-RED-03")
    by_dir = {Path(f.file or "").parent.name: f for f in findings}
    assert by_dir["a"].status == Status.COMPLIES
    assert (by_dir["b"].status, by_dir["b"].observed, by_dir["b"].line) == (Status.VIOLATES, "8g", 1)


# --- changed values: observed, required, and the fix in the file's syntax ---------------------------

def test_changed_retention_violates_with_fix(tmp_path: Path) -> None:
    sql = ("SELECT create_hypertable('metrics', 'time');\n\n"
           "SELECT add_retention_policy('metrics', INTERVAL '30 days');\n")
    findings = _only(scan_files(tmp_path, {"setup.sql": sql}, "ME-TS-05"), "ME-TS-05", Status.VIOLATES)
    assert [(f.line, f.observed, f.expected) for f in findings] == [(3, "30 days", "90 days")]
    assert findings[0].remediation is not None
    assert "SELECT add_retention_policy('metrics', INTERVAL '90 days');" in findings[0].remediation.snippet


def test_missing_retention_is_reported_on_the_hypertable(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"setup.sql": "CREATE TABLE metrics (time timestamptz);\n"
                                             "SELECT create_hypertable('metrics', 'time');\n"}, "ME-TS-05")
    assert [(f.status, f.resource_address, f.line) for f in findings] == [
        (Status.VIOLATES, "hypertable metrics", 2)]
    assert "kept forever" in findings[0].message


def test_retention_found_in_another_migration_counts(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"001.sql": "SELECT create_hypertable('metrics', 'time');\n",
                                "009.sql": "\n\nSELECT add_retention_policy('metrics', INTERVAL '90 days');\n"},
                     "ME-TS-05")
    assert [(Path(f.file or "").name, f.line, f.status) for f in findings] == [("009.sql", 3, Status.COMPLIES)]


def test_hypertable_on_the_wrong_column(tmp_path: Path) -> None:
    sql = "CREATE EXTENSION timescaledb;\nCREATE TABLE metrics (time timestamptz, created_at timestamptz);\n" \
          "SELECT create_hypertable('metrics', 'created_at');\n"
    findings = scan_files(tmp_path, {"setup.sql": sql}, "ME-TS-01")
    assert [(f.status, f.resource_address, f.line, f.observed) for f in findings] == [
        (Status.VIOLATES, "hypertable metrics", 3, "created_at")]


def test_hypertable_without_extension_in_scope_is_unknown(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"setup.sql": "SELECT create_hypertable('metrics', 'time');\n"}, "ME-TS-01")
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "CREATE EXTENSION timescaledb" in findings[0].message


def test_appendonly_no_violates_with_directive_fix(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"redis.conf": "port 6379\nappendonly no\nappendfsync everysec\n"}, "ME-RED-05")
    assert [(f.status, f.line, f.observed, f.expected) for f in findings] == [
        (Status.VIOLATES, 2, "false", "appendonly yes")]
    assert findings[0].remediation is not None and findings[0].remediation.format == "redis_conf"
    assert "appendonly yes" in findings[0].remediation.snippet.splitlines()


def test_log_connections_off_violates_in_sql_and_conf(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"tuning.sql": "ALTER SYSTEM SET log_checkpoints = on;\n"
                                              "ALTER SYSTEM SET log_connections = off;\n",
                                "postgresql.conf": "log_connections = off   # too noisy\n"}, "ME-PG-06")
    got = {Path(f.file or "").name: f for f in findings}
    sql, conf = got["tuning.sql"], got["postgresql.conf"]
    assert (sql.status, sql.line, sql.observed, sql.expected) == (Status.VIOLATES, 2, "off", "on")
    assert sql.remediation is not None and sql.remediation.snippet == "ALTER SYSTEM SET log_connections = on;"
    assert (conf.status, conf.line) == (Status.VIOLATES, 1)
    # a complete postgresql.conf also runs log_disconnections & co. at their built-in default (off)
    assert conf.remediation is not None and conf.remediation.snippet.startswith("log_connections = on\n")
    assert "log_disconnections = on" in conf.remediation.snippet


def test_settings_a_partial_source_leaves_out_are_unknown_and_policies_it_does_not_touch_are_silent(
        tmp_path: Path) -> None:
    """A migration that tunes work_mem says nothing of checkpoints (ME-PG-02: no finding), and half of the
    memory settings right is not ME-PG-01 met: the rest is the server configuration's (unknown, never a pass)."""
    findings = scan_files(tmp_path, {"010_work_mem.sql": "ALTER SYSTEM SET work_mem = '16MB';\n"},
                          "ME-PG-01", "ME-PG-02", "ME-PG-05", "ME-PG-06")
    assert [(f.policy_id, f.status) for f in findings] == [("ME-PG-01", Status.UNKNOWN)]
    assert "shared_buffers" in findings[0].message and "work_mem = 16MB" in findings[0].message
    whole = ("ALTER SYSTEM SET shared_buffers = '8GB';\nALTER SYSTEM SET effective_cache_size = '24GB';\n"
             "ALTER SYSTEM SET maintenance_work_mem = '2GB';\nALTER SYSTEM SET work_mem = '16MB';\n"
             "ALTER SYSTEM SET wal_buffers = '16MB';\n")
    findings = scan_files(tmp_path / "whole", {"tuning.sql": whole}, "ME-PG-01")
    assert [(f.policy_id, f.status) for f in findings] == [("ME-PG-01", Status.COMPLIES)]


def test_an_azure_configuration_is_judged_on_its_one_setting(tmp_path: Path) -> None:
    tf = ('resource "azurerm_postgresql_flexible_server_configuration" "work_mem" {\n  name = "work_mem"\n'
          '  server_id = "x"\n  value = "16384"\n}\n')
    findings = scan_files(tmp_path, {"main.tf": tf}, "ME-PG-01")
    assert [(f.policy_id, f.status) for f in findings] == [("ME-PG-01", Status.COMPLIES)]


def test_cloud_sql_shared_buffers_flag_is_in_8kb_pages(tmp_path: Path) -> None:
    tf = ('resource "google_sql_database_instance" "pg" {\n  database_version = "POSTGRES_15"\n  settings {\n'
          '    database_flags {\n      name  = "shared_buffers"\n      value = "8388608"\n    }\n  }\n}\n')
    findings = scan_files(tmp_path, {"main.tf": tf}, "ME-PG-01")
    assert [(f.status, f.line, f.observed, f.expected) for f in findings] == [
        (Status.VIOLATES, 6, "8388608 (64GB)", "8GB")]
    assert findings[0].remediation is not None and 'value = "1048576"' in findings[0].remediation.snippet


def test_rds_formula_is_unknown_not_a_pass(tmp_path: Path) -> None:
    cfn = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Params:\n    Type: AWS::RDS::DBParameterGroup\n'
           '    Properties:\n      Family: postgres15\n      Description: x\n      Parameters:\n'
           '        shared_buffers: "{DBInstanceClassMemory/32768}"\n')
    findings = scan_files(tmp_path, {"params.yaml": cfn}, "ME-PG-01")
    assert [(f.status, f.line) for f in findings] == [(Status.UNKNOWN, 9)]


def test_literal_redis_password_is_reported_without_showing_it(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"redis.conf": 'requirepass "correct-horse-battery"\n'}, "ME-RED-01")
    assert [(f.status, f.line) for f in findings] == [(Status.VIOLATES, 1)]
    assert "correct-horse-battery" not in repr(findings[0])


def test_image_without_user_and_with_latest_base(tmp_path: Path) -> None:
    findings = scan_files(tmp_path, {"Dockerfile": "FROM golang:1.22 AS build\nRUN go build\nFROM alpine:latest\n"
                                              "COPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n"},
                     "ME-IMG-01", "ME-IMG-02", "ME-IMG-03")
    got = sorted((f.policy_id, f.status.value, f.line, str(f.observed)) for f in findings)
    assert got == [("ME-IMG-01", "violates", 3, "None"), ("ME-IMG-02", "complies", 1, "golang:1.22"),
                   ("ME-IMG-02", "violates", 3, "alpine:latest"), ("ME-IMG-03", "violates", 5, "app")]
    pinned = next(f for f in findings if f.policy_id == "ME-IMG-02" and f.status == Status.VIOLATES)
    assert pinned.remediation is not None and pinned.remediation.snippet == "FROM alpine:<version>@sha256:<digest>"


def test_stricter_pinning_parameter_flags_major_only_tags(tmp_path: Path) -> None:
    strict = PACK["ME-IMG-02"].with_overrides(params={"min_version_parts": 3})
    (tmp_path / "Dockerfile").write_text("FROM node:20-alpine\nFROM node:20.11.1-alpine\n")
    findings = Engine([strict]).run(load_paths([tmp_path]).resources)
    assert sorted((f.line, f.status.value) for f in findings) == [(1, "violates"), (2, "complies")]
