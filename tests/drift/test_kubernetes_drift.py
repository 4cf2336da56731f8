"""Kubernetes manifests against a live cluster (the local fake API server): pairs by namespace, kind and name,
what the API server defaults is no drift, and each difference has its kubectl fix and its manifest snippet."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("kubernetes")

from scanner.cli import main
from scanner.collectors.kubernetes import KubernetesOptions, collect
from scanner.drift.report import DriftReport, Item, build
from scanner.mappings import load_paths
from scanner.policy.pack import load_policies
from tests.collectors.kube_fake import SECRET_VALUE, FakeKube, Fault, running, write_kubeconfig
from tests.collectors.test_kubernetes_live import GUIDE, NS, guide_objects, plain_secret
from tests.conftest import server_unavailable

PINNED = "marketingengine/api:1.4.2"


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    """The guide's manifests, the API image pinned (the guide's own :latest is a finding, not drift)."""
    folder = tmp_path / "k8s"
    shutil.copytree(GUIDE, folder)
    deployment = folder / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("marketingengine/api:latest", PINNED))
    return folder


@pytest.fixture
def kube(tmp_path: Path, manifests: Path) -> Iterator[FakeKube]:
    import yaml

    fake = FakeKube()
    for path in sorted(manifests.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                fake.add(doc)
    with running(fake):
        write_kubeconfig(tmp_path / "kubeconfig", fake.url)
        yield fake


def drift(tmp_path: Path, manifests: Path) -> DriftReport:
    collection = collect(KubernetesOptions(kubeconfig=str(tmp_path / "kubeconfig")))
    declared = load_paths([str(manifests)]).resources
    return build(declared, collection, load_policies())


def by_address(report: DriftReport) -> dict[str, Item]:
    return {(i.pair.declared or i.pair.live).address: i for i in report.items  # type: ignore[union-attr]
            if i.pair.declared or i.pair.live}


def test_the_guides_manifests_are_in_sync_with_what_they_made(kube: FakeKube, tmp_path: Path,
                                                             manifests: Path) -> None:
    report = drift(tmp_path, manifests)
    statuses = {address: item.status for address, item in by_address(report).items()}
    assert statuses == {
        "Namespace/marketing-engine": "in_sync", f"{NS}/Deployment/api-server": "in_sync",
        f"{NS}/Service/api-server": "in_sync", f"{NS}/Ingress/api-ingress": "in_sync",
        f"{NS}/HorizontalPodAutoscaler/api-server-hpa": "in_sync",
        f"{NS}/NetworkPolicy/api-server-netpol": "in_sync", f"{NS}/SealedSecret/database-credentials": "in_sync"}
    # the server defaulted probes, ports, pull policy and termination fields and wrote cpu 1000m as 1: no drift
    live = by_address(report)[f"{NS}/Deployment/api-server"].pair.live
    assert live is not None
    container = live.attributes["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["timeoutSeconds"] == 1 and container["resources"]["requests"]["cpu"] == "1"
    assert all(not i.differences for i in report.items)


def test_the_unchanged_guide_is_judged_alike_on_both_sides(tmp_path: Path) -> None:
    fake = FakeKube()
    for obj in guide_objects():
        fake.add(obj)
    with running(fake):
        write_kubeconfig(tmp_path / "kubeconfig", fake.url)
        report = drift(tmp_path, GUIDE)
    for item in report.items:
        assert item.status == "in_sync", item.pair
        for row in item.requirements:
            if row.live is not None and row.declared is not None and row.policy.id != "ME-K8S-13":
                assert row.live.verdict == row.declared.verdict, (item.pair.type, row.policy.id)


def test_replicas_an_image_a_removed_hpa_and_an_unmanaged_deployment(kube: FakeKube, tmp_path: Path,
                                                                    manifests: Path) -> None:
    deployment = kube.find("Deployment", "api-server")
    deployment["spec"]["replicas"] = 1
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "marketingengine/api:latest"
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    kube.remove("HorizontalPodAutoscaler", "api-server-hpa")
    kube.add({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "debug-shell", "namespace": NS},
              "spec": {"selector": {"matchLabels": {"app": "debug"}}, "template": {
                  "metadata": {"labels": {"app": "debug"}},
                  "spec": {"containers": [{"name": "sh", "image": "busybox:1.36"}]}}}})
    report = drift(tmp_path, manifests)
    items = by_address(report)

    changed = items[f"{NS}/Deployment/api-server"]
    assert changed.status == "changed" and changed.pair.matched_by == f"name {NS}/Deployment/api-server"
    diffs = {d.fact: (d.declared, d.live) for d in changed.differences}
    assert diffs["replicas"] == (3, 1)
    assert [c["image"] for c in diffs["containers"][1]] == ["marketingengine/api:latest"]
    cloud = {f.fact: f.snippet for f in changed.fixes if f.direction == "cloud"}
    assert cloud["replicas"] == f"kubectl scale Deployment api-server -n {NS} --replicas=3"
    assert cloud["containers"].startswith(f"kubectl patch Deployment api-server -n {NS} --type=strategic -p '")
    patch = json.loads(cloud["containers"].split(" -p ", 1)[1].strip("'"))
    assert patch["spec"]["template"]["spec"]["containers"][0]["image"] == PINNED
    # the live value breaks a requirement (>= 3 replicas, a pinned image): taking it into the manifest is not offered
    assert not [f for f in changed.fixes if f.direction == "iac" and f.fact in ("replicas", "containers")]
    live_verdicts = {r.policy.id: r.live.verdict for r in changed.requirements if r.live is not None}
    assert live_verdicts["ME-K8S-03"] == "violates" and live_verdicts["ME-K8S-02"] == "violates"
    # each planted change with its declared, live and required value
    rows = {r.policy.id: r for r in changed.requirements}
    replicas, image = rows["ME-K8S-02"], rows["ME-K8S-03"]
    assert (replicas.declared.value, replicas.live.value, replicas.required) == (3, 1, ">= 3")
    assert image.declared.verdict == "complies" and PINNED in str(image.declared.value)
    assert image.live.value == "marketingengine/api:latest"
    assert str(image.required).startswith("a version tag or digest")

    missing = items[f"{NS}/HorizontalPodAutoscaler/api-server-hpa"]
    assert missing.status == "missing"
    assert [f.snippet for f in missing.fixes] == [
        f"kubectl apply -f {manifests / 'hpa.yaml'}",
        f"remove {NS}/HorizontalPodAutoscaler/api-server-hpa ({manifests / 'hpa.yaml'}:2)"]

    stray = items[f"{NS}/Deployment/debug-shell"]
    assert stray.status == "unmanaged"
    assert stray.fixes[0].snippet == f"kubectl delete Deployment debug-shell -n {NS}"
    assert {i.status for a, i in items.items() if "api-server" not in a and "debug" not in a} == {"in_sync"}


def test_a_live_value_that_complies_can_be_taken_into_the_manifest(kube: FakeKube, tmp_path: Path,
                                                                  manifests: Path) -> None:
    kube.find("Deployment", "api-server")["spec"]["replicas"] = 5
    item = by_address(drift(tmp_path, manifests))[f"{NS}/Deployment/api-server"]
    fixes = {(f.direction, f.fact): f for f in item.fixes}
    assert fixes[("cloud", "replicas")].snippet == f"kubectl scale Deployment api-server -n {NS} --replicas=3"
    iac = fixes[("iac", "replicas")]
    # the manifests' own fix renderer (scans offer it too): the patch, and the same value in the manifest
    assert iac.format == "kubernetes" and iac.snippet.endswith(""" -p '{"spec":{"replicas":5}}'""")
    assert "spec.replicas" in iac.description and "in the manifest" in iac.description


def test_a_403_on_network_policies_makes_exactly_their_checks_unknown(kube: FakeKube, tmp_path: Path,
                                                                       manifests: Path) -> None:
    kube.faults.append(Fault("/networkpolicies", 403, message='networkpolicies.networking.k8s.io is forbidden'))
    report = drift(tmp_path, manifests)
    items = by_address(report)
    netpol = items[f"{NS}/NetworkPolicy/api-server-netpol"]
    assert netpol.status == "unknown" and "403 Forbidden" in (netpol.pair.note or "")
    unknown = sorted((a, r.policy.id) for a, i in items.items() for r in i.requirements
                     if r.live is not None and r.live.verdict == "unknown")
    # the NetworkPolicy's own checks, and the workload's check that looks for the NetworkPolicy selecting it
    assert unknown == [(f"{NS}/Deployment/api-server", "ME-K8S-10"),
                       (f"{NS}/NetworkPolicy/api-server-netpol", "ME-K8S-10"),
                       (f"{NS}/NetworkPolicy/api-server-netpol", "ME-K8S-13")]
    assert {i.status for a, i in items.items() if "NetworkPolicy" not in a} == {"in_sync"}


def test_the_cli_drifts_a_cluster_and_never_prints_a_secret(kube: FakeKube, tmp_path: Path, manifests: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    kube.add(plain_secret())
    kube.find("Deployment", "api-server")["spec"]["replicas"] = 1
    kubeconfig = str(tmp_path / "kubeconfig")
    code = main(["drift", "--iac", str(manifests), "--kubernetes", "--kubeconfig", kubeconfig, "--namespace", NS,
                 "--format", "json"])
    printed = capsys.readouterr()
    assert code == 1
    report: dict[str, Any] = json.loads(printed.out)
    assert SECRET_VALUE not in printed.out + printed.err
    assert "kubectl scale Deployment api-server -n marketing-engine --replicas=3" in printed.out
    assert report["summary"]["changed"] == 1
    snapshot = tmp_path / "live.json"
    assert main(["collect", "kubernetes", "--kubeconfig", kubeconfig, "--out", str(snapshot)]) == 0
    assert SECRET_VALUE not in snapshot.read_text()
    capsys.readouterr()
    assert main(["drift", "--iac", str(manifests), "--live", str(snapshot), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["summary"]["changed"] == 1
    assert all(s.method == "GET" for s in kube.requests)


def test_a_deleted_network_policy_is_missing_and_the_api_runs_unconfined(kube: FakeKube, tmp_path: Path,
                                                                        manifests: Path) -> None:
    kube.remove("NetworkPolicy", "api-server-netpol")
    items = by_address(drift(tmp_path, manifests))
    assert items[f"{NS}/NetworkPolicy/api-server-netpol"].status == "missing"
    rows = {r.policy.id: r for r in items[f"{NS}/Deployment/api-server"].requirements}
    assert rows["ME-K8S-10"].declared is not None and rows["ME-K8S-10"].declared.verdict == "complies"
    assert rows["ME-K8S-10"].live is not None and rows["ME-K8S-10"].live.verdict == "violates"
    netpol = rows["ME-K8S-10"]
    assert (netpol.declared.value, netpol.live.value, netpol.required) == ("api-server-netpol", None,
                                                                          "a NetworkPolicy selecting its pods")


def test_hpas_denied_make_the_replica_check_unknown_never_a_pass(kube: FakeKube, tmp_path: Path,
                                                                  manifests: Path) -> None:
    """ME-K8S-02 counts an HPA's minReplicas when one scales the workload: with HPAs unreadable (403), the
    Deployment's own 3 replicas prove nothing (an HPA may keep 1), so the check is unknown, with the reason."""
    kube.faults.append(Fault("/horizontalpodautoscalers", 403,
                             message="horizontalpodautoscalers.autoscaling is forbidden"))
    items = by_address(drift(tmp_path, manifests))
    rows = {r.policy.id: r for r in items[f"{NS}/Deployment/api-server"].requirements}
    replicas = rows["ME-K8S-02"]
    assert replicas.declared is not None and replicas.declared.verdict == "complies"
    assert replicas.live is not None and replicas.live.verdict == "unknown"
    assert "403 Forbidden" in replicas.live.message and "horizontalpodautoscalers" in replicas.live.message
    # checks that need no HPA still judge the Deployment
    assert rows["ME-K8S-04"].live is not None and rows["ME-K8S-04"].live.verdict == "complies"


def test_kube_is_the_short_spelling_of_kubernetes(kube: FakeKube, tmp_path: Path, manifests: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    kube.find("Deployment", "api-server")["spec"]["replicas"] = 1
    kubeconfig = str(tmp_path / "kubeconfig")
    outputs = []
    for flag in ("--kube", "--kubernetes"):
        assert main(["drift", "--iac", str(manifests), flag, "--kubeconfig", kubeconfig, "--format", "json"]) == 1
        report = json.loads(capsys.readouterr().out)
        outputs.append([(i["status"], i["declared"], i["differences"]) for i in report["items"]])
    assert outputs[0] == outputs[1] and ("changed", outputs[0][0][1], outputs[0][0][2]) == outputs[0][0]


def test_every_policy_claiming_the_live_cluster_judges_it(tmp_path: Path) -> None:
    """A policy whose sources list live/kubernetes gives a live verdict on the guide's cluster, and every ME-K8S
    policy that does claims it (the coverage matrix's live column is proven, not assumed)."""
    fake = FakeKube()
    for obj in guide_objects():
        fake.add(obj)
    with running(fake):
        write_kubeconfig(tmp_path / "kubeconfig", fake.url)
        report = build([], collect(KubernetesOptions(kubeconfig=str(tmp_path / "kubeconfig"))), load_policies())
    judged = {r.policy.id for i in report.items for r in i.requirements
              if r.live is not None and r.live.verdict in ("complies", "violates")}
    claiming = {p.id for p in load_policies() if "live/kubernetes" in p.sources}
    assert claiming and claiming <= judged, claiming - judged
    assert {i for i in judged if i.startswith("ME-K8S-")} <= claiming


def test_one_drift_run_joins_the_cluster_postgresql_and_redis(kube: FakeKube, tmp_path: Path, manifests: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """``drift --iac PATH --kube --postgres URL --redis URL``: one report. The manifests declare no server, so the
    servers (the shared ones on 5432 and 6379, only read) are judged live, not left out of the report."""
    psycopg = pytest.importorskip("psycopg")
    redis = pytest.importorskip("redis")
    postgres_url, redis_url = "postgresql://postgres@127.0.0.1:5432/postgres", "redis://127.0.0.1:6379/0"
    try:
        psycopg.connect(postgres_url, connect_timeout=3).close()
        redis.Redis.from_url(redis_url, socket_timeout=3).ping()
    except (psycopg.OperationalError, redis.exceptions.ConnectionError) as exc:
        server_unavailable(f"PostgreSQL on 5432 and Redis on 6379: {exc}")
    kube.find("Deployment", "api-server")["spec"]["replicas"] = 1
    code = main(["drift", "--iac", str(manifests), "--kube", "--kubeconfig", str(tmp_path / "kubeconfig"),
                 "--postgres", postgres_url, "--redis", redis_url, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    by_type: dict[str, list[dict[str, Any]]] = {}
    for item in report["items"]:
        by_type.setdefault(item["type"], []).append(item)
    [deployment] = by_type["Deployment"]
    assert deployment["status"] == "changed"
    assert [(d["fact"], d["declared"], d["live"]) for d in deployment["differences"]] == [("replicas", 3, 1)]
    for rtype, prefix in (("postgresql.server", "ME-PG-"), ("redis.server", "ME-RED-")):
        [server] = by_type[rtype]
        assert server["status"] == "live_only"
        verdicts = {r["policy_id"]: r["live"]["verdict"] for r in server["requirements"]}
        assert verdicts and all(p.startswith(prefix) for p in verdicts)
        assert set(verdicts.values()) <= {"complies", "violates"}
    assert {"kubernetes", "postgres", "redis"} <= set(report["live"]["source"].split(", "))


def test_a_secrets_type_is_compared_without_reading_its_data(kube: FakeKube, tmp_path: Path,
                                                              manifests: Path) -> None:
    """The manifest declares a TLS Secret; the cluster runs it as Opaque: drift of its type, read from the Table
    the API server prints (Type column), never from the Secret's data. A Secret whose type agrees is in sync."""
    tls = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
           "metadata": {"name": "api-tls", "namespace": NS}}
    import yaml

    declared_plain = {k: v for k, v in plain_secret().items() if k != "data"}
    web = {**tls, "metadata": {"name": "web-tls", "namespace": NS}}
    (manifests / "secrets.yaml").write_text(yaml.safe_dump_all([tls, declared_plain, web]))
    kube.add({**tls, "type": "Opaque", "data": {"tls.crt": SECRET_VALUE, "tls.key": SECRET_VALUE}})
    kube.add(plain_secret())
    kube.add({**web, "data": {"tls.crt": SECRET_VALUE, "tls.key": SECRET_VALUE}})
    items = by_address(drift(tmp_path, manifests))
    changed = items[f"{NS}/Secret/api-tls"]
    assert changed.status == "changed"
    assert [(d.fact, d.declared, d.live) for d in changed.differences] == [
        ("secret_type", "kubernetes.io/tls", "Opaque")]
    # the types that agree (Opaque, and a TLS Secret running as one) are no drift
    assert items[f"{NS}/Secret/db-password"].status == "in_sync" and items[f"{NS}/Secret/web-tls"].status == "in_sync"
    assert SECRET_VALUE not in repr(changed) and all(
        s.accept.endswith("as=Table;g=meta.k8s.io;v=v1") for s in kube.requests if s.path.endswith("/secrets"))
