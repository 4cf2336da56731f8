"""Baselines that can't hurt: writing accepted findings never hides the environment's components, the written
file has no YAML anchors and keeps its comments, an expiry in the past is refused, a near one is warned about.

The round trip is the one docs/ci.md shows: ``specdrift baseline create baselines/production.yaml ...`` in a
repository that has no ``baselines/`` of its own (the guide's environment is the shipped one), update, delete
an entry by hand, scan again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import yaml

from scanner.baseline import AcceptedFinding, load_accepted, write_accepted
from tests.conftest import EXAMPLE, run_cli

SIZING = re.compile(r"ME-CMP-\d+")


def _entry(resource: str, expires: dt.date, **kw: str) -> AcceptedFinding:
    return AcceptedFinding(policy="ME-K8S-03", resource=resource, owner="platform", reason="known", expires=expires,
                           **kw)


def _scan(repo: Path, *args: str) -> tuple[dict, int, str]:
    result = run_cli("scan", ".", "--format", "json", *args, cwd=repo)
    return json.loads(result.stdout), result.returncode, result.stderr


def _sizing(report: dict) -> set[tuple[str, str, str]]:
    return {(f["policy_id"], f["resource"]["address"], f["status"]) for f in report["findings"]
            if SIZING.fullmatch(f["policy_id"]) and f["status"] == "violates"}


def test_written_entries_have_no_anchors_and_one_can_be_deleted_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "accepted.yaml"
    same_day = dt.date(2999, 1, 1)  # one date object shared by every entry: PyYAML wrote &id001 / *id001
    write_accepted(path, [_entry("a", same_day, fact="x"), _entry("b", same_day), _entry("c", same_day)])
    text = path.read_text()
    assert "&" not in text and "*id" not in text
    first = text.index("  - policy:")
    second = text.index("  - policy:", first + 1)
    path.write_text(text[:first] + text[second:])  # delete the first entry, as a person would
    assert [e.resource for e in load_accepted(path)] == ["b", "c"]


def test_update_keeps_the_comments_of_kept_entries(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("# team baseline\nnotes: keep me\n\naccepted:\n"
                    "  # accepted at adoption, ticket OPS-12\n"
                    "  - policy: ME-K8S-03   # the image is retagged\n"
                    "    resource: a\n    owner: platform\n    reason: known\n    expires: 2999-01-01\n"
                    "  - policy: ME-K8S-03\n"
                    "    resource: gone\n    owner: platform\n    reason: known\n    expires: 2999-01-01\n",
                    encoding="utf-8")
    kept = load_accepted(path)[0]
    write_accepted(path, [kept, _entry("new", dt.date(2999, 2, 1))])
    text = path.read_text()
    assert text.startswith("# team baseline\nnotes: keep me\n\naccepted:\n")
    assert "# accepted at adoption, ticket OPS-12" in text and "# the image is retagged" in text
    assert "gone" not in text
    assert [e.resource for e in load_accepted(path)] == ["a", "new"]


def test_the_ci_round_trip_keeps_every_sizing_violation(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    before, code, _ = _scan(repo)
    sizing = _sizing(before)
    assert code == 1 and len(sizing) >= 3  # the guide's environment finds undersized pools and databases

    created = run_cli("baseline", "create", "baselines/production.yaml", ".", "--owner", "platform-team",
                      "--reason", "at adoption", "--expires", "90d", cwd=repo)
    assert created.returncode == 0, created.stderr
    written = yaml.load((repo / "baselines" / "production.yaml").read_text(), Loader=yaml.CSafeLoader)
    assert written["components"] and written["accepted"]  # the components it would have hidden are kept
    report, code, stderr = _scan(repo, "--baseline", "baselines/production.yaml")
    assert code == 0, stderr
    assert _sizing(report) == sizing  # still found (and accepted), not turned unknown

    updated = run_cli("baseline", "update", "baselines/production.yaml", ".", "--owner", "platform-team", cwd=repo)
    assert updated.returncode == 0, updated.stderr
    path = repo / "baselines" / "production.yaml"
    text = path.read_text()
    assert "&" not in text.split("\naccepted:", 1)[1]
    first = text.index("  - policy:", text.index("\naccepted:"))
    second = text.index("  - policy:", first + 1)
    path.write_text(text[:first] + text[second:])  # a person deletes the first entry
    report, code, stderr = _scan(repo, "--baseline", "baselines/production.yaml")
    assert _sizing(report) == sizing
    assert code == 1 and report["summary"]["failing"] == 1, stderr  # the finding it accepted fails again


def test_an_expiry_in_the_past_is_refused_and_a_near_one_is_warned_about(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE / "kubernetes", repo)
    past = run_cli("baseline", "create", "accepted.yaml", ".", "--owner", "me", "--expires", "2001-01-01", cwd=repo)
    assert past.returncode == 2 and "2001-01-01 is in the past" in past.stderr
    assert not (repo / "accepted.yaml").exists()
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    created = run_cli("baseline", "create", "accepted.yaml", ".", "--owner", "me", "--expires", soon, cwd=repo)
    assert created.returncode == 0 and f"expire on {soon}" in created.stderr, created.stderr
    _, code, stderr = _scan(repo, "--baseline", "accepted.yaml")
    assert code == 0 and "expire within 14 days" in stderr and "ME-K8S-03" in stderr and soon in stderr
