"""Configuration: defaults < file < environment < flags, with the source of every value kept.

The file is ``.specdrift.yaml`` (or ``.specdrift.yml``) or the ``[tool.specdrift]`` table of a
``pyproject.toml``, found from the working directory upwards (the first directory that has either;
``.specdrift.yaml`` wins when a directory has both). Paths in a file are relative to the file's
directory; paths in the environment or on the command line are relative to the working directory.

Environment variables are ``SPECDRIFT_<KEY>``; lists are comma-separated, parameter overrides
semicolon-separated (a regex may contain commas): ``SPECDRIFT_PARAMETERS="ME-DB-02.min_retention=35d"``.
``specdrift config`` prints the effective configuration and where each value came from.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.model import Severity
from scanner.regex import lazy_compile
from scanner.tables import read_table

CONFIG_FILES = (".specdrift.yaml", ".specdrift.yml")
PYPROJECT = "pyproject.toml"
DEFAULT = "default"


class ConfigError(Exception):
    """A configuration value that cannot be used (a usage error: exit 2)."""


@dataclass(frozen=True)
class Key:
    """One configuration key: its kind says how a file, environment or flag value is read."""

    name: str
    kind: str  # str | bool | choice | severity | path | paths | list | formats | severities | parameters
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    legacy: str = ""  # the key's former name, still read from files, the environment and flags for one release
    # False: a configuration file found in the scanned repository may not set it (it names a program to run);
    # the user sets it with a flag, the environment, or a file named with --config.
    from_repository: bool = True

    @property
    def env(self) -> str:
        # The policy directories keep the variable the catalogue has always read.
        return "SPECDRIFT_POLICIES" if self.name == "policies_dir" else f"SPECDRIFT_{self.name.upper()}"

    @property
    def flag(self) -> str:
        return {"severity": "--severity", "parameters": "--param", "default_policies": "--no-default-policies"}.get(
            self.name, "--" + self.name.replace("_", "-"))


KEYS: tuple[Key, ...] = (
    Key("fail_on", "severity", "info", "exit 1 when a violation of this severity or higher is found"),
    Key("policy", "list", [], "only these policies: ID, requirement ID or tag, wildcards allowed"),
    Key("skip_policy", "list", [], "leave these policies out (same patterns)"),
    Key("skip_path", "list", [], "leave these paths out: gitignore-like globs relative to the scanned directory "
        "(examples/, **/test/**, *.tfvars)"),
    Key("severity", "severities", {}, "severity overrides, POLICY=SEVERITY"),
    Key("parameters", "parameters", {}, "parameter overrides, POLICY.PARAM=VALUE"),
    Key("policies_dir", "paths", [], "own policy directories, beside the shipped pack (a policy with a shipped "
        "policy's ID replaces it)"),
    Key("default_policies", "bool", True, "run the shipped pack (false: only the policies of policies_dir)"),
    Key("external_checks_dir", "paths", [], "directories of own Python check functions (each *.py registers with "
        "scanner.policy.functions.register), beside the specdrift.checks entry points"),
    Key("var_file", "paths", [], "Terraform .tfvars / .tfvars.json files"),
    Key("baseline", "path", None, "baseline file: findings it accepts do not fail the gate"),
    Key("environment", "str", None, "the environment (baselines/ENV.yaml) whose components the sizing policies "
        "check (default: production); formerly baseline_env", legacy="baseline_env"),
    Key("strict", "bool", False, "unparseable files and unreachable sources fail the gate (exit 2)"),
    Key("format", "formats", ["text"], "report formats, each FORMAT or FORMAT:FILE"),
    Key("quiet", "bool", False, "text format: violations and errors only (no unknown or accepted results)"),
    Key("show_passing", "bool", False, "text format: list the passing (compliant) results too"),
    Key("compact", "bool", False, "text format: one line per finding"),
    Key("context", "choice", "auto", "when files are named, also load the other files of their formats in their "
        "directories (auto) or the whole repository (repo) as context, or nothing (none); findings are reported "
        "for the named files only", ("auto", "repo", "none")),
    Key("progress", "choice", "auto", "a progress line on stderr for scans and collections longer than two "
        "seconds: auto (when stderr is a terminal), always or never", ("auto", "always", "never")),
    Key("annotations", "choice", "auto", "GitHub Actions annotations on stderr: auto (when GITHUB_ACTIONS=true), "
        "always or never", ("auto", "always", "never")),
    Key("with_checkov", "bool", False, "also run checkov and merge its findings", from_repository=False),
    Key("checkov_path", "str", "checkov", "the checkov executable (a name on PATH or a path)",
        from_repository=False),
    Key("checkov_timeout", "str", "600", "seconds checkov may run"),
    Key("follow_symlinks", "bool", False, "follow symbolic links inside the scanned directories (never out of "
        "them; default: not followed, noted)"),
    Key("download_external_modules", "bool", False, "fetch Terraform module sources from registries and git "
        "into the cache (default: read only what is on disk and what terraform init installed)"),
)
KEYS_BY_NAME = {k.name: k for k in KEYS}
# File spellings people reach for; mapped to the key they mean.
ALIASES = {"fail-on": "fail_on", "skip-policy": "skip_policy", "policies-dir": "policies_dir",
           "var-file": "var_file", "policies": "policy", "skip_policies": "skip_policy", "var_files": "var_file",
           "formats": "format", "with-checkov": "with_checkov", "checkov-path": "checkov_path",
           "params": "parameters", "severities": "severity",
           "download-external-modules": "download_external_modules", "follow-symlinks": "follow_symlinks",
           "skip-path": "skip_path", "skip_paths": "skip_path", "skip-paths": "skip_path",
           "external-checks-dir": "external_checks_dir", "show-passing": "show_passing",
           **{spelling: k.name for k in KEYS if k.legacy for spelling in (k.legacy, k.legacy.replace("_", "-"))}}


@dataclass
class Config:
    """Effective settings. ``sources`` maps a key (or ``key.entry`` for overrides) to where it came from."""

    values: dict[str, Any]
    sources: dict[str, str]
    file: Path | None = None
    file_dir: Path | None = None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def fail_on(self) -> Severity:
        return Severity.parse(self.values["fail_on"])


@dataclass
class _Layer:
    name: str  # "file <path>", "env", "flag"
    values: dict[str, Any] = field(default_factory=dict)
    base: Path | None = None  # relative paths resolve against this
    repository: bool = False  # a file found in the repository (not named by the user): see _check_repository


def find_config_file(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_FILES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _may_configure(pyproject) and "specdrift" in _pyproject_tool(pyproject):
            return pyproject
    return None


# Every spelling of a ``tool.specdrift`` table: ``[tool.specdrift]`` (or a dotted key), a ``[tool]`` table, or an
# inline ``tool = {...}``, keys bare or quoted. A file with none of them configures nothing of specdrift, and is not
# parsed (tomllib's import and a parse were 3 % of a pre-commit run in a repository with a pyproject.toml).
_TOOL_TABLE = lazy_compile(r"""["']?tool["']?\s*\.\s*["']?specdrift"""
                           r"""|^\s*\[\s*["']?tool["']?\s*\]|^\s*["']?tool["']?\s*=""", re.M)


def _may_configure(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return True  # parsed, so that the error is reported
    return "\\u" in text or "\\U" in text or _TOOL_TABLE.search(text) is not None  # an escaped key: parse it


def _pyproject_tool(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    tool = data.get("tool")
    return tool if isinstance(tool, dict) else {}


def read_config_file(path: Path) -> dict[str, Any]:
    """The raw table of a configuration file (keys normalised, unknown keys rejected)."""
    if path.name == PYPROJECT:
        raw: Any = _pyproject_tool(path).get("specdrift", {})
    else:
        raw = read_table(path, "config", error=ConfigError) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a table of keys")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = ALIASES.get(str(key), str(key))
        if name not in KEYS_BY_NAME:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(KEYS_BY_NAME)})")
        out[name] = value
    return out


def _split(text: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()]


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


def _pair(text: str, where: str, form: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"{where}: expected {form}, got {text!r}")
    return name.strip(), value.strip()


def _entries(key: Key, raw: Any, where: str) -> dict[str, Any]:
    """Override tables as flat ``entry -> value``: ``ME-K8S-03`` or ``ME-DB-02.min_retention``."""
    if isinstance(raw, Mapping):
        if key.kind == "severities":
            return {str(k): str(v) for k, v in raw.items()}
        flat: dict[str, Any] = {}
        for policy, params in raw.items():
            if not isinstance(params, Mapping):
                raise ConfigError(f"{where}: parameters.{policy} must be a table of PARAM = VALUE")
            for name, value in params.items():
                flat[f"{policy}.{name}"] = value
        return flat
    items = raw if isinstance(raw, (list, tuple)) else _split(str(raw), ";" if key.kind == "parameters" else ",")
    form = "POLICY.PARAM=VALUE" if key.kind == "parameters" else "POLICY=SEVERITY"
    out: dict[str, Any] = {}
    for item in items:
        name, value = _pair(str(item), where, form)
        if key.kind == "parameters" and "." not in name:
            raise ConfigError(f"{where}: expected {form}, got {item!r}")
        out[name] = value
    return out


def _value(key: Key, raw: Any, layer: _Layer) -> Any:
    where = f"{layer.name}: {key.name}"
    if key.kind == "bool":
        return _bool(raw, where)
    if key.kind == "severity":
        try:
            return Severity.parse(str(raw)).value
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if key.kind == "choice":
        if str(raw) not in key.choices:
            raise ConfigError(f"{where}: expected one of {', '.join(key.choices)}, got {raw!r}")
        return str(raw)
    if key.kind in ("list", "paths", "formats"):
        items = [str(v) for v in raw] if isinstance(raw, (list, tuple)) else _split(str(raw),
                                                                                   os.pathsep if layer.name == "env"
                                                                                   and key.kind == "paths" else ",")
        if key.kind == "paths":
            return [_path(item, layer) for item in items]
        if key.kind == "formats":
            return [_format_entry(item, layer, where) for item in items]
        return items
    if key.kind == "path":
        return None if raw in (None, "") else _path(str(raw), layer)
    return str(raw)


def _path(text: str, layer: _Layer) -> str:
    path = Path(text).expanduser()
    if layer.base is not None and not path.is_absolute():
        return os.path.relpath(layer.base / path) if _inside_cwd(layer.base / path) else str(layer.base / path)
    return str(path)


def _inside_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
        return True
    except ValueError:
        return False


def split_format(entry: str) -> tuple[str, str | None]:
    """``sarif:out.sarif`` -> (``sarif``, ``out.sarif``); ``text`` -> (``text``, None)."""
    name, sep, path = entry.partition(":")
    return name.strip().lower(), (path if sep and path else None)


def _format_entry(entry: str, layer: _Layer, where: str) -> str:
    from scanner.reporters import REPORTERS

    name, path = split_format(entry)
    if name not in REPORTERS.names():
        raise ConfigError(f"{where}: unknown format {name!r} (known: {', '.join(REPORTERS.names())})")
    return f"{name}:{_path(path, layer)}" if path else name


def _env_names(key: Key) -> tuple[str, ...]:
    """The variables a key is read from, the current name last so that it wins over the former one."""
    return (f"SPECDRIFT_{key.legacy.upper()}", key.env) if key.legacy else (key.env,)


def resolve(flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None,
            config_file: Path | None = None, start: Path | None = None) -> Config:
    """The effective configuration. ``flags`` holds only what the command line set (None = not given)."""
    environ = os.environ if environ is None else environ
    path = config_file or find_config_file(start)
    layers: list[_Layer] = []
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"configuration file not found: {path}")
        label = f"{path} [tool.specdrift]" if path.name == PYPROJECT else str(path)
        layer = _Layer(f"file {label}", read_config_file(path), path.resolve().parent, repository=config_file is None)
        if layer.repository:
            _check_repository(layer)
        layers.append(layer)
    layers.append(_Layer("env", {k.name: environ[name] for k in KEYS for name in _env_names(k)
                                 if environ.get(name, "") != ""}))
    layers.append(_Layer("flag", {k: v for k, v in (flags or {}).items() if v is not None and k in KEYS_BY_NAME}))
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key in KEYS:
        if key.kind in ("severities", "parameters"):
            merged: dict[str, Any] = {}
            for layer in layers:
                if key.name in layer.values:
                    for entry, value in _entries(key, layer.values[key.name], f"{layer.name}: {key.name}").items():
                        merged[entry] = value
                        sources[f"{key.name}.{entry}"] = _describe(layer, key)
            values[key.name] = merged
            continue
        values[key.name], sources[key.name] = key.default, DEFAULT
        for layer in layers:
            if key.name in layer.values:
                values[key.name] = _value(key, layer.values[key.name], layer)
                sources[key.name] = _describe(layer, key)
    for entry, severity in values["severity"].items():
        try:
            values["severity"][entry] = Severity.parse(str(severity)).value
        except ValueError as exc:
            raise ConfigError(f"severity override for {entry}: {exc}") from None
    return Config(values, sources, path, path.resolve().parent if path else None)


def _check_repository(layer: _Layer) -> None:
    """A file found in the working directory or above it is the repository's: on a pull request, whoever
    wrote the change wrote it. It may not run a program (checkov, or any path given as checkov) nor write a
    report outside its own directory; those come from the user (flags, environment, ``--config FILE``)."""
    for name in layer.values:
        key = KEYS_BY_NAME[name]
        if not key.from_repository:
            raise ConfigError(f"{layer.name}: {name}: a repository's configuration cannot name a program to run; "
                              f"pass {key.flag} (or set {key.env}, or name your own file with --config)")
    if "format" in layer.values and layer.base is not None:
        root = layer.base
        for entry in _value(KEYS_BY_NAME["format"], layer.values["format"], layer):
            target = split_format(entry)[1]
            # (a relative target is relative to the working directory here, as it will be written)
            if target is not None and target != "-" and not _within(Path(os.path.abspath(target)), root):
                raise ConfigError(f"{layer.name}: format {entry!r} writes outside the repository ({root}); "
                                  "pass --format FORMAT:FILE to write there")


def _within(path: Path, root: Path) -> bool:
    """Whether ``path`` (symbolic links followed, as writing it would) is ``root`` or under it."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
        return True
    except ValueError:
        return False


def _describe(layer: _Layer, key: Key) -> str:
    if layer.name == "env":
        return f"env {key.env}"
    if layer.name == "flag":
        return f"flag {key.flag}"
    return layer.name


def parameter_overrides(config: Config) -> dict[str, dict[str, Any]]:
    """``{"ME-DB-02": {"min_retention": "35d"}}`` from the flat ``ME-DB-02.min_retention`` entries."""
    out: dict[str, dict[str, Any]] = {}
    for entry, value in config["parameters"].items():
        policy, _, name = entry.partition(".")
        out.setdefault(policy, {})[name] = value
    return out


def show(config: Config) -> list[tuple[str, Any, str]]:
    """(key, value, source) rows for ``specdrift config``, overrides one row per entry."""
    rows: list[tuple[str, Any, str]] = []
    for key in KEYS:
        if key.kind in ("severities", "parameters"):
            entries = config[key.name]
            if not entries:
                rows.append((key.name, {}, DEFAULT))
            for entry, value in entries.items():
                rows.append((f"{key.name}.{entry}", value, config.sources[f"{key.name}.{entry}"]))
        else:
            rows.append((key.name, config[key.name], config.sources[key.name]))
    return rows


def flags_from(args: Any, names: Sequence[str] | None = None) -> dict[str, Any]:
    """The configuration flags an argparse namespace carries (None where not given)."""
    return {name: getattr(args, name, None) for name in (names or KEYS_BY_NAME)}
