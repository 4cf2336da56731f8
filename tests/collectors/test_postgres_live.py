"""The PostgreSQL collector against real servers: the shared one on 127.0.0.1:5432 (read only), and a private
one this module starts from the installed binaries (initdb + pg_ctl on a free port in a temp directory) for
what changes settings (ALTER SYSTEM, REVOKE), never the shared server.

TimescaleDB cannot be installed from the package registries here, so its collector is tested against the
private server with a ``timescaledb_information`` schema the test creates: views with the documented columns
(docs.timescale.com, "timescaledb_information" views), standing in for the extension's own.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.postgres import PostgresOptions, collect, show_value
from scanner.collectors.snapshot import dumps
from scanner.drift.report import build
from scanner.mappings import load_paths, normalize
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import EXAMPLE, POLICIES, run_cli, server_unavailable

pytestmark = pytest.mark.server
# the newest PostgreSQL the distribution's packages installed (Debian: /usr/lib/postgresql/<major>/bin)
BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit()
          else 0, default=Path("/usr/lib/postgresql/15/bin"))
SHARED = "postgresql://postgres:not-the-secret-9f3k@127.0.0.1:5432/postgres"
PASSWORD = "not-the-secret-9f3k"
TUNING = EXAMPLE / "postgres" / "tuning.sql"  # the guide's ALTER SYSTEM statements
PG_POLICIES = ("ME-PG-01", "ME-PG-02", "ME-PG-03", "ME-PG-04", "ME-PG-05", "ME-PG-06")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def shared() -> str:
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect(SHARED, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        server_unavailable(f"PostgreSQL on 127.0.0.1:5432: {exc}")
    return SHARED


class _Cluster:
    """A server of our own (trust authentication, on 127.0.0.1 only) in a temp directory. The directory is made
    under the system's temp dir, not pytest's (private to root), so the postgres account can reach it."""

    def __init__(self) -> None:
        pytest.importorskip("psycopg")
        if not (BIN / "initdb").exists():
            server_unavailable(f"initdb not installed in {BIN}")
        self.root = Path(tempfile.mkdtemp(prefix="specdrift-pg-"))
        self.data = self.root / "data"
        self.user: dict[str, Any] = {}
        if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres account
            shutil.chown(self.root, "postgres")
            self.user = {"user": "postgres"}
        subprocess.run([str(BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"], check=True,
                       capture_output=True, **self.user)
        self.port = _free_port()
        self.url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/postgres"
        self.pg_ctl("start")

    def pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        subprocess.run([str(BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w",
                        action], check=True, capture_output=True, **self.user)

    def remove(self) -> None:
        subprocess.run([str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"], capture_output=True,
                       **self.user)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def private() -> Iterator[str]:
    """A server of our own at PostgreSQL's defaults, for tests that change settings (reset afterwards)."""
    cluster = _Cluster()
    try:
        yield cluster.url
    finally:
        cluster.remove()


@pytest.fixture(scope="module")
def tuned() -> Iterator[str]:
    """A server of our own started with the guide's tuning: the example's tuning.sql run, then a restart (its
    settings of context postmaster, shared_buffers 8GB among them, apply only then)."""
    cluster = _Cluster()
    try:
        _sql(cluster.url, *_statements(TUNING.read_text()))
        cluster.pg_ctl("restart")
        yield cluster.url
    finally:
        cluster.remove()


def _statements(sql: str) -> list[str]:
    """The ALTER SYSTEM statements of a file (one per line, as the guide writes them)."""
    return [line.rstrip(";") for line in sql.splitlines() if line.startswith("ALTER SYSTEM")]


def _sql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _server(url: str) -> Any:
    collection = collect(PostgresOptions(urls=(url,), timeout=5))
    assert not collection.gaps, collection.gaps
    [server] = [r for r in collection.resources if r.type == "postgresql.server"]
    return collection, normalize(server)


def _policies(*ids: str) -> list[Any]:
    return [p for p in load_policies([POLICIES]) if p.id in ids]


@pytest.mark.parametrize(("setting", "unit", "vartype", "shown"), [
    ("16384", "8kB", "integer", "128MB"), ("1048576", "8kB", "integer", "8GB"), ("4096", "kB", "integer", "4MB"),
    ("60", "s", "integer", "1min"), ("1500", "ms", "integer", "1500ms"), ("-1", "kB", "integer", "-1"),
    ("0", "ms", "integer", "0"), ("on", None, "bool", "on"), ("0.9", None, "real", "0.9"),
    ("80", "MB", "integer", "80MB"),
])
def test_values_are_spelled_as_show_spells_them(setting: str, unit: str | None, vartype: str, shown: str) -> None:
    assert show_value(setting, unit, vartype) == shown


def test_the_shared_server_gives_the_facts_a_postgresql_conf_gives(shared: str) -> None:
    import psycopg

    collection, server = _server(shared)
    assert server.provider == "postgresql" and server.format == "postgresql-live"
    assert server.address == "postgresql://127.0.0.1:5432/postgres"
    assert "postgresql_settings" in server.kinds and server.facts["pg_complete"] is True
    assert server.facts["pg_ssl_in_use"] is False
    with psycopg.connect(shared) as conn:
        want = conn.execute("SHOW shared_buffers").fetchone()[0]
    assert server.facts["pg_settings"]["shared_buffers"] == want
    # the password of the URL appears nowhere: not in the snapshot, not in the address
    assert PASSWORD not in dumps(collection)


def test_collect_and_drift_commands_never_print_the_password(shared: str, tmp_path: Path) -> None:
    out = tmp_path / "pg.json"
    done = run_cli("collect", "postgres", "--postgres", shared, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["resources"][0]["type"] == "postgresql.server"
    drift = run_cli("drift", "--postgres", shared, "--format", "json", "--policy", "ME-PG-*")
    assert drift.returncode in (0, 1), drift.stderr
    for text in (out.read_text(), done.stderr, drift.stdout, drift.stderr):
        assert PASSWORD not in text
    unreachable = run_cli("collect", "postgres", "--postgres",
                          f"postgresql://postgres:{PASSWORD}@127.0.0.1:{_free_port()}/postgres", "--timeout", "2")
    assert "could not read" in unreachable.stderr and PASSWORD not in unreachable.stderr + unreachable.stdout


GUIDE_LOGGING = ("log_checkpoints = on\nlog_connections = on\nlog_disconnections = on\nlog_duration = on\n"
                 "log_lock_waits = on\nlog_temp_files = 0\n")


def test_compliant_and_drifted_settings_with_the_fix_both_ways(private: str, tmp_path: Path) -> None:
    conf = tmp_path / "postgresql.conf"
    conf.write_text(GUIDE_LOGGING + "statement_timeout = 30000\n")
    declared = load_paths([tmp_path]).resources
    try:
        _sql(private, *(f"ALTER SYSTEM SET {line}" for line in GUIDE_LOGGING.splitlines()),
             "ALTER SYSTEM SET statement_timeout = '30s'", "SELECT pg_reload_conf()")
        collection, _ = _server(private)
        [item] = build(declared, collection, _policies("ME-PG-06")).items
        assert item.status == "in_sync" and item.pair.matched_by == "the only postgresql.server collected"
        assert [(r.declared.verdict, r.live.verdict) for r in item.requirements] == [("complies", "complies")]

        # drifted outside the guide: the file and the server disagree on statement_timeout, both comply
        _sql(private, "ALTER SYSTEM SET statement_timeout = '1min'", "SELECT pg_reload_conf()")
        collection, _ = _server(private)
        [item] = build(declared, collection, _policies("ME-PG-06")).items
        assert item.status == "changed"
        [diff] = item.differences
        assert (diff.fact, diff.declared, diff.live) == ("pg_settings", {"statement_timeout": "30000"},
                                                         {"statement_timeout": "1min"})
        assert diff.declared_line == 7
        fixes = {f.direction: f for f in item.fixes}
        assert fixes["cloud"].format == "sql"
        assert "ALTER SYSTEM SET statement_timeout = '30000';" in fixes["cloud"].snippet
        assert fixes["iac"].format == "postgresql_conf" and fixes["iac"].snippet == "statement_timeout = '1min'"

        # drifted against the guide: the server stops logging connections; its value is not offered to the file
        _sql(private, "ALTER SYSTEM SET log_connections = off", "SELECT pg_reload_conf()")
        collection, _ = _server(private)
        [item] = build(declared, collection, _policies("ME-PG-06")).items
        [row] = item.requirements
        assert (row.declared.verdict, row.live.verdict) == ("complies", "violates")
        assert "log_connections = off, required on" in row.live.message
        [cloud] = [f for f in item.fixes if f.direction == "cloud"]
        assert "ALTER SYSTEM SET log_connections = 'on';" in cloud.snippet and "pg_reload_conf" in cloud.snippet
        # only the setting whose live value complies (statement_timeout, still drifted) may go into the file
        assert [f.snippet for f in item.fixes if f.direction == "iac"] == ["statement_timeout = '1min'"]
    finally:
        _sql(private, "ALTER SYSTEM RESET ALL", "SELECT pg_reload_conf()")


def test_a_change_pending_restart_is_reported_as_pending(private: str) -> None:
    _sql(private, "ALTER SYSTEM SET max_connections = 200", "SELECT pg_reload_conf()")
    try:
        collection, server = _server(private)
        assert server.facts["pg_pending_restart"] == ["max_connections"]
        assert server.facts["pg_settings"]["max_connections"] == "100"  # what runs until the restart
        [item] = build([], collection, _policies("ME-PG-05")).items
        [row] = item.requirements
        assert row.live.verdict == "violates"
        assert "pending restart" in row.live.message
    finally:
        _sql(private, "ALTER SYSTEM RESET ALL", "SELECT pg_reload_conf()")


def test_pg_settings_denied_makes_the_checks_unknown_never_pass(private: str) -> None:
    _sql(private, "REVOKE SELECT ON pg_catalog.pg_settings FROM PUBLIC",
         "CREATE ROLE specdrift_reader LOGIN")
    reader = private.replace("postgres:" + PASSWORD, "specdrift_reader:" + PASSWORD)
    try:
        collection = collect(PostgresOptions(urls=(reader,), timeout=5))
        [gap] = collection.gaps
        assert gap.code == "access_denied" and "pg_settings" in gap.reason
        [item] = build([], collection, _policies("ME-PG-06")).items
        [row] = item.requirements
        assert row.live.verdict == "unknown" and "permission denied" in row.live.message
    finally:
        _sql(private, "GRANT SELECT ON pg_catalog.pg_settings TO PUBLIC", "DROP ROLE specdrift_reader")


TIMESCALE_VIEWS = """
CREATE SCHEMA timescaledb_information;
CREATE TABLE public.metrics (time timestamptz NOT NULL, metric_name text, value double precision);
CREATE VIEW timescaledb_information.hypertables AS SELECT 'public'::name AS hypertable_schema,
  'metrics'::name AS hypertable_name, 'postgres'::name AS owner, 1::smallint AS num_dimensions, 4::bigint AS num_chunks,
  true AS compression_enabled, NULL::name[] AS tablespaces;
CREATE VIEW timescaledb_information.dimensions AS SELECT 'public'::name AS hypertable_schema,
  'metrics'::name AS hypertable_name, 1::bigint AS dimension_number, 'time'::name AS column_name,
  'timestamptz'::regtype AS column_type, 'Time'::text AS dimension_type, interval '1 day' AS time_interval,
  NULL::bigint AS integer_interval, NULL::text AS integer_now_func, NULL::smallint AS num_partitions;
CREATE VIEW timescaledb_information.compression_settings AS
  SELECT 'public'::name AS hypertable_schema, 'metrics'::name AS hypertable_name, 'metric_name'::name AS attname,
         1::smallint AS segmentby_column_index, NULL::smallint AS orderby_column_index, NULL::boolean AS orderby_asc,
         NULL::boolean AS orderby_nullsfirst
  UNION ALL SELECT 'public', 'metrics', 'time', NULL, 1, false, true;
CREATE VIEW timescaledb_information.jobs AS
  SELECT 1000 AS job_id, 'Retention Policy [1000]'::name AS application_name, interval '1 day' AS schedule_interval,
         interval '5 minutes' AS max_runtime, -1 AS max_retries, interval '5 minutes' AS retry_period,
         '_timescaledb_functions'::name AS proc_schema, 'policy_retention'::name AS proc_name,
         'postgres'::name AS owner, true AS scheduled, false AS fixed_schedule,
         '{"drop_after": "30 days", "hypertable_id": 1}'::jsonb AS config, now() AS next_start,
         NULL::timestamptz AS initial_start, 'public'::name AS hypertable_schema, 'metrics'::name AS hypertable_name,
         NULL::name AS check_schema, NULL::name AS check_name;
CREATE VIEW timescaledb_information.continuous_aggregates AS
  SELECT 'public'::name AS hypertable_schema, 'metrics'::name AS hypertable_name, 'public'::name AS view_schema,
         'metrics_hourly'::name AS view_name, 'postgres'::name AS view_owner, true AS materialized_only,
         false AS compression_enabled, '_timescaledb_internal'::name AS materialization_hypertable_schema,
         '_materialized_hypertable_2'::name AS materialization_hypertable_name,
         ' SELECT time_bucket(''01:00:00''::interval, metrics."time") AS bucket FROM metrics'::text AS view_definition,
         false AS finalized;
"""


def test_timescaledb_views_give_the_facts_the_sql_gives(private: str) -> None:
    import psycopg

    with psycopg.connect(private, autocommit=True) as conn:
        conn.execute("CREATE DATABASE tsdb")
    url = private.rsplit("/", 1)[0] + "/tsdb"
    _sql(url, TIMESCALE_VIEWS)
    collection = collect(PostgresOptions(urls=(url,), timeout=5))
    assert not collection.gaps, collection.gaps
    found = {r.type: normalize(r) for r in collection.resources}
    hypertable = found["timescaledb_hypertable"]
    assert hypertable.facts["table"] == "metrics" and hypertable.facts["time_column"] == "time"
    assert hypertable.facts["chunk_time_interval"].value == 86400
    compression = found["timescaledb_compression"].facts
    assert (compression["compress"], compression["segmentby"], compression["orderby"]) == (True, "metric_name",
                                                                                            "time DESC")
    assert found["timescaledb_retention_policy"].facts["drop_after"].value == 30 * 86400
    assert found["timescaledb_continuous_aggregate"].facts["bucket_width"].value == 3600
    # the guide keeps raw metrics 90 days: the live retention policy of 30 days violates ME-TS-05
    items = build([], collection, _policies("ME-TS-05")).items
    verdicts = {i.pair.type: [r.live.verdict for r in i.requirements] for i in items if i.requirements}
    assert verdicts["timescaledb_retention_policy"] == ["violates"]
    # beside the guide's SQL (90 days) and its tuning (which pairs with the server): declared, live and required
    iac = Path(tempfile.mkdtemp(prefix="specdrift-ts-"))
    try:
        for name in ("timescaledb/setup.sql", "postgres/tuning.sql"):
            shutil.copy(EXAMPLE / name, iac / Path(name).name)
        declared = load_paths([iac]).resources
    finally:
        shutil.rmtree(iac)
    policies = _policies("ME-TS-05")
    [declared_side] = [f for f in Engine(policies).run(declared) if f.resource_type == "timescaledb_retention_policy"]
    assert (declared_side.status.value, declared_side.observed) == ("complies", "90 days")
    [item] = [i for i in build(declared, collection, policies).items if i.pair.type == "timescaledb_retention_policy"]
    [row] = item.requirements
    assert item.status == "live_only" and row.live is not None and row.live.verdict == "violates"
    assert (str(row.live.value), row.required) == ("30 days", declared_side.expected)
    assert "90" in str(row.required)
    # the policies that claim live/postgres among ME-TS each judge the views' objects
    every = load_policies([POLICIES])
    judged = {r.policy.id for i in build([], collection, every).items for r in i.requirements
              if r.live is not None and r.live.verdict in ("complies", "violates")}
    claiming = {p.id for p in every if "live/postgres" in p.sources and p.id.startswith("ME-TS-")}
    assert claiming <= judged and {i for i in judged if i.startswith("ME-TS-")} <= claiming


def test_without_timescaledb_nothing_is_collected_and_nothing_is_missing(shared: str) -> None:
    collection, _ = _server(shared)
    assert [r.type for r in collection.resources] == ["postgresql.server"] and not collection.gaps


def test_the_guides_tuning_against_a_tuned_and_a_default_server(tuned: str, private: str, tmp_path: Path) -> None:
    """The guide's ALTER SYSTEM file pairs with the server it tunes: in sync with a server started with it; against
    one at the defaults every ME-PG setting complies in the file and violates live, with the live value, the
    required one and the ALTER SYSTEM fix."""
    shutil.copy(TUNING, tmp_path / "tuning.sql")
    declared = load_paths([tmp_path]).resources
    policies = _policies(*PG_POLICIES)
    collection, server = _server(tuned)
    assert server.facts["pg_settings"]["shared_buffers"] == "8GB" and server.facts["pg_pending_restart"] == []
    [item] = build(declared, collection, policies).items
    assert item.status == "in_sync", item.differences
    assert item.pair.matched_by == "the only postgresql.server collected (ALTER SYSTEM sets part of its configuration)"
    assert {r.policy.id: (r.declared.verdict, r.live.verdict) for r in item.requirements if r.declared and r.live} \
        == dict.fromkeys(PG_POLICIES, ("complies", "complies"))
    # the policies that claim live/postgres (the coverage matrix's live column) each judge a running server
    claiming = {p.id for p in load_policies([POLICIES]) if "live/postgres" in p.sources}
    [item] = build([], collection, load_policies([POLICIES])).items
    judged = {r.policy.id for r in item.requirements if r.live is not None and r.live.verdict in ("complies",
                                                                                                 "violates")}
    assert {i for i in claiming if i.startswith("ME-PG-")} == set(PG_POLICIES) and set(PG_POLICIES) <= judged

    collection, _ = _server(private)
    [item] = build(declared, collection, policies).items
    assert item.status == "changed"
    rows = {r.policy.id: r for r in item.requirements}
    assert {i: (r.declared.verdict, r.live.verdict) for i, r in rows.items() if r.declared and r.live} == \
        dict.fromkeys(PG_POLICIES, ("complies", "violates"))
    buffers = rows["ME-PG-01"]
    assert buffers.live.value["shared_buffers"] == "128MB" and buffers.required["shared_buffers"] == "8GB"
    assert rows["ME-PG-06"].live.value["log_connections"] == "off" and rows["ME-PG-06"].required["log_connections"] \
        == "on"
    [diff] = item.differences
    assert (diff.declared["shared_buffers"], diff.live["shared_buffers"]) == ("8GB", "128MB")
    assert diff.declared_line == 2  # tuning.sql's line of shared_buffers
    [cloud] = [f for f in item.fixes if f.direction == "cloud"]
    lines = cloud.snippet.splitlines()
    assert cloud.format == "sql" and "ALTER SYSTEM SET shared_buffers = '8GB';" in lines
    assert "ALTER SYSTEM SET log_connections = 'on';" in lines and "SELECT pg_reload_conf();" in lines
    # the restart is named for the settings of context postmaster, and for those only
    [restart] = [line for line in lines if "restart" in line]
    assert "shared_buffers" in restart and "max_connections" in restart and "work_mem" not in restart
    # each live value breaks the guide: taking it into the file is not offered
    assert not [f for f in item.fixes if f.direction == "iac"]


def test_an_alter_system_file_and_the_server_disagree_with_the_fix_both_ways(private: str, tmp_path: Path) -> None:
    (tmp_path / "settings.sql").write_text("ALTER SYSTEM SET statement_timeout = '30s';\n"
                                           "ALTER SYSTEM SET max_locks_per_transaction = 128;\n")
    declared = load_paths([tmp_path]).resources
    collection, _ = _server(private)  # at the defaults: 0 and 64
    [item] = build(declared, collection, _policies(*PG_POLICIES)).items
    assert item.status == "changed"
    # the file names no setting of the guide, the server at its defaults breaks it: judged live alone
    assert item.requirements and all(r.declared is None and r.live is not None and r.live.verdict == "violates"
                                     for r in item.requirements)
    [diff] = item.differences
    assert (diff.declared, diff.live) == ({"statement_timeout": "30s", "max_locks_per_transaction": "128"},
                                          {"statement_timeout": "0", "max_locks_per_transaction": "64"})
    [fix, *guide] = [f for f in item.fixes if f.direction == "cloud"]
    fixes = {"cloud": fix, **{f.direction: f for f in item.fixes if f.direction == "iac"}}
    # the guide's settings the server breaks, in fixes of their own (not the file's to restore)
    assert guide and all("statement_timeout" not in f.snippet for f in guide)
    assert any("ALTER SYSTEM SET shared_buffers = '8GB';" in f.snippet for f in guide)
    assert fixes["cloud"].snippet.splitlines() == [
        "ALTER SYSTEM SET statement_timeout = '30s';", "ALTER SYSTEM SET max_locks_per_transaction = '128';",
        "SELECT pg_reload_conf();",
        "-- then restart the server: max_locks_per_transaction take effect only at a restart (context postmaster)"]
    # the other way: the file's own statements, at the server's values
    assert fixes["iac"].format == "sql" and fixes["iac"].snippet.splitlines() == [
        "ALTER SYSTEM SET statement_timeout = '0';", "ALTER SYSTEM SET max_locks_per_transaction = '64';"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "gitlab", "markdown", "github"])
def test_a_change_pending_restart_is_pending_in_every_output_format(private: str, fmt: str, tmp_path: Path) -> None:
    """The file asks for 200 connections, the server took the change and runs 100 until its restart: the drift
    and the live verdict say it is pending, in every format (GitLab's lists only findings in files: the drift)."""
    (tmp_path / "tuning.sql").write_text("ALTER SYSTEM SET max_connections = 200;\n")
    _sql(private, "ALTER SYSTEM SET max_connections = 200", "SELECT pg_reload_conf()")
    try:
        done = run_cli("drift", "--iac", str(tmp_path), "--postgres", private, "--policy", "ME-PG-05", "--format",
                       fmt)
        assert done.returncode == 1, done.stderr  # 100 runs until the restart: drift, and a violation
        assert "pending restart" in done.stdout, done.stdout
        assert "max_connections" in done.stdout
        assert PASSWORD not in done.stdout + done.stderr
    finally:
        _sql(private, "ALTER SYSTEM RESET ALL", "SELECT pg_reload_conf()")
