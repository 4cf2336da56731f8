"""The Redis collector against real redis-server processes this module starts from the installed binary on
free ports (the shared server on 6379 is only read): the guide's settings, drift from a redis.conf, an ACL
user without CONFIG rights (unknown, never pass), and a password that never appears in any output."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.redis import RedisOptions, collect
from scanner.collectors.snapshot import dumps
from scanner.drift.report import build
from scanner.mappings import load_paths, normalize
from scanner.policy.pack import load_policies
from tests.conftest import EXAMPLE, POLICIES, run_cli, server_unavailable

pytestmark = pytest.mark.server
PASSWORD = "redis-secret-7Qx2"
GUIDE = ["--maxmemory", "8gb", "--maxmemory-policy", "allkeys-lru", "--appendonly", "yes", "--appendfsync", "everysec",
         "--timeout", "300", "--tcp-keepalive", "300"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    pytest.importorskip("redis")
    binary = shutil.which("redis-server")
    if binary is None:
        server_unavailable("redis-server is not installed")
    processes: list[subprocess.Popen[bytes]] = []

    def run(*args: str, conf: Path | None = None) -> str:
        """A server on a free port: ``conf`` (a configuration file, its port, bind and dir overridden) or the
        built-in defaults without snapshots, then ``args``."""
        port = _free_port()
        base = [str(conf)] if conf else ["--save", ""]
        process = subprocess.Popen([binary, *base, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
                                    *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return f"redis://127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.05)
        server_unavailable("private redis-server did not start")
        return ""

    yield run
    for process in processes:
        process.terminate()
        process.wait(timeout=5)


def _policies(*ids: str) -> list[Any]:
    return [p for p in load_policies([POLICIES]) if p.id in ids]


def _verdicts(collection: Any, *ids: str) -> dict[str, str]:
    [item] = build([], collection, _policies(*ids)).items
    return {r.policy.id: r.live.verdict for r in item.requirements}


def test_the_guide_settings_comply_and_the_defaults_violate(start: Any) -> None:
    guide = collect(RedisOptions(urls=(start(*GUIDE),), timeout=5))
    default = collect(RedisOptions(urls=(start(),), timeout=5))
    assert not guide.gaps and not default.gaps
    server = normalize(guide.resources[0])
    assert server.facts["redis_maxmemory"].value == 8 * 1024**3
    assert server.facts["redis_bind"] == ["127.0.0.1"] and server.facts["redis_save"] == []
    assert _verdicts(guide, "ME-RED-03", "ME-RED-05") == {"ME-RED-03": "complies", "ME-RED-05": "complies"}
    assert _verdicts(default, "ME-RED-03", "ME-RED-05") == {"ME-RED-03": "violates", "ME-RED-05": "violates"}
    # the policies that claim live/redis (the coverage matrix's live column) each judge a running server
    claiming = {p.id for p in load_policies([POLICIES]) if "live/redis" in p.sources}
    [item] = build([], guide, load_policies([POLICIES])).items
    judged = {r.policy.id for r in item.requirements if r.live is not None and r.live.verdict in ("complies",
                                                                                                 "violates")}
    assert claiming and claiming <= judged and {i for i in judged if i.startswith("ME-RED-")} <= claiming


def test_a_redis_conf_that_differs_from_the_server_is_drift_with_the_config_set_fix(start: Any,
                                                                                  tmp_path: Path) -> None:
    conf = tmp_path / "iac" / "redis.conf"
    conf.parent.mkdir()
    conf.write_text("bind 127.0.0.1\nmaxmemory 8gb\nmaxmemory-policy allkeys-lru\nappendonly yes\n"
                    "appendfsync everysec\nsave \"\"\ntimeout 300\ntcp-keepalive 300\n")
    declared = load_paths([conf.parent]).resources
    in_sync = collect(RedisOptions(urls=(start(*GUIDE),), timeout=5))
    [item] = build(declared, in_sync, _policies("ME-RED-03")).items
    assert item.status == "in_sync", item.differences
    drifted = collect(RedisOptions(urls=(start("--maxmemory", "8gb", "--maxmemory-policy", "noeviction",
                                               "--appendonly", "no", "--timeout", "300"),), timeout=5))
    [item] = build(declared, drifted, _policies("ME-RED-03", "ME-RED-05")).items
    assert item.status == "changed"
    changed = {d.fact: (d.declared, d.live) for d in item.differences}
    assert changed["redis_maxmemory_policy"] == ("allkeys-lru", "noeviction")
    assert changed["redis_appendonly"] == (True, False)
    cloud = [f.snippet for f in item.fixes if f.direction == "cloud"]
    assert any("CONFIG SET maxmemory-policy allkeys-lru" in s for s in cloud)
    assert any("CONFIG SET appendonly yes" in s for s in cloud)


def test_without_config_rights_the_checks_are_unknown_never_pass(start: Any) -> None:
    url = start(*GUIDE, "--user", "reader", "on", f">{PASSWORD}", "+info", "+ping", "~*")
    reader = url.replace("redis://", f"redis://reader:{PASSWORD}@")
    collection = collect(RedisOptions(urls=(reader,), timeout=5))
    [gap] = collection.gaps
    assert gap.code == "access_denied" and "CONFIG GET" in gap.api
    [item] = build([], collection, _policies("ME-RED-03", "ME-RED-05")).items
    for row in item.requirements:
        assert row.live.verdict == "unknown" and "CONFIG GET is not permitted" in row.live.message
    # the minimal ACL of docs/live-databases.md is enough
    minimal = start(*GUIDE, "--user", "specdrift", "on", f">{PASSWORD}", "+config|get", "+info", "~*")
    collection = collect(RedisOptions(urls=(minimal.replace("redis://", f"redis://specdrift:{PASSWORD}@"),),
                                      timeout=5))
    assert not collection.gaps and _verdicts(collection, "ME-RED-03") == {"ME-RED-03": "complies"}


def test_the_password_is_never_printed(start: Any, tmp_path: Path) -> None:
    url = start(*GUIDE, "--requirepass", PASSWORD).replace("redis://", f"redis://:{PASSWORD}@")
    collection = collect(RedisOptions(urls=(url,), timeout=5))
    assert not collection.gaps
    assert normalize(collection.resources[0]).facts["redis_auth_enabled"] is True
    assert PASSWORD not in dumps(collection)
    out = tmp_path / "r.json"
    done = run_cli("collect", "redis", "--redis", url, "--out", str(out))
    drift = run_cli("drift", "--redis", url, "--format", "json")
    wrong = run_cli("collect", "redis", "--redis", url.replace(PASSWORD, PASSWORD + "x"))
    assert done.returncode == 0 and drift.returncode in (0, 1), done.stderr + drift.stderr
    assert "could not read" in wrong.stderr
    for text in (out.read_text(), done.stderr, drift.stdout, drift.stderr, wrong.stdout, wrong.stderr):
        assert PASSWORD not in text


def _standalone(tmp_path: Path) -> Path:
    """The guide's redis.conf adapted to run here alone: a password instead of ${REDIS_PASSWORD}, no cluster
    mode (one node), its port, bind and dir given on the command line."""
    text = (EXAMPLE / "redis" / "redis.conf").read_text()
    for old, new in (("requirepass ${REDIS_PASSWORD}", f"requirepass {PASSWORD}"), ("dir /data\n", ""),
                     ("cluster-enabled yes", "cluster-enabled no")):
        assert old in text
        text = text.replace(old, new)
    conf = tmp_path / "standalone.conf"
    conf.write_text(text)
    return conf


def test_the_guides_redis_conf_against_its_server_drifted_and_the_fix_both_ways(start: Any, tmp_path: Path) -> None:
    """The guide's redis.conf (the IaC) against redis-server started with it (standalone): what differs is what
    was adapted; planted changes (maxmemory-policy noeviction, appendonly no) are drift with the declared, live and
    required values, the CONFIG SET fix for the server, and for a change the guide allows, the file's line."""
    iac = tmp_path / "iac"
    iac.mkdir()
    shutil.copy(EXAMPLE / "redis" / "redis.conf", iac / "redis.conf")
    declared = load_paths([iac]).resources
    policies = _policies("ME-RED-03", "ME-RED-05", "ME-RED-06", "ME-RED-07")
    conf = _standalone(tmp_path)
    auth = f"redis://:{PASSWORD}@"
    guide = collect(RedisOptions(urls=(start(conf=conf).replace("redis://", auth),), timeout=5))
    assert not guide.gaps
    [item] = [i for i in build(declared, guide, policies).items if i.pair.type == "redis.server"]
    # bind (the test's 127.0.0.1) and cluster-enabled (one node) are what the adaptation changed
    assert {d.fact for d in item.differences} == {"redis_bind", "redis_cluster_enabled"}
    assert {r.policy.id: r.live.verdict for r in item.requirements if r.live} == {
        "ME-RED-03": "complies", "ME-RED-05": "complies", "ME-RED-06": "violates", "ME-RED-07": "complies"}

    drifted = collect(RedisOptions(urls=(start("--maxmemory-policy", "noeviction", "--appendonly", "no",
                                               "--tcp-keepalive", "60", "--cluster-node-timeout", "7000",
                                               conf=conf).replace("redis://", auth),),
                                   timeout=5))
    [item] = [i for i in build(declared, drifted, policies).items if i.pair.type == "redis.server"]
    changed = {d.fact: (d.declared, d.live) for d in item.differences}
    assert changed["redis_maxmemory_policy"] == ("allkeys-lru", "noeviction")
    assert changed["redis_appendonly"] == (True, False)
    assert changed["redis_tcp_keepalive"][1].value == 60
    rows = {r.policy.id: r for r in item.requirements}
    memory, aof = rows["ME-RED-03"], rows["ME-RED-05"]
    assert (memory.declared.verdict, memory.live.verdict) == ("complies", "violates")
    assert memory.live.value == "noeviction" and memory.required == "maxmemory-policy allkeys-lru"
    assert (aof.declared.verdict, aof.live.verdict) == ("complies", "violates")
    assert aof.live.value == "false" and aof.required == "appendonly yes"
    fixes = {(f.direction, f.fact): f.snippet for f in item.fixes}
    url = drifted.resources[0].address
    assert fixes[("cloud", "redis_maxmemory_policy")] == (f"redis-cli -u {url} CONFIG SET maxmemory-policy allkeys-lru "
                                                          f"&& redis-cli -u {url} CONFIG REWRITE")
    assert "CONFIG SET appendonly yes" in fixes[("cloud", "redis_appendonly")]
    assert "CONFIG SET tcp-keepalive 300" in fixes[("cloud", "redis_tcp_keepalive")]
    assert "CONFIG SET cluster-node-timeout 5000" in fixes[("cloud", "redis_cluster_node_timeout")]
    # the other way, the redis.conf line: for a value no requirement rejects (cluster-node-timeout 7000), never for
    # one the guide rejects (noeviction, appendonly no, tcp-keepalive 60 where ME-RED-07 wants 300)
    assert fixes[("iac", "redis_cluster_node_timeout")] == "cluster-node-timeout 7000"
    assert not {("iac", f) for f in ("redis_maxmemory_policy", "redis_appendonly", "redis_tcp_keepalive")} & set(fixes)
    assert PASSWORD not in str(fixes)
