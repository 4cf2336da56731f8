"""The environment: the guide's components an environment runs, how to find them, their sizes.

(Not the baseline of accepted findings, ``scanner.baseline``, although both may share one file.)

``baselines/<env>.yaml`` (format documented in ``baselines/README.md``)::

    traffic_tier: 1-10M            # optional: the row of the guide's traffic tier table this env runs
    components:
      api_servers:
        title: API Servers
        requirement: ME-CMP-01
        kinds: [compute_pool, k8s_scalable]       # what the component can be (any selector)
        select:                                   # any entry matches; all keys of an entry must
          - {labels: {tier: api}}
          - {name: "(^|[-_])api"}
        size: {vcpu: 4, memory: 16GB, disk: 50GB}
        count: {min: 3}

Selectors read a resource's normalized facts (``name``, ``labels``, ``tags``, any other fact),
its kinds and its native type, so one selector finds a component on every cloud. Patterns are
case-insensitive regular expressions: ``name`` is searched, label/tag/fact values must match whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scanner.model import Resource, Unresolved
from scanner.tables import read_table
from scanner.units import SIZE, Quantity, parse_quantity


class EnvironmentFileError(ValueError):
    """An environment file that is missing, unreadable or malformed (a usage error: exit 2)."""

DEFAULT_ENV = "production"
_SELECTOR_KEYS = {"kinds", "types", "name", "labels", "tags", "facts"}
_COMPONENT_KEYS = {"title", "requirement", "kinds", "select", "size", "count", "description"}




def baseline_dirs() -> list[Path]:
    """``$SPECDRIFT_BASELINES`` (path list), else the scanned repository's ``baselines/`` (the working
    directory's), then the guide's baselines shipped with the package."""
    return [Path(d) for d in _baseline_dir_names()]


def _baseline_dir_names() -> tuple[str, ...]:
    env = os.environ.get("SPECDRIFT_BASELINES")
    if env:
        return tuple(p for p in env.split(os.pathsep) if p)
    return _existing_dirs(os.getcwd())


def _existing_dirs(cwd: str) -> tuple[str, ...]:
    # Called once per resource by the sizing checks: resolving paths each time was 0.7 s of a 635-resource
    # scan (docs/performance.md), so the resolved package folders are computed once and only the
    # existence checks are repeated.
    found: list[str] = []
    for d in (os.path.join(cwd, "baselines"), *_package_dirs()):
        if os.path.isdir(d) and _real(d) not in {_real(f) for f in found}:
            found.append(d)
    return tuple(found)


@cache
def _package_dirs() -> tuple[str, str]:
    here = Path(__file__).resolve().parent.parent
    return str(here.parent / "baselines"), str(here / "baselines")


@cache
def _real(path: str) -> str:
    return os.path.realpath(path)


def _regex(text: Any, where: str) -> re.Pattern[str]:
    try:
        return re.compile(str(text), re.IGNORECASE)
    except re.error as exc:
        raise EnvironmentFileError(f"{where}: invalid pattern {text!r}: {exc}") from None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Unresolved | dict | list):
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class Selector:
    """One way to recognise a component; every key given must match."""

    kinds: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    name: re.Pattern[str] | None = None
    labels: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    tags: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    facts: Mapping[str, re.Pattern[str]] = field(default_factory=dict)

    def matches(self, resource: Resource) -> bool:
        if self.kinds and self.kinds.isdisjoint(resource.kinds):  # no set made per test
            return False
        if self.types and resource.type not in self.types:
            return False
        facts = resource.facts
        if self.name is not None:
            name = _text(facts.get("name")) or resource.address.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
            if not self.name.search(name):
                return False
        # Most selectors test one of labels, tags and facts: the others are skipped, not looped over empty
        # (asked for every resource of a component's kinds, by several policies).
        if self.labels and not _all_match(facts.get("labels"), self.labels):
            return False
        if self.tags and not _all_match(facts.get("tags"), self.tags):
            return False
        for fact, pattern in self.facts.items():
            value = _text(facts.get(fact))  # an absent fact matches as "" (so "(postgres)?" allows it)
            if not pattern.fullmatch(value or ""):
                return False
        return True


def _all_match(have: Any, wanted: Mapping[str, re.Pattern[str]]) -> bool:
    """Whether every key of ``wanted`` is in ``have`` (labels or tags) with a value its pattern matches whole."""
    if not (type(have) is dict or isinstance(have, Mapping)):  # the ABC test last
        return False  # as an empty mapping: a wanted key is absent (wanted is never empty here)
    for key, pattern in wanted.items():
        value = _text(have.get(key))
        if value is None or not pattern.fullmatch(value):
            return False
    return True


@dataclass(frozen=True)
class Component:
    key: str
    title: str
    requirement: str | None
    kinds: frozenset[str]
    selectors: tuple[Selector, ...]
    vcpu: float | None = None
    memory: Quantity | None = None
    disk: Quantity | None = None
    count_min: int | None = None

    def selects(self, resource: Resource) -> bool:
        if self.kinds and self.kinds.isdisjoint(resource.kinds):  # no set made per test
            return False
        return any(s.matches(resource) for s in self.selectors)

    def describe_size(self) -> str:
        parts = []
        if self.vcpu is not None:
            parts.append(f"{self.vcpu:g} vCPU")
        if self.memory is not None:
            parts.append(f"{self.memory} memory")
        if self.disk is not None:
            parts.append(f"{self.disk} disk")
        if self.count_min is not None:
            parts.append(f">= {self.count_min} instances")
        return ", ".join(parts)


@dataclass(frozen=True)
class Components:
    """The components of one environment baseline."""

    environment: str
    path: Path
    components: Mapping[str, Component]
    traffic_tier: str | None = None

    def get(self, key: str) -> Component | None:
        return self.components.get(key)

    def selecting(self, resource: Resource) -> list[Component]:
        return [c for c in self.components.values() if c.selects(resource)]


def _pattern_map(raw: Any, where: str) -> dict[str, re.Pattern[str]]:
    if not isinstance(raw, Mapping):
        raise EnvironmentFileError(f"{where}: expected a mapping of key: value")
    return {str(k): _regex(v, f"{where}.{k}") for k, v in raw.items()}


def _selector(raw: Any, where: str) -> Selector:
    if not isinstance(raw, Mapping) or not raw:
        raise EnvironmentFileError(f"{where}: a selector is a non-empty mapping")
    unknown = set(raw) - _SELECTOR_KEYS
    if unknown:
        raise EnvironmentFileError(
            f"{where}: unknown selector key(s) {sorted(unknown)}; known: {sorted(_SELECTOR_KEYS)}")
    return Selector(
        kinds=frozenset(raw.get("kinds") or ()), types=frozenset(raw.get("types") or ()),
        name=_regex(raw["name"], f"{where}.name") if "name" in raw else None,
        labels=_pattern_map(raw.get("labels") or {}, f"{where}.labels"),
        tags=_pattern_map(raw.get("tags") or {}, f"{where}.tags"),
        facts=_pattern_map(raw.get("facts") or {}, f"{where}.facts"))


def _size(value: Any, where: str) -> Quantity:
    quantity = parse_quantity(str(value), SIZE)
    if quantity is None:
        raise EnvironmentFileError(f"{where}: {value!r} is not a size (e.g. 16GB)")
    return quantity


def _component(key: str, raw: Any, where: str) -> Component:
    if not isinstance(raw, Mapping):
        raise EnvironmentFileError(f"{where}: a component is a mapping")
    unknown = set(raw) - _COMPONENT_KEYS
    if unknown:
        raise EnvironmentFileError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_COMPONENT_KEYS)}")
    select = raw.get("select")
    if not isinstance(select, list) or not select:
        raise EnvironmentFileError(f"{where}.select: at least one selector is required")
    size = raw.get("size") or {}
    count = raw.get("count") or {}
    if isinstance(count, int):
        count = {"min": count}
    vcpu = size.get("vcpu")
    if vcpu is not None and (isinstance(vcpu, bool) or not isinstance(vcpu, int | float)):
        raise EnvironmentFileError(f"{where}.size.vcpu: expected a number, got {vcpu!r}")
    return Component(
        key=key, title=str(raw.get("title", key)), requirement=raw.get("requirement"),
        kinds=frozenset(raw.get("kinds") or ()),
        selectors=tuple(_selector(s, f"{where}.select[{i}]") for i, s in enumerate(select)),
        vcpu=float(vcpu) if vcpu is not None else None,
        memory=_size(size["memory"], f"{where}.size.memory") if "memory" in size else None,
        disk=_size(size["disk"], f"{where}.size.disk") if "disk" in size else None,
        count_min=int(count["min"]) if "min" in count else None)


def find_baseline(env: str, dirs: Sequence[Path] | None = None) -> Path | None:
    # Strings, not Paths, until one is found: the sizing checks look the baseline up once per resource.
    for directory in _baseline_dir_names() if dirs is None else [os.fspath(d) for d in dirs]:
        for suffix in (".yaml", ".yml"):
            candidate = os.path.join(directory, f"{env}{suffix}")
            if os.path.isfile(candidate):
                return _path(candidate)
    return None


@cache
def _path(name: str) -> Path:
    return Path(name)


def environment_file(env: str, dirs: Sequence[Path] | None = None) -> tuple[Path | None, list[Path]]:
    """The file that describes the environment ``env``, and the files of its name passed over for it.

    Older specdrift wrote ``baseline create`` files holding only ``accepted:`` where the environment is looked
    up first (``baselines/production.yaml``): such a file describes no environment, and reading it as one hid
    the guide's components (every sizing policy silently ``unknown``). So a file of accepted findings alone is
    passed over when another file of the name follows; it is read as the environment only when it is the
    only one (as before: an environment without components).
    """
    found = [Path(candidate) for directory in (_baseline_dir_names() if dirs is None else [os.fspath(d) for d in dirs])
             for suffix in (".yaml", ".yml")
             if os.path.isfile(candidate := os.path.join(directory, f"{env}{suffix}"))]
    for index, path in enumerate(found[:-1]):  # the last one is read whatever it holds: no need to look
        if not accepts_only(path):
            return path, found[:index]
    if len(found) > 1 and not accepts_only(found[-1]):
        return found[-1], found[:-1]
    return (found[0], []) if found else (None, [])


def accepts_only(path: Path) -> bool:
    """Does ``path`` hold nothing but an ``accepted:`` list (accepted findings, no environment)?"""
    try:
        stat = path.stat()
    except OSError:
        return False
    return _accepts_only(path, stat.st_mtime_ns, stat.st_size)


@cache
def _accepts_only(path: Path, mtime_ns: int, size: int) -> bool:
    try:
        data = read_table(path, "baseline", error=EnvironmentFileError)
    except EnvironmentFileError:
        return False  # a broken file is reported where it is loaded
    return isinstance(data, Mapping) and set(data) == {"accepted"}


def load_components(env: str = DEFAULT_ENV, dirs: Sequence[Path] | None = None) -> Components:
    """The components of ``baselines/<env>.yaml``; EnvironmentFileError when missing or malformed."""
    path, _ = environment_file(env, dirs)
    if path is None:
        searched = ", ".join(str(d) for d in (dirs if dirs is not None else baseline_dirs())) or "no baselines folder"
        raise EnvironmentFileError(f"no environment file for {env!r} (looked for {env}.yaml in {searched})")
    return _load(path, env)


@cache
def _load(path: Path, env: str) -> Components:
    data = read_table(path, "baseline", error=EnvironmentFileError)
    if not isinstance(data, Mapping):
        raise EnvironmentFileError(f"{path}: a baseline is a mapping")
    raw = data.get("components") or {}
    if not isinstance(raw, Mapping):
        raise EnvironmentFileError(f"{path}: components: expected a mapping of component name -> definition")
    components = {str(k): _component(str(k), v, f"{path}: components.{k}") for k, v in raw.items()}
    tier = data.get("traffic_tier")
    return Components(env, path, components, str(tier) if tier is not None else None)
