"""Policy validation for the people who write policies: every error of a file at once, each with the file, the
line and the path, the error of the alternative the value was meant to be (not jsonschema's "is not valid under
any of the given schemas"), and the closest known names for an unknown fact, kind, function or source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.catalog import LIVE_SOURCES
from scanner.loaders import LOADERS
from scanner.policy.pack import PolicyError, load_policies, parse_policy, validate
from scanner.policy.schema import known_sources

_GOOD = """\
id: ME-DB-99
requirements: [ME-DB-02]
title: a test policy
severity: high
sources: [terraform, cloudformation]
applies_to:
  kinds: [sql_database]
check:
  all:
    - {fact: backup_retention, op: exists}
    - {function: ssd_storage, args: {ssd_types: [gp3]}}
"""


def _write(tmp_path: Path, text: str, name: str = "p") -> Path:
    path = tmp_path / name / "policy.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def _errors(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as raised:
        parse_policy(path)
    return str(raised.value).splitlines()


def test_a_valid_policy_validates(tmp_path: Path) -> None:
    assert parse_policy(_write(tmp_path, _GOOD)).id == "ME-DB-99"


@pytest.mark.parametrize(("wrong", "right", "line", "location", "suggestion"), [
    ("fact: backup_retention,", "fact: backup_retenton,", 10, "check/all/0/fact", "`backup_retention`"),
    ("function: ssd_storage,", "function: ssd_storag,", 11, "check/all/1/function", "`ssd_storage`"),
    ("kinds: [sql_database]", "kinds: [sql_databse]", 7, "applies_to/kinds/0", "`sql_database`"),
    ("sources: [terraform, cloudformation]", "sources: [terraform, cloudformaton]", 5, "sources/1",
     "`cloudformation`"),
])
def test_an_unknown_name_gets_its_line_path_and_closest_known_names(
        tmp_path: Path, wrong: str, right: str, line: int, location: str, suggestion: str) -> None:
    path = _write(tmp_path, _GOOD.replace(wrong, right))
    [error] = _errors(path)
    assert error.startswith(f"{path}:{line}: {location}: ")
    assert f"did you mean {suggestion}" in error
    assert "is not valid under any of the given schemas" not in error
    assert len(error) < 300, "a long enum is named, not listed"


def test_every_error_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (_GOOD.replace("backup_retention,", "backup_retenton,").replace("ssd_storage,", "ssd_storag,")
            .replace("severity: high", "severity: extreme"))
    errors = _errors(_write(tmp_path, text))
    assert [re.sub(r"^.*?:(\d+): ([^:]+):.*$", r"\1 \2", e) for e in errors] == [
        "10 check/all/0/fact", "11 check/all/1/function", "4 severity"]
    assert "'extreme' is not one of ['info', 'low'" in errors[2], "a short enum is listed as jsonschema says it"


def test_every_broken_file_of_a_pack_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, _GOOD.replace("backup_retention,", "backup_retenton,"), "a")
    other = _GOOD.replace("ME-DB-99", "ME-DB-98").replace("kinds: [sql_database]", "kinds: [sql_databse]")
    _write(tmp_path, other, "b")
    with pytest.raises(PolicyError) as raised:
        load_policies([tmp_path])
    assert [line.split(": ", 1)[0][len(str(tmp_path)):] for line in str(raised.value).splitlines()] == [
        "/a/policy.yaml:10", "/b/policy.yaml:7"]


@pytest.mark.parametrize(("check", "expected"), [
    ({"fact": "backup_retention"}, "check: 'op' is a required property"),
    ({"fact": "backup_retention", "op": "exists", "valu": 1}, "check: Additional properties are not allowed"),
    ({"function": "ssd_storage", "arg": {}}, "check: Additional properties are not allowed"),
    ({"not": {"fact": "backup_retenton", "op": "exists"}}, "check/not/fact: 'backup_retenton' is not a known fact"),
])
def test_a_malformed_check_is_explained_by_the_shape_it_was_meant_to_have(check: dict[str, object],
                                                                         expected: str) -> None:
    policy = {"id": "ME-DB-99", "requirements": ["ME-DB-02"], "title": "a test policy", "severity": "high",
              "applies_to": {"kinds": ["sql_database"]}, "check": check}
    with pytest.raises(PolicyError, match=rf"^in hand: {re.escape(expected)}"):
        validate(policy, "in hand")


def test_the_sources_a_policy_may_claim_are_the_loaders_and_the_live_sources() -> None:
    known = set(known_sources())
    assert set(LOADERS.names()) | set(LIVE_SOURCES) | {"any"} <= known
    assert {"aws", "postgres"} <= known  # the live sources' short names
    assert not known - set(LOADERS.names()) - set(LIVE_SOURCES) - {"any", "aws", "gcp", "azure", "postgres", "redis"}
