"""One bad value in one file (issue 17): an ``error`` finding naming the file, and the rest of the scan goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from scanner.scan import ScanOptions, scan
from tests.conftest import write_files

GOOD = {"good/postgresql.conf": "ssl = off\n"}  # a file with a finding of its own, to show the scan went on

BAD = {
    "deep.json": ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"X": {"Type": "AWS::S3::Bucket", '
                  '"Properties": {"Tags": ' + "[" * 1000 + "]" * 1000 + "}}}}\n"),
    "deep-object.json": ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"X": {"Type": "AWS::S3::Bucket", '
                         '"Properties": {"Tags": ' + '{"a":' * 1000 + "1" + "}" * 1000 + "}}}}\n"),
    "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\ndata: {a: b}\n",
    "long-number.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: " + "9" * 5000 + "\n",
    "long-number.json": ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"X": {"Type": '
                         '"AWS::RDS::DBInstance", "Properties": {"AllocatedStorage": ' + "9" * 5000 + "}}}}\n"),
    "infinite/postgresql.conf": "shared_buffers = 1e400\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_one_bad_value_is_an_error_finding_naming_its_file(tmp_path: Path, name: str) -> None:
    write_files(tmp_path, {name: BAD[name], **GOOD})
    report = scan(ScanOptions([str(tmp_path)]))
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert any(Path(f.file).name == Path(name).name for f in errors), \
        [(f.file, f.policy_id, f.message) for f in report.findings]
    assert any(f.file.endswith("good/postgresql.conf") and f.status == Status.VIOLATES for f in report.findings)


def test_a_long_number_is_reported_at_its_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"long-number.yaml": BAD["long-number.yaml"]})
    report = scan(ScanOptions([str(tmp_path)]))
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert [(f.line, "digits" in f.message) for f in errors] == [(5, True)], [(f.line, f.message) for f in errors]


def test_json_too_deep_for_the_parser_is_still_searched_for_secrets_line_by_line(tmp_path: Path) -> None:
    text = '{\n  "db_password": "Zq8-unguessable-Hx3",\n  "deep": ' + "[" * 1000 + "]" * 1000 + "\n}\n"
    write_files(tmp_path, {"settings.json": text, **GOOD})
    report = scan(ScanOptions([str(tmp_path)]))
    found = [f for f in report.findings if f.file.endswith("settings.json")]
    assert [(f.policy_id, f.line) for f in found] == [("ME-SEC-01", 2)], [(f.policy_id, f.message) for f in found]


def test_a_loader_failing_to_claim_a_file_is_an_error_finding_for_that_file(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.loaders import LOADERS

    def broken(path: Path, head: str) -> bool:
        if path.name == "odd.conf":
            raise RecursionError("maximum recursion depth exceeded")
        return False

    monkeypatch.setattr(type(LOADERS["redis_conf"]), "claims", lambda self, path, head: broken(path, head))
    write_files(tmp_path, {"odd.conf": "x\n", **GOOD})
    report = scan(ScanOptions([str(tmp_path)]))
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert [(Path(f.file).name, "too deep" in f.message) for f in errors] == [("odd.conf", True)], \
        [(f.file, f.message) for f in errors]
    assert any(f.file.endswith("good/postgresql.conf") and f.status == Status.VIOLATES for f in report.findings)
