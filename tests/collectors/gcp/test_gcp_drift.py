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
from tests.collectors.gcp.scenario import FIREWALL_TF, PROJECT, compliant, drifted

EXAMPLE = Path(__file__).parents[3] / "examples" / "marketing-engine" / "gcp" / "main.tf"


@pytest.fixture
def iac(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "main.tf")
    (tmp_path / "firewall.tf").write_text(FIREWALL_TF)
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
    assert len(report["items"]) == 6  # the default network and GKE's own rules are not unmanaged
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


def test_a_403_on_cloud_sql_leaves_exactly_its_requirements_unknown(iac: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _drift(iac, compliant(), capsys, "--fail-on", "critical", faults={"sql": [403]})
    items = _items(report)
    assert items["google_sql_database_instance.postgres"]["status"] == "unknown"
    assert {i["status"] for a, i in items.items() if "sql" not in a} == {"in_sync"}
    assert [g["api"] for g in report["gaps"]] == ["sqladmin.instances.list"]
    assert code == 0  # unknown never fails the gate
