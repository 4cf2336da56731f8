SELECT create_hypertable('metrics', 'time');

-- shorter than the guide: loses data
SELECT add_retention_policy('metrics', INTERVAL '30 days');
