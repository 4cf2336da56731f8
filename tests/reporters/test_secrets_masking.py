"""Masking is value-scoped: a secret's own occurrences in values are masked, never addresses, names, a message's
own words or a fix snippet's syntax; and a snippet stays valid in its format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.loaders import hcl_tree
from scanner.loaders.secrets import detect
from scanner.masking import MIN_INSIDE, SNIPPET_MASK, mask, mask_value
from scanner.model import Origin, Resource, Severity, Status
from scanner.policy.check import Outcome
from scanner.policy.engine import Engine
from scanner.policy.pack import Policy
from tests.conftest import run_cli

SECRET = "analytics-db-2024"  # the password, and also the resource's label and its parameter group's name
ADDRESS = f"aws_db_instance.{SECRET}"


SNIPPET = 'resource "aws_db_instance" "{name}" {\n  parameter_group_name = "{observed}"\n}'


@pytest.fixture(autouse=True)
def _echo_fix(extra_fixes: dict[str, dict[str, Any]]) -> None:
    """The echo policy's fix: a table template quoting the observed value."""
    extra_fixes["terraform"] = {"parameter_group": SNIPPET}


def _echo(check_fact: str = "parameter_group", message: str = "parameter group is {observed} on {address}") -> Policy:
    return Policy("ME-ECHO-01", ("ME-SEC-01",), "echo", Severity.HIGH, frozenset({"sql_database"}),
                  {"fact": check_fact, "op": "==", "value": "default.postgres16"}, message=message,
                  remediation={"description": "was {observed}", "requirement_fact": "parameter_group"})


def _resource(label: str, facts: dict[str, Any]) -> Resource:
    return Resource("aws", "aws_db_instance", f"aws_db_instance.{label}", Origin("main.tf", 1, 5), {}, facts,
                    frozenset({"sql_database"}), format="terraform")


def test_an_address_holding_the_secret_survives_while_the_value_is_masked() -> None:
    detect(f'resource "aws_db_instance" "x" {{\n  password = "{SECRET}"\n}}\n', "terraform")
    policy = _echo()
    finding = Engine([policy]).evaluate(policy, _resource(SECRET, {"parameter_group": SECRET}))
    assert finding is not None and finding.status == Status.VIOLATES
    assert finding.resource_address == ADDRESS
    assert finding.observed == mask(SECRET)
    assert finding.message == f"parameter group is {mask(SECRET)} on {ADDRESS}"
    assert finding.remediation is not None
    snippet = finding.remediation.snippet
    assert snippet == f'resource "aws_db_instance" "{SECRET}" {{\n  parameter_group_name = "{SNIPPET_MASK}"\n}}'
    hcl_tree.parse(snippet)  # the fix parses in its format
    assert finding.remediation.description == f"was {mask(SECRET)}"


def test_a_short_secret_is_masked_as_a_whole_value_only() -> None:
    detect('resource "aws_db_instance" "x" {\n  password = "db"\n}\n', "terraform")
    assert len("db") < MIN_INSIDE
    policy = _echo()
    finding = Engine([policy]).evaluate(policy, _resource("db", {"parameter_group": "db"}))
    assert finding is not None
    assert finding.resource_address == "aws_db_instance.db"  # not aws_****_instance.****
    assert finding.observed == mask("db")
    assert finding.message == f"parameter group is {mask('db')} on aws_db_instance.db"
    # inside another value a short secret is chance, not a leak: masking it would only point at it
    assert mask_value("db-params-v2") == "db-params-v2"
    assert mask_value(["db", {"k": "db"}]) == [mask("db"), {"k": mask("db")}]


def test_a_long_secret_is_masked_inside_a_value() -> None:
    detect(f"password: {SECRET}\n")
    assert mask_value(f"http://backend/{SECRET}/x") == f"http://backend/{mask(SECRET)}/x"
    assert mask_value(f"http://backend/{SECRET}/x", snippet=True) == f"http://backend/{SNIPPET_MASK}/x"
    assert mask_value("postgres://app:Url-Pw-Never-Seen@db/app", snippet=True) == \
        f"postgres://app:{SNIPPET_MASK}@db/app"


def test_a_secret_glued_to_other_words_or_a_well_known_word_is_not_masked_inside_a_value() -> None:
    # "password" is someone's literal password (reported, masked where it is the whole value); inside an
    # expression or a reference it is a word, and masking it there would corrupt the value and point at it.
    detect("password: password\nsecret: Inside-A-Word-77\n")
    assert mask_value("password") == mask("password")
    assert mask_value("random_password.passwords[k].result") == "random_password.passwords[k].result"
    assert mask_value("${PASSWORD} (environment variable)") == "${PASSWORD} (environment variable)"
    assert mask_value("xInside-A-Word-77") == "xInside-A-Word-77"
    assert mask_value("key=Inside-A-Word-77;") == f"key={mask('Inside-A-Word-77')};"


def test_a_message_quoting_the_observed_value_is_masked_around_the_address() -> None:
    detect("password: db\n")
    policy = _echo()
    resource = _resource("db", {"parameter_group": "db"})
    outcome = Outcome(Status.VIOLATES, "parameter_group", "db", "default.postgres16",
                      "aws_db_instance.db uses db, a custom parameter group")
    finding, _ = Engine([policy])._finding(policy, resource, outcome, {})
    # the policy's template wins over the function's message; the function's own message is masked by value
    assert finding.message == f"parameter group is {mask('db')} on aws_db_instance.db"
    bare = Policy("ME-ECHO-02", ("ME-SEC-01",), "echo", Severity.HIGH, frozenset({"sql_database"}),
                  {"fact": "parameter_group", "op": "==", "value": "x"})
    finding, _ = Engine([bare])._finding(bare, resource, outcome, {})
    assert finding.message == f"aws_db_instance.db uses {mask('db')}, a custom parameter group"


@pytest.mark.parametrize(("fmt", "template", "parse"), [
    ("terraform", 'resource "aws_db_instance" "{name}" {{\n  parameter_group_name = {observed}\n}}', "hcl"),
    ("cloudformation", "Db:\n  Properties:\n    DBParameterGroupName: {observed}\n", "yaml"),
    ("kubernetes", "env:\n  - name: X\n    value: {observed}\n", "yaml"),
    ("arm", '{{"parameterGroup": "{observed}"}}', "json"),
    ("shell", "export PARAMS={observed}\n", "shell"),
])
def test_a_masked_value_keeps_a_snippet_valid_in_its_format(fmt: str, template: str, parse: str) -> None:
    detect(f"password: {SECRET}\n")
    snippet = template.format(name=SECRET, observed=mask_value(SECRET, snippet=True))
    assert SECRET not in snippet.replace(f'"{SECRET}"', "")
    if parse == "hcl":
        hcl_tree.parse(snippet)
    elif parse == "yaml":
        import yaml

        assert yaml.safe_load(snippet)
    elif parse == "json":
        assert json.loads(snippet)
    else:
        import shlex

        assert shlex.split(snippet)


ECHO_PACK = """id: ME-ECHO-01
requirements: [ME-SEC-01]
title: echoes the parameter group of a database
severity: high
applies_to: {kinds: [sql_database]}
check: {fact: parameter_group, op: "!=", value: SECRET_HERE}
message: "parameter group is {observed} on {address}"
remediation:
  description: set the parameter group (was {observed})
""".replace("SECRET_HERE", SECRET)
FORMATS = ("json", "sarif", "text", "markdown", "junit", "gitlab", "github")


def test_every_report_format_keeps_the_address_and_masks_the_value(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text(f'resource "aws_db_instance" "{SECRET}" {{\n  engine = "postgres"\n'
                                  f'  parameter_group_name = "{SECRET}"\n  password = "{SECRET}"\n}}\n')
    pack = tmp_path / "pack" / "ME-ECHO-01"
    pack.mkdir(parents=True)
    (pack / "policy.yaml").write_text(ECHO_PACK)
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in FORMATS}
    args = [arg for fmt, out in outputs.items() for arg in ("--format", f"{fmt}:{out}")]
    result = run_cli("scan", str(repo), "--no-default-policies", "--policies-dir", str(tmp_path / "pack"), *args,
                     env={"COLUMNS": "400"})
    assert result.returncode == 1, result.stderr
    for fmt, out in outputs.items():
        text = out.read_text()
        assert ADDRESS in text, (fmt, text)
        assert mask(SECRET) in text or mask(SECRET).replace(" ", "&#32;") in text, (fmt, text)
        assert SECRET not in text.replace(ADDRESS, ""), (fmt, text)
        assert "aws_****" not in text and "**** (17 chars)" not in text.replace(mask(SECRET), ""), (fmt, text)
    findings = json.loads(outputs["json"].read_text())["findings"]
    echo = [f for f in findings if f["policy_id"] == "ME-ECHO-01"]
    assert [(f["resource"]["address"], f["observed"], f["remediation"]["snippet"]) for f in echo] == \
        [(ADDRESS, mask(SECRET), f"set the parameter group (was {mask(SECRET)})")], echo  # a text fix: masked too


def test_the_packs_fix_for_a_database_named_like_its_password_parses_and_keeps_its_label(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(f'resource "aws_db_instance" "{SECRET}" {{\n  engine   = "postgres"\n'
                                      f'  password = "{SECRET}"\n}}\n')
    result = run_cli("scan", str(tmp_path), "--policy", "ME-DB-09", "--policy", "ME-SEC-01", "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    fixes = {f["policy_id"]: f["remediation"]["snippet"] for f in findings if f["status"] == "violates"}
    assert set(fixes) == {"ME-DB-09", "ME-SEC-01"}, findings
    assert f'resource "aws_db_instance" "{SECRET}"' in fixes["ME-DB-09"]
    for snippet in fixes.values():
        hcl_tree.parse(snippet)
    assert {f["resource"]["address"] for f in findings} == {ADDRESS, "password"}
