"""The engine rules checked against the real servers: PostgreSQL's units and Redis's memory units.

PostgreSQL: the unit table shipped in scanner/mappings/postgresql.yaml must agree with the server's
pg_settings, and a value must mean to the scanner what it means to the server (SET in a rolled-back
transaction, never ALTER SYSTEM). Redis: a private redis-server on a unix socket (the shared one is
left alone) reads maxmemory units exactly as scanner/units.py does.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.mappings.postgresql import _table, read_setting, setting_spec
from scanner.units import SIZE, parse_quantity
from tests.conftest import server_unavailable

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def pg() -> Iterator[object]:
    psycopg = pytest.importorskip("psycopg")
    try:
        conn = psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3")
    except psycopg.OperationalError as exc:
        server_unavailable(f"PostgreSQL on 127.0.0.1:5432: {exc}")
    with conn:
        yield conn


def test_unit_table_matches_pg_settings(pg) -> None:
    names = list(_table()["settings"])
    rows = pg.execute("SELECT name, vartype, coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
                      [names]).fetchall()
    assert len(rows) >= len(names) - 2, "most settings of the table should exist on the test server"
    for name, vartype, unit in rows:
        spec = setting_spec(name)
        assert spec.type == vartype, name
        assert (spec.unit or "") == unit, name


@pytest.mark.parametrize(("setting", "written"), [
    ("work_mem", "16384"), ("work_mem", "16MB"), ("work_mem", "1GB"), ("maintenance_work_mem", "2097152"),
    ("temp_buffers", "1024"), ("temp_buffers", "16MB"), ("statement_timeout", "60s"), ("statement_timeout", "1min"),
    ("statement_timeout", "1500"), ("log_temp_files", "0"), ("log_temp_files", "10MB"), ("random_page_cost", "1.1"),
    ("effective_io_concurrency", "200"), ("effective_cache_size", "3145728"), ("effective_cache_size", "24GB"),
])
def test_values_mean_to_the_scanner_what_they_mean_to_the_server(pg, setting: str, written: str) -> None:
    with pg.transaction(force_rollback=True):
        pg.execute(f"SET LOCAL {setting} = '{written}'")
        base = pg.execute("SELECT setting FROM pg_settings WHERE name = %s", [setting]).fetchone()[0]
    # the server's value in the setting's own unit, read back by the scanner as a bare number
    assert read_setting(setting, base).key == read_setting(setting, written).key


@pytest.mark.parametrize(("setting", "written"), [("work_mem", "16mb"), ("work_mem", "16 GiB"),
                                                   ("max_connections", "200MB")])
def test_server_rejects_what_the_scanner_rejects(pg, setting: str, written: str) -> None:
    import psycopg

    assert read_setting(setting, written).error
    with pytest.raises(psycopg.Error), pg.transaction(force_rollback=True):
        pg.execute(f"SET LOCAL {setting} = '{written}'")


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    redis = pytest.importorskip("redis")
    binary = shutil.which("redis-server")
    if binary is None:
        server_unavailable("redis-server is not installed")
    workdir: Path = tmp_path_factory.mktemp("redis")
    socket = workdir / "redis.sock"
    process = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly",
                                "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not socket.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        if not socket.exists():
            server_unavailable("private redis-server did not start")
        client = redis.Redis(unix_socket_path=str(socket), socket_timeout=3)
        yield client
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=5)


@pytest.mark.parametrize("written", ["1k", "1K", "1kb", "1KB", "1m", "1mb", "1MB", "1g", "1G", "1gb", "1gB",
                                     "8gb", "8589934592"])
def test_redis_reads_memory_units_like_the_scanner(private_redis, written: str) -> None:
    private_redis.config_set("maxmemory", written)
    server_bytes = int(private_redis.config_get("maxmemory")["maxmemory"])
    quantity = parse_quantity(written, SIZE, "B")
    assert quantity is not None and quantity.value == server_bytes
