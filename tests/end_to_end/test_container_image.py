"""The container image (Dockerfile, .dockerignore at the root) passes specdrift's own ME-IMG policies and
ships the policy pack. Read and scanned as files: no docker engine is needed."""

from __future__ import annotations

import re
import subprocess

import pytest

from scanner.model import Status
from scanner.scan import ScanOptions, scan
from tests.conftest import POLICIES, ROOT

DOCKERFILE = ROOT / "Dockerfile"
IMAGE_POLICIES = sorted(p.name for p in POLICIES.glob("*/ME-IMG-*"))


def test_the_image_complies_with_every_img_policy() -> None:
    assert IMAGE_POLICIES == ["ME-IMG-01", "ME-IMG-02", "ME-IMG-03"]
    # ME-IMG-02 at its strictest tag setting: a full release (3.12.8), not a moving major (3.12)
    report = scan(ScanOptions(paths=[str(DOCKERFILE)], policies=["ME-IMG-*"],
                              parameter_overrides={"ME-IMG-02": {"min_version_parts": 3}}))
    assert sorted(p.id for p in report.policies) == IMAGE_POLICIES
    statuses: dict[str, set[Status]] = {}
    for finding in report.findings:
        statuses.setdefault(finding.policy_id, set()).add(finding.status)
    # each policy was evaluated and decided (complies: not unknown, not skipped for lack of a resource)
    assert statuses == {pid: {Status.COMPLIES} for pid in IMAGE_POLICIES}, [
        (f.policy_id, f.status, f.message) for f in report.findings]
    assert sum(f.policy_id == "ME-IMG-02" for f in report.findings) == 2  # both stages' base images


def test_the_whole_pack_finds_nothing_in_the_image() -> None:
    report = scan(ScanOptions(paths=[str(DOCKERFILE), str(ROOT / ".dockerignore")]))
    assert [f for f in report.findings if f.status != Status.COMPLIES] == []  # no secret, no parse error


def _instructions(stage: str) -> list[tuple[str, str]]:
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in stage.splitlines()
            if line.strip() and not line.startswith(("#", " "))]


def test_the_runtime_stage_runs_specdrift_under_tini_as_a_non_root_user() -> None:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages = re.split(r"(?m)^(?=FROM )", text)[1:]
    assert len(stages) == 2
    final = dict(_instructions(stages[-1]))
    assert final["ENTRYPOINT"] == '["tini", "--", "specdrift"]'
    assert final["USER"].split(":")[0] not in {"root", "0"}
    copied = [args for name, args in _instructions(stages[-1]) if name == "COPY"]
    assert all(args.startswith("--from=build ") for args in copied)  # nothing from the build context
    assert "/usr/bin/tini-static /usr/bin/tini" in copied[0]  # static: the runtime stage installs nothing


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore reading (for the patterns used): the last pattern matching the path or one of
    its parent directories decides; ``!`` re-includes; ``*`` stays within a path segment, ``**`` crosses them."""
    parts = path.split("/")
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        regex = re.compile("".join(".*" if token == "**" else "[^/]*" if token == "*" else "[^/]" if token == "?"
                                   else re.escape(token) for token in re.split(r"(\*\*|\*|\?)", glob)))
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            ignored = not negated
    return ignored


def test_the_build_context_holds_the_package_and_its_policy_pack() -> None:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert _ignored("tests/conftest.py", patterns) and _ignored(".git/HEAD", patterns)
    assert _ignored("scanner/__pycache__/cli.cpython-311.pyc", patterns)
    try:
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True,
                                 timeout=60).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    # what the package is built from: pyproject.toml's readme, the code, and the folders scanner/ links to
    links = {path.name: path.resolve().relative_to(ROOT) for path in (ROOT / "scanner").iterdir() if path.is_symlink()}
    assert {"policies", "baselines"} <= set(links)
    needed = ["pyproject.toml", "README.md", *(f for f in tracked if f.startswith(("scanner/", *map(
        lambda target: f"{target}/", links.values()))))]
    assert [f for f in needed if _ignored(f, patterns)] == []
    policy_files = [f for f in needed if f.startswith("policies/") and f.endswith("/policy.yaml")]
    assert len(policy_files) >= 83
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    for folder in ("scanner", *map(str, links.values())):
        assert re.search(rf"(?m)^COPY {folder}/ {folder}/$", dockerfile), folder
    assert re.search(r"(?m)^COPY pyproject.toml README.md \./$", dockerfile)
