"""Bad command-line values and odd file names (issue 17): a one-line usage error (exit 2) or a report, never
``internal error``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\ndata: {a: b}\n"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _usage_error(result: object, *words: str) -> None:
    stderr = getattr(result, "stderr", "")
    assert getattr(result, "returncode", None) == 2, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("specdrift")]
    assert lines and all(word in lines[-1] for word in words), stderr


def test_a_directory_as_a_report_target_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text(MANIFEST)
    target = tmp_path / "out"
    target.mkdir()
    _usage_error(run_cli("scan", str(tmp_path / "cm.yaml"), "-f", f"json:{target}"), "directory", str(target))


def test_a_report_target_under_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text(MANIFEST)
    _usage_error(run_cli("scan", str(tmp_path / "cm.yaml"), "-f", f"json:{tmp_path}/cm.yaml/sub/r.json"),
                 "is a file")


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_a_timeout_that_is_no_positive_number_of_seconds_is_a_usage_error(value: str) -> None:
    _usage_error(run_cli("collect", "aws", f"--timeout={value}", env=AWS_ENV), "--timeout")


@pytest.mark.parametrize("value", ["not a url", "ftp://x", "http://", "localhost:4566"])
def test_an_endpoint_that_is_no_http_url_is_a_usage_error(value: str) -> None:
    _usage_error(run_cli("collect", "aws", f"--endpoint-url={value}", env=AWS_ENV), "--endpoint-url")


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "junit", "markdown", "github", "text"])
def test_a_file_name_that_is_not_utf8_is_written_in_every_format(tmp_path: Path, fmt: str) -> None:
    name = os.fsdecode(b"b\xff.yaml")
    try:
        (tmp_path / name).write_text(MANIFEST)
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system refuses a name that is not UTF-8")
    result = run_cli("scan", str(tmp_path), "-f", fmt)
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    text = json.dumps(json.loads(result.stdout)) if fmt in ("json", "sarif", "gitlab") else result.stdout
    assert "b\\\\xff.yaml" in text if fmt in ("json", "sarif", "gitlab") else "b\\xff.yaml" in text, text[:2000]


def test_an_endpoint_with_a_bad_port_is_a_usage_error() -> None:
    _usage_error(run_cli("collect", "aws", "--endpoint-url=http://[::1", env=AWS_ENV), "--endpoint-url")
