"""The benchmark tools: corpora are deterministic and hold what they claim; the measurement sees memory."""

from __future__ import annotations

import filecmp
import json
import sys
from pathlib import Path

from benchmarks import generate, measure
from scanner.mappings import load_paths


def _same_tree(a: Path, b: Path) -> bool:
    compare = filecmp.dircmp(a, b)
    if compare.left_only or compare.right_only or compare.diff_files or compare.funny_files:
        return False
    return all(_same_tree(a / d, b / d) for d in compare.common_dirs)


def test_terraform_corpus_is_seeded_and_holds_the_resources_it_claims(tmp_path: Path) -> None:
    first = generate.terraform(tmp_path / "a", 60, files=9)
    second = generate.terraform(tmp_path / "b", 60, files=9)
    assert _same_tree(first.root, second.root)
    files = list(first.root.rglob("*.tf"))
    assert len(files) == first.files == 9
    outcome = load_paths([first.root], jobs=1)
    assert not outcome.errors
    # a block in the child module appears once per module call (and the secrets check adds credential
    # records): count the declared resource and data blocks by where they are
    blocks = {(r.origin.file, r.origin.line) for r in outcome.resources
              if r.type.startswith(("aws_", "google_", "azurerm_", "data."))}
    assert len(blocks) == first.resources == 60
    types = {r.type for r in outcome.resources}
    assert {"variable", "local", "module"} <= types  # variables, locals and a module call are all there
    generate.terraform(tmp_path / "c", 60, files=9, seed=1)
    assert not _same_tree(first.root, tmp_path / "c")  # the seed is what decides the content


def test_kubernetes_and_monorepo_corpora_load_cleanly(tmp_path: Path) -> None:
    k8s = generate.kubernetes(tmp_path / "k8s", 14)
    outcome = load_paths([k8s.root], jobs=1)
    assert not outcome.errors and len(outcome.resources) == k8s.resources == 14
    mono = generate.monorepo(tmp_path / "mono", 2)
    outcome = load_paths([mono.root], jobs=1)
    assert not outcome.errors
    assert set(outcome.files.values()) == {"terraform", "kubernetes", "cloudformation", "arm"}
    assert outcome.skipped  # the application files no loader claims


def test_measure_reports_memory_and_stops_a_run_past_its_timeout() -> None:
    hold = "import time; block = bytearray(64 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(0.3)"
    sample = measure.run([sys.executable, "-c", hold])
    assert sample.returncode == 0 and not sample.timed_out
    assert sample.maxrss_kib >= 64 * 1024
    assert sample.tree_peak_kib is None or sample.tree_peak_kib >= 48 * 1024
    stopped = measure.run([sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=0.5)
    assert stopped.timed_out and stopped.returncode != 0


def test_same_reports_compares_every_format_with_only_the_run_specific_values_blanked() -> None:
    from benchmarks.same_reports import FORMATS, differences, normalized

    json_report = ('{\n  "generated_at": "2026-01-01T00:00:00+00:00",\n  "duration_seconds": 0.341,\n'
                   '  "findings": [\n    {\n      "duration_seconds": 7\n    }\n  ]\n}\n')
    assert normalized("json", json_report) == ('{\n  "generated_at": null,\n  "duration_seconds": null,\n'
                                               '  "findings": [\n    {\n      "duration_seconds": 7\n    }\n  ]\n}\n')
    assert json.loads(normalized("json", json_report))["generated_at"] is None  # still JSON: findings compare
    junit = ('<testsuites name="specdrift" tests="2" errors="0" time="0.341">\n'
             '  <testsuite name="ME-1" timestamp="2026-01-01T00:00:00" time="0" tests="2" errors="0">\n')
    assert normalized("junit", junit) == ('<testsuites name="specdrift" tests="2" errors="0" time=null>\n'
                                          '  <testsuite name="ME-1" timestamp=null time="0" tests="2" errors="0">\n')
    sarif = '"id": "specdrift/2026-01-01T00:00:00Z"\n"startTimeUtc": "2026-01-01T00:00:00Z"\n"uri": "x"\n'
    assert normalized("sarif", sarif) == '"id": "specdrift/null"\n"startTimeUtc": null\n"uri": "x"\n'
    assert normalized("text", "took 0.3 s\n") == "took 0.3 s\n"  # nothing of the text report is run-specific

    assert set(FORMATS) == {"text", "json", "sarif", "junit", "markdown", "gitlab", "github"}
    same = {fmt: '{"findings": []}' for fmt in FORMATS}
    assert differences(same, dict(same)) == []
    changed = {**same, "markdown": '{"findings": [1]}'}
    assert differences(same, changed)[0] == "  markdown differs"


def test_instructions_reads_callgrinds_count() -> None:
    from benchmarks.instructions import _COLLECTED

    found = _COLLECTED.search("==1== Events    : Ir\n==1== Collected : 651966153\n==1== I   refs:      651,966,153")
    assert found is not None and int(found.group(1)) == 651_966_153
