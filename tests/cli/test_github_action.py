"""The GitHub Action (action.yml): its scan step is run as the runner runs it (bash, inputs through the
environment), with a ``specdrift`` on PATH that records its command line and runs this checkout's CLI.

The command line is parsed by the real parser (a flag it does not know fails the test), its values are
the inputs given, the SARIF it writes is the file the upload step uploads, and the gate step exits as the
scan did. No runner, network or GitHub is needed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.cli import build_parser
from tests.conftest import EXAMPLE, ROOT, file_at_revision

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _step(name: str) -> dict[str, Any]:
    return next(step for step in STEPS if step.get("name") == name)


def _resolve(value: str, inputs: dict[str, str]) -> str:
    """``${{ inputs.NAME }}`` as the runner fills it in (the only expressions the values given to steps use)."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name.startswith("inputs."), f"unexpected expression {name}"
        return inputs[name.removeprefix("inputs.")]

    return EXPRESSION.sub(one, value)


def _inputs(**given: str) -> dict[str, str]:
    values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(given) - set(values)
    assert not unknown, unknown
    return {**values, **given}


def _run_step(step: dict[str, Any], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert step["shell"] == "bash"
    # what the runner runs for `shell: bash`
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _scan_with(tmp_path: Path, **given: str) -> tuple[list[str], dict[str, str], dict[str, str],
                                                         subprocess.CompletedProcess[str]]:
    """Run the scan step with ``given`` inputs: (specdrift's argv, the step's outputs, the inputs, the run)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    inputs = _inputs(**given)
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    argv_file = tmp_path / "argv.json"
    (shim / "specdrift").write_text(
        "#!/bin/sh\n"
        f"\"{sys.executable}\" -c 'import json, sys; json.dump(sys.argv[2:], open(sys.argv[1], \"w\"))' "
        f"\"{argv_file}\" \"$@\"\n"
        f"exec \"{sys.executable}\" -m scanner \"$@\"\n")
    (shim / "specdrift").chmod(0o755)
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    step = _step("specdrift scan")
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(outputs),
           "PYTHONPATH": str(ROOT), "NO_COLOR": "1",
           **{name: _resolve(str(value), inputs) for name, value in step["env"].items()}}
    done = _run_step(step, env, ROOT)
    assert done.returncode == 0, done.stderr  # the scan step records the exit code; the gate step fails
    argv = json.loads(argv_file.read_text())
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if line)
    return argv, written, inputs, done


def test_every_input_is_used_and_every_used_input_is_declared() -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used == set(ACTION["inputs"]), (used, set(ACTION["inputs"]))
    assert ACTION["runs"]["using"] == "composite"


def test_specdrift_is_installed_from_the_actions_own_checkout() -> None:
    install = _step("install specdrift")
    assert re.search(r'pip install\b.*"\$GITHUB_ACTION_PATH"\s*$', install["run"].strip()), install["run"]


def test_actions_it_uses_are_pinned_by_major_version() -> None:
    used = [step["uses"] for step in STEPS if "uses" in step]
    assert "github/codeql-action/upload-sarif@v3" in used
    assert all(re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", uses) for uses in used), used


def test_the_scan_step_runs_a_real_scan_the_sarif_it_writes_is_uploaded_and_the_gate_exits_as_it_did(
        tmp_path: Path) -> None:
    sarif = tmp_path / "out" / "findings.sarif"
    sarif.parent.mkdir()
    example = str(EXAMPLE.relative_to(ROOT))
    argv, outputs, inputs, _ = _scan_with(
        tmp_path, paths=f"{example}/kubernetes\n{example}/docker", **{"fail-on": "medium", "sarif-file": str(sarif)},
        environment="production", args="--skip-path **/hpa.yaml --strict")
    args = build_parser(argv).parse_args(argv)  # exits 2 on a flag the CLI does not have
    assert args.command == "scan"
    assert args.paths == [f"{example}/kubernetes", f"{example}/docker"]
    assert (args.fail_on, args.environment, args.baseline) == ("medium", "production", None)
    assert args.skip_path == ["**/hpa.yaml"] and args.strict is True
    formats = [value for kind, value in args.destinations if kind == "format"]
    assert f"sarif:{sarif}" in formats and "text" in formats

    upload = _step("upload SARIF to code scanning")
    assert _resolve(upload["with"]["sarif_file"], inputs) == str(sarif)
    report = json.loads(sarif.read_text())
    assert report["version"] == "2.1.0" and report["runs"][0]["results"]
    assert outputs == {"exit-code": "1", "sarif-written": "true"}  # the example violates medium policies

    gate = _step("gate")
    assert gate["if"] == "always()"
    env = {**os.environ, "SPECDRIFT_EXIT_CODE": outputs["exit-code"]}
    assert EXPRESSION.findall(gate["env"]["SPECDRIFT_EXIT_CODE"]) == ["steps.scan.outputs.exit-code"]
    assert _run_step(gate, env, tmp_path).returncode == 1
    assert _run_step(gate, {**env, "SPECDRIFT_EXIT_CODE": "0"}, tmp_path).returncode == 0


def test_empty_inputs_leave_their_flags_out_and_a_baseline_is_passed(tmp_path: Path) -> None:
    baseline = tmp_path / "accepted.yaml"
    baseline.write_text("accepted: []\n")
    sarif = tmp_path / "s.sarif"
    argv, outputs, _, _ = _scan_with(tmp_path, paths=str(EXAMPLE.relative_to(ROOT) / "redis"),
                                     baseline=str(baseline), **{"sarif-file": str(sarif)})
    args = build_parser(argv).parse_args(argv)
    assert (args.fail_on, args.environment, args.baseline) == (None, None, str(baseline))
    assert "--fail-on" not in argv and "--environment" not in argv
    assert outputs["exit-code"] in {"0", "1"} and sarif.is_file()


def test_a_usage_error_fails_the_gate_and_nothing_is_uploaded(tmp_path: Path) -> None:
    _argv, outputs, _, done = _scan_with(tmp_path, paths="no/such/dir", **{"sarif-file": str(tmp_path / "x.sarif")})
    assert outputs == {"exit-code": "2"} and "no such file" in done.stderr
    assert "sarif-written" in _step("upload SARIF to code scanning")["if"]  # the upload waits for a report


def test_the_documented_action_ref_has_this_action() -> None:
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    (ref,) = re.findall(r"uses: <owner>/<this repository>@(\S+)", docs)
    assert re.fullmatch(r"[0-9a-f]{40}", ref), ref  # a full SHA: no tag is published yet
    assert yaml.safe_load(file_at_revision(ref, "action.yml"))["runs"]["using"] == "composite"
