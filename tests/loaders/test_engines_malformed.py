"""A malformed Dockerfile, redis.conf, postgresql.conf or SQL file: one error finding with file and line each,
and the rest of the scan goes on (the pattern of test_malformed.py, for the engine and image formats)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, run_cli

BROKEN = {
    # (text, line of the error)
    "Dockerfile": ("FROM node:20.11.1-alpine AS build\nRUN npm ci\nFORM node:20.11.1-alpine\nUSER node\n", 3),
    "redis.conf": ('port 6379\nappendonly yes\nrequirepass "unterminated\nmaxmemory 8gb\n', 3),
    "postgresql.conf": ("shared_buffers = 8GB\nwork_mem = '16MB\nmax_connections = 200\n", 2),
    "tuning.sql": ("ALTER SYSTEM SET work_mem = '16MB';\n\nALTER SYSTEM SET shared_buffers = ;\n", 3),
    "timescale.sql": ("CREATE EXTENSION timescaledb;\nSELECT add_retention_policy('metrics', INTERVAL '90 days'\n"
                      "CREATE INDEX ON metrics (time DESC);\n", 3),
}


@pytest.fixture()
def mixed_dir(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "good")
    bad = tmp_path / "bad"
    bad.mkdir()
    for name, (text, _) in BROKEN.items():
        (bad / name).write_text(text)
    return tmp_path


def test_each_bad_engine_file_is_one_error_at_its_line(mixed_dir: Path) -> None:
    result = run_cli("scan", str(mixed_dir), "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    errors = [f for f in report["findings"] if f["status"] == "error"]
    lines = {Path(f["location"]["file"]).name: f["location"]["line"] for f in errors}
    assert lines == {name: line for name, (_, line) in BROKEN.items()}
    assert len(errors) == len(BROKEN)
    assert all(f["message"] for f in errors)
    # the good copy of the guide is still judged, engine files included
    judged = {(f["policy_id"], f["status"]) for f in report["findings"] if "/good/" in (f["location"]["file"] or "")}
    assert ("ME-RED-02", "violates") in judged and ("ME-TS-05", "complies") in judged
    assert result.returncode == 1


def test_dockerfile_without_from_and_directive_without_argument(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("# no stage\nRUN make\n")
    (tmp_path / "redis.conf").write_text("port 6379\n\nappendonly\n")
    result = run_cli("scan", str(tmp_path), "--format", "json")
    errors = {Path(f["location"]["file"]).name: (f["location"]["line"], f["message"])
              for f in json.loads(result.stdout)["findings"] if f["status"] == "error"}
    assert errors["Dockerfile"][0] == 2 and "FROM" in errors["Dockerfile"][1]
    assert errors["redis.conf"][0] == 3 and "appendonly" in errors["redis.conf"][1]
