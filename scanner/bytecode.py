"""Dataclass methods kept compiled beside the package, as Python keeps a module's bytecode.

``dataclasses`` writes each class's ``__init__``, ``__repr__``, ``__eq__``... as source text and compiles it
when the class is defined: for a scan of the bundled example, 278 functions and about 37 ms of a 0.2 s run,
paid again at every run. What a text compiles to depends only on the text and the interpreter, so the code
objects of specdrift's own classes are kept in ``scanner/__pycache__`` (one ``marshal`` file per
interpreter, beside the ``.pyc`` files), and ``dataclasses`` runs the kept code object of a text seen before
instead of compiling it again. Classes of other packages are compiled as always.

The same trust as ``.pyc`` files: the file lives inside the package, where whoever can change it can change
specdrift's code already. It is written only where Python writes bytecode (never under
``PYTHONDONTWRITEBYTECODE``), and never to the cache directory, which CI jobs may share (loading a cache
must not be able to run code). A file of another interpreter, a truncated or a corrupt one is ignored, and
replaced when the process's classes are kept.

No ``from __future__ import annotations`` here: ``compile`` is told not to inherit this module's flags, and
the texts compile as they would in ``dataclasses`` (no future features), annotations included.
"""

import builtins
import dataclasses
import marshal
import os
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

LIMIT = 4000  # texts kept past this many: the file restarts from those this process used
_OWN = "scanner."


class _Store:
    """The code objects of one interpreter, by source text, and what this process added or used."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.codes: dict[str, CodeType] | None = None  # read at the first class
        self.used: set[str] = set()
        self.compiled = 0  # texts this process compiled
        self.unsaved = False

    def code(self, source: str) -> CodeType:
        if self.codes is None:
            self.codes = read(self.path) if self.path is not None else {}
        code = self.codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.codes[source] = code
            self.compiled += 1
            self.unsaved = True
        self.used.add(source)
        return code


def default_path() -> Path:
    """``scanner/__pycache__/dataclass-methods.<cache tag>.marshal``."""
    return Path(__file__).parent / "__pycache__" / f"dataclass-methods.{sys.implementation.cache_tag}.marshal"


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


def read(path: Path) -> dict[str, CodeType]:
    """The kept code objects; empty when the file is absent, of another interpreter, or damaged."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return {}
    if raw[:len(MAGIC_NUMBER)] != MAGIC_NUMBER:
        return {}
    try:
        codes = marshal.loads(raw[len(MAGIC_NUMBER):])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    return {text: code for text, code in codes.items() if isinstance(text, str) and isinstance(code, CodeType)}


def keep() -> None:
    """Write the code objects when this process compiled new ones (where Python would write bytecode)."""
    store = _store
    if not store.unsaved or store.path is None or store.codes is None or sys.dont_write_bytecode:
        return
    codes = store.codes if len(store.codes) <= LIMIT else {t: c for t, c in store.codes.items() if t in store.used}
    write(store.path, codes)
    store.unsaved = False


def write(path: Path, codes: dict[str, CodeType]) -> None:
    """Atomically: a concurrent run reads the old file or the new one, never half of one."""
    import tempfile  # only when writing

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".dataclass-methods-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(MAGIC_NUMBER + marshal.dumps(codes))
            os.chmod(tmp, os.stat(__file__).st_mode & 0o666)  # readable by whoever may read the package
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:  # a read-only install: the classes are compiled at each run, as before
        return


def statistics() -> tuple[int, int]:
    """(texts this process compiled, distinct texts its classes used)."""
    return _store.compiled, len(_store.used)
