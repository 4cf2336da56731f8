"""``policy/`` speaks only facts: native resource types and format branches live in the loaders and the mapping
tables (scanner/mappings, relations.py, loaders/addressing.py), and policy code asks by kind, fact or relation.

The test reads the code of ``scanner/policy`` (check functions included): a string literal that names a native type
(``aws_``, ``google_``, ``azurerm_``, ``AWS::``, ``Microsoft.``) or a comparison of a ``format`` with a literal fails,
unless the allow-list below names it with the reason it cannot move. Docstrings and comments may name types: they
explain, they do not decide.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

POLICY = ROOT / "scanner" / "policy"
NATIVE = re.compile(r"\b(?:aws|google|azurerm)_[a-z0-9_]|AWS::|Microsoft\.[A-Z]")
# (file relative to scanner/policy, the literal): why it cannot move. Empty: everything moved.
ALLOWED: dict[tuple[str, str], str] = {}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _format_comparisons(tree: ast.AST) -> list[str]:
    """``x.format == "terraform"`` (or ``!=``, ``in (...)``) with a literal: a branch on the file format."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "format" for s in sides) and any(
                    isinstance(c, ast.Constant) and isinstance(c.value, str)
                    for s in sides for c in ast.walk(s)):
                found.append(ast.unparse(node))
    return found


def offences(root: Path = POLICY) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        relative = str(path.relative_to(root))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip \
                    and NATIVE.search(node.value) and (relative, node.value) not in ALLOWED:
                out.append(f"{relative}:{node.lineno}: native type literal {node.value!r}")
        out += [f"{relative}: format branch {text}" for text in _format_comparisons(tree)
                if (relative, text) not in ALLOWED]
    return out


def test_policy_code_names_no_native_type_and_branches_on_no_format() -> None:
    assert offences() == []


def test_the_check_finds_what_it_forbids(tmp_path: Path) -> None:
    (tmp_path / "rule.py").write_text(
        '"""Reads aws_s3_bucket in its docstring: allowed."""\n'
        'def f(resource):\n'
        '    """google_sql_database_instance: also allowed."""\n'
        '    if resource.format == "terraform":\n'
        '        return resource.type in ("aws_db_instance", "AWS::RDS::DBInstance")\n'
        '    return resource.type == "Microsoft.Cache/redis" or "azurerm_x" in resource.type\n')
    found = offences(tmp_path)
    assert sorted(line.split(": ", 1)[1] for line in found) == [
        "format branch resource.format == 'terraform'", "native type literal 'AWS::RDS::DBInstance'",
        "native type literal 'Microsoft.Cache/redis'", "native type literal 'aws_db_instance'",
        "native type literal 'azurerm_x'"]


def test_every_allowed_literal_is_still_there() -> None:
    text = {str(p.relative_to(POLICY)): p.read_text(encoding="utf-8") for p in POLICY.rglob("*.py")}
    assert [key for key in ALLOWED if key[1] not in text.get(key[0], "")] == []
