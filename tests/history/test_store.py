"""The run history store: SQLite created on first use, migrations in order, an old store opened by a newer
specdrift, one transaction per run, what changed since the previous run of a scope; and the same on PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.history import FindingRow, RunRecord, SourceRow, StoreError, open_store
from scanner.history.records import DriftRow
from scanner.history.store import Store, migrations
from tests.conftest import server_unavailable
from tests.history.old_stores import write_old_schema

POSTGRES = "postgresql://postgres:not-the-secret-9f3k@127.0.0.1:5432/postgres"


def finding(fp: str, status: str = "violates", severity: str = "high", accepted: bool = False) -> FindingRow:
    return FindingRow(fp, f"POL-{fp}", ("REQ-1",), severity, status, f"aws_db_instance.{fp}", f"message {fp}",
                      "backup_retention_days", accepted, False, "team-db" if accepted else None)


def run(*findings: FindingRow, scope: str = "prod") -> RunRecord:
    return RunRecord("nightly", scope, "2026-12-06T02:00:00+00:00", 1.5, "0.1", "abc123", list(findings),
                     [SourceRow("redis", True), SourceRow("aws", False, "access denied", 0.2)],
                     [DriftRow("changed", "aws_db_instance", "aws_db_instance.a", "aws", ("backup_retention_days",))],
                     {"collect": 1.0})


def test_a_sqlite_store_is_created_on_first_use_with_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "history.db"
    with open_store(path) as store:
        assert store.version() == len(migrations()) >= 2
    assert path.exists()
    with sqlite3.connect(path) as db:
        assert [r[0] for r in db.execute("SELECT version FROM schema_version ORDER BY version")] == \
            list(range(1, len(migrations()) + 1))


def test_a_run_reads_back_whole(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.db") as store:
        written = run(finding("a"), finding("b", accepted=True))
        run_id = store.save(written)
        assert written.id == run_id
        assert store.run(run_id) == written
        with pytest.raises(StoreError, match="no run 99"):
            store.run(99)


def test_changes_since_the_previous_run_of_the_same_scope(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.db") as store:
        store.save(run(finding("kept"), finding("fixed"), finding("to-accept"), finding("ok", "complies")))
        store.save(run(finding("other-scope"), scope="staging"))  # another scope is not "the previous run"
        second = run(finding("kept"), finding("new", severity="critical"), finding("to-accept", accepted=True),
                     finding("ok", "complies"), finding("new-low", severity="low"))
        store.save(second)
        changes = store.changes(second)
    assert changes.previous == 1
    assert [f.fingerprint for f in changes.new] == ["new", "new-low"]  # worst first
    assert [f.fingerprint for f in changes.fixed] == ["fixed"]
    assert [f.fingerprint for f in changes.still_open] == ["kept"]
    assert [f.fingerprint for f in changes.newly_accepted] == ["to-accept"]
    assert changes.counts() == {"new": 2, "fixed": 1, "open": 3, "newly_accepted": 1}


def test_the_first_run_of_a_scope_has_everything_new(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.db") as store:
        store.save(run(finding("x"), scope="a"))
        first = run(finding("y"), scope="b")
        store.save(first)
        changes = store.changes(first.id or 0)
    assert changes.previous is None and [f.fingerprint for f in changes.new] == ["y"] and not changes.fixed


def test_a_run_killed_mid_write_leaves_no_trace_and_earlier_runs_intact(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.db"
    with open_store(path) as store:
        kept = store.save(run(finding("a")))

        def killed(self: Store, run_id: int, record: RunRecord) -> None:
            self._execute("INSERT INTO findings (run_id, fingerprint, policy, requirements, severity, status, "
                          "resource, message, accepted, suppressed) VALUES (?, 'half', 'P', '', 'high', "
                          "'violates', 'r', 'm', 0, 0)", (run_id,))
            raise KeyboardInterrupt  # the process is stopped half way through the run's rows

        monkeypatch.setattr(Store, "_insert_all", killed)
        with pytest.raises(KeyboardInterrupt):
            store.save(run(finding("b")))
    with open_store(path) as store, sqlite3.connect(path) as db:
        assert store.run_ids() == [kept]
        assert store.run(kept).findings == [finding("a")]
        assert db.execute("SELECT COUNT(*) FROM findings WHERE fingerprint = 'half'").fetchone()[0] == 0


def test_a_store_written_by_version_1_opens_in_this_one_with_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as db:  # what specdrift with only migration 1 left behind
        write_old_schema(db, 1)
        db.execute("INSERT INTO runs (kind, scope, started_at, duration_s, tool_version, pack_version, timings) "
                   "VALUES ('drift', 'prod', '2026-01-01T02:00:00+00:00', 2.0, '0.0.9', 'old', '{}')")
        db.execute("INSERT INTO findings VALUES (1, 'a', 'POL-a', 'REQ-1', 'high', 'violates', "
                   "'aws_db_instance.a', 'backup_retention_days', 'message a', 0, 0)")
    with open_store(path, upgrade=False) as old:
        assert old.version() == 1
    with open_store(path) as store:
        assert store.version() == len(migrations())
        old_run = store.run(1)
        assert old_run.tool_version == "0.0.9" and old_run.findings == [finding("a")] and old_run.drift == []
        newer = run(finding("a"), finding("b"))
        store.save(newer)
        assert [f.fingerprint for f in store.changes(newer).new] == ["b"]


def test_a_store_newer_than_this_specdrift_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    open_store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_version VALUES (999, 'later')")
    with pytest.raises(StoreError, match="schema version 999, newer"):
        open_store(path)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway schema on the local server, dropped afterwards; the URL's search_path points into it."""
    psycopg: Any = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        server_unavailable(f"PostgreSQL on 127.0.0.1:5432: {exc}")
    schema = f"specdrift_history_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.mark.server
def test_postgresql_store_keeps_runs_and_changes_like_sqlite(postgres_url: str) -> None:
    with open_store(postgres_url) as store:
        assert store.version() == len(migrations())
        store.save(run(finding("kept"), finding("fixed")))
        second = run(finding("kept"), finding("new"))
        store.save(second)
        assert store.run(second.id or 0) == second
        changes = store.changes(second)
        assert [f.fingerprint for f in changes.new] == ["new"] and [f.fingerprint for f in changes.fixed] == ["fixed"]
        assert "not-the-secret" not in store.where
    with open_store(postgres_url) as again:  # opening a second time applies nothing twice
        assert again.version() == len(migrations()) and len(again.run_ids()) == 2


@pytest.mark.server
def test_postgresql_run_killed_mid_write_leaves_earlier_runs(postgres_url: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(postgres_url) as store:
        kept = store.save(run(finding("a")))

        def killed(self: Store, run_id: int, record: RunRecord) -> None:
            raise RuntimeError("killed")

        monkeypatch.setattr(Store, "_insert_all", killed)
        with pytest.raises(RuntimeError):
            store.save(run(finding("b")))
        assert store.run_ids() == [kept]


def test_a_findings_values_and_fixes_read_back_and_a_version_2_store_gains_the_column(tmp_path: Path) -> None:
    from scanner.history.records import FixRow

    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as db:  # what specdrift with migrations 1 and 2 left behind
        write_old_schema(db, 2)
        db.execute("INSERT INTO runs (kind, scope, started_at, duration_s, tool_version, pack_version, timings) "
                   "VALUES ('drift', 'prod', '2026-01-01T02:00:00+00:00', 2.0, '0.0.9', 'old', '{}')")
        db.execute("INSERT INTO findings VALUES (1, 'a', 'POL-a', 'REQ-1', 'high', 'violates', "
                   "'aws_db_instance.a', 'backup_retention_days', 'message a', 0, 0, NULL)")
    detailed = FindingRow("d", "POL-d", ("REQ-1",), "high", "violates", "aws_db_instance.d", "too short",
                          "backup_retention_days", declared="7", live="1", required=">= 7",
                          fixes=(FixRow("cloud", "aws-cli", "set it live", "aws rds modify-db-instance ..."),
                                 FixRow("iac", "terraform", "or accept it", 'backup_retention_period = 1')))
    with open_store(path) as store:
        assert store.version() == len(migrations()) >= 3
        assert store.run(1).findings == [finding("a")]  # stored before: no values, no fixes
        newer = run(detailed, finding("b"))
        store.save(newer)
        assert store.run(newer.id or 0).findings == [detailed, finding("b")]


@pytest.mark.server
def test_postgresql_keeps_values_and_fixes_and_counts_runs_like_sqlite(postgres_url: str, tmp_path: Path) -> None:
    from scanner.history.records import FixRow

    detailed = FindingRow("d", "POL-d", ("REQ-1",), "high", "violates", "db.d", "m", "retention", declared="7",
                          live="1", required=">= 7", fixes=(FixRow("cloud", "aws-cli", "set", "aws rds ..."),))
    runs = [run(detailed, finding("a", accepted=True), finding("u", "unknown")), run(finding("x"))]
    counts = []
    for where in (postgres_url, tmp_path / "h.db"):
        with open_store(where) as store:
            ids = [store.save(r) for r in runs]
            assert store.run(ids[0]).findings[0] == detailed
            counts.append(store.run_counts(ids))
    assert counts[0] == counts[1] == [(1, runs[0].started_at, 1, 1, 1, 1), (2, runs[1].started_at, 1, 1, 0, 0)]


def test_a_drifted_settings_map_is_stored_by_the_entries_that_differ() -> None:
    from scanner.history.capture import _differing

    declared, live = _differing({"shared_buffers": "8GB", "work_mem": "16MB"},
                                {"shared_buffers": "128MB", "work_mem": "16384kB", "jit": "on"})
    assert (declared, live) == ({"shared_buffers": "8GB"}, {"shared_buffers": "128MB", "jit": "on"})
    assert _differing(["a"], ["b"]) == (["a"], ["b"])
