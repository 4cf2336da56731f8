"""The history store: SQLite in a file or PostgreSQL by URL, one schema built by versioned SQL.

Both databases are driven through their DB-API connection with explicit ``BEGIN``/``COMMIT``, so a run and a
migration are each one transaction on either. The SQL is written once with ``?`` placeholders and ``{serial}``
for the generated key; each dialect spells those its own way.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scanner.history.records import Changes, DriftRow, FindingRow, FixRow, RunRecord, SourceRow, changes_between
from scanner.regex import lazy_compile

MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_NAME = lazy_compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_MIGRATION_LOCK = 0x5D1F7  # the PostgreSQL advisory lock migrations hold (any constant of our own)


class StoreError(Exception):
    """The store cannot be opened, is newer than this specdrift, or a run is not in it."""


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every shipped migration, in order; versions run 1, 2, ... without a hole."""
    found = sorted((int(m.group(1)), p) for p in MIGRATIONS.iterdir() if (m := _MIGRATION_NAME.match(p.name)))
    if [v for v, _ in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations in {MIGRATIONS} are not numbered 1..N: {[v for v, _ in found]}")
    return [(v, p.read_text(encoding="utf-8")) for v, p in found]


def details_json(finding: FindingRow) -> str | None:
    """The details column: a finding's values and fixes as JSON (NULL when it has none)."""
    if finding.declared is None and finding.live is None and finding.required is None and not finding.fixes:
        return None
    return json.dumps({"declared": finding.declared, "live": finding.live, "required": finding.required,
                       "fixes": [[x.direction, x.format, x.description, x.snippet] for x in finding.fixes]})


def details_of(text: str | None) -> dict[str, Any]:
    """The FindingRow fields the details column holds (none for a run stored before version 4)."""
    if not text:
        return {}
    data = json.loads(text)
    return {"declared": data.get("declared"), "live": data.get("live"), "required": data.get("required"),
            "fixes": tuple(FixRow(*fix) for fix in data.get("fixes", ()))}


@dataclass(frozen=True)
class _Dialect:
    name: str
    serial: str
    placeholder: str

    def sql(self, text: str) -> str:
        return text.replace("{serial}", self.serial).replace("?", self.placeholder)


SQLITE = _Dialect("sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT", "?")
POSTGRES = _Dialect("postgresql", "BIGSERIAL PRIMARY KEY", "%s")


def statements(script: str) -> list[str]:
    """A migration's statements: split on ``;`` at line ends, comments dropped (no statement spans a ``;``)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def open_store(location: str | Path, *, upgrade: bool = True) -> Store:
    """The store at ``location``: a ``postgresql://`` URL, or a SQLite file (made, with its folder, if absent).

    ``upgrade``: apply the migrations it lacks (False only to look at an old store as it is)."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency of the live side
            raise StoreError("a PostgreSQL store needs psycopg (pip install 'psycopg[binary]')") from exc
        try:
            connection: Any = psycopg.connect(text, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the history store: {_without_password(str(exc))}") from exc
        store = Store(connection, POSTGRES, _without_password(text))
    else:
        path = Path(text)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: no implicit transactions, ours are explicit BEGIN ... COMMIT
            connection = sqlite3.connect(path, isolation_level=None)
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the history store {path}: {exc}") from exc
        store = Store(connection, SQLITE, str(path))
    if upgrade:
        store.migrate()
    return store


def _without_password(text: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", text)


class Store:
    """Runs in a database: ``save`` one, list them, read one back, compare it with the previous of its scope."""

    def __init__(self, connection: Any, dialect: _Dialect, where: str) -> None:
        self.connection, self.dialect, self.where = connection, dialect, where

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """One statement (``?`` placeholders) inside or outside a ``transaction``; its cursor."""
        return self._execute(sql, params)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row a query returns."""
        return self._rows(sql, params)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.connection.cursor()
        cursor.execute(self.dialect.sql(sql), tuple(params))
        return cursor

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._execute(sql, params).fetchall())

    @contextmanager
    def transaction(self, exclusive: bool = False) -> Iterator[None]:
        """One transaction: committed when the block ends, rolled back (nothing of it kept) when it raises.
        ``exclusive`` (SQLite): take the write lock at the start, so what the block reads stays true."""
        self._execute("BEGIN IMMEDIATE" if exclusive and self.dialect is SQLITE else "BEGIN")
        try:
            yield
        except BaseException:
            self._execute("ROLLBACK")
            raise
        self._execute("COMMIT")

    def version(self) -> int:
        """The schema version of the store (0: empty)."""
        if not self._has_table("schema_version"):
            return 0
        return int(self._rows("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0])

    def _has_table(self, name: str) -> bool:
        if self.dialect is SQLITE:
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        else:  # the schema the connection's search_path writes to
            sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
        return bool(self._rows(sql, (name,)))

    @contextmanager
    def _migrating(self) -> Iterator[None]:
        """One process migrates at a time: the shards of a night open a new store at the same moment, and two
        ``CREATE TABLE``s of one migration would fail the second (PostgreSQL: an advisory lock for the session;
        SQLite: each migration's exclusive transaction reads the version again)."""
        if self.dialect is POSTGRES:
            self._execute("SELECT pg_advisory_lock(?)", (_MIGRATION_LOCK,))
        try:
            yield
        finally:
            if self.dialect is POSTGRES:
                self._execute("SELECT pg_advisory_unlock(?)", (_MIGRATION_LOCK,))

    def migrate(self) -> int:
        """Apply the migrations the store lacks, each in its own transaction; the version reached."""
        shipped = migrations()
        with self._migrating():
            current = self.version()
            if current > len(shipped):
                raise StoreError(f"the history store {self.where} is at schema version {current}, newer than this "
                                 f"specdrift knows ({len(shipped)}): upgrade specdrift")
            for version, script in shipped[current:]:
                self._apply(version, script)
        return len(shipped)

    def _apply(self, version: int, script: str) -> None:
        with self.transaction(exclusive=True):
            if self.version() >= version:  # another process applied it meanwhile
                return
            if version == 1:
                self._execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            for statement in statements(script):
                self._execute(statement)
            self._execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                          (version, datetime.now(timezone.utc).isoformat(timespec="seconds")))

    def save(self, run: RunRecord) -> int:
        """Write ``run`` in one transaction; its new id (also set on ``run``)."""
        with self.transaction():
            run_id = int(self._execute(
                "INSERT INTO runs (kind, scope, started_at, duration_s, tool_version, pack_version, timings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (run.kind, run.scope, run.started_at, run.duration_s, run.tool_version, run.pack_version,
                 json.dumps(run.timings, sort_keys=True))).fetchone()[0])
            self._insert_all(run_id, run)
        run.id = run_id
        return run_id

    def _insert_all(self, run_id: int, run: RunRecord) -> None:
        cursor = self.connection.cursor()
        cursor.executemany(self.dialect.sql(
            "INSERT INTO findings (run_id, fingerprint, policy, requirements, severity, status, resource, fact, "
            "message, accepted, suppressed, owner, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            [(run_id, f.fingerprint, f.policy, ",".join(f.requirements), f.severity, f.status, f.resource, f.fact,
              f.message, int(f.accepted), int(f.suppressed), f.owner, details_json(f)) for f in run.findings])
        cursor.executemany(self.dialect.sql(
            "INSERT INTO sources (run_id, name, up, reason, duration_s) VALUES (?, ?, ?, ?, ?)"),
            [(run_id, s.name, int(s.up), s.reason, s.duration_s) for s in run.sources])
        cursor.executemany(self.dialect.sql(
            "INSERT INTO drift_items (run_id, status, resource_type, address, source, facts) "
            "VALUES (?, ?, ?, ?, ?, ?)"),
            [(run_id, d.status, d.resource_type, d.address, d.source, json.dumps(list(d.facts))) for d in run.drift])

    def run_ids(self, scope: str | None = None, limit: int | None = None) -> list[int]:
        """Ids of the stored runs (of ``scope``), newest first."""
        where, params = ("WHERE scope = ?", (scope,)) if scope is not None else ("", ())
        sql = f"SELECT id FROM runs {where} ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        return [int(r[0]) for r in self._rows(sql, params)]

    def run_counts(self, run_ids: Sequence[int]) -> list[tuple[int, str, int, int, int, int]]:
        """(id, started_at, open, drift items, accepted, unknown) of each run, in id order: a trend's figures
        counted by the database, without reading the runs whole."""
        if not run_ids:
            return []
        marks = ", ".join("?" for _ in run_ids)
        drift = dict(self._rows(f"SELECT run_id, COUNT(*) FROM drift_items WHERE run_id IN ({marks}) GROUP BY run_id",
                                run_ids))
        rows = self._rows(
            "SELECT r.id, r.started_at, "
            "COALESCE(SUM(CASE WHEN f.status = 'violates' AND f.accepted = 0 THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN f.accepted <> 0 THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN f.status IN ('unknown', 'error') AND f.accepted = 0 THEN 1 ELSE 0 END), 0) "
            f"FROM runs r LEFT JOIN findings f ON f.run_id = r.id WHERE r.id IN ({marks}) "
            "GROUP BY r.id, r.started_at ORDER BY r.id", run_ids)
        return [(int(i), started, int(n_open), int(drift.get(i, 0)), int(accepted), int(unknown))
                for i, started, n_open, accepted, unknown in rows]

    def run(self, run_id: int) -> RunRecord:
        """The stored run ``run_id``, whole."""
        rows = self._rows("SELECT id, kind, scope, started_at, duration_s, tool_version, pack_version, timings "
                          "FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise StoreError(f"no run {run_id} in the history store {self.where}")
        rid, kind, scope, started, duration, tool, pack, timings = rows[0]
        findings = [FindingRow(fp, policy, tuple(r for r in reqs.split(",") if r), sev, status, res, msg, fact,
                               bool(acc), bool(sup), owner, **details_of(details))
                    for fp, policy, reqs, sev, status, res, msg, fact, acc, sup, owner, details in self._rows(
                        "SELECT fingerprint, policy, requirements, severity, status, resource, message, fact, "
                        "accepted, suppressed, owner, details FROM findings WHERE run_id = ?", (run_id,))]
        sources = [SourceRow(n, bool(up), reason, float(d)) for n, up, reason, d in self._rows(
            "SELECT name, up, reason, duration_s FROM sources WHERE run_id = ?", (run_id,))]
        drift = [DriftRow(st, rt, addr, src, tuple(json.loads(facts))) for st, rt, addr, src, facts in self._rows(
            "SELECT status, resource_type, address, source, facts FROM drift_items WHERE run_id = ?", (run_id,))]
        return RunRecord(kind, scope, started, float(duration), tool, pack, findings, sources, drift,
                         json.loads(timings), int(rid))

    def previous(self, run: RunRecord) -> RunRecord | None:
        """The run of the same scope stored just before ``run``."""
        rows = self._rows("SELECT MAX(id) FROM runs WHERE scope = ? AND id < ?", (run.scope, run.id))
        return self.run(int(rows[0][0])) if rows and rows[0][0] is not None else None

    def changes(self, run: RunRecord | int) -> Changes:
        """What ``run`` changed since the previous run of its scope."""
        current = self.run(run) if isinstance(run, int) else run
        return changes_between(current, self.previous(current))
