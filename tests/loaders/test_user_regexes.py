"""Regexes from users run in linear time (issue 17): parameters, own policies and baseline globs.

A user's pattern is compiled with RE2 (no backtracking) or refused at load time with a one-line usage error;
the shipped patterns each compile under RE2 or are listed here with the reason they need Python's engine.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import re2
import yaml

from scanner.baseline import glob
from scanner.policy.check import linear_regex
from scanner.policy.pack import PolicyError, default_policy_dirs, load_pack, load_policies
from tests.conftest import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "marketing-engine"
EVIL = "^(a+)+$"

# Shipped patterns RE2 cannot compile, with the reason they keep Python's engine (they are the pack's own,
# reviewed, never a user's). Empty today: a new one must be listed here with its reason.
PYTHON_ONLY: dict[str, str] = {}


def _scan_with(tmp_path: Path, manifest: str, policy: str, param: str) -> str:
    """Scan one manifest with ``--param POLICY.PARAM=EVIL`` and return the JSON report; fail if it takes long."""
    k8s = tmp_path / "k8s"
    k8s.mkdir()
    (k8s / "manifest.yaml").write_text(manifest, encoding="utf-8")
    started = time.perf_counter()
    result = run_cli("scan", str(k8s), "--policy", policy, "--param", f"{policy}.{param}={EVIL}", "--format", "json",
                     cwd=tmp_path)
    assert time.perf_counter() - started < 20, "the pattern ran with a backtracking engine"
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def test_a_catastrophic_parameter_finishes_at_once(tmp_path: Path) -> None:
    image = "a" * 40 + "!"
    out = _scan_with(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n"
                     f"    - {{name: api, image: {image}}}\n", "ME-K8S-03", "pinned_pattern")
    assert '"ME-K8S-03"' in out


@pytest.mark.parametrize("pattern", ["(?=look)ahead", r"(a)\1", "(unclosed"])
def test_a_parameter_re2_cannot_compile_is_a_one_line_usage_error(tmp_path: Path, pattern: str) -> None:
    result = run_cli("scan", str(EXAMPLE / "kubernetes"), "--param", f"ME-K8S-03.pinned_pattern={pattern}",
                     cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "ME-K8S-03" in lines[0] and "pinned_pattern" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def _own_policy(directory: Path, pattern: str) -> None:
    source = yaml.safe_load((default_policy_dirs()[0] / "k8s" / "ME-K8S-03" / "policy.yaml").read_text())
    source["id"] = "ME-OWN-01"
    source["check"] = {"each": "containers", "all": {"fact": "image", "op": "matches", "value": pattern}}
    (directory / "ME-OWN-01").mkdir(parents=True)
    (directory / "ME-OWN-01" / "policy.yaml").write_text(yaml.safe_dump(source), encoding="utf-8")


def test_an_own_policy_regex_re2_cannot_compile_is_refused(tmp_path: Path) -> None:
    _own_policy(tmp_path / "own", "(?<=x)y")
    with pytest.raises(PolicyError, match="ME-OWN-01"):
        load_pack([tmp_path / "own"])


def test_an_own_policy_regex_runs_under_re2(tmp_path: Path) -> None:
    _own_policy(tmp_path / "own", EVIL)
    load_pack([tmp_path / "own"])
    from scanner.policy.check import _regex

    started = time.perf_counter()
    assert _regex(EVIL).search("a" * 40 + "!") is None
    assert time.perf_counter() - started < 1


def test_linear_regex_names_the_reason_in_one_line() -> None:
    with pytest.raises(ValueError) as raised:
        linear_regex("(?=a)")
    assert "\n" not in str(raised.value) and "b'" not in str(raised.value)
    assert linear_regex("(?i)api").search("API") is not None


def test_a_baseline_glob_with_many_stars_is_linear() -> None:
    pattern = "*a" * 30 + "*b"
    started = time.perf_counter()
    assert glob("a" * 60 + "c", pattern) is False
    assert time.perf_counter() - started < 1
    assert glob("containers[api].image", "containers[*].image") and glob("x.y", "x?y") and not glob("xy", "x?y")
    assert glob("a\nb", "a*b") and glob("a.b", "a.b") and not glob("axb", "a.b")


def _shipped_patterns() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(node: object, where: str, params: dict[str, object]) -> None:
        if isinstance(node, dict):
            if node.get("op") in ("matches", "not_matches"):
                value = node.get("value")
                value = params.get(value["param"]) if isinstance(value, dict) and "param" in value else value
                found.append((where, str(value)))
            for child in node.values():
                walk(child, where, params)
        elif isinstance(node, list):
            for child in node:
                walk(child, where, params)

    for policy in load_policies(default_policy_dirs()):
        params = {name: p.default for name, p in policy.parameters.items()}
        walk(policy.check, policy.id, params)
        walk(policy.where, policy.id, params)
        found += [(f"{policy.id}.{name}", str(p.default)) for name, p in policy.parameters.items()
                  if p.type == "regex"]
    return found


def test_each_shipped_pattern_compiles_under_re2_or_is_listed() -> None:
    patterns = _shipped_patterns()
    assert len(patterns) > 10
    options = re2.Options()
    options.log_errors = False
    refused = []
    for where, pattern in patterns:
        re.compile(pattern)
        try:
            re2.compile(pattern, options=options)
        except re2.error:
            if pattern not in PYTHON_ONLY:
                refused.append(f"{where}: {pattern}")
    assert not refused, refused


def test_a_catastrophic_parameter_given_to_a_check_function_finishes_at_once(tmp_path: Path) -> None:
    # ME-K8S-05 hands api_selector to its function (is_api), not to a `matches` operator
    name = "a" * 34 + "!"
    _scan_with(tmp_path, f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, labels: {{app: {name}}}}}\n"
               f"spec:\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers:\n"
               f"        - {{name: {name}, image: 'nginx:1.25'}}\n", "ME-K8S-05", "api_selector")
