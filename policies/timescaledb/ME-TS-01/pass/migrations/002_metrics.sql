\set ON_ERROR_STOP on
CREATE TABLE public."metrics" (
    "time" TIMESTAMPTZ NOT NULL,
    metric_name TEXT NOT NULL
);
