"""Sizing, orchestration and Kubernetes pack: shape catalogue, baseline components, module inputs,
the guide's own inconsistencies, and realistic repositories whose findings were checked by hand."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.catalog.shapes import lookup, suggest
from scanner.environment import EnvironmentFileError, load_components
from scanner.mappings import load_paths
from scanner.mappings.remediation import render
from scanner.model import Finding, Status
from scanner.policy.engine import Engine, parse_error_findings
from scanner.policy.pack import load_policies
from tests.conftest import EXAMPLE, POLICIES, ROOT, run_cli

REALISTIC = ROOT / "tests" / "fixtures" / "realistic"
MINE = ("ME-CMP-", "ME-ORC-", "ME-K8S-", "ME-DB-10", "ME-NET-10")
ALL = load_policies([POLICIES])


def _scan(path: Path | str, policies=None, settings=None, **context):
    outcome = load_paths([path], context)
    findings = parse_error_findings(outcome.errors) + Engine(policies or ALL, settings).run(outcome.resources)
    return outcome, findings


def _mine(findings):
    return [f for f in findings if f.policy_id.startswith(MINE)]


def _rel(file: str | None, base: Path) -> str:
    return str((ROOT / (file or "")).resolve().relative_to(base.resolve()))


# --- the machine shape catalogue -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "vcpu", "memory_gib"), [
    ("n1-standard-4", 4, 15.0), ("n1-highmem-8", 8, 52.0), ("e2-standard-2", 2, 8.0), ("n2-highcpu-16", 16, 16.0),
    ("custom-4-16384", 4, 16.0), ("n2-custom-8-32768-ext", 8, 32.0), ("db-custom-8-32768", 8, 32.0),
    ("db-n1-standard-4", 4, 15.0), ("Standard_DS3_v2", 4, 14), ("standard_d8ds_v4", 8, 32),
    ("GP_Standard_D8ds_v4", 8, 32), ("m5.xlarge", 4, 16), ("db.r5.xlarge", 4, 32), ("cache.r6g.large", 2, 13.07),
    ("P2", 4, 13),
])
def test_shape_catalogue_values(name: str, vcpu: float, memory_gib: float) -> None:
    shape = lookup(name)
    assert shape is not None, name
    assert (shape.vcpu, shape.memory_gib) == (vcpu, memory_gib)


@pytest.mark.parametrize("name", ["n1-standard-3", "n9-standard-4", "m5.huge", "Standard_X1", "db.z9.large", ""])
def test_unknown_shapes_are_not_guessed(name: str) -> None:
    assert lookup(name) is None


def test_network_figures_and_suggestions() -> None:
    assert (lookup("t3.large").network_gbps, lookup("t3.large").network_burst_gbps) == (0.512, 5)
    assert lookup("n1-standard-4").network_gbps == 8  # 2 Gbit/s per vCPU
    assert lookup("n1-standard-32").network_gbps == 16  # capped for N1
    assert suggest("n1-standard-4", 4, 16) == "n1-highmem-4"
    assert suggest("db-custom-4-16384", 8, 32) == "db-custom-8-32768"
    assert suggest("GP_Standard_D4ds_v4", 8, 32) == "GP_Standard_D8ds_v4"
    assert suggest("cache.t3.medium", 4, 16) is None  # the family has nothing that large


def test_unknown_machine_type_makes_sizing_unknown_and_names_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "google_container_node_pool" "api" {\n  name = "api"\n  node_count = 3\n'
        '  node_config {\n    machine_type = "z9-turbo-4"\n    labels = { tier = "api" }\n  }\n}\n')
    _, findings = _scan(tmp_path, [p for p in ALL if p.id == "ME-CMP-01"])
    [finding] = findings
    assert finding.status == Status.UNKNOWN and finding.line == 5
    assert "z9-turbo-4 is not in the machine shape catalogue" in finding.message


@pytest.mark.parametrize("replicas", ["var.replicas", "null"])
def test_memorystore_replica_count_unresolved_or_null_does_not_break_the_node_count(tmp_path: Path,
                                                                                   replicas: str) -> None:
    # Found by the real-world suite (terraform-google-memorystore): `replica_count = var.tier == ... ? x : null`.
    (tmp_path / "main.tf").write_text(
        'variable "replicas" {}\n'
        'resource "google_redis_instance" "cache" {\n  tier = "STANDARD_HA"\n  memory_size_gb = 16\n'
        f'  replica_count = {replicas}\n}}\n')
    outcome, _ = _scan(tmp_path, [p for p in ALL if p.id == "ME-CMP-06"])
    [cache] = [r for r in outcome.resources if r.type == "google_redis_instance"]
    count = cache.facts.get("instance_count")
    if replicas == "null":  # omitted: Memorystore's STANDARD_HA keeps one replica
        assert count == 2
    else:
        assert not isinstance(count, int) and "replicas" in str(count)


def test_burst_only_bandwidth_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_instance" "a" {\n  instance_type = "m7g.large"\n}\n')
    [finding] = _scan(tmp_path, [p for p in ALL if p.id == "ME-NET-10"])[1]
    assert finding.status == Status.UNKNOWN and "burst" in finding.message


_AZURE_VM = """
resource "azurerm_linux_virtual_machine" "timescale" {
  count = 2
  name  = "timescale-${count.index}"
  size  = "Standard_E8ds_v5"
  os_disk {
    storage_account_type = "Premium_LRS"
    disk_size_gb         = 50
  }
}
resource "azurerm_linux_virtual_machine" "timescale_standby" {
  name  = "timescale-standby"
  size  = "Standard_E8ds_v5"
  os_disk {
    storage_account_type = "Premium_LRS"
    disk_size_gb         = 64
  }
}
resource "azurerm_managed_disk" "data" {
  count                = 2
  storage_account_type = "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = DATA
}
resource "azurerm_virtual_machine_data_disk_attachment" "data" {
  count              = 2
  managed_disk_id    = azurerm_managed_disk.data[count.index].id
  virtual_machine_id = azurerm_linux_virtual_machine.timescale[count.index].id
  lun                = 0
}
"""
_GCE_VM = """
resource "google_compute_instance" "timescale" {
  count        = 2
  name         = "timescale-${count.index}"
  machine_type = "n2-highmem-8"
  boot_disk {
    initialize_params {
      size = 50
    }
  }
  attached_disk {
    source = google_compute_disk.data[count.index].id
  }
}
resource "google_compute_disk" "data" {
  count = 2
  name  = "timescale-data-${count.index}"
  type  = "pd-ssd"
  size  = DATA
}
"""
_EC2 = """
resource "aws_instance" "timescaledb" {
  count         = 2
  instance_type = "r6i.2xlarge"
  root_block_device {
    volume_size = 50
  }
}
resource "aws_ebs_volume" "data" {
  count = 2
  size  = DATA
  type  = "gp3"
}
resource "aws_volume_attachment" "data" {
  count       = 2
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data[count.index].id
  instance_id = aws_instance.timescaledb[count.index].id
}
"""


@pytest.mark.parametrize(("text", "machine", "disk"), [
    # count = 2 machines and disks: instance [1] is attached its own disk [1] (count.index)
    (_AZURE_VM, "azurerm_linux_virtual_machine.timescale[1]", "azurerm_managed_disk.data[1]"),
    (_GCE_VM, "google_compute_instance.timescale[1]", "google_compute_disk.data[1]"),
    (_EC2, "aws_instance.timescaledb[1]", "aws_ebs_volume.data[1]"),
], ids=["azure-attachment", "gce-inline", "ebs-attachment"])
def test_disks_attached_by_reference_count_toward_the_machine(tmp_path: Path, text: str, machine: str,
                                                              disk: str) -> None:
    cmp07 = [p for p in ALL if p.id == "ME-CMP-07"]
    (tmp_path / "main.tf").write_text(text.replace("DATA", "1024"))
    found = {f.resource_address: f for f in _scan(tmp_path, cmp07)[1]}
    assert found[machine].status == Status.COMPLIES
    if machine.startswith("azurerm"):  # a machine nothing is attached to keeps its own 64 GB
        standby = found["azurerm_linux_virtual_machine.timescale_standby"]
        assert standby.status == Status.VIOLATES and "disk 64GB < 1TB" in standby.message
    (tmp_path / "main.tf").write_text(text.replace("DATA", "512"))
    [finding] = [f for f in _scan(tmp_path, cmp07)[1] if f.resource_address == machine]
    assert finding.status == Status.VIOLATES
    # (aws_instance adds its root and inline volumes up itself, hence GiB there)
    assert re.search(rf"disk 562GiB < 1TB \(its own disks 50Gi?B \+ {re.escape(disk)} 512GB\)", finding.message)
    (tmp_path / "main.tf").write_text(text.replace("DATA", "var.data_disk_gb"))
    [finding] = [f for f in _scan(tmp_path, cmp07)[1] if f.resource_address == machine]
    assert finding.status == Status.UNKNOWN and disk in finding.message


def test_template_and_scale_set_disks_add_up_and_a_group_needs_a_size(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
resource "google_compute_instance_template" "timescaledb" {
  machine_type = "n2-highmem-8"
  disk {
    boot         = true
    disk_size_gb = 50
  }
  disk {
    disk_size_gb = 1000
  }
}
resource "google_compute_instance_group_manager" "timescaledb" {
  name               = "timescaledb"
  base_instance_name = "timescaledb"
  version {
    instance_template = google_compute_instance_template.timescaledb.id
  }
}
resource "azurerm_linux_virtual_machine_scale_set" "timescaledb" {
  sku       = "Standard_E8ds_v5"
  instances = 2
  os_disk {
    disk_size_gb = 64
  }
  data_disk {
    lun          = 0
    disk_size_gb = 512
  }
  data_disk {
    lun          = 1
    disk_size_gb = 512
  }
}
""")
    found = {f.resource_address: f for f in _scan(tmp_path, [p for p in ALL if p.id == "ME-CMP-07"])[1]}
    assert found["google_compute_instance_template.timescaledb"].status == Status.COMPLIES  # 50 + 1000 GB
    assert found["azurerm_linux_virtual_machine_scale_set.timescaledb"].status == Status.COMPLIES  # 64 + 2 x 512
    group = found["google_compute_instance_group_manager.timescaledb"]
    assert group.status == Status.UNKNOWN and "target_size is not set" in group.message


# --- baseline components ---------------------------------------------------------------------------

def test_production_components_are_the_guides_table() -> None:
    components = load_components()
    api = components.get("api_servers")
    assert api is not None and (api.vcpu, str(api.memory), str(api.disk), api.count_min) == (4, "16GB", "50GB", 3)
    assert components.get("timescaledb").describe_size() == "8 vCPU, 64GB memory, 1TB disk, >= 2 instances"
    assert components.traffic_tier == "1-10M"


def test_the_environment_changes_the_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    (baselines / "staging.yaml").write_text(
        "components:\n  api_servers:\n    title: API Servers\n    kinds: [compute_pool]\n"
        "    select: [{labels: {tier: api}}]\n    size: {vcpu: 2, memory: 8GB}\n    count: {min: 1}\n")
    monkeypatch.setenv("SPECDRIFT_BASELINES", str(baselines))
    cmp01 = [p for p in ALL if p.id == "ME-CMP-01"]
    staging = {f.status for f in _scan(EXAMPLE / "gcp", cmp01, {"environment": "staging"})[1]}
    assert staging == {Status.COMPLIES}
    with pytest.raises(EnvironmentFileError, match="no environment file for 'production'"):
        load_components("production")
    missing = _scan(EXAMPLE / "gcp", cmp01)[1]  # no production.yaml here: unknown, not an error
    assert {f.status for f in missing} == {Status.UNKNOWN} and "no environment file for" in missing[0].message
    (baselines / "broken.yaml").write_text("components:\n  api:\n    select: [{colour: blue}]\n")
    with pytest.raises(EnvironmentFileError, match="unknown selector key"):
        load_components("broken")


def test_each_resource_keeps_its_own_component_selection_across_the_sizing_policies(tmp_path: Path) -> None:
    # The sizing policy of a component and the traffic tier's both ask whether the component selects a resource
    # (Selector.matches, label by label): two pools, one selected as API servers by its label and one not, each
    # asked by both policies, get their own answers.
    pool = ('resource "google_container_node_pool" "%s" {\n  node_count = 3\n  node_config {\n'
            '    machine_type = "n1-standard-2"\n    labels = { tier = "%s" }\n  }\n}\n')
    (tmp_path / "main.tf").write_text(pool % ("api", "api") + pool % ("batch", "batch"))
    sizing = [p for p in ALL if p.id in ("ME-CMP-01", "ME-CMP-09")]
    findings = _scan(tmp_path, sizing)[1]
    judged = sorted((f.policy_id, f.resource_address, f.status.value) for f in findings)
    assert judged == [("ME-CMP-01", "google_container_node_pool.api", "violates"),
                      ("ME-CMP-09", "google_container_node_pool.api", "violates")]


@pytest.mark.parametrize("flag", ["--environment", "--baseline-env"])  # the former name, kept for one release
def test_cli_rejects_an_unknown_environment(flag: str) -> None:
    result = run_cli("scan", "examples/marketing-engine/gcp", flag, "nowhere")
    assert result.returncode == 2 and "no environment file for 'nowhere'" in result.stderr


@pytest.mark.parametrize(("where", "spelling"), [("file", "environment"), ("file", "baseline_env"),
                                                 ("file", "baseline-env"), ("env", "SPECDRIFT_ENVIRONMENT"),
                                                 ("env", "SPECDRIFT_BASELINE_ENV")])
def test_the_environment_key_and_its_former_names(tmp_path: Path, where: str, spelling: str) -> None:
    from scanner.config import resolve

    config_file = tmp_path / ".specdrift.yaml"
    config_file.write_text(f"{spelling}: staging\n" if where == "file" else "fail_on: high\n")
    environ = {spelling: "staging"} if where == "env" else {}
    config = resolve({}, environ=environ, config_file=config_file)
    assert config["environment"] == "staging"
    assert "environment" in config.sources and config.sources["environment"] != "default"


# --- Terraform module inputs ---------------------------------------------------------------------------

def test_local_module_calls_pass_their_inputs(tmp_path: Path) -> None:
    module = tmp_path / "modules" / "pool"
    module.mkdir(parents=True)
    (tmp_path / "main.tf").write_text(
        'variable "machine" {\n  default = "n2-standard-8"\n}\n'
        'module "api" {\n  source = "./modules/pool"\n  machine_type = var.machine\n  tier = "api"\n}\n'
        'module "bare" {\n  source = "./modules/pool"\n}\n')
    (module / "main.tf").write_text(
        'variable "machine_type" {}\nvariable "tier" {\n  default = "worker"\n}\n'
        'resource "google_container_node_pool" "p" {\n  node_count = 3\n'
        '  node_config {\n    machine_type = var.machine_type\n    labels = { tier = var.tier }\n  }\n}\n')
    outcome = load_paths([tmp_path])
    pools = {r.address: r for r in outcome.resources if r.type == "google_container_node_pool"}
    assert set(pools) == {"module.api.google_container_node_pool.p", "module.bare.google_container_node_pool.p"}
    api = pools["module.api.google_container_node_pool.p"]
    assert api.facts["machine_type"] == "n2-standard-8" and api.facts["labels"] == {"tier": "api"}
    assert api.fact_lines["machine_type"] == 8  # the line in the module that sets it
    bare = pools["module.bare.google_container_node_pool.p"]
    assert "module.bare does not set input 'machine_type'" in bare.facts["vcpu"].reason
    snippet = render(api, "machine_type", "n2-standard-16")
    assert snippet is not None and snippet.snippet.startswith('resource "google_container_node_pool" "p" {')


# --- remediation for inline child resources ----------------------------------------------------------

def test_child_resources_and_their_fixes() -> None:
    outcome = load_paths([EXAMPLE / "azure"])
    pool = next(r for r in outcome.resources if r.type.endswith("/agentPools"))
    assert pool.address == "Microsoft.ContainerService/managedClusters/marketing-engine-aks/agentPools/apipool"
    fix = render(pool, "machine_type", "Standard_DS12_v2")
    assert fix is not None and json.loads(fix.snippet) == {
        "type": "Microsoft.ContainerService/managedClusters", "name": "marketing-engine-aks",
        "properties": {"agentPoolProfiles": [{"name": "apipool", "vmSize": "Standard_DS12_v2"}]}}


# --- the guide's own examples ----------------------------------------------------------------------------

def _example_findings():
    _, findings = _scan(EXAMPLE)
    return findings


def _one(findings, policy: str, suffix: str, status: Status | None = None):
    found = [f for f in findings if f.policy_id == policy and (f.file or "").endswith(suffix)
             and (status is None or f.status == status)]
    assert found, f"no {policy} finding on {suffix}"
    return found


def test_example_reports_the_guides_sizing_inconsistencies() -> None:
    findings = _example_findings()
    [gke] = _one(findings, "ME-CMP-01", "gcp/main.tf")
    assert (gke.status, gke.line, gke.resource_address) == \
        (Status.VIOLATES, 79, "google_container_node_pool.primary_nodes")
    assert "n1-standard-4" in gke.observed and "15GiB" in gke.observed and "memory 15GiB < 16GB" in gke.message
    assert 'machine_type = "n1-highmem-4"' in gke.remediation.snippet
    [aks] = _one(findings, "ME-CMP-01", "azure/azuredeploy.json")
    assert (aks.status, aks.line) == (Status.VIOLATES, 47)
    assert aks.observed.startswith("Standard_DS3_v2 (4 vCPU, 14GiB memory")
    [cloudsql] = _one(findings, "ME-DB-10", "gcp/main.tf")
    assert cloudsql.status == Status.VIOLATES and "disk 10GB < 512GB" in cloudsql.message


def test_example_reports_compliant_settings_as_compliant() -> None:
    findings = _example_findings()
    [ecs] = _one(findings, "ME-ORC-01", "aws/cloudformation.yaml")
    assert ecs.status == Status.COMPLIES and ecs.observed == "FARGATE base 2 weight 1, FARGATE_SPOT base 0 weight 4"
    for policy, suffix in [("ME-K8S-09", "kubernetes/hpa.yaml"), ("ME-K8S-05", "kubernetes/deployment.yaml"),
                           ("ME-K8S-04", "kubernetes/deployment.yaml"), ("ME-K8S-01", "kubernetes/namespace.yaml"),
                           ("ME-K8S-10", "kubernetes/network-policy.yaml"), ("ME-K8S-07", "kubernetes/service.yaml"),
                           ("ME-K8S-06", "kubernetes/sealed-secret.yaml"), ("ME-ORC-02", "gcp/main.tf"),
                           ("ME-ORC-02", "azure/azuredeploy.json"), ("ME-K8S-02", "kubernetes/deployment.yaml")]:
        assert {f.status for f in _one(findings, policy, suffix)} == {Status.COMPLIES}, (policy, suffix)
    # TLS and the issuer are right; the rate limit annotation is not one ingress-nginx knows.
    [ingress] = _one(findings, "ME-K8S-08", "kubernetes/ingress.yaml")
    assert ingress.status == Status.VIOLATES and ingress.line == 10
    assert "rate-limit is not an ingress-nginx annotation" in ingress.message
    # The network policy add-on alone does not enforce policies (nor does AKS without networkPolicy).
    assert {(f.file.rsplit("/", 1)[-1], f.status) for f in findings if f.policy_id == "ME-K8S-12"
            and f.status != Status.COMPLIES} == {("main.tf", Status.VIOLATES), ("azuredeploy.json", Status.VIOLATES)}


# --- realistic repositories, findings checked by hand ---------------------------------------------------

REALISTIC_EXPECTED = {
    "gke": {
        ("ME-ORC-02", "modules/gke/main.tf", 97, "module.gke.google_container_node_pool.workers", "violates"),
        ("ME-ORC-02", "modules/gke/main.tf", 120, "module.gke.google_container_node_pool.batch", "violates"),
        ("ME-K8S-12", "modules/gke/main.tf", 126, "module.gke.google_container_node_pool.batch", "violates"),
        ("ME-CMP-08", "modules/gke/main.tf", 114, "module.gke.google_container_node_pool.batch", "unknown"),
    },
    "microservices": {
        ("ME-K8S-09", "autoscaling.yaml", 54, "marketing-engine/HorizontalPodAutoscaler/notifications", "violates"),
        ("ME-K8S-13", "config.yaml", 10, "marketing-engine/SealedSecret/database-credentials", "unknown"),
        ("ME-K8S-06", "config.yaml", 20, "marketing-engine/Secret/registry-pull", "violates"),
        ("ME-K8S-11", "services.yaml", 17, "marketing-engine/Deployment/analytics-engine", "violates"),
        ("ME-K8S-03", "services.yaml", 18, "marketing-engine/Deployment/analytics-engine", "violates"),
        ("ME-K8S-13", "web.yaml", 44, "marketing-engine/Service/web-frontend", "violates"),
        ("ME-K8S-05", "workers.yaml", 20, "marketing-engine/Deployment/campaign-worker", "violates"),
        ("ME-K8S-06", "workers.yaml", 62, "marketing-engine/Deployment/email-worker", "violates"),
        ("ME-K8S-04", "workers.yaml", 94, "marketing-engine/Deployment/scheduler", "violates"),
    },
    "ecs": {
        ("ME-CMP-02", "main.tf", 124, "aws_ecs_task_definition.worker", "violates"),
        ("ME-CMP-09", "main.tf", 124, "aws_ecs_task_definition.worker", "violates"),
        ("ME-ORC-01", "main.tf", 145, "aws_ecs_service.worker", "violates"),
    },
}


@pytest.mark.parametrize("name", sorted(REALISTIC_EXPECTED))
def test_realistic_repositories_exact_findings(name: str) -> None:
    base = REALISTIC / name
    outcome, findings = _scan(base)
    assert not outcome.errors and not [f for f in findings if f.status == Status.ERROR]
    got = {(f.policy_id, _rel(f.file, base), f.line, f.resource_address, f.status.value)
           for f in _mine(findings) if f.status != Status.COMPLIES}
    assert got == REALISTIC_EXPECTED[name]
    assert sum(f.status == Status.COMPLIES for f in _mine(findings)) >= 7  # and the rest was judged compliant


def test_realistic_bundle_shape() -> None:
    outcome, findings = _scan(REALISTIC / "microservices")
    workloads = [r for r in outcome.resources if "k8s_workload" in r.kinds]
    assert len(workloads) >= 12 and len([r for r in outcome.resources if r.type == "Service"]) >= 6
    components = {f.resource_address for f in findings if f.policy_id.startswith("ME-CMP-") and f.status ==
                  Status.COMPLIES}
    assert "marketing-engine/Deployment/api-server" in components  # HPA minReplicas 3 counts as 3 instances
    assert "marketing-engine/StatefulSet/redis" in components


def test_secret_values_never_reach_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run_cli("scan", str((REALISTIC / "microservices").relative_to(ROOT)), "--format", "json", "--output", str(out))
    text = out.read_text()
    assert "SMTP_PASSWORD" in text and "Tr0ub4dor-smtp-2024" not in text and "eyJhdXRocyI6e319" not in text


# --- autoscalers that are resources of their own ---------------------------------------------------------

_SCALED_TF = """
resource "google_compute_instance_group_manager" "workers" {
  name               = "workers"
  base_instance_name = "worker"
  target_size        = 3
}
resource "google_compute_autoscaler" "workers" {
  name   = "workers"
  target = google_compute_instance_group_manager.workers.id
  autoscaling_policy {
    min_replicas = MIG_MIN
    max_replicas = 5
  }
}
resource "aws_ecs_service" "worker" {
  name          = "worker"
  desired_count = 3
}
resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}"
  min_capacity       = ECS_MIN
  max_capacity       = 4
}
resource "aws_appautoscaling_target" "other_dimension" {
  service_namespace  = "dynamodb"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  resource_id        = "table/${aws_ecs_service.worker.name}"
  min_capacity       = 1
  max_capacity       = 4
}
"""


def _workers(path: Path) -> dict[str, Finding]:
    _, findings = _scan(path, [p for p in ALL if p.id == "ME-CMP-02"])
    return {f.resource_address: f for f in findings}


def test_a_group_is_counted_by_what_its_autoscaler_may_scale_it_down_to(tmp_path: Path) -> None:
    """target_size / desired_count 3 is where the group starts; an autoscaler minimum of 1 is where it may go."""
    (tmp_path / "main.tf").write_text(_SCALED_TF.replace("MIG_MIN", "1").replace("ECS_MIN", "1"))
    found = _workers(tmp_path)
    for address, scaler in (("google_compute_instance_group_manager.workers", "google_compute_autoscaler.workers"),
                            ("aws_ecs_service.worker", "aws_appautoscaling_target.worker")):
        finding = found[address]
        assert finding.status == Status.VIOLATES and finding.observed == 1, (address, finding.message)
        assert f"autoscaler {scaler} keeps at least 1" in finding.message
    (tmp_path / "main.tf").write_text(_SCALED_TF.replace("MIG_MIN", "2").replace("ECS_MIN", "4"))
    found = _workers(tmp_path)
    assert found["google_compute_instance_group_manager.workers"].status == Status.COMPLIES
    assert found["aws_ecs_service.worker"].status == Status.COMPLIES
    assert "keeps at least 4" in str(found["aws_ecs_service.worker"].observed)


@pytest.mark.parametrize("resource_id", ['!Sub "service/${Cluster}/${WorkerService.Name}"',
                                         '!Join ["/", [service, !Ref Cluster, !GetAtt WorkerService.Name]]'])
def test_a_cloudformation_scalable_target_sets_the_services_minimum(resource_id: str, tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
        "  WorkerService:\n    Type: AWS::ECS::Service\n    Properties:\n      ServiceName: worker\n"
        "      DesiredCount: 4\n"
        "  WorkerScaling:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties:\n"
        "      ServiceNamespace: ecs\n      ScalableDimension: ecs:service:DesiredCount\n"
        f"      ResourceId: {resource_id}\n      MinCapacity: 1\n"
        "      MaxCapacity: 6\n")
    finding = _workers(tmp_path)["WorkerService"]
    assert finding.status == Status.VIOLATES and "autoscaler WorkerScaling keeps at least 1" in finding.message


# --- schema validation: lazy and cached -----------------------------------------------------------------

def test_schema_validator_is_cached_and_lazy() -> None:
    from scanner.policy.functions.kubernetes import _schema_validator

    _scan(EXAMPLE / "kubernetes", [p for p in ALL if p.id == "ME-K8S-13"])
    _scan(EXAMPLE / "kubernetes", [p for p in ALL if p.id == "ME-K8S-13"])
    assert _schema_validator.cache_info().hits >= 5
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "scanner", "scan",
                             "examples/marketing-engine/gcp/main.tf"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    imported = result.stderr
    for heavy in ("kubernetes_validate", "boto3", "google.cloud", "azure."):
        assert heavy not in imported, heavy


@pytest.mark.parametrize("missing", ["kubernetes_validate", "jsonschema_rs"])
def test_schema_check_is_unknown_naming_what_is_missing(missing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.policy.functions import kubernetes

    kubernetes._schema_validator.cache_clear()
    kubernetes._schema_root.cache_clear()
    monkeypatch.setitem(sys.modules, missing, None)  # import fails
    if missing == "kubernetes_validate":
        monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    try:
        _, findings = _scan(EXAMPLE / "kubernetes" / "deployment.yaml", [p for p in ALL if p.id == "ME-K8S-13"])
    finally:
        kubernetes._schema_validator.cache_clear()
        kubernetes._schema_root.cache_clear()
    assert findings and all(f.status == Status.UNKNOWN for f in findings)
    package = {"kubernetes_validate": "kubernetes-validate", "jsonschema_rs": "jsonschema-rs"}[missing]
    assert all(f"{package} is not installed" in f.message for f in findings), [f.message for f in findings]


# --- every policy of the pack has pass and fail fixtures in each format it names ---------------------

@pytest.mark.parametrize("policy", [p for p in ALL if p.id.startswith(MINE)], ids=lambda p: p.id)
def test_fixtures_cover_every_source_format(policy) -> None:
    formats = {"terraform", "cloudformation", "arm", "kubernetes"} & set(policy.sources)
    assert formats, f"{policy.id} names no IaC format in sources"
    for sub in ("pass", "fail"):
        seen = set(load_paths([policy.directory / sub]).files.values())
        assert formats <= seen, f"{policy.id}/{sub} lacks fixtures for {sorted(formats - seen)}"


def test_schema_kept_with_only_the_definitions_it_reaches() -> None:
    """One kind's schema is cached with the definitions its $refs reach (directly or through others), not all."""
    from scanner.policy.functions.kubernetes import _reachable

    definitions = {"$defs": {
        "Spec": {"properties": {"template": {"$ref": "#/$defs/Template"}}},
        "Template": {"items": [{"$ref": "#/$defs/Container"}]},
        "Container": {"properties": {"self": {"$ref": "#/$defs/Container"}}},
        "Unrelated": {"type": "string"},
    }}
    schema = {"properties": {"spec": {"$ref": "/api/_definitions.json#/$defs/Spec"}}}
    document = _reachable(schema, definitions)
    assert document["schema"] == schema
    assert sorted(document["definitions"]["$defs"]) == ["Container", "Spec", "Template"]
