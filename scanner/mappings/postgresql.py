"""PostgreSQL settings (``postgresql.yaml``): one ``pg_settings`` fact per source, read with PostgreSQL's units.

``pg_settings`` maps a setting name to its value as the source writes it (a ``LineDict`` whose
``key_lines`` give each setting's line). ``read_setting`` interprets a value the way the server
does: a bare number is in the setting's own unit (``shared_buffers = 1048576`` is 1048576 pages of
8 kB = 8 GB), units are 1024-based and case-sensitive, booleans accept PostgreSQL's spellings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scanner.coerce import listed
from scanner.lines import LineDict
from scanner.mappings import MISSING, lookup, transform
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile
from scanner.units import DURATION, SIZE, Quantity, format_quantity

TABLE = Path(__file__).with_name("postgresql.yaml")
# PostgreSQL's unit spellings (guc.c memory_unit_conversion_table / time_unit_conversion_table).
MEMORY_UNITS = {"B": 1, "kB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
TIME_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1, "min": 60, "h": 3600, "d": 86400}
_NUMBER_UNIT = lazy_compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")
_BOOLEANS = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
_FORMULA = lazy_compile(r"^\{.*\}$|DBInstanceClassMemory", re.S)
_COMPLETE_NAME = lazy_compile(r"^postgres(ql)?(\.[\w-]+)?\.conf$", re.I)
_ARM_NAME_TAIL = lazy_compile(r"'/?([A-Za-z_][\w.]*)'\s*\)\s*\]$")


@dataclass(frozen=True)
class SettingSpec:
    name: str
    type: str = "string"  # bool | integer | real | enum | string
    unit: str | None = None  # PostgreSQL's base unit: 8kB, kB, MB, B, ms, s, min
    default: str | None = None  # the server's built-in value (None: it depends on the version or machine)


@dataclass(frozen=True)
class SettingValue:
    """A setting value as the server reads it: ``key`` compares, ``text`` shows, ``error`` rejects."""

    key: Any
    text: str
    error: str = ""


@cache
def _table() -> Mapping[str, Any]:
    from scanner.tables import read_table

    return dict(read_table(TABLE, "postgresql-settings") or {})


def setting_spec(name: str) -> SettingSpec:
    raw = (_table().get("settings") or {}).get(name.lower()) or {}
    default = raw.get("default")
    return SettingSpec(name.lower(), raw.get("type", "string"), raw.get("unit"),
                       None if default is None else str(default))


def built_in_default(name: str, settings: Mapping[str, Any]) -> str | None:
    """The value the server runs ``name`` at when no file sets it; ``wal_buffers = -1`` (its default)
    resolved as the server does: 1/32 of shared_buffers, at least 64kB, at most one WAL segment (16MB)."""
    default = setting_spec(name).default
    if name == "wal_buffers" and default == "-1":
        raw = settings.get("shared_buffers", setting_spec("shared_buffers").default)
        shared = read_setting("shared_buffers", raw).key if not isinstance(raw, Unresolved) else None
        if not (isinstance(shared, tuple) and shared[0] == SIZE):
            return None
        size = min(max(shared[1] / 32, 64 * 1024), 16 * 1024**2)
        return f"{int(size // 1024)}kB"
    return default


@transform("pg_conf_complete")
def pg_conf_complete(_: Any, resource: Resource) -> Any:
    """The server's own postgresql.conf (``postgresql.conf``, ``postgresql.<env>.conf``, ``postgres.conf``,
    outside a ``conf.d`` folder): complete, unless it includes other files, which may set what it leaves out.
    Any other file the loader reads (a ``conf.d`` fragment, ``postgresql.auto.conf``) is partial."""
    path = Path(resource.origin.file or "")
    if not _COMPLETE_NAME.match(path.name) or path.name.lower() == "postgresql.auto.conf" or \
            path.parent.name.lower() == "conf.d":
        return MISSING
    includes = [f"{key} {value.expression if isinstance(value, Unresolved) else value}"
                for key, value in resource.attributes.items() if key.startswith("include")]
    if includes:
        return Unresolved(includes[0], f"the file includes {includes[0].split(' ', 1)[1]}, which may set what it "
                          "leaves out")
    return True


def _base_factor(unit: str) -> tuple[str, float]:
    """``8kB`` -> (size, 8192); ``ms`` -> (duration, 0.001)."""
    match = _NUMBER_UNIT.match(unit if unit[0].isdigit() else f"1{unit}")
    number, suffix = (float(match.group(1)), match.group(2)) if match else (1.0, unit)
    if suffix in MEMORY_UNITS:
        return SIZE, number * MEMORY_UNITS[suffix]
    return DURATION, number * TIME_UNITS[suffix]


def read_setting(name: str, raw: Any) -> SettingValue:
    """Interpret ``raw`` as PostgreSQL would for setting ``name``."""
    spec = setting_spec(name)
    text = str(raw).strip() if not isinstance(raw, bool) else ("on" if raw else "off")
    if spec.type == "bool":
        lowered = text.lower()
        matches = {v for k, v in _BOOLEANS.items() if k == lowered or (len(lowered) >= 2 and k.startswith(lowered))
                   or (lowered in ("t", "f", "y", "n") and k.startswith(lowered))}
        if len(matches) != 1:
            return SettingValue(text, text, f"{text!r} is not a boolean (on, off, true, false, yes, no, 1, 0)")
        value = matches.pop()
        word = "on" if value else "off"
        return SettingValue(("bool", value), text if lowered == word else f"{text} ({word})")
    if spec.type == "real":
        try:
            return SettingValue(("number", float(text)), text)
        except ValueError:
            return SettingValue(text, text, f"{text!r} is not a number")
    if spec.type == "integer":
        return _read_integer(spec, text)
    return SettingValue(("text", text.lower() if spec.type == "enum" else text), text)


def _read_integer(spec: SettingSpec, text: str) -> SettingValue:
    match = _NUMBER_UNIT.match(text)
    if not match:
        return SettingValue(text, text, f"{text!r} is not a number")
    number, suffix = float(match.group(1)), match.group(2)
    if spec.unit is None:
        if suffix:
            return SettingValue(text, text, f"{spec.name} takes no unit ({text!r})")
        return SettingValue(("number", number), text)
    dimension, base = _base_factor(spec.unit)
    if not suffix:
        if number < 0:  # -1 and friends are sentinels (off / automatic), never scaled
            return SettingValue(("number", number), text)
        quantity = Quantity(number * base, dimension)
        shown = text if number * base == 0 else f"{text} ({format_quantity(quantity)})"
        return SettingValue((dimension, quantity.value), shown)
    table = MEMORY_UNITS if dimension == SIZE else TIME_UNITS
    if suffix not in table:
        valid = ", ".join(table)
        hint = " (units are case-sensitive)" if suffix.lower() in {u.lower() for u in table} else ""
        return SettingValue(text, text, f"{text!r}: valid units for {spec.name} are {valid}{hint}")
    return SettingValue((dimension, number * table[suffix]), text)


def native_number(name: str, required: Any) -> str:
    """``required`` as a plain number in the setting's own unit (what managed services accept)."""
    spec = setting_spec(name)
    value = read_setting(name, required)
    if spec.type == "integer" and spec.unit and isinstance(value.key, tuple) and value.key[0] in (SIZE, DURATION):
        number = value.key[1] / _base_factor(spec.unit)[1]
        return str(int(number)) if float(number).is_integer() else f"{number:g}"
    return value.text


def _settings(items: list[tuple[str, Any, int]], line: int) -> LineDict:
    out = LineDict.at(line)
    for name, value, item_line in items:
        out.put(name.lower(), value, item_line)
    return out


@transform("pg_settings_of_file")
def pg_settings_of_file(_: Any, resource: Resource) -> LineDict:
    """postgresql.conf or ALTER SYSTEM: the resource's attributes are the settings."""
    attributes = resource.attributes
    lines = getattr(attributes, "key_lines", {})
    items = [(k, v, lines.get(k, resource.origin.line or 0)) for k, v in attributes.items()
             if not k.startswith("include")]
    return _settings(items, resource.origin.line or 0)


def _is_postgres(flavour: Any) -> bool:
    """A family / database_version naming PostgreSQL; unknown counts (the setting names still decide)."""
    return not isinstance(flavour, str) or "postgres" in flavour.lower()


def _rds_value(value: Any) -> Any:
    if isinstance(value, str) and _FORMULA.search(value):
        return Unresolved(value, "computed by RDS from the instance class at run time")
    return value


@transform("pg_settings_of_parameter_group")
def pg_settings_of_parameter_group(_: Any, resource: Resource) -> Any:
    """RDS / Aurora parameter groups: CloudFormation ``Parameters`` map or Terraform ``parameter`` blocks."""
    attributes = resource.attributes
    line = resource.origin.line or 0
    if resource.format == "terraform":
        if not _is_postgres(attributes.get("family")):
            return MISSING
        blocks = listed(attributes.get("parameter"), "parameter")
        if isinstance(blocks, Unresolved):
            return blocks
        return _settings([(str(b["name"]), _rds_value(b.get("value")), b.key_lines.get("value", b.line))
                          for b in blocks if isinstance(b, LineDict) and isinstance(b.get("name"), str)], line)
    if not _is_postgres(attributes.get("Family")):
        return MISSING
    parameters = attributes.get("Parameters")
    if not isinstance(parameters, dict):
        return MISSING
    lines = getattr(parameters, "key_lines", {})
    return _settings([(str(k), _rds_value(v), lines.get(str(k), line)) for k, v in parameters.items()], line)


@transform("pg_settings_of_cloud_sql")
def pg_settings_of_cloud_sql(_: Any, resource: Resource) -> Any:
    """Cloud SQL ``settings.database_flags`` blocks (PostgreSQL instances only)."""
    if not _is_postgres(resource.attributes.get("database_version")):
        return MISSING
    flags = lookup(resource.attributes, ("settings", "database_flags"))
    if isinstance(flags, LineDict):
        flags = [flags]
    if not isinstance(flags, list):
        return MISSING
    return _settings([(str(f["name"]), f.get("value"), f.key_lines.get("value", f.line)) for f in flags
                      if isinstance(f, LineDict) and isinstance(f.get("name"), str)], resource.origin.line or 0)


@transform("pg_one_setting")
def pg_one_setting(_: Any, resource: Resource) -> bool:
    """A resource that writes exactly one setting of its server (an Azure configuration): judged on that
    setting alone; its siblings write the others."""
    return True


@transform("pg_settings_of_azure_configuration")
def pg_settings_of_azure_configuration(_: Any, resource: Resource) -> Any:
    """One Azure flexible server configuration: the setting is the last segment of its name."""
    attributes = resource.attributes
    if resource.format == "terraform":
        name, value = attributes.get("name"), attributes.get("value")
        line = getattr(attributes, "key_lines", {}).get("value", resource.origin.line or 0)
    else:
        name = attributes.get("name")
        value = lookup(attributes, ("properties", "value"))
        properties = attributes.get("properties")
        line = getattr(properties, "key_lines", {}).get("value", resource.origin.line or 0)
        if isinstance(name, Unresolved):  # [concat(parameters('server'), '/log_connections')]
            match = _ARM_NAME_TAIL.search(name.expression)
            name = match.group(1) if match else None
    if not isinstance(name, str) or value is None or type(value) is object:
        return MISSING
    return _settings([(name.rsplit("/", 1)[-1], value, line)], resource.origin.line or 0)
