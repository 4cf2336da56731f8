"""What the nightly HTML report costs on a large history: RUNS stored runs of FINDINGS findings each (SQLite).

    python3 -m benchmarks.nightly_report [--runs 30] [--findings 5000]

Prints the time to read the trend (every stored run's figures), to compute what changed, and to render the page,
with the page's size. Every finding has values and both fixes, as a drift finding has.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from scanner.history import FindingRow, RunRecord, SourceRow, open_store
from scanner.history.records import DriftRow, FixRow
from scanner.reporters.html import render_run, trend_of

_SEVERITIES = ("critical", "high", "medium", "low")


def night(day: int, findings: int) -> RunRecord:
    """A run: one finding in seven complies (a different seventh each night, so some are new and some fixed)."""
    rows = [FindingRow(f"fp{i}", f"ME-P-{i % 40:02d}", (f"ME-P-{i % 40:02d}",), _SEVERITIES[i % 4],
                       "violates" if (i + day) % 7 else "complies", f"aws_db_instance.db{i}", f"message {i}",
                       "backup_retention_days", declared="7", live="1", required=">= 7",
                       fixes=(FixRow("cloud", "aws-cli", "set it live", f"aws rds modify-db-instance --db-instance-"
                                     f"identifier db{i} --backup-retention-period 7 --apply-immediately"),
                              FixRow("iac", "terraform", "accept the live value", "backup_retention_period = 1")))
            for i in range(findings)]
    return RunRecord("nightly", "bench", f"2026-11-{1 + day % 28:02d}T02:00:00+00:00", 60.0, "0", "p", rows,
                     [SourceRow("aws", True)],
                     [DriftRow("changed", "aws_db_instance", f"aws_db_instance.db{i}", "aws", ("x",))
                      for i in range(findings // 10)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.nightly_report", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--findings", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "history.db") as store:
        for day in range(args.runs):
            last = night(day, args.findings)
            store.save(last)
        clock = time.perf_counter()
        points = trend_of(store, last)
        trend_s = time.perf_counter() - clock
        clock = time.perf_counter()
        changes = store.changes(last)
        changes_s = time.perf_counter() - clock
        clock = time.perf_counter()
        page = render_run(last, changes, points)
        render_s = time.perf_counter() - clock
    print(f"{args.runs} runs of {args.findings} findings: trend {trend_s:.2f} s ({len(points)} points), "
          f"changes {changes_s:.2f} s, render {render_s:.2f} s, page {len(page.encode()) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
