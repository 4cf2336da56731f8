"""YAML with line numbers on every mapping and key, and CloudFormation short-form tags.

Loaders subclass the C (or pure-Python) SafeLoader locally, so PyYAML's global loaders are
never changed: another library in the same process still sees stock behaviour.
"""

from __future__ import annotations

from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict[Any, Any]):
    """A mapping that remembers the lines it spans and the line of each key (1-based)."""

    line: int = 0
    end_line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    @classmethod
    def at(cls, line: int) -> LineDict:
        """An empty mapping starting (and for now ending) at ``line``, for loaders that build one."""
        out = cls()
        out.line = out.end_line = line
        out.key_lines = {}
        return out

    def put(self, key: str, value: Any, line: int) -> None:
        """Set ``key`` as written at ``line``; the mapping then ends no earlier than that line."""
        self[key] = value
        self.key_lines[key] = line
        self.end_line = max(self.end_line, line)


class LineList(list[Any]):
    line: int = 0
    end_line: int = 0


class LineLoader(_Base):
    """SafeLoader that builds LineDict/LineList nodes."""


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.end_line = node.end_mark.line + (0 if node.end_mark.column == 0 else 1)
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable key", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.end_line = node.end_mark.line + 1
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class CfnLineLoader(LineLoader):
    """LineLoader that also reads CloudFormation's short-form intrinsic functions (``!Ref`` ...)."""


def _construct_intrinsic(loader: Any, tag_suffix: str, node: yaml.Node) -> LineDict:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = _construct_sequence(loader, node)
    elif isinstance(node, yaml.MappingNode):
        value = _construct_mapping(loader, node)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{tag_suffix}", node.start_mark)
    result = LineDict({name: value})
    result.line = result.end_line = node.start_mark.line + 1
    result.key_lines = {name: result.line}
    return result


CfnLineLoader.add_multi_constructor("!", _construct_intrinsic)


def load_documents(text: str, cfn_tags: bool = False) -> list[Any]:
    """Every document of a (multi-document) YAML text, with line information."""
    loader = (CfnLineLoader if cfn_tags else LineLoader)(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            documents.append(loader.construct_document(node))
        return documents
    finally:
        loader.dispose()


def error_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None
