"""Compiled forms kept beside the package (scanner/bytecode.py): dataclass methods and regular expression
programs give what compiling gives, and a second process compiles none of them."""

from __future__ import annotations

import dataclasses
import marshal
import os
import re
import shutil
import subprocess
import sys
import types
from importlib.util import MAGIC_NUMBER
from pathlib import Path

import pytest

from scanner import bytecode

ROOT = Path(__file__).resolve().parents[2]


def _define(module_name: str) -> list[type]:
    """The same classes, defined in a module of the given name (as dataclasses sees it: by its globals)."""
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    try:
        source = '''
from dataclasses import dataclass, field

@dataclass(frozen=True, order=True)
class Frozen:
    name: str
    size: int = 3
    tags: tuple[str, ...] = ()

@dataclass
class Plain:
    items: list[int] = field(default_factory=list)
    label: "str | None" = None
    hidden: int = field(default=0, repr=False, compare=False)

@dataclass(eq=False)
class Identity:
    value: object = None
'''
        exec(compile(source, f"<{module_name}>", "exec", dont_inherit=True), module.__dict__)
        return [module.Frozen, module.Plain, module.Identity]
    finally:
        del sys.modules[module_name]


_METHODS = ("__init__", "__repr__", "__eq__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__setattr__",
            "__delattr__")


def _shape(code: types.CodeType) -> tuple[object, ...]:
    consts = tuple(_shape(c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return (code.co_code, consts, code.co_names, code.co_varnames, code.co_freevars, code.co_flags,
            code.co_filename, code.co_name, code.co_argcount, code.co_kwonlyargcount)


def test_specdrift_classes_get_the_methods_compiling_gives() -> None:
    before = bytecode.statistics()[1]
    kept = _define("scanner.bytecode_probe")
    assert bytecode.statistics()[1] > before  # the hook made these methods
    compiled = _define("elsewhere.bytecode_probe")
    for ours, theirs in zip(kept, compiled, strict=True):
        for name in _METHODS:
            mine, other = ours.__dict__.get(name), theirs.__dict__.get(name)
            assert (mine is None) == (other is None), name
            if callable(mine) and hasattr(mine, "__code__"):
                assert _shape(mine.__code__) == _shape(other.__code__), (ours.__name__, name)
                assert mine.__annotations__ == other.__annotations__, (ours.__name__, name)
                assert mine.__defaults__ == other.__defaults__
    frozen = kept[0]
    assert frozen("a") < frozen("b") and frozen("a", 3) == frozen("a") and hash(frozen("a")) == hash(frozen("a"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        frozen("a").name = "b"  # type: ignore[misc]
    plain = kept[1]
    assert plain().items is not plain().items
    assert repr(plain([1], "x", 5)) == "Plain(items=[1], label='x')"
    assert plain(hidden=1) == plain(hidden=2)
    assert kept[2]() != kept[2]()


def test_other_packages_classes_are_compiled_without_this_modules_future_flags() -> None:
    # bytecode.py has no ``from __future__ import annotations``, and the text is compiled without inheriting
    # the caller's flags either way: annotations of another package's __init__ stay objects, not strings.
    elsewhere = _define("elsewhere.annotations_probe")[0]
    assert elsewhere.__init__.__annotations__["size"] is int


_PATTERNS = [(r"(?P<key>[A-Za-z_]\w*)\s*=\s*(?P<value>.*?)\s*$", re.M), (rb"\$\{?\?|PIPESTATUS", 0),
             (r"(?i)^(pg_dump|redis-cli)$", 0), (r"caf\u00e9\b", re.U), (r"a{2,}(?=b)|(?<!c)d", re.S | re.X)]


def test_a_kept_file_serves_the_next_process(tmp_path: Path) -> None:
    path = tmp_path / "compiled.marshal"
    first = bytecode._Store(path)
    text = "def __create_fn__():\n def f(self): return 1\n return f"
    code = first.code(text)
    patterns = [first.pattern(source, int(flags)) for source, flags in _PATTERNS]
    assert first.compiled == 1 + len(_PATTERNS)
    bytecode.write(path, first.methods, first.patterns)
    second = bytecode._Store(path)
    assert _shape(second.code(text)) == _shape(code)
    for (source, flags), made in zip(_PATTERNS, patterns, strict=True):
        kept = second.pattern(source, int(flags))
        assert kept == made == re.compile(source, flags)  # flags, text and compiled code
        assert kept.groupindex == made.groupindex and kept.groups == made.groups
    assert second.compiled == 0
    assert second.pattern(_PATTERNS[0][0], int(_PATTERNS[0][1])).match("name = x ").group("value") == "x"


def test_every_pattern_of_the_package_is_kept_as_re_compiles_it() -> None:
    from tests.test_regex import lazy_patterns

    found = list(lazy_patterns())
    assert len(found) > 100
    for source, flags in found:
        assert bytecode._from_program(source, bytecode._program(source, flags)) == re.compile(source, flags), source


def test_a_damaged_program_is_compiled_again(tmp_path: Path) -> None:
    path = tmp_path / "compiled.marshal"
    source = r"(\d+)-(\d+)"
    program = bytecode._program(source, 0)
    bytecode.write(path, {}, {(source, 0): (program[0], [9999, 1, 2], *program[2:])})
    store = bytecode._Store(path)
    assert store.pattern(source, 0) == re.compile(source)
    assert store.compiled == 1


_TEXT = "def __create_fn__():\n return 2"


@pytest.mark.parametrize("content", [
    b"", MAGIC_NUMBER, b"\x00\x00\x00\x00" + marshal.dumps({}), MAGIC_NUMBER + b"\xff\x00garbage",
    MAGIC_NUMBER + marshal.dumps(["not", "a", "dict"]), MAGIC_NUMBER + marshal.dumps({"methods": {"t": "x", 3: 4}}),
    MAGIC_NUMBER + marshal.dumps({"patterns": {("a", 0): (0, ["x"], 0, {}, ()), ("t", 0): 1}, "methods": []}),
    MAGIC_NUMBER + marshal.dumps({"patterns": {("a", 0): (0, [1, 2, 3], 0, {}, ())}, "methods": {_TEXT: 5}}),
    (MAGIC_NUMBER + marshal.dumps({"methods": {"t": compile("1", "<string>", "exec")}}))[:-3],
])
def test_a_damaged_or_foreign_file_is_ignored(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "compiled.marshal"
    path.write_bytes(content)
    store = bytecode._Store(path)
    assert _shape(store.code(_TEXT)) == _shape(compile(_TEXT, "<string>", "exec", dont_inherit=True))
    assert store.pattern("a", 0) == re.compile("a") and store.pattern("t", 0) == re.compile("t")
    assert store.compiled == 3


def _run(package_parent: Path, env_extra: dict[str, str]) -> tuple[int, int]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(env_extra, PYTHONPATH=str(package_parent))
    code = ("import sys, scanner.bytecode as b, scanner.cli as c;"
            "c.main(['scan', sys.argv[1], '--format', 'json', '--output', sys.argv[2]]); print(*b.statistics())")
    (package_parent / "empty").mkdir(exist_ok=True)
    out = subprocess.run([sys.executable, "-c", code, "empty", "report.json"], env=env, capture_output=True,
                         text=True, check=True, cwd=package_parent)
    compiled, used = out.stdout.split()[-2:]
    return int(compiled), int(used)


def test_the_command_keeps_its_classes_for_the_next_run(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "scanner", tmp_path / "scanner", ignore=shutil.ignore_patterns("__pycache__"))
    kept = tmp_path / "scanner" / "__pycache__" / f"compiled.{sys.implementation.cache_tag}.marshal"
    compiled, used = _run(tmp_path, {})
    assert compiled == used > 10 and kept.is_file()
    assert _run(tmp_path, {}) == (0, used)  # the second run compiles none of them
    kept.unlink()
    assert _run(tmp_path, {"PYTHONDONTWRITEBYTECODE": "1"}) == (used, used)
    assert not kept.exists()  # written only where Python would write bytecode
