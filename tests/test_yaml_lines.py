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
