"""PostgreSQL server settings: postgresql.conf files, and ``ALTER SYSTEM`` / ``SET`` statements of SQL files.

postgresql.conf is read line by line the way the server's lexer (guc-file.l) reads it:
``name = value`` or ``name value``, ``#`` comments, single-quoted values with ``''`` or ``\\'``
escapes, the last occurrence of a setting winning. ``include``, ``include_if_exists`` and
``include_dir`` are kept (as ``include...`` keys) so a reader knows more settings may come from
elsewhere.

SQL files are parsed once by ``scanner/loaders/sql.py`` (pglast, PostgreSQL's own parser); it hands
``ALTER SYSTEM`` and ``SET`` statements to ``SettingsReader`` here. ``ALTER SYSTEM`` writes
server settings (postgresql.auto.conf): they become one ``ALTER SYSTEM`` resource per file, judged
like postgresql.conf. ``SET`` only changes the session that runs it (a migration's own session), so
it becomes a ``SET`` resource that the server-setting policies leave alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scanner.lines import LineDict
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.model import Origin, Resource, Unresolved
from scanner.regex import lazy_compile

NAME = "postgresql_conf"
CONF_TYPE = "postgresql.conf"
ALTER_SYSTEM_TYPE = "ALTER SYSTEM"
SESSION_TYPE = "SET"
_CONF_NAME = lazy_compile(r"^(postgresql|postgres)([\w.-]*)\.conf$|\.postgresql\.conf$", re.I)
# Settings that only PostgreSQL has, for recognising a postgresql.conf under another name.
_SNIFF = lazy_compile(r"^[ \t]*(shared_buffers|effective_cache_size|max_wal_size|min_wal_size|wal_level|work_mem|"
                      r"maintenance_work_mem|checkpoint_completion_target|random_page_cost|listen_addresses|"
                      r"max_parallel_workers|log_min_duration_statement|shared_preload_libraries|"
                      r"default_statistics_target|effective_io_concurrency)[ \t]*=", re.M)
_LINE = lazy_compile(r"""^\s*(?P<name>[A-Za-z_][\w.-]*)\s*=?\s*
                       (?P<value>'(?:[^'\\]|\\.|'')*'|[^\s#']+)?\s*(?:\#.*)?$""", re.X)
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_CUSTOM_NAME = lazy_compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?$")


@loader("postgresql_conf", order=30)
class PostgresqlConfLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if _CONF_NAME.search(path.name):
            return True
        return path.suffix.lower() in (".conf", "") and len({m.group(1) for m in _SNIFF.finditer(head)}) >= 2

    def load(self, path: str, text: str) -> LoadResult:
        settings = LineDict.at(1)
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            match = _LINE.match(raw)
            if not match or match.group("value") is None:
                return LoadResult(errors=[ParseError(path, number, f"syntax error in postgresql.conf: {raw.strip()!r}",
                                                     NAME)])
            name = match.group("name").lower()
            if not _CUSTOM_NAME.match(name):
                return LoadResult(errors=[ParseError(path, number, f"invalid setting name {name!r}", NAME)])
            settings.put(name, _unquote(match.group("value")), number)
        return LoadResult(resources=[Resource("postgresql", CONF_TYPE, Path(path).name,
                                              Origin(path, 1, settings.end_line), settings, format=NAME)])


def _unquote(value: str) -> str:
    if not (value.startswith("'") and value.endswith("'") and len(value) >= 2):
        return value
    inner, out, i = value[1:-1], [], 0
    while i < len(inner):
        char = inner[i]
        if char == "'" and inner[i + 1:i + 2] == "'":
            out.append("'")
            i += 2
        elif char == "\\" and i + 1 < len(inner):
            out.append(_ESCAPES.get(inner[i + 1], inner[i + 1]))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


class SettingsReader:
    """Settings of ``ALTER SYSTEM`` (server) and ``SET`` (session) statements of one SQL file, in order."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.server = LineDict.at(0)
        self.session = LineDict.at(0)

    def add(self, stmt: Any, line: int) -> bool:
        """Take ``stmt`` if it sets a setting; False when it is another kind of statement."""
        kind = type(stmt).__name__
        if kind == "AlterSystemStmt":
            self._apply(self.server, stmt.setstmt, line)
            return True
        if kind == "VariableSetStmt":
            self._apply(self.session, stmt, line)
            return True
        return False

    @staticmethod
    def _apply(target: LineDict, setstmt: Any, line: int) -> None:
        kind = getattr(setstmt.kind, "name", str(setstmt.kind))
        if not target.line:
            target.line = line
        target.end_line = max(target.end_line, line)
        if kind == "VAR_RESET_ALL":
            target.clear()
            target.key_lines.clear()
            return
        name = str(setstmt.name or "").lower()
        if not name:
            return
        if kind == "VAR_SET_VALUE":
            target[name] = _statement_value(setstmt.args or ())
        elif kind in ("VAR_SET_DEFAULT", "VAR_RESET"):
            target[name] = Unresolved("DEFAULT", "reset to the server default (postgresql.conf or built-in), "
                                                 "which this file does not show")
        else:  # SET ... FROM CURRENT and friends
            target[name] = Unresolved(kind, "value taken from the session at run time")
        target.key_lines[name] = line

    def resources(self) -> list[Resource]:
        out = []
        for rtype, settings in ((ALTER_SYSTEM_TYPE, self.server), (SESSION_TYPE, self.session)):
            if settings.line:
                out.append(Resource("postgresql", rtype, rtype, Origin(self.path, settings.line, settings.end_line),
                                    settings, format="sql"))
        return out


def _statement_value(args: Any) -> Any:
    """``= '8GB'`` -> ``8GB``, ``= 0.9`` -> ``0.9``, ``= on`` -> ``on``; a list as PostgreSQL joins it."""
    parts = []
    for arg in args:
        value = getattr(arg, "val", None)
        for attr in ("sval", "fval", "ival", "boolval"):
            if value is not None and hasattr(value, attr):
                parts.append(str(getattr(value, attr)))
                break
        else:
            return Unresolved(type(arg).__name__, "not a constant")
    return parts[0] if len(parts) == 1 else ", ".join(parts)
