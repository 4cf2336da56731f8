"""A repository's own configuration is input from whoever wrote the pull request (issue 17): it cannot name a
program to run nor a report file outside the repository; the user's flags, environment and ``--config`` can."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.config import ConfigError, resolve


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("text", [
    "with_checkov: true\n",
    "checkov_path: ./pwn.sh\n",
    "checkov-path: /bin/sh\n",
])
def test_a_repository_file_cannot_name_a_program_to_run(repo: Path, text: str) -> None:
    (repo / ".specdrift.yaml").write_text(text)
    with pytest.raises(ConfigError, match=r"checkov.*(--with-checkov|--checkov-path)"):
        resolve({}, environ={})


def test_a_pyproject_table_cannot_name_a_program_to_run(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.specdrift]\ncheckov_path = "./pwn.sh"\n')
    with pytest.raises(ConfigError, match="checkov_path"):
        resolve({}, environ={})


@pytest.mark.parametrize("target", ["/tmp/elsewhere.json", "../outside.json", "reports/../../outside.json"])
def test_a_repository_file_cannot_write_a_report_outside_the_repository(repo: Path, target: str) -> None:
    (repo / ".specdrift.yaml").write_text(f'format: ["text", "json:{target}"]\n')
    with pytest.raises(ConfigError, match="outside"):
        resolve({}, environ={})


def test_a_repository_file_may_write_reports_inside_and_the_user_may_run_checkov(repo: Path) -> None:
    (repo / ".specdrift.yaml").write_text('format: ["text", "sarif:reports/scan.sarif"]\nfail_on: high\n')
    config = resolve({"with_checkov": True, "checkov_path": "/opt/checkov"}, environ={})
    assert config["format"] == ["text", "sarif:reports/scan.sarif"] and config["with_checkov"] is True
    config = resolve({}, environ={"SPECDRIFT_WITH_CHECKOV": "1", "SPECDRIFT_FORMAT": "json:/tmp/r.json"})
    assert config["with_checkov"] is True and config["format"] == ["json:/tmp/r.json"]


def test_a_file_the_user_names_is_the_users_own(repo: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("with_checkov: true\ncheckov_path: /opt/checkov/bin/checkov\nformat: [json:/tmp/r.json]\n")
    config = resolve({}, environ={}, config_file=mine)
    assert config["checkov_path"] == "/opt/checkov/bin/checkov" and config["format"] == ["json:/tmp/r.json"]


def test_a_symlinked_report_directory_leading_out_is_outside(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    os.symlink(tmp_path / "out", repo / "reports")
    (repo / ".specdrift.yaml").write_text('format: ["json:reports/r.json"]\n')
    with pytest.raises(ConfigError, match="outside"):
        resolve({}, environ={})


def test_a_report_inside_the_repository_is_inside_from_a_subdirectory(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      ) -> None:
    (repo / ".specdrift.yaml").write_text('format: ["json:reports/r.json"]\n')
    monkeypatch.chdir(repo / "infra")
    (entry,) = resolve({}, environ={})["format"]
    assert Path(entry.split(":", 1)[1]).resolve() == (repo / "reports" / "r.json").resolve()
