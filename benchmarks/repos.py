"""Real repositories as benchmark cases, pinned by commit and read from the local snapshot mirror.

Each repository is materialized once (``git archive`` of the pinned commit) under the benchmark's
work directory; a case whose snapshot or commit is absent is skipped with the exact ``fetch`` that
brings it (the mirror is ``$SPECDRIFT_MIRROR``, default ``/work/.mirror``, as for the real-world suite).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tests.realworld.corpus import git_dir


@dataclass(frozen=True)
class Repo:
    name: str  # the case name in ``--cases``
    source: str  # owner/name on GitHub
    commit: str
    kind: str  # what it mostly holds, for the table
    framework: str | None = None  # checkov --framework, where one format is all the repository is about


REPOS = (
    Repo("rw-vpc", "terraform-aws-modules/terraform-aws-vpc", "82d1929e669efef4e2ad00611b8a68e7a56e049c",
         "Terraform"),
    Repo("rw-aurora", "terraform-aws-modules/terraform-aws-rds-aurora", "259b5827d159ea73d6f61da802291dceaa2ad2c0",
         "Terraform"),
    Repo("rw-tf-components", "cloudposse/terraform-aws-components", "a10df84fcd6e3456938f2b95c6283118f0607e5d",
         "Terraform"),
    Repo("rw-cfn-awslabs", "awslabs/aws-cloudformation-templates", "3ac5e031cc2340dee710f769bacdd78c1f39f187",
         "CloudFormation"),
    Repo("rw-cfn-widdix", "widdix/aws-cf-templates", "1a9f04f934179975a3a56c2496d2ed2b27598bd8",
         "CloudFormation"),
    Repo("rw-k8s-examples", "kubernetes/examples", "279e8e4fe314f6cb7bc55fa3fbc21bbeaa48c0ea", "Kubernetes"),
    Repo("rw-kube-prometheus", "prometheus-operator/kube-prometheus", "4d719f1dea8853540b3823ab1fbe6be74a9953b3",
         "Kubernetes"),
    Repo("rw-shell-acme", "acmesh-official/acme.sh", "d60c75b4e30a26addd8b9d0bfdeeed39c84ed51e", "shell scripts"),
)
# Sources of single files only (the pre-commit cases), not scanned whole.
POSTGRES_IMAGES = Repo("", "docker-library/postgres", "6edb0a8c4def40c371514b34aef9037ec82d9110", "Dockerfiles")
BY_SOURCE = {repo.source: repo for repo in (*REPOS, POSTGRES_IMAGES)}

# (source, path): one small .tf; and three real files a pre-commit hook would see staged together.
SMALL_TF = ("terraform-aws-modules/terraform-aws-vpc", "examples/simple/main.tf")
STAGED = (("terraform-aws-modules/terraform-aws-rds-aurora", "main.tf"),
          ("docker-library/postgres", "17/bookworm/Dockerfile"),
          ("kubernetes/examples", "AI/model-serving-tensorflow/deployment.yaml"))


class Absent(Exception):
    """The mirror lacks the repository or its pinned commit."""


def _git(gitdir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "--git-dir", str(gitdir), *args], capture_output=True, timeout=300, check=False)


def _present(gitdir: Path, commit: str) -> list[str]:
    """The commit's file paths whose contents the snapshot holds (snapshots may leave out their largest blobs)."""
    listed = _git(gitdir, "ls-tree", "-r", "-z", commit).stdout.split(b"\0")
    entries = [line.split(b"\t", 1) for line in listed if b"\t" in line]
    objects = [meta.split()[2] for meta, _ in entries]
    checked = subprocess.run(["git", "--git-dir", str(gitdir), "cat-file", "--batch-check"],
                             input=b"\n".join(objects) + b"\n", capture_output=True, timeout=300, check=False)
    missing = {line.split()[0] for line in checked.stdout.splitlines() if line.endswith(b" missing")}
    return [path.decode("utf-8", "surrogateescape") for (meta, path), obj in zip(entries, objects, strict=True)
            if obj not in missing and meta.split()[1] == b"blob"]


def materialize(repo: Repo, work: Path) -> Path:
    """The checkout of ``repo`` at its commit under ``work/repos`` (written once, then reused)."""
    target = work / "repos" / f"{repo.source.replace('/', '+')}@{repo.commit[:12]}"
    done = target.with_name(target.name + ".done")
    if done.is_file() and target.is_dir():
        return target
    gitdir = git_dir(repo.source)
    if not gitdir.is_dir() or _git(gitdir, "cat-file", "-e", f"{repo.commit}^{{commit}}").returncode != 0:
        raise Absent(f"the snapshot mirror lacks {repo.source} at {repo.commit[:12]}; "
                     f"get it with: fetch github:{repo.source}")
    archived = _git(gitdir, "archive", "--format=tar", repo.commit, "--", *_present(gitdir, repo.commit))
    if archived.returncode != 0:
        raise Absent(f"git archive {repo.source}@{repo.commit[:12]} failed: "
                     f"{archived.stderr.decode('utf-8', 'replace').strip()}")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archived.stdout)) as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]  # no links out of the tree
        tar.extractall(target, members=members, filter="data")
    done.write_text(repo.commit, encoding="utf-8")
    return target


def describe(root: Path) -> str:
    files = sum(1 for p in root.rglob("*") if p.is_file())
    return f"{files} files"


def files(wanted: tuple[tuple[str, str], ...], work: Path) -> list[Path]:
    """The given (source, path) files, each from its pinned checkout."""
    return [materialize(BY_SOURCE[source], work) / path for source, path in wanted]
