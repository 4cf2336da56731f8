"""``drift --store`` keeps each run and ``history`` lists them: one change between two runs is exactly one fixed
drift and one fixed violation (a Redis snapshot whose ``timeout`` was set to the redis.conf's value)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT, run_cli

SNAPSHOT = Path(__file__).with_name("redis-snapshot.json")
REDIS_CONF = ROOT / "examples/marketing-engine/redis"


def _drift(tmp_path: Path, snapshot: Path, store: Path) -> None:
    done = run_cli("drift", "--iac", str(REDIS_CONF), "--live", str(snapshot), "--store", str(store),
                   "--format", "json", "--output", str(tmp_path / "out.json"))
    assert done.returncode == 1, done.stderr
    assert "specdrift: stored run" in done.stderr


def test_two_drift_runs_one_change_history_shows_exactly_it_fixed(tmp_path: Path) -> None:
    store = tmp_path / "history.db"
    _drift(tmp_path, SNAPSHOT, store)
    fixed = json.loads(SNAPSHOT.read_text())
    fixed["resources"][0]["attributes"]["config"]["timeout"] = "300"  # what redis.conf declares
    changed = tmp_path / "fixed.json"
    changed.write_text(json.dumps(fixed))
    _drift(tmp_path, changed, store)

    listing = run_cli("history", "--store", str(store))
    assert listing.returncode == 0, listing.stderr
    rows = [line.split() for line in listing.stdout.splitlines()[1:]]
    assert [r[0] for r in rows] == ["2", "1"]
    second, first = rows
    assert (first[7], first[8]) == ("16", "0")  # NEW, FIXED: everything is new the first night
    assert (second[7], second[8]) == ("0", "2") and int(second[4]) == int(first[4]) - 2

    shown = run_cli("history", "--store", str(store), "--show", "2")
    assert shown.returncode == 0, shown.stderr
    fixed_part = shown.stdout.split("fixed:\n", 1)[1].split("still open:", 1)[0]
    assert "SD-DRIFT redis.conf redis_timeout" in fixed_part and "ME-RED-07" in fixed_part
    assert len([line for line in fixed_part.splitlines() if line.startswith("  [")]) == 2


def test_history_of_an_unknown_run_is_an_error(tmp_path: Path) -> None:
    done = run_cli("history", "--store", str(tmp_path / "h.db"), "--show", "7")
    assert done.returncode == 2 and "no run 7" in done.stderr
    empty = run_cli("history", "--store", str(tmp_path / "h.db"))
    assert empty.returncode == 0 and "(no runs in" in empty.stdout
