"""The real-world cases: load and validate ``cases/*.yaml``, materialize their files from the snapshot mirror.

A case pins repository files by commit; the files themselves are not committed (README.md says why).
They are read from the local snapshot mirror (``$SPECDRIFT_MIRROR``, default ``/work/.mirror``, one bare
git directory per repository at ``<owner>+<name>/repo``) and written, once, under the git-ignored
``tests/realworld/.corpus/`` (one directory per case, so each case's scan sees exactly its own files).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
CACHE_DIR = HERE / ".corpus"
ROOT = HERE.parent.parent
POLICIES_DIR = ROOT / "policies"
DEFAULT_MIRROR = "/work/.mirror"

EXPECTED = ("violates", "complies", "unknown")
_REQUIRED = ("source", "commit", "licence", "files", "verdicts")
_VERDICT_KEYS = ("file", "resource", "policy", "expected", "reason")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")


class CaseError(ValueError):
    """A case file that does not follow the format of README.md."""


class MissingSource(RuntimeError):
    """The mirror lacks a case's repository (or its pinned commit)."""

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}; get it with the workplace tool: fetch github:{source}")
        self.source = source

    @property
    def fetch(self) -> str:
        return f"fetch github:{self.source}"


@dataclass(frozen=True)
class Verdict:
    file: str
    resource: str
    policy: str
    expected: str
    reason: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.file, self.resource, self.policy)


@dataclass(frozen=True)
class Case:
    name: str  # the case file's stem
    path: Path
    source: str
    commit: str
    licence: str
    files: tuple[str, ...]
    verdicts: tuple[Verdict, ...]
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def owner_name(self) -> str:
        return self.source.replace("/", "+")


def policy_ids(policies_dir: Path = POLICIES_DIR) -> frozenset[str]:
    """Every policy ID the pack defines (``policies/<group>/<ID>/policy.yaml``)."""
    return frozenset(p.parent.name for p in policies_dir.glob("*/*/policy.yaml"))


def _clean_path(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CaseError(f"{where}: a repository path (non-empty string) is required, got {value!r}")
    path = value.strip().strip("/")
    if path.startswith("../") or "/../" in f"/{path}/" or os.path.isabs(value):
        raise CaseError(f"{where}: {value!r} must be a path inside the repository")
    return path


def _covered(file: str, files: Sequence[str]) -> bool:
    """Is ``file`` one of ``files`` or under one of them (a listed directory)?"""
    return any(file == f or file.startswith(f + "/") for f in files)


def parse_case(path: Path, known_policies: frozenset[str] | None = None) -> Case:
    """One case file, validated; CaseError says what is wrong and where."""
    known = policy_ids() if known_policies is None else known_policies
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(f"{path.name}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise CaseError(f"{path.name}: a mapping is required at the top")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise CaseError(f"{path.name}: missing required keys: {', '.join(missing)}")
    source, commit, licence = data["source"], data["commit"], data["licence"]
    if not isinstance(source, str) or not _SOURCE.fullmatch(source):
        raise CaseError(f"{path.name}: source must be owner/name, got {source!r}")
    if not isinstance(commit, str) or not _COMMIT.fullmatch(commit):
        raise CaseError(f"{path.name}: commit must be a full 40-hex commit (lower case), got {commit!r}")
    if not isinstance(licence, str) or not licence.strip():
        raise CaseError(f"{path.name}: licence (SPDX id) is required")
    if not isinstance(data["files"], list) or not data["files"]:
        raise CaseError(f"{path.name}: files must be a non-empty list of repository paths")
    files = tuple(_clean_path(f, f"{path.name}: files[{i}]") for i, f in enumerate(data["files"]))
    if not isinstance(data["verdicts"], list) or not data["verdicts"]:
        raise CaseError(f"{path.name}: verdicts must be a non-empty list")
    verdicts: list[Verdict] = []
    seen: set[tuple[str, str, str]] = set()
    for i, raw in enumerate(data["verdicts"]):
        where = f"{path.name}: verdicts[{i}]"
        if not isinstance(raw, dict):
            raise CaseError(f"{where}: a mapping is required")
        absent = [key for key in _VERDICT_KEYS if key not in raw or raw[key] in (None, "")]
        if absent:
            raise CaseError(f"{where}: missing {', '.join(absent)}")
        file = _clean_path(raw["file"], f"{where}.file")
        if not _covered(file, files):
            raise CaseError(f"{where}: file {file!r} is not among the case's files")
        expected = str(raw["expected"])
        if expected not in EXPECTED:
            raise CaseError(f"{where}: expected must be one of {'|'.join(EXPECTED)}, got {expected!r}")
        policy = str(raw["policy"])
        if policy not in known:
            raise CaseError(f"{where}: no policy {policy!r} in policies/")
        verdict = Verdict(file, str(raw["resource"]), policy, expected, " ".join(str(raw["reason"]).split()))
        if verdict.key in seen:
            raise CaseError(f"{where}: {verdict.key} is labelled twice")
        seen.add(verdict.key)
        verdicts.append(verdict)
    extra = {k: v for k, v in data.items() if k not in (*_REQUIRED, "notes")}
    return Case(path.stem, path, source, commit, licence.strip(), files, tuple(verdicts),
                str(data.get("notes") or ""), extra)


def load_cases(cases_dir: Path = CASES_DIR) -> tuple[list[Case], list[str]]:
    """Every case in ``cases_dir`` (sorted by name) and the errors of the invalid ones."""
    known = policy_ids()
    cases: list[Case] = []
    errors: list[str] = []
    for path in sorted(cases_dir.glob("*.yaml")):
        try:
            cases.append(parse_case(path, known))
        except CaseError as exc:
            errors.append(str(exc))
    return cases, errors


def mirror_dir() -> Path:
    return Path(os.environ.get("SPECDRIFT_MIRROR") or DEFAULT_MIRROR)


def git_dir(source: str, mirror: Path | None = None) -> Path:
    return (mirror or mirror_dir()) / source.replace("/", "+") / "repo"


def _git(gitdir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "--git-dir", str(gitdir), *args], capture_output=True, timeout=120, check=False)


def check_source(case: Case, mirror: Path | None = None) -> None:
    """Raise MissingSource unless the mirror has the case's repository at its commit."""
    gitdir = git_dir(case.source, mirror)
    if not gitdir.is_dir():
        raise MissingSource(case.source, f"no snapshot at {gitdir}")
    if _git(gitdir, "cat-file", "-e", f"{case.commit}^{{commit}}").returncode != 0:
        raise MissingSource(case.source, f"the snapshot at {gitdir} lacks commit {case.commit}")


def missing_sources(cases: Iterable[Case], mirror: Path | None = None) -> dict[str, str]:
    """source -> why it cannot be materialized, for every case source the mirror lacks."""
    missing: dict[str, str] = {}
    checked: set[tuple[str, str]] = set()
    for case in cases:
        if (case.source, case.commit) in checked or case.source in missing:
            continue
        checked.add((case.source, case.commit))
        try:
            check_source(case, mirror)
        except MissingSource as exc:
            missing[case.source] = str(exc)
    return missing


def case_dir(case: Case, cache: Path = CACHE_DIR) -> Path:
    return cache / f"{case.name}@{case.commit[:12]}"


def materialize(case: Case, mirror: Path | None = None, cache: Path = CACHE_DIR) -> Path:
    """The directory holding the case's files at their repository paths (written once, then reused)."""
    target = case_dir(case, cache)
    stamp = target.with_name(target.name + ".json")
    wanted = {"source": case.source, "commit": case.commit, "files": sorted(case.files)}
    if target.is_dir() and stamp.is_file():
        try:
            if json.loads(stamp.read_text(encoding="utf-8")) == wanted:
                return target
        except ValueError:
            pass
    check_source(case, mirror)
    gitdir = git_dir(case.source, mirror)
    archived = _git(gitdir, "archive", "--format=tar", case.commit, "--", *case.files)
    if archived.returncode != 0:
        message = archived.stderr.decode("utf-8", "replace").strip()
        raise CaseError(f"{case.path.name}: cannot read {', '.join(case.files)} at {case.commit}: {message}")
    shutil.rmtree(target, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archived.stdout)) as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]  # no links out of the tree
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: refuse absolute and escaping names
            tar.extractall(target, members=members, filter="data")
        else:  # pragma: no cover - older interpreters; members are already limited to files and dirs
            tar.extractall(target, members=members)
    stamp.write_text(json.dumps(wanted), encoding="utf-8")
    return target
