"""Configuration: found upwards, precedence flags > env > file > defaults, sources shown, overrides applied."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.config import ConfigError, find_config_file, resolve
from tests.conftest import EXAMPLE, ROOT

PYPROJECT = """
[project]
name = "infra"

[tool.specdrift]
fail_on = "high"
skip_policy = ["ME-NET-*"]
baseline = "baselines/prod.yaml"
format = ["text", "sarif:reports/scan.sarif"]

[tool.specdrift.severity]
ME-K8S-03 = "critical"

[tool.specdrift.parameters.ME-DB-02]
min_retention = "35d"
"""


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI from this checkout, run elsewhere, with no SPECDRIFT_* variable leaking in from outside."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SPECDRIFT_", "GITHUB_ACTIONS"))}
    clean.update({"PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd, env=clean, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "infra" / "modules").mkdir(parents=True)
    return tmp_path


def _settings(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    assert result.returncode == 0, result.stderr
    data: dict[str, dict[str, object]] = json.loads(result.stdout)["settings"]
    return data


def test_found_from_a_subdirectory_with_sources(project: Path) -> None:
    assert find_config_file(project / "infra" / "modules") == project / "pyproject.toml"
    settings = _settings(cli("config", "--json", cwd=project / "infra" / "modules"))
    source = f"file {project / 'pyproject.toml'} [tool.specdrift]"
    assert settings["fail_on"] == {"value": "high", "source": source}
    assert settings["skip_policy"]["value"] == ["ME-NET-*"]
    assert settings["severity.ME-K8S-03"] == {"value": "critical", "source": source}
    assert settings["parameters.ME-DB-02.min_retention"]["value"] == "35d"
    assert settings["strict"] == {"value": False, "source": "default"}
    # paths in the file are relative to the file, wherever the command runs
    assert Path(str(settings["baseline"]["value"])).resolve() == project / "baselines" / "prod.yaml"
    text, sarif = settings["format"]["value"]  # type: ignore[misc]
    assert text == "text" and sarif.startswith("sarif:")
    assert (project / "infra" / "modules" / sarif[len("sarif:"):]).resolve() == project / "reports" / "scan.sarif"


def test_precedence_flags_over_env_over_file_over_default(project: Path) -> None:
    env = {"SPECDRIFT_FAIL_ON": "critical",
           "SPECDRIFT_PARAMETERS": "ME-DB-02.min_retention=40d;ME-K8S-02.min_replicas=4"}
    settings = _settings(cli("config", "--json", "--fail-on", "low", "--param", "ME-DB-02.min_retention=45d",
                             cwd=project, env=env))
    assert settings["fail_on"] == {"value": "low", "source": "flag --fail-on"}
    assert settings["parameters.ME-DB-02.min_retention"] == {"value": "45d", "source": "flag --param"}
    assert settings["parameters.ME-K8S-02.min_replicas"] == {"value": "4", "source": "env SPECDRIFT_PARAMETERS"}
    settings = _settings(cli("config", "--json", cwd=project, env=env))
    assert settings["fail_on"] == {"value": "critical", "source": "env SPECDRIFT_FAIL_ON"}
    settings = _settings(cli("config", "--json", cwd=project / "infra"))
    assert settings["fail_on"]["value"] == "high"
    assert resolve({}, environ={}, start=project.parent).sources["fail_on"] == "default"


def test_text_output_names_the_file_and_each_source(project: Path) -> None:
    result = cli("config", "--strict", cwd=project, env={"SPECDRIFT_POLICY": "ME-DB-*,ME-K8S-*"})
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line and not line.startswith("#")}
    assert "flag --strict" in lines["strict"]
    assert "ME-DB-*, ME-K8S-*" in lines["policy"] and "env SPECDRIFT_POLICY" in lines["policy"]
    assert lines["context"].endswith("default")
    assert str(project / "pyproject.toml") in result.stdout.splitlines()[0]


def test_specdrift_yaml_wins_over_pyproject_in_the_same_directory(project: Path) -> None:
    (project / ".specdrift.yaml").write_text("fail_on: medium\nquiet: true\n", encoding="utf-8")
    settings = _settings(cli("config", "--json", cwd=project))
    assert settings["fail_on"]["value"] == "medium" and settings["quiet"]["value"] is True
    assert settings["skip_policy"]["source"] == "default"  # one file, not a merge of both


@pytest.mark.parametrize(("text", "message"), [
    ("fail_on: sever\n", "unknown severity"),
    ("fial_on: high\n", "unknown key 'fial_on'"),
    ("format: [pdf]\n", "unknown format 'pdf'"),
    ("parameters: ME-DB-02\n", "POLICY.PARAM=VALUE"),
    ("strict: maybe\n", "expected true or false"),
])
def test_bad_configuration_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".specdrift.yaml").write_text(text, encoding="utf-8")
    result = cli("scan", str(EXAMPLE), cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    with pytest.raises(ConfigError, match=message.split("'")[0]):
        resolve({}, environ={}, config_file=tmp_path / ".specdrift.yaml")


def test_parameter_and_severity_overrides_change_the_verdict(tmp_path: Path) -> None:
    def aurora(*flags: str, env: dict[str, str] | None = None) -> str:
        report = json.loads(cli("scan", str(EXAMPLE / "aws"), "--format", "json", *flags, cwd=tmp_path, env=env).stdout)
        return next(f["status"] for f in report["findings"] if f["policy_id"] == "ME-DB-02")

    assert aurora() == "complies"  # BackupRetentionPeriod: 30
    assert aurora("--param", "ME-DB-02.min_retention=35d") == "violates"  # a team that needs 35 days
    assert aurora(env={"SPECDRIFT_PARAMETERS": "ME-DB-02.min_retention=35d"}) == "violates"
    (tmp_path / ".specdrift.yaml").write_text("parameters:\n  ME-DB-02:\n    min_retention: 35d\n", encoding="utf-8")
    assert aurora() == "violates"
    k8s = str(EXAMPLE / "kubernetes")
    image_only = ("--policy", "ME-K8S-03", "--fail-on", "high")
    assert cli("scan", k8s, *image_only, cwd=tmp_path).returncode == 0  # the image finding is medium
    assert cli("scan", k8s, *image_only, "--severity", "ME-K8S-03=high", cwd=tmp_path).returncode == 1


@pytest.mark.parametrize("flags", [("--param", "ME-DB-02.nope=1"), ("--param", "ME-DB-02.min_retention=soon"),
                                   ("--severity", "ME-XX-01=high"), ("--severity", "ME-DB-02=urgent")])
def test_bad_overrides_exit_2(tmp_path: Path, flags: tuple[str, str]) -> None:
    result = cli("scan", str(EXAMPLE / "aws"), *flags, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("text", [
    '[tool.specdrift]\nseverity = "high"\n',
    '[ tool . "specdrift" ]\nseverity = "high"\n',
    "['tool'.specdrift.parameters]\nx = 1\n",
    '[tool]\nspecdrift = { severity = "high" }\n',
    '[tool]\nspecdrift.severity = "high"\n',
    'tool.specdrift.severity = "high"\n',
    'tool = { specdrift = { severity = "high" } }\n',
    '["\\u0074ool".specdrift]\nseverity = "high"\n',
])
def test_every_spelling_of_the_tool_table_is_found(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text + '[project]\nname = "x"\n', encoding="utf-8")
    assert find_config_file(tmp_path) == tmp_path / "pyproject.toml"


def test_a_pyproject_of_other_tools_is_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.config

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "specdrift"\n[tool.ruff]\nline-length = 120\n'
                                             '[project.scripts]\nspecdrift = "scanner.cli:console"\n')
    monkeypatch.setattr(scanner.config, "_pyproject_tool", lambda path: pytest.fail(f"parsed {path}"))
    assert find_config_file(tmp_path) is None
