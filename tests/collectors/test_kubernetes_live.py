"""The live Kubernetes collector: the official client against a local API server (tests/collectors/kube_fake.py),
configured through an ordinary kubeconfig file. Only GETs, Secrets metadata only, pages, retries, RBAC gaps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("kubernetes")

from scanner.collectors import COLLECTORS
from scanner.collectors.calls import ACCESS_DENIED, CollectorError, ReadOnlyViolation
from scanner.collectors.kubernetes import KINDS, KubernetesOptions, collect
from scanner.collectors.snapshot import dumps, from_dict
from tests.collectors.kube_fake import SECRET_VALUE, TOKEN, FakeKube, Fault, running, write_kubeconfig
from tests.conftest import ROOT

GUIDE = ROOT / "examples" / "marketing-engine" / "kubernetes"
NS = "marketing-engine"


def guide_objects() -> list[dict[str, Any]]:
    return [doc for path in sorted(GUIDE.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def plain_secret(name: str = "db-password") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": name, "namespace": NS},
            "data": {"password": SECRET_VALUE}}


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[FakeKube]:
    fake = FakeKube()
    for obj in guide_objects():
        fake.add(obj)
    fake.add(plain_secret())
    with running(fake):
        write_kubeconfig(tmp_path / "kubeconfig", fake.url)
        yield fake


def options(tmp_path: Path, **kw: Any) -> KubernetesOptions:
    return KubernetesOptions(kubeconfig=str(tmp_path / "kubeconfig"), **kw)


def assert_read_only(kube: FakeKube) -> None:
    """Every request the fake saw was a GET, authenticated, no watch, and Secrets were asked for metadata only."""
    assert kube.requests
    for seen in kube.requests:
        assert seen.method == "GET", seen
        assert "watch" not in seen.query, seen
        assert seen.authorization == f"Bearer {TOKEN}"
        if seen.path.endswith("/secrets"):
            assert seen.accept == "application/json;as=Table;g=meta.k8s.io;v=v1", seen
            assert seen.query.get("includeObject") == ["Metadata"], seen


def test_the_guides_objects_are_read_as_their_manifests(kube: FakeKube, tmp_path: Path) -> None:
    collection = collect(options(tmp_path))
    assert collection.gaps == []
    assert sorted(r.address for r in collection.resources) == [
        "Namespace/marketing-engine", "marketing-engine/Deployment/api-server",
        "marketing-engine/HorizontalPodAutoscaler/api-server-hpa", "marketing-engine/Ingress/api-ingress",
        "marketing-engine/NetworkPolicy/api-server-netpol", "marketing-engine/SealedSecret/database-credentials",
        "marketing-engine/Secret/db-password", "marketing-engine/Service/api-server"]
    assert {r.format for r in collection.resources} == {"kubernetes"}
    assert {r.source for r in collection.resources} == {"live"}
    deployment = next(r for r in collection.resources if r.type == "Deployment")
    attrs = deployment.attributes
    assert (attrs["apiVersion"], attrs["kind"]) == ("apps/v1", "Deployment")  # list items omit them
    assert "status" not in attrs
    assert set(attrs["metadata"]) == {"name", "namespace"}  # uid, resourceVersion, managedFields, annotations gone
    assert "creationTimestamp" not in attrs["spec"]["template"]["metadata"]
    namespace = next(r for r in collection.resources if r.type == "Namespace")
    assert namespace.attributes["metadata"]["labels"] == {"name": NS, "environment": "production"}
    assert collection.account is not None and collection.account.startswith("fake (http://127.0.0.1:")
    assert collection.stats["calls"] == len(KINDS) and collection.stats["retries"] == 0
    assert_read_only(kube)


def test_a_secrets_data_is_never_requested_kept_or_printed(kube: FakeKube, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # the last-applied annotation holds the data too (kubectl apply writes it): it arrives with the metadata
    assert SECRET_VALUE in json.dumps(kube.find("Secret", "db-password")["metadata"])
    from scanner.cli import main

    out = tmp_path / "snapshot.json"
    assert main(["collect", "kubernetes", "--kubeconfig", str(tmp_path / "kubeconfig"), "--out", str(out)]) == 0
    text = out.read_text()
    printed = capsys.readouterr()
    assert SECRET_VALUE not in text + printed.out + printed.err
    secret = next(r for r in from_dict(json.loads(text)).resources if r.type == "Secret")
    assert secret.attributes == {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                 "metadata": {"name": "db-password", "namespace": NS}}
    secret_calls = [s for s in kube.requests if s.path.endswith("/secrets")]
    assert [s.path for s in secret_calls] == ["/api/v1/secrets"]
    assert_read_only(kube)


def test_pages_follow_continue(kube: FakeKube, tmp_path: Path) -> None:
    for index in range(5):
        kube.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{index}", "namespace": NS},
                  "spec": {"ports": [{"port": 80}]}})
    collection = collect(options(tmp_path, page_size=2))
    assert len([r for r in collection.resources if r.type == "Service"]) == 6
    pages = [s.query for s in kube.requests if s.path == "/api/v1/services"]
    assert [q.get("continue") for q in pages] == [None, ["2"], ["4"]]
    assert all(q["limit"] == ["2"] for q in pages)


def test_throttling_and_5xx_are_retried_honouring_retry_after(kube: FakeKube, tmp_path: Path) -> None:
    kube.faults += [Fault("/deployments", 429, times=2, retry_after="0"), Fault("/services", 503, times=1)]
    collection = collect(options(tmp_path))
    assert collection.gaps == []
    assert collection.stats["retries"] == 3
    assert len([s for s in kube.requests if s.path.endswith("/deployments")]) == 3
    assert any(r.type == "Deployment" for r in collection.resources)


def test_throttling_that_does_not_end_is_a_gap_with_the_attempts(kube: FakeKube, tmp_path: Path) -> None:
    kube.faults.append(Fault("/deployments", 429, retry_after="0"))
    collection = collect(options(tmp_path, max_attempts=2))
    [gap] = collection.gaps
    assert gap.types == ("Deployment",) and gap.code == "throttled"
    assert "still failing after 2 attempts" in gap.reason


def test_a_403_on_one_kind_is_a_gap_of_that_kind_alone(kube: FakeKube, tmp_path: Path) -> None:
    kube.faults.append(Fault("/networkpolicies", 403, message='networkpolicies.networking.k8s.io is forbidden: '
                             'User "specdrift" cannot list resource "networkpolicies"'))
    collection = collect(options(tmp_path))
    [gap] = collection.gaps
    assert (gap.types, gap.code) == (("NetworkPolicy",), ACCESS_DENIED)
    assert "403 Forbidden" in gap.reason and "cannot list resource" in gap.reason
    assert "NetworkPolicy" not in {r.type for r in collection.resources}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler"} <= {r.type for r in collection.resources}


def test_no_sealed_secrets_crd_is_nothing_not_a_gap(kube: FakeKube, tmp_path: Path) -> None:
    kube.crds.clear()
    collection = collect(options(tmp_path))
    assert collection.gaps == []
    assert "SealedSecret" not in {r.type for r in collection.resources}


def test_namespaces_and_context_are_chosen_from_the_command_line(kube: FakeKube, tmp_path: Path) -> None:
    kube.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    kube.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "elsewhere", "namespace": "other"},
              "spec": {"ports": [{"port": 80}]}})
    plugin = COLLECTORS["kubernetes"]
    import argparse

    parser = argparse.ArgumentParser()
    from scanner.cli.collect import add_collector_arguments

    add_collector_arguments(parser)
    args = parser.parse_args(["--kubeconfig", str(tmp_path / "kubeconfig"), "--context", "other",
                              "--namespace", NS, "--timeout", "5"])
    collection = plugin.collect(plugin.options(args))
    assert collection.account is not None and collection.account.startswith("other (")
    assert collection.regions == (NS,)
    assert "elsewhere" not in json.dumps([r.address for r in collection.resources])
    assert "Namespace/marketing-engine" in {r.address for r in collection.resources}
    paths = {s.path for s in kube.requests}
    assert "/api/v1/namespaces/marketing-engine" in paths and "/api/v1/namespaces" not in paths
    assert all("/namespaces/marketing-engine" in p for p in paths)


def test_nothing_but_get_leaves_the_client(kube: FakeKube, tmp_path: Path) -> None:
    from scanner.collectors.kubernetes import KubernetesCollector

    collector = KubernetesCollector(options(tmp_path))
    for method in ("POST", "PATCH", "DELETE", "PUT"):
        with pytest.raises(ReadOnlyViolation):
            collector.client.call_api("/api/v1/namespaces/x", method, _preload_content=False)
    with pytest.raises(ReadOnlyViolation):
        collector.client.call_api("/api/v1/secrets", "GET", query_params=[("watch", "true")], _preload_content=False)
    assert kube.requests == []


def test_a_missing_kubeconfig_is_a_tool_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(CollectorError, match="no kubeconfig"):
        collect(KubernetesOptions())


def test_the_snapshot_round_trips(kube: FakeKube, tmp_path: Path) -> None:
    collection = collect(options(tmp_path))
    again = from_dict(json.loads(dumps(collection)))
    assert sorted(r.address for r in again.resources) == sorted(r.address for r in collection.resources)
    assert {r.format for r in again.resources} == {"kubernetes"}


def test_a_call_slower_than_the_timeout_is_a_timeout_gap(kube: FakeKube, tmp_path: Path) -> None:
    # A margin of seconds, not tenths: on a loaded 2-core machine an ordinary call once took longer than 0.3 s.
    kube.faults.append(Fault("/services", 200, delay=4.0))
    collection = collect(options(tmp_path, timeout=1.5, max_attempts=1))
    [gap] = collection.gaps
    assert (gap.types, gap.code) == (("Service",), "timeout")
    assert "no answer within 1.5s" in gap.reason
    assert "Deployment" in {r.type for r in collection.resources}
