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
