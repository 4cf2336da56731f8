"""One way to read a YAML table (``scanner.tables``): parsed, validated, cached by content, and any change
seen on the next run; errors in the caller's type, naming the file (and the line); a cache entry of the
wrong shape ignored."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from scanner import tables
from scanner.policy.pack import PolicyError, load_policies
from tests.conftest import POLICIES


@pytest.fixture()
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SPECDRIFT_NO_CACHE", raising=False)
    shutil.copytree(POLICIES, tmp_path / "policies")
    return tmp_path / "policies"


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SPECDRIFT_NO_CACHE", raising=False)
    return tmp_path / "cache"


def _refuse_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, *args: object) -> None:
        raise AssertionError(f"{path} was parsed or validated again")

    monkeypatch.setattr(tables, "_parse", refuse)
    monkeypatch.setattr(tables, "_problems", refuse)


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


def test_a_table_is_parsed_once_then_read_from_the_cache(tmp_path: Path, cache: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "t.yaml"
    table.write_text("types: {x: {kinds: [a]}}\n")
    parsed: list[str] = []
    real = tables._parse
    monkeypatch.setattr(tables, "_parse", lambda path, raw, error: parsed.append(path.name) or real(path, raw, error))
    first = tables.read_table(table, "mappings")
    assert tables.read_table(table, "mappings") == first == {"types": {"x": {"kinds": ["a"]}}}
    assert parsed == ["t.yaml"]  # the second call read the cache
    table.write_text("types: {y: {kinds: [b]}}\n")  # an edit is a miss
    assert tables.read_table(table, "mappings") == {"types": {"y": {"kinds": ["b"]}}}
    assert parsed == ["t.yaml", "t.yaml"]


def test_values_json_cannot_hold_come_back_from_the_cache_as_they_were(tmp_path: Path, cache: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "t.yaml"
    table.write_text("cli:\n  flag: {true: on-cmd, false: off-cmd}\n  ports: {80: http, 1.5: odd, null: none}\n"
                     "expires: 2030-01-31\nat: 2030-01-31T10:00:00\nodd: {\"\\0items\": [1]}\n")
    first = tables.read_table(table, "odd")
    assert first["cli"]["flag"] == {True: "on-cmd", False: "off-cmd"}
    assert first["expires"] == dt.date(2030, 1, 31) and first["at"] == dt.datetime(2030, 1, 31, 10)
    _refuse_validation(monkeypatch)
    again = tables.read_table(table, "odd")
    assert again == first and list(again["cli"]["ports"]) == [80, 1.5, None]
    assert type(again["expires"]) is dt.date and again["odd"] == {"\0items": [1]}


def test_a_value_no_tag_holds_is_read_but_not_cached(tmp_path: Path, cache: Path) -> None:
    table = tmp_path / "t.yaml"
    table.write_text("blob: !!binary aGVsbG8=\n")
    assert tables.read_table(table, "binary") == {"blob": b"hello"}
    assert not list(cache.glob("binary-*.json"))


@pytest.mark.parametrize("documents", [
    None, "[5]", '["a", "b"]', '{"a": 1}', '[{"\\u0000items": [[[1], 2]]}]', '[{"\\u0000date": 5}]', "[{not json",
])
def test_a_cache_entry_of_the_wrong_shape_is_ignored(tmp_path: Path, cache: Path, documents: str | None) -> None:
    """Even with the right hash: an entry whose documents are not a list of one value per file is a miss."""
    table = tmp_path / "t.yaml"
    table.write_text("a: 1\n")
    assert tables.read_table(table, "shape") == {"a": 1}
    (entry,) = cache.glob("shape-*.json")
    if documents is None:
        entry.write_text("[1, 2]")
    else:
        header = {"format": tables.FORMAT, "sha256": tables._digest(entry, documents.encode())}
        entry.write_text(json.dumps(header) + "\n" + documents)
    assert tables.read_table(table, "shape") == {"a": 1}


class _CallerError(Exception):
    pass


def test_errors_are_the_callers_type_and_name_the_file(tmp_path: Path, cache: Path) -> None:
    missing, broken, binary = tmp_path / "missing.yaml", tmp_path / "broken.yaml", tmp_path / "binary.yaml"
    broken.write_text("a: [1, 2\n")
    binary.write_bytes(b"a: \xff\n")
    for path in (missing, broken, binary):
        with pytest.raises(_CallerError, match=re.escape(str(path))):
            tables.read_table(path, "user", error=_CallerError)
    assert not list(cache.glob("user-*.json"))


def test_a_schema_error_names_the_file_and_the_line(tmp_path: Path, cache: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"size": {"type": "integer"}}}}}}))
    table = tmp_path / "t.yaml"
    table.write_text("# sizes\nitems:\n  - size: 1\n  - size: 2\n  - size: big\n")
    for _ in range(2):  # never cached: fails every time until fixed
        with pytest.raises(_CallerError, match=rf"^{re.escape(str(table))}:5: items/2/size: 'big' is not of type"):
            tables.read_table(table, "checked", schema=schema, error=_CallerError)
    table.write_text("items:\n  - size: 1\n")
    assert tables.read_table(table, "checked", schema=schema, error=_CallerError) == {"items": [{"size": 1}]}
    with pytest.raises(_CallerError, match=r"^in hand: items/0/size: 'x' is not of type 'integer'$"):
        tables.validate({"items": [{"size": "x"}]}, schema, "in hand", _CallerError)  # data with no file: no line
    schema.write_text(json.dumps({"type": "object", "required": ["name"]}))  # a schema change revalidates
    with pytest.raises(_CallerError, match=r":1: \(top\): 'name' is a required property"):
        tables.read_table(table, "checked", schema=schema, error=_CallerError)


def test_the_policy_error_names_the_line_of_the_bad_value(tmp_path: Path, pack: Path) -> None:
    policy = next(pack.rglob("policy.yaml"))
    lines = policy.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("severity:"))
    lines[number - 1] = "severity: extreme"
    policy.write_text("\n".join(lines) + "\n")
    with pytest.raises(PolicyError, match=rf"{re.escape(str(policy))}:{number}: severity: 'extreme' is not one of"):
        load_policies([pack])


def test_the_aws_cli_templates_come_from_the_mapping_tables_cached(cache: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.mappings import TABLE_DIR

    files = sorted(TABLE_DIR.glob("*.yaml"))
    cold = tables.read_tables("mappings", files)
    _refuse_validation(monkeypatch)
    warm = tables.read_tables("mappings", files)
    assert warm == cold
    cli = next(data["cli"] for data in warm if data and "cli" in data)
    assert cli["AWS::RDS::DBInstance"]["publicly_accessible"][False].startswith("aws rds modify-db-instance")
    from scanner.mappings.remediation import cli_templates

    assert cli_templates()["AWS::RDS::DBInstance"]["publicly_accessible"]["false"] == \
        cli["AWS::RDS::DBInstance"]["publicly_accessible"][False]


def test_tables_sit_at_the_bottom_of_the_layers() -> None:
    """Nothing of specdrift but its version and the digest (which imports nothing of specdrift itself)."""
    import ast

    tree = ast.parse(Path(tables.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert sorted(m for m in imported if m and m.startswith("scanner")) == ["scanner", "scanner.digest"]


def test_a_value_built_from_several_files_is_cached_until_any_of_them_changes(tmp_path: Path, cache: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text("1")
    two.write_text("2")
    built: list[list[bytes]] = []

    def build(contents: list[bytes]) -> dict:
        built.append(contents)
        return {"sum": sum(int(c) for c in contents)}

    assert tables.cached_value("pair", [one, two], build) == {"sum": 3}
    assert tables.cached_value("pair", [one, two], build) == {"sum": 3}
    assert len(built) == 1
    two.write_text("5")  # a change to any file is a miss
    assert tables.cached_value("pair", [one, two], build) == {"sum": 6}
    assert len(built) == 2
    monkeypatch.setenv("SPECDRIFT_NO_CACHE", "1")  # off: built every time
    tables.cached_value("pair", [one, two], build)
    assert len(built) == 3


def test_installed_files_are_known_by_their_stamp_and_not_read_on_a_hit(tmp_path: Path, cache: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "definitions.json"
    data.write_text("1")
    built: list[list[bytes]] = []

    def build(contents: list[bytes]) -> int:
        built.append(contents)
        return int(contents[0])

    assert tables.cached_value("data", [data], build, installed=True) == 1
    read_bytes = Path.read_bytes

    def reading(path: Path) -> bytes:
        assert path != data, "the installed file was read on a hit"
        return read_bytes(path)

    with monkeypatch.context() as patched:
        patched.setattr(Path, "read_bytes", reading)
        assert tables.cached_value("data", [data], build, installed=True) == 1
    data.write_text("22")  # reinstalled: another size (and time)
    assert tables.cached_value("data", [data], build, installed=True) == 22
    assert len(built) == 2


@pytest.mark.parametrize("documents", [[{"x": 1}], [[1]], [None]])
def test_a_policy_cache_entry_changed_by_hand_is_not_trusted(pack: Path, documents: list[object]) -> None:
    """Issue 17: an entry of the right outer shape but the wrong content (corrupt, or tampered with) broke
    every later run until deleted; each entry carries a hash of its content, checked on reading."""
    expected = load_policies([pack])
    for entry in (pack.parent / "cache").glob("policies-*.json"):
        header = entry.read_text().split("\n", 1)[0]  # format and version as written, then the documents
        entry.write_text(header + "\n" + json.dumps(documents * len(expected)))
    assert load_policies([pack]) == expected


def test_a_cache_entry_moved_to_another_key_is_not_trusted(tmp_path: Path, cache: Path) -> None:
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text("a: 1\n")
    two.write_text("a: 2\n")
    tables.read_table(one, "moved")
    (first,) = cache.glob("moved-*.json")
    tables.read_table(two, "moved")
    (second,) = set(cache.glob("moved-*.json")) - {first}
    second.write_bytes(first.read_bytes())  # a valid entry, under the key of another content
    assert tables.read_table(two, "moved") == {"a": 2}
