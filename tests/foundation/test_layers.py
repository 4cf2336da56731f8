"""The layers of ``scanner/`` point down only, and no two packages of one layer import each other in a circle.

Every import counts: at module level, inside functions (the lazy imports that hid the cycles), under
``TYPE_CHECKING``, relative ones, ``importlib.import_module("scanner....")`` with a literal or an f-string
prefix (every module the prefix can name), and the parent packages an import runs (``import
scanner.loaders.base`` runs ``scanner/loaders/__init__.py`` first). The layers are data, below, bottom first.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "scanner"

# Bottom first. Each unit (a package, or a module; the longest name that holds a module decides) with why it
# sits there. A unit imports units of its own layer or below; within a layer, no unit reaches itself again.
LAYERS: tuple[tuple[str, dict[str, str]], ...] = (
    ("foundation", {
        "scanner": "the package itself: __version__, and the dataclass methods' compiled code installed",
        "scanner.model": "Resource, Finding, Severity, Unresolved: the words every layer speaks",
        "scanner.units": "quantities (sizes, durations, CPU) parsed and compared as values",
        "scanner.coerce": "native spellings of booleans, numbers and lists read as values",
        "scanner.schedules": "cron and maintenance windows read as values",
        "scanner.faults": "how a stage reports a fault of its own; every stage uses it",
        "scanner.regex": "regular expressions compiled at their first use, for every module that keeps one",
        "scanner.installed": "is specdrift a regular install, and which: what keys caches of its shipped files",
        "scanner.bytecode": "dataclass methods kept compiled beside the package, as .pyc files are",
        "scanner.digest": "SHA-256 without hashlib's import (OpenSSL): cache keys and finding fingerprints",
        "scanner.repository": "the repository root and its git facts: paths, nothing of the scan",
        "scanner.registry": "the one plugin registry, used by every kind of plugin",
        "scanner.tables": "the one reader of shipped and user YAML tables",
        "scanner.masking": "the one secret masker, applied where findings are made",
        "scanner.lines": "the line-aware containers loaders build and secrets detection, mappings read",
        "scanner.display": "how a value is shown in a report and how a message template is filled",
        "scanner.progress": "the progress line on stderr the loaders and collectors report to",
    }),
    ("guide data", {
        "scanner.catalog": "the machine shapes and sources of the guide: data the mappings compute from",
        "scanner.environment": "an environment's components (baselines/ENV.yaml): what the sizing policies expect",
    }),
    ("loaders", {
        "scanner.loaders": "files -> Resources with native attributes, linked across files",
        "scanner.collectors": "live APIs -> Resources with native attributes (the loaders of the running side)",
        "scanner.loaders.secrets": "literal credentials in any text: a hook every loader runs on every file",
        "scanner.context": "which other files a scan of named files loads as context: asks the loaders",
    }),
    ("mappings", {
        "scanner.mappings": "native attributes -> facts, and facts -> native fixes: all format knowledge",
    }),
    ("policy", {
        "scanner.policy": "requirements judged over facts: the catalog, the checks, the engine",
        "scanner.baseline": "the baseline: findings a team accepted, applied to a scan's findings",
        "scanner.suppression": "in-source specdrift:ignore comments, applied to a scan's findings",
        "scanner.report": "a scan's Report (findings and the policies judged): what reporters render",
    }),
    ("scan", {
        "scanner.scan": "the scan pipeline: load, map, judge, accept",
        "scanner.drift": "declared vs live: match, compare, judge both sides",
        "scanner.checkov": "checkov run beside the scan, and the export of policies to it",
        "scanner.history": "stored runs (SQLite or PostgreSQL) and what changed since the previous one",
    }),
    ("reporters", {
        "scanner.reporters": "a Report as text, JSON, SARIF, JUnit, Markdown, GitLab, GitHub",
        "scanner.drift.render": "a drift report as text or JSON: the drift command's reporter",
        "scanner.nightly": "a stored nightly run as JSON, Markdown and a Prometheus textfile",
    }),
    ("cli", {
        "scanner.cli": "the commands",
        "scanner.config": "the command line's configuration (file < environment < flags); knows the formats",
        "scanner.__main__": "python -m scanner",
    }),
)


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str  # the module the statement names
    line: int
    via: str = ""  # the module of ``imported``'s chain (itself or a parent package) that is out of place

    def __str__(self) -> str:
        path = _path_of(self.importer).relative_to(ROOT)
        via = f" (runs {self.via}, layer {layer_of(self.via)})" if self.via and self.via != self.imported else ""
        return (f"{path}:{self.line}: {self.importer} [{layer_of(self.importer)}] -> {self.imported} "
                f"[{layer_of(self.imported)}]{via}")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()
_RANK = {unit: rank for rank, (_, units) in enumerate(LAYERS) for unit in units}
_NAME = {unit: name for name, units in LAYERS for unit in units}


def _path_of(module: str) -> Path:
    return MODULES[module]


def unit_of(module: str) -> str | None:
    """The unit a module belongs to: the longest unit name that is the module or holds it."""
    if module == "scanner":
        return module
    held = [u for u in _RANK if u != "scanner" and (module == u or module.startswith(u + "."))]
    return max(held, key=len) if held else None


def layer_of(module: str) -> str:
    unit = unit_of(module)
    return _NAME[unit] if unit else "none"


def _chain(module: str) -> list[str]:
    """The modules importing ``module`` runs: each parent package, then the module."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _dynamic(node: ast.Call, importer: str) -> list[str]:
    """The scanner modules an ``import_module(...)`` call may import: a literal name, or all under a prefix."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name != "import_module" or not node.args:
        return []
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if not isinstance(arg, ast.JoinedStr):
        return []
    prefix = ""
    for part in arg.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            prefix += part.value
        elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name) and \
                part.value.id == "__name__" and not prefix:
            prefix = importer
        else:
            break
    return [m for m in MODULES if m.startswith(prefix) and m != prefix.rstrip(".")] if prefix else []


def imports(module: str) -> Iterator[tuple[str, int]]:
    """(module named, line) for every import of a scanner module in ``module``, wherever it is written."""
    path = _path_of(module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base = ".".join(base_parts[: len(base_parts) - (node.level - 1)])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield (sub if sub in MODULES else base), node.lineno
        elif isinstance(node, ast.Call):
            for name in _dynamic(node, module):
                yield name, node.lineno


def edges() -> list[Edge]:
    found = []
    for module in MODULES:
        for name, line in imports(module):
            if name == "scanner" or name.startswith("scanner."):
                found.append(Edge(module, name, line))
    return found


def _worst(edge: Edge) -> str:
    """The module of the import's chain in the highest layer (the one that makes an edge upward)."""
    chain = [m for m in _chain(edge.imported) if m in MODULES]
    return max(reversed(chain), key=lambda m: _RANK.get(unit_of(m) or "", -1))  # ties: the module itself


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if unit_of(m) is None] == []


def test_every_unit_names_a_module() -> None:
    stale = [u for u in _RANK if not any(unit_of(m) == u for m in MODULES)]
    assert stale == []


def test_imports_point_down_only() -> None:
    upward = []
    for edge in edges():
        worst = _worst(edge)
        if _RANK[unit_of(worst) or ""] > _RANK[unit_of(edge.importer) or ""]:
            upward.append(str(Edge(edge.importer, edge.imported, edge.line, worst)))
    assert upward == [], "imports pointing up a layer:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_between_units_of_one_layer() -> None:
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for edge in edges():
        source = unit_of(edge.importer) or ""
        for module in (m for m in _chain(edge.imported) if m in MODULES):
            target = unit_of(module) or ""
            if target != source and _NAME[target] == _NAME[source]:
                graph.setdefault(source, set()).add(target)
                where.setdefault((source, target), str(Edge(edge.importer, edge.imported, edge.line, module)))
    cycles = _cycles(graph)
    shown = [f"{' <-> '.join(c)}: " + "; ".join(where[(a, b)] for a in c for b in c if (a, b) in where)
             for c in cycles]
    assert cycles == [], "units of one layer importing each other:\n" + "\n".join(shown)


def test_the_walk_sees_function_level_relative_and_dynamic_imports() -> None:
    """The walker itself: a lazy, a relative and an ``import_module`` import are all edges."""
    assert ("scanner.policy.engine", "scanner.policy.unseen_modules") in {
        (e.importer, e.imported) for e in edges()}  # imported inside Engine.run
    call = ast.parse('importlib.import_module(f"scanner.reporters.{name}")').body[0]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    assert "scanner.reporters.sarif" in _dynamic(call.value, "scanner.cli.scan")  # an f-string names every module
    assert _chain("scanner.loaders.base") == ["scanner", "scanner.loaders", "scanner.loaders.base"]
    assert unit_of("scanner.drift.render") == "scanner.drift.render" and unit_of("scanner.drift.match") == \
        "scanner.drift"
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
