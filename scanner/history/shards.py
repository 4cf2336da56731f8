"""Sharded nightly runs: which shard collects a source, the run key every shard writes under, and the parts the
shards store for ``nightly --merge`` to put together into one run.

A source's shard is a hash of its identity (its name and options: the account, project, subscription, context or
URL it reads), so a source stays on its shard when others are added or removed, and every process computes the
same assignment from nothing but the configuration file. The store is the only meeting point: a shard says it
started, then stores one part per source it collected and that it is done (one transaction), or that it failed
and why. The merge knows every source from the configuration, so a source whose shard failed, was killed or never
started is still in the merged run, ``unknown`` with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from scanner.history.records import DriftRow, FindingRow, FixRow, RunRecord, SourceRow

SHARD_ENV = "JOB_COMPLETION_INDEX"  # what a Kubernetes Indexed Job sets in each pod: the pod's index
RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass(frozen=True)
class ShardSpec:
    """Shard ``index`` (0-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str, env: Mapping[str, str] | None = None) -> ShardSpec:
    """``I/N`` (0 <= I < N), or ``auto/N``: I from ``$JOB_COMPLETION_INDEX``, as an Indexed Job's pod has it."""
    env = os.environ if env is None else env
    index_text, slash, count_text = text.partition("/")
    if index_text == "auto":
        if SHARD_ENV not in env:
            raise ValueError(f"--shard {text}: auto takes the index from ${SHARD_ENV}, which is not set")
        index_text = env[SHARD_ENV]
    try:
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ValueError(f"--shard {text}: expected I/N (e.g. 0/4) or auto/N") from None
    if not slash or count < 1 or not 0 <= index < count:
        raise ValueError(f"--shard {text}: expected I/N with 0 <= I < N")
    return ShardSpec(index, count)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def source_keys(sources: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each configured source's identity digest, in order; a source configured twice alike gets ``#2``, ``#3``."""
    keys, seen = [], dict[str, int]()
    for source in sources:
        digest = hashlib.sha256(_canonical({"name": source["name"], "options": source.get("options") or {}})
                                .encode()).hexdigest()[:24]
        seen[digest] = seen.get(digest, 0) + 1
        keys.append(digest if seen[digest] == 1 else f"{digest}#{seen[digest]}")
    return keys


def keyed_sources(config: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(key, source) of every configured source, in order."""
    sources = list(config["sources"])
    return list(zip(source_keys(sources), sources, strict=True))


def describe(source: Mapping[str, Any]) -> str:
    """A source as a person tells it from the others of its name: its option values, URLs without their user,
    password and query, libpq ``password=`` masked (``redis redis://cache-2:6379/0``)."""
    import re
    from urllib.parse import urlsplit

    def shown(value: Any) -> str:
        text = str(value)
        parts = urlsplit(text)
        if parts.scheme and parts.netloc:
            return parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment="").geturl()
        return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1****", text, flags=re.IGNORECASE)

    values = [shown(v) for value in (source.get("options") or {}).values()
              for v in (value if isinstance(value, list) else [value]) if not isinstance(v, bool)]
    return " ".join([str(source["name"]), *values])


def shard_of(key: str, count: int) -> int:
    """The shard that collects the source of ``key`` (alike sources share one)."""
    return int(key.partition("#")[0], 16) % count


def config_digest(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical(config).encode()).hexdigest()


def default_run_key(config: Mapping[str, Any], day: date) -> str:
    """The run key when ``--run-id`` is not given: the UTC date and a digest of the configuration, so shards
    started the same day from the same file agree on it without talking to each other."""
    return f"{day.isoformat()}-{config_digest(config)[:12]}"


@dataclass
class Part:
    """What one source contributed to a run: its outcome, its findings (the baseline applied), its drift."""

    key: str
    source: SourceRow
    findings: list[FindingRow] = field(default_factory=list)
    drift: list[DriftRow] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"key": self.key, "source": asdict(self.source),
                           "findings": [asdict(f) for f in self.findings], "drift": [asdict(d) for d in self.drift]})

    @classmethod
    def from_json(cls, text: str) -> Part:
        data = json.loads(text)
        return cls(data["key"], SourceRow(**data["source"]),
                   [FindingRow(**{**f, "requirements": tuple(f["requirements"]),
                                  "fixes": tuple(FixRow(**x) for x in f.get("fixes", ()))}) for f in data["findings"]],
                   [DriftRow(**{**d, "facts": tuple(d["facts"])}) for d in data["drift"]])


def assemble(parts: Sequence[Part], *, scope: str, started_at: str, duration_s: float, tool_version: str,
             pack_version: str, timings: Mapping[str, float]) -> RunRecord:
    """The nightly run made of ``parts`` in configuration order: an unsharded run and a merge of shards are both
    built here, so the same sources give the same run whichever way they were collected."""
    every = dict(timings)
    for part in parts:
        every[f"collect_{part.source.name}"] = part.source.duration_s
    return RunRecord("nightly", scope, started_at, round(duration_s, 3), tool_version, pack_version,
                     [f for p in parts for f in p.findings], [p.source for p in parts],
                     [d for p in parts for d in p.drift], every)


@dataclass(frozen=True)
class ShardState:
    """A shard of a run as the store knows it."""

    shard: int
    shards: int
    state: str  # running | done | failed
    reason: str
    started_at: str
    finished_at: str | None
    config_digest: str
    pack_version: str
    timings: dict[str, float]

    def why_missing(self, run_key: str) -> str:
        """Why a source of this shard has no part."""
        where = f"shard {self.shard}/{self.shards} of run {run_key}"
        if self.state == FAILED:
            return f"{where} failed: {self.reason}"
        if self.state == RUNNING:
            return f"{where} started at {self.started_at} and never finished (killed, or still running)"
        return f"{where} finished without this source (it ran another configuration)"


def begin(store: Any, run_key: str, spec: ShardSpec, digest: str, started_at: str) -> None:
    """Say shard ``spec`` of ``run_key`` started (a retried shard starts over: its earlier parts go)."""
    with store.transaction():
        store.execute("DELETE FROM shard_parts WHERE run_key = ? AND shard = ?", (run_key, spec.index))
        store.execute("DELETE FROM shards WHERE run_key = ? AND shard = ?", (run_key, spec.index))
        store.execute("INSERT INTO shards (run_key, shard, shards, config_digest, state, reason, started_at, "
                      "pack_version, timings) VALUES (?, ?, ?, ?, ?, '', ?, '', '{}')",
                      (run_key, spec.index, spec.count, digest, RUNNING, started_at))


def finish(store: Any, run_key: str, spec: ShardSpec, parts: Sequence[Part], pack_version: str,
           timings: Mapping[str, float], finished_at: str) -> None:
    """Store the shard's parts and mark it done, in one transaction: a shard killed while writing stays
    ``running`` with no parts."""
    with store.transaction():
        cursor = store.connection.cursor()
        cursor.executemany(store.dialect.sql(
            "INSERT INTO shard_parts (run_key, shard, source_key, part) VALUES (?, ?, ?, ?)"),
            [(run_key, spec.index, p.key, p.to_json()) for p in parts])
        store.execute("UPDATE shards SET state = ?, finished_at = ?, pack_version = ?, timings = ? "
                      "WHERE run_key = ? AND shard = ?",
                      (DONE, finished_at, pack_version, json.dumps(dict(timings), sort_keys=True), run_key,
                       spec.index))


def fail(store: Any, run_key: str, spec: ShardSpec, reason: str, finished_at: str) -> None:
    with store.transaction():
        store.execute("UPDATE shards SET state = ?, reason = ?, finished_at = ? WHERE run_key = ? AND shard = ?",
                      (FAILED, reason, finished_at, run_key, spec.index))


def shard_states(store: Any, run_key: str) -> dict[int, ShardState]:
    rows = store.rows("SELECT shard, shards, state, reason, started_at, finished_at, config_digest, pack_version, "
                      "timings FROM shards WHERE run_key = ? ORDER BY shard", (run_key,))
    return {int(r[0]): ShardState(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]))
            for r in rows}


def stored_parts(store: Any, run_key: str) -> dict[str, Part]:
    """The parts of the shards of ``run_key`` that finished, by source key."""
    rows = store.rows("SELECT p.part FROM shard_parts p JOIN shards s ON s.run_key = p.run_key AND s.shard = p.shard "
                      "WHERE p.run_key = ? AND s.state = ?", (run_key, DONE))
    parts = [Part.from_json(r[0]) for r in rows]
    return {p.key: p for p in parts}


def merged_run(store: Any, run_key: str) -> int | None:
    """The run id ``run_key`` was merged into, if it was."""
    rows = store.rows("SELECT run_id FROM merged_runs WHERE run_key = ?", (run_key,))
    return int(rows[0][0]) if rows else None


def mark_merged(store: Any, run_key: str, run_id: int) -> None:
    with store.transaction():
        store.execute("INSERT INTO merged_runs (run_key, run_id) VALUES (?, ?)", (run_key, run_id))
