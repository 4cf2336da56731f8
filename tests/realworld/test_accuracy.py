"""The real-world suite: valid cases, and figures no worse than ``floors.yaml``; plus the matching logic itself."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks import accuracy
from benchmarks.accuracy import CRASH, NONE, Found, Outcome, Run, combine, match, report_text, run, summarize
from tests.realworld.corpus import (
    CASES_DIR,
    CaseError,
    MissingSource,
    Verdict,
    check_source,
    load_cases,
    materialize,
    missing_sources,
    parse_case,
)

HERE = Path(__file__).resolve().parent
FLOORS = HERE / "floors.yaml"


def _require_mirror(missing: dict[str, str]) -> None:
    """Skip (locally) or fail (CI) when the mirror lacks sources, naming the exact fetch for each."""
    if not missing:
        return
    fetches = "; ".join(f"fetch github:{source}" for source in sorted(missing))
    message = f"the snapshot mirror lacks {len(missing)} source(s) of the real-world suite; get them with: {fetches}"
    if os.environ.get("SPECDRIFT_REQUIRE_SERVERS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def test_every_case_is_valid() -> None:
    cases, errors = load_cases()
    assert not errors, "\n".join(errors)
    assert cases, f"no cases in {CASES_DIR}"


@cache
def _measured() -> Run:
    return run()


def test_figures_hold_their_floors() -> None:
    cases, _ = load_cases()
    _require_mirror(missing_sources(cases))
    result = _measured()
    assert not result.invalid, "\n".join(result.invalid)
    floors: dict[str, Any] = yaml.safe_load(FLOORS.read_text(encoding="utf-8"))
    overall = summarize(result.outcomes)["overall"]
    below = []
    for name in ("recall", "decided"):
        if overall[name] is not None and overall[name] < floors[name]:
            below.append(f"{name} {overall[name]} < floor {floors[name]}")
    if overall["false_alarms"] is not None and overall["false_alarms"] > floors["false_alarms"]:
        below.append(f"false alarms {overall['false_alarms']} > ceiling {floors['false_alarms']}")
    if overall["crashes"] > floors["crashes"]:
        below.append(f"crashes {overall['crashes']} > {floors['crashes']}: {', '.join(result.crashes)}")
    assert not below, "; ".join(below) + "\n\n" + report_text(result, verbose=True)


# -- the matching and combining logic, on synthetic findings (no mirror needed) --

def _v(expected: str, resource: str = "aws_db_instance.db", policy: str = "ME-DB-08", file: str = "main.tf",
       ) -> Verdict:
    return Verdict(file, resource, policy, expected, "because")


def test_combine_follows_the_policy_rules() -> None:
    assert combine([]) == NONE
    assert combine(["complies", "violates", "unknown"]) == "violates"
    assert combine(["complies", "unknown"]) == "unknown"
    assert combine(["complies", "error"]) == "unknown"
    assert combine(["complies", "complies"]) == "complies"


def test_match_keys_on_file_resource_and_policy() -> None:
    verdicts = [_v("violates"), _v("complies", resource="aws_db_instance.other"),
                _v("violates", file="modules/db/main.tf"), _v("unknown", policy="ME-DB-02")]
    found = [
        Found("main.tf", "aws_db_instance.db", "ME-DB-08", "complies"),
        Found("main.tf", "aws_db_instance.db", "ME-DB-08", "violates", "deletion protection is off"),
        Found("main.tf", "aws_db_instance.other", "ME-DB-08", "complies"),
        Found("other.tf", "aws_db_instance.db", "ME-DB-08", "violates"),  # another file: not the label's
        Found("main.tf", "aws_db_instance.db", "ME-DB-03", "violates"),  # another policy
    ]
    got = [o.got for o in match("c", verdicts, found, {"main.tf": "terraform"})]
    assert got == ["violates", "complies", NONE, NONE]


def test_figures_count_recall_false_alarms_decided_and_crashes() -> None:
    def o(case: str, expected: str, got: str, policy: str = "ME-DB-08", fmt: str = "terraform") -> Outcome:
        return Outcome(case, fmt, _v(expected, policy=policy), got)

    outcomes = [
        o("a", "violates", "violates"), o("a", "violates", NONE), o("a", "violates", "unknown"),
        o("a", "complies", "complies"), o("a", "complies", "violates", policy="ME-NET-02-PRIVATE"),
        o("a", "unknown", "unknown"), o("a", "unknown", "complies"),
        o("b", "violates", CRASH, fmt="cloudformation"), o("b", "complies", CRASH, fmt="cloudformation"),
    ]
    figures = summarize(outcomes)
    overall = figures["overall"]
    assert overall["verdicts"] == 9 and overall["cases"] == 2
    assert overall["recall"] == round(1 / 4, 4)
    assert overall["false_alarms"] == round(1 / 3, 4)
    assert overall["decided"] == round(3 / 7, 4)  # labelled unknowns are not in the decided share
    assert overall["unknown_kept"] == 0.5
    assert overall["crashes"] == 1
    assert figures["by_format"]["terraform"]["crashes"] == 0
    assert figures["by_format"]["cloudformation"]["crashes"] == 1
    assert figures["by_group"]["ME-NET"]["false_alarms"] == 1.0
    assert figures["by_group"]["ME-DB"]["recall"] == round(1 / 4, 4)


def test_markdown_figures_show_each_rate_with_its_counts() -> None:
    outcomes = [Outcome("a", "terraform", _v("violates"), "violates"), Outcome("a", "terraform", _v("violates"), NONE),
                Outcome("b", "kubernetes", _v("complies", policy="ME-K8S-03"), "violates")]
    text = accuracy.report_markdown(Run(outcomes=outcomes, cases=2, seconds=1.0))
    assert "| all | 2 | 3 | 0.500 (1/2) | 1.000 (1/1) | 0.667 (2/3) | - (0/0) | 0.333 | 0 |" in text
    assert "| kubernetes | 1 | 1 | - (0/0) | 1.000 (1/1) |" in text
    assert "| ME-K8S | 1 | 1 |" in text and text.startswith("2 cases, 2 labelled files, 3 labelled verdicts")


# -- the case format and the mirror, on a throwaway repository --

def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def _case(path: Path, commit: str, changes: dict[str, Any] | None = None) -> Path:
    data: dict[str, Any] = {
        "source": "example/infra", "commit": commit, "licence": "MIT", "files": ["db/main.tf"],
        "verdicts": [{"file": "db/main.tf", "resource": "aws_db_instance.db", "policy": "ME-DB-08",
                      "expected": "violates", "reason": "deletion_protection is omitted; the default is false"}],
    }
    data.update(changes or {})
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_cases_are_validated(tmp_path: Path) -> None:
    commit = "a" * 40
    assert parse_case(_case(tmp_path / "ok.yaml", commit)).verdicts[0].policy == "ME-DB-08"
    bad: dict[str, dict[str, Any]] = {
        "short commit": {"commit": "abc123"},
        "expected": {"verdicts": [{"file": "db/main.tf", "resource": "r", "policy": "ME-DB-08",
                                   "expected": "fails", "reason": "x"}]},
        "no such policy": {"verdicts": [{"file": "db/main.tf", "resource": "r", "policy": "ME-XX-99",
                                         "expected": "violates", "reason": "x"}]},
        "file not in files": {"verdicts": [{"file": "other.tf", "resource": "r", "policy": "ME-DB-08",
                                            "expected": "violates", "reason": "x"}]},
        "no reason": {"verdicts": [{"file": "db/main.tf", "resource": "r", "policy": "ME-DB-08",
                                    "expected": "violates"}]},
    }
    for name, change in bad.items():
        with pytest.raises(CaseError):
            parse_case(_case(tmp_path / f"{name.replace(' ', '-')}.yaml", commit, change))
    missing = _case(tmp_path / "missing.yaml", commit)
    text = missing.read_text(encoding="utf-8").replace("licence: MIT\n", "")
    missing.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError, match="licence"):
        parse_case(missing)


def _mirror(tmp_path: Path, main_tf: str) -> tuple[Path, Path, str]:
    """A one-commit repository (db/main.tf, other.tf) and a mirror holding it bare: (work tree, mirror, commit)."""
    work = tmp_path / "work"
    (work / "db").mkdir(parents=True)
    (work / "db" / "main.tf").write_text(main_tf, encoding="utf-8")
    (work / "other.tf").write_text("# not in the case\n", encoding="utf-8")
    _git(work, "init", "-q")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "x")
    commit = _git(work, "rev-parse", "HEAD")
    mirror = tmp_path / "mirror"
    (mirror / "example+infra").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirror / "example+infra" / "repo")], check=True)
    return work, mirror, commit


def test_materialize_from_a_mirror_and_name_what_is_missing(tmp_path: Path) -> None:
    work, mirror, commit = _mirror(tmp_path, 'resource "aws_db_instance" "db" {}\n')
    case = parse_case(_case(tmp_path / "c.yaml", commit))
    cache_dir = tmp_path / "cache"
    root = materialize(case, mirror, cache_dir)
    assert (root / "db" / "main.tf").read_text(encoding="utf-8").startswith('resource "aws_db_instance"')
    assert not (root / "other.tf").exists()
    (root / "db" / "main.tf").write_text("reused\n", encoding="utf-8")
    assert materialize(case, mirror, cache_dir) == root
    assert (root / "db" / "main.tf").read_text(encoding="utf-8") == "reused\n"  # present: not written again

    with pytest.raises(MissingSource, match="fetch github:example/infra"):
        check_source(case, tmp_path / "empty-mirror")
    absent = parse_case(_case(tmp_path / "d.yaml", "b" * 40))
    assert "lacks commit" in missing_sources([absent], mirror)["example/infra"]

    # A snapshot copied with its work tree (<owner>+<name>/repo/.git) is read the same way.
    worktree_mirror = tmp_path / "mirror-worktree"
    (worktree_mirror / "example+infra").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(work), str(worktree_mirror / "example+infra" / "repo")], check=True)
    other = materialize(case, worktree_mirror, tmp_path / "cache2")
    assert (other / "db" / "main.tf").read_text(encoding="utf-8").startswith('resource "aws_db_instance"')


_DB = """resource "aws_db_instance" "db" {
  engine              = "postgres"
  storage_encrypted   = true
  deletion_protection = false
}
"""


def test_run_scans_each_case_and_matches_real_findings(tmp_path: Path) -> None:
    _, mirror, commit = _mirror(tmp_path, _DB)
    cases_dir = tmp_path / "cases"
    cases_dir.mkdir()
    _case(cases_dir / "example-infra-db.yaml", commit, {"verdicts": [
        {"file": "db/main.tf", "resource": "aws_db_instance.db", "policy": "ME-DB-08", "expected": "violates",
         "reason": "deletion_protection = false"},
        {"file": "db/main.tf", "resource": "aws_db_instance.db", "policy": "ME-NET-02", "expected": "complies",
         "reason": "publicly_accessible is omitted: false"}]})
    result = run(mirror=mirror, cache=tmp_path / "cache", cases_dir=cases_dir)
    assert result.cases == 1 and not result.invalid and not result.crashes
    assert [(o.verdict.policy, o.got, o.format) for o in result.outcomes] == [
        ("ME-DB-08", "violates", "terraform"), ("ME-NET-02", "complies", "terraform")]


def test_a_crashing_scan_is_counted_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, mirror, commit = _mirror(tmp_path, _DB)
    cases_dir = tmp_path / "cases"
    cases_dir.mkdir()
    for name in ("a-crashes", "b-scans"):
        _case(cases_dir / f"{name}.yaml", commit)
    real_scan = accuracy.scan_case

    def scan_case(case: Any, root: Path) -> list[Found]:
        if case.name == "a-crashes":
            raise ValueError("boom")
        return real_scan(case, root)

    monkeypatch.setattr(accuracy, "scan_case", scan_case)
    result = run(mirror=mirror, cache=tmp_path / "cache", cases_dir=cases_dir)
    assert list(result.crashes) == ["a-crashes"] and "ValueError: boom" in result.crashes["a-crashes"]
    assert [o.got for o in result.outcomes] == [CRASH, "violates"]
    assert summarize(result.outcomes)["overall"]["crashes"] == 1
    missing = run(mirror=tmp_path / "no-mirror", cache=tmp_path / "cache", cases_dir=cases_dir)
    assert not missing.outcomes and "fetch github:example/infra" in missing.missing["example/infra"]
