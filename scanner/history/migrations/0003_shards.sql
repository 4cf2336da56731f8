-- version 3: sharded nightly runs. Each shard of a run (one run key, shards 0..N-1) says it started, then
-- stores the parts it collected (one per configured source, keyed by the source's identity) and that it is
-- done, or that it failed and why; `nightly --merge RUN` reads them and saves the merged run as usual.
CREATE TABLE shards (
    run_key TEXT NOT NULL,
    shard INTEGER NOT NULL,
    shards INTEGER NOT NULL,
    config_digest TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    pack_version TEXT NOT NULL,
    timings TEXT NOT NULL,
    PRIMARY KEY (run_key, shard)
);
CREATE TABLE shard_parts (
    run_key TEXT NOT NULL,
    shard INTEGER NOT NULL,
    source_key TEXT NOT NULL,
    part TEXT NOT NULL,
    PRIMARY KEY (run_key, source_key)
);
CREATE TABLE merged_runs (
    run_key TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE
);
