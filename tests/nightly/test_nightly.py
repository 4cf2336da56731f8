"""``specdrift nightly`` end to end: the local Redis (read only) and a Redis that is not there, against the
example's redis.conf; two nights, the second with one acceptance, report exactly that change."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli, server_unavailable

pytestmark = pytest.mark.server
REDIS = "redis://127.0.0.1:6379"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(tmp_path: Path, baseline: Path | None = None) -> Path:
    lines = [f"iac: [{ROOT / 'examples/marketing-engine/redis'}]", "scope: test-night", "sources:",
             f"  - {{name: redis, options: {{redis: [{REDIS}]}}}}",
             f"  - {{name: redis, options: {{redis: ['redis://127.0.0.1:{_closed_port()}'], timeout: 1}}}}",
             f"store: {tmp_path / 'history.db'}", f"output_dir: {tmp_path}"]
    if baseline:
        lines.append(f"baseline: {baseline}")
    path = tmp_path / "nightly.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_two_nights_report_the_one_change_and_the_source_that_failed(tmp_path: Path) -> None:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 6379)) != 0:
            server_unavailable("Redis on 127.0.0.1:6379")
    first = run_cli("nightly", "--config", str(_config(tmp_path)))
    assert first.returncode == 1, first.stderr
    [folder] = (tmp_path / "reports").iterdir()
    report = json.loads((folder / "report.json").read_text())
    assert report["previous_run"] is None and report["counts"]["new"] > 0
    assert [s["up"] for s in report["sources"]] == [True, False]
    prom = (folder / "specdrift.prom").read_text()
    assert 'specdrift_source_up{source="redis"} 1' in prom and 'specdrift_source_up{source="redis"} 0' in prom
    assert "specdrift_last_run_timestamp_seconds " in prom and "specdrift_drift_items " in prom
    assert 'specdrift_findings{severity="critical",requirement=' in prom
    assert not list(folder.glob(".*tmp"))  # written by rename, nothing left behind

    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("accepted:\n  - policy: SD-DRIFT\n    resource: redis.conf\n    fact: redis_timeout\n"
                        "    owner: team-cache\n    reason: idle clients are closed by the proxy\n"
                        "    expires: 2099-01-01\n")
    second = run_cli("nightly", "--config", str(_config(tmp_path, baseline)))
    assert second.returncode == 1, second.stderr
    report = json.loads((folder / "report.json").read_text())
    assert report["previous_run"] == 1 and report["counts"]["new"] == 0 and report["counts"]["fixed"] == 0
    assert [(f["policy"], f["fact"], f["owner"]) for f in report["newly_accepted"]] == \
        [("SD-DRIFT", "redis_timeout", "team-cache")]
    summary = (folder / "summary.md").read_text()
    assert "**0 new**, 0 fixed" in summary and "1 newly accepted" in summary and "team-cache" in summary
    assert "Sources that failed" in summary
    listing = run_cli("history", "--store", str(tmp_path / "history.db"))
    assert [line.split()[0] for line in listing.stdout.splitlines()[1:]] == ["2", "1"]


def test_a_config_that_does_not_validate_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "nightly.yaml"
    path.write_text("sources:\n  - name: redis\n    optoins: {}\n")
    done = run_cli("nightly", "--config", str(path))
    assert done.returncode == 2 and "nightly.yaml" in done.stderr and "optoins" in done.stderr


def test_a_source_down_for_one_cause_says_it_once_with_the_count() -> None:
    from scanner.cli.nightly import down_reason
    from scanner.collectors.collection import Gap

    refused = [Gap("kubernetes", "core", f"GET /api/v1/{kind}", "connection refused", types=(kind,))
               for kind in ("namespaces", "services", "secrets")]
    denied = Gap("kubernetes", "apps", "GET /apis/apps/v1/deployments", "403 Forbidden", code="access_denied")
    reason = down_reason([*refused, denied])
    assert reason.count("connection refused") == 1 and "(and 2 more error gaps like it)" in reason
    assert "403 Forbidden" in reason and reason.index("connection refused") < reason.index("403")
    assert down_reason(refused[:1]) == refused[0].describe()
