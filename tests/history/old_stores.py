"""Stores as older specdrift versions left them: the schema of migrations 1..N and its version rows, so a test
can check that this version opens them (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from scanner.history.store import migrations, statements

SQLITE_SERIAL = "INTEGER PRIMARY KEY AUTOINCREMENT"
POSTGRES_SERIAL = "BIGSERIAL PRIMARY KEY"


def write_old_schema(db: Any, versions: int, serial: str = SQLITE_SERIAL, mark: str = "?",
                     applied_at: str = "2026-01-01T00:00:00+00:00") -> None:
    """Apply migrations 1..``versions`` to ``db`` (a DB-API connection; ``mark``: its parameter placeholder)."""
    db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    for version, script in migrations()[:versions]:
        for statement in statements(script.replace("{serial}", serial)):
            db.execute(statement)
        db.execute(f"INSERT INTO schema_version VALUES ({mark}, '{applied_at}')", (version,))
