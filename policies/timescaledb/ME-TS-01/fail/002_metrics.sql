CREATE EXTENSION IF NOT EXISTS timescaledb;

-- never converted: a plain PostgreSQL table (the wrong-column case is in tests/test_engines_policies.py,
-- since a hypertable in this directory would count for this table too)
CREATE TABLE IF NOT EXISTS metrics (
    time TIMESTAMPTZ NOT NULL,
    value DOUBLE PRECISION
);
