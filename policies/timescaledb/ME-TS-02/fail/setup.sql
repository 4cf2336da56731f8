CREATE TABLE metrics (time TIMESTAMPTZ NOT NULL, metric_name TEXT NOT NULL, channel TEXT, campaign_id UUID);

SELECT create_hypertable('metrics', 'time');

CREATE INDEX idx_metrics_metric_time ON metrics (metric_name, time DESC);
-- ascending time: not the guide's index
CREATE INDEX idx_metrics_channel_time ON metrics (channel, time);
