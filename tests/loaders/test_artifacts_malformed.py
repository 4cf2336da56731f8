"""A malformed file of each new format: one error finding with file and line; the other files still report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, run_cli

# name -> (content, the line the error must point at)
BROKEN = {
    "prometheus.yaml": ("global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: 'api'\n"
                        "    static_configs: [\n", 6),
    "alerts.yml": ("groups:\n  - name: pg\n    rules:\n      - alert: Lag\n        expr: pg_replication_lag > 60\n"
                   "       for: 1m\n", 6),
    "dashboard.json": ('{\n  "title": "x",\n  "schemaVersion": 39,\n  "panels": [\n    {"title": "a",}\n  ]\n}\n', 5),
    "site.conf": ("server {\n    location /static/ {\n        expires 1y;\n    }\n", 4),
    "cdn.conf": ("location /api/ {\n    proxy_cache_lock maybe;\n}\n", 2),
    # bash -n rejects it; the error points at the construct left open
    "backup.sh": ("#!/bin/bash\nset -euo pipefail\nif [ -d /backups ]; then\n  pg_dump x > /backups/x.sql\n", 3),
    "disaster-recovery.yaml": ("disaster_recovery:\n  rpo: 1h\n  rto: [4h\n  failover:\n    automatic: true\n", 4),
    "load.js": ("import http from 'k6/http';\nexport const options = {\n  thresholds: {\n"
                "    http_req_duration: ['p(95)<500],\n  },\n};\n", 4),
    "plan.json": ('{\n  "format_version": "1.2",\n  "planned_values": {\n    "root_module": {\n'
                  '      "resources": [\n        {"address": "aws_s3_bucket.b", "type": "aws_s3_bucket" "name": "b"}\n',
                  6),
}


@pytest.fixture()
def mixed_dir(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE / "monitoring", tmp_path / "good" / "monitoring")
    shutil.copytree(EXAMPLE / "backup", tmp_path / "good" / "backup")
    bad = tmp_path / "bad"
    bad.mkdir()
    for name, (text, _) in BROKEN.items():
        (bad / name).write_text(text)
    return tmp_path


def test_each_malformed_file_is_one_error_with_its_line(mixed_dir: Path) -> None:
    result = run_cli("scan", str(mixed_dir), "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    errors = [f for f in report["findings"] if f["status"] == "error"]
    by_file = {Path(f["location"]["file"]).name: f for f in errors}
    assert sorted(by_file) == sorted(BROKEN), sorted(by_file)
    assert len(errors) == len(BROKEN)
    for name, (_, line) in BROKEN.items():
        assert by_file[name]["location"]["line"] == line, (name, by_file[name])
        assert by_file[name]["message"], name
        assert f"{name}:{line}:" in result.stderr
    formats = {Path(f["path"]).name: f["format"] for f in report["files"]}
    assert formats["site.conf"] == formats["cdn.conf"] == "nginx"
    assert formats["load.js"] == "k6" and formats["plan.json"] == "terraform-plan"
    # the good files still report, the guide's backup script with its true findings
    good = [f for f in report["findings"] if "/good/" in (f["location"]["file"] or "")]
    assert {f["policy_id"] for f in good} >= {"ME-MON-01", "ME-MON-02", "ME-BAK-01", "ME-BAK-02"}
    assert result.returncode == 1


def test_valid_bash_bashlex_could_not_read_is_no_error(tmp_path: Path) -> None:
    script = tmp_path / "rotate.sh"
    script.write_text("#!/bin/bash\nset -e\ncase \"$1\" in\n  full) pg_dumpall > all.sql ;;\nesac\n"
                      "while read -r f; do rm \"$f\"; done < <(find /b -mtime +7)\ndbs=(a b)\n")
    result = run_cli("scan", str(script), "--format", "json")
    report = json.loads(result.stdout)
    assert [f for f in report["findings"] if f["status"] == "error"] == []
    assert [Path(f["path"]).name for f in report["files"]] == ["rotate.sh"]
