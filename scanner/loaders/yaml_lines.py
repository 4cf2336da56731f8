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

    # Slots, not an instance dictionary: a large scan holds hundreds of thousands of these (168 bytes each).
    __slots__ = ("end_line", "key_lines", "line")
    line: int
    end_line: int
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = self.end_line = 0

    @classmethod
    def spanning(cls, line: int, end_line: int, key_lines: dict[str, int]) -> LineDict:
        """An empty mapping from ``line`` to ``end_line`` with these key lines: the loaders' fast way to make
        one (no ``__init__`` call: a large tree makes hundreds of thousands)."""
        out = cls.__new__(cls)
        out.line, out.end_line, out.key_lines = line, end_line, key_lines
        return out

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
    result = LineDict.spanning(node.start_mark.line + 1,
                               node.end_mark.line + (0 if node.end_mark.column == 0 else 1), {})
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
# YAML 1.1's "value key" `=`: PyYAML resolves a plain `=` to a tag it cannot construct; every other reader
# (kubectl's, Go's) reads the string "=" (a CRD's enum of match operators holds one).
LineLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


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


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


def _build(loader: Any, node: yaml.Node, memo: dict[int, Any]) -> Any:
    """The value of ``node``: what ``construct_document`` gives, without its per-node bookkeeping.

    PyYAML's generic constructor costs most of the load time of a large manifest tree; plain
    strings, mappings and sequences are built here directly, every other tag (numbers,
    booleans, timestamps, ``!Ref``...) by the loader's own constructor for it.
    """
    tag = node.tag
    if tag == _STR:
        return node.value
    done = memo.get(id(node))
    if done is not None:  # an alias: the same object, as PyYAML gives it
        return done
    if tag == _MAP and isinstance(node, yaml.MappingNode):
        if any(key.tag == _MERGE for key, _ in node.value):
            loader.flatten_mapping(node)
        result = LineDict()
        memo[id(node)] = result
        result.line = node.start_mark.line + 1
        result.end_line = node.end_mark.line + (0 if node.end_mark.column == 0 else 1)
        key_lines: dict[str, int] = {}
        result.key_lines = key_lines
        for key_node, value_node in node.value:
            key = _build(loader, key_node, memo)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    None, None, "found an unhashable key", key_node.start_mark)
            result[key] = _build(loader, value_node, memo)
            key_lines[str(key)] = key_node.start_mark.line + 1
        return result
    if tag == _SEQ and isinstance(node, yaml.SequenceNode):
        items = LineList()
        memo[id(node)] = items
        items.extend(_build(loader, child, memo) for child in node.value)
        items.line = node.start_mark.line + 1
        items.end_line = node.end_mark.line + 1
        return items
    value = loader.construct_object(node, deep=True)
    memo[id(node)] = value
    return value


def load_documents(text: str, cfn_tags: bool = False) -> list[Any]:
    """Every document of a (multi-document) YAML text, with line information."""
    loader = (CfnLineLoader if cfn_tags else LineLoader)(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            documents.append(_build(loader, node, {}))
            loader.constructed_objects = {}
            loader.recursive_objects = {}
        return documents
    finally:
        loader.dispose()


def error_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None
