"""YAML with line numbers on every mapping and key, and CloudFormation short-form tags.

Loaders subclass the C (or pure-Python) SafeLoader locally, so PyYAML's global loaders are
never changed: another library in the same process still sees stock behaviour.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml

from scanner.lines import LineDict, LineList
from scanner.regex import lazy_compile
from scanner.tables import check_aliases

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# An alias token (``*name``) starts a line or follows a space or a flow indicator: a text without one has no alias.
# (Searched for the star first: a pattern that starts with the alternation tried it at every character.)
_ALIAS_STAR = lazy_compile(r"\*[^\s\[\]{},]")
_BEFORE_ALIAS = frozenset(" \t\r\n[{,")


def _has_alias_token(text: str) -> bool:
    return any(m.start() == 0 or text[m.start() - 1] in _BEFORE_ALIAS for m in _ALIAS_STAR.finditer(text))


_STR = "tag:yaml.org,2002:str"


class LineLoader(_Base):
    """SafeLoader that builds LineDict/LineList nodes."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # The composer asks these of every node; for this loader (no path resolvers, the stock implicit
        # ones) the answers are a pure function of the node's kind and text: cached, and the path-resolver
        # hooks, which do nothing without path resolvers, replaced by C callables that do nothing (a Python
        # method call each, twice per node, otherwise).
        if not self.yaml_path_resolvers:
            self.resolve = _resolve
            self.descend_resolver = slice  # (parent, index) -> a throwaway slice object
            self.ascend_resolver = tuple  # () -> the empty tuple


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict.spanning(node.start_mark.line + 1,
                               node.end_mark.line + (0 if node.end_mark.column == 0 else 1), {})
    for key_node, value_node in node.value:
        key = _child(loader, key_node)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable key", key_node.start_mark)
        result[key] = _child(loader, value_node)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _child(loader: Any, node: yaml.Node) -> Any:
    """``construct_object(node, deep=True)``, without its bookkeeping for the commonest node: a plain string
    (which it constructs to ``node.value``, the same object each time, aliases included)."""
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    result = LineList(_child(loader, child) for child in node.value)
    result.line = node.start_mark.line + 1
    result.end_line = node.end_mark.line + 1
    return result


_IMPLICIT: dict[Any, tuple[tuple[str, Any], ...]] = {
    first: tuple(resolvers) for first, resolvers in LineLoader.yaml_implicit_resolvers.items()}
_ANY_FIRST = _IMPLICIT.pop(None, ())
_DEFAULT_TAGS = {yaml.ScalarNode: LineLoader.DEFAULT_SCALAR_TAG, yaml.SequenceNode: LineLoader.DEFAULT_SEQUENCE_TAG,
                 yaml.MappingNode: LineLoader.DEFAULT_MAPPING_TAG}


@functools.lru_cache(maxsize=1 << 16)
def _resolve(kind: Any, value: Any, implicit: Any) -> str | None:
    """``BaseResolver.resolve`` for a loader without path resolvers: the tag of an untagged node."""
    if kind is yaml.ScalarNode and implicit[0]:
        for tag, regexp in _IMPLICIT.get(value[:1], ()) + _ANY_FIRST:
            if regexp.match(value):
                return tag
    return _DEFAULT_TAGS.get(kind)


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


_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


# Scalars of these tags construct to immutable values (numbers, booleans, None, dates) that depend on the
# text alone: each distinct (tag, text) is constructed once per process.
_IMMUTABLE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null", "timestamp"))
_SCALARS: dict[tuple[str, str], Any] = {}
_MAX_SCALARS = 1 << 16


def _build(loader: Any, node: yaml.Node, memo: dict[int, Any] | None) -> Any:
    """The value of ``node``: what ``construct_document`` gives, without its per-node bookkeeping.

    PyYAML's generic constructor costs most of the load time of a large manifest tree; plain
    strings, mappings and sequences are built here directly, every other tag (numbers,
    booleans, timestamps, ``!Ref``...) by the loader's own constructor for it. ``memo`` (by node
    id) gives an alias the object its anchor built; None when the text has no anchor.
    """
    tag = node.tag
    if tag == _STR:
        return node.value
    if memo is not None:
        done = memo.get(id(node))
        if done is not None:  # an alias: the same object, as PyYAML gives it
            return done
    if tag == _MAP and isinstance(node, yaml.MappingNode):
        if loader.merges and any(key.tag == _MERGE for key, _ in node.value):
            loader.flatten_mapping(node)
        result = LineDict()
        if memo is not None:
            memo[id(node)] = result
        result.line = node.start_mark.line + 1
        end_mark = node.end_mark
        result.end_line = end_mark.line + (0 if end_mark.column == 0 else 1)
        key_lines: dict[str, int] = {}
        result.key_lines = key_lines
        for key_node, value_node in node.value:
            if key_node.tag == _STR:  # almost every key: a plain string
                key = key_node.value
                key_lines[key] = key_node.start_mark.line + 1
            else:
                key = _build(loader, key_node, memo)
                if isinstance(key, (list, dict)):
                    raise yaml.constructor.ConstructorError(
                        None, None, "found an unhashable key", key_node.start_mark)
                key_lines[str(key)] = key_node.start_mark.line + 1
            result[key] = value_node.value if value_node.tag == _STR else _build(loader, value_node, memo)
        return result
    if tag == _SEQ and isinstance(node, yaml.SequenceNode):
        items = LineList()
        if memo is not None:
            memo[id(node)] = items
        items.extend(child.value if child.tag == _STR else _build(loader, child, memo) for child in node.value)
        items.line = node.start_mark.line + 1
        items.end_line = node.end_mark.line + 1
        return items
    if memo is None and tag[:1] == "!" and isinstance(loader, CfnLineLoader):
        # ``!Ref``, ``!Sub``...: what construct_object gives (its one constructor for the "!" prefix), without
        # the bookkeeping an alias would need (the text has no anchor)
        return _construct_intrinsic(loader, tag[1:], node)
    if tag in _IMMUTABLE_TAGS and isinstance(node, yaml.ScalarNode):
        cached = (tag, node.value)
        value = _SCALARS.get(cached, _SCALARS)
        if value is _SCALARS:
            value = _scalar(loader, tag, node)
            if len(_SCALARS) >= _MAX_SCALARS:
                _SCALARS.clear()
            _SCALARS[cached] = value
    else:
        value = loader.construct_object(node, deep=True)
    if memo is not None:
        memo[id(node)] = value
    return value


def _scalar(loader: Any, tag: str, node: yaml.ScalarNode) -> Any:
    """A number, boolean, null or date; a text Python cannot make one of (an integer of 5,000 digits, which
    ``int()`` refuses past ``sys.get_int_max_str_digits()``; the 30th of February) is a YAML error at its line."""
    try:
        return loader.yaml_constructors[tag](loader, node)
    except ValueError as exc:
        shown = node.value if len(node.value) <= 40 else f"{node.value[:20]}... ({len(node.value)} characters)"
        raise yaml.constructor.ConstructorError(None, None, f"cannot read {shown!r} as a {tag.rsplit(':', 1)[-1]}: "
                                                            f"{exc}", node.start_mark) from None


# libyaml's composer recurses in C without a depth check: flow collections nested some 30,000 deep overflow the
# C stack and kill the process (a segmentation fault, no report). Deeper than this is refused before parsing.
MAX_FLOW_DEPTH = 5000
_BRACKETS = lazy_compile(r"[\[\]{}]")


def _flow_depth_exceeded(text: str) -> bool:
    """Whether brackets nest deeper than ``MAX_FLOW_DEPTH`` (counted over the whole text, quoted ones too: an
    over-estimate, only ever reached by a text with thousands of brackets)."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return False
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_FLOW_DEPTH:
            return True
    return False


def load_documents(text: str, cfn_tags: bool = False) -> list[Any]:
    """Every document of a (multi-document) YAML text, with line information."""
    if _flow_depth_exceeded(text):
        raise yaml.YAMLError(f"nesting deeper than {MAX_FLOW_DEPTH} levels: not parsed")
    # Most texts are built straight from the parser's events (_compose); one with an anchor, an alias or a
    # merge key is built from PyYAML's composed nodes (_build), which keep an alias the object of its anchor.
    if "&" not in text and "<<" not in text:
        loader = (CfnLineLoader if cfn_tags else LineLoader)(text)
        loader.merges = "!" in text
        try:
            return _event_documents(loader)
        except _NodesNeeded:
            pass
        finally:
            loader.dispose()
    # (here, not in a function of its own: a text nested too deeply fails at the depth it always did)
    loader = (CfnLineLoader if cfn_tags else LineLoader)(text)
    # An alias needs an anchor (``&``); a merge key is a plain ``<<`` or has an explicit tag, which starts with
    # ``!`` however it is spelled (``!!merge``, ``!!merg%65``...): a text without them needs neither the alias
    # memo nor the per-mapping look for merge keys.
    anchors = "&" in text
    # Only an alias expands anything; an ``&`` in a string (a URL's query, PromQL's ``and``) is no alias, and the
    # budget's walk of every node cost a fifth of a Kubernetes repository's scan.
    aliases = anchors and _has_alias_token(text)
    loader.merges = "<<" in text or "!" in text
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if aliases:
                check_aliases(node)  # before building: expanded by whoever walks it, a bomb costs gigabytes
            documents.append(_build(loader, node, {} if anchors else None))
            loader.constructed_objects = {}
            loader.recursive_objects = {}
        return documents
    finally:
        loader.dispose()


class _NodesNeeded(Exception):
    """The text holds an anchor, an alias or a merge key: it is built from composed nodes instead."""


class _Deferred(Exception):
    """A construction error, held until the document's last event: composing a whole document (and so
    meeting its syntax errors) comes before constructing it, in PyYAML as in _build."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _event_documents(loader: Any) -> list[Any]:
    """The documents, built from the parser's events without composing nodes (what _build gives from them)."""
    get = loader.get_event
    get()  # the stream's start
    documents = []
    while get().__class__ is not yaml.StreamEndEvent:  # a document's start, or the stream's end
        try:
            document = _compose(loader, get, get())
        except RecursionError:
            # Building from events takes at least the frames building from nodes takes: a text nested too
            # deeply here may still be built there, or fail there as it does.
            raise _NodesNeeded from None
        except _Deferred as failed:
            while (event := get()).__class__ is not yaml.DocumentEndEvent:  # syntax errors come first
                if event.__class__ is yaml.AliasEvent or getattr(event, "anchor", None) is not None:
                    raise _NodesNeeded from None
            raise failed.error from None
        get()  # the document's end
        documents.append(document)
        loader.constructed_objects = {}
        loader.recursive_objects = {}
    return documents


# (Any: compared by identity with an event's class, read as the parser made them, not as the stubs type them)
_SCALAR_EVENT: Any = yaml.ScalarEvent
_ALIAS_EVENT: Any = yaml.AliasEvent
_MAPPING_START: Any = yaml.MappingStartEvent
_MAPPING_END: Any = yaml.MappingEndEvent
_SEQUENCE_START: Any = yaml.SequenceStartEvent
_SEQUENCE_END: Any = yaml.SequenceEndEvent
_SCALAR_NODE: Any = yaml.ScalarNode


def _compose(loader: Any, get: Any, event: Any) -> Any:
    """The value of the node that starts with ``event``, its later events read with ``get``: what _build gives
    for the node PyYAML's composer would make of them (same recursion depth per level too)."""
    cls = event.__class__
    if cls is _SCALAR_EVENT:
        if event.anchor is not None:
            raise _NodesNeeded
        tag = event.tag
        if tag is None or tag == "!":
            tag = _resolve(_SCALAR_NODE, event.value, event.implicit)
        if tag == _STR:
            return event.value
        if tag == _MERGE:
            raise _NodesNeeded
        return _construct(loader, _SCALAR_NODE(tag, event.value, event.start_mark, event.end_mark, event.style))
    if cls is _ALIAS_EVENT or event.anchor is not None:
        raise _NodesNeeded
    mapping = cls is _MAPPING_START
    if not mapping and cls is not _SEQUENCE_START:
        raise yaml.composer.ComposerError(None, None, f"unexpected {cls.__name__}", event.start_mark)
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolve(yaml.MappingNode if mapping else yaml.SequenceNode, None, event.implicit)
    if tag != (_MAP if mapping else _SEQ):  # a tagged collection (!Sub [...], !!set): built from its node
        return _construct(loader, _node(get, event, tag))
    if mapping:
        result = LineDict()
        result.line = event.start_mark.line + 1
        key_lines: dict[str, int] = {}
        result.key_lines = key_lines
        while (key_event := get()).__class__ is not _MAPPING_END:
            # a plain string, key or value, without a call (almost every one)
            if key_event.__class__ is _SCALAR_EVENT and key_event.tag is None and key_event.anchor is None \
                    and _resolve(_SCALAR_NODE, key_event.value, key_event.implicit) == _STR:
                key = key_event.value
                key_lines[key] = key_event.start_mark.line + 1
            else:
                key = _compose(loader, get, key_event)
                if isinstance(key, (list, dict)):
                    raise _Deferred(yaml.constructor.ConstructorError(
                        None, None, "found an unhashable key", key_event.start_mark))
                key_lines[str(key)] = key_event.start_mark.line + 1
            value_event = get()
            if value_event.__class__ is _SCALAR_EVENT and value_event.tag is None and value_event.anchor is None \
                    and _resolve(_SCALAR_NODE, value_event.value, value_event.implicit) == _STR:
                result[key] = value_event.value
            else:
                result[key] = _compose(loader, get, value_event)
        end_mark = key_event.end_mark
        result.end_line = end_mark.line + (0 if end_mark.column == 0 else 1)
        return result
    items = LineList()
    items.line = event.start_mark.line + 1
    ends: list[Any] = []
    items.extend(child.value if child.__class__ is _SCALAR_EVENT and child.tag is None and child.anchor is None
                 and _resolve(_SCALAR_NODE, child.value, child.implicit) == _STR
                 else _compose(loader, get, child) for child in _until(get, _SEQUENCE_END, ends))
    items.end_line = ends[0].end_mark.line + 1
    return items


def _until(get: Any, last: type, ends: list[Any]) -> Any:
    """The events ``get`` reads up to one of class ``last`` (kept in ``ends``)."""
    while (event := get()).__class__ is not last:
        yield event
    ends.append(event)


def _construct(loader: Any, node: yaml.Node) -> Any:
    """What _build constructs of a node that is no plain string, mapping or sequence; its error held."""
    try:
        return _build(loader, node, None)
    except RecursionError:
        raise
    except Exception as exc:
        raise _Deferred(exc) from None


def _node(get: Any, event: Any, tag: Any = None) -> yaml.Node:
    """The node PyYAML's composer makes of the events that start with ``event`` (a tagged collection's:
    ``!Sub [...]``, ``!!set``), for its constructor."""
    cls = event.__class__
    if cls is _ALIAS_EVENT or event.anchor is not None:
        raise _NodesNeeded
    if tag is None:
        tag = event.tag
        if tag is None or tag == "!":
            kind = {_SCALAR_EVENT: _SCALAR_NODE, _MAPPING_START: yaml.MappingNode,
                    _SEQUENCE_START: yaml.SequenceNode}[cls]
            tag = _resolve(kind, event.value if cls is _SCALAR_EVENT else None, event.implicit)
    if cls is _SCALAR_EVENT:
        return _SCALAR_NODE(tag, event.value, event.start_mark, event.end_mark, event.style)
    if cls is _SEQUENCE_START:
        sequence = yaml.SequenceNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
        while (child := get()).__class__ is not _SEQUENCE_END:
            sequence.value.append(_node(get, child))
        sequence.end_mark = child.end_mark
        return sequence
    mapping = yaml.MappingNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
    while (key := get()).__class__ is not _MAPPING_END:
        mapping.value.append((_node(get, key), _node(get, get())))
    mapping.end_mark = key.end_mark
    return mapping


def error_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None
