"""The README's first command on the guide's own engine and image files: true findings at the right lines."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLE, ROOT, run_cli


@pytest.fixture(scope="module")
def report() -> dict:
    result = run_cli("scan", str(EXAMPLE.relative_to(ROOT)), "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    return json.loads(result.stdout)


def _at(report: dict, file_suffix: str) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for f in report["findings"]:
        if (f["location"]["file"] or "").endswith(file_suffix):
            out.setdefault(f["policy_id"], []).append((f["status"], f["location"]["line"]))
    return {k: sorted(v, key=lambda t: t[1]) for k, v in out.items()}


def test_redis_binds_all_interfaces_and_the_rest_complies(report: dict) -> None:
    redis = _at(report, "redis/redis.conf")
    assert redis.pop("ME-RED-02") == [("violates", 3)]  # bind 0.0.0.0
    assert redis.pop("ME-SEC-01") == [("complies", 5)]  # requirepass ${REDIS_PASSWORD}: a reference
    assert redis == {"ME-RED-01": [("complies", 5)], "ME-RED-03": [("complies", 6)],
                     "ME-RED-04": [("complies", 10)], "ME-RED-05": [("complies", 20)],
                     "ME-RED-06": [("complies", 26)], "ME-RED-07": [("complies", 32)]}
    finding = next(f for f in report["findings"] if f["policy_id"] == "ME-RED-02")
    assert finding["observed"] == "0.0.0.0"
    assert finding["remediation"]["format"] == "redis_conf" and "bind 127.0.0.1" in finding["remediation"]["snippet"]


def test_api_image_base_and_final_user(report: dict) -> None:
    image = _at(report, "docker/Dockerfile")
    assert image["ME-IMG-02"] == [("complies", 2), ("complies", 21)]  # FROM node:20-alpine (builder, final)
    assert image["ME-IMG-01"] == [("complies", 36)]  # USER nodejs
    assert image["ME-IMG-03"] == [("complies", 41)]  # ENTRYPOINT ["dumb-init", "--"]


def test_postgresql_tuning_complies_setting_by_setting(report: dict) -> None:
    tuning = _at(report, "postgres/tuning.sql")
    assert tuning == {"ME-PG-01": [("complies", 2)], "ME-PG-02": [("complies", 5)], "ME-PG-03": [("complies", 7)],
                      "ME-PG-04": [("complies", 13)], "ME-PG-05": [("complies", 19)], "ME-PG-06": [("complies", 22)]}


def test_timescaledb_setup_complies(report: dict) -> None:
    setup = _at(report, "timescaledb/setup.sql")
    assert setup == {"ME-TS-01": [("complies", 15)], "ME-TS-02": [("complies", 15)],
                     "ME-TS-03": [("complies", 24), ("complies", 30)],
                     "ME-TS-04": [("complies", 36), ("complies", 48)], "ME-TS-05": [("complies", 54)]}


def test_cloud_sql_shared_buffers_flag_is_64gb_not_8gb(report: dict) -> None:
    flag = [f for f in report["findings"] if f["policy_id"] == "ME-PG-01" and f["location"]["file"].endswith("main.tf")]
    assert [(f["status"], f["location"]["line"], f["observed"], f["expected"]) for f in flag] == [
        ("violates", 117, "8388608 (64GB)", "8GB")]
    assert 'value = "1048576"' in flag[0]["remediation"]["snippet"]
    assert [(f["status"], f["location"]["line"]) for f in report["findings"]
            if f["policy_id"] == "ME-PG-05" and f["location"]["file"].endswith("main.tf")] == [("complies", 112)]
