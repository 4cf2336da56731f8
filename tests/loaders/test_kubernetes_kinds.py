"""Every kind that carries a pod template is a workload; JSON manifests, List objects and BOMs load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.loaders.kubernetes import NOT_A_MANIFEST
from scanner.mappings import load_paths
from scanner.model import Status
from scanner.scan import ScanOptions, scan

CONTAINER = {"name": "web", "image": "nginx:latest"}  # unpinned, no resources, no probes, no securityContext
WORKLOAD_POLICIES = ["ME-K8S-03", "ME-K8S-04", "ME-K8S-05", "ME-K8S-06", "ME-K8S-11"]


def _template(container: dict) -> dict:
    return {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}


def _manifest(kind: str, container: dict = CONTAINER) -> dict:
    api = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
           "ReplicationController": "v1", "Pod": "v1", "Job": "batch/v1", "CronJob": "batch/v1",
           "Rollout": "argoproj.io/v1alpha1", "DeploymentConfig": "apps.openshift.io/v1"}[kind]
    doc: dict = {"apiVersion": api, "kind": kind, "metadata": {"name": "web"}}
    if kind == "Pod":
        doc["spec"] = _template(container)["spec"]
    elif kind == "CronJob":
        doc["spec"] = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": _template(container)}}}
    elif kind in ("ReplicationController", "DeploymentConfig"):
        doc["spec"] = {"replicas": 1, "selector": {"app": "web"}, "template": _template(container)}
    else:
        doc["spec"] = {"selector": {"matchLabels": {"app": "web"}}, "template": _template(container)}
    return doc


def _statuses(path: Path, policies: list[str]) -> dict[str, Status]:
    report = scan(ScanOptions(paths=[str(path)], policies=policies))
    assert not [f for f in report.findings if f.status == Status.ERROR], report.findings
    return {f.policy_id: f.status for f in report.findings if f.policy_id in policies}


# Argo Rollouts and OpenShift DeploymentConfigs are Deployments under another name.
LONG_RUNNING = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod", "Rollout",
                "DeploymentConfig"]


@pytest.mark.parametrize("kind", LONG_RUNNING)
def test_long_running_pod_carriers_are_judged_by_every_workload_policy(tmp_path: Path, kind: str) -> None:
    env = {"name": "DB_PASSWORD", "value": "hunter2hunter2"}
    (tmp_path / "w.yaml").write_text(json.dumps(_manifest(kind, {**CONTAINER, "env": [env]})))
    statuses = _statuses(tmp_path / "w.yaml", WORKLOAD_POLICIES)
    assert statuses == dict.fromkeys(WORKLOAD_POLICIES, Status.VIOLATES), (kind, statuses)


@pytest.mark.parametrize("kind", ["Job", "CronJob"])
def test_jobs_are_workloads_but_need_no_probes(tmp_path: Path, kind: str) -> None:
    (tmp_path / "j.yaml").write_text(json.dumps(_manifest(kind)))
    statuses = _statuses(tmp_path / "j.yaml", WORKLOAD_POLICIES)
    assert "ME-K8S-05" not in statuses
    assert statuses == dict.fromkeys(["ME-K8S-03", "ME-K8S-04", "ME-K8S-11"], Status.VIOLATES) | {
        "ME-K8S-06": Status.COMPLIES}


def test_a_pod_that_runs_to_completion_needs_no_probes(tmp_path: Path) -> None:
    pod = _manifest("Pod")
    pod["spec"]["restartPolicy"] = "Never"
    (tmp_path / "p.yaml").write_text(json.dumps(pod))
    assert "ME-K8S-05" not in _statuses(tmp_path / "p.yaml", ["ME-K8S-05"])


def test_replication_controller_counts_replicas(tmp_path: Path) -> None:
    rc = _manifest("ReplicationController")
    rc["metadata"]["name"] = "api"
    (tmp_path / "rc.yaml").write_text(json.dumps(rc))
    report = scan(ScanOptions(paths=[str(tmp_path)], policies=["ME-K8S-02"]))
    [finding] = report.findings
    assert finding.status == Status.VIOLATES and finding.observed == 1


def test_json_manifest_loads_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "pod.json"
    path.write_text(json.dumps(_manifest("Pod"), indent=2))
    outcome = load_paths([path])
    assert not outcome.errors and list(outcome.files.values()) == ["kubernetes"]
    [pod] = [r for r in outcome.resources if r.type == "Pod"]
    assert pod.address == "default/Pod/web" and pod.origin.line == 1
    image_line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "nginx:latest" in text)
    findings = scan(ScanOptions(paths=[str(path)], policies=["ME-K8S-03"])).findings
    assert [(f.status, f.line) for f in findings] == [(Status.VIOLATES, image_line)]


def test_malformed_json_manifest_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "apiVersion": "v1",\n  "kind": "Pod"\n  "metadata": {"name": "x"}\n}\n')
    outcome = load_paths([path])
    assert [(e.format, e.line) for e in outcome.errors] == [("kubernetes", 4)]


def test_json_that_is_not_a_manifest_is_not_claimed(tmp_path: Path) -> None:
    # A JSON schema of a Kubernetes object names apiVersion and kind as properties, not as values.
    path = tmp_path / "schema.json"
    path.write_text(json.dumps({"properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"}}}))
    outcome = load_paths([path])
    assert not outcome.errors and not outcome.files


def test_list_items_load_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n"
                    "    name: a\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: b\n")
    outcome = load_paths([path])
    assert not outcome.errors
    assert [(r.address, r.origin.line) for r in outcome.resources if r.type == "Service"] == [
        ("default/Service/a", 4), ("default/Service/b", 8)]


def test_typed_list_items_take_kind_and_api_version_from_the_list(tmp_path: Path) -> None:
    # What `GET /api/v1/namespaces/x/pods` returns: a PodList whose items omit apiVersion and kind.
    path = tmp_path / "pods.json"
    pod = _manifest("Pod")
    del pod["apiVersion"], pod["kind"]
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [pod]}, indent=1))
    outcome = load_paths([path])
    assert not outcome.errors
    [item] = [r for r in outcome.resources if r.format == "kubernetes"]
    assert (item.type, item.attributes["apiVersion"], item.address) == ("Pod", "v1", "default/Pod/web")
    assert item.origin.line == 6


@pytest.mark.parametrize("name", ["pod.yaml", "pod.json"])
def test_byte_order_mark_is_stripped(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    text = json.dumps(_manifest("Pod"), indent=2) if name.endswith(".json") else \
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    outcome = load_paths([path])
    assert not outcome.errors
    assert [r.address for r in outcome.resources if r.format == "kubernetes"] == ["default/Pod/web"]


@pytest.mark.parametrize(("name", "text", "fmt"), [
    ("main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n', "terraform"),
    ("template.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "AWS::S3::Bucket"}}}',
     "cloudformation"),
    ("azuredeploy.json", '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
                         'deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": []}', "arm"),
    ("Dockerfile", "FROM alpine:3.20\nUSER app\n", "dockerfile"),
])
def test_byte_order_mark_is_stripped_in_every_format(tmp_path: Path, name: str, text: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    outcome = load_paths([path])
    assert not outcome.errors, outcome.errors
    assert list(outcome.files.values()) == [fmt]


def test_a_workload_without_an_app_label_is_an_api_server_only_by_its_name(tmp_path: Path) -> None:
    for name in ("dns-backend", "api"):
        rc = _manifest("ReplicationController")
        rc["metadata"]["name"] = name
        rc["spec"]["template"]["metadata"]["labels"] = {"name": name}
        (tmp_path / f"{name}.yaml").write_text(json.dumps(rc))
    report = scan(ScanOptions(paths=[str(tmp_path)], policies=["ME-K8S-02"]))
    assert [(Path(f.file).name, f.status) for f in report.findings] == [("api.yaml", Status.VIOLATES)]


@pytest.mark.parametrize("metadata", [
    # `- =` is a plain string to kubectl's YAML reader (a CRD's enum of match operators), and an
    # unquoted timestamp a string in the JSON the API server validates.
    "  creationTimestamp: 2018-12-02T08:19:13Z\n  annotations:\n    ops: =\n",
    # an unquoted number or boolean as a key (a label ``1: x``) is a string key in that JSON
    "  labels:\n    1: x\n    true: y\n",
])
def test_yaml_values_kubectl_reads_as_strings_load(tmp_path: Path, metadata: str) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n" + metadata +
                    "spec:\n  containers:\n  - name: c\n    image: nginx:1.27\n")
    report = scan(ScanOptions(paths=[str(path)], policies=["ME-K8S-13"]))
    assert [(f.policy_id, f.status) for f in report.findings] == [("ME-K8S-13", Status.COMPLIES)], report.findings


def test_an_object_whose_api_version_no_api_server_serves_is_not_a_manifest(tmp_path: Path) -> None:
    # An ARM resource exported on its own: apiVersion and kind, but a date for a version.
    arm = tmp_path / "storage.json"
    arm.write_text(json.dumps({"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                               "kind": "StorageV2", "name": "x"}, indent=1))
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\napiVersion: 2023-01-01\nkind: X\n")
    outcome = load_paths([arm, mixed])
    assert outcome.not_infrastructure == {str(arm): NOT_A_MANIFEST}
    assert [(e.file, e.line, e.message) for e in outcome.errors] == [
        (str(mixed), 6, "apiVersion 2023-01-01 is not a Kubernetes group/version (v1, apps/v1, example.com/v1beta1)")]


def test_a_list_whose_items_are_not_a_list_is_one_malformed_object(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("apiVersion: v1\nkind: List\nitems: abc\n---\napiVersion: v1\nkind: List\nitems:\n")
    outcome = load_paths([path])
    assert not outcome.errors
    assert [r.address for r in outcome.resources if r.format == "kubernetes"] == ["default/List/<unnamed>"]


def test_byte_order_mark_is_stripped_in_configuration_and_variables_files(tmp_path: Path) -> None:
    from scanner.config import resolve

    config = tmp_path / "pyproject.toml"
    config.write_bytes(b'\xef\xbb\xbf[tool.specdrift]\nfail_on = "high"\n')
    assert resolve({}, environ={}, config_file=config)["fail_on"] == "high"
    (tmp_path / "main.tf").write_text('variable "days" {}\nresource "aws_db_instance" "db" {\n'
                                      "  backup_retention_period = var.days\n}\n")
    tfvars = tmp_path / "prod.tfvars.json"
    tfvars.write_bytes(b'\xef\xbb\xbf{"days": 35}\n')
    outcome = load_paths([tmp_path / "main.tf"], {"var_files": [str(tfvars)]})
    assert not outcome.errors, outcome.errors
    [db] = [r for r in outcome.resources if r.address == "aws_db_instance.db"]
    assert db.attributes["backup_retention_period"] == 35


LOCAL_CONFIG = '''apiVersion: blueprints.cloud.google.com/v1alpha1
kind: BlueprintMetadata
metadata:
  name: terraform-google-network
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  info:
    title: Google Cloud Network
'''


def test_local_config_objects_are_not_cluster_objects(tmp_path: Path) -> None:
    """kpt and kustomize never apply an object annotated config.kubernetes.io/local-config: "true" (blueprint
    metadata, function configs): it is no cluster object, so no Kubernetes policy judges it."""
    (tmp_path / "metadata.yaml").write_text(LOCAL_CONFIG)
    (tmp_path / "app.yaml").write_text(LOCAL_CONFIG + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    assert sorted(r.address for r in outcome.resources) == ["default/ConfigMap/app"]
    assert "metadata.yaml" in " ".join(outcome.not_infrastructure)
