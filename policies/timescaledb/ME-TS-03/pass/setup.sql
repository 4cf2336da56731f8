SELECT create_hypertable('metrics', 'time');

ALTER TABLE metrics SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'metric_name, channel',
    timescaledb.compress_orderby = 'time desc'
);

SELECT add_compression_policy('metrics', compress_after => '720 hours'::interval);
