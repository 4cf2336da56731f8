"""The nightly run's outputs in ``reports/<date>/``: JSON, a Markdown summary of what changed since the previous
run, and a Prometheus textfile-collector file (written atomically: a scrape never reads half a file)."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.history.records import Changes, FindingRow, RunRecord

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scanner.reporters.html import TrendPoint

PROM_FILE, JSON_FILE, MARKDOWN_FILE, HTML_FILE = "specdrift.prom", "report.json", "summary.md", "report.html"


def write_atomically(path: Path, text: str) -> None:
    """``text`` at ``path`` by a temporary file in the same folder renamed over it."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _row(f: FindingRow) -> dict[str, Any]:
    return {"fingerprint": f.fingerprint, "policy": f.policy, "requirements": list(f.requirements),
            "severity": f.severity, "status": f.status, "resource": f.resource, "fact": f.fact,
            "message": f.message, "accepted": f.accepted, "owner": f.owner}


def as_json(run: RunRecord, changes: Changes) -> str:
    return json.dumps({
        "kind": "specdrift-nightly", "run": run.id, "previous_run": changes.previous, "scope": run.scope,
        "started_at": run.started_at, "duration_seconds": run.duration_s, "tool_version": run.tool_version,
        "pack_version": run.pack_version, "timings": run.timings, "counts": changes.counts(),
        "sources": [{"name": s.name, "up": s.up, "reason": s.reason, "duration_seconds": s.duration_s}
                    for s in run.sources],
        "new": [_row(f) for f in changes.new], "fixed": [_row(f) for f in changes.fixed],
        "still_open": [_row(f) for f in changes.still_open],
        "newly_accepted": [_row(f) for f in changes.newly_accepted],
        "unknown": [_row(f) for f in run.findings if f.status in ("unknown", "error")],
        "drift": [{"status": d.status, "type": d.resource_type, "address": d.address, "source": d.source,
                   "facts": list(d.facts)} for d in run.drift],
    }, indent=1, sort_keys=False) + "\n"


def _md(text: str) -> str:
    """A value in a Markdown table cell or list item: no pipe, no line break, no markup."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'").replace("<", "&lt;")


def as_markdown(run: RunRecord, changes: Changes) -> str:
    counts = changes.counts()
    unknown = sum(f.status in ("unknown", "error") for f in run.findings)
    since = f"run {changes.previous}" if changes.previous is not None else "no earlier run"
    lines = [f"## specdrift nightly: {_md(run.scope)} ({run.started_at[:10]})", "",
             f"**{counts['new']} new**, {counts['fixed']} fixed, {counts['open']} open, "
             f"{counts['newly_accepted']} newly accepted, {unknown} unknown, {len(run.drift)} drift items "
             f"(run {run.id}, since {since})", ""]
    down = [s for s in run.sources if not s.up]
    if down:
        lines += ["Sources that failed (their checks are unknown):", ""]
        lines += [f"- {_md(s.name)}: {_md(s.reason)}" for s in down] + [""]
    for title, rows in (("New", changes.new), ("Fixed", changes.fixed), ("Newly accepted", changes.newly_accepted),
                        ("Still open", changes.still_open)):
        if not rows:
            continue
        lines += [f"### {title} ({len(rows)})", "", "| severity | policy | resource | detail |", "|---|---|---|---|"]
        lines += [f"| {f.severity} | {_md(f.policy)} | {_md(f.resource)} | {_md(f.message)}"
                  + (f" (owner {_md(f.owner)})" if f.owner else "") + " |" for f in rows] + [""]
    return "\n".join(lines)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def as_prometheus(run: RunRecord, timestamp: float) -> str:
    """The textfile collector's exposition: findings by severity, requirement and status; drift; sources."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for f in run.findings:
        status = "accepted" if f.accepted else f.status
        for requirement in f.requirements or ("",):
            counts[(f.severity, requirement, status)] += 1
    lines = ["# HELP specdrift_findings Findings of the last nightly run.", "# TYPE specdrift_findings gauge"]
    lines += [f'specdrift_findings{{severity="{_label(s)}",requirement="{_label(r)}",status="{_label(st)}"}} {n}'
              for (s, r, st), n in sorted(counts.items())]
    lines += ["# HELP specdrift_drift_items Drifted or unknown resource pairs of the last run.",
              "# TYPE specdrift_drift_items gauge", f"specdrift_drift_items {len(run.drift)}",
              "# HELP specdrift_source_up Whether a live source answered in the last run.",
              "# TYPE specdrift_source_up gauge"]
    lines += [f'specdrift_source_up{{source="{_label(s.name)}"}} {int(s.up)}' for s in run.sources]
    lines += ["# HELP specdrift_last_run_timestamp_seconds When the last nightly run started.",
              "# TYPE specdrift_last_run_timestamp_seconds gauge",
              f"specdrift_last_run_timestamp_seconds {timestamp:.0f}"]
    return "\n".join(lines) + "\n"


def as_html(run: RunRecord, changes: Changes, trend: Sequence[TrendPoint] = ()) -> str:
    """The HTML report (scanner/reporters/html.py); ``trend``: the stored runs of the scope, oldest first."""
    from scanner.reporters.html import render_run

    return render_run(run, changes, trend)


def write_reports(folder: Path, run: RunRecord, changes: Changes, timestamp: float,
                  trend: Sequence[TrendPoint] = ()) -> list[Path]:
    """Every output of a run into ``folder`` (made if absent); the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((JSON_FILE, as_json(run, changes)), (MARKDOWN_FILE, as_markdown(run, changes)),
                       (PROM_FILE, as_prometheus(run, timestamp)), (HTML_FILE, as_html(run, changes, trend))):
        write_atomically(folder / name, text)
        written.append(folder / name)
    return written
