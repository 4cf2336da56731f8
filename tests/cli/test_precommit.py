"""The pre-commit hook, installed by the real ``pre-commit`` tool into a throwaway repository.

The hook repository is a snapshot of this checkout (its tracked and untracked files, so uncommitted work
is what gets tested) committed into a temporary git repository; pre-commit clones it at that commit and
builds the hook's environment the way it does for users (``language: python``: a virtualenv with the
project pip-installed, dependencies from the package index or the local pip cache). That environment is
built once per test session (a shared PRE_COMMIT_HOME).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, file_at_revision

# A Deployment with what the K8S pack asks for: HPA, NetworkPolicy, probes, resources, non-root.
COMPLIANT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-server
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: api-server}
  template:
    metadata:
      labels: {app: api-server}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1001}
      containers:
        - name: api
          image: registry.example.com/api:1.4.2
          ports:
            - containerPort: 3000
          resources:
            requests: {memory: 2Gi, cpu: 1000m}
            limits: {memory: 4Gi, cpu: 2000m}
          livenessProbe:
            httpGet: {path: /health, port: 3000}
          readinessProbe:
            httpGet: {path: /ready, port: 3000}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api-server
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api-server}
  minReplicas: 3
  maxReplicas: 20
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
    - type: Resource
      resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-server
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: api-server}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {name: ingress-nginx}
      ports:
        - {protocol: TCP, port: 3000}
  egress:
    - to:
        - namespaceSelector:
            matchLabels: {name: shop}
    - to:
        - podSelector:
            matchLabels: {app: postgres}
      ports:
        - {protocol: TCP, port: 5432}
    - to:
        - podSelector:
            matchLabels: {app: redis}
      ports:
        - {protocol: TCP, port: 6379}
    - ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}
"""
IMAGE_LINE = next(n for n, line in enumerate(COMPLIANT.splitlines(), 1) if "image:" in line)
NON_COMPLIANT = COMPLIANT.replace("registry.example.com/api:1.4.2", "registry.example.com/api:latest")


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout's files (committed or not), committed into a repository pre-commit can clone."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed):
        source, target = ROOT / name, repo / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        done = _git(repo, *args)
        assert done.returncode == 0, done.stderr
    return repo, _git(repo, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _pre_commit_env(home: Path) -> dict[str, str]:
    # HOME stays: pip's cache under it makes the hook environment's install quick after the first time.
    return {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "NO_COLOR": "1",
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def test_the_hook_file_covers_the_iac_formats() -> None:
    import re

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    pattern = re.compile(hooks["specdrift"]["files"])
    for name in ("infra/main.tf", "redis/redis.conf", "db/setup.sql", "docker/Dockerfile", "k8s/api.yaml",
                 "azure/azuredeploy.json", "Dockerfile.prod", "prod.tfvars"):
        assert pattern.search(name), name
    for name in ("README.md", "app/main.py"):
        assert not pattern.search(name), name
    assert all(h["language"] == "python" and h["entry"].startswith("specdrift scan") for h in hooks.values())


def test_commit_passes_on_compliant_and_fails_on_non_compliant_files(hook_repo: tuple[Path, str],
                                                                      pre_commit_home: Path, tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    hooks, rev = hook_repo
    repo = tmp_path / "work"
    repo.mkdir()
    assert _git(repo, "init", "-q", "-b", "main").returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(hooks), "rev": rev, "hooks": [{"id": "specdrift"}]}]}))
    env = _pre_commit_env(pre_commit_home)
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env,
                               capture_output=True, text=True, timeout=120, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    k8s = repo / "k8s"
    k8s.mkdir()
    (k8s / "api.yaml").write_text(COMPLIANT)
    (repo / "README.md").write_text("not checked\n")
    _git(repo, "add", "-A")
    ok = subprocess.run(["git", "commit", "-m", "compliant"], cwd=repo, env=env, capture_output=True, text=True,
                        timeout=600, check=False)
    shown = ok.stdout + ok.stderr  # git hands a hook's output to stderr
    assert ok.returncode == 0, shown
    assert "specdrift (infrastructure policies)" in shown and "Passed" in shown

    (k8s / "api.yaml").write_text(NON_COMPLIANT)
    _git(repo, "add", "-A")
    bad = subprocess.run(["git", "commit", "-m", "latest image"], cwd=repo, env=env, capture_output=True,
                         text=True, timeout=600, check=False)
    shown = bad.stdout + bad.stderr
    assert bad.returncode != 0, shown
    assert "Failed" in shown and "ME-K8S-03" in shown and "k8s/api.yaml" in shown
    assert f"line {IMAGE_LINE} shop/Deployment/api-server" in shown and "fix (kubernetes):" in shown
    log = _git(repo, "log", "--oneline").stdout.splitlines()
    assert len(log) == 1 and "compliant" in log[0]  # the failing commit did not happen


def _documented_config() -> dict:
    """The ``.pre-commit-config.yaml`` snippet of docs/ci.md (the first fenced block that names the file)."""
    import re

    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "ci.md").read_text(encoding="utf-8"), re.S)
    snippet = next(block for block in blocks if block.startswith("# .pre-commit-config.yaml"))
    return yaml.safe_load(snippet)


def test_the_documented_rev_exists_and_holds_the_hooks_it_names() -> None:
    (repo,) = _documented_config()["repos"]
    rev, ids = str(repo["rev"]), [hook["id"] for hook in repo["hooks"]]
    # pre-commit clones at `rev`: a tag, or a full SHA (it cannot fetch an abbreviated one)
    assert len(rev) == 40 and all(c in "0123456789abcdef" for c in rev), rev
    then = yaml.safe_load(file_at_revision(rev, ".pre-commit-hooks.yaml"))
    assert set(ids) <= {hook["id"] for hook in then}, ids


@pytest.mark.parametrize("what", ["manifest", "config"])
def test_pre_commit_validates_the_hooks_file_and_the_documented_config(what: str, tmp_path: Path) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(yaml.safe_dump(_documented_config()))
    target = ROOT / ".pre-commit-hooks.yaml" if what == "manifest" else config
    done = subprocess.run([sys.executable, "-m", "pre_commit", f"validate-{what}", str(target)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yaml"  # the validator does reject: a hook without its entry
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    broken.write_text(yaml.safe_dump([{k: v for k, v in hooks[0].items() if k != "entry"}]))
    rejected = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(broken)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)
    assert rejected.returncode != 0
