"""``specdrift drift --iac <template> --azure --subscription S`` against the fake Resource Manager: the guide's ARM
template (tests/collectors/azure_iac: the guide's, private, with its API security group) deployed compliant,
drifted (7-day backups, HA off, SSH opened to the internet), with a server nobody declares, and with a declared
network gone. The SDK is pointed at the fake through its normal options (``--arm-endpoint``, the CA bundle);
only the credential is a static token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from tests.collectors.azure_fake import PG_ID, SUBSCRIPTION, FakeArm, Fault, StaticToken, guide, serve

IAC = Path(__file__).parents[1] / "collectors" / "azure_iac"
PG = "Microsoft.DBforPostgreSQL/flexibleServers/marketing-engine-postgres"


@pytest.fixture(autouse=True)
def static_token(monkeypatch: pytest.MonkeyPatch) -> None:
    import azure.identity

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", StaticToken)


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    def drift(arm: FakeArm, *extra: str) -> tuple[int, dict[str, Any]]:
        with serve(arm, tmp_path) as (fake, ca):
            code = main(["drift", "--iac", str(IAC), "--azure", "--subscription", SUBSCRIPTION,
                         "--arm-endpoint", fake.url, "--azure-ca-bundle", ca, "--format", "json", *extra])
        assert {s.method for s in arm.requests} == {"GET"}
        return code, json.loads(capsys.readouterr().out)

    yield drift


def items(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(i["status"], (i.get("declared") or i.get("live") or {}).get("address", "")): i for i in report["items"]}


def test_the_compliant_deployment_has_no_drift(run: Any) -> None:
    code, report = run(guide(), "--fail-on", "critical")
    assert report["summary"]["changed"] == report["summary"]["missing"] == report["summary"]["unmanaged"] == 0
    assert report["summary"]["in_sync"] == 6
    assert code == 0


def test_planted_drift_is_reported_with_declared_live_required_and_fixes_both_ways(run: Any) -> None:
    code, report = run(guide(retention=7, ha="Disabled", internet_rule=True))
    assert code == 1
    found = items(report)
    server = found[("changed", PG)]
    rows = {(d["fact"], str(d["declared"]), str(d["live"])) for d in server["differences"]}
    assert {("backup_retention", "30d", "7d"), ("ha_mode", "ZoneRedundant", "Disabled")} <= rows
    required = {r["fact"]: (r["required"], r["live"]["verdict"]) for r in server["requirements"] if r["fact"]}
    assert required["backup_retention"][1] == "violates" and required["ha_mode"] == ("ZoneRedundant", "violates")
    cloud = [f["snippet"] for f in server["remediation"] if f["direction"] == "cloud"]
    assert f"az postgres flexible-server update --ids {PG_ID} --backup-retention 30" in cloud
    assert f"az postgres flexible-server update --ids {PG_ID} --high-availability ZoneRedundant" in cloud
    nsg = found[("changed", "Microsoft.Network/networkSecurityGroups/marketing-engine-api-nsg")]
    assert [d["fact"] for d in nsg["differences"]] == ["ingress_rules"]
    assert any(r["live"]["verdict"] == "violates" and r["declared"]["verdict"] == "complies"
               for r in nsg["requirements"] if r["fact"] == "ingress_rules")


def test_a_live_value_that_complies_can_be_taken_into_the_template(run: Any) -> None:
    code, report = run(guide(retention=35))
    server = items(report)[("changed", PG)]
    [iac] = [f for f in server["remediation"] if f["direction"] == "iac" and f["fact"] == "backup_retention"]
    assert iac["format"] == "arm" and '"backupRetentionDays": 35' in iac["snippet"]
    assert code == 1


def test_unmanaged_and_missing_resources(run: Any) -> None:
    arm = guide(extra_server=True)
    arm.remove("marketing-engine-vnet")
    code, report = run(arm)
    assert code == 1
    found = items(report)
    stray = next(i for (status, address), i in found.items()
                 if status == "unmanaged" and address.endswith("/flexibleServers/reporting-postgres"))
    assert next(f["snippet"] for f in stray["remediation"]).startswith("az resource delete --ids /subscriptions/")
    gone = found[("missing", "Microsoft.Network/virtualNetworks/marketing-engine-vnet")]
    assert next(f["snippet"] for f in gone["remediation"]).startswith("az deployment group create")
    # what Azure made (the cluster's node resource group, server settings at their defaults) is not unmanaged
    assert not any("aks-agentpool" in address or address.endswith("/configurations/work_mem")
                   for status, address in found if status == "unmanaged")


def test_a_denied_type_is_unknown_for_exactly_its_requirements(run: Any) -> None:
    arm = guide()
    arm.faults = [Fault("resourceType eq 'Microsoft.DBforPostgreSQL/flexibleServers'", 403)]
    code, report = run(arm)
    found = items(report)
    server = found[("unknown", PG)]
    assert "AuthorizationFailed" in server["note"]
    assert server["requirements"] and all(r["live"]["verdict"] == "unknown" for r in server["requirements"])
    assert ("in_sync", "Microsoft.ContainerService/managedClusters/marketing-engine-aks") in found
    assert ("in_sync", "Microsoft.Network/networkSecurityGroups/marketing-engine-api-nsg") in found
    assert code == 1  # the template's own violations still fail the gate; unknown never does
