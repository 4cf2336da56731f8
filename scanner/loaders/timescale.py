"""TimescaleDB (and the plain PostgreSQL objects it builds on) from parsed SQL statements.

``scanner/loaders/sql.py`` parses each SQL file once with pglast and hands every statement here;
``resources_of`` turns the ones TimescaleDB cares about into Resources, each at its own line:

- ``CREATE EXTENSION timescaledb``                      -> timescaledb_extension
- ``CREATE TABLE`` (and ``WITH (tsdb.hypertable, ...)``) -> postgresql_table (+ timescaledb_hypertable)
- ``SELECT create_hypertable(...)``                     -> timescaledb_hypertable
- ``CREATE INDEX``                                      -> postgresql_index
- ``ALTER TABLE ... SET (timescaledb.compress, ...)``    -> timescaledb_compression
- ``add_compression_policy`` / ``CALL add_columnstore_policy`` -> timescaledb_compression_policy
- ``CREATE MATERIALIZED VIEW ... WITH (timescaledb.continuous)`` -> timescaledb_continuous_aggregate
- ``add_continuous_aggregate_policy``                   -> timescaledb_refresh_policy
- ``add_retention_policy``                              -> timescaledb_retention_policy

Function arguments are read by name or position (TimescaleDB's signatures below); intervals stay
as written (``'90 days'``), the mapping table turns them into durations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.model import Origin, Resource, Unresolved

# Positional parameter names of the TimescaleDB functions read here (TimescaleDB 2.x API reference).
SIGNATURES: dict[str, tuple[str, ...]] = {
    "create_hypertable": ("relation", "time_column_name", "partitioning_column", "number_partitions",
                          "associated_schema_name", "associated_table_prefix", "chunk_time_interval"),
    "add_compression_policy": ("hypertable", "compress_after", "if_not_exists", "schedule_interval"),
    "add_columnstore_policy": ("hypertable", "after", "if_not_exists", "schedule_interval"),
    "add_retention_policy": ("relation", "drop_after", "if_not_exists", "schedule_interval"),
    "add_continuous_aggregate_policy": ("continuous_aggregate", "start_offset", "end_offset", "schedule_interval",
                                        "if_not_exists"),
}
CALL_TYPES = {
    "create_hypertable": ("timescaledb_hypertable", "hypertable", "relation"),
    "add_compression_policy": ("timescaledb_compression_policy", "compression_policy", "hypertable"),
    "add_columnstore_policy": ("timescaledb_compression_policy", "compression_policy", "hypertable"),
    "add_retention_policy": ("timescaledb_retention_policy", "retention_policy", "relation"),
    "add_continuous_aggregate_policy": ("timescaledb_refresh_policy", "refresh_policy", "continuous_aggregate"),
}
# ALTER TABLE ... SET (...) options, with the TimescaleDB 2.18+ columnstore spellings.
COMPRESSION_OPTIONS = {"compress": "compress", "enable_columnstore": "compress",
                       "compress_segmentby": "segmentby", "segmentby": "segmentby",
                       "compress_orderby": "orderby", "orderby": "orderby",
                       "compress_chunk_time_interval": "chunk_time_interval"}
HYPERTABLE_NAMESPACES = ("timescaledb", "tsdb")

LineOf = Callable[[int | None], int]


def resources_of(stmt: Any, line: int, line_of: LineOf, path: str) -> list[Resource]:
    """Resources for one statement (``line`` is where it starts; ``line_of`` maps offsets to lines)."""
    kind = type(stmt).__name__
    handler = _HANDLERS.get(kind)
    return handler(stmt, line, line_of, path) if handler else []


def _resource(provider: str, rtype: str, address: str, attributes: LineDict, path: str) -> Resource:
    return Resource(provider, rtype, address, Origin(path, attributes.line, attributes.end_line), attributes,
                    format="sql")


def _relation_name(rangevar: Any) -> str:
    parts = [p for p in (getattr(rangevar, "schemaname", None), rangevar.relname) if p]
    return ".".join(parts)


def _extension(stmt: Any, line: int, line_of: LineOf, path: str) -> list[Resource]:
    if str(stmt.extname).lower() != "timescaledb":
        return []
    attrs = LineDict.at(line)
    attrs.put("name", stmt.extname, line)
    attrs.put("if_not_exists", bool(stmt.if_not_exists), line)
    for option in stmt.options or ():
        attrs.put(option.defname, _const(option.arg) if option.arg is not None else True, line)
    return [_resource("timescaledb", "timescaledb_extension", "extension timescaledb", attrs, path)]


def _create_table(stmt: Any, line: int, line_of: LineOf, path: str) -> list[Resource]:
    name = _relation_name(stmt.relation)
    attrs = LineDict.at(line)
    attrs.put("name", name, line)
    columns = LineList(str(e.colname) for e in stmt.tableElts or () if type(e).__name__ == "ColumnDef")
    columns.line = columns.end_line = line
    attrs.put("columns", columns, line)
    out = [_resource("postgresql", "postgresql_table", f"table {name}", attrs, path)]
    options = {o.defname: o for o in stmt.options or () if (o.defnamespace or "") in HYPERTABLE_NAMESPACES}
    if "hypertable" in options:  # TimescaleDB 2.19+: CREATE TABLE ... WITH (tsdb.hypertable, ...)
        hyper = LineDict.at(line)
        hyper.put("relation", name, line)
        column = options.get("partition_column") or options.get("time_column")
        if column is not None:
            hyper.put("time_column_name", _const(column.arg), line)
        if "chunk_interval" in options:
            hyper.put("chunk_time_interval", _const(options["chunk_interval"].arg), line)
        out.append(_resource("timescaledb", "timescaledb_hypertable", f"hypertable {name}", hyper, path))
    return out


def _index(stmt: Any, line: int, line_of: LineOf, path: str) -> list[Resource]:
    table = _relation_name(stmt.relation)
    attrs = LineDict.at(line)
    attrs.put("name", stmt.idxname, line)
    attrs.put("table", table, line)
    attrs.put("unique", bool(stmt.unique), line)
    attrs.put("method", stmt.accessMethod, line)
    columns = LineList()
    columns.line = columns.end_line = line
    for elem in stmt.indexParams or ():
        text = str(elem.name) if elem.name else _sql(elem.expr)
        direction = getattr(elem.ordering, "name", "")
        if direction == "SORTBY_DESC":
            text += " DESC"
        columns.append(text)
    attrs.put("columns", columns, line)
    name = stmt.idxname or f"on {table} ({', '.join(columns)})"
    return [_resource("postgresql", "postgresql_index", f"index {name}", attrs, path)]


def _alter_table(stmt: Any, line: int, line_of: LineOf, path: str) -> list[Resource]:
    table = _relation_name(stmt.relation)
    attrs = LineDict.at(line)
    attrs.put("table", table, line)
    found = False
    for cmd in stmt.cmds or ():
        if getattr(cmd.subtype, "name", "") != "AT_SetRelOptions":
            continue
        for option in cmd.def_ or ():
            key = COMPRESSION_OPTIONS.get(option.defname)
            if (option.defnamespace or "") not in HYPERTABLE_NAMESPACES or key is None:
                continue
            value = True if option.arg is None else _const(option.arg)
            attrs.put(key, value, line_of(getattr(option, "location", None)) or line)
            found = True
    return [_resource("timescaledb", "timescaledb_compression", f"compression {table}", attrs, path)] if found else []


def _create_table_as(stmt: Any, line: int, line_of: LineOf, path: str) -> list[Resource]:
    into = stmt.into
    options = {(o.defnamespace or "", o.defname): o for o in getattr(into, "options", None) or ()}
    continuous = next((o for (ns, name), o in options.items()
                       if ns in HYPERTABLE_NAMESPACES and name == "continuous"), None)
    if continuous is None or (continuous.arg is not None and str(_const(continuous.arg)).lower() in ("false", "off")):
        return []
    view = _relation_name(into.rel)
    attrs = LineDict.at(line)
    attrs.put("name", view, line)
    query = stmt.query
    sources = LineList(_relation_name(f) for f in getattr(query, "fromClause", None) or ()
                       if type(f).__name__ == "RangeVar")
    sources.line = sources.end_line = line
    attrs.put("source", sources[0] if len(sources) == 1 else sources, line)
    for target in getattr(query, "targetList", None) or ():
        call = target.val
        if type(call).__name__ == "FuncCall" and _func_name(call) in ("time_bucket", "time_bucket_ng") and call.args:
            attrs.put("bucket_width", _const(call.args[0]), line_of(call.location) or line)
            break
    return [_resource("timescaledb", "timescaledb_continuous_aggregate", f"continuous_aggregate {view}", attrs,
                      path)]


def _select(stmt: Any, line: int, line_of: LineOf, path: str) -> list[Resource]:
    """``SELECT f(...)``, ``SELECT * FROM f(...)`` and ``CALL f(...)`` of the TimescaleDB functions."""
    calls = [t.val for t in getattr(stmt, "targetList", None) or () if type(t.val).__name__ == "FuncCall"]
    if type(stmt).__name__ == "CallStmt" and stmt.funccall is not None:
        calls.append(stmt.funccall)
    for item in getattr(stmt, "fromClause", None) or ():
        if type(item).__name__ == "RangeFunction":
            for function in item.functions or ():
                calls.extend(f for f in function if type(f).__name__ == "FuncCall")
    out = []
    for call in calls:
        name = _func_name(call)
        if name not in CALL_TYPES:
            continue
        rtype, label, subject = CALL_TYPES[name]
        attrs = _call_arguments(call, name, line_of, line_of(call.location) or line)
        attrs.put("function", name, attrs.line)
        target = attrs.get(subject)
        shown = target if isinstance(target, str) else "?"
        out.append(_resource("timescaledb", rtype, f"{label} {shown}", attrs, path))
    return out


def _call_arguments(call: Any, name: str, line_of: LineOf, line: int) -> LineDict:
    attrs = LineDict.at(line)
    positional = SIGNATURES.get(name, ())
    for index, arg in enumerate(call.args or ()):
        arg_line = line_of(_location(arg)) or line
        if type(arg).__name__ == "NamedArgExpr":
            key, value = str(arg.name), arg.arg
        else:
            key = positional[index] if index < len(positional) else f"arg{index}"
            value = arg
        if name == "create_hypertable" and type(value).__name__ == "FuncCall" and _func_name(value) == "by_range":
            # TimescaleDB 2.13+: create_hypertable('t', by_range('time', INTERVAL '1 day'))
            inner = [_const(a.arg if type(a).__name__ == "NamedArgExpr" else a) for a in value.args or ()]
            attrs.put("time_column_name", inner[0] if inner else None, arg_line)
            if len(inner) > 1:
                attrs.put("chunk_time_interval", inner[1], arg_line)
            continue
        attrs.put("time_column_name" if key == "dimension" else key, _const(value), arg_line)
    return attrs


def _location(node: Any) -> int | None:
    for candidate in (node, getattr(node, "arg", None), getattr(node, "typeName", None),
                      getattr(getattr(node, "arg", None), "typeName", None)):
        location = getattr(candidate, "location", None) if candidate is not None else None
        if isinstance(location, int) and location >= 0:
            return location
    return None


def _func_name(call: Any) -> str:
    names = [getattr(n, "sval", "") for n in call.funcname or ()]
    return str(names[-1]).lower() if names else ""


def _const(node: Any) -> Any:
    """A constant argument as Python: strings, numbers, booleans, ``INTERVAL '90 days'`` as its text."""
    kind = type(node).__name__
    if kind == "A_Const":
        value = node.val
        if value is None:
            return None
        for attr in ("sval", "ival", "fval", "boolval"):
            if hasattr(value, attr):
                raw = getattr(value, attr)
                return float(raw) if attr == "fval" else raw
    if kind == "String":
        return node.sval
    if kind == "Integer":
        return node.ival
    if kind == "Boolean":
        return bool(node.boolval)
    if kind == "TypeCast":
        inner = _const(node.arg)
        return inner if not isinstance(inner, Unresolved) else Unresolved(_sql(node), inner.reason)
    if kind == "TypeName":
        return ".".join(getattr(n, "sval", "") for n in node.names or ())
    return Unresolved(_sql(node), "an expression the database evaluates")


def _sql(node: Any) -> str:
    """The SQL text of an AST node (pglast's own printer)."""
    from pglast.stream import RawStream

    try:
        return str(RawStream()(node))
    except Exception:  # the printer does not know every node; the type name still says what it was
        return type(node).__name__


_HANDLERS: dict[str, Callable[[Any, int, LineOf, str], list[Resource]]] = {
    "CreateExtensionStmt": _extension,
    "CreateStmt": _create_table,
    "IndexStmt": _index,
    "AlterTableStmt": _alter_table,
    "CreateTableAsStmt": _create_table_as,
    "SelectStmt": _select,
    "CallStmt": _select,
}
