"""The text report as people read it: verdict first, worst first, values in the source's syntax, fits 80 columns."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from scanner.display import in_syntax, syntax_of
from scanner.model import Finding, Remediation, Severity, Status
from scanner.reporters.text import TextReporter, cell_width, screen_width, wrap
from tests.findings_fixture import FINDINGS, TF, sample_report

FAIL_ON = Severity.INFO


def _text(findings: list[Finding] | None = None, **options: object) -> str:
    report = sample_report()
    if findings is not None:
        report.findings = findings
    return TextReporter(width=80, **options).render(report, FAIL_ON, False)  # type: ignore[arg-type]


def test_verdict_and_counts_come_first() -> None:
    lines = _text().splitlines()
    assert lines[0] == "✗ FAIL: 5 violation(s) at or above info fail the gate"
    assert lines[1] == "6 violate, 1 unknown, 1 error, 1 comply; 1 accepted by the baseline"
    assert lines[2] == "violations by severity: 1 critical, 2 high, 3 medium"
    assert lines[-1] == lines[0]  # and again at the bottom, where a terminal leaves the reader
    passing = TextReporter(width=80).render(sample_report(), Severity.CRITICAL, False)
    assert passing.splitlines()[0] == "✗ FAIL: 1 violation(s) at or above critical fail the gate"
    clean = [f for f in FINDINGS if f.status == Status.COMPLIES]
    assert _text(clean).splitlines()[0] == "✓ PASS: no violation at or above info"


def test_nothing_read_is_not_a_pass() -> None:
    report = sample_report()
    report.findings, report.files = [], {}
    assert TextReporter(width=80).render(report, FAIL_ON, False).startswith("? NOTHING CHECKED")


def test_files_and_requirements_worst_first() -> None:
    text = _text()
    order = [text.index(marker) for marker in ("deploy/k8s/broken.yaml (kubernetes)",  # an error: nothing checked
                                               "(live) 123456789012", "infra/db/main.tf (terraform)",
                                               "deploy/k8s/api.yaml (kubernetes)", "Unknown: could not be decided")]
    assert order == sorted(order)
    assert text.index("✗ high ME-DB-02") < text.index("✗ medium CKV_GCP_26")  # within a file: most severe first


def test_passing_only_when_asked_and_quiet_keeps_violations() -> None:
    assert "replicas is 3" not in _text()
    shown = _text(show_passing=True)
    assert "Complies (1)" in shown and "✓ ME-K8S-02 deploy/k8s/api.yaml:8 prod/Deployment/api: replicas is 3" in shown
    quiet = _text(quiet=True)
    assert "Unknown" not in quiet and "dba-team" not in quiet
    assert "automated backups are kept 7d" in quiet and "fix (terraform):" in quiet


def test_every_violation_shows_its_fix() -> None:
    text = _text()
    assert 'fix (terraform):\n        resource "google_sql_database_instance" "pg" {' in text
    words = replace(FINDINGS[0], remediation=Remediation("text", "Keep backups 30 days."))
    assert "fix: Keep backups 30 days." in _text([words])
    from_policy = replace(FINDINGS[0], remediation=None)  # the policy's own fix in words, parameters filled
    assert "fix: Keep automated backups for at least 30d." in _text([from_policy])


def test_identical_unknowns_fold_into_one_line_with_count_and_reason() -> None:
    unknown = next(f for f in FINDINGS if f.status == Status.UNKNOWN)
    many = [replace(unknown, resource_address=f"Cluster{i}", line=10 + i) for i in range(41)]
    text = _text(many)
    assert text.count("publicly_accessible is not declared") == 1
    assert "ME-NET-02, 41 resources: publicly_accessible is not declared (aws/stack.yaml:10 and 40 more)" in \
        " ".join(text.split())


def test_values_in_the_source_syntax_never_python_reprs() -> None:
    cidr = replace(FINDINGS[0], observed=["10.0.0.0/16"], expected=True, fact="cidrs")
    text = _text([cidr])
    assert 'declared ["10.0.0.0/16"]; required true' in text
    assert "['10.0.0.0/16']" not in text and "True" not in text
    assert in_syntax(["10.0.0.0/16"], syntax_of("kubernetes", "a.yaml")) == "[10.0.0.0/16]"
    assert in_syntax(["a: b", "true", "c d"], "yaml") == '["a: b", "true", c d]'
    assert in_syntax({"enabled": False}, "hcl") == "{ enabled = false }"
    assert syntax_of("cloudformation", "stack.json") == "json"
    assert in_syntax(["0.0.0.0", "::1"], syntax_of("redis_conf")) == "0.0.0.0, ::1"


@pytest.mark.parametrize("width", [80, 100, 160])
def test_fits_the_width_and_never_breaks_a_word(width: int) -> None:
    long = replace(FINDINGS[0], message="the resource module.very_long_module_name.aws_db_instance.this has "
                   "backups off " * 3, resource_address="module.very_long_module_name.aws_db_instance.this")
    text = TextReporter(width=width).render(replace(sample_report(), findings=[long, *FINDINGS]), FAIL_ON, False)
    assert all(cell_width(line) <= width for line in text.splitlines())
    words = set(re.findall(r"\S+", " ".join(f.message for f in [long, *FINDINGS]
                                           if f.status != Status.COMPLIES and not f.accepted)))
    shown = set(re.findall(r"\S+", text))
    assert words <= shown  # every word of every message is printed whole


def test_a_word_longer_than_the_line_keeps_a_line_of_its_own() -> None:
    arn = "arn:aws:rds:eu-west-1:123456789012:db:" + "x" * 60
    lines = wrap(f"see {arn} now", 40, "  ", "    ")
    assert lines == ["  see", "    " + arn, "    now"]


def test_long_commands_continue_with_backslashes() -> None:
    command = ("kubectl set resources deployment/api -n default -c api --requests=cpu=1000m,memory=2Gi "
               "--limits=cpu=2000m,memory=4Gi -p '{\"a b\": 1}'")
    finding = replace(FINDINGS[1], remediation=Remediation("kubernetes", command))
    text = _text([finding])
    fix = text[text.index("fix (kubernetes):"):].splitlines()[1:4]
    assert all(line.endswith(" \\") for line in fix[:-1]) and all(cell_width(line) <= 80 for line in fix)
    assert " ".join(line.rstrip(" \\").strip() for line in fix) == command


def test_compact_is_one_line_per_finding() -> None:
    lines = _text(compact=True).splitlines()
    findings = [line for line in lines[lines.index("") + 1:] if line]
    assert len(findings) == len([f for f in FINDINGS if f.status != Status.COMPLIES])
    assert f"{TF}:12: ✗ violates high ME-DB-02 google_sql_database_instance.pg: automated backups are kept 7d; " \
           "the guide requires at least 30d" in findings


def test_colour_is_sgr_only_when_asked() -> None:
    report = sample_report()
    plain = TextReporter(width=80).render(report, FAIL_ON, False)
    coloured = TextReporter(width=80).render(report, FAIL_ON, True)
    assert "\x1b[" not in plain and "\x1b[1;31m✗ FAIL" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain  # colour changes nothing else


def test_width_from_columns_else_80_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "132")
    assert screen_width() == 132
    monkeypatch.setenv("COLUMNS", "20")
    assert screen_width() == 60  # no narrower than this
    monkeypatch.delenv("COLUMNS")
    assert screen_width() == 80


def test_a_long_code_line_puts_its_comment_above_and_a_long_argument_further_left() -> None:
    code = "keystore_password=${keystore_password}  # injected at deploy time from the secret store"
    finding = replace(FINDINGS[1], remediation=Remediation("plaintext", code))
    fix = _text([finding]).split("fix (plaintext):\n", 1)[1].splitlines()[:2]
    assert fix == ["        # injected at deploy time from the secret store",
                   "        keystore_password=${keystore_password}"]
    patch = "'" + '{"spec":{"template":{"spec":{"securityContext":{"runAsNonRoot":true}}}}}' + "'"
    command = f"kubectl patch statefulset minio -n default --type merge -p {patch}"
    finding = replace(FINDINGS[1], remediation=Remediation("kubernetes", command))
    lines = _text([finding]).split("fix (kubernetes):\n", 1)[1].splitlines()[:2]
    assert lines[1].strip() == patch and cell_width(lines[1]) <= 80, lines
    assert " ".join(line.rstrip(" \\").strip() for line in lines) == command


def test_lists_in_messages_and_required_values_are_never_python_reprs() -> None:
    from scanner.display import fill
    from scanner.policy.check import describe_expected

    assert describe_expected("in", ["ClusterIP", "ExternalName"]) == "one of ClusterIP, ExternalName"
    assert describe_expected("not_in", ["root", "0"]) == "none of root, 0"
    assert describe_expected(">=", 3) == ">= 3" and describe_expected("==", True) == "true"
    assert fill("open only {ports} to the world", {"ports": [443, 80]}) == "open only 443, 80 to the world"
