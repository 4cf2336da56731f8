-- version 2: the drift items of a run, the owner of an acceptance, and the index "the previous run of this
-- scope" reads.
CREATE TABLE drift_items (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    address TEXT NOT NULL,
    source TEXT NOT NULL,
    facts TEXT NOT NULL
);
ALTER TABLE findings ADD COLUMN owner TEXT;
CREATE INDEX runs_by_scope ON runs (scope, id);
CREATE INDEX findings_by_run ON findings (run_id);
