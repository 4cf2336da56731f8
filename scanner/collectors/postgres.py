"""Live PostgreSQL (and TimescaleDB) settings on psycopg 3, read-only by construction.

One server per ``--postgres URL`` (a libpq URL or ``key=value`` string; none: the standard ``PG*``
environment variables). Every transaction is read-only (``BEGIN READ ONLY``) and every query is a constant
``SELECT`` of this module, refused before it is sent otherwise (``_Server.query``); the session changes no
setting (pg_settings would report it as the server's). What it
reads needs only the ``pg_monitor`` role (docs/live-databases.md):

- the server version and whether this connection uses SSL (``pg_stat_ssl``);
- ``pg_settings``: each setting's value, unit, source, context and ``pending_restart`` (a change written
  to the configuration and reloaded that runs only after a restart);
- with TimescaleDB (its ``timescaledb_information`` views present): hypertables and their time
  dimension, compression settings, jobs (schedules and configs: retention, compression, refresh
  policies) and continuous aggregates; without it, nothing and no gap.

The server becomes one ``postgresql.server`` Resource whose ``settings`` the table
``scanner/mappings/postgres_live.yaml`` turns into the ``pg_settings`` fact postgresql.conf and ALTER SYSTEM
give, so the same policies judge it. The password is never kept: the address is ``postgresql://host:port/db``
and connection errors pass through :func:`scanner.masking.redact`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from scanner.collectors import collector
from scanner.collectors.calls import (
    ACCESS_DENIED,
    ERROR,
    TIMEOUT,
    CallFailed,
    CallRunner,
    CollectorError,
    Deadline,
    Record,
    read_only_operation,
    refuse_unless,
    within,
)
from scanner.collectors.collection import Collection
from scanner.collectors.servers import ServerConnection, ServerOptions, ServerSource
from scanner.masking import MASK, is_credential_name, redact
from scanner.model import Unresolved

PROVIDER = "postgresql"  # Resource.provider: the provider of postgresql.conf and ALTER SYSTEM
FORMAT = "postgresql-live"
SERVER = "postgresql.server"
# TimescaleDB objects take the type names the SQL that creates them has (scanner/loaders/timescale.py), so the
# policies that ask for one beside another (a hypertable's retention policy) find it live too.
HYPERTABLE, COMPRESSION, CONTINUOUS_AGGREGATE = ("timescaledb_hypertable", "timescaledb_compression",
                                                 "timescaledb_continuous_aggregate")
JOB = "timescaledb_job"  # a job no policy type names (a user-defined action)
POLICY_JOBS = {"policy_retention": "timescaledb_retention_policy",
               "policy_compression": "timescaledb_compression_policy",
               "policy_columnstore": "timescaledb_compression_policy",
               "policy_refresh_continuous_aggregate": "timescaledb_refresh_policy"}
TIMESCALE_TYPES = (HYPERTABLE, COMPRESSION, CONTINUOUS_AGGREGATE, JOB, *dict.fromkeys(POLICY_JOBS.values()))
# SHOW's spelling of a quantity: the largest unit the value is a whole number of (guc.c convert_int_from_base_unit).
_MEMORY = (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("kB", 1024), ("B", 1))
_TIME = (("d", 86_400_000.0), ("h", 3_600_000.0), ("min", 60_000.0), ("s", 1000.0), ("ms", 1.0), ("us", 0.001))
_UNIT_BASE = {"B": ("memory", 1), "kB": ("memory", 1024), "8kB": ("memory", 8192), "MB": ("memory", 1024**2),
              "16MB": ("memory", 16 * 1024**2), "us": ("time", 0.001), "ms": ("time", 1.0), "s": ("time", 1000.0),
              "min": ("time", 60_000.0)}

VERSION_SQL = "SELECT current_setting('server_version'), current_setting('server_version_num')::int"
SSL_SQL = "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
SETTINGS_SQL = ("SELECT name, setting, unit, source, context, vartype, pending_restart, sourcefile, sourceline "
                "FROM pg_settings ORDER BY name")
TIMESCALE_SQL = ("SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'), "
                 "to_regclass('timescaledb_information.hypertables') IS NOT NULL")
HYPERTABLES_SQL = ("SELECT h.hypertable_schema, h.hypertable_name, h.num_dimensions, h.compression_enabled, "
                   "d.column_name, d.time_interval::text FROM timescaledb_information.hypertables h "
                   "LEFT JOIN timescaledb_information.dimensions d ON d.hypertable_schema = h.hypertable_schema "
                   "AND d.hypertable_name = h.hypertable_name AND d.dimension_number = 1 "
                   "ORDER BY 1, 2")
COMPRESSION_SQL = ("SELECT hypertable_schema, hypertable_name, attname, segmentby_column_index, "
                   "orderby_column_index, orderby_asc, orderby_nullsfirst "
                   "FROM timescaledb_information.compression_settings ORDER BY 1, 2, 4, 5")
JOBS_SQL = ("SELECT job_id, application_name, schedule_interval::text, max_runtime::text, max_retries, "
            "retry_period::text, proc_schema, proc_name, scheduled, config::text, hypertable_schema, "
            "hypertable_name FROM timescaledb_information.jobs ORDER BY job_id")
CAGGS_SQL = ("SELECT view_schema, view_name, hypertable_schema, hypertable_name, materialization_hypertable_schema, "
             "materialization_hypertable_name, materialized_only, compression_enabled, view_definition "
             "FROM timescaledb_information.continuous_aggregates ORDER BY 1, 2")


PostgresOptions = ServerOptions  # the servers to read, the time allowed


def show_value(setting: str | None, unit: str | None, vartype: str) -> str | None:
    """A pg_settings value as SHOW spells it: ``16384`` pages of ``8kB`` -> ``128MB``, ``60`` ``s`` -> ``1min``;
    negative sentinels (-1: off, automatic) and zero stay bare, booleans and text as the server gives them."""
    if setting is None or vartype not in ("integer", "real") or not unit or unit not in _UNIT_BASE:
        return setting
    try:
        number = float(setting)
    except ValueError:
        return setting
    if number <= 0:
        return setting
    kind, base = _UNIT_BASE[unit]
    total = number * base
    for name, size in (_MEMORY if kind == "memory" else _TIME):
        if total >= size and float(total / size).is_integer():
            return f"{int(total / size)}{name}"
    return f"{total:g}{'B' if kind == 'memory' else 'ms'}"


def _is_read(sql: str) -> bool:
    return read_only_operation(sql.lstrip().split(None, 1)[0].upper(), ("SELECT", "SHOW"))


def _classify(exc: BaseException, timeout: float) -> tuple[str, str]:
    import psycopg

    text = redact(" ".join(str(exc).split()))[:300]
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return ACCESS_DENIED, text
    if isinstance(exc, psycopg.errors.QueryCanceled) or "timeout expired" in text:
        return TIMEOUT, f"no answer within {timeout:g}s ({text})"
    return ERROR, text


class _Server(ServerConnection):
    """One connection: constant read queries, each a call of the runner (counted, deadline-checked)."""

    def query(self, api: str, sql: str) -> list[tuple[Any, ...]]:
        refuse_unless(_is_read(sql), f"postgres:{api}")
        def read() -> list[tuple[Any, ...]]:
            with self.client.transaction():
                return list(self.client.execute(sql).fetchall())

        return self.send(api, read)


def _connect(target: str, timeout: float) -> Any:
    import psycopg

    try:
        # No session setting is changed (no options=-c ...): pg_settings would report it as the server's value.
        # Read-only is each transaction's own (BEGIN READ ONLY), which no setting a file writes shows.
        # libpq's connect_timeout is whole seconds, per attempt (GSS, then plain): ``within`` bounds them all
        conn = within(timeout, "connect", lambda: psycopg.connect(target, connect_timeout=max(1, int(timeout)),
                                                                  autocommit=True))
        conn.read_only = True
    except psycopg.Error as exc:
        code, reason = _classify(exc, timeout)
        if code == ERROR and ("password" in str(exc) or "permission" in str(exc)):
            code = ACCESS_DENIED
        raise CallFailed("connect", code, reason) from None
    return conn


def _address(conn: Any) -> str:
    info = conn.info
    host = info.host if not str(info.host).startswith("/") else f"[{info.host}]"
    return f"postgresql://{host}:{info.port}/{info.dbname}"


def _shown_target(target: str) -> str:
    """A target as an error may show it: a URL without its password, a key=value string without password=."""
    if not target:
        return "the PG* environment"
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(target)
    except Exception:
        return redact(target)
    return " ".join(f"{k}={v}" for k, v in parts.items() if k in ("host", "hostaddr", "port", "dbname", "user"))


def _settings(rows: Sequence[tuple[Any, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, setting, unit, source, context, vartype, pending, sourcefile, sourceline in rows:
        value = MASK if is_credential_name(name) and setting else setting
        out[name] = {"setting": value, "unit": unit, "source": source, "context": context, "vartype": vartype,
                     "pending_restart": bool(pending), "sourcefile": sourcefile, "sourceline": sourceline,
                     "value": show_value(value, unit, vartype)}
    return out


def _server_record(server: _Server, address: str, conn: Any) -> Record:
    version, number = server.query("server_version", VERSION_SQL)[0]
    attrs: dict[str, Any] = {"host": conn.info.host, "port": conn.info.port, "database": conn.info.dbname,
                             "user": conn.info.user, "server_version": version, "server_version_num": number}
    ssl = server.runner.detail(lambda: server.query("pg_stat_ssl", SSL_SQL), "postgres", None)
    if isinstance(ssl, Unresolved):
        attrs["ssl_in_use"] = ssl
    else:
        attrs["ssl_in_use"] = bool(ssl and ssl[0][0])
        attrs["ssl_version"], attrs["ssl_cipher"] = (ssl[0][1], ssl[0][2]) if ssl else (None, None)
    try:
        attrs["settings"] = _settings(server.query("pg_settings", SETTINGS_SQL))
    except CallFailed as failed:
        gap = server.runner.note("postgres", failed, address)
        attrs["settings"] = Unresolved(gap.api, gap.reason)
    settings = attrs["settings"]
    cluster = settings.get("cluster_name", {}).get("setting") if isinstance(settings, dict) else None
    attrs["cluster_name"] = cluster or None
    return Record(SERVER, address, "pg_settings", None, attrs)


def _job_config(config: str | None) -> Any:
    import json

    try:
        return json.loads(config) if config else {}
    except ValueError:
        return Unresolved(str(config), "the job's config is not JSON")


def _timescale_records(server: _Server, address: str) -> list[Record]:
    """The TimescaleDB objects, when its information views exist (the extension, or views of its shape)."""
    version, present = server.query("timescaledb", TIMESCALE_SQL)[0]
    if not present:
        return []
    records: list[Record] = []
    compression: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for schema, table, column, segment, order, asc, nulls_first in server.query("compression_settings",
                                                                                COMPRESSION_SQL):
        compression.setdefault((schema, table), []).append({
            "attname": column, "segmentby_column_index": segment, "orderby_column_index": order,
            "orderby_asc": asc, "orderby_nullsfirst": nulls_first})
    for schema, table, dimensions, compressed, column, interval in server.query("hypertables", HYPERTABLES_SQL):
        relation = f"{schema}.{table}"
        records.append(Record(HYPERTABLE, f"{address}/{relation}", "timescaledb_information.hypertables", None, {
            "relation": relation, "num_dimensions": dimensions, "compression_enabled": bool(compressed),
            "time_column_name": column, "chunk_time_interval": interval, "timescaledb_version": version}))
        if compressed or (schema, table) in compression:
            records.append(Record(COMPRESSION, f"{address}/{relation}/compression",
                                  "timescaledb_information.compression_settings", None,
                                  _compression(relation, bool(compressed), compression.get((schema, table), []))))
    views: dict[tuple[str, str], str] = {}
    for (view_schema, view, schema, table, mat_schema, mat_table, materialized_only, compressed,
         definition) in server.query("continuous_aggregates", CAGGS_SQL):
        views[(mat_schema, mat_table)] = f"{view_schema}.{view}"
        records.append(Record(CONTINUOUS_AGGREGATE, f"{address}/{view_schema}.{view}",
                              "timescaledb_information.continuous_aggregates", None, {
                                  "name": f"{view_schema}.{view}", "source": f"{schema}.{table}",
                                  "materialized_only": materialized_only, "compression_enabled": compressed,
                                  "view_definition": definition}))
    for row in server.query("jobs", JOBS_SQL):
        (job_id, application, schedule, max_runtime, retries, retry_period, proc_schema, proc_name, scheduled,
         config, schema, table) = row
        job_relation = f"{schema}.{table}" if schema and table else None
        records.append(Record(POLICY_JOBS.get(proc_name, JOB), f"{address}/job/{job_id}",
                              "timescaledb_information.jobs", None, {
                                  "job_id": job_id, "application_name": application, "schedule_interval": schedule,
                                  "max_runtime": max_runtime, "max_retries": retries, "retry_period": retry_period,
                                  "proc_schema": proc_schema, "proc_name": proc_name, "scheduled": scheduled,
                                  "config": _job_config(config), "relation": job_relation,
                                  # a refresh policy runs on the aggregate's materialization hypertable
                                  "continuous_aggregate": views.get((schema, table))}))
    return records


def _compression(relation: str, enabled: bool, columns: list[dict[str, Any]]) -> dict[str, Any]:
    """A hypertable's compression settings as ``ALTER TABLE ... SET (timescaledb.compress, ...)`` writes them."""
    segment = sorted((c for c in columns if c["segmentby_column_index"] is not None),
                     key=lambda c: c["segmentby_column_index"])
    order = sorted((c for c in columns if c["orderby_column_index"] is not None),
                   key=lambda c: c["orderby_column_index"])
    orderby = ", ".join(c["attname"] + ("" if c["orderby_asc"] else " DESC")
                        + (" NULLS FIRST" if c["orderby_nullsfirst"] and c["orderby_asc"] else "")
                        + (" NULLS LAST" if not c["orderby_nullsfirst"] and not c["orderby_asc"] else "")
                        for c in order)
    return {"table": relation, "compress": enabled, "segmentby": ", ".join(c["attname"] for c in segment) or None,
            "orderby": orderby or None, "columns": columns}


def collect(options: PostgresOptions) -> Collection:
    """Read every server of ``options``; a server that cannot be reached is a gap, not an error."""
    started = time.perf_counter()
    runner = CallRunner("postgresql", 1, Deadline(options.deadline))
    collection = Collection(PROVIDER, services=("pg_settings", "timescaledb"))
    records: list[Record] = []
    for target in options.urls or ("",):
        try:
            conn = _connect(target, options.timeout)
        except CallFailed as failed:
            failed.reason = f"{_shown_target(target)}: {failed.reason}"
            runner.note("postgres", failed, None, (SERVER, *TIMESCALE_TYPES))
            continue
        with conn:
            server = _Server(runner, conn, options.timeout, _classify)
            address = _address(conn)
            try:
                records.append(_server_record(server, address, conn))
            except CallFailed as failed:
                runner.note("postgres", failed, None, (SERVER,))
                continue
            try:
                records.extend(_timescale_records(server, address))
            except CallFailed as failed:
                runner.note("timescaledb", failed, None, TIMESCALE_TYPES)
    collection.regions = tuple(r.address for r in records if r.type == SERVER)
    return runner.finish(collection, records, FORMAT, started)


@collector("postgres")
class Postgres(ServerSource):
    """The PostgreSQL source for ``specdrift collect postgres`` and ``drift --postgres URL``."""

    # the source's name on the command line; what it collects has provider "postgresql", the provider of
    # postgresql.conf and ALTER SYSTEM, so drift pairs the two (postgres_live.yaml identity.provider)
    name = "postgres"
    description = "read settings from a running PostgreSQL server now (a libpq URL; repeatable)"
    title = "PostgreSQL (role pg_monitor is enough; docs/live-databases.md)"
    help = ("libpq URL or key=value string of a server (repeatable; with `collect postgres` and no URL: the PG* "
            "environment variables)")

    def collect(self, options: ServerOptions) -> Collection:
        if not options.urls and not any(k.startswith("PG") for k in os.environ):
            raise CollectorError("no PostgreSQL server: pass --postgres URL or set the PG* environment variables")
        return collect(options)

    def resource_types(self) -> tuple[str, ...]:
        return (SERVER, *TIMESCALE_TYPES)
