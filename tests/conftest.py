"""Shared test helpers. Under CI (``SPECDRIFT_REQUIRE_SERVERS=1``) a missing server fails instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
EXAMPLE = ROOT / "examples" / "marketing-engine"
POLICIES = ROOT / "policies"


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative name -> text) under ``root``, making their folders."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def scan_files(tmp_path: Path, files: dict[str, str], *policy_ids: str) -> list[Any]:
    """Write ``files`` (relative name -> text) under ``tmp_path``, load them and run the named pack policies."""
    from scanner.mappings import load_paths
    from scanner.policy.engine import Engine
    from scanner.policy.pack import load_policies

    write_files(tmp_path, files)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    pack = {p.id: p for p in load_policies([POLICIES])}
    return Engine([pack[i] for i in policy_ids]).run(outcome.resources)


def server_unavailable(reason: str) -> None:
    """Skip (locally) or fail (CI) a test whose server is not reachable."""
    if os.environ.get("SPECDRIFT_REQUIRE_SERVERS") == "1":
        pytest.fail(f"required server unavailable under CI: {reason}")
    pytest.skip(reason)


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI in a subprocess, as a user would."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests (and the CLI subprocesses they start) keep specdrift's caches out of the user's cache dir."""
    previous = os.environ.get("SPECDRIFT_CACHE_DIR")
    os.environ["SPECDRIFT_CACHE_DIR"] = str(tmp_path_factory.mktemp("specdrift-cache"))
    yield
    if previous is None:
        os.environ.pop("SPECDRIFT_CACHE_DIR", None)
    else:
        os.environ["SPECDRIFT_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def example_dir() -> Path:
    return EXAMPLE


@pytest.fixture
def extra_fixes(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """The mapping tables' ``fixes`` plus what a test adds to the returned dict (type or format -> fact -> template)."""
    from scanner.mappings import remediation

    shipped, cli = remediation.fix_tables()
    added: dict[str, dict[str, Any]] = {}

    def tables() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        return {**shipped, **{key: {**shipped.get(key, {}), **facts} for key, facts in added.items()}}, cli

    monkeypatch.setattr(remediation, "fix_tables", tables)
    return added


def file_at_revision(rev: str, path: str) -> str:
    """``path`` as commit ``rev`` of this checkout has it (docs name such commits); skips when this tree is not a
    git checkout (an sdist, a copy) or a shallow clone without ``rev``; fails when the commit lacks the file."""
    import shutil

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)

    top = git("rev-parse", "--show-toplevel") if shutil.which("git") else None
    if top is None or top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT.resolve():
        pytest.skip(f"not a git checkout (an sdist or a copy): commit {rev} cannot be looked up here")
    shown = git("show", f"{rev}:{path}")
    if shown.returncode != 0 and git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        pytest.skip(f"a shallow clone: commit {rev} is not fetched (git fetch --unshallow)")
    assert shown.returncode == 0, f"commit {rev} has no {path}: {shown.stderr}"
    assert git("merge-base", "--is-ancestor", rev, "HEAD").returncode == 0, f"{rev} is not in this branch's history"
    return shown.stdout
