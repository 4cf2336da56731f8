-- specdrift run history, version 1: a run, its findings, its sources.
CREATE TABLE runs (
    id {serial},
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    started_at TEXT NOT NULL,
    duration_s REAL NOT NULL,
    tool_version TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    timings TEXT NOT NULL
);
CREATE TABLE findings (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    policy TEXT NOT NULL,
    requirements TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    resource TEXT NOT NULL,
    fact TEXT,
    message TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    suppressed INTEGER NOT NULL
);
CREATE TABLE sources (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    up INTEGER NOT NULL,
    reason TEXT NOT NULL,
    duration_s REAL NOT NULL
);
