"""The validated policy pack is cached on disk, and any change to the pack is seen on the next run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scanner.policy import catalog
from scanner.policy.catalog import PolicyError, load_policies

from .conftest import POLICIES


@pytest.fixture()
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SPECDRIFT_NO_CACHE", raising=False)
    shutil.copytree(POLICIES, tmp_path / "policies")
    return tmp_path / "policies"


def _refuse_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, raw: bytes | None = None) -> None:
        raise AssertionError(f"{path} was validated again")

    monkeypatch.setattr(catalog, "read_policy", refuse)


def test_second_load_comes_from_the_cache(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_policies([pack])
    assert len(list((pack.parent / "cache").glob("policies-*.json"))) == 1
    _refuse_validation(monkeypatch)
    assert load_policies([pack]) == first


def test_an_edited_policy_is_read_again(pack: Path) -> None:
    load_policies([pack])
    policy = next(pack.rglob("policy.yaml"))
    policy.write_text(re.sub(r"(?m)^severity: \w+$", "severity: low", policy.read_text()))
    edited = {p.path: p for p in load_policies([pack])}
    assert edited[str(policy)].severity.value == "low"


def test_an_invalid_policy_fails_even_after_a_valid_run(pack: Path) -> None:
    load_policies([pack])
    policy = next(pack.rglob("policy.yaml"))
    policy.write_text(policy.read_text() + "\nunknown_field: 1\n")
    for _ in range(2):  # never cached: fails every time until fixed
        with pytest.raises(PolicyError):
            load_policies([pack])


def test_added_policy_is_seen(pack: Path) -> None:
    before = load_policies([pack])
    source = next(pack.rglob("policy.yaml"))
    copy = pack / "extra" / "ME-EXTRA" / "policy.yaml"
    copy.parent.mkdir(parents=True)
    copy.write_text(source.read_text().replace(f"id: {before[0].id}", "id: ME-EXTRA-01", 1)
                    .replace(f"id: {source.parent.name}", "id: ME-EXTRA-01", 1))
    assert len(load_policies([pack])) == len(before) + 1


def test_corrupt_or_unusable_cache_is_ignored(pack: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    expected = load_policies([pack])
    for entry in (pack.parent / "cache").glob("policies-*.json"):
        entry.write_text("{not json")
    assert load_policies([pack]) == expected
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(blocker / "cache"))
    assert load_policies([pack]) == expected


def test_cache_can_be_turned_off(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECDRIFT_NO_CACHE", "1")
    load_policies([pack])
    assert not (pack.parent / "cache").exists()


def test_mapping_tables_are_parsed_once_then_read_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    from scanner.policy.pack_cache import cached_documents

    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SPECDRIFT_NO_CACHE", raising=False)
    table = tmp_path / "t.yaml"
    table.write_text("types: {x: {kinds: [a]}}\n")
    calls: list[str] = []

    def parse(path: Path, raw: bytes) -> dict:
        calls.append(path.name)
        return {"types": {"x": {"kinds": ["a"]}}, "size": len(raw)}

    first = cached_documents("mappings", [table], parse)
    second = cached_documents("mappings", [table], parse)
    assert first == second == [{"types": {"x": {"kinds": ["a"]}}, "size": len(table.read_bytes())}]
    assert calls == ["t.yaml"]  # the second call read the cache
    table.write_text("types: {y: {kinds: [b]}}\n")  # an edit is a miss
    cached_documents("mappings", [table], parse)
    assert calls == ["t.yaml", "t.yaml"]


def test_a_value_built_from_several_files_is_cached_until_any_of_them_changes(tmp_path: Path, monkeypatch) -> None:
    from scanner.policy.pack_cache import cached_value

    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SPECDRIFT_NO_CACHE", raising=False)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text("1")
    two.write_text("2")
    built: list[list[bytes]] = []

    def build(contents: list[bytes]) -> dict:
        built.append(contents)
        return {"sum": sum(int(c) for c in contents)}

    assert cached_value("pair", [one, two], build) == {"sum": 3}
    assert cached_value("pair", [one, two], build) == {"sum": 3}
    assert len(built) == 1
    two.write_text("5")  # a change to any file is a miss
    assert cached_value("pair", [one, two], build) == {"sum": 6}
    assert len(built) == 2
    monkeypatch.setenv("SPECDRIFT_NO_CACHE", "1")  # off: built every time
    cached_value("pair", [one, two], build)
    assert len(built) == 3
