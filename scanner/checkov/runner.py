"""Run checkov as a subprocess, read its JSON, map and merge its findings into specdrift's.

Mapping: ``requirements.yaml`` says which catalogue requirements a checkov check enforces. A mapped
checkov finding on the same requirement, resource and file as a specdrift finding is a duplicate:
specdrift's finding is kept (its policy carries the guide's values) and names checkov's check ID in
``also_reported_as``. Everything else checkov finds is kept, mapped or with no requirement
(``unmapped``), with ``source="checkov"``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scanner.model import Finding, Remediation, Severity, Status
from scanner.policy.pack import Policy
from scanner.tables import read_table

MAPPING_FILE = Path(__file__).with_name("requirements.yaml")
RUN_ERROR_POLICY = "SD-CHECKOV"
UNMAPPED = "unmapped: enforces no requirement of the catalogue"
# checkov must not reach the network from a scan: no platform download, no update check.
CHECKOV_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR",
               "ANSI_COLORS_DISABLED": "1"}


@dataclass
class CheckovRun:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@cache
def check_mapping() -> Mapping[str, tuple[str, ...]]:
    data = read_table(MAPPING_FILE, "checkov-requirements")
    return {str(k): tuple(v) for k, v in data["checks"].items()}


def requirements_for(check_id: str) -> tuple[str, ...]:
    mapping = check_mapping()
    if check_id in mapping:
        return mapping[check_id]
    for pattern, requirements in mapping.items():
        if "*" in pattern and fnmatch.fnmatchcase(check_id, pattern):
            return requirements
    return ()


def find_checkov(setting: str) -> str | None:
    """The executable named by the configuration: a path, or a name looked up on PATH."""
    if os.sep in setting or (os.altsep and os.altsep in setting):
        return setting if os.access(setting, os.X_OK) else None
    return shutil.which(setting)


def native_address(check_type: str, resource: str) -> tuple[str, str]:
    """checkov's resource name as specdrift spells the address, and the native type."""
    if check_type == "kubernetes":
        from scanner.loaders.kubernetes import CLUSTER_SCOPED

        kind, _, rest = resource.partition(".")
        namespace, _, name = rest.partition(".")
        if kind in CLUSTER_SCOPED:  # checkov names them "Namespace.default.x"; specdrift "Namespace/x"
            return f"{kind}/{name}", kind
        return f"{namespace or 'default'}/{kind}/{name}", kind
    if check_type == "cloudformation":
        rtype, _, logical_id = resource.rpartition(".")
        return logical_id, rtype
    if check_type == "arm":
        slash = resource.rfind("/")
        dot = resource.find(".", slash + 1)
        if dot > 0:
            return f"{resource[:dot]}/{resource[dot + 1:]}", resource[:dot]
    if check_type == "dockerfile":  # "<file>.<INSTRUCTION>": the file is the resource
        return resource.rpartition(".")[2] or "Dockerfile", "dockerfile"
    if check_type == "terraform":
        parts = resource.split(".")
        return resource, parts[-2] if len(parts) >= 2 else resource
    return resource, check_type


def _display(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _severity(raw: Any, requirements: tuple[str, ...], policies: Sequence[Policy]) -> Severity:
    """The enforcing policy's severity when one is loaded, else checkov's own, else medium."""
    for policy in policies:
        if set(policy.requirements) & set(requirements):
            return policy.severity
    try:
        return Severity.parse(str(raw)) if raw else Severity.MEDIUM
    except ValueError:
        return Severity.MEDIUM


def checkov_reports(text: str) -> list[dict[str, Any]]:
    """checkov's ``-o json`` as a list of per-framework reports.

    One framework prints an object, several a list; with several ``-d`` directories checkov prints one
    such document per directory, one after the other.
    """
    decoder = json.JSONDecoder()
    reports: list[dict[str, Any]] = []
    position, end = 0, len(text)
    while True:
        while position < end and text[position].isspace():
            position += 1
        if position >= end:
            return reports
        data, position = decoder.raw_decode(text, position)
        reports.extend(r for r in (data if isinstance(data, list) else [data]) if isinstance(r, dict))


def parse_output(text: str, policies: Sequence[Policy] = ()) -> list[Finding]:
    """checkov ``-o json`` output as Findings (its failed checks)."""
    findings = []
    for report in checkov_reports(text):
        check_type = str(report.get("check_type", ""))
        for check in (report.get("results") or {}).get("failed_checks") or []:
            check_id = str(check.get("check_id"))
            requirements = requirements_for(check_id)
            address, rtype = native_address(check_type, str(check.get("resource", "")))
            lines = check.get("file_line_range") or [None, None]
            file_path = check.get("file_abs_path") or check.get("repo_file_path") or check.get("file_path")
            name = str(check.get("check_name") or check_id)
            message = f"checkov {check_id}: {name}" + ("" if requirements else f" ({UNMAPPED})")
            guideline = check.get("guideline")
            findings.append(Finding(
                policy_id=check_id, requirement_ids=requirements, title=name,
                severity=_severity(check.get("severity"), requirements, policies), status=Status.VIOLATES,
                message=message, resource_address=address, resource_type=rtype, provider=check_type,
                file=_display(str(file_path)) if file_path else None,
                line=lines[0] or None, end_line=lines[1] or None, fact=None,
                remediation=None if not guideline else _guideline(guideline),
                source="checkov", origin=f"checkov {check_type}"))
    return findings


def _guideline(url: str) -> Remediation:
    return Remediation("text", "", f"See {url}")


def _command(executable: str, paths: Sequence[str]) -> list[str]:
    cmd = [executable, "-o", "json", "--compact", "--quiet", "--skip-download"]
    # checkov takes either directories (-d) or files (-f), not both in one run.
    # Absolute paths: checkov 3.3 joins a relative -d onto its own paths twice for Kubernetes files.
    if all(Path(p).is_dir() for p in paths):
        for path in paths:
            cmd += ["-d", os.path.abspath(path)]
    else:
        from scanner.loaders import iter_files

        for file in iter_files(paths):
            cmd += ["-f", os.path.abspath(file)]
    return cmd


def run_checkov(paths: Sequence[str], setting: str = "checkov", timeout: float = 600.0,
                policies: Sequence[Policy] = ()) -> CheckovRun:
    """Run checkov on ``paths``. A checkov that is missing or fails is an ``error`` finding (fails --strict)."""
    executable = find_checkov(setting)
    if executable is None:
        return _failed(f"checkov not found ({setting!r}); install it in its own environment and point "
                       f"checkov_path / SPECDRIFT_CHECKOV_PATH at it")
    env = {**os.environ, **CHECKOV_ENV}
    try:
        done = subprocess.run(_command(executable, paths), capture_output=True, text=True, timeout=timeout,
                              env=env, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return _failed(f"checkov did not finish within {timeout:g}s")
    except OSError as exc:
        return _failed(f"checkov could not be started: {exc.strerror}")
    if done.returncode not in (0, 1):
        last = (done.stderr.strip().splitlines() or ["no message"])[-1][:300]
        return _failed(f"checkov exited with {done.returncode}: {last}")
    try:
        findings = parse_output(done.stdout, policies)
    except json.JSONDecodeError as exc:
        return _failed(f"checkov's output is not JSON ({exc.msg} at line {exc.lineno})")
    mapped = sum(1 for f in findings if f.requirement_ids)
    return CheckovRun(findings, [f"checkov: {len(findings)} failed checks ({mapped} mapped to requirements, "
                                 f"{len(findings) - mapped} unmapped)"])


def _failed(message: str) -> CheckovRun:
    finding = Finding(policy_id=RUN_ERROR_POLICY, requirement_ids=(), title="checkov could not run",
                      severity=Severity.HIGH, status=Status.ERROR, message=message, source="checkov",
                      origin="checkov")
    return CheckovRun([finding], [message])


def _same_place(own: Finding, theirs: Finding) -> bool:
    if not own.file or not theirs.file or Path(own.file).resolve() != Path(theirs.file).resolve():
        return False
    if own.resource_address == theirs.resource_address:
        return True
    # Addresses are spelled differently across tools for some formats; the resource's line span decides.
    return (own.line is not None and theirs.line is not None and theirs.end_line is not None
            and theirs.line <= own.line <= theirs.end_line)


def merge(own: Sequence[Finding], theirs: Sequence[Finding]) -> list[Finding]:
    """specdrift's findings plus checkov's, checkov's duplicates folded into specdrift's."""
    merged = list(own)
    kept: list[Finding] = []
    for finding in theirs:
        # specdrift's verdict stands where it has one; where it could not decide (unknown), checkov's
        # failed check is kept, since it knows more.
        duplicates = [i for i, mine in enumerate(merged)
                      if mine.source != "checkov" and mine.status in (Status.VIOLATES, Status.COMPLIES)
                      and set(mine.requirement_ids) & set(finding.requirement_ids) and _same_place(mine, finding)]
        if not duplicates:
            kept.append(finding)
            continue
        for i in duplicates:
            if finding.policy_id not in merged[i].also_reported_as:
                merged[i] = dataclasses.replace(merged[i],
                                                also_reported_as=(*merged[i].also_reported_as, finding.policy_id))
    return merged + kept


def add_checkov_findings(findings: Sequence[Finding], paths: Sequence[str], setting: str, timeout: float,
                         policies: Sequence[Policy]) -> tuple[list[Finding], list[str]]:
    """The scan's hook: run checkov on ``paths`` and merge; notes for stderr."""
    run = run_checkov(paths, setting, timeout, policies)
    merged = merge(findings, run.findings)
    folded = len(findings) + len(run.findings) - len(merged)
    notes = run.notes + ([f"checkov: {folded} duplicate(s) of specdrift findings folded into them "
                          f"(also_reported_as)"] if folded else [])
    return merged, notes
