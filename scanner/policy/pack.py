"""Policies as data: find the YAML files, validate them against the shipped schema, build Policy records."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.digest import sha256
from scanner.model import Severity
from scanner.tables import read_table, read_tables
from scanner.tables import validate as validate_table

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "policy.schema.json"
POLICY_FILE = "policy.yaml"


def default_policy_dirs() -> list[Path]:
    """``$SPECDRIFT_POLICIES`` (path list), else the pack beside the package (source checkout)."""
    env = os.environ.get("SPECDRIFT_POLICIES")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "policies", here / "policies"):
        if candidate.is_dir():
            return [candidate]
    return []


class PolicyError(Exception):
    """A policy file that does not load or validate (a configuration error, exit 2)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    type: str = "string"
    description: str = ""


@dataclass(frozen=True)
class Policy:
    id: str
    requirements: tuple[str, ...]
    title: str
    severity: Severity
    kinds: frozenset[str]
    check: Mapping[str, Any]
    where: Mapping[str, Any] | None = None
    guide: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    message: str = ""
    remediation: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""

    @property
    def directory(self) -> Path:
        return Path(self.path).parent

    def with_overrides(self, severity: Severity | None = None, params: Mapping[str, Any] | None = None) -> Policy:
        """A copy with a team's severity or parameter values (configuration overrides)."""
        parameters = dict(self.parameters)
        for name, value in (params or {}).items():
            if name not in parameters:
                raise PolicyError(f"{self.id} has no parameter {name!r} (it has: {', '.join(parameters) or 'none'})")
            old = parameters[name]
            if old.type == "regex":
                _linear(f"{self.id} parameter {name}", value)
            parameters[name] = Parameter(name, value, old.type, old.description)
        return Policy(self.id, self.requirements, self.title, severity or self.severity, self.kinds, self.check,
                      self.where, self.guide, self.description, self.tags, self.sources, parameters, self.message,
                      self.remediation, self.path)


def _linear(where: str, pattern: Any) -> None:
    """A user's regex runs with RE2 (linear time) or is refused: a usage error naming ``where``."""
    from scanner.policy.check import require_linear

    try:
        require_linear(str(pattern))
    except ValueError as exc:
        raise PolicyError(f"{where}: {exc}") from None


def _own_regexes(policy: Policy) -> None:
    """The regexes of a policy from the user's own directories: its regex parameters and literal patterns."""
    for name, param in policy.parameters.items():
        if param.type == "regex":
            _linear(f"{policy.id} parameter {name}", param.default)
    stack: list[Any] = [policy.check, policy.where]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            value = node.get("value")
            if node.get("op") in ("matches", "not_matches") and isinstance(value, str):
                _linear(f"{policy.id} ({policy.path})", value)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def validate(data: Any, where: str) -> None:
    """Policy data (not read from a file) against the policy schema; ``PolicyError`` naming ``where`` if not."""
    validate_table(data, SCHEMA_PATH, where, PolicyError)


def policy_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in dirs:
        files.extend(sorted(Path(directory).rglob(POLICY_FILE)))
    return files


def parse_policy(path: Path) -> Policy:
    """One policy file, validated against the schema (``PolicyError`` if not)."""
    return policy_from_data(read_table(path, "policy", schema=SCHEMA_PATH, error=PolicyError), path)


def policy_from_data(data: Any, path: Path) -> Policy:
    """A Policy from validated policy data."""
    params = {name: Parameter(name, spec["default"], spec.get("type", "string"), spec.get("description", ""))
              for name, spec in (data.get("parameters") or {}).items()}
    applies = data["applies_to"]
    return Policy(
        id=data["id"],
        requirements=tuple(data["requirements"]),
        title=data["title"],
        severity=Severity(data["severity"]),
        kinds=frozenset(applies["kinds"]),
        where=applies.get("where"),
        check=data["check"],
        guide=data.get("guide", ""),
        description=data.get("description", ""),
        tags=tuple(data.get("tags", ())),
        sources=tuple(data.get("sources", ())),
        parameters=params,
        message=data.get("message", ""),
        remediation=data.get("remediation") or {},
        path=str(path),
    )


def schema_with_external_checks(dirs: Iterable[Path] = ()) -> Path | bytes:
    """The policy schema, with the check functions registered outside the package (the ``specdrift.checks``
    entry points and the modules of ``dirs``, imported here) added to its list of functions."""
    import json

    from scanner.policy.functions import ExternalCheckError, load_external

    try:
        external = load_external(dirs)
    except ExternalCheckError as exc:
        raise PolicyError(str(exc)) from None
    if not external:
        return SCHEMA_PATH
    schema = json.loads(SCHEMA_PATH.read_bytes())
    listed = schema["$defs"]["function"]
    listed["enum"] = sorted({*listed["enum"], *external})
    return json.dumps(schema, sort_keys=True).encode()


def _pack(dirs: list[Path], schema: Path | bytes) -> tuple[list[Path], list[Any]]:
    """The policy files under ``dirs`` and their validated data. One cache entry for the whole pack: a warm run
    reads one JSON file and validates nothing. The pack an install ships is known by the install (not listed,
    read and hashed at every run); any other directory by its files' contents."""
    from scanner.installed import kept_per_install

    def read() -> dict[str, Any]:
        files = policy_files(dirs)
        return {"files": [str(f) for f in files],
                "pack": read_tables("policies", files, schema=schema, error=PolicyError)}

    schema_bytes = schema if isinstance(schema, bytes) else schema.read_bytes()
    kept = kept_per_install("shipped-policies", dirs, read, sha256(schema_bytes).hexdigest())
    return [Path(f) for f in kept["files"]], kept["pack"]


def load_policies(dirs: Iterable[Path] | None = None, schema: Path | bytes = SCHEMA_PATH) -> list[Policy]:
    """Every policy under ``dirs`` (default: the shipped pack); duplicate IDs are an error."""
    dirs = list(dirs) if dirs is not None else default_policy_dirs()
    files, pack = _pack(dirs, schema)
    policies = [policy_from_data(data, path) for path, data in zip(files, pack, strict=True)]
    seen: dict[str, str] = {}
    for policy in policies:
        if policy.id in seen:
            raise PolicyError(f"duplicate policy id {policy.id}: {seen[policy.id]} and {policy.path}")
        seen[policy.id] = policy.path
    return sorted(policies, key=lambda p: p.id)


def load_pack(own_dirs: Iterable[Path] = (), shipped: bool = True,
              external_checks: Iterable[Path] = ()) -> tuple[list[Policy], list[str]]:
    """The shipped pack (unless ``shipped`` is false) with the policies under ``own_dirs`` beside it, and notes.

    A policy of ``own_dirs`` with a shipped policy's ID replaces it (a note says which); two policies with one
    ID among ``own_dirs`` (or in the shipped pack) are still an error. A directory of the shipped pack named
    again in ``own_dirs`` is read once. Policies may name the check functions of the ``specdrift.checks``
    entry points and of the modules in ``external_checks``.
    """
    schema = schema_with_external_checks(external_checks)
    base_dirs = default_policy_dirs() if shipped else []
    seen = {Path(d).resolve() for d in base_dirs}
    own = [Path(d) for d in own_dirs if Path(d).resolve() not in seen]
    if not base_dirs and not own:
        raise PolicyError("no policies: --no-default-policies needs at least one --policies-dir")
    base = load_policies(base_dirs, schema) if base_dirs else []
    if not own:
        return base, []
    by_id = {policy.id: policy for policy in base}
    notes = []
    for policy in load_policies(own, schema):
        _own_regexes(policy)
        if policy.id in by_id:
            notes.append(f"policy {policy.id} from {policy.path} overrides the shipped one ({by_id[policy.id].path})")
        by_id[policy.id] = policy
    return sorted(by_id.values(), key=lambda p: p.id), notes
