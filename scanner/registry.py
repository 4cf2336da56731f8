"""One registry per kind of plugin (loaders, transforms, check functions, reporters, commands, collector units).

A plugin registers itself by name when its module is imported (``@registry.register("name")``, or a
package's own decorator over it); a second plugin of the same name is an error that names both modules.

Importing every plugin module on every run cost a pre-commit hook about a tenth of its time (their
regexes, dataclasses and bytecode), although a run on a few files uses a handful. So a registry given its
package reads the package's sources, without importing them, to learn which module declares each name
(``@loader("terraform", order=10)`` at the start of a line): ``names`` costs no import, and a lookup
imports the declaring module alone. Names registered in a loop are not in the sources: asking for one
imports every module that registers anything. A package shipped without its sources gives an empty
index, and the registry imports those modules, as it would without the index.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")
DEFAULT_ORDER = 50  # where a plugin that gives no ``order`` is listed (and, for loaders, asked)


@cache
def sources(package_path: str) -> tuple[tuple[str, str], ...]:
    """(module name, source text) of each module of the package at ``package_path``, in name order; none when
    the package is shipped without its sources."""
    # os.scandir rather than pkgutil.iter_modules: a fifth of the cost, and the index is read on every run.
    try:
        names = sorted(entry.name for entry in os.scandir(package_path) if entry.name.endswith(".py"))
        if "__init__.py" not in names:
            return ()  # compiled files only: the caller imports everything
        found = []
        for name in names:
            if name != "__init__.py":
                with open(os.path.join(package_path, name), encoding="utf-8") as handle:
                    found.append((name[:-3], handle.read()))
    except (OSError, UnicodeDecodeError):
        return ()
    return tuple(found)


class Declaration(NamedTuple):
    """Where the sources declare a plugin, and where it is listed."""

    module: str
    order: int = DEFAULT_ORDER


@cache
def declared(package_path: str, decorator: str) -> dict[str, Declaration]:
    """Name -> declaration for every ``@decorator("name")`` (or ``@decorator("name", order=N)``) line of the
    package's module sources, listed by order, then module, then place in the module. An install's index is
    kept until pip installs it again (``scanner.installed``): its sources are not read at every run."""
    from scanner.installed import kept_per_install

    kept = kept_per_install("shipped-plugins", [Path(package_path)], lambda: [
        [name, *found] for name, found in _declared(package_path, decorator).items()], decorator)
    return {name: Declaration(module, order) for name, module, order in kept}


def _declared(package_path: str, decorator: str) -> dict[str, Declaration]:
    # ``str.find`` for the lines that start with the decorator, then a regex on those lines alone: a pre-commit
    # run reads the index of five packages, whose sources are most of a megabyte.
    needle = f"\n@{decorator}("
    line = re.compile(r'\(\s*"([^"]+)"(?:\s*,\s*order=(\d+))?')
    found: list[tuple[int, str, int, str]] = []
    for module, text in sources(package_path):
        padded = "\n" + text  # the first line starts after a newline too
        at = padded.find(needle)
        while at >= 0:
            match = line.match(padded, at + len(needle) - 1)
            if match is not None:
                found.append((int(match.group(2) or DEFAULT_ORDER), module, len(found), match.group(1)))
            at = padded.find(needle, at + 1)
    index: dict[str, Declaration] = {}
    for order, module, _, name in sorted(found):
        if name in index:  # caught here, before a run that imports only one of the two modules
            raise ValueError(f"@{decorator}({name!r}) declared twice: in {index[name].module} and in {module}")
        index[name] = Declaration(module, order)
    return index


class Registry(Generic[T]):
    """Plugins of one kind by name: ``register`` adds one (a duplicate name raises), ``registry[name]`` finds
    one (importing only its module when ``package`` is given), ``names`` lists them without importing."""

    def __init__(self, kind: str, package: str | None = None, decorator: str = "register") -> None:
        self.kind = kind  # in messages: "check function", "loader", ...
        self.package = package  # the package whose modules declare these plugins (None: all in one module)
        self.decorator = decorator  # the name a plugin module decorates with, as its sources spell it
        self.loaded: dict[str, T] = {}  # what the imported modules registered (tests may patch an entry)
        self._orders: dict[str, tuple[int, str, int]] = {}  # name -> (order, module, registration count)
        self._declarations: dict[str, Declaration] | None = None  # the package's index, once read

    def register(self, name: str, order: int = DEFAULT_ORDER) -> Callable[[T], T]:
        """Decorator: register the decorated object as ``name``."""

        def add(plugin: T) -> T:
            self.add(name, plugin, order)
            return plugin

        return add

    def register_class(self, name: str, order: int = DEFAULT_ORDER) -> Callable[[type[T]], type[T]]:
        """Class decorator: register one instance of the decorated class (a loader, a reporter). A class with
        a ``name`` attribute must be registered under that name."""

        def add(cls: type[T]) -> type[T]:
            instance = cls()
            if getattr(instance, "name", name) != name:
                raise ValueError(f"{self.kind} {cls.__qualname__} is registered as {name!r} but named "
                                 f"{getattr(instance, 'name', None)!r}")
            self.add(name, instance, order)
            return cls

        return add

    def add(self, name: str, plugin: T, order: int = DEFAULT_ORDER) -> None:
        """Register ``plugin`` as ``name``; the same object again is a no-op, another one a ``ValueError``."""
        module = str(getattr(plugin, "__module__", None) or type(plugin).__module__)
        old = self.loaded.get(name)
        if old is not None and old is not plugin:
            raise ValueError(f"{self.kind} {name!r} registered twice: in {self._orders[name][1]} and in {module}")
        self.loaded[name] = plugin
        self._orders.setdefault(name, (order, module, len(self._orders)))

    def _index(self) -> dict[str, Declaration]:
        if self._declarations is None:  # kept here: a loader is chosen for every file, asking for the names
            self._declarations = {} if self.package is None else declared(self._path(), self.decorator)
        return self._declarations

    def _path(self) -> str:
        return str(importlib.import_module(self.package or "").__path__[0])

    def get(self, name: str) -> T | None:
        """The plugin named ``name``, importing the module that declares it; None when there is none."""
        found = self.loaded.get(name)
        if found is None and self.package is not None:
            declaration = self._index().get(name)
            if declaration is not None:
                importlib.import_module(f"{self.package}.{declaration.module}")
            if name not in self.loaded:  # registered in a loop, or no sources to read: import them all
                self.import_all()
            found = self.loaded.get(name)
        return found

    def __getitem__(self, name: str) -> T:
        found = self.loaded.get(name)  # already imported (a transform per fact per resource): no call to ``get``
        if found is None:
            found = self.get(name)
            if found is None:
                raise KeyError(f"no {self.kind} named {name!r}")
        return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self.loaded or name in self.names())

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def names(self) -> tuple[str, ...]:
        """Every name, in order, without importing (but when there are no sources to read)."""
        index = self._index()
        if index:
            return tuple(index)
        self.import_all()
        return tuple(sorted(self.loaded, key=self._orders.__getitem__))

    def items(self) -> Iterator[tuple[str, T]]:
        """Every (name, plugin), in order (imports every plugin module)."""
        self.import_all()
        for name in sorted(self.loaded, key=self._orders.__getitem__):
            yield name, self.loaded[name]

    def values(self) -> Iterator[T]:
        return (plugin for _, plugin in self.items())

    def import_all(self) -> None:
        """Import every module of the package that registers a plugin of this kind."""
        if self.package is not None:
            _import_all(self.package, self._path(), self.decorator)


@cache
def _import_all(package: str, path: str, decorator: str) -> None:
    # The modules whose sources call the decorator (``transform(f"...")`` in a loop included); all of them when
    # there are no sources to read.
    calls = re.compile(rf"(?<![\w.]){re.escape(decorator)}\(")
    texts = sources(path)
    if texts:
        modules = [module for module, text in texts if calls.search(text)]
    else:
        import pkgutil  # only here: importing it costs a run that has the sources 0.4 ms

        modules = [info.name for info in pkgutil.iter_modules([path])]
    for module in modules:
        importlib.import_module(f"{package}.{module}")
