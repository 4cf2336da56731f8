"""`specdrift drift --iac <the guide's GCP Terraform> --gcp --project P` against the fake APIs (endpoints through
--gcp-endpoint, the client libraries' api_endpoint): in sync when nothing changed; every planted difference
with declared, live and required values and a fix both ways; a 403 on Cloud SQL unknown for exactly its
requirements."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from tests.collectors.gcp.fake import FakeGcp, serve
from tests.collectors.gcp.scenario import EDGE_TF, FIREWALL_TF, PROJECT, compliant, drifted, edge_drifted

EXAMPLE = Path(__file__).parents[3] / "examples" / "marketing-engine" / "gcp" / "main.tf"


@pytest.fixture
def iac(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "main.tf")
    (tmp_path / "firewall.tf").write_text(FIREWALL_TF)
    (tmp_path / "edge.tf").write_text(EDGE_TF)
    return tmp_path


def _drift(iac: Path, state: dict[str, Any], capsys: pytest.CaptureFixture[str], *extra: str,
           faults: dict[str, list[int | str]] | None = None) -> tuple[int, dict[str, Any]]:
    fake = FakeGcp({PROJECT: state}, faults=faults or {})
    with serve(fake):
        code = main(["drift", "--iac", str(iac), "--gcp", "--project", PROJECT, "--format", "json",
                     *fake.endpoint_args(), *extra])
    assert {r.method for r in fake.requests} == {"GET"}
    return code, json.loads(capsys.readouterr().out)


def _items(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {(i.get("declared") or i.get("live") or {}).get("address", ""): i for i in report["items"]}


def test_the_compliant_deployment_is_in_sync(iac: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _drift(iac, compliant(), capsys, "--fail-on", "critical")
    assert {i["status"] for i in report["items"]} == {"in_sync"}
    # the guide's 5 resources, the firewall rule and EDGE_TF's 10; the default network and GKE's own rules are not
    # unmanaged
    assert len(report["items"]) == 16
    assert code == 0  # the guide's Terraform violates a few high policies itself, on both sides: not drift


def test_every_planted_difference_is_reported_with_fixes_both_ways(iac: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _drift(iac, drifted(), capsys)
    assert code == 1
    items = _items(report)
    sql = items["google_sql_database_instance.postgres"]
    diffs = {d["fact"]: d for d in sql["differences"]}
    assert (diffs["publicly_accessible"]["declared"], diffs["publicly_accessible"]["live"]) == ("false", "true")
    assert (diffs["pitr_enabled"]["declared"], diffs["pitr_enabled"]["live"]) == ("true", "false")
    cloud = [f["snippet"] for f in sql["remediation"] if f["direction"] == "cloud"]
    assert f"gcloud sql instances patch marketing-engine-postgres --project {PROJECT} --no-assign-ip" in cloud
    assert f"gcloud sql instances patch marketing-engine-postgres --project {PROJECT} " \
           "--enable-point-in-time-recovery" in cloud
    [public] = [r for r in sql["requirements"] if r["fact"] == "publicly_accessible"]
    assert (public["required"], public["declared"]["verdict"], public["live"]["verdict"]) == (
        "false", "complies", "violates")
    pool = items["google_container_node_pool.primary_nodes"]
    [machine] = [d for d in pool["differences"] if d["fact"] == "machine_type"]
    assert (machine["declared"], machine["live"]) == ("n1-standard-4", "e2-standard-2")
    assert any(f["snippet"].startswith("gcloud container node-pools update primary-node-pool --cluster "
                                       "marketing-engine-cluster --location europe-west1") for f in pool["remediation"])
    firewall = items["google_compute_firewall.postgres_internal"]
    assert firewall["status"] == "changed"
    assert [f["snippet"] for f in firewall["remediation"] if f["direction"] == "cloud"] == [
        f"gcloud compute firewall-rules update allow-postgres-internal --project {PROJECT} "
        "--source-ranges 10.0.10.0/24"]
    assert items["google_compute_subnetwork.private"]["status"] == "missing"
    stray = items[f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/global/networks/scratch-vpc"]
    assert stray["status"] == "unmanaged"
    assert "terraform import google_compute_network.NAME scratch-vpc" in [f["snippet"] for f in stray["remediation"]]


def test_the_iac_fix_is_offered_when_the_live_value_complies(iac: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = compliant()
    state["sql"][0]["settings"]["deletionProtectionEnabled"] = True  # live is better than the IaC
    _, report = _drift(iac, state, capsys)
    sql = _items(report)["google_sql_database_instance.postgres"]
    [fix] = [f for f in sql["remediation"] if f["direction"] == "iac" and f["fact"] == "deletion_protection"]
    assert "deletion_protection_enabled = true" in fix["snippet"]


def test_the_iac_fix_for_the_edge_writes_the_provider_spelling(iac: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The Terraform is the weaker side (TLS 1.0, no CDN): accepting the live value is a snippet in the
    provider's own terms, and the requirement the IaC breaks brings the table's fix."""
    edge = iac / "edge.tf"
    edge.write_text(edge.read_text().replace('min_tls_version = "TLS_1_2"', 'min_tls_version = "TLS_1_0"')
                    .replace("enable_cdn = true", "enable_cdn = false"))
    _, report = _drift(iac, compliant(), capsys)
    items = _items(report)
    policy = items["google_compute_ssl_policy.modern"]
    assert [(d["fact"], d["declared"], d["live"]) for d in policy["differences"]] == [("tls_min_version", 1.0, 1.2)]
    assert [f["snippet"] for f in policy["remediation"] if f["direction"] == "iac"] == [
        'resource "google_compute_ssl_policy" "modern" {\n  min_tls_version = "TLS_1_2"\n}']
    backend = items["google_compute_backend_service.api"]
    assert [f["snippet"] for f in backend["remediation"] if f["direction"] == "iac"] == [
        'resource "google_compute_backend_service" "api" {\n  enable_cdn = true\n}']
    proxy = items["google_compute_target_https_proxy.web"]
    assert _rows(proxy, "ssl_policy") == [("violates", "complies")]
    [table_fix] = [f["snippet"] for f in proxy["remediation"] if f["direction"] == "iac"]
    assert 'min_tls_version = "TLS_1_2"' in table_fix
    assert "ssl_policy = google_compute_ssl_policy.modern.id" in table_fix
    assert _rows(items["google_compute_url_map.web"], "cdn_enabled") == [("violates", "complies")]


def test_a_403_on_cloud_sql_leaves_exactly_its_requirements_unknown(iac: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _drift(iac, compliant(), capsys, "--fail-on", "critical", faults={"sql": [403]})
    items = _items(report)
    assert items["google_sql_database_instance.postgres"]["status"] == "unknown"
    assert {i["status"] for a, i in items.items() if "sql" not in a} == {"in_sync"}
    assert [g["api"] for g in report["gaps"]] == ["sqladmin.instances.list"]
    assert code == 0  # unknown never fails the gate


def _rows(item: dict[str, Any], fact: str) -> list[tuple[str, str]]:
    return [(r["declared"]["verdict"], r["live"]["verdict"]) for r in item["requirements"] if r["fact"] == fact]


def test_the_edge_drifts_are_reported_with_fixes_both_ways(iac: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An SSL policy lowered to TLS 1.0, Cloud CDN off on the backend service, the Cloud NAT removed."""
    code, report = _drift(iac, edge_drifted(), capsys, "--fail-on", "critical")
    assert code == 1
    items = _items(report)
    policy = items["google_compute_ssl_policy.modern"]
    diffs = {d["fact"]: (d["declared"], d["live"]) for d in policy["differences"]}
    assert diffs == {"tls_min_version": (1.2, 1.0), "tls_profile": ("MODERN", "COMPATIBLE")}
    cloud = [f["snippet"] for f in policy["remediation"] if f["direction"] == "cloud"]
    update = f"gcloud compute ssl-policies update modern-tls12 --global --project {PROJECT}"
    assert cloud == [f"{update} --min-tls-version 1.2", f"{update} --profile MODERN"]
    # the proxy's TLS requirement follows its SSL policy: kept in the IaC, broken live
    assert _rows(items["google_compute_target_https_proxy.web"], "ssl_policy") == [("complies", "violates")]

    backend = items["google_compute_backend_service.api"]
    assert [(d["fact"], d["declared"], d["live"]) for d in backend["differences"]] == [("cdn_enabled", "true", "false")]
    fixes = {f["direction"]: f["snippet"] for f in backend["remediation"]}
    assert fixes["cloud"] == (f"gcloud compute backend-services update api-backend --global --project {PROJECT} "
                              "--enable-cdn")
    assert "enable_cdn = false" in fixes["iac"]  # or accept the live value, in the Terraform's own terms
    assert _rows(items["google_compute_url_map.web"], "cdn_enabled") == [("complies", "violates")]

    nat = items["google_compute_router_nat.nat"]
    assert nat["status"] == "missing"
    assert [f["snippet"] for f in nat["remediation"]] == ["terraform apply -target=google_compute_router_nat.nat",
                                                         f"remove google_compute_router_nat.nat ({iac / 'edge.tf'}:8)"]
    assert items["google_compute_router.router"]["status"] == "in_sync"
    assert _rows(items["google_compute_network.vpc"], "nat") == [("complies", "violates")]
    drifted_items = {a for a, i in items.items() if i["status"] != "in_sync"}
    assert drifted_items == {"google_compute_ssl_policy.modern", "google_compute_backend_service.api",
                         "google_compute_router_nat.nat"}


def test_memorystore_and_a_vm_drift_like_any_other_type(iac: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = compliant()
    state["redis"][0].update(authEnabled=False, redisConfigs={"maxmemory-policy": "noeviction"})
    vm = state["instances"][0]
    vm["machineType"] = vm["machineType"].replace("e2-small", "e2-medium")
    _, report = _drift(iac, state, capsys)
    items = _items(report)
    cache = items["google_redis_instance.cache"]
    assert {d["fact"]: (d["declared"], d["live"]) for d in cache["differences"]} == {
        "redis_auth_enabled": ("true", "false"), "redis_maxmemory_policy": ("allkeys-lru", "noeviction")}
    where = f"--region europe-west1 --project {PROJECT}"
    cloud = {f["snippet"] for f in cache["remediation"] if f["direction"] == "cloud"}
    assert {f"gcloud redis instances update marketing-engine-cache {where} --enable-auth",
            f"gcloud redis instances update marketing-engine-cache {where} "
            "--update-redis-config maxmemory-policy=allkeys-lru"} <= cloud
    bastion = items["google_compute_instance.bastion"]
    # one difference per native attribute: vcpu and memory read machine_type too
    assert [(d["fact"], d["declared"], d["live"]) for d in bastion["differences"]] == [
        ("machine_type", "e2-small", "e2-medium")]
    zone = f"--zone europe-west1-b --project {PROJECT}"
    assert f"gcloud compute instances stop bastion {zone} && gcloud compute instances set-machine-type bastion " \
           f"{zone} --machine-type e2-small && gcloud compute instances start bastion {zone}" in {
               f["snippet"] for f in bastion["remediation"]}


@pytest.mark.parametrize(("key", "api", "hidden"), [
    ("sslPolicies", "compute.sslPolicies.aggregatedList", {"google_compute_ssl_policy.modern"}),
    ("routers", "compute.routers.aggregatedList", {"google_compute_router.router", "google_compute_router_nat.nat"}),
    ("backendServices", "compute.backendServices.aggregatedList", {"google_compute_backend_service.api"}),
])
def test_a_403_on_one_compute_api_leaves_exactly_its_types_unknown(iac: Path, capsys: pytest.CaptureFixture[str],
                                                                   key: str, api: str, hidden: set[str]) -> None:
    code, report = _drift(iac, compliant(), capsys, "--fail-on", "critical", faults={key: [403]})
    items = _items(report)
    assert {a for a, i in items.items() if i["status"] == "unknown"} == hidden
    assert {i["status"] for a, i in items.items() if a not in hidden} == {"in_sync"}
    assert [g["api"] for g in report["gaps"]] == [api]
    # the checks that consult the hidden type on another resource are unknown live, never a violation
    consulting = {"sslPolicies": ("google_compute_target_https_proxy.web", "ssl_policy"),
                  "routers": ("google_compute_network.vpc", "nat"),
                  "backendServices": ("google_compute_url_map.web", "cdn_enabled")}[key]
    assert _rows(items[consulting[0]], consulting[1]) == [("complies", "unknown")]
    assert code == 0
