"""docs/policies-authoring.md's examples, run as written: each code block that starts with ``# policies/...`` or
``# checks/...`` is written to that path; the policy validates, its fail fixture gives exactly its expected.yaml,
the Python check runs from --external-checks-dir, and a misspelled fact is refused with the name it meant."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.conftest import ROOT, run_cli

DOC = ROOT / "docs" / "policies-authoring.md"
BLOCK = re.compile(r"```\w*\n# ((?:policies|checks)/\S+)\n(.*?)```", re.DOTALL)


def _written(tmp_path: Path) -> Path:
    for path, body in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"# {path}\n{body}", encoding="utf-8")
    return tmp_path


def _violations(repo: Path, policy: str, *extra: str) -> set[tuple[str, str, int]]:
    done = run_cli("scan", f"policies/{policy}/fail", "--no-default-policies", "--policies-dir", "policies",
                   "--external-checks-dir", "checks", "--policy", policy, "--format", "json", *extra, cwd=repo)
    assert done.returncode == 1, done.stderr
    return {(str(Path(f["location"]["file"]).relative_to(Path("policies") / policy)), f["resource"]["address"],
             f["location"]["line"]) for f in json.loads(done.stdout)["findings"] if f["status"] == "violates"}


def test_the_examples_validate_and_the_fixture_gives_its_expected_violations(tmp_path: Path) -> None:
    repo = _written(tmp_path)
    assert {p.name for p in (repo / "policies").iterdir()} == {"ACME-DB-01", "ACME-DB-02"}
    shown = run_cli("policies", "--policies-dir", "policies", "--external-checks-dir", "checks", "show", "ACME-DB-01",
                    cwd=repo)
    assert shown.returncode == 0 and "45 days" in shown.stdout, shown.stderr
    expected = yaml.safe_load((repo / "policies" / "ACME-DB-01" / "expected.yaml").read_text())["violations"]
    assert _violations(repo, "ACME-DB-01") == {(v["file"], v["address"], v["line"]) for v in expected}


def test_the_python_check_runs_from_the_external_checks_dir(tmp_path: Path) -> None:
    repo = _written(tmp_path)
    (repo / "policies" / "ACME-DB-02" / "fail").mkdir()
    (repo / "policies" / "ACME-DB-02" / "fail" / "main.tf").write_text(
        (repo / "policies" / "ACME-DB-01" / "fail" / "main.tf").read_text())
    assert _violations(repo, "ACME-DB-02")


def test_a_misspelled_fact_is_refused_with_the_name_it_meant(tmp_path: Path) -> None:
    repo = _written(tmp_path)
    policy = repo / "policies" / "ACME-DB-01" / "policy.yaml"
    policy.write_text(policy.read_text().replace("fact: backup_retention ", "fact: backup_retension "))
    done = run_cli("policies", "--policies-dir", "policies", "--external-checks-dir", "checks", cwd=repo)
    assert done.returncode == 2 and "did you mean `backup_retention`" in done.stderr, done.stderr
