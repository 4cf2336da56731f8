"""Every live source against a server that fails as networks do (tests/collectors/fault_server.py): silent,
trickling a byte at a time, resetting the connection, answering 200 with what cannot be read.

Each collection must end within a bound the options set (the per-call timeout, the attempts, the calls that run
one after another), with every resource type the source would have read under a gap naming the reason: the
checks that needed them are ``unknown``, never passed and never silently absent. 403 and 429/503 storms are
covered per source by the source's own tests (test_aws_faults, test_gcp_collector, test_azure_collector,
test_kubernetes_live, test_postgres_live, test_redis_live).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scanner.collectors.collection import Collection
from tests.collectors.fault_server import MODES, fault_server

TIMEOUT = 0.5  # seconds per call; every call of these collections fails, so nothing legitimate is cut short
# Seconds a whole collection may take: the calls that run one after another (at most 3 here: a probe or a
# connection, a listing, a detail) times the per-call timeout and its attempts, with room for a loaded machine.
BOUND = 12.0


def _aws(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Collection, tuple[str, ...]]:
    pytest.importorskip("boto3")
    from scanner.collectors.aws import AwsOptions, collect, resource_types
    from tests.aws_env import aws_env

    for key, value in aws_env().items():
        monkeypatch.setenv(key, value)
    options = AwsOptions(endpoint_url=url, regions=("eu-west-1",), services=("rds", "ecs"), timeout=TIMEOUT,
                         max_attempts=1)
    return collect(options), resource_types(options.services)


def _gcp(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Collection, tuple[str, ...]]:
    pytest.importorskip("google.cloud.compute_v1", reason="the gcp extra is not installed")
    import google.auth
    import google.oauth2.credentials

    from scanner.collectors.gcp import SERVICES, GcpOptions, collect, resource_types

    monkeypatch.setattr(google.auth, "default", lambda scopes=None, **_: (
        google.oauth2.credentials.Credentials("ya29.test-token", scopes=scopes), "proj"))
    options = GcpOptions(projects=("proj",), services=("sqladmin", "redis"), endpoints=dict.fromkeys(SERVICES, url),
                         timeout=TIMEOUT, max_attempts=2)
    return collect(options), resource_types(options.services)


def _azure(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Collection, tuple[str, ...]]:
    from scanner.collectors.azure import NSG, POSTGRES, AzureOptions, collect
    from tests.collectors.azure_fake import SUBSCRIPTION, StaticToken

    types = (NSG, POSTGRES)
    options = AzureOptions(subscriptions=(SUBSCRIPTION,), arm_endpoint=url, ca_bundle=str(tmp_path / "ca.pem"),
                           credential=StaticToken(), types=types, timeout=TIMEOUT, max_attempts=2)
    return collect(options), types


def _kubernetes(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Collection, tuple[str, ...]]:
    pytest.importorskip("kubernetes")
    from scanner.collectors.kubernetes import KINDS, KubernetesOptions, collect
    from tests.collectors.kube_fake import write_kubeconfig

    config = write_kubeconfig(tmp_path / "kubeconfig", url)
    options = KubernetesOptions(kubeconfig=str(config), namespaces=("app",), timeout=TIMEOUT, max_attempts=2,
                                concurrency=16)
    return collect(options), tuple(kind.kind for kind in KINDS)


def _postgres(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Collection, tuple[str, ...]]:
    pytest.importorskip("psycopg")
    from scanner.collectors.postgres import Postgres
    from scanner.collectors.servers import ServerOptions

    source = Postgres()
    target = url.replace("http://", "postgresql://specdrift@") + "/app?sslmode=disable"
    return source.collect(ServerOptions(urls=(target,), timeout=TIMEOUT)), source.resource_types()[:1]


def _redis(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Collection, tuple[str, ...]]:
    pytest.importorskip("redis")
    from scanner.collectors.redis import Redis
    from scanner.collectors.servers import ServerOptions

    source = Redis()
    return source.collect(ServerOptions(urls=(url.replace("http://", "redis://") + "/0",), timeout=TIMEOUT)), \
        source.resource_types()


SOURCES: dict[str, tuple[str, Callable[..., tuple[Collection, tuple[str, ...]]]]] = {
    "aws": ("http", _aws), "gcp": ("http", _gcp), "azure": ("https", _azure), "kubernetes": ("http", _kubernetes),
    "postgres": ("postgres", _postgres), "redis": ("redis", _redis),
}


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[ssl.SSLContext]:
    import trustme

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    yield context


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_failing_server_is_a_gap_with_its_reason_within_the_bound(source: str, mode: str, tmp_path: Path,
                                                                    tls: ssl.SSLContext,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    protocol, run = SOURCES[source]
    with fault_server(mode, "http" if protocol == "https" else protocol,
                      tls if protocol == "https" else None) as server:
        started = time.monotonic()
        collection, types = run(server.url, tmp_path, monkeypatch)
        took = time.monotonic() - started
    assert server.connections, "the collector never reached the fault server"
    assert took < BOUND, f"{source} against a {mode} server took {took:.1f}s"
    assert collection.gaps, f"{source} against a {mode} server: no gap"
    assert not [r for r in collection.resources if r.type in types], collection.resources
    hidden = {t for gap in collection.gaps for t in gap.types}
    assert set(types) <= hidden, f"types silently missing: {set(types) - hidden}; gaps: {collection.gaps}"
    for gap in collection.gaps:
        assert gap.code in ("timeout", "error", "region_unavailable", "throttled"), gap
        assert gap.reason.strip(), gap
    if mode in ("silent", "trickle"):
        assert any(gap.code == "timeout" for gap in collection.gaps), collection.gaps


