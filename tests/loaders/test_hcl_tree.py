"""The tree-sitter HCL front end: values, lines, escapes, unresolved expressions, syntax errors."""

from __future__ import annotations

import pytest

from scanner.loaders import LOADERS, hcl_tree
from scanner.loaders.base import BlockList
from scanner.model import Unresolved

SAMPLE = '''resource "aws_x" "y" {
  count   = 2
  ratio   = 1.5e3
  neg     = -3
  on      = true
  nothing = null
  name    = "a\\"b\\n\\u00e9"
  literal = "$${not_interpolated}"
  ref     = var.size
  tmpl    = "pg-${var.env}"
  call    = merge(local.tags, {
    A = 1
  })
  list    = [1, "two", false, { k = "v" }]
  obj     = { "quoted key" = 1, plain = [] }
  kind    = string
  doc     = <<-EOT
    first
      second
  EOT
  dynamic "ingress" {
    for_each = var.ports
    content {
      port = ingress.value
    }
  }
  lifecycle { ignore_changes = [tags] }
}

resource "aws_empty" "e" {}
'''


def _attrs(text: str = SAMPLE) -> dict:
    result = LOADERS["terraform"].load("main.tf", text)
    assert not result.errors, result.errors
    return {r.address: r for r in result.resources}


def test_literals_become_python_values() -> None:
    a = _attrs()["aws_x.y"].attributes
    assert (a["count"], a["ratio"], a["neg"], a["on"], a["nothing"]) == (2, 1500.0, -3, True, None)
    assert a["name"] == 'a"b\n\u00e9'
    assert a["literal"] == "${not_interpolated}"
    assert a["list"] == [1, "two", False, {"k": "v"}]
    assert a["obj"] == {"quoted key": 1, "plain": []}
    assert a["kind"] == "string"
    assert a["doc"] == "first\n  second"


def test_expressions_stay_unresolved_with_their_text() -> None:
    a = _attrs()["aws_x.y"].attributes
    assert a["ref"] == Unresolved("var.size")
    assert a["tmpl"] == Unresolved('"pg-${var.env}"')
    assert isinstance(a["call"], Unresolved) and a["call"].expression == "merge(local.tags, { A = 1 })"


def test_lines_of_blocks_keys_and_nested_blocks() -> None:
    res = _attrs()
    x = res["aws_x.y"]
    assert (x.origin.line, x.origin.end_line) == (1, 28)
    assert x.attributes.key_lines["tmpl"] == 10 and x.attributes.key_lines["dynamic"] == 21
    dynamic = x.attributes["dynamic"]
    assert isinstance(dynamic, BlockList) and dynamic.line == 21
    assert dynamic[0]["__labels__"] == ["ingress"]
    assert (dynamic[0].line, dynamic[0].end_line) == (21, 26)
    assert dynamic[0]["content"][0].key_lines == {"port": 24}
    assert x.attributes["lifecycle"][0]["ignore_changes"] == ["tags"]
    empty = res["aws_empty.e"]
    assert empty.origin.line == 30 and dict(empty.attributes) == {}


@pytest.mark.parametrize(("text", "line"), [
    ('resource "a" "b" {\n  x = 1\n  y = = 2\n}\n', 3),
    ('resource "a" "b" {\n  x = 1\n', 3),
    ('locals {\n  a = [1, 2\n}\n\nvariable "v" {}\n', 3),  # the tuple may span lines: line 3 breaks it
])
def test_syntax_errors_name_the_line(text: str, line: int) -> None:
    with pytest.raises(hcl_tree.HclSyntaxError) as info:
        hcl_tree.parse(text)
    assert info.value.line == line
    assert info.value.message
    result = LOADERS["terraform"].load("bad.tf", text)
    assert [e.line for e in result.errors] == [line] and not result.resources
