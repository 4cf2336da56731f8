"""The reports' JSON writer: json.dumps(indent=2)'s layout, orjson's speed, the long list streamed."""

from __future__ import annotations

import dataclasses
import enum
import json
import random
from datetime import datetime, timezone
from typing import Any

import pytest

from scanner.model import Severity
from scanner.reporters import REPORTERS, output_of
from scanner.reporters.json_report import report_dict
from scanner.reporters.json_text import BATCH, PLACEHOLDER, dumps, stream
from scanner.reporters.sarif import sarif_log
from tests.findings_fixture import sample_report


class Colour(str, enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int


def _reference(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _tree(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 5)
    leaves = [None, True, False, rng.randrange(-10**6, 10**6), f"s{rng.random()}\n\"é\\", "", 0.5, -3]
    if kind < 5:
        return rng.choice(leaves)
    if kind == 5:
        return [_tree(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f"k{i}\t": _tree(rng, depth + 1) for i in range(rng.randrange(4))}


def test_dumps_is_the_standard_layout() -> None:
    rng = random.Random(7)
    for _ in range(300):
        value = _tree(rng)
        assert dumps(value) == _reference(value)


def test_values_json_lacks_become_their_str_as_before() -> None:
    when = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)
    value = {"when": when, "point": Point(1), "colour": Colour.RED, "set": {3}, 4: "int key"}
    assert json.loads(dumps(value)) == {"when": str(when), "point": "Point(x=1)", "colour": "red", "set": "{3}",
                                        "4": "int key"}


def test_an_integer_orjson_refuses_is_still_written() -> None:
    value = {"size": 2**70, "items": [1, 2**64]}  # a value as declared in a file: past orjson's 64 bits
    assert json.loads(dumps(value)) == value
    assert json.loads("".join(stream({"findings": PLACEHOLDER}, iter([value, {"n": 1}])))) == \
        {"findings": [value, {"n": 1}]}


@pytest.mark.parametrize("count", [0, 1, 3, BATCH, 2 * BATCH + 1])
def test_stream_equals_the_whole_document(count: int) -> None:
    items = [{"n": i, "tags": ["a", {"b": None}], "text": "x\ny"} for i in range(count)]
    document = {"head": [1, 2], "deep": [{"before": 1, "items": PLACEHOLDER, "after": {"z": "é"}}]}
    whole = {"head": [1, 2], "deep": [{"before": 1, "items": items, "after": {"z": "é"}}]}
    chunks = list(stream(document, iter(items)))
    assert "".join(chunks) == _reference(whole) + "\n"
    assert len(chunks) == 1 + count // BATCH  # written in batches, not as one string


def test_json_and_sarif_reporters_stream_their_whole_documents() -> None:
    report = sample_report()
    for fmt, whole in (("json", report_dict(report, Severity.INFO)), ("sarif", sarif_log(report))):
        reporter = REPORTERS[fmt]
        pieces = output_of(reporter, report, Severity.INFO, False)
        assert not isinstance(pieces, str)
        text = "".join(pieces)
        assert text == reporter.render(report, Severity.INFO, False)
        assert json.loads(text) == json.loads(_reference(whole))


def _item_by_item(document: Any, items: list[Any]) -> str:
    """The stream as it was written before batching: each item encoded on its own."""
    text = dumps(document)
    marker = dumps(PLACEHOLDER)
    at = text.index(marker)
    line_start = text.rfind("\n", 0, at) + 1
    indent = text[line_start: len(text) - len(text[line_start:].lstrip(" "))]
    inner = "\n" + indent + "  "
    body = ("," + inner).join(dumps(item).replace("\n", inner) for item in items)
    return text[:at] + ("[" + inner + body + "\n" + indent + "]" if items else "[]") + text[at + len(marker):] + "\n"


@pytest.mark.parametrize("count", [1, 5, BATCH + 3])
def test_a_batch_with_an_item_orjson_refuses_is_written_item_by_item(count: int) -> None:
    # NaN is null where orjson writes the item, NaN where the standard library does: each item as before
    items: list[Any] = [{"n": i, "x": float("nan") if i % 3 == 0 else [i, {"y": "é\n"}]} for i in range(count)]
    items.insert(count // 2, {"big": 2**70})
    document = {"a": 1, "findings": PLACEHOLDER, "z": [{}]}
    assert "".join(stream(document, iter(items))) == _item_by_item(document, items)
