"""The reporters' JSON writer: the text of ``json.dumps(value, indent=2, default=str)``, exactly."""

from __future__ import annotations

import enum
import json
import random
from typing import Any

import pytest

from scanner.reporters import indented_json
from scanner.reporters.json_report import report_dict
from scanner.reporters.sarif import sarif_log

from .findings_fixture import sample_report


class Colour(str, enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Shown:
    def __str__(self) -> str:
        return "shown <\u00e9>"


class Name(str):
    pass


VALUES: list[Any] = [
    None, True, False, 0, -5, 10**30, 1.5, 1e16, -0.0, 1e-7, float("nan"), float("inf"), -float("inf"), "",
    "quote \" backslash \\ newline \n nul \x00 e-acute \u00e9 line-sep \u2028 emoji \U0001f600",
    [], {}, (), [[]], [{}], {"a": {}}, {"a": []}, {2: 2, 1.5: 3, True: 4, None: 5, False: 6},
    Colour.RED, Level.HIGH, {Colour.RED: Level.HIGH}, Shown(), [Shown(), {"k": (1, [2, {"z": None}])}],
    {Name("key"): Name("value")}, [Name("x"), Colour.RED], {"deep": [[[[[[[[[[1, {"x": [None]}]]]]]]]]]]},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_text_as_the_standard_encoder(value: Any) -> None:
    assert indented_json.dumps(value) == json.dumps(value, indent=2, default=str)


def test_same_text_on_random_nested_values() -> None:
    rnd = random.Random(20261126)

    def value(depth: int) -> Any:
        roll = rnd.random()
        if depth > 5 or roll < 0.4:
            return rnd.choice([None, True, False, rnd.randint(-10**12, 10**12), rnd.random() * 1e6, "\u00fc" * 3,
                               "plain", Shown(), Name("n"), Colour.RED, Level.HIGH])
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        return {rnd.choice(["a", "b\u00e9", 1, 2.5, None, True, Colour.RED, "c"]): value(depth + 1)
                for _ in range(rnd.randint(0, 4))}

    for _ in range(2000):
        tree = value(0)
        assert indented_json.dumps(tree) == json.dumps(tree, indent=2, default=str)


def test_same_text_for_the_reports() -> None:
    report = sample_report()
    for document in (report_dict(report, report.findings[0].severity), sarif_log(report)):
        assert indented_json.dumps(document) == json.dumps(document, indent=2, default=str)


def test_keys_it_cannot_write_are_refused_like_the_standard_encoder() -> None:
    with pytest.raises(TypeError):
        json.dumps({(1, 2): "x"}, indent=2)
    with pytest.raises(TypeError):
        indented_json.dumps({(1, 2): "x"})
