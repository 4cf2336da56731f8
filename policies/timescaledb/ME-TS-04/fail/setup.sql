SELECT create_hypertable('metrics', 'time');

CREATE MATERIALIZED VIEW hourly_metrics
WITH (timescaledb.continuous) AS
SELECT
    time_bucket('15 minutes', time) AS bucket,
    metric_name,
    avg(value) AS avg_value
FROM metrics
GROUP BY bucket, metric_name;

SELECT add_continuous_aggregate_policy('hourly_metrics',
    start_offset => INTERVAL '3 hours',
    end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '1 day'
);
