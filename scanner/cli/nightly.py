"""``specdrift nightly --config FILE``: collect every configured source, drift it against the IaC, apply the
baseline, store the run and write ``reports/<date>/`` (JSON, Markdown summary, Prometheus textfile).

A source that fails does not stop the night: it is ``specdrift_source_up 0`` and its checks are ``unknown``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, command, paths_exist

if TYPE_CHECKING:
    from scanner.history import RunRecord
    from scanner.history.shards import Part

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
    beyond = nightly.add_argument_group("beyond one machine (docs/nightly.md)")
    beyond.add_argument("--shard", metavar="I/N", help=(
        "collect shard I (0-based) of N of the configured sources and store it under the run ID; no reports. "
        "auto/N takes I from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)"))
    beyond.add_argument("--run-id", metavar="RUN", help=(
        "the run ID the shards write under (default: the UTC date and a digest of the configuration, "
        "e.g. 2026-12-06-1a2b3c4d5e6f)"))
    beyond.add_argument("--merge", metavar="RUN", help=(
        "build the one report of run RUN from its stored shards (today: the default run ID of today, for shards "
        "started without --run-id); the sources of a shard that failed or never reported are unknown, with the "
        "reason"))
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
        return _down(name, reason), reason
    if not collection.resources and collection.gaps:
        return collection, down_reason(collection.gaps)
    return collection, ""


def down_reason(gaps: Sequence[Any]) -> str:
    """Why a source that read nothing is down, in one line a person reads: the first gap of each kind (every
    call refused the same way says the same), with how many more there were."""
    firsts: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for gap in gaps:
        firsts.setdefault(gap.code, gap)
        counts[gap.code] = counts.get(gap.code, 0) + 1
    return "; ".join(firsts[code].describe() + (f" (and {counts[code] - 1} more {code} gaps like it)"
                                                if counts[code] > 1 else "") for code in firsts)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        if getattr(args, "webhook", None):
            config["webhook"] = args.webhook
        if args.merge is not None or args.shard is not None:
            from scanner.cli.nightly_shard import merge, shard

            if args.merge is not None and (args.shard is not None or args.run_id is not None):
                raise NightlyConfigError("--merge RUN names the run itself: no --shard or --run-id with it")
            return merge(config, args.merge) if args.merge is not None else shard(config, args.shard, args.run_id)
        if args.run_id is not None:
            raise NightlyConfigError("--run-id names the run of a sharded night: use it with --shard")
        return nightly(config)
    except NightlyConfigError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


@dataclass
class Prepared:
    """What every source is judged against: the scanned IaC, the pack, the baseline."""

    outcome: Any  # the loaded IaC, None without any
    policies: list[Any]
    baseline: str | None
    scan_s: float


def prepare(config: dict[str, Any]) -> Prepared:
    from scanner.mappings import load_paths
    from scanner.policy.pack import load_pack

    iac = list(config.get("iac", []))
    if not paths_exist(iac):
        raise NightlyConfigError(f"an IaC path of the configuration does not exist: {', '.join(iac)}")
    clock = time.monotonic()
    policies, _ = load_pack((), True, ())
    outcome = load_paths(iac) if iac else None
    return Prepared(outcome, list(policies), config.get("baseline"), round(time.monotonic() - clock, 3))


def collect_parts(prepared: Prepared, sources: Sequence[tuple[str, dict[str, Any]]],
                  failed: dict[str, str] | None = None, notes: bool = True) -> list[Part]:
    """One part per (key, source): collected, drifted against the IaC, judged, the baseline applied.
    A source in ``failed`` is not collected: it is down for the reason given, its checks unknown."""
    from scanner.baseline import BaselineError, apply_baseline, known_ids
    from scanner.drift.findings import drift_findings
    from scanner.drift.report import build
    from scanner.history import SourceRow
    from scanner.history.capture import details_by, drift_rows, finding_row
    from scanner.history.shards import Part

    judged = []
    details: dict[str, dict[str, Any]] = {}
    for key, source in sources:
        name = source["name"]
        started = time.monotonic()
        if failed is not None and key in failed:
            collection, reason = _down(name, failed[key]), failed[key]
        else:
            print(f"specdrift: collecting {name} ...", file=sys.stderr)
            collection, reason = _collect(name, source.get("options", {}))
            print(f"specdrift: {name}: " + (f"DOWN ({reason})" if reason else f"{len(collection.resources)} "
                                            "resources"), file=sys.stderr)
        elapsed = round(time.monotonic() - started, 3)
        outcome = prepared.outcome
        report = build(outcome.resources if outcome else [], collection, prepared.policies, None,
                       outcome.files if outcome else {}, outcome.errors if outcome else [], name)
        judged.append((key, SourceRow(name, not reason, reason, elapsed), drift_findings(report), drift_rows(report)))
        details.update(details_by(report))  # by fingerprint: what the report shows beyond each verdict
    findings = [f for _, _, found, _ in judged for f in found]
    if prepared.baseline:  # applied to all at once: an acceptance may match findings of several sources
        try:
            findings, said = apply_baseline(findings, prepared.baseline, known_ids(prepared.policies))
        except BaselineError as exc:
            raise NightlyConfigError(str(exc)) from exc
        for note in said if notes else ():
            print(f"specdrift: {note}", file=sys.stderr)
    parts, at = [], 0
    for key, row, found, drift in judged:
        parts.append(Part(key, row, [finding_row(f, details.get(f.fingerprint)) for f in findings[at:at + len(found)]],
                          drift))
        at += len(found)
    return parts


def _down(name: str, reason: str) -> Any:
    """The collection of a source that did not answer: empty, with a gap for every type it reads."""
    from scanner.collectors import COLLECTORS
    from scanner.collectors.collection import Collection, Gap

    types = COLLECTORS[name].resource_types() if name in COLLECTORS else ()
    return Collection(name, gaps=[Gap(name, name, "collect", reason, types=types)])


def scope_of(config: dict[str, Any]) -> str:
    return str(config.get("scope") or "nightly:" + "+".join(s["name"] for s in config["sources"]))


def nightly(config: dict[str, Any], now: datetime | None = None) -> int:
    from scanner import __version__
    from scanner.history.capture import pack_version
    from scanner.history.shards import assemble, keyed_sources

    now = now or datetime.now(timezone.utc)
    clock = time.monotonic()
    prepared = prepare(config)
    parts = collect_parts(prepared, keyed_sources(config))
    record = assemble(parts, scope=scope_of(config), started_at=now.isoformat(timespec="seconds"),
                      duration_s=time.monotonic() - clock, tool_version=__version__,
                      pack_version=pack_version(prepared.policies), timings={"scan_iac": prepared.scan_s})
    return publish(config, record)


def publish(config: dict[str, Any], record: RunRecord, run_key: str | None = None) -> int:
    """Store ``record`` (the merge of ``run_key``, if given), write ``reports/<date>/``; the exit code."""
    from scanner.history import StoreError, open_store
    from scanner.nightly import write_reports
    from scanner.reporters.html import trend_of

    try:
        with open_store(config.get("store", ".specdrift/history.db")) as store:
            store.save(record)
            if run_key is not None and record.id is not None:
                from scanner.history.shards import mark_merged

                mark_merged(store, run_key, record.id)
            changes = store.changes(record)
            trend = trend_of(store, record)
    except StoreError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    started = datetime.fromisoformat(record.started_at)
    folder = Path(config.get("output_dir", ".")) / "reports" / started.date().isoformat()
    write_reports(folder, record, changes, started.timestamp(), trend)
    if config.get("webhook"):  # after the files: a slow or failing webhook never holds them back
        from scanner.cli.webhook import send_and_record

        send_and_record(config["webhook"], folder, record, changes)
    counts = changes.counts()
    print(f"specdrift: run {record.id}: {counts['new']} new, {counts['fixed']} fixed, {counts['open']} open; "
          f"reports in {folder}", file=sys.stderr)
    # any open finding fails the night (what failing(findings, Severity.INFO) said of the findings themselves)
    return EXIT_FINDINGS if any(f.open for f in record.findings) else EXIT_OK
