"""``nightly --shard I/N`` and ``nightly --merge RUN``: the nightly run beyond one machine (docs/nightly.md).

No scheduler or queue of our own: the cluster starts the shards (a Kubernetes Indexed Job, one pod per index) and
the merge, and the shared history store is where they meet. A shard stores what it collected under the run ID and
writes no report; the merge builds the one run and report from the stored shards, every configured source in it."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_OK
from scanner.cli.nightly import NightlyConfigError, collect_parts, prepare, publish, scope_of

TODAY = "today"  # --merge today: the default run ID of today's date (UTC) and this configuration


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def shard(config: dict[str, Any], shard_text: str, run_key: str | None = None) -> int:
    """Collect the sources of one shard and store them under the run ID (exit 0 once stored: findings are the
    merge's verdict, and a non-zero exit would make the Job retry a shard that did its work)."""
    from scanner.history import StoreError, open_store, shards
    from scanner.history.capture import pack_version
    from scanner.masking import redact

    try:
        spec = shards.parse_shard(shard_text)
    except ValueError as exc:
        raise NightlyConfigError(str(exc)) from exc
    run_key = run_key or shards.default_run_key(config, datetime.now(timezone.utc).date())
    keyed = shards.keyed_sources(config)
    mine = [(k, s) for k, s in keyed if shards.shard_of(k, spec.count) == spec.index]
    print(f"specdrift: run {run_key}, shard {spec}: {len(mine)} of {len(keyed)} sources", file=sys.stderr)
    try:
        with open_store(config.get("store", ".specdrift/history.db")) as store:
            shards.begin(store, run_key, spec, shards.config_digest(config), _now())
            try:
                prepared = prepare(config)
                parts = collect_parts(prepared, mine, notes=False)
            except Exception as exc:  # the merge says why this shard's sources are unknown
                shards.fail(store, run_key, spec, str(exc) if isinstance(exc, NightlyConfigError)
                     else redact(f"{type(exc).__name__}: {exc}"), _now())
                raise
            shards.finish(store, run_key, spec, parts, pack_version(prepared.policies), {"scan_iac": prepared.scan_s},
                   _now())
    except StoreError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    down = sum(not p.source.up for p in parts)
    print(f"specdrift: shard {spec} of run {run_key} stored: {len(parts)} sources ({down} down)", file=sys.stderr)
    return EXIT_OK


def merge(config: dict[str, Any], run_key: str) -> int:
    """The one run of ``run_key`` (or ``today``) from its stored shards, stored and reported like an unsharded
    night."""
    from scanner import __version__
    from scanner.history import StoreError, open_store, shards
    from scanner.history.capture import pack_version

    clock = time.monotonic()
    if run_key == TODAY:  # what shards started today without --run-id wrote under
        run_key = shards.default_run_key(config, datetime.now(timezone.utc).date())
    keyed = shards.keyed_sources(config)
    try:
        with open_store(config.get("store", ".specdrift/history.db")) as store:
            if (merged := shards.merged_run(store, run_key)) is not None:
                raise NightlyConfigError(f"run {run_key} was merged already, as run {merged}")
            states = shards.shard_states(store, run_key)
            stored = shards.stored_parts(store, run_key)
    except StoreError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    counts = {s.shards for s in states.values()}
    if len(counts) > 1:
        raise NightlyConfigError(f"the shards of run {run_key} were started with different counts: "
                                 f"{', '.join(f'{s.shard}/{s.shards}' for s in states.values())}")
    count = counts.pop() if counts else None
    if any(s.config_digest != shards.config_digest(config) for s in states.values()):
        print(f"specdrift: warning: shards of run {run_key} ran another version of {scope_of(config)}'s "
              "configuration; sources it does not name are left out, sources it lacks are unknown", file=sys.stderr)
    failed = {}
    for key, source in keyed:
        if key in stored:
            continue
        if count is None:
            why = f"no shard of run {run_key} reported"
        elif (state := states.get(shards.shard_of(key, count))) is not None:
            why = state.why_missing(run_key)
        else:
            why = f"shard {shards.shard_of(key, count)}/{count} of run {run_key} never reported"
        failed[key] = f"{shards.describe(source)} not collected: {why}"
    prepared = prepare(config)
    missing = {p.key: p for p in collect_parts(prepared, [(k, s) for k, s in keyed if k in failed], failed,
                                               notes=False)}
    parts = [stored.get(key) or missing[key] for key, _ in keyed]
    for key in failed:
        print(f"specdrift: unknown: {failed[key]}", file=sys.stderr)
    began = [datetime.fromisoformat(s.started_at) for s in states.values()]
    ended = [datetime.fromisoformat(s.finished_at) for s in states.values() if s.finished_at]
    started = min(began) if began else datetime.now(timezone.utc)
    duration = (max(ended) - started).total_seconds() if ended else 0.0
    done = [s.pack_version for s in states.values() if s.pack_version]
    scan_s = max([s.timings.get("scan_iac", 0.0) for s in states.values()], default=0.0)
    record = shards.assemble(parts, scope=scope_of(config), started_at=started.isoformat(timespec="seconds"),
                      duration_s=duration, tool_version=__version__,
                      pack_version=done[0] if done else pack_version(prepared.policies),
                      timings={"scan_iac": scan_s, "merge": round(time.monotonic() - clock, 3)})
    return publish(config, record, run_key)
