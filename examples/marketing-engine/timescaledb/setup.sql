-- Create TimescaleDB extension
CREATE EXTENSION IF NOT EXISTS timescaledb;

-- Create analytics tables
CREATE TABLE metrics (
    time TIMESTAMPTZ NOT NULL,
    metric_name TEXT NOT NULL,
    channel TEXT,
    campaign_id UUID,
    value DOUBLE PRECISION,
    metadata JSONB
);

-- Convert to hypertable
SELECT create_hypertable('metrics', 'time');

-- Create indexes
CREATE INDEX idx_metrics_metric_time ON metrics (metric_name, time DESC);
CREATE INDEX idx_metrics_channel_time ON metrics (channel, time DESC);
CREATE INDEX idx_metrics_campaign ON metrics (campaign_id, time DESC);

-- Compression policy
ALTER TABLE metrics SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'metric_name,channel',
    timescaledb.compress_orderby = 'time DESC'
);

-- Add compression policy (compress data older than 30 days)
SELECT add_compression_policy('metrics', INTERVAL '30 days');

-- Continuous aggregates
CREATE MATERIALIZED VIEW hourly_metrics
WITH (timescaledb.continuous) AS
SELECT 
    time_bucket('1 hour', time) AS hour,
    metric_name,
    channel,
    campaign_id,
    avg(value) as avg_value,
    sum(value) as sum_value,
    count(*) as count
FROM metrics
GROUP BY hour, metric_name, channel, campaign_id;

-- Refresh policy
SELECT add_continuous_aggregate_policy('hourly_metrics',
    start_offset => INTERVAL '3 hours',
    end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '1 hour'
);

-- Retention policy (keep raw data for 90 days)
SELECT add_retention_policy('metrics', INTERVAL '90 days');
