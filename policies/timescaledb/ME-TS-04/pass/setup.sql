SELECT create_hypertable('metrics', 'time');

CREATE MATERIALIZED VIEW hourly_metrics
WITH (timescaledb.continuous) AS
SELECT
    time_bucket('1 hour', time) AS hour,
    metric_name,
    avg(value) AS avg_value
FROM metrics
GROUP BY hour, metric_name;

SELECT add_continuous_aggregate_policy('hourly_metrics',
    start_offset => INTERVAL '3 hours',
    end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '1 hour'
);

-- another aggregate is not the guide's concern
CREATE MATERIALIZED VIEW daily_metrics WITH (timescaledb.continuous) AS
SELECT time_bucket('1 day', time) AS day, metric_name, avg(value) FROM metrics GROUP BY day, metric_name;
