"""Python checks outside the package: ``--external-checks-dir DIR`` (``external_checks_dir``) and the entry-point
group ``specdrift.checks``, registered with the shipped functions' API; a policy naming one validates, runs and
reports. The entry point is a real installed distribution: a ``.dist-info`` with ``entry_points.txt`` in a
directory on ``PYTHONPATH``, as ``pip install --target`` leaves it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import EXAMPLE, ROOT, run_cli, write_files

EXAMPLE_ARG = str(EXAMPLE.relative_to(ROOT))
CHECK = '''"""An own check: a database keeps its backups at least ``days`` days."""
from scanner.model import Status
from scanner.policy.check import Outcome
from scanner.policy.functions import register


@register("{name}")
def retention(ctx, facts, args):
    kept = facts.get("backup_retention")
    if kept is None or not hasattr(kept, "value"):
        return Outcome(Status.UNKNOWN, fact="backup_retention", message="no retention written")
    days, wanted = round(kept.value / 86400), int(args["days"])
    status = Status.COMPLIES if days >= wanted else Status.VIOLATES
    return Outcome(status, fact="backup_retention", observed=kept, expected=f">= {{wanted}} days",
                   message=f"backups kept {{days}} days, {name} wants {{wanted}}")
'''
POLICY = """id: ACME-DB-{n}
requirements: [ME-DB-02]
title: Backups kept long enough ({name})
severity: high
applies_to: {{kinds: [sql_database]}}
check: {{function: {name}, args: {{days: 45}}}}
"""


def _policies(tmp_path: Path, name: str, n: str = "01") -> Path:
    write_files(tmp_path / "own", {f"ACME-DB-{n}/policy.yaml": POLICY.format(name=name, n=n)})
    return tmp_path / "own"


def _scan(*args: str, env: dict[str, str] | None = None) -> tuple[dict, str, int]:
    result = run_cli("scan", EXAMPLE_ARG, "--format", "json", *args, env=env)
    return (json.loads(result.stdout) if result.stdout.strip() else {}), result.stderr, result.returncode


def _reported(report: dict, policy: str) -> set[str]:
    return {f["status"] for f in report.get("findings", []) if f["policy_id"] == policy}


def test_a_policy_naming_an_unregistered_function_is_refused(tmp_path: Path) -> None:
    _, stderr, code = _scan("--policies-dir", str(_policies(tmp_path, "acme_retention")))
    assert code == 2 and "acme_retention" in stderr


def test_a_check_from_an_external_checks_dir_validates_runs_and_reports(tmp_path: Path) -> None:
    write_files(tmp_path / "checks", {"acme_checks.py": CHECK.format(name="acme_retention")})
    report, stderr, code = _scan("--policies-dir", str(_policies(tmp_path, "acme_retention")),
                                 "--external-checks-dir", str(tmp_path / "checks"))
    assert code == 1, stderr
    assert "violates" in _reported(report, "ACME-DB-01")
    messages = {f["message"] for f in report["findings"] if f["policy_id"] == "ACME-DB-01"}
    assert any("acme_retention wants 45" in m for m in messages)
    assert any(f["policy_id"] == "ME-DB-02" for f in report["findings"])  # beside the shipped pack


def test_the_configuration_key_names_the_directory(tmp_path: Path) -> None:
    write_files(tmp_path / "checks", {"acme_checks.py": CHECK.format(name="acme_retention")})
    report, stderr, code = _scan("--policies-dir", str(_policies(tmp_path, "acme_retention")),
                                 env={"SPECDRIFT_EXTERNAL_CHECKS_DIR": str(tmp_path / "checks")})
    assert code == 1 and "violates" in _reported(report, "ACME-DB-01"), stderr


def test_an_external_check_may_not_take_a_shipped_name(tmp_path: Path) -> None:
    write_files(tmp_path / "checks", {"acme_checks.py": CHECK.format(name="component_size")})
    _, stderr, code = _scan("--external-checks-dir", str(tmp_path / "checks"))
    assert code == 2 and "component_size" in stderr and "acme_checks" in stderr


def test_a_check_from_an_installed_entry_point_runs_and_reports(tmp_path: Path) -> None:
    site = tmp_path / "site"  # what `pip install --no-deps --target site acme-specdrift-checks` leaves
    write_files(site, {
        "acme_specdrift/__init__.py": "",
        "acme_specdrift/checks.py": CHECK.format(name="acme_entry_retention"),
        "acme_specdrift_checks-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: acme-specdrift-checks\n"
                                                        "Version: 1.0\n",
        "acme_specdrift_checks-1.0.dist-info/entry_points.txt": "[specdrift.checks]\nacme = acme_specdrift.checks\n",
        "acme_specdrift_checks-1.0.dist-info/RECORD": "",
    })
    env = {"PYTHONPATH": f"{ROOT}:{site}"}
    report, stderr, code = _scan("--policies-dir", str(_policies(tmp_path, "acme_entry_retention", "02")), env=env)
    assert code == 1, stderr
    assert "violates" in _reported(report, "ACME-DB-02")
    listed = run_cli("policies", "--policies-dir", str(tmp_path / "own"), env=env)
    assert listed.returncode == 0 and "ACME-DB-02" in listed.stdout, listed.stderr
