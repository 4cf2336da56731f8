"""Loaders for the engine and image files: Dockerfile, redis.conf, postgresql.conf, SQL (settings, TimescaleDB)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.loaders import loader_for
from scanner.loaders.redis_conf import split_args
from scanner.mappings import load_paths
from scanner.model import Unresolved
from tests.conftest import EXAMPLE


def _load(path: Path) -> dict:
    outcome = load_paths([path])
    assert not outcome.errors, outcome.errors
    return {(r.type, r.address): r for r in outcome.resources}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- Dockerfile -------------------------------------------------------------------------------

def test_dockerfile_stages_users_entrypoint_and_lines_of_the_guide() -> None:
    res = _load(EXAMPLE / "docker" / "Dockerfile")
    builder, final = res[("Dockerfile/stage", "builder")], res[("Dockerfile/stage", "stage 1")]
    assert (builder.origin.line, builder.facts["base_image"]) == (2, "node:20-alpine")
    assert (final.origin.line, final.facts["base_image"]) == (21, "node:20-alpine")
    image = res[("Dockerfile", "image")]
    assert image.facts["stage_count"] == 2
    assert (image.facts["user"], image.fact_lines["user"]) == ("nodejs", 36)
    assert (image.facts["init_process"], image.fact_lines["init_process"]) == ("dumb-init", 41)
    assert image.attributes["CMD"] == ["node", "dist/server.js"]
    assert image.attributes["EXPOSE"] == ["3000"] and image.attributes.key_lines["EXPOSE"] == 38


def test_dockerfile_args_platform_inheritance_and_unresolved_build_args(tmp_path: Path) -> None:
    path = _write(tmp_path, "api.Dockerfile", (
        "# syntax=docker/dockerfile:1\n"
        "ARG NODE=20.11.1\n"
        "ARG REGISTRY\n"
        "FROM --platform=$BUILDPLATFORM node:${NODE}-alpine AS build\n"
        "RUN <<EOF\n"
        "npm ci\n"
        "npm run build\n"
        "EOF\n"
        "USER 1001:1001\n"
        "ENTRYPOINT [\"/sbin/tini\", \"--\"]\n"
        "FROM build AS test\n"
        "EXPOSE 8080\n"
        "FROM ${REGISTRY}/runtime:1.0\n"
        "ENTRYPOINT node server.js\n"))
    res = _load(path)
    build = res[("Dockerfile/stage", "build")]
    assert build.facts["base_image"] == "node:20.11.1-alpine"
    assert isinstance(build.facts["platform"], Unresolved)  # BUILDPLATFORM is set by BuildKit, not the file
    test = res[("Dockerfile/stage", "test")]
    assert "base_image" not in test.facts and test.facts["from_stage"] == "build"
    assert test.attributes["USER"] == "1001:1001" and test.attributes.key_lines["USER"] == 9  # inherited
    runtime = res[("Dockerfile/stage", "stage 2")]
    assert isinstance(runtime.facts["base_image"], Unresolved)
    assert "REGISTRY" in runtime.facts["base_image"].reason
    image = res[("Dockerfile", "image")]
    assert image.facts["stage_count"] == 3
    assert "user" not in image.facts  # the last stage starts from an image without USER
    assert image.facts["init_process"].startswith("/bin/sh")  # shell form


def test_dockerfile_args_end_with_their_stage_and_env_passes_to_child_stages(tmp_path: Path) -> None:
    res = _load(_write(tmp_path, "Dockerfile", (
        "ARG UID=10001\n"
        "FROM alpine:3.19 AS base\n"
        "ENV APP_USER=app\n"
        "USER $UID\n"                      # a global ARG is not in scope until declared in the stage
        "FROM base AS declared\n"
        "ARG UID\n"
        "USER $UID\n"
        "FROM base\n"
        "USER ${APP_USER}\n")))          # ENV of the parent stage is
    assert isinstance(res[("Dockerfile/stage", "base")].attributes["USER"], Unresolved)
    assert res[("Dockerfile/stage", "declared")].attributes["USER"] == "10001"
    assert res[("Dockerfile", "image")].facts["user"] == "app"


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.prod", "api.Dockerfile", "Containerfile",
                                  "worker.dockerfile"])
def test_dockerfile_claimed_by_name(name: str) -> None:
    loader = loader_for(Path(name), "FROM x\n")
    assert loader is not None and loader.name == "dockerfile"


def test_dockerfile_claimed_by_content_but_not_other_text() -> None:
    assert getattr(loader_for(Path("build"), "# base\nARG V=1\nFROM alpine:${V}\nRUN true\n"), "name", None) \
        == "dockerfile"
    assert loader_for(Path("notes.txt"), "From the start we wanted...\n") is None


# --- redis.conf ---------------------------------------------------------------------------------

def test_redis_conf_of_the_guide() -> None:
    res = _load(EXAMPLE / "redis" / "redis.conf")
    conf = res[("redis.conf", "redis.conf")]
    password = conf.attributes["requirepass"]
    assert isinstance(password, Unresolved) and "REDIS_PASSWORD" in password.reason
    assert conf.facts["redis_secret_literal"] is False and conf.facts["redis_auth_enabled"] is True
    assert [list(p) for p in conf.attributes["save"]] == [["900", "1"], ["300", "10"], ["60", "10000"]]
    assert [p.line for p in conf.attributes["save"]] == [10, 11, 12]
    assert conf.facts["redis_save"] == [[900, 1], [300, 10], [60, 10000]]
    assert conf.facts["redis_maxmemory"].value == 8 * 1024**3
    assert (conf.facts["redis_bind"], conf.fact_lines["redis_bind"]) == (["0.0.0.0"], 3)
    assert conf.attributes["appendfilename"] == "appendonly.aof"  # quotes removed as Redis does


def test_redis_conf_last_value_wins_and_defaults_apply(tmp_path: Path) -> None:
    conf = _load(_write(tmp_path, "redis.conf", "appendonly yes\nmaxmemory 1gb\nappendonly no\nsave \"\"\n"))[
        ("redis.conf", "redis.conf")]
    assert conf.facts["redis_appendonly"] is False and conf.fact_lines["redis_appendonly"] == 3
    assert conf.facts["redis_save"] == []  # save "" turns snapshots off
    assert conf.facts["redis_maxmemory_policy"] == "noeviction"  # Redis's default when unset
    assert conf.facts["redis_bind"] == ["*", "::*"]  # no bind: every interface


@pytest.mark.parametrize(("line", "words"), [
    ('requirepass "a b\\"c"', ["requirepass", 'a b"c']),
    ("rename-command CONFIG ''", ["rename-command", "CONFIG", ""]),
    ('notify-keyspace-events "\\x41x"', ["notify-keyspace-events", "Ax"]),
    ("  bind 127.0.0.1   -::1 ", ["bind", "127.0.0.1", "-::1"]),
])
def test_redis_argument_splitting_follows_sdssplitargs(line: str, words: list[str]) -> None:
    assert split_args(line) == words


def test_redis_conf_claims_by_content_not_nginx(tmp_path: Path) -> None:
    head = "port 6379\nappendonly yes\nmaxmemory-policy allkeys-lru\nrequirepass x\n"
    assert getattr(loader_for(tmp_path / "cache.conf", head), "name", None) == "redis_conf"
    nginx = "location /api/ {\n    proxy_pass http://api;\n}\n"
    assert getattr(loader_for(EXAMPLE / "cdn" / "nginx-cdn.conf", nginx), "name", None) != "redis_conf"


# --- postgresql.conf ----------------------------------------------------------------------------

def test_postgresql_conf_values_quotes_comments_and_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "postgresql.conf", (
        "# tuned\n"
        "shared_buffers = 1048576          # 8GB in 8kB pages\n"
        "log_line_prefix = '%m [%p] ''x'' '\n"
        "work_mem 16MB\n"
        "work_mem = 32MB\n"
        "include_dir 'conf.d'\n"))
    conf = _load(path)[("postgresql.conf", "postgresql.conf")]
    assert conf.attributes["shared_buffers"] == "1048576"
    assert conf.attributes["log_line_prefix"] == "%m [%p] 'x' "
    assert (conf.attributes["work_mem"], conf.attributes.key_lines["work_mem"]) == ("32MB", 5)
    settings = conf.facts["pg_settings"]
    assert "include_dir" not in settings and settings.key_lines["shared_buffers"] == 2


# --- SQL: PostgreSQL settings and TimescaleDB -----------------------------------------------------

def test_alter_system_statements_of_the_guide() -> None:
    res = _load(EXAMPLE / "postgres" / "tuning.sql")
    settings = res[("ALTER SYSTEM", "ALTER SYSTEM")].facts["pg_settings"]
    assert settings["shared_buffers"] == "8GB" and settings.key_lines["shared_buffers"] == 2
    assert settings["checkpoint_completion_target"] == "0.9"
    assert (settings["log_temp_files"], settings.key_lines["log_temp_files"]) == ("0", 27)
    assert len(settings) == 22


def test_one_sql_file_yields_postgresql_and_timescaledb_resources(tmp_path: Path) -> None:
    path = _write(tmp_path, "migrations/007_tune.sql", (
        "\\connect analytics\n"
        "SET statement_timeout = 0;\n"
        "ALTER SYSTEM SET work_mem = '16MB';\n"
        "ALTER SYSTEM RESET max_connections;\n"
        "CREATE EXTENSION IF NOT EXISTS timescaledb;\n"
        "SELECT create_hypertable('events', by_range('ts', INTERVAL '1 day'));\n"
        "CALL add_columnstore_policy('events', after => INTERVAL '7 days');\n"
        "SELECT add_retention_policy('events',\n"
        "    drop_after => INTERVAL '90 days');\n"))
    res = _load(path)
    server = res[("ALTER SYSTEM", "ALTER SYSTEM")].facts["pg_settings"]
    assert server["work_mem"] == "16MB" and server.key_lines["work_mem"] == 3
    assert isinstance(server["max_connections"], Unresolved)  # reset: the file cannot say the value
    session = res[("SET", "SET")]
    assert session.attributes["statement_timeout"] == "0" and "postgresql_settings" not in session.kinds
    hyper = res[("timescaledb_hypertable", "hypertable events")]
    assert (hyper.facts["time_column"], hyper.facts["chunk_time_interval"].value) == ("ts", 86400)
    policy = res[("timescaledb_compression_policy", "compression_policy events")]
    assert policy.facts["compress_after"].value == 7 * 86400
    retention = res[("timescaledb_retention_policy", "retention_policy events")]
    assert (retention.origin.line, retention.fact_lines["drop_after"]) == (8, 9)
    assert retention.facts["drop_after"].value == 90 * 86400


def test_timescaledb_objects_of_the_guide() -> None:
    res = _load(EXAMPLE / "timescaledb" / "setup.sql")
    lines = {key: r.origin.line for key, r in res.items()}
    assert lines[("timescaledb_extension", "extension timescaledb")] == 2
    assert lines[("timescaledb_hypertable", "hypertable metrics")] == 15
    indexes = sorted(tuple(r.facts["index_columns"]) for (t, _), r in res.items() if t == "postgresql_index")
    assert indexes == [("campaign_id", "time DESC"), ("channel", "time DESC"), ("metric_name", "time DESC")]
    compression = res[("timescaledb_compression", "compression metrics")]
    assert (compression.facts["segmentby"], compression.facts["orderby"]) == ("metric_name,channel", "time DESC")
    assert compression.fact_lines["segmentby"] == 25
    cagg = res[("timescaledb_continuous_aggregate", "continuous_aggregate hourly_metrics")]
    assert (cagg.facts["table"], cagg.facts["bucket_width"].value) == ("metrics", 3600)
    refresh = res[("timescaledb_refresh_policy", "refresh_policy hourly_metrics")]
    assert [refresh.fact_lines[k] for k in ("start_offset", "end_offset", "schedule_interval")] == [48, 49, 50]
    assert res[("timescaledb_retention_policy", "retention_policy metrics")].facts["drop_after"].value == 90 * 86400


def test_sql_of_another_dialect_is_not_claimed() -> None:
    assert loader_for(Path("schema.sql"), "CREATE TABLE `users` (id INT AUTO_INCREMENT) ENGINE=InnoDB;") is None
    assert getattr(loader_for(Path("schema.sql"), "CREATE TABLE users (id int);"), "name", None) == "sql"


@pytest.mark.parametrize("head", ["\n" * 65536, "# comment\n" * 6000, "-- " * 20000, "/* a */" * 9000,
                                  " \t" * 30000 + "x"], ids=["newlines", "comments", "dashes", "c-comments", "blanks"])
def test_content_sniffing_stays_linear_on_pathological_heads(head: str) -> None:
    import time

    from scanner.loaders import LOADERS

    started = time.perf_counter()
    for loader in (LOADERS[name] for name in ("dockerfile", "postgresql_conf", "redis_conf", "sql")):
        for name in ("build", "cache.conf", "notes.txt"):
            loader.claims(Path(name), head)
    assert time.perf_counter() - started < 2.0  # nested quantifiers here used to take minutes


# --- ARM templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["schema.management.azure.com", "schema.management.azure.cn",
                                  "schema.management.usgovcloudapi.net", "schema.management.microsoftazure.de"])
def test_arm_template_claimed_on_every_cloud_schema_host(tmp_path: Path, host: str) -> None:
    """Azure China, US Government and Germany publish the same deployment-template schema on their own hosts."""
    path = _write(tmp_path, "azuredeploy.json", (
        f'{{"$schema": "https://{host}/schemas/2015-01-01/deploymentTemplate.json#",\n'
        ' "contentVersion": "1.0.0.0",\n'
        ' "resources": [{"type": "Microsoft.Cache/Redis", "apiVersion": "2015-08-01", "name": "c",\n'
        '                "properties": {"enableNonSslPort": true}}]}\n'))
    assert getattr(loader_for(path, path.read_text()), "name", None) == "arm"
    assert ("Microsoft.Cache/Redis", "Microsoft.Cache/Redis/c") in _load(path)


def test_arm_schema_on_another_host_is_not_claimed(tmp_path: Path) -> None:
    head = '{"$schema": "https://example.com/schemas/2015-01-01/deploymentTemplate.json#", "resources": []}'
    assert getattr(loader_for(tmp_path / "x.json", head), "name", None) != "arm"
