"""Which files are judged: files that are not infrastructure, --skip-path, named files no loader claims."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scanner.model import Status
from scanner.scan import ScanOptions, scan
from tests.conftest import ROOT, run_cli, write_files


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI of this checkout, run in another directory."""
    return run_cli(*args, cwd=cwd, env={"PYTHONPATH": str(ROOT), **(env or {})})


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:latest
"""

NOT_INFRASTRUCTURE = {
    ".github/workflows/deploy.yml": """name: deploy
on: [push]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: |
          cat <<EOF | kubectl apply -f -
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: x
          EOF
      - run: |
          resource "aws_s3_bucket" "b" {
            bucket = "x"
          }
""",
    "chart/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    "chart/values.yaml": "image: nginx\nextraObjects:\n  - apiVersion: v1\n    kind: ConfigMap\n",
    "chart/templates/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "demo.fullname" . }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
      - name: app
        image: "{{ .Values.image }}"
        {{- with .Values.resources }}
        resources: {{- toYaml . | nindent 10 }}
        {{- end }}
""",
    # Parses as YAML, but every value is Helm's to fill in: judged, it would be one false finding per policy.
    "chart/templates/service.yaml": """apiVersion: v1
kind: Service
metadata:
  name: "{{ .Release.Name }}"
spec:
  type: "{{ .Values.service.type }}"
""",
    "overlay/kustomization.yaml": """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../base]
patches:
- path: server-patch.yaml
patchesStrategicMerge:
- ../shared/replicas.yaml
""",
    "overlay/server-patch.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-server
spec:
  template:
    spec:
      containers:
      - name: argocd-server
        command: [argocd-server, --insecure]
""",
    "shared/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n",
    "overlay/delete-service.yaml": "$patch: delete\napiVersion: v1\nkind: Service\nmetadata:\n  name: gone\n",
    ".gitlab/ci/deploy.yml": "deploy:\n  script:\n    - |\n      resource \"aws_s3_bucket\" \"b\" {\n      }\n",
    ".pre-commit-config.yaml": "repos:\n- repo: https://github.com/x/y\n  rev: v1\n  hooks:\n  - id: z\n",
    "docker-compose.yml": "services:\n  web:\n    image: nginx:latest\n",
    "api/openapi.yaml": "openapi: 3.0.0\ninfo: {title: x, version: '1'}\ncomponents:\n  schemas:\n    Obj:\n"
                        "      properties:\n        apiVersion: {type: string}\n        kind: {type: string}\n",
    "templated/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ name }}\n"
                             "spec:\n  replicas: {{ replicas }}\n",
    "config/app.yaml": "server:\n  port: 8080\n  apiVersion: v3\n  kind: Primary\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write_files(tmp_path, NOT_INFRASTRUCTURE)
    write_files(tmp_path, {"base/deployment.yaml": DEPLOYMENT})
    return tmp_path


def test_files_that_are_not_infrastructure_are_noted_not_judged(repo: Path) -> None:
    report = scan(ScanOptions(paths=[str(repo)]))
    judged = {Path(f.file).relative_to(repo).as_posix() for f in report.findings if f.file}
    assert judged == {"base/deployment.yaml"}, sorted(
        (f.file, f.policy_id, f.status.value, f.message) for f in report.findings if f.file and "base/" not in f.file)
    assert not [f for f in report.findings if f.status == Status.ERROR]
    noted = "\n".join(report.notes)
    for name in NOT_INFRASTRUCTURE:
        assert str(repo / name) in noted, (name, report.notes)
    assert "GitHub Actions workflow" in noted and "helm template" in noted and "kustomize" in noted
    assert len(report.notes) < len(NOT_INFRASTRUCTURE)  # one note per kind of file, not one per file


def test_secrets_are_still_found_in_files_that_are_not_infrastructure(tmp_path: Path) -> None:
    key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    workflow = f"on: [push]\njobs:\n  a:\n    env:\n      AWS_SECRET_ACCESS_KEY: {key}\n"
    write_files(tmp_path, {".github/workflows/ci.yml": workflow})
    report = scan(ScanOptions(paths=[str(tmp_path)]))
    assert [(f.policy_id, f.status) for f in report.findings] == [("ME-SEC-01", Status.VIOLATES)]


def test_a_named_kustomize_patch_is_recognised_from_its_kustomization(repo: Path) -> None:
    report = scan(ScanOptions(paths=[str(repo / "overlay" / "server-patch.yaml")]))
    assert not report.findings and any("server-patch.yaml" in note for note in report.notes)


def test_real_manifests_with_go_template_text_are_still_judged(tmp_path: Path) -> None:
    # A PrometheusRule's alert text and an Argo workflow's parameters are data, not Helm.
    write_files(tmp_path, {"rules.yaml": """apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: r
spec:
  groups:
  - name: g
    rules:
    - alert: Down
      expr: up == 0
      annotations:
        summary: "{{ $labels.instance }} is down ({{ $value }})"
""", "templates/wf.yaml": DEPLOYMENT.replace("nginx:latest", '"repo/{{inputs.parameters.image}}:1.0"')})
    report = scan(ScanOptions(paths=[str(tmp_path)], policies=["ME-K8S-03"]))
    assert not report.notes and len(report.files) == 2
    assert [(Path(f.file).name, f.status) for f in report.findings] == [("wf.yaml", Status.COMPLIES)]


def test_a_broken_manifest_without_template_syntax_is_still_an_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"bad.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n",
                      "mixed.yaml": DEPLOYMENT + "---\nreplicas: 3\n"})
    report = scan(ScanOptions(paths=[str(tmp_path)]))
    errors = sorted((Path(f.file).name, f.line) for f in report.findings if f.status == Status.ERROR)
    assert errors == [("bad.yaml", 5), ("mixed.yaml", 16)]


def test_skip_path_excludes_gitignore_like_globs(tmp_path: Path) -> None:
    write_files(tmp_path, {"app/deploy.yaml": DEPLOYMENT, "app/test/deploy.yaml": DEPLOYMENT,
                      "examples/deploy.yaml": DEPLOYMENT, "lib/examples/deploy.yaml": DEPLOYMENT,
                      "examples.yaml": DEPLOYMENT, "other/main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    report = scan(ScanOptions(paths=[str(tmp_path)], skip_paths=["**/test/**", "examples/", "*.tf"]))
    assert sorted(Path(f).relative_to(tmp_path).as_posix() for f in report.files) == ["app/deploy.yaml",
                                                                                      "examples.yaml"]
    anchored = scan(ScanOptions(paths=[str(tmp_path)], skip_paths=["/examples", "app/test"]))
    assert sorted(Path(f).relative_to(tmp_path).as_posix() for f in anchored.files) == [
        "app/deploy.yaml", "examples.yaml", "lib/examples/deploy.yaml", "other/main.tf"]


def test_skip_path_flag_and_configuration(tmp_path: Path) -> None:
    write_files(tmp_path, {"app/deploy.yaml": DEPLOYMENT, "test/deploy.yaml": DEPLOYMENT})

    def scanned(*args: str, env: dict[str, str] | None = None) -> list[str]:
        result = _cli("scan", ".", "--format", "json", *args, cwd=tmp_path, env=env)
        assert result.returncode == 1, result.stderr
        return sorted(entry["path"] for entry in json.loads(result.stdout)["files"])

    assert scanned() == ["app/deploy.yaml", "test/deploy.yaml"]
    assert scanned("--skip-path", "test/", "--skip-path", "nothing/") == ["app/deploy.yaml"]
    assert scanned(env={"SPECDRIFT_SKIP_PATH": "app/,other/"}) == ["test/deploy.yaml"]
    (tmp_path / ".specdrift.yaml").write_text("skip_paths: ['test/**']\n")
    assert scanned() == ["app/deploy.yaml"]
    assert scanned("--skip-path", "app/") == ["test/deploy.yaml"]  # the flag wins over the file
    config = _cli("config", cwd=tmp_path)
    assert "skip_path" in config.stdout and ".specdrift.yaml" in config.stdout


def test_named_files_no_loader_claims_are_reported_and_fail_strict(tmp_path: Path) -> None:
    write_files(tmp_path, {"deploy.yaml": DEPLOYMENT.replace("nginx:latest", "nginx:1.27@sha256:" + "a" * 64),
                      "notes.txt": "hello\n", "settings.yaml": "port: 8080\n"})
    result = _cli("scan", "deploy.yaml", "notes.txt", "settings.yaml", "--policy", "ME-K8S-03", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    note = [line for line in result.stderr.splitlines() if "notes.txt" in line]
    assert len(note) == 1 and "settings.yaml" in note[0] and "deploy.yaml" not in note[0].replace("settings", "")
    strict = _cli("scan", "deploy.yaml", "notes.txt", "--policy", "ME-K8S-03", "--strict", cwd=tmp_path)
    assert strict.returncode == 2 and "notes.txt" in strict.stderr
    assert _cli("scan", "deploy.yaml", "--policy", "ME-K8S-03", "--strict", cwd=tmp_path).returncode == 0
    # Files found by walking a directory are not named: that the tree holds a README is no news.
    assert _cli("scan", ".", "--policy", "ME-K8S-03", "--strict", cwd=tmp_path).returncode == 0


def test_a_manifest_carrying_alertmanager_templates_is_a_manifest(tmp_path: Path) -> None:
    write_files(tmp_path, {"secret.yaml": """apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata:
  name: slack
spec:
  receivers:
  - name: slack
    slackConfigs:
    - title: '{{ template "slack.title" . }}'
      text: '{{ define "x" }}{{ .CommonLabels.alertname }}{{ end }}'
"""})
    report = scan(ScanOptions(paths=[str(tmp_path)], policies=["ME-K8S-13"]))
    assert not report.notes and [f.policy_id for f in report.findings] == ["ME-K8S-13"]


def test_patches_named_from_afar_by_a_scanned_kustomization_are_patches(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "deploy/overlays/prod/kustomization.yaml": "resources: [../../base]\npatchesStrategicMerge:\n"
                                                   "- ../../../patches/prod/replicas.yaml\n",
        "patches/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"
                                      "spec:\n  replicas: 5\n",
        "deploy/base/deployment.yaml": DEPLOYMENT})
    report = scan(ScanOptions(paths=[str(tmp_path)]))
    assert {Path(f.file).name for f in report.findings if f.file} == {"deployment.yaml"}
    assert any("replicas.yaml" in note and "kustomize patch" in note for note in report.notes)
