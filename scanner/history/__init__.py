"""Run history: every ``drift`` and ``nightly`` run stored, and what changed since the previous run of its scope.

A store is SQLite in a file (created on first use) or PostgreSQL by URL; both are built by the versioned SQL in
``migrations/`` applied in order (``schema_version`` says how far a store is), so a store an older specdrift
wrote opens in a newer one. A run is written in one transaction: a run killed mid-write leaves none of itself
and every earlier run intact.
"""

from __future__ import annotations

from scanner.history.records import Changes, DriftRow, FindingRow, RunRecord, SourceRow, changes_between
from scanner.history.store import Store, StoreError, open_store

__all__ = ["Changes", "DriftRow", "FindingRow", "RunRecord", "SourceRow", "Store", "StoreError", "changes_between",
           "open_store"]
