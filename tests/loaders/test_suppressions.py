"""Reading ``specdrift:ignore`` in each format's comment syntax (scanner/loaders/suppressions.py)."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.loaders.suppressions import parse_directive, read_suppressions


def test_directive_ids_reason_and_expiry() -> None:
    assert parse_directive(' ME-DB-02,ME-NET-0* reason="restored from snapshot weekly" expires=2027-03-01') == \
        (("ME-DB-02", "ME-NET-0*"), {"reason": "restored from snapshot weekly", "expires": "2027-03-01"}, "")
    assert parse_directive(" ME-DB-02 reason=legacy")[1] == {"reason": "legacy"}
    assert parse_directive(' reason="x"')[2] == "names no policy ID"
    assert "unknown argument" in parse_directive(" ME-DB-02 owner=me")[2]


def _read(tmp_path: Path, name: str, fmt: str, text: str) -> list[tuple[int, int, tuple[str, ...], str]]:
    path = tmp_path / name
    path.write_text(text)
    return [(s.line, s.target, s.ids, s.reason) for s in read_suppressions({str(path): fmt}).get(str(path), [])]


def test_comment_syntax_of_each_format(tmp_path: Path) -> None:
    assert _read(tmp_path, "main.tf", "terraform",
                 'resource "a" "b" {\n  # specdrift:ignore ME-DB-02 reason="r"\n\n  x = 1\n'
                 '  y = 2 // specdrift:ignore ME-DB-03 reason="s"\n  /* specdrift:ignore ME-DB-04 reason="t" */\n'
                 '  z = 3\n}\n') == [(2, 4, ("ME-DB-02",), "r"), (5, 5, ("ME-DB-03",), "s"), (6, 7, ("ME-DB-04",), "t")]
    assert _read(tmp_path, "a.yaml", "kubernetes", 'kind: Pod  # specdrift:ignore ME-K8S-03 reason="r"\n') == \
        [(1, 1, ("ME-K8S-03",), "r")]
    assert _read(tmp_path, "t.sql", "sql", "-- specdrift:ignore ME-PG-01 reason=\"r\"\nALTER SYSTEM SET a = 1;\n") \
        == [(1, 2, ("ME-PG-01",), "r")]
    assert _read(tmp_path, "Dockerfile", "dockerfile", '# specdrift:ignore ME-IMG-01 reason="r"\nUSER root\n') \
        == [(1, 2, ("ME-IMG-01",), "r")]
    # not in a comment: a value that mentions the marker suppresses nothing
    assert _read(tmp_path, "b.yaml", "kubernetes", "note: specdrift:ignore ME-K8S-03\n") == []
    assert _read(tmp_path, "c.sql", "sql", "# specdrift:ignore ME-PG-01 reason=r\n") == []  # not SQL's comment


def test_json_through_a_metadata_entry(tmp_path: Path) -> None:
    template = {"resources": [{"type": "Microsoft.Web/sites", "name": "a", "metadata": {
        "specdrift:ignore": ['ME-DB-04 reason="single zone by design"', 'ME-DB-05 reason="r2"']}},
        {"type": "X", "name": "b", "Metadata": {"specdrift:ignore": 'ME-NET-02 reason="r3"'}}]}
    text = json.dumps(template, indent=2)
    found = _read(tmp_path, "azuredeploy.json", "arm", text)
    lines = text.splitlines()
    assert [(ids, reason) for _, _, ids, reason in found] == [
        (("ME-DB-04",), "single zone by design"), (("ME-DB-05",), "r2"), (("ME-NET-02",), "r3")]
    assert all("specdrift:ignore" in lines[line - 1] or "ME-" in lines[line - 1] for line, _, _, _ in found)


def test_files_without_the_marker_are_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "a" "b" {}\n')
    assert read_suppressions({str(tmp_path / "main.tf"): "terraform", str(tmp_path / "gone.tf"): "terraform"}) == {}
