"""Patterns compiled at first use (scanner/regex.py): the same answers as ``re.compile``'s, and every one in the
package is a valid expression (an error no longer shows at import)."""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re
from collections.abc import Iterator

import scanner
from scanner.regex import _Lazy, lazy_compile


def test_answers_as_the_compiled_pattern() -> None:
    lazy, real = lazy_compile(r"(?P<word>\w+)-(\d)", re.I), re.compile(r"(?P<word>\w+)-(\d)", re.I)
    text = "Alpha-1 beta-2 gamma"
    assert lazy.search(text).group("word") == real.search(text).group("word")  # type: ignore[union-attr]
    assert lazy.findall(text) == real.findall(text)
    assert lazy.sub(r"\2", text) == real.sub(r"\2", text)
    assert (lazy.pattern, lazy.flags, lazy.groups, dict(lazy.groupindex)) == \
        (real.pattern, real.flags, real.groups, dict(real.groupindex))
    assert lazy_compile(rb"a+").fullmatch(b"aaa") is not None


def test_compiles_once_then_answers_from_its_own_attributes() -> None:
    lazy = lazy_compile(r"x")
    assert "match" not in vars(lazy)
    lazy.match("x")
    assert vars(lazy)["match"].__self__ is vars(lazy)["search"].__self__  # one compiled pattern behind both


def test_a_copy_made_before_first_use_still_works() -> None:
    lazy = lazy_compile(r"\d+")
    assert copy.deepcopy(lazy).findall("a1b22") == ["1", "22"]


def lazy_patterns() -> Iterator[tuple[str | bytes, int]]:
    """(pattern, flags) of every ``lazy_compile`` stand-in a module of the package keeps."""
    for info in pkgutil.walk_packages(scanner.__path__, "scanner."):
        if info.name.endswith("__main__"):  # runs the command line
            continue
        module = importlib.import_module(info.name)
        values = list(vars(module).values())
        values += [item for value in values if isinstance(value, (tuple, list)) for item in value]
        values += [item for value in values if isinstance(value, tuple) for item in value]
        for value in values:
            if isinstance(value, _Lazy):
                yield value._source


def test_every_pattern_of_the_package_compiles() -> None:
    found = 0
    for source, flags in lazy_patterns():
        assert re.compile(source, flags).groups >= 0  # an invalid expression raises re.error here
        found += 1
    assert found > 150


def test_every_pattern_has_the_same_text_in_every_process() -> None:
    """A pattern joined from a set in the set's order changed with the hash seed: its kept program
    (scanner/bytecode.py) was never found again."""
    import os
    import subprocess
    import sys

    code = "from tests.test_regex import lazy_patterns\nfor p in lazy_patterns(): print(repr(p))\n"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    texts = [subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")]
    assert texts[0] and texts[0] == texts[1] == texts[2]
