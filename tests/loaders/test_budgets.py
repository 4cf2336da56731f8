"""Memory and time budgets (issue 17): a few hundred bytes cannot cost gigabytes or minutes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from scanner import tables
from scanner.loaders import LOADERS, all_loaders
from scanner.loaders.not_infrastructure import what_is
from scanner.loaders.yaml_lines import load_documents


def billion_laughs(levels: int = 8, width: int = 9, head: str = "") -> str:
    """The classic alias bomb: each level an anchored list of ``width`` aliases to the one before."""
    lines = [head + "data:", '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghijk"[: levels - 1]:
        lines.append(f"  {name}: &{name} [" + ",".join([f"*{previous}"] * width) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_its_line() -> None:
    text = billion_laughs(head="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert len(text) < 450
    with pytest.raises(yaml.YAMLError, match="alias") as raised:
        load_documents(text)
    assert getattr(raised.value, "problem_mark", None) is not None


def test_aliases_within_the_budget_are_read_as_before() -> None:
    text = "base: &b {cpu: 1, mem: 2}\nx: *b\ny: {<<: *b, cpu: 3}\nz: [*b, *b, *b]\n"
    documents = load_documents(text)
    assert documents[0]["x"] == {"cpu": 1, "mem": 2} and documents[0]["y"] == {"cpu": 3, "mem": 2}
    assert len(documents[0]["z"]) == 3


def test_an_alias_bomb_in_a_table_is_a_table_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECDRIFT_NO_CACHE", "1")
    table = tmp_path / "baseline.yaml"
    table.write_text(billion_laughs())
    with pytest.raises(tables.TableError, match="alias"):
        tables.read_table(table, "baseline")


def test_an_alias_bomb_in_a_manifest_is_an_error_finding(tmp_path: Path) -> None:
    from scanner.scan import ScanOptions, scan

    (tmp_path / "cm.yaml").write_text(billion_laughs(head="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"))
    (tmp_path / "redis.conf").write_text("bind 0.0.0.0\nprotected-mode no\n")
    started = time.perf_counter()
    report = scan(ScanOptions([str(tmp_path)]))
    assert time.perf_counter() - started < 20
    errors = [(Path(f.file).name, f.message) for f in report.findings if f.status.value == "error"]
    assert len(errors) == 1 and errors[0][0] == "cm.yaml" and "alias" in errors[0][1], errors
    assert any(f.file.endswith("redis.conf") and f.status.value == "violates" for f in report.findings)


ADVERSARIAL_HEADS = {
    "blank lines": " \n",
    "tabs": "\t\n",
    "braces": "{",
    "open keyword lines": "resource \n",
    "quotes": '"',
    "colons": "a:",
    "dashes": "- ",
    "hashes": "#",
}
NAMES = ("x.yaml", "x.json", "x.conf", "x.sh", "x.tf", "Dockerfile", "x.sql", "x.js", "x")


def _claim_time(head: str) -> float:
    started = time.perf_counter()
    for name in NAMES:
        path = Path(name)
        what_is(path, head)
        for loader in all_loaders():
            if loader.name != "plaintext":  # searches for secrets: its own regexes are timed below
                loader.claims(path, head)
    return time.perf_counter() - started


@pytest.mark.parametrize("unit", sorted(ADVERSARIAL_HEADS))
def test_format_detection_is_linear_in_the_head(unit: str) -> None:
    """Every loader's sniffing of a 64 KiB head: four times the text may take about four times as long (a
    quadratic pattern takes sixteen); loose, so a busy machine does not fail it."""
    text = ADVERSARIAL_HEADS[unit]
    small, large = text * (16384 // len(text)), text * (65536 // len(text))
    _claim_time(small)  # imports and caches first
    small_time = min(_claim_time(small) for _ in range(3))
    large_time = min(_claim_time(large) for _ in range(3))
    assert large_time < 8 * small_time + 0.05, (unit, small_time, large_time)
    assert large_time < 2.0, (unit, large_time)


def test_the_secret_detector_is_linear_on_adversarial_text() -> None:
    from scanner.loaders.secrets import detect

    for text in ADVERSARIAL_HEADS.values():
        small, large = text * (16384 // len(text)), text * (65536 // len(text))
        detect(small)
        small_time = min(_timed(detect, small) for _ in range(3))
        large_time = min(_timed(detect, large) for _ in range(3))
        assert large_time < 8 * small_time + 0.05, (text, small_time, large_time)


def _timed(function: object, text: str) -> float:
    started = time.perf_counter()
    function(text)  # type: ignore[operator]
    return time.perf_counter() - started


def test_loaders_are_all_timed() -> None:
    assert "terraform" in LOADERS.names() and len(all_loaders()) > 10


@pytest.mark.parametrize("name", ["cm.yaml", "template.json"])
def test_flow_nesting_deep_enough_to_crash_libyaml_is_refused(tmp_path: Path, name: str) -> None:
    """100,000 nested brackets overflowed libyaml's C stack: the process died with no report at all."""
    import subprocess
    import sys

    deep = "[" * 100_000 + "]" * 100_000
    text = CFN_TEMPLATE.replace("TAGS", deep) if name.endswith(".json") else \
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: " + deep + "\n"
    (tmp_path / name).write_text(text)
    result = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path), "-f", "json"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    messages = [f["message"] for f in json.loads(result.stdout)["findings"]]
    assert any("nesting deeper than" in m for m in messages), messages


CFN_TEMPLATE = ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"X": {"Type": "AWS::S3::Bucket", '
                '"Properties": {"Tags": TAGS}}}}\n')


# --- parse time and memory per file (issue 17) -------------------------------------------------------------

GOOD_TF = 'resource "aws_db_instance" "db" {\n  publicly_accessible = true\n}\n'


def _scan(tmp_path: Path) -> tuple[list[object], float]:
    from scanner.model import Status
    from scanner.scan import ScanOptions, scan

    started = time.monotonic()
    findings = scan(ScanOptions(paths=[str(tmp_path)])).findings
    took = time.monotonic() - started
    return [f for f in findings if f.status == Status.ERROR or f.file.endswith("good.tf")], took


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.loaders import budget

    monkeypatch.setattr(budget, "_seconds", 0.3)
    monkeypatch.setenv("SPECDRIFT_JOBS", "1")  # in this process: the budget set here is the one that runs


SLOW_TO_PARSE = {
    # tree-sitter (C): stopped by its input callback; a 4.5 MB heredoc takes seconds
    "big.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = <<EOT\n' + ("a" * 75 + "\n") * 60_000 + "EOT\n}\n",
    # a Python loader: stopped by the alarm
    "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"
               + "".join(f"  key{i}: [{i}, {{a: b, c: [d, e]}}]\n" for i in range(150_000)),
}


@pytest.mark.parametrize("name", sorted(SLOW_TO_PARSE))
def test_a_parse_past_the_time_budget_is_an_error_finding(tmp_path: Path, budget: None, name: str) -> None:
    (tmp_path / name).write_text(SLOW_TO_PARSE[name])
    (tmp_path / "good.tf").write_text(GOOD_TF)
    findings, took = _scan(tmp_path)
    errors = [f for f in findings if f.file.endswith(name)]  # type: ignore[attr-defined]
    assert len(errors) == 1 and "longer than 0.3s" in errors[0].message, errors  # type: ignore[attr-defined]
    assert any(f.file.endswith("good.tf") for f in findings)  # type: ignore[attr-defined]
    assert took < 20


def test_a_parse_growing_memory_past_its_budget_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.loaders import budget

    monkeypatch.setattr(budget, "PARSE_MEMORY", 32 << 20)
    monkeypatch.setenv("SPECDRIFT_JOBS", "1")
    # a 1 MB string: tree-sitter's HCL grammar holds ~200 bytes per byte of it
    (tmp_path / "string.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "' + "a" * (1 << 20) + '"\n}\n')
    (tmp_path / "good.tf").write_text(GOOD_TF)
    findings, _ = _scan(tmp_path)
    errors = [f for f in findings if f.file.endswith("string.tf")]  # type: ignore[attr-defined]
    assert len(errors) == 1 and "more than 32 MiB of memory" in errors[0].message, errors  # type: ignore


def test_the_parse_budget_is_a_cli_flag_and_a_usage_error_when_bad(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    (tmp_path / "good.tf").write_text(GOOD_TF)
    assert run_cli("scan", str(tmp_path), "--parse-timeout", "0").returncode == 2
    result = run_cli("scan", str(tmp_path), "--parse-timeout", "5", "--format", "json")
    assert result.returncode == 1 and json.loads(result.stdout)["summary"]["by_status"]["violates"] > 0


def test_a_tree_parsed_within_the_budget_reads_its_texts_from_the_bytes_not_through_the_callback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """node.text of a callback-parsed tree calls the callback again: a shell script's walk paid a /proc reading
    per word (acme.sh 1.0 s -> 2.0 s)."""
    import tree_sitter
    import tree_sitter_bash

    from scanner.loaders import budget

    readings = []
    real = budget._rss
    monkeypatch.setattr(budget, "_rss", lambda: readings.append(1) or real())
    source = b"".join(b"echo word%d 'quoted %d' \"$x\"\n" % (i, i) for i in range(budget.CHUNK // 8))
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    tree = budget.parse_tree(parser, source)
    during = len(readings)
    texts = [node.text for node in tree.root_node.children]
    assert len(readings) == during and texts[0] == b"echo word0 'quoted 0' \"$x\""
    assert str(tree.root_node) == str(parser.parse(source).root_node)
