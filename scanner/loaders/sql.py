"""SQL files (migrations, setup scripts): parsed once with pglast, PostgreSQL's own parser.

Each statement goes to the module that understands it: ``ALTER SYSTEM`` and ``SET`` to
``scanner/loaders/postgresql.py`` (server and session settings), TimescaleDB and the tables and
indexes it builds on to ``scanner/loaders/timescale.py``. So one file may yield PostgreSQL and
TimescaleDB resources. psql meta-commands (``\\c db``, ``\\set``) are not SQL: they are blanked
before parsing, keeping every line where it was.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from scanner.loaders import loader, postgresql, timescale
from scanner.loaders.base import LoadResult, ParseError
from scanner.regex import lazy_compile

NAME = "sql"
SUFFIXES = (".sql", ".pgsql", ".psql")
_PSQL_META = lazy_compile(r"^[ \t]*\\.*$", re.M)
# Other dialects: claiming them would turn every file into a parse error.
_OTHER_DIALECT = lazy_compile(r"`\w+`|\bENGINE\s*=\s*\w+|\bAUTO_INCREMENT\b|^[^\S\n]*GO[^\S\n]*$|\[dbo\]", re.I | re.M)
_SQL_START = lazy_compile(r"\A(?:--[^\n]*\n|/\*(?:[^*]|\*(?!/))*\*/|\s)*"
                          r"(ALTER\s+SYSTEM|CREATE\s+(EXTENSION|TABLE|INDEX)|SELECT\s+\w+\s*\()", re.I | re.S)
_SKIP = lazy_compile(r"(?:\s|--[^\n]*\n|/\*(?:[^*]|\*(?!/))*\*/)*")


@loader("sql", order=30)
class SqlLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        suffix = path.suffix.lower()
        if suffix in SUFFIXES:
            return not _OTHER_DIALECT.search(head)
        return suffix in ("", ".txt") and bool(_SQL_START.match(head))

    def load(self, path: str, text: str) -> LoadResult:
        from pglast import parse_sql
        from pglast.parser import ParseError as SqlSyntaxError

        source = _PSQL_META.sub(lambda m: " " * len(m.group(0)), text)
        lines = LineIndex(source)
        try:
            statements = parse_sql(source)
        except SqlSyntaxError as exc:
            location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            return LoadResult(errors=[ParseError(path, lines.line(location) if location is not None else None,
                                                 f"SQL syntax error: {exc.args[0] if exc.args else exc}", NAME)])
        settings = postgresql.SettingsReader(path)
        result = LoadResult()
        for raw in statements:
            line = lines.statement_line(raw.stmt_location or 0)
            if not settings.add(raw.stmt, line):
                result.resources.extend(timescale.resources_of(raw.stmt, line, lines.line_or_zero, path))
        result.resources[:0] = settings.resources()
        return result


class LineIndex:
    """Character offsets (as pglast reports them) to 1-based lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int | None) -> int:
        return bisect.bisect_right(self.starts, max(offset or 0, 0))

    def line_or_zero(self, offset: int | None) -> int:
        return self.line(offset) if offset is not None and offset >= 0 else 0

    def statement_line(self, offset: int) -> int:
        """The line of a statement's first token: past the whitespace and comments before it."""
        skipped = _SKIP.match(self.text, offset)
        return self.line(skipped.end() if skipped else offset)
