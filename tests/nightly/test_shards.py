"""``nightly --shard I/N`` and ``nightly --merge RUN``: N real CLI processes against one PostgreSQL database (a
temporary one per test) merge into the one report the unsharded run writes; a shard that is killed or errors leaves
its sources ``unknown`` with the reason, never missing. And the parts that need no server: the assignment, the run
key, the shard spec, a store of the previous schema version opening in this one."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from scanner.history import open_store
from scanner.history.records import DriftRow, FindingRow, SourceRow
from scanner.history.shards import (
    Part,
    ShardSpec,
    config_digest,
    default_run_key,
    keyed_sources,
    parse_shard,
    shard_of,
    source_keys,
)
from scanner.history.store import MIGRATIONS, migrations
from tests.conftest import ROOT, run_cli, server_unavailable
from tests.history.old_stores import POSTGRES_SERIAL, write_old_schema

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379"
SHARDS = 4
IAC = [ROOT / "examples/marketing-engine/redis", ROOT / "examples/marketing-engine/postgres"]


# --- no server needed ---------------------------------------------------------------------------------------------

def test_a_shard_is_I_of_N_or_auto_from_the_indexed_jobs_variable() -> None:
    assert parse_shard("2/4") == ShardSpec(2, 4)
    assert parse_shard("auto/4", {"JOB_COMPLETION_INDEX": "3"}) == ShardSpec(3, 4)
    for bad in ("4/4", "-1/4", "1", "a/b", "0/0", "1/"):
        with pytest.raises(ValueError, match="--shard"):
            parse_shard(bad, {})
    with pytest.raises(ValueError, match="JOB_COMPLETION_INDEX"):
        parse_shard("auto/4", {})


def _sources(n: int) -> list[dict[str, Any]]:
    return [{"name": "redis", "options": {"redis": [f"redis://cache-{i}.internal:6379"]}} for i in range(n)]


def test_a_source_keeps_its_shard_when_others_come_and_go_and_the_shards_share_the_load() -> None:
    sources = _sources(200)
    keys = source_keys(sources)
    before = {k: shard_of(k, SHARDS) for k in keys}
    fewer = source_keys([{"name": "aws", "options": {"profile": "new-account"}}, *sources[50:]])
    assert fewer[1:] == keys[50:]  # a source's key (so its shard) is its own, not its place in the list
    assert [shard_of(k, SHARDS) for k in fewer[1:]] == [before[k] for k in keys[50:]]
    load = [list(before.values()).count(i) for i in range(SHARDS)]
    assert min(load) >= 30, load  # 200 sources over 4 shards: none near empty
    twice = source_keys([sources[0], sources[1], sources[0]])  # one source configured twice stays twice
    assert twice[2] == f"{twice[0]}#2" and shard_of(twice[2], SHARDS) == shard_of(twice[0], SHARDS)


def test_the_default_run_id_is_the_date_and_the_configuration() -> None:
    config: dict[str, Any] = {"sources": _sources(3), "scope": "prod"}
    key = default_run_key(config, date(2026, 12, 6))
    assert key == default_run_key(json.loads(json.dumps(config)), date(2026, 12, 6))
    assert key.startswith("2026-12-06-") and key != default_run_key(config, date(2026, 12, 7))
    assert key != default_run_key({**config, "scope": "staging"}, date(2026, 12, 6))
    assert config_digest(config) == config_digest(dict(reversed(list(config.items()))))


def test_a_source_is_described_by_its_options_without_credentials() -> None:
    from scanner.history.shards import describe

    assert describe({"name": "redis", "options": {"redis": ["rediss://:hunter2hunter2@cache:6380/0"], "timeout": 5,
                                                  "strict": True}}) == "redis rediss://cache:6380/0 5"
    assert describe({"name": "aws", "options": {"profile": "prod-eu", "region": ["eu-west-1", "us-east-1"]}}) == \
        "aws prod-eu eu-west-1 us-east-1"
    for secret in ("postgresql://u:s3cret@db/app", "postgresql://db/app?password=s3cret&sslmode=require",
                   "host=db password=s3cret dbname=app", "host=db password = 's3cret x' dbname=app"):
        assert "s3cret" not in describe({"name": "postgres", "options": {"postgres": [secret]}}), secret


def test_a_part_reads_back_whole() -> None:
    part = Part("k1", SourceRow("aws", False, "access denied", 1.5),
                [FindingRow("fp", "ME-X", ("R1", "R2"), "high", "violates", "a.b", "m", "f", True, False, "o")],
                [DriftRow("changed", "t", "a.b", "aws", ("f", "g"))])
    assert Part.from_json(part.to_json()) == part


def test_a_store_at_the_previous_schema_version_opens_with_the_shard_tables_and_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as db:  # what specdrift left behind before sharding (migrations 1 and 2)
        write_old_schema(db, 2, applied_at="2026-11-01T00:00:00+00:00")
        db.execute("INSERT INTO runs (kind, scope, started_at, duration_s, tool_version, pack_version, timings) "
                   "VALUES ('nightly', 'prod', '2026-11-01T02:00:00+00:00', 2.0, '0.1', 'old', '{}')")
    assert (MIGRATIONS / "0003_shards.sql").exists() and len(migrations()) >= 3
    with open_store(path) as store:
        assert store.version() == len(migrations())
        assert store.run(1).pack_version == "old"
        assert store.rows("SELECT COUNT(*) FROM shards")[0][0] == 0


def test_a_merge_with_no_shard_reported_has_every_source_unknown_and_runs_once(tmp_path: Path) -> None:
    config = _write_config(tmp_path / "nightly.yaml", tmp_path / "history.db", tmp_path / "out",
                           [{"name": "redis", "options": {"redis": ["redis://127.0.0.1:1"]}},
                            {"name": "postgres", "options": {"postgres": ["postgresql://127.0.0.1:1/x"]}}])
    done = run_cli("nightly", "--config", str(config), "--merge", "today")  # shards started without --run-id
    assert done.returncode in (0, 1), done.stderr
    key = default_run_key(json.loads(config.read_text()), datetime.now(timezone.utc).date())
    report = _report(tmp_path / "out")
    assert [(s["name"], s["up"], s["reason"]) for s in report["sources"]] == [
        ("redis", False, f"redis redis://127.0.0.1:1 not collected: no shard of run {key} reported"),
        ("postgres", False, f"postgres postgresql://127.0.0.1:1/x not collected: no shard of run {key} reported")]
    assert report["unknown"]  # their checks are unknown, not passed
    again = run_cli("nightly", "--config", str(config), "--merge", key)
    assert again.returncode == 2 and "merged already, as run 1" in again.stderr


def test_a_bad_shard_argument_is_a_usage_error(tmp_path: Path) -> None:
    config = _write_config(tmp_path / "nightly.yaml", tmp_path / "history.db", tmp_path / "out", _sources(1))
    for argv in (["--shard", "4/4"], ["--shard", "0/2", "--merge", "x"], ["--run-id", "x"]):
        done = run_cli("nightly", "--config", str(config), *argv, env={"JOB_COMPLETION_INDEX": ""})
        assert done.returncode == 2 and "specdrift: error:" in done.stderr, (argv, done.stderr)


# --- against the local PostgreSQL and Redis ------------------------------------------------------------------------

def _write_config(path: Path, store: Path | str, out: Path, sources: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"iac": [str(p) for p in IAC], "scope": "nightly-test", "sources": sources,
                                "store": str(store), "output_dir": str(out)}, indent=1))  # JSON is YAML
    return path


def _report(out: Path) -> dict[str, Any]:
    [folder] = (out / "reports").iterdir()
    return dict(json.loads((folder / "report.json").read_text()))


def _blank(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs from run to run: ids, clocks, timings."""
    blanked = {**report, "run": None, "started_at": None, "duration_seconds": None, "timings": None}
    blanked["sources"] = [{**s, "duration_seconds": None} for s in report["sources"]]
    return blanked


def _prometheus(out: Path) -> list[str]:
    [folder] = (out / "reports").iterdir()
    return [line for line in (folder / "specdrift.prom").read_text().splitlines()
            if not line.startswith("specdrift_last_run_timestamp_seconds ")]


@pytest.fixture
def database() -> Iterator[Callable[[], str]]:
    """Makes temporary databases on the local PostgreSQL; each is dropped afterwards."""
    psycopg: Any = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        server_unavailable(f"PostgreSQL on 127.0.0.1:5432: {exc}")
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 6379)) != 0:
            admin.close()
            server_unavailable("Redis on 127.0.0.1:6379")
    made: list[str] = []

    def make() -> str:
        name = f"specdrift_shards_{uuid.uuid4().hex[:10]}"
        admin.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    yield make
    for name in made:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def _live_sources() -> list[dict[str, Any]]:
    """Cheap local sources: the Redis's databases, the PostgreSQL under two names, one Redis that is not there
    (fixed: the identities decide the shards, and every shard should have work)."""
    sources: list[dict[str, Any]] = [{"name": "redis", "options": {"redis": [f"{REDIS}/{db}"]}} for db in range(6)]
    sources += [{"name": "postgres", "options": {"postgres": [f"postgresql://postgres@127.0.0.1:5432/{db}"]}}
                for db in ("postgres", "template1")]
    sources.append({"name": "redis", "options": {"redis": ["redis://127.0.0.1:1"], "timeout": 1}})  # refused
    return sources


def _shard(config: Path, index: int, run_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "scanner", "nightly", "--config", str(config), "--shard",
                             f"{index}/{SHARDS}", "--run-id", run_id], cwd=ROOT, env={**os.environ, "NO_COLOR": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.server
def test_four_shards_merge_into_the_report_of_the_unsharded_run(tmp_path: Path,
                                                                 database: Callable[[], str]) -> None:
    sources = _live_sources()
    config = {"sources": sources}
    assert {shard_of(k, SHARDS) for k, _ in keyed_sources(config)} == set(range(SHARDS))  # every shard has work
    whole = _write_config(tmp_path / "whole.yaml", database(), tmp_path / "whole", sources)
    unsharded = run_cli("nightly", "--config", str(whole))
    assert unsharded.returncode == 1, unsharded.stderr  # the example's redis.conf drifts from the local Redis

    sharded = _write_config(tmp_path / "sharded.yaml", database(), tmp_path / "sharded", sources)
    processes = [_shard(sharded, i, "night-1") for i in range(SHARDS)]  # at once, like an Indexed Job's pods
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    assert not (tmp_path / "sharded" / "reports").exists()  # a shard writes no report
    merged = run_cli("nightly", "--config", str(sharded), "--merge", "night-1")
    assert merged.returncode == unsharded.returncode, merged.stderr

    expected, got = _report(tmp_path / "whole"), _report(tmp_path / "sharded")
    assert len(got["sources"]) == len(sources) and got["counts"]["new"] > 0 and got["unknown"]
    assert [s["up"] for s in got["sources"]] == [True] * 8 + [False]
    assert _blank(got) == _blank(expected)
    assert _prometheus(tmp_path / "sharded") == _prometheus(tmp_path / "whole")
    assert set(got["timings"]) == set(expected["timings"]) | {"merge"}
    listing = run_cli("history", "--store", json.loads(sharded.read_text())["store"])
    assert [line.split()[:3] for line in listing.stdout.splitlines()[1:]] == [["1", got["started_at"], "nightly"]]


def _silent_server() -> tuple[socket.socket, int]:
    """A TCP port that accepts connections and never answers: a source that hangs until its shard is killed."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, int(server.getsockname()[1])


def _wait_for_running(url: str, run_id: str, shard: int) -> None:
    import psycopg

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with psycopg.connect(url) as db:
            try:
                rows = db.execute("SELECT state FROM shards WHERE run_key = %s AND shard = %s",
                                  (run_id, shard)).fetchall()
            except psycopg.errors.UndefinedTable:
                rows = []
        if rows and rows[0][0] == "running":
            return
        time.sleep(0.2)
    raise AssertionError(f"shard {shard} never said it started")


@pytest.mark.server
def test_a_killed_shard_and_an_erroring_shard_leave_their_sources_unknown(tmp_path: Path,
                                                                          database: Callable[[], str]) -> None:
    server, port = _silent_server()
    good = [{"name": "redis", "options": {"redis": [f"{REDIS}/{db}"]}} for db in range(6)]
    bad = {"name": "redis", "options": {"redis": [f"{REDIS}/7"], "timeout": -1}}  # the shard owning it errors
    bad_shard = shard_of(source_keys([bad])[0], SHARDS)
    # The hanging source's identity has the port in it: pick its timeout so it lands on another shard than the
    # erroring one, and a shard of good sources is left over to show that they still count.
    for timeout in range(100, 200):
        hang = {"name": "redis", "options": {"redis": [f"redis://127.0.0.1:{port}"], "timeout": timeout}}
        sources = [*good, hang, bad]
        where = [shard_of(k, SHARDS) for k, _ in keyed_sources({"sources": sources})]
        hang_shard = where[-2]
        if hang_shard != bad_shard and set(where[:6]) - {hang_shard, bad_shard}:
            break
    url = database()
    config = _write_config(tmp_path / "nightly.yaml", url, tmp_path / "out", sources)
    try:
        processes = {i: _shard(config, i, "night-2") for i in range(SHARDS)}
        _wait_for_running(url, "night-2", hang_shard)
        time.sleep(1.0)  # into its collection, waiting on the silent port
        processes[hang_shard].send_signal(signal.SIGKILL)
        outcomes = {i: p.communicate(timeout=300) for i, p in processes.items()}
    finally:
        server.close()
    assert processes[hang_shard].returncode == -signal.SIGKILL
    assert processes[bad_shard].returncode == 2 and "bad options" in outcomes[bad_shard][1]
    assert all(processes[i].returncode == 0 for i in processes if i not in (hang_shard, bad_shard)), outcomes

    merged = run_cli("nightly", "--config", str(config), "--merge", "night-2")
    assert merged.returncode == 1, merged.stderr
    report = _report(tmp_path / "out")
    assert len(report["sources"]) == len(sources)  # never missing
    for source, shard, row in zip(sources, where, report["sources"], strict=True):
        assert row["name"] == source["name"]
        if shard == hang_shard:
            assert not row["up"] and f"shard {shard}/{SHARDS} of run night-2 started at" in row["reason"] \
                and "never finished" in row["reason"], row
        elif shard == bad_shard:
            assert not row["up"] and f"shard {shard}/{SHARDS} of run night-2 failed: source redis: bad options" \
                in row["reason"], row
        else:
            assert row["up"] and not row["reason"], row
    down = sum(not s["up"] for s in report["sources"])
    assert down == sum(w in (hang_shard, bad_shard) for w in where) >= 2
    [folder] = (tmp_path / "out" / "reports").iterdir()
    prom = (folder / "specdrift.prom").read_text()
    assert prom.count('specdrift_source_up{source="redis"} 0') == down
    summary = (folder / "summary.md").read_text()
    assert "Sources that failed" in summary and "never finished" in summary and "bad options" in summary
    # their checks are unknown (not passed), each saying why; the Redis sources that answered leave none unknown
    reasons = {s["reason"] for s in report["sources"] if not s["up"]}
    assert report["unknown"] and all(any(r in f["message"] for r in reasons) for f in report["unknown"])
    assert all(any(r in f["message"] for f in report["unknown"]) for r in reasons)


def _open_at_once(url: str, processes: int = 6) -> tuple[list[int], list[Exception]]:
    """The versions ``processes`` connections opening ``url`` at the same moment reach, and their errors."""
    barrier, errors, versions = threading.Barrier(processes), [], []

    def open_it() -> None:
        barrier.wait()
        try:
            with open_store(url) as store:
                versions.append(store.version())
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return versions, errors


@pytest.mark.server
def test_shards_opening_a_fresh_store_at_once_migrate_it_once(database: Callable[[], str], tmp_path: Path) -> None:
    """The first night on a new store: every shard starts by bringing the schema up to date, at the same moment."""
    for url in (database(), str(tmp_path / "history.db")):
        versions, errors = _open_at_once(url)
        assert not errors and versions == [len(migrations())] * 6, (url, errors)


@pytest.mark.server
def test_a_postgresql_store_of_the_previous_version_opens_with_its_runs(database: Callable[[], str]) -> None:
    import psycopg

    url = database()
    with psycopg.connect(url, autocommit=True) as db:  # what specdrift before sharding left behind
        write_old_schema(db, 2, POSTGRES_SERIAL, "%s", applied_at="2026-11-01T00:00:00+00:00")
        db.execute("INSERT INTO runs (kind, scope, started_at, duration_s, tool_version, pack_version, timings) "
                   "VALUES ('nightly', 'prod', '2026-11-01T02:00:00+00:00', 2.0, '0.1', 'old', '{}')")
    with open_store(url) as store:
        assert store.version() == len(migrations()) >= 3
        assert store.run(1).pack_version == "old" and store.run_ids() == [1]
        assert store.rows("SELECT COUNT(*) FROM shard_parts")[0][0] == 0
