"""``specdrift history [--store PATH|URL] [--scope S] [--show RUN]``: the stored runs, and what each changed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_OK, command

DEFAULT_STORE = ".specdrift/history.db"


def add_store_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--store", metavar="PATH|URL", help=help_text)


@command("history", order=85)
def register(sub: Any) -> None:
    history = sub.add_parser("history", help="list stored drift and nightly runs, and what each changed", description=(
        "The runs `drift --store` and `nightly` stored: when, which scope, how many findings, and what was new or "
        "fixed since the previous run of the same scope."))
    add_store_argument(history, f"the history store: a SQLite file or a postgresql:// URL (default {DEFAULT_STORE})")
    history.add_argument("--scope", metavar="SCOPE", help="only the runs of this scope")
    history.add_argument("--limit", type=int, default=20, metavar="N", help="the newest N runs (default 20)")
    history.add_argument("--show", type=int, metavar="RUN", help="one run: its sources, drift and what changed")
    history.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scanner.history import StoreError, open_store

    try:
        with open_store(args.store or DEFAULT_STORE) as store:
            if args.show is not None:
                print("\n".join(show_lines(store, args.show)))
                return EXIT_OK
            print("\n".join(list_lines(store, args.scope, args.limit)))
    except StoreError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def list_lines(store: Any, scope: str | None, limit: int) -> list[str]:
    """One line per run, newest first."""
    lines = [f"{'RUN':>5}  {'STARTED':25}  {'KIND':7}  {'SCOPE':16}  {'OPEN':>5}  {'ACCEPTED':>8}  {'DRIFT':>5}  "
             f"{'NEW':>4}  {'FIXED':>5}  SOURCES DOWN"]
    for run_id in store.run_ids(scope, limit):
        record = store.run(run_id)
        changes = store.changes(record)
        down = ",".join(s.name for s in record.sources if not s.up) or "-"
        lines.append(f"{run_id:>5}  {record.started_at:25}  {record.kind:7}  {record.scope:16}  "
                     f"{sum(f.open for f in record.findings):>5}  {sum(f.accepted for f in record.findings):>8}  "
                     f"{len(record.drift):>5}  {len(changes.new):>4}  {len(changes.fixed):>5}  {down}")
    if len(lines) == 1:
        lines.append(f"(no runs in {store.where})")
    return lines


def show_lines(store: Any, run_id: int) -> list[str]:
    """One run in full: what it was, its sources, what changed since the previous run of its scope."""
    record = store.run(run_id)
    changes = store.changes(record)
    since = f"run {changes.previous}" if changes.previous is not None else "nothing (first run of this scope)"
    lines = [f"run {run_id}: {record.kind} of scope {record.scope}, started {record.started_at}, "
             f"{record.duration_s:.1f} s, specdrift {record.tool_version}, pack {record.pack_version}",
             f"compared with {since}: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in changes.counts().items())]
    for source in record.sources:
        lines.append(f"  source {source.name}: " + ("up" if source.up else f"DOWN ({source.reason})"))
    for title, rows in (("new", changes.new), ("fixed", changes.fixed), ("still open", changes.still_open),
                        ("newly accepted", changes.newly_accepted)):
        if rows:
            lines.append(f"{title}:")
            lines.extend(f"  [{f.severity}] {f.policy} {f.resource}" + (f" {f.fact}" if f.fact else "")
                         + (f" (owner {f.owner})" if f.owner else "") + f": {f.message}" for f in rows)
    if record.drift:
        lines.append("drift:")
        lines.extend(f"  {d.status} {d.address}" + (f" ({', '.join(d.facts)})" if d.facts else "")
                     for d in record.drift)
    return lines


def store_drift_run(args: argparse.Namespace, report: Any, findings: Any, sources: list[str]) -> bool:
    """``drift --store``: keep the run; False (after saying why) when the store cannot take it."""
    from scanner.history import SourceRow, StoreError, open_store
    from scanner.history.capture import record_of

    scope = args.scope or "drift:" + "+".join(sources)
    rows = [SourceRow(name, True, "; ".join(g.describe() for g in report.gaps if g.provider == name))
            for name in sources]
    try:
        with open_store(args.store) as store:
            run_id = store.save(record_of(report, findings, kind="drift", scope=scope, sources=rows))
            counts = store.changes(run_id).counts()
    except StoreError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return False
    print(f"specdrift: stored run {run_id} (scope {scope}): {counts['new']} new, {counts['fixed']} fixed",
          file=sys.stderr)
    return True
