"""``specdrift nightly --config FILE``: collect every configured source, drift it against the IaC, apply the
baseline, store the run and write ``reports/<date>/`` (JSON, Markdown summary, Prometheus textfile).

A source that fails does not stop the night: it is ``specdrift_source_up 0`` and its checks are ``unknown``."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, command, paths_exist

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "nightly-config.schema.json"


class NightlyConfigError(ValueError):
    """The configuration file cannot be read or does not validate."""


@command("nightly", order=90)
def register(sub: Any) -> None:
    nightly = sub.add_parser("nightly", help="the nightly drift run: every source, stored, reports/<date>/",
                             description=__doc__)
    nightly.add_argument("--config", required=True, metavar="FILE", help="the nightly configuration (YAML)")
    nightly.add_argument("--webhook", metavar="URL", help="POST the summary (Slack-compatible JSON) here; "
                         "overrides the configuration's webhook")
    nightly.set_defaults(run=run)


def load_config(path: str) -> dict[str, Any]:
    from scanner.tables import read_table

    data = read_table(Path(path), None, schema=SCHEMA, error=NightlyConfigError)
    if not isinstance(data, dict):
        raise NightlyConfigError(f"{path}: empty configuration")
    return data


def source_argv(options: dict[str, Any]) -> list[str]:
    """A source's options as the command line ``drift`` would take (``redis: [URL]`` -> ``--redis URL``)."""
    argv: list[str] = []
    for key, value in options.items():
        for one in value if isinstance(value, list) else [value]:
            if one is True:
                argv.append(f"--{key}")
            elif one is not False:
                argv += [f"--{key}", str(one)]
    return argv


def _collect(name: str, options: dict[str, Any]) -> tuple[Any, str]:
    """One source's collection and, when it failed, why (then the collection is empty with a gap for every type
    the source reads, so its checks come out unknown)."""
    from scanner.cli.collect import add_collector_arguments
    from scanner.collectors import COLLECTORS
    from scanner.collectors.collection import Collection, Gap
    from scanner.masking import redact

    if name not in COLLECTORS:
        raise NightlyConfigError(f"unknown source {name!r}: one of {', '.join(COLLECTORS.names())}")
    plugin = COLLECTORS[name]
    parser = argparse.ArgumentParser(prog=f"source {name}", exit_on_error=False)
    add_collector_arguments(parser)
    try:
        collection = plugin.collect(plugin.options(parser.parse_args(source_argv(options))))
    except (argparse.ArgumentError, SystemExit) as exc:
        raise NightlyConfigError(f"source {name}: bad options: {exc}") from exc
    except Exception as exc:  # a failing source is reported, never the end of the night
        reason = redact(f"{type(exc).__name__}: {exc}")
        return Collection(name, gaps=[Gap(name, name, "collect", reason, types=plugin.resource_types())]), reason
    if not collection.resources and collection.gaps:
        return collection, "; ".join(g.describe() for g in collection.gaps)
    return collection, ""


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        if getattr(args, "webhook", None):
            config["webhook"] = args.webhook
        return nightly(config)
    except NightlyConfigError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def nightly(config: dict[str, Any], now: datetime | None = None) -> int:
    from scanner.baseline import BaselineError, apply_baseline
    from scanner.drift.findings import drift_findings, failing
    from scanner.drift.report import build, combined
    from scanner.history import SourceRow, StoreError, open_store
    from scanner.history.capture import record_of
    from scanner.mappings import load_paths
    from scanner.model import Severity
    from scanner.nightly import write_reports
    from scanner.policy.pack import load_pack
    from scanner.reporters.html import trend_of

    now = now or datetime.now(timezone.utc)
    iac = list(config.get("iac", []))
    if not paths_exist(iac):
        return EXIT_ERROR
    timings: dict[str, float] = {}
    clock = time.monotonic()
    policies, _ = load_pack((), True, ())
    outcome = load_paths(iac) if iac else None
    timings["scan_iac"] = round(time.monotonic() - clock, 3)
    reports, sources = [], []
    for source in config["sources"]:
        name = source["name"]
        started = time.monotonic()
        print(f"specdrift: collecting {name} ...", file=sys.stderr)
        collection, reason = _collect(name, source.get("options", {}))
        elapsed = round(time.monotonic() - started, 3)
        sources.append(SourceRow(name, not reason, reason, elapsed))
        print(f"specdrift: {name}: " + (f"DOWN ({reason})" if reason else f"{len(collection.resources)} resources"),
              file=sys.stderr)
        reports.append(build(outcome.resources if outcome else [], collection, policies, None,
                             outcome.files if outcome else {}, outcome.errors if outcome else [], name))
        timings[f"collect_{name}"] = elapsed
    report = combined(reports)
    findings = drift_findings(report)
    if config.get("baseline"):
        try:
            findings, notes = apply_baseline(findings, config["baseline"])
        except BaselineError as exc:
            print(f"specdrift: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        for note in notes:
            print(f"specdrift: {note}", file=sys.stderr)
    scope = config.get("scope") or "nightly:" + "+".join(s["name"] for s in config["sources"])
    record = record_of(report, findings, kind="nightly", scope=scope, sources=sources, timings=timings)
    try:
        with open_store(config.get("store", ".specdrift/history.db")) as store:
            store.save(record)
            changes = store.changes(record)
            trend = trend_of(store, record)
    except StoreError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    folder = Path(config.get("output_dir", ".")) / "reports" / now.date().isoformat()
    write_reports(folder, record, changes, now.timestamp(), trend)
    if config.get("webhook"):  # after the files: a slow or failing webhook never holds them back
        from scanner.cli.webhook import send_and_record

        send_and_record(config["webhook"], folder, record, changes)
    counts = changes.counts()
    print(f"specdrift: run {record.id}: {counts['new']} new, {counts['fixed']} fixed, {counts['open']} open; "
          f"reports in {folder}", file=sys.stderr)
    return EXIT_FINDINGS if failing(findings, Severity.INFO) else EXIT_OK
