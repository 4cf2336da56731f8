-- TimescaleDB 2.18+ spellings of the same settings
ALTER TABLE public.metrics SET (
    timescaledb.enable_columnstore = true,
    timescaledb.segmentby = 'metric_name,channel',
    timescaledb.orderby = 'time DESC'
);
CALL add_columnstore_policy('metrics', after => INTERVAL '30d');
