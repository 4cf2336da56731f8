"""Files read only for context keep their parse between runs (scanner/loaders/parse_cache.py): the same result
as a fresh parse, a miss whenever the file or the code changes, never for a file the scan names, and never a
way to run code from the cache directory."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from scanner.loaders import load_file, parse_cache
from scanner.loaders.base import LoadResult
from scanner.loaders.terraform import TerraformLoader
from tests.conftest import run_cli

MAIN = 'resource "aws_db_instance" "main" {\n  engine = "postgres"\n  backup_retention_period = var.retention\n}\n'
VARIABLES = 'variable "retention" {\n  default = 7\n}\n'


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(directory))
    monkeypatch.delenv("SPECDRIFT_NO_CACHE", raising=False)
    return directory


@pytest.fixture()
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the Terraform loader really parsed."""
    seen: list[str] = []
    original = TerraformLoader.load

    def counting(self: TerraformLoader, path: str, text: str) -> LoadResult:
        seen.append(path)
        return original(self, path, text)

    monkeypatch.setattr(TerraformLoader, "load", counting)
    return seen


def _file(tmp_path: Path, text: str = VARIABLES) -> Path:
    path = tmp_path / "variables.tf"
    path.write_text(text)
    return path


def test_a_context_file_is_parsed_once_and_read_back_the_same(tmp_path: Path, cache: Path,
                                                                parses: list[str]) -> None:
    path = _file(tmp_path)
    first = load_file(path, cached=True)
    second = load_file(path, cached=True)
    assert parses == [str(path)]  # the second came from the cache
    assert first == second and first[1].resources
    assert len(list((cache / "parsed").glob("*.pickle"))) == 1


def test_a_changed_file_is_parsed_again(tmp_path: Path, cache: Path, parses: list[str]) -> None:
    path = _file(tmp_path)
    load_file(path, cached=True)
    path.write_text(VARIABLES.replace("7", "35"))
    _, result = load_file(path, cached=True)
    assert len(parses) == 2
    assert "35" in repr(result.resources[0])


def test_named_files_are_not_kept(tmp_path: Path, cache: Path, parses: list[str]) -> None:
    path = _file(tmp_path)
    load_file(path)
    load_file(path)
    assert len(parses) == 2
    assert not (cache / "parsed").exists()


def test_no_cache_directory_means_no_cache(tmp_path: Path, cache: Path, parses: list[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECDRIFT_NO_CACHE", "1")
    path = _file(tmp_path)
    load_file(path, cached=True)
    load_file(path, cached=True)
    assert len(parses) == 2 and not cache.exists()


def test_a_failed_load_is_not_kept(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(self: TerraformLoader, path: str, text: str) -> LoadResult:
        raise ValueError("the loader's own fault")

    monkeypatch.setattr(TerraformLoader, "load", failing)
    _, result = load_file(_file(tmp_path), cached=True)
    assert result.errors and not (cache / "parsed").exists()


def test_the_code_that_parses_is_part_of_the_key(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "loader.py").write_text("A = 1\n")
    before = parse_cache.fingerprint_of(package, ())
    (package / "loader.py").write_text("A = 22\n")  # another size
    assert parse_cache.fingerprint_of(package, ()) != before
    os.utime(package / "loader.py", ns=(1, 1))
    changed = parse_cache.fingerprint_of(package, ())
    os.utime(package / "loader.py", ns=(2, 2))  # another modification time
    assert parse_cache.fingerprint_of(package, ()) != changed


class _Runs:
    def __init__(self, call: object, *args: object) -> None:
        self.call, self.args = call, args

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (self.call, self.args)


@pytest.mark.parametrize("payload", ["exec", "system", "specdrift"])
def test_a_cache_file_naming_other_code_is_refused(tmp_path: Path, cache: Path, parses: list[str],
                                                   payload: str) -> None:
    from scanner.cli import main

    marker = tmp_path / "ran"
    calls = {"exec": _Runs(exec, f"open({str(marker)!r}, 'w').write('ran')"),
             "system": _Runs(os.system, f"touch {marker}"),
             "specdrift": _Runs(main, ["policies", "docs", "--output", str(marker)])}
    path = _file(tmp_path)
    load_file(path, cached=True)
    [entry] = (cache / "parsed").glob("*.pickle")
    entry.write_bytes(pickle.dumps(calls[payload]))
    _, result = load_file(path, cached=True)
    assert not marker.exists()  # nothing ran
    assert len(parses) == 2 and result.resources  # refused, parsed again


def test_a_torn_cache_file_is_a_miss(tmp_path: Path, cache: Path, parses: list[str]) -> None:
    path = _file(tmp_path)
    load_file(path, cached=True)
    [entry] = (cache / "parsed").glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:20])
    _, result = load_file(path, cached=True)
    assert len(parses) == 2 and result.resources


def test_old_entries_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "parsed"
    directory.mkdir()
    for number in range(12):
        entry = directory / f"{number:02}.pickle"
        entry.write_bytes(b"x")
        os.utime(entry, ns=(number, number))
    monkeypatch.setattr(parse_cache, "KEPT", 8)
    parse_cache._prune(directory)
    assert sorted(p.name for p in directory.iterdir()) == [f"{n:02}.pickle" for n in range(6, 12)]


def test_a_pre_commit_run_sees_a_changed_variable_in_its_context(tmp_path: Path) -> None:
    module = tmp_path / "db"
    module.mkdir()
    (module / "main.tf").write_text(MAIN)
    (module / "variables.tf").write_text(VARIABLES)
    cache = {"SPECDRIFT_CACHE_DIR": str(tmp_path / "cache")}

    def observed() -> list[str]:
        result = run_cli("scan", str(module / "main.tf"), "--format", "json", env=cache)
        return [f["observed"] for f in json.loads(result.stdout)["findings"] if f["policy_id"] == "ME-DB-02"]

    assert observed() == ["7d"]
    assert observed() == ["7d"]  # from the kept parse of variables.tf
    assert list((tmp_path / "cache" / "parsed").glob("*.pickle"))
    (module / "variables.tf").write_text(VARIABLES.replace("7", "35"))
    assert observed() == ["35d"]
