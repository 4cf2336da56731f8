SELECT create_hypertable('metrics', 'time');
SELECT add_retention_policy('metrics', INTERVAL '90 days');
