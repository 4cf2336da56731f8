"""Compiled forms kept beside the package, as Python keeps a module's bytecode: dataclass methods and
regular expression programs.

``dataclasses`` writes each class's ``__init__``, ``__repr__``, ``__eq__``... as source text and compiles it
when the class is defined, and ``re`` parses and compiles each pattern in Python: for a scan of the bundled
example, 278 method texts (37 ms) and about 150 patterns (15 ms) of a 0.2 s run, paid again at every run.
What a text or a pattern compiles to depends only on it and the interpreter, so specdrift keeps its own in
``scanner/__pycache__`` (one ``marshal`` file per interpreter, beside the ``.pyc`` files):

- a dataclass of specdrift's gets the kept code object of a method text seen before (``dataclasses`` runs
  it instead of compiling the text; classes of other packages are compiled as always);
- ``pattern()`` gives the pattern the kept program makes (``_sre.compile``, what ``re.compile`` ends with).
  A program is kept only when the pattern it makes equals ``re.compile``'s (patterns compare by flags,
  text and compiled code), so an interpreter whose ``re`` internals differ just compiles as before.

The same trust as ``.pyc`` files: the file lives inside the package, where whoever can change it can change
specdrift's code already. It is written only where Python writes bytecode (never under
``PYTHONDONTWRITEBYTECODE``), and never to the cache directory, which CI jobs may share (loading a cache
must not be able to run code). A file of another interpreter, a truncated or a corrupt one is ignored, and
replaced when the process's compiled forms are kept.

No ``from __future__ import annotations`` here: ``compile`` is told not to inherit this module's flags, and
method texts compile as they would in ``dataclasses`` (no future features), annotations included.
"""

import builtins
import dataclasses
import marshal
import os
import re
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

LIMIT = 4000  # entries of a table past this many: the table restarts from those this process used
_OWN = "scanner."
# A pattern's program: the arguments of ``_sre.compile`` after the pattern's text.
Program = tuple[int, list[int], int, dict[str, int], tuple[Any, ...]]
PatternKey = tuple[str | bytes, int]


class _Store:
    """The kept compiled forms of one interpreter, and what this process compiled or used."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.loaded = False  # read at the first use
        self.methods: dict[str, CodeType] = {}
        self.patterns: dict[PatternKey, Program] = {}
        self.used: set[Any] = set()
        self.compiled = 0  # method texts and patterns this process compiled
        self.unsaved = False

    def load(self) -> None:
        if not self.loaded:
            self.loaded = True
            if self.path is not None:
                self.methods, self.patterns = read(self.path)

    def code(self, source: str) -> CodeType:
        self.load()
        code = self.methods.get(source)
        if type(code) is not CodeType:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.methods[source] = code
            self.added()
        self.used.add(source)
        return code

    def pattern(self, source: str | bytes, flags: int) -> re.Pattern[Any]:
        self.load()
        key = (source, flags)
        program = self.patterns.get(key)
        if program is not None:
            try:
                kept = _from_program(source, program)
            except (RuntimeError, TypeError, ValueError, OverflowError):  # damaged: _sre's own check refused it
                del self.patterns[key]
            else:
                self.used.add(key)
                return kept
        compiled = re.compile(source, flags)
        try:
            program = _program(source, flags)
            if _from_program(source, program) == compiled:  # else not kept: compiled at each run, as always
                self.patterns[key] = program
                self.used.add(key)
                self.added()
        except Exception:  # re's internals differ on this interpreter: compile as always
            pass
        return compiled

    def added(self) -> None:
        self.compiled += 1
        self.unsaved = True


def default_path() -> Path:
    """``scanner/__pycache__/compiled.<cache tag>.marshal``."""
    return Path(__file__).parent / "__pycache__" / f"compiled.{sys.implementation.cache_tag}.marshal"


_store = _Store(default_path() if sys.implementation.cache_tag else None)


def install() -> None:
    """Let ``dataclasses`` run kept code for specdrift's classes (its only ``exec`` makes their methods)."""
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # a module global shadowing the builtin


def _exec(source: Any, globals: dict[str, Any] | None = None, locals: Any = None, /) -> None:
    if type(source) is str:
        name = globals.get("__name__") if globals is not None else None
        if isinstance(name, str) and name.startswith(_OWN):
            source = _store.code(source)
        else:  # compiled as dataclasses' own exec would: without this module's flags
            source = compile(source, "<string>", "exec", dont_inherit=True)
    builtins.exec(source, globals, locals)


def pattern(source: str | bytes, flags: int = 0) -> re.Pattern[Any]:
    """``re.compile(source, flags)``, from its kept program when this interpreter compiled it before."""
    return _store.pattern(source, int(flags))


def _program(source: str | bytes, flags: int) -> Program:
    """What ``re.compile`` passes to ``_sre.compile`` (re/_compiler.py ``compile``)."""
    if sys.version_info >= (3, 11):
        from re import _compiler, _parser  # type: ignore[attr-defined]
    else:  # pragma: no cover  # 3.10's names
        import sre_compile as _compiler
        import sre_parse as _parser
    parsed = _parser.parse(source, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[Any] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    # ``int()``: the opcodes are int subclasses, which marshal does not write
    return flags | parsed.state.flags, [int(op) for op in code], parsed.state.groups - 1, groupindex, tuple(indexgroup)


def _from_program(source: str | bytes, program: Program) -> re.Pattern[Any]:
    import _sre

    compiled: re.Pattern[Any] = _sre.compile(source, *program)
    return compiled


def read(path: Path) -> tuple[dict[str, CodeType], dict[PatternKey, Program]]:
    """The kept method codes and pattern programs; empty when the file is absent, of another interpreter, or
    damaged."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return {}, {}
    if raw[:len(MAGIC_NUMBER)] != MAGIC_NUMBER:
        return {}, {}
    try:
        tables = marshal.loads(raw[len(MAGIC_NUMBER):])
    except (EOFError, ValueError, TypeError):
        return {}, {}
    if not isinstance(tables, dict):
        return {}, {}
    methods, patterns = tables.get("methods"), tables.get("patterns")
    # Entries are checked where they are used (``_Store``), not all of them at every run.
    return methods if isinstance(methods, dict) else {}, patterns if isinstance(patterns, dict) else {}


def keep() -> None:
    """Write the kept forms when this process compiled new ones (where Python would write bytecode)."""
    store = _store
    if not store.unsaved or store.path is None or sys.dont_write_bytecode:
        return
    write(store.path, _bounded(store.methods, store.used), _bounded(store.patterns, store.used))
    store.unsaved = False


def _bounded(table: dict[Any, Any], used: set[Any]) -> dict[Any, Any]:
    return table if len(table) <= LIMIT else {key: value for key, value in table.items() if key in used}


def write(path: Path, methods: dict[str, CodeType], patterns: dict[PatternKey, Program]) -> None:
    """Atomically: a concurrent run reads the old file or the new one, never half of one."""
    import tempfile  # only when writing

    try:
        data = MAGIC_NUMBER + marshal.dumps({"methods": methods, "patterns": patterns})
    except ValueError:  # a value marshal cannot write: nothing is kept, nothing is lost
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".compiled-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, os.stat(__file__).st_mode & 0o666)  # readable by whoever may read the package
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:  # a read-only install: these are compiled at each run, as before
        return


def statistics() -> tuple[int, int]:
    """(method texts and patterns this process compiled, distinct ones it used)."""
    return _store.compiled, len(_store.used)
