"""One drift run over several clouds (the issue's `specdrift drift --iac ... --gcp --project P --azure
--subscription S`): the guide's GCP Terraform and Azure template against both fakes at once, every planted
difference in one report with fixes both ways, and the compliant pair in sync."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from tests.collectors.azure_fake import PG_ID, SUBSCRIPTION, StaticToken, guide
from tests.collectors.azure_fake import serve as serve_arm
from tests.collectors.gcp.fake import FakeGcp
from tests.collectors.gcp.fake import serve as serve_gcp
from tests.collectors.gcp.scenario import PROJECT, compliant, drifted

pytest.importorskip("google.cloud.compute_v1", reason="the gcp extra is not installed")
pytest.importorskip("azure.mgmt.resource", reason="the azure extra is not installed")

ROOT = Path(__file__).parents[2]
GCP_TF = ROOT / "examples" / "marketing-engine" / "gcp" / "main.tf"
AZURE_IAC = ROOT / "tests" / "collectors" / "azure_iac"


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    import azure.identity
    import google.auth
    import google.oauth2.credentials

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", StaticToken)
    monkeypatch.setattr(google.auth, "default", lambda scopes=None, **_: (
        google.oauth2.credentials.Credentials("ya29.test-token", scopes=scopes), PROJECT))


def _drift(tmp_path: Path, capsys: pytest.CaptureFixture[str], gcp: dict[str, Any], arm: Any,
           *extra: str) -> tuple[int, dict[str, Any]]:
    iac = tmp_path / "iac"
    (iac / "gcp").mkdir(parents=True)
    shutil.copy(GCP_TF, iac / "gcp" / "main.tf")
    shutil.copytree(AZURE_IAC, iac / "azure")
    fake = FakeGcp({PROJECT: gcp})
    with serve_gcp(fake), serve_arm(arm, tmp_path) as (azure, ca):
        code = main(["drift", "--iac", str(iac), "--gcp", "--project", PROJECT, *fake.endpoint_args(),
                     "--azure", "--subscription", SUBSCRIPTION, "--arm-endpoint", azure.url, "--azure-ca-bundle", ca,
                     "--format", "json", *extra])
    assert {r.method for r in fake.requests} == {"GET"} and {r.method for r in arm.requests} == {"GET"}
    return code, json.loads(capsys.readouterr().out)


def test_both_clouds_in_sync_pass_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _drift(tmp_path, capsys, compliant(), guide(), "--fail-on", "critical")
    statuses = {(i["status"], (i["declared"] or i["live"])["type"].split("/")[0].split("_")[0])
                for i in report["items"]}
    assert {s for s, _ in statuses} == {"in_sync"}, statuses
    assert {"google", "Microsoft.DBforPostgreSQL"} <= {kind for _, kind in statuses}
    assert code == 0


def test_every_planted_difference_of_both_clouds_is_in_one_report(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _drift(tmp_path, capsys, drifted(), guide(retention=7, ha="Disabled"))
    assert code == 1
    items = {(i["declared"] or i["live"])["address"]: i for i in report["items"]}
    sql = items["google_sql_database_instance.postgres"]
    assert {d["fact"] for d in sql["differences"]} >= {"publicly_accessible"}
    assert {f["direction"] for f in sql["remediation"]} == {"cloud", "iac"}
    assert any(f["snippet"].startswith("gcloud sql instances patch") for f in sql["remediation"])
    server = items["Microsoft.DBforPostgreSQL/flexibleServers/marketing-engine-postgres"]
    rows = {(d["fact"], str(d["declared"]), str(d["live"])) for d in server["differences"]}
    assert {("backup_retention", "30d", "7d"), ("ha_mode", "ZoneRedundant", "Disabled")} <= rows
    assert f"az postgres flexible-server update --ids {PG_ID} --backup-retention 30" in [
        f["snippet"] for f in server["remediation"] if f["direction"] == "cloud"]
    assert report["live"]["source"].count(",") >= 1 or "gcp" in report["live"]["source"]
