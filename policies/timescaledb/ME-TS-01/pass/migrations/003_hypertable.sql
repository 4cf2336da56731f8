SELECT create_hypertable('public.metrics', by_range('time', INTERVAL '1 day'));
