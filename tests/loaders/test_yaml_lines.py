"""Line-aware YAML: the same values PyYAML's safe loader gives, plus lines."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from scanner.loaders.yaml_lines import LineDict, LineList, load_documents

TEXT = """base: &base
  name: api
  ports: [80, 443]
derived:
  <<: *base
  name: worker
again: *base
when: 2024-05-01
number: 0x1F
float: 1.5e3
yes_no: yes
empty:
text: "quoted"
---
- a
- {b: [1, null]}
"""


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_values_match_pyyaml_safe_load() -> None:
    assert [_plain(d) for d in load_documents(TEXT)] == list(yaml.safe_load_all(TEXT))


def test_lines_and_aliases() -> None:
    first, second = load_documents(TEXT)
    assert isinstance(first, LineDict) and isinstance(second, LineList)
    assert first.key_lines["derived"] == 4 and first["derived"].line == 5
    assert first["derived"]["ports"].line == 3  # merged from the anchor, lines of the anchor
    assert first["again"] is first["base"]  # an alias is the same object, as in PyYAML
    assert second.line == 15 and second[1].line == 16


def test_cloudformation_tags_and_bad_keys() -> None:
    doc = load_documents("A: !Ref Param\nB: !GetAtt Db.Endpoint\nC: !Sub ['${x}', {x: 1}]\n", cfn_tags=True)[0]
    assert doc["A"] == {"Ref": "Param"} and doc["B"] == {"Fn::GetAtt": ["Db", "Endpoint"]}
    assert doc["C"]["Fn::Sub"][1] == {"x": 1}
    with pytest.raises(yaml.YAMLError):
        load_documents("? [a, b]\n: 1\n")


SCALARS = """plain: [abc, 'quoted', "dq", yes, No, on, OFF, ~, null, '', 012, 0o17, 0x_1F, 1_000, -0b101, 190:20:30,
  .inf, -.Inf, .NaN, 1.5, -2.5e+3, 1e5, 2001-12-14t21:59:43.10-05:00, 2002-12-14, <<x, "<<", 'true']
keys: {1: one, true: yes, null: nothing, 2.5: float, 2024-01-02: date}
"""


@pytest.mark.parametrize("text", [SCALARS, TEXT, "anchored: &a 1\nalias: *a\nm: {<<: {k: v}}\n"])
def test_scalars_and_keys_match_pyyaml_twice(text: str) -> None:
    # twice: the second load answers from the per-process caches of resolved tags and constructed scalars
    expected = list(yaml.safe_load_all(text))
    for _ in range(2):
        assert repr([_plain(d) for d in load_documents(text)]) == repr(expected)


@pytest.mark.parametrize("merge", ["!!merge", "!!merg%65", "!<tag:yaml.org,2002:merge>"])
def test_merge_tag_and_key_lines_of_other_keys(merge: str) -> None:
    # however the merge tag is spelled (a URI escape included), the mapping merges as PyYAML merges it
    doc = load_documents(f"a: &x {{k: 1}}\nb:\n  {merge} : *x\n  j: 2\nc:\n  1: one\n  true: yes\n")[0]
    assert doc["b"] == {"k": 1, "j": 2}
    assert doc["c"].key_lines == {"1": 6, "True": 7}


def _with_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return (value.line, value.end_line, dict(value.key_lines), {k: _with_lines(v) for k, v in value.items()})
    if isinstance(value, list):
        return (getattr(value, "line", None), getattr(value, "end_line", None), [_with_lines(v) for v in value])
    return value


def test_intrinsics_same_without_and_with_an_anchor() -> None:
    # a text without anchors takes the short path for short-form tags; one anchor sends it through PyYAML's
    text = """R:
  Properties:
    A: !Sub ['${x}-${y}', {x: !Ref P, y: !GetAtt [Db, Port]}]
    B: !If [Cond, !Join ['', [a, !Ref Q]], 3]
    C: !GetAtt Db.Endpoint.Address
    D: !Select [0, !GetAZs '']
"""
    anchored = text + "Z: &z 1\n"
    plain = load_documents(text, cfn_tags=True)[0]
    generic = load_documents(anchored, cfn_tags=True)[0]
    assert _with_lines(plain["R"]) == _with_lines(generic["R"])
    assert plain["R"]["Properties"]["C"] == {"Fn::GetAtt": ["Db", "Endpoint.Address"]}


def _outcome(load: Any, text: str, cfn_tags: bool) -> Any:
    try:
        return _with_lines(load(text, cfn_tags))
    except Exception as exc:  # the same error, at the same place
        mark = getattr(exc, "problem_mark", None)
        return type(exc).__name__, str(getattr(exc, "problem", exc)), mark.line if mark else None


EDGES = [
    "", "---\n", "--- \n...\n---\na: 1\n", "a: 1\n---\n- [b, {c: d}]\n", "a: [1, 2\nb: 3\n",  # unclosed flow
    "a: 1\n---\nb: [\n", "a:\n  - b\n - c\n", "? [a, b]\n: 1\nc: d e: f\n",  # an unhashable key, then bad syntax
    "? [a, b]\n: 1\n---\nc: 1\n", "a: *nope\n", "a: 2024-13-45\n", "a: !!binary aGVsbG8=\n", "a: !!set {x, y}\n",
    "a: !!omap [{x: 1}]\n", "a: !!pairs [{x: 1}]\n", "a: !Local x\n", "a: =\nb: !!merge x\n",
    "x: {<<: {a: 1}, b: 2}\n", "x: !!map {a: !!seq [1, 2]}\n", "a: !!int '0x1F'\nb: !!float '1'\n",
    'R:\n  P: !If [C, !Sub ["${a}-${b}", {a: !Ref X, b: !GetAtt [Y, Z]}], !Ref AWS::NoValue]\n  Q: !Ref [a]\n',
    "A: !Sub\n  - x\n  - y: !Ref [a, {b: c}]\n", "{\"a\": [1, 2.5, true, null, \"x\"], \"b\": {}}\n",
    "a: 1\nb: !Ref\n", "key: value\n  bad indent: x\n", "\t- tab\n", "a: |\n  text\n  more\nb: >-\n  folded\n",
]


def _from_nodes(monkeypatch: pytest.MonkeyPatch) -> Any:
    """load_documents as it builds a text with an anchor: from PyYAML's composed nodes."""
    from scanner.loaders import yaml_lines

    def nodes_needed(_loader: Any) -> list[Any]:
        raise yaml_lines._NodesNeeded

    def load(text: str, cfn_tags: bool) -> Any:
        with monkeypatch.context() as patch:
            patch.setattr(yaml_lines, "_event_documents", nodes_needed)
            return load_documents(text, cfn_tags)

    return load


@pytest.mark.parametrize("text", EDGES)
@pytest.mark.parametrize("cfn_tags", [False, True])
def test_events_build_what_nodes_build(text: str, cfn_tags: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # the texts built from events give what PyYAML's composed nodes give: values, lines, errors and their places
    assert _outcome(load_documents, text, cfn_tags) == _outcome(_from_nodes(monkeypatch), text, cfn_tags)


@pytest.mark.parametrize("shape", ["[", "{a: ", "- ", "k:", "!Sub "])
def test_nesting_too_deep_is_the_same_either_way(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # at every depth around where Python's recursion limit stops the build: the same value or the same error
    import sys

    from_nodes = _from_nodes(monkeypatch)

    def text(depth: int) -> str:
        if shape in ("[", "{a: ", "!Sub "):
            return (shape if shape != "!Sub " else "!Sub [") * depth + "x" + ("]" if shape != "{a: " else "}") * depth
        return "".join("  " * i + shape + "\n" for i in range(depth)) + "  " * depth + "x\n"

    limit = sys.getrecursionlimit()
    for depth in [*range(limit // 3 - 12, limit // 3 + 12), *range(limit // 2 - 6, limit // 2 + 6),
                  *range(limit - 12, limit + 6)]:
        events, nodes = _outcome(load_documents, text(depth), True), _outcome(from_nodes, text(depth), True)
        if isinstance(nodes, tuple) and nodes[0] == "RecursionError":
            assert isinstance(events, tuple) and events[0] == "RecursionError", depth
        else:
            assert events == nodes, depth


@pytest.mark.parametrize(("text", "walked"), [
    ('url: "https://example.com/?a=1&b=2"\nexpr: rate(x[5m]) * 100\n', False),  # an & in a string: no alias
    ("base: &b {cpu: 1}\nother: {cpu: 2}\n", False),                           # an anchor nobody uses
    ("base: &b {cpu: 1}\nother: *b\n", True),
    ("list: [&a 1, *a]\n", True),
    ("base: &b {cpu: 1}\nmerged:\n  <<: *b\n", True),
])
def test_the_alias_budget_walks_only_texts_with_an_alias(text: str, walked: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.loaders import yaml_lines

    calls: list[object] = []
    monkeypatch.setattr(yaml_lines, "check_aliases", calls.append)
    yaml_lines.load_documents(text)
    assert bool(calls) is walked
