"""Baseline files written by older specdrift: every scan names them and the one command that migrates them,
they never hide the environment's components, and ``specdrift baseline migrate FILE`` rewrites them in the
current layout with their comments.

The old layout is what ``baseline create`` wrote before accepted findings and components were kept apart
(commit cd2b52d): a file holding only ``accepted:``, written with PyYAML (``&id001`` / ``*id001`` for the
date every new entry shared), at ``baselines/production.yaml`` where the environment ``production`` is
looked up first.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from scanner.baseline import ACCEPTABLE, accepted_aliases, entry_for, load_accepted
from scanner.environment import environment_file, load_components
from scanner.scan import ScanOptions, scan
from tests.baseline.test_baseline import _copy_example
from tests.baseline.test_baseline_roundtrip import _scan, _sizing
from tests.conftest import ROOT, run_cli

MIGRATE = "specdrift baseline migrate baselines/production.yaml"
EXPIRES = dt.date.today() + dt.timedelta(days=90)


def _old_file(repo: Path) -> Path:
    """baselines/production.yaml as `baseline create` wrote it before cd2b52d, with a person's comments added."""
    report = scan(ScanOptions(paths=[str(repo)]))
    entries = []
    for finding in report.findings:
        entry = entry_for(finding, "platform-team", "at adoption", EXPIRES, repo)
        if finding.status in ACCEPTABLE and entry not in entries:
            entries.append(entry)
    # the old writer: PyYAML, one date object for every entry (so &id001 on the first, *id001 on the others)
    block = yaml.safe_dump({"accepted": [e.to_dict() for e in entries]}, sort_keys=False, allow_unicode=True,
                           width=120, default_flow_style=False)
    block = re.sub(r"(?m)^(- policy: .*)$", r"\1  # reviewed in OPS-12", block, count=1)
    path = repo / "baselines" / "production.yaml"
    path.parent.mkdir()
    path.write_text("# accepted at adoption by the platform team\n" + block, encoding="utf-8")
    return path


def test_an_old_file_is_named_at_every_run_with_its_migration_and_hides_nothing(tmp_path: Path) -> None:
    repo = _copy_example(tmp_path)
    before, _, stderr = _scan(repo)
    sizing = _sizing(before)
    assert len(sizing) >= 3 and "older specdrift" not in stderr
    path = _old_file(repo)
    assert "&id001" in path.read_text() and accepted_aliases(path) >= 2

    for args in ((), ("--baseline", "baselines/production.yaml")):
        report, code, stderr = _scan(repo, *args)
        warning = next(line for line in stderr.splitlines() if "older specdrift" in line)
        assert warning.startswith("specdrift: warning: baseline baselines/production.yaml was written by an older "
                                  "specdrift: it holds only accepted findings where the environment 'production' is "
                                  "looked up first"), warning
        assert "shipped baselines/production.yaml" in warning and "YAML anchors" in warning
        assert warning.endswith(f"Migrate it (comments kept) with: {MIGRATE}"), warning
        assert _sizing(report) == sizing  # the shipped components still apply: not shadowed
        assert code == (0 if args else 1), stderr  # with the baseline, everything found is accepted


def test_migrate_copies_the_components_in_drops_the_anchors_and_keeps_the_comments(tmp_path: Path) -> None:
    repo = _copy_example(tmp_path)
    path = _old_file(repo)
    accepted = load_accepted(path)
    before, _, _ = _scan(repo, "--baseline", "baselines/production.yaml")

    done = run_cli("baseline", "migrate", "baselines/production.yaml", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "copied in the components of specdrift's shipped baselines/production.yaml" in done.stderr
    assert f"wrote its {len(accepted)} accepted finding(s) without YAML anchors" in done.stderr
    text = path.read_text(encoding="utf-8")
    assert "&id" not in text and "*id" not in text and accepted_aliases(path) == 0
    assert "# accepted at adoption by the platform team" in text and "# reviewed in OPS-12" in text
    assert load_accepted(path) == accepted
    data = yaml.load(text, Loader=yaml.CSafeLoader)  # as specdrift reads it (the shipped file needs libyaml)
    shipped = yaml.load((ROOT / "baselines" / "production.yaml").read_text(), Loader=yaml.CSafeLoader)
    assert data["components"] and data["components"] == shipped["components"]
    assert environment_file("production", [path.parent])[0] == path
    assert load_components("production", [path.parent]).components

    after, code, stderr = _scan(repo, "--baseline", "baselines/production.yaml")
    assert "older specdrift" not in stderr and code == 0, stderr
    assert _sizing(after) == _sizing(before)
    # a person deletes the first entry by hand: the file still reads, and that finding fails again
    first = text.index("  - policy:", text.index("\naccepted:"))
    second = text.index("  - policy:", first + 1)
    path.write_text(text[:first] + text[second:], encoding="utf-8")
    assert len(load_accepted(path)) == len(accepted) - 1
    _, code, _ = _scan(repo, "--baseline", "baselines/production.yaml")
    assert code == 1

    again = run_cli("baseline", "migrate", "baselines/production.yaml", cwd=repo)
    unchanged = path.read_text(encoding="utf-8")
    assert again.returncode == 0 and "already in the current layout" in again.stderr
    assert path.read_text(encoding="utf-8") == unchanged


def test_an_accepted_only_file_under_another_name_only_loses_its_anchors(tmp_path: Path) -> None:
    repo = _copy_example(tmp_path)
    path = _old_file(repo).rename(repo / "baselines" / "accepted.yaml")
    _, _, stderr = _scan(repo, "--baseline", "baselines/accepted.yaml")
    warning = next(line for line in stderr.splitlines() if "older specdrift" in line)
    assert "YAML anchors" in warning and "environment" not in warning
    assert warning.endswith("specdrift baseline migrate baselines/accepted.yaml")
    done = run_cli("baseline", "migrate", "baselines/accepted.yaml", cwd=repo)
    assert done.returncode == 0 and "components" not in done.stderr, done.stderr
    assert set(yaml.safe_load(path.read_text())) == {"accepted"} and accepted_aliases(path) == 0
    _, _, stderr = _scan(repo, "--baseline", "baselines/accepted.yaml")
    assert "older specdrift" not in stderr


def test_an_accepted_only_file_is_the_environment_only_when_it_is_the_only_one(tmp_path: Path) -> None:
    mine, shipped = tmp_path / "mine", tmp_path / "shipped"
    for folder in (mine, shipped):
        folder.mkdir()
    (mine / "staging.yaml").write_text("accepted: []\n")
    assert environment_file("staging", [mine, shipped]) == (mine / "staging.yaml", [])
    (shipped / "staging.yaml").write_text("components: {}\ntraffic_tier: 1-10M\n")
    assert environment_file("staging", [mine, shipped]) == (shipped / "staging.yaml", [mine / "staging.yaml"])
    (mine / "staging.yaml").write_text("traffic_tier: 10-100M\naccepted: []\n")  # an environment of its own
    assert environment_file("staging", [mine, shipped]) == (mine / "staging.yaml", [])


def test_migrate_refuses_a_missing_or_malformed_file(tmp_path: Path) -> None:
    missing = run_cli("baseline", "migrate", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("accepted:\n  - policy: ME-K8S-03\n    resource: a\n")  # no owner, reason, expiry
    done = run_cli("baseline", "migrate", str(broken), cwd=tmp_path)
    assert done.returncode == 2 and "missing owner, reason, expires" in done.stderr
    assert broken.read_text() == "accepted:\n  - policy: ME-K8S-03\n    resource: a\n"
