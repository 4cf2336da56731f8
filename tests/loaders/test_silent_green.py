"""No silent green (issue 17): what cannot be read is an error finding, never "0 files, exit 0"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import scanner.loaders as loaders
from scanner.baseline import BaselineError, parse_entries
from scanner.loaders import decode, load_file, load_files

MANIFEST = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n" \
           "      containers:\n        - {name: api, image: 'nginx:latest'}\n"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_a_manifest_in_utf16_or_utf32_with_a_bom_is_read(tmp_path: Path, codec: str) -> None:
    data = MANIFEST.encode(codec)
    if not codec.endswith(("le", "be")):
        assert data[:2] in (b"\xff\xfe", b"\xfe\xff")  # the codec wrote its own BOM
    else:
        data = "\ufeff".encode(codec) + data
    assert decode(data) == MANIFEST
    (tmp_path / "deploy.yaml").write_bytes(data)
    fmt, result = load_file(tmp_path / "deploy.yaml")
    assert fmt == "kubernetes" and not result.errors
    assert [r.address for r in result.resources if r.provider == "kubernetes"]


@pytest.mark.parametrize("name", ["deploy.yaml", "values.yml", "template.json", "main.tf", "postgresql.conf",
                                  "schema.sql", "Dockerfile"])
def test_a_binary_file_with_an_iac_name_is_an_error(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"\x00\x01\x02binary\x00" * 100)
    fmt, result = load_file(tmp_path / name)
    assert [e.message for e in result.errors] == ["binary content where text was expected"], (fmt, result)


def test_a_binary_file_with_another_name_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\x00\x01" * 100)
    assert load_file(tmp_path / "logo.png") == (None, loaders.LoadResult())


def test_an_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "deploy.yaml").write_text(MANIFEST)

    def refuse(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(loaders, "_read_capped", refuse)
    _, result = load_file(tmp_path / "deploy.yaml")
    assert [e.message for e in result.errors] == ["cannot read file: Permission denied"]


def test_an_unreadable_directory_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "deploy.yaml").write_text(MANIFEST)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "deploy.yaml").write_text(MANIFEST)
    scandir = os.scandir

    def refuse(path: object) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", refuse)
    outcome = load_files([tmp_path])
    assert any(r.origin.file.endswith("good/deploy.yaml") for r in outcome.resources)
    errors = [(e.file, e.message) for e in outcome.errors]
    assert len(errors) == 1 and errors[0][0].endswith("locked") and "Permission denied" in errors[0][1], errors


ENTRY = {"owner": "me", "reason": "legacy stack", "expires": "2099-12-31"}


@pytest.mark.parametrize("entry", [{"policy": "*", "resource": "x"}, {"policy": "ME-K8S-03", "resource": "*"},
                                   {"policy": "**", "resource": "*?"}])
def test_a_baseline_entry_matching_everything_needs_all_true(entry: dict[str, str]) -> None:
    with pytest.raises(BaselineError, match="all: true"):
        parse_entries([{**entry, **ENTRY}], "b.yaml")
    accepted = parse_entries([{**entry, **ENTRY, "all": True}], "b.yaml")
    assert accepted[0].to_dict()["all"] is True


def test_an_ordinary_entry_is_written_as_before() -> None:
    entry = parse_entries([{"policy": "ME-K8S-*", "resource": "ns/*", **ENTRY}], "b.yaml")[0]
    assert "all" not in entry.to_dict()
    with pytest.raises(BaselineError, match="all"):
        parse_entries([{"policy": "ME-K8S-*", "resource": "ns/*", **ENTRY, "all": "yes"}], "b.yaml")
